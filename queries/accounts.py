"""Accounts, single sign-on grants, sign-in attempts and the audit log.

Each function runs one named .sql file. Password hashes leave this module only
through ``account_by_username``, which signing in needs.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import sql


def accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every built-in account, without password hashes."""
    return con.execute(sql("accounts")).df()


def account_by_username(con: duckdb.DuckDBPyConnection, *, username: str) -> dict | None:
    """One account with its password hash, or None."""
    rows = con.execute(sql("account_by_username"), {"username": username}).df()
    return None if rows.empty else rows.iloc[0].to_dict()


def account_by_id(con: duckdb.DuckDBPyConnection, *, account_id: int) -> dict | None:
    """One account without its password hash, or None."""
    rows = con.execute(sql("account_by_id"), {"account_id": account_id}).df()
    return None if rows.empty else rows.iloc[0].to_dict()


def insert_account(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str,
    display_name: str,
    role: str,
    teams: list[str],
    password_hash: str,
    created_by: str,
    created_at: dt.datetime,
) -> int:
    params = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "teams": teams,
        "password_hash": password_hash,
        "created_by": created_by,
        "created_at": created_at,
    }
    return int(con.execute(sql("insert_account"), params).fetchall()[0][0])


def update_account_access(
    con: duckdb.DuckDBPyConnection, *, account_id: int, role: str, teams: list[str]
) -> None:
    params = {"account_id": account_id, "role": role, "teams": teams}
    con.execute(sql("update_account_access"), params).fetchall()


def set_account_password(
    con: duckdb.DuckDBPyConnection, *, account_id: int, password_hash: str, changed_at: dt.datetime
) -> None:
    params = {"account_id": account_id, "password_hash": password_hash, "changed_at": changed_at}
    con.execute(sql("set_account_password"), params).fetchall()


def set_account_active(con: duckdb.DuckDBPyConnection, *, account_id: int, active: bool) -> None:
    con.execute(sql("set_account_active"), {"account_id": account_id, "active": active}).fetchall()


def active_account_count(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(accounts that can sign in, HR admins among them)."""
    active, hr_admins = con.execute(sql("active_account_count")).fetchall()[0]
    return int(active), int(hr_admins)


def insert_sign_in_attempt(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str,
    client: str,
    attempted_at: dt.datetime,
    succeeded: bool,
) -> None:
    params = {
        "username": username,
        "client": client,
        "attempted_at": attempted_at,
        "succeeded": succeeded,
    }
    con.execute(sql("insert_sign_in_attempt"), params).fetchall()


def mark_sign_in_succeeded(
    con: duckdb.DuckDBPyConnection, *, username: str, client: str, attempted_at: dt.datetime
) -> None:
    params = {"username": username, "client": client, "attempted_at": attempted_at}
    con.execute(sql("mark_sign_in_succeeded"), params).fetchall()


def sign_in_failures(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str | None,
    client: str | None,
    since: dt.datetime,
    reset_on_success: bool,
) -> tuple[int, dt.datetime | None]:
    """(failed attempts in the window, when the last one was)."""
    params = {
        "username": username,
        "client": client,
        "since": since,
        "reset_on_success": reset_on_success,
    }
    failures, last_failure_at = con.execute(sql("sign_in_failures"), params).fetchall()[0]
    return int(failures), last_failure_at


def known_teams(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every team name in the store, for checking a team manager's teams."""
    return [row[0] for row in con.execute(sql("known_teams")).fetchall()]


def sso_mappings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every single sign-on grant (claim, value, role, teams, created_at, created_by)."""
    return con.execute(sql("sso_mappings")).df()


def upsert_sso_mapping(
    con: duckdb.DuckDBPyConnection,
    *,
    claim: str,
    value: str,
    role: str,
    teams: list[str],
    created_by: str,
    created_at: dt.datetime,
) -> None:
    params = {
        "claim": claim,
        "value": value,
        "role": role,
        "teams": teams,
        "created_by": created_by,
        "created_at": created_at,
    }
    con.execute(sql("upsert_sso_mapping"), params).fetchall()


def delete_sso_mapping(con: duckdb.DuckDBPyConnection, *, claim: str, value: str) -> None:
    con.execute(sql("delete_sso_mapping"), {"claim": claim, "value": value}).fetchall()


def next_audit_id(con: duckdb.DuckDBPyConnection) -> int:
    """The number the next audit entry gets (its hash covers it)."""
    return int(con.execute(sql("next_audit_id")).fetchall()[0][0])


def last_audit_hash(con: duckdb.DuckDBPyConnection) -> str | None:
    """The hash of the newest audit entry, or None when the log is empty."""
    rows = con.execute(sql("last_audit_hash")).fetchall()
    return rows[0][0] if rows else None


def insert_audit_event(
    con: duckdb.DuckDBPyConnection,
    *,
    entry_id: int,
    happened_at: dt.datetime,
    username: str,
    action: str,
    detail: str,
    entry_hash: str,
) -> None:
    params = {
        "id": entry_id,
        "happened_at": happened_at,
        "username": username,
        "action": action,
        "detail": detail,
        "entry_hash": entry_hash,
    }
    con.execute(sql("insert_audit_event"), params).fetchall()


def audit_chain(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every audit entry in order, with its hash, for checking the chain."""
    return con.execute(sql("audit_chain")).fetchall()


def audit_events(
    con: duckdb.DuckDBPyConnection,
    *,
    action: str | None = None,
    username: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The audit log, newest first (happened_at in UTC, username, action, detail)."""
    params = {"action": action, "username": username, "limit": limit}
    return con.execute(sql("audit_events"), params).df()
