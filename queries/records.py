"""Writes for the record imports: supervision sessions, staff lists, change logs.

Each function runs one named .sql file inside the caller's transaction.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import sql
from queries.imports import registered


def insert_supervision_sessions(
    con: duckdb.DuckDBPyConnection, *, upload_id: int, sessions: pd.DataFrame
) -> None:
    """Store validated sessions (ids already hashed)."""
    with registered(con, incoming_sessions=sessions):
        con.execute(sql("insert_supervision_sessions"), {"upload_id": upload_id})


def insert_staff(con: duckdb.DuckDBPyConnection, *, upload_id: int, staff: pd.DataFrame) -> None:
    """Store a validated staff list (ids already hashed)."""
    with registered(con, incoming_staff=staff):
        con.execute(sql("insert_staff"), {"upload_id": upload_id})


def insert_change_events(
    con: duckdb.DuckDBPyConnection, *, upload_id: int, changes: pd.DataFrame
) -> None:
    """Store validated change-log rows."""
    with registered(con, incoming_changes=changes):
        con.execute(sql("insert_change_events"), {"upload_id": upload_id})
