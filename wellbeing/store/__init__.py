"""The DuckDB file: opening it, its migrations and salt, where it lives, and transactions.

No Streamlit, and below the query layer: it runs only its own schema, seeding
and salt statements. ``from wellbeing import store`` then ``store.connect(path)``;
the migrations themselves are in ``wellbeing.store.database``.
"""

from wellbeing.store.database import StoreLocked, connect, ensure_salt
from wellbeing.store.transaction import transaction, trial

__all__ = ["StoreLocked", "connect", "ensure_salt", "transaction", "trial"]
