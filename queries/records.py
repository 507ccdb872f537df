"""Writes for the record imports: supervision sessions, staff lists, change logs.

Each function runs one named .sql file inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

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


def latest_staff_list_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The data date of the newest active staff list, or None."""
    lists = con.execute(sql("supervision_staff_lists")).df()
    return None if lists.empty else pd.Timestamp(lists.iloc[0]["data_date"]).date()


def team_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every known team name, alphabetically."""
    return [row[0] for row in con.execute(sql("change_log_teams")).fetchall()]


def sessions_already_stored(con: duckdb.DuckDBPyConnection, *, sessions: pd.DataFrame) -> int:
    """How many of these validated sessions an active upload already holds."""
    with registered(con, incoming_sessions=sessions):
        return int(con.execute(sql("supervision_sessions_already_stored")).fetchall()[0][0])
