"""The audit log: who signed in, imported, withdrew, changed a setting or downloaded what, and when.

Callers record after the thing has happened. Details are plain sentences and
never hold a password, a key or a respondent's answers. The log is a hash chain
(``wellbeing.store.audit_chain``): :func:`verify` finds an entry that was edited,
removed or inserted by someone without the key file.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import accounts as account_queries
from wellbeing.core import roles
from wellbeing.store import audit_chain

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session_expired"
IMPORT = "import"
REPLACE = "replace"
MEASURES = "measures"
WITHDRAW = "withdraw"
RESTORE = "restore"
SETTINGS = "settings"
DOWNLOAD = "download"
ACCOUNTS = "accounts"
CHANGE_LOG = "change_log"
MAPPING = "mapping"
DEMO_DATA = "demo_data"

ACTION_NAMES = {
    SIGN_IN: "Signed in",
    SIGN_IN_FAILED: "Failed sign-in",
    SIGN_OUT: "Signed out",
    SESSION_EXPIRED: "Session expired",
    IMPORT: "Import",
    REPLACE: "Earlier answers replaced",
    MEASURES: "Measure changed",
    WITHDRAW: "Withdrawal",
    RESTORE: "Restore",
    SETTINGS: "Settings change",
    DOWNLOAD: "Download",
    ACCOUNTS: "Accounts and access",
    CHANGE_LOG: "Change log edit",
    MAPPING: "Mapping saved",
    DEMO_DATA: "Demo data removed",
}
# Whatever reaches the log is one line of text of bounded length (a 1 MB user name
# typed on the sign-in page once went in whole).
MAX_USERNAME_CHARS = 128
MAX_DETAIL_CHARS = 1_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# One writer at a time: each entry's hash covers the one before.
_chain_lock = threading.Lock()

# Audit times are shown in the council's own clock, stored in UTC.
DISPLAY_TIME_ZONE = "Europe/London"


def utc_now() -> dt.datetime:
    """Now in UTC without a zone, as the store keeps times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    user: roles.User | str,
    action: str,
    detail: str,
    now: dt.datetime | None = None,
) -> None:
    """Add one line to the audit log.

    Example:
        audit_log.record(con, user=user, action=audit_log.WITHDRAW, detail="Upload 7 (survey.csv)")
    """
    if action not in ACTION_NAMES:
        raise ValueError(f"unknown audit action {action!r}")
    username = _one_line(user.audit_name if isinstance(user, roles.User) else str(user))
    username = username[:MAX_USERNAME_CHARS]
    detail = _one_line(detail)[:MAX_DETAIL_CHARS]
    # The store keeps microseconds; the hash is of what the store keeps.
    happened_at = (now or utc_now()).replace(tzinfo=None)
    key = audit_chain.audit_key(con)
    with _chain_lock:
        entry_id = account_queries.next_audit_id(con)
        previous = account_queries.last_audit_hash(con) or audit_chain.GENESIS
        row = (entry_id, happened_at, username, action, detail)
        account_queries.insert_audit_event(
            con,
            entry_id=entry_id,
            happened_at=happened_at,
            username=username,
            action=action,
            detail=detail,
            entry_hash=audit_chain.chained(key, previous, row),
        )


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


@dataclass(frozen=True)
class ChainCheck:
    """What checking the audit log's hash chain found."""

    entries: int
    broken_at: int | None = None  # the id of the first entry that does not check out

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def sentence(self) -> str:
        if self.intact:
            return (
                f"All {self.entries:,} entries check out: none was edited, removed or "
                "inserted since it was written (the log's hash chain is intact)."
            )
        return (
            f"The audit log has been tampered with: entry #{self.broken_at} (or the one "
            "before it) was edited, removed or inserted outside the dashboard. Keep a copy "
            "of the database as it is and tell your information security team."
        )


def verify(con: duckdb.DuckDBPyConnection) -> ChainCheck:
    """Check every entry's hash against the entry and the hash before it."""
    key = audit_chain.audit_key(con)
    previous = audit_chain.GENESIS
    rows = account_queries.audit_chain(con)
    for row in rows:
        if row[5] != audit_chain.chained(key, previous, row):
            return ChainCheck(entries=len(rows), broken_at=int(row[0]))
        previous = row[5]
    return ChainCheck(entries=len(rows))


def events(
    con: duckdb.DuckDBPyConnection,
    *,
    action: str | None = None,
    username: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The audit log, newest first, with times in UK local time and actions in words."""
    frame = account_queries.audit_events(con, action=action, username=username, limit=limit)
    happened = pd.to_datetime(frame["happened_at"])
    frame["happened_at"] = (
        happened.dt.tz_localize("UTC").dt.tz_convert(DISPLAY_TIME_ZONE).dt.tz_localize(None)
    )
    frame["action"] = frame["action"].map(ACTION_NAMES).fillna(frame["action"])
    return frame
