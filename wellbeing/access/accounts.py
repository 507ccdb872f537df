"""Managing built-in accounts and single sign-on grants; every change is audited.

Used by HR's Accounts page and by ``wellbeing accounts ...`` on the command
line. Problems raise ``AccountProblem`` with one sentence to show the user.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from queries import accounts as account_queries
from wellbeing.access import audit_log, auth, passwords
from wellbeing.core import roles
from wellbeing.core.vocabulary import MAX_TEXT_CHARS

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
SSO_CLAIMS = ("email", "group")


class AccountProblem(ValueError):
    """A change to accounts that cannot be made, in one sentence."""


def password_problem(password: str, *, username: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable (``passwords.problem``)."""
    return passwords.problem(password, username=username)


def accounts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account for display (no password hashes), teams as a comma-separated string."""
    frame = account_queries.accounts(con)
    frame["teams"] = frame["teams"].map(lambda teams: ", ".join(teams))
    return frame


def create_account(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    teams: list[str] | tuple[str, ...] = (),
    by: roles.User | str,
) -> int:
    """Create an account that can sign in at once; returns its id."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountProblem(
            "A user name is 2 to 64 letters, digits, dots, dashes, underscores or @, "
            "starting with a letter or digit."
        )
    if account_queries.account_by_username(con, username=name) is not None:
        raise AccountProblem(f"There is already an account called {name}.")
    if len(display_name.strip()) > MAX_TEXT_CHARS:
        raise AccountProblem(f"A name is at most {MAX_TEXT_CHARS} characters.")
    teams = _checked_access(con, role, teams)
    problem = password_problem(password, username=name)
    if problem:
        raise AccountProblem(problem)
    account_id = account_queries.insert_account(
        con,
        username=name,
        display_name=display_name.strip() or name,
        role=role,
        teams=teams,
        password_hash=auth.hash_password(password),
        created_by=_who(by),
        created_at=auth.clock(),
    )
    audit_log.record(
        con,
        user=by,
        action=audit_log.ACCOUNTS,
        detail=f"Created account {name} as {_access_text(role, teams)}",
    )
    return account_id


def change_access(
    con: duckdb.DuckDBPyConnection,
    *,
    account_id: int,
    role: str,
    teams: list[str] | tuple[str, ...] = (),
    by: roles.User | str,
) -> None:
    """Change an account's role and teams; the last active HR admin cannot be demoted."""
    account = _existing(con, account_id)
    teams = _checked_access(con, role, teams)
    if account["role"] == roles.HR_ADMIN and role != roles.HR_ADMIN and account["active"]:
        _refuse_losing_last_hr_admin(con, account["username"])
    account_queries.update_account_access(con, account_id=account_id, role=role, teams=teams)
    audit_log.record(
        con,
        user=by,
        action=audit_log.ACCOUNTS,
        detail=f"Changed {account['username']} to {_access_text(role, teams)}",
    )


def reset_password(
    con: duckdb.DuckDBPyConnection, *, account_id: int, password: str, by: roles.User | str
) -> None:
    """Give an account a new password (the old one stops working at once)."""
    account = _existing(con, account_id)
    problem = password_problem(password, username=account["username"])
    if problem:
        raise AccountProblem(problem)
    account_queries.set_account_password(
        con,
        account_id=account_id,
        password_hash=auth.hash_password(password),
        changed_at=auth.clock(),
    )
    audit_log.record(
        con,
        user=by,
        action=audit_log.ACCOUNTS,
        detail=f"Reset the password of {account['username']}",
    )


def set_active(
    con: duckdb.DuckDBPyConnection, *, account_id: int, active: bool, by: roles.User | str
) -> None:
    """Disable (signs the person out at their next click) or re-enable an account."""
    account = _existing(con, account_id)
    if not active and account["active"] and account["role"] == roles.HR_ADMIN:
        _refuse_losing_last_hr_admin(con, account["username"])
    account_queries.set_account_active(con, account_id=account_id, active=active)
    audit_log.record(
        con,
        user=by,
        action=audit_log.ACCOUNTS,
        detail=f"{'Enabled' if active else 'Disabled'} account {account['username']}",
    )


def account_id(con: duckdb.DuckDBPyConnection, *, username: str) -> int:
    """The id of the account called ``username``."""
    account = account_queries.account_by_username(con, username=username)
    if account is None:
        raise AccountProblem(f"There is no account called {username.strip().lower()}.")
    return int(account["id"])


def sso_mappings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every single sign-on grant for display, teams as a comma-separated string."""
    frame = account_queries.sso_mappings(con)
    frame["teams"] = frame["teams"].map(lambda teams: ", ".join(teams))
    return frame


def grant_sso(
    con: duckdb.DuckDBPyConnection,
    *,
    claim: str,
    value: str,
    role: str,
    teams: list[str] | tuple[str, ...] = (),
    by: roles.User | str,
) -> None:
    """Let a single sign-on identity (an address or a group id) in with a role."""
    if claim not in SSO_CLAIMS:
        raise AccountProblem("Grant access by email address or by group id.")
    value = value.strip().lower()
    if not value:
        raise AccountProblem("Give the email address or group id to grant access to.")
    if len(value) > MAX_TEXT_CHARS:
        raise AccountProblem(f"An address or group id is at most {MAX_TEXT_CHARS} characters.")
    if claim == "email" and "@" not in value:
        raise AccountProblem(f"{value} is not an email address.")
    teams = _checked_access(con, role, teams)
    account_queries.upsert_sso_mapping(
        con,
        claim=claim,
        value=value,
        role=role,
        teams=teams,
        created_by=_who(by),
        created_at=auth.clock(),
    )
    audit_log.record(
        con,
        user=by,
        action=audit_log.ACCOUNTS,
        detail=f"Single sign-on {claim} {value} granted {_access_text(role, teams)}",
    )


def revoke_sso(
    con: duckdb.DuckDBPyConnection, *, claim: str, value: str, by: roles.User | str
) -> None:
    account_queries.delete_sso_mapping(con, claim=claim, value=value)
    audit_log.record(
        con, user=by, action=audit_log.ACCOUNTS, detail=f"Single sign-on {claim} {value} revoked"
    )


def _checked_access(
    con: duckdb.DuckDBPyConnection, role: str, teams: list[str] | tuple[str, ...]
) -> list[str]:
    if role not in roles.ROLES:
        names = ", ".join(roles.ROLES)
        raise AccountProblem(f"{role!r} is not a role; choose one of {names}.")
    cleaned = sorted({team.strip() for team in teams if team.strip()})
    if role == roles.TEAM_MANAGER and not cleaned:
        raise AccountProblem("A team manager needs at least one team to see.")
    if role == roles.TEAM_MANAGER:
        unknown = sorted(set(cleaned) - set(account_queries.known_teams(con)))
        if unknown:
            raise AccountProblem(
                f"There is no team called {', '.join(unknown)}. A team manager sees teams "
                "named in the uploaded exports: check the spelling, or upload the staff list "
                "or survey that names the team first."
            )
    return cleaned if role == roles.TEAM_MANAGER else []


def _access_text(role: str, teams: list[str]) -> str:
    text = roles.ROLE_NAMES[role]
    return f"{text} ({', '.join(teams)})" if teams else text


def _existing(con: duckdb.DuckDBPyConnection, account_id: int) -> dict:
    account = account_queries.account_by_id(con, account_id=account_id)
    if account is None:
        raise AccountProblem(f"There is no account number {account_id}.")
    return account


def _refuse_losing_last_hr_admin(con: duckdb.DuckDBPyConnection, username: str) -> None:
    _, hr_admins = account_queries.active_account_count(con)
    if hr_admins <= 1:
        raise AccountProblem(
            f"{username} is the only active HR admin; make another HR admin first, "
            "or nobody could manage accounts."
        )


def _who(by: roles.User | str) -> str:
    return by.audit_name if isinstance(by, roles.User) else str(by)
