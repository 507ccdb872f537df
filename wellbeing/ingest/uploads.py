"""What every import shares: duplicate refusal, one transaction, withdraw and restore."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from queries import cache, imports, settings
from wellbeing import store
from wellbeing.core.spreadsheets import neutralise_formulas
from wellbeing.ingest.reading import ImportProblem
from wellbeing.store import config

REJECT_COLUMNS = ["row", "column", "value", "reason"]
MAX_UPLOAD_SETTING = "max_upload_mb"
DEFAULT_MAX_UPLOAD_MB = 50
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: says nothing."""


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="str"),
            "reason": pd.Series([], dtype="str"),
        }
    )


def rejects_csv(rejects: pd.DataFrame) -> bytes:
    """The rejected cells as a CSV HR can open in Excel (UTF-8 with BOM, so accents survive)."""
    # Rejected cells are the file's own text: a value such as =HYPERLINK(...) must not run.
    safe = neutralise_formulas(rejects[REJECT_COLUMNS])
    return safe.to_csv(index=False).encode("utf-8-sig")


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
    # Respondents whose earlier answers this import replaced (a correction HR chose).
    replaced: int = 0

    def summary(self) -> str:
        return (
            f"Upload #{self.upload_id} ({self.kind}, {self.file_name}): "
            f"{self.rows_read:,} rows read, {self.rows_stored:,} stored, "
            f"{self.rows_rejected:,} rejected."
        )


def refuse_duplicate(con: duckdb.DuckDBPyConnection, *, sha256: str) -> None:
    """Raise ImportProblem when identical content was uploaded before, naming when and by whom."""
    earlier = imports.upload_with_sha256(con, sha256=sha256)
    if earlier is None:
        return
    when = pd.Timestamp(earlier["uploaded_at"]).strftime("%d %b %Y at %H:%M")
    message = (
        f"This file was already uploaded on {when} by {earlier['uploaded_by']} "
        f"as upload #{earlier['id']} ({earlier['file_name']}, "
        f"{int(earlier['rows_stored']):,} row(s) stored)."
    )
    if earlier["status"] == "withdrawn":
        message += " That upload is withdrawn: restore it from the upload history instead."
    raise ImportProblem(message)


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing (``store.transaction``); after a commit, figures look at the data again."""
    with store.transaction(con):
        yield
    cache.forget_version(con)


def _set_status(con: duckdb.DuckDBPyConnection, upload_id: int, status: str) -> dict:
    upload = imports.upload_by_id(con, upload_id=upload_id)
    if upload is None:
        raise ImportProblem(f"There is no upload #{upload_id}. The upload history lists them.")
    if upload["status"] == status:
        already = "withdrawn" if status == "withdrawn" else "active (not withdrawn)"
        raise ImportProblem(f"Upload #{upload_id} ({upload['file_name']}) is already {already}.")
    imports.set_upload_status(con, upload_id=upload_id, status=status)
    cache.forget_version(con)
    return upload


def withdraw(con: duckdb.DuckDBPyConnection, upload_id: int) -> dict:
    """Hide an upload's rows from every figure; undone by :func:`restore`. Returns the upload."""
    return _set_status(con, upload_id, "withdrawn")


def restore(con: duckdb.DuckDBPyConnection, upload_id: int) -> dict:
    """Bring a withdrawn upload's rows back into every figure. Returns the upload."""
    return _set_status(con, upload_id, "active")


def max_upload_mb(con: duckdb.DuckDBPyConnection) -> int:
    """The largest file HR may upload, in MB.

    From the store's ``settings`` table (key ``max_upload_mb``), else
    ``max_upload_mb`` in wellbeing.toml, else 50.
    """
    configured = settings.setting(con, key=MAX_UPLOAD_SETTING)
    if configured is None:
        configured = config.settings_file_values().get(MAX_UPLOAD_SETTING)
    try:
        limit = int(configured) if configured is not None else DEFAULT_MAX_UPLOAD_MB
    except (TypeError, ValueError):
        limit = DEFAULT_MAX_UPLOAD_MB
    return limit if limit > 0 else DEFAULT_MAX_UPLOAD_MB


OVERSIZED_HELP = (
    "Larger files are refused by your browser before they are sent, so nothing of them "
    "reaches the server."
)


def oversized_reason(limit_mb: int) -> str:
    """What the Upload page says about a file the browser refused as too large."""
    return (
        f"A file marked with a red sign in the box above is larger than the {limit_mb} MB "
        "limit and was not sent. Export fewer columns (drop free-text answers) or ask your "
        f"administrator to raise '{MAX_UPLOAD_SETTING}'."
    )


def refuse_oversized(size_bytes: int, *, limit_mb: int) -> None:
    """Raise ImportProblem when a file is larger than the limit, saying both sizes."""
    if size_bytes > limit_mb * 1024 * 1024:
        raise ImportProblem(
            f"The file is {size_bytes / 1024 / 1024:.1f} MB, larger than the {limit_mb} MB limit. "
            "Export fewer columns (drop free-text answers) or ask your administrator to raise "
            f"'{MAX_UPLOAD_SETTING}'."
        )
