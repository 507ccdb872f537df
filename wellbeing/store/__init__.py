"""The DuckDB file: opening it, its migrations, its identifier keys, where it lives, transactions.

No Streamlit, and below the query layer: it runs only its own schema, seeding
and re-keying statements. ``from wellbeing import store`` then
``store.connect(path)``; the migrations are in ``wellbeing.store.database``, the
identifier keys (kept outside the database) in ``wellbeing.store.keys``.
"""

from wellbeing.store.database import StoreLocked, StoreUnavailable, StoreUnreadable, connect
from wellbeing.store.keys import IdentifierKeys, KeyProblem, copy_store, identifier_keys
from wellbeing.store.transaction import transaction, trial

__all__ = [
    "IdentifierKeys",
    "KeyProblem",
    "StoreLocked",
    "StoreUnavailable",
    "StoreUnreadable",
    "connect",
    "copy_store",
    "identifier_keys",
    "transaction",
    "trial",
]
