"""Writes for imports and upload history. Each function runs one named .sql file."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import duckdb
import pandas as pd

from queries import sql


@contextlib.contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pd.DataFrame) -> Iterator[None]:
    """Make DataFrames visible to SQL by name for the duration of the block."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            # After a failed statement the transaction is aborted and DuckDB refuses
            # even this; the caller's rollback discards the view anyway.
            with contextlib.suppress(duckdb.TransactionException):
                con.unregister(name)


def upload_with_sha256(con: duckdb.DuckDBPyConnection, *, sha256: str) -> dict | None:
    """The earlier upload of identical content, as a dict, or None."""
    frame = con.execute(sql("upload_with_sha256"), {"sha256": sha256}).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def insert_upload(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    file_name: str,
    sha256: str,
    uploaded_by: str,
    rows_read: int,
    rows_stored: int,
    rows_rejected: int,
    wave_id: int | None = None,
    mapping_name: str | None = None,
    data_date: dt.date | None = None,
    is_demo: bool = False,
) -> int:
    params = {
        "kind": kind,
        "file_name": file_name,
        "sha256": sha256,
        "uploaded_by": uploaded_by,
        "rows_read": rows_read,
        "rows_stored": rows_stored,
        "rows_rejected": rows_rejected,
        "wave_id": wave_id,
        "mapping_name": mapping_name,
        "data_date": data_date,
        "is_demo": is_demo,
    }
    return int(con.execute(sql("insert_upload"), params).fetchall()[0][0])


def wave_by_label(
    con: duckdb.DuckDBPyConnection,
    *,
    label: str,
    opened_on: dt.date | None,
    closed_on: dt.date | None,
) -> int:
    """The id of the wave called ``label``, created if new."""
    params = {"label": label, "opened_on": opened_on, "closed_on": closed_on}
    return int(con.execute(sql("wave_by_label"), params).fetchall()[0][0])


def insert_survey_upload(
    con: duckdb.DuckDBPyConnection,
    *,
    upload_id: int,
    wave_id: int,
    responses: pd.DataFrame,
    answers: pd.DataFrame,
    item_ids: list[int],
) -> None:
    """Store accepted responses and answers, then score them; inside the caller's transaction."""
    first = con.execute("select coalesce(max(id), 0) + 1 from responses").fetchall()[0][0]
    items = pd.DataFrame({"item_id": pd.Series(item_ids, dtype="int32")})
    with registered(
        con, incoming_responses=responses, incoming_answers=answers, incoming_items=items
    ):
        con.execute(
            sql("insert_responses"),
            {"upload_id": upload_id, "wave_id": wave_id, "first_response_id": int(first)},
        )
        con.execute(sql("insert_answers"), {"first_response_id": int(first)})
        con.execute(sql("insert_upload_items"), {"upload_id": upload_id})
        con.execute(sql("score_responses"), {"upload_id": upload_id})


def upsert_teams(con: duckdb.DuckDBPyConnection, *, teams: pd.DataFrame) -> None:
    """Add (team, service) pairs to the team hierarchy."""
    with registered(con, incoming_teams=teams):
        con.execute(sql("upsert_teams"))


def record_wave_teams(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> None:
    """Keep, for the wave, the service its new teams have now (the hierarchy readers see)."""
    con.execute(sql("record_wave_teams"), {"wave_id": wave_id}).fetchall()


def insert_upload_rejects(
    con: duckdb.DuckDBPyConnection, *, upload_id: int, rejects: pd.DataFrame
) -> None:
    if rejects.empty:
        return
    with registered(con, incoming_rejects=rejects.astype({"value": "str", "reason": "str"})):
        con.execute(sql("insert_upload_rejects"), {"upload_id": upload_id})


def upload_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every upload, newest first."""
    return con.execute(sql("upload_history")).df()


def set_upload_status(con: duckdb.DuckDBPyConnection, *, upload_id: int, status: str) -> bool:
    """Withdraw or restore an upload; False when there is no such upload."""
    if status not in {"active", "withdrawn"}:
        raise ValueError(f"unknown upload status {status!r}")
    rows = con.execute(
        sql("set_upload_status"), {"upload_id": upload_id, "status": status}
    ).fetchall()
    return bool(rows)


def upload_rejects(con: duckdb.DuckDBPyConnection, *, upload_id: int) -> pd.DataFrame:
    """The cells an upload held back (row, column, value, reason), in file order."""
    return con.execute(sql("upload_rejects"), {"upload_id": upload_id}).df()


def upload_by_id(con: duckdb.DuckDBPyConnection, *, upload_id: int) -> dict | None:
    """One upload (id, kind, file_name, status, is_demo) as a dict, or None."""
    frame = con.execute(sql("upload_by_id"), {"upload_id": upload_id}).df()
    return None if frame.empty else frame.iloc[0].to_dict()


def wave_labels(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every wave's label, newest first, for choosing the wave of an upload."""
    return [row[0] for row in con.execute(sql("wave_labels")).fetchall()]
