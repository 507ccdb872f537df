"""The audit log: who signed in, imported, withdrew, changed a setting or downloaded what, and when.

Callers record after the thing has happened. Details are plain sentences and
never hold a password, a salt or a respondent's answers.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import accounts as account_queries
from wellbeing.core import roles

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session_expired"
IMPORT = "import"
WITHDRAW = "withdraw"
RESTORE = "restore"
SETTINGS = "settings"
DOWNLOAD = "download"
ACCOUNTS = "accounts"
ACTION_PLAN = "action_plan"

ACTION_NAMES = {
    SIGN_IN: "Signed in",
    SIGN_IN_FAILED: "Failed sign-in",
    SIGN_OUT: "Signed out",
    SESSION_EXPIRED: "Session expired",
    IMPORT: "Import",
    WITHDRAW: "Withdrawal",
    RESTORE: "Restore",
    SETTINGS: "Settings change",
    DOWNLOAD: "Download",
    ACCOUNTS: "Accounts and access",
    ACTION_PLAN: "Action plan",
}

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
    username = user.audit_name if isinstance(user, roles.User) else str(user)
    account_queries.insert_audit_event(
        con, happened_at=now or utc_now(), username=username, action=action, detail=detail
    )


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
