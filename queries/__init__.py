"""The query layer: one named ``.sql`` file per question, run with bound parameters.

Each submodule (``survey``, ``supervision``, ``admin``...) holds small typed
functions named after their ``.sql`` files. Pages call these and nothing else;
no page writes SQL. Every survey figure leaves this layer only through the
confidentiality gate in ``queries.survey``.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).parent


def sql(name: str) -> str:
    """Return the text of ``queries/<name>.sql``.

    Read on every call: it costs microseconds, and an edited file is picked up
    on the next rerun without restarting the server.
    """
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
