"""What every import shares: duplicate refusal, one transaction, withdraw and restore."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import pandas as pd

import queries.imports as q
from wellbeing.ingest.reading import ImportProblem

REJECT_COLUMNS = ["row", "column", "value", "reason"]
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: says nothing."""


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": pd.Series([], dtype="str"),
                         "value": pd.Series([], dtype="str"), "reason": pd.Series([], dtype="str")})


@dataclass
class ImportReport:
    """What an import did, in the words the upload page and the command line print."""

    upload_id: int
    kind: str
    file_name: str
    rows_read: int
    rows_stored: int
    rows_rejected: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Upload #{self.upload_id} ({self.kind}, {self.file_name}): {self.rows_read:,} rows read, "
            f"{self.rows_stored:,} stored, {self.rows_rejected:,} rejected."
        )


def refuse_duplicate(con: duckdb.DuckDBPyConnection, *, sha256: str) -> None:
    """Raise ImportProblem when identical content was uploaded before, naming when and by whom."""
    earlier = q.upload_with_sha256(con, sha256=sha256)
    if earlier is None:
        return
    when = pd.Timestamp(earlier["uploaded_at"]).strftime("%d %b %Y at %H:%M")
    message = (
        f"This file was already uploaded on {when} by {earlier['uploaded_by']} "
        f"as upload #{earlier['id']} ({earlier['file_name']}, {int(earlier['rows_stored']):,} rows stored)."
    )
    if earlier["status"] == "withdrawn":
        message += " That upload is withdrawn: restore it from the upload history instead."
    raise ImportProblem(message)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: commit when the block finishes, roll back on any error."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def withdraw(con: duckdb.DuckDBPyConnection, upload_id: int) -> None:
    """Hide an upload's rows from every figure; undone by :func:`restore`."""
    if not q.set_upload_status(con, upload_id=upload_id, status="withdrawn"):
        raise ImportProblem(f"There is no upload #{upload_id}.")


def restore(con: duckdb.DuckDBPyConnection, upload_id: int) -> None:
    """Bring a withdrawn upload's rows back into every figure."""
    if not q.set_upload_status(con, upload_id=upload_id, status="active"):
        raise ImportProblem(f"There is no upload #{upload_id}.")
