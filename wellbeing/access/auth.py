"""Signing in: password checks, throttling, session expiry and single sign-on roles.

No Streamlit here: ``wellbeing.ui`` keeps the session and calls these. Every
function that depends on the time takes ``now``; the UI passes ``clock()``,
which tests replace.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from queries import accounts as account_queries
from queries import settings
from wellbeing.access import audit_log
from wellbeing.core import roles

# Replaced by tests to move time forward; everything else calls clock().
clock: Callable[[], dt.datetime] = audit_log.utc_now

_hasher = PasswordHasher()
# Checked when the account name does not exist, so that a wrong name takes as
# long as a wrong password and timing does not reveal which names exist.
_UNKNOWN_ACCOUNT_HASH = _hasher.hash("no account has this password")

# Throttling. Failures beyond the free ones double the wait each time, up to
# MAX_DELAY. Per account name the count restarts after a successful sign-in;
# per client it does not, so one valid account cannot be used to reset it
# between guesses at others. A client is throttled only when its address is
# known (see UNKNOWN_CLIENT): otherwise every stranger's typo would count
# against everyone behind the same address.
THROTTLE_WINDOW = dt.timedelta(hours=1)
FREE_FAILURES_PER_ACCOUNT = 3
FREE_FAILURES_PER_CLIENT = 10
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)

SESSION_TIMEOUT_SETTING = "session_timeout_minutes"
DEFAULT_SESSION_TIMEOUT_MINUTES = 30
SESSION_TIMEOUT_RANGE = (5, 480)

WRONG_PASSWORD = "That user name and password do not match an active account."
# What the attempts table records when the client's real address is not known: a
# connection from this computer (a browser on the server, or a reverse proxy that
# is not configured as trusted, see docs/security.md). Never throttled as a client.
UNKNOWN_CLIENT = "unknown"
# Longer names are no account's (accounts.USERNAME_PATTERN allows 64): they are
# cut before they are stored in the attempts table or the audit log.
MAX_USERNAME_CHARS = 128

# Checking a throttle and recording the attempt are one step: parallel attempts
# must each see the ones before them (issue 18: ten parallel guesses all ran).
# One process serves the dashboard (DuckDB lets one process hold the file).
_attempts_lock = threading.Lock()


def hash_password(password: str) -> str:
    """An argon2id hash carrying its own random salt and parameters."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def delay_after(failures: int, *, free: int) -> dt.timedelta:
    """How long to wait after the last of ``failures`` consecutive failures.

    Example:
        delay_after(5, free=3) == 2 * FIRST_DELAY   # 4th failure: 30 s, 5th: 60 s
    """
    if failures <= free:
        return dt.timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - free - 1), MAX_DELAY)


def throttle_wait(
    con: duckdb.DuckDBPyConnection, *, username: str, client: str, now: dt.datetime
) -> dt.timedelta:
    """How long this account name and this client must wait before another attempt."""
    since = now - THROTTLE_WINDOW
    waits = [dt.timedelta(0)]
    scopes = [({"username": _normalise(username), "client": None}, FREE_FAILURES_PER_ACCOUNT, True)]
    if client != UNKNOWN_CLIENT:
        scopes.append(({"username": None, "client": client}, FREE_FAILURES_PER_CLIENT, False))
    for scope, free, reset in scopes:
        failures, last_failure_at = account_queries.sign_in_failures(
            con, since=since, reset_on_success=reset, **scope
        )
        delay = delay_after(failures, free=free)
        # A free failure asks no wait, even one recorded a moment "after" this
        # attempt's clock reading (parallel attempts take the lock in any order).
        if last_failure_at is not None and delay:
            waits.append(last_failure_at + delay - now)
    return max(waits)


@dataclass(frozen=True)
class SignInResult:
    """A signed-in user, or the message to show instead."""

    user: roles.User | None
    account_id: int | None = None
    message: str = ""


def sign_in(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str,
    password: str,
    client: str,
    now: dt.datetime,
) -> SignInResult:
    """Check a password sign-in, throttled per account name and per client, and audit it.

    ``client`` is the client's real address, or ``UNKNOWN_CLIENT``. The attempt is
    recorded as a failure in the same step as the throttle check, before the
    (slow) password check, and marked a success afterwards if the password was right.
    """
    name = _normalise(username)
    client = client or UNKNOWN_CLIENT
    with _attempts_lock:
        wait = throttle_wait(con, username=name, client=client, now=now)
        if wait <= dt.timedelta(0):
            account_queries.insert_sign_in_attempt(
                con, username=name, client=client, attempted_at=now, succeeded=False
            )
    if wait > dt.timedelta(0):
        seconds = int(wait.total_seconds()) + 1
        return SignInResult(
            None,
            message=f"Too many failed attempts. Wait {_duration(seconds)} before trying again.",
        )
    account = account_queries.account_by_username(con, username=name) if name else None
    matches = password_matches(
        account["password_hash"] if account else _UNKNOWN_ACCOUNT_HASH, password
    )
    succeeded = bool(account and account["active"] and matches)
    if succeeded:
        account_queries.mark_sign_in_succeeded(con, username=name, client=client, attempted_at=now)
    if not succeeded:
        audit_log.record(
            con,
            user=name or "(no name)",
            action=audit_log.SIGN_IN_FAILED,
            detail=f"Password sign-in refused from {client}",
            now=now,
        )
        return SignInResult(None, message=WRONG_PASSWORD)
    if _hasher.check_needs_rehash(account["password_hash"]):
        account_queries.set_account_password(
            con,
            account_id=int(account["id"]),
            password_hash=hash_password(password),
            changed_at=now,
        )
    user = _account_user(account)
    audit_log.record(
        con, user=user, action=audit_log.SIGN_IN, detail=f"Password sign-in from {client}", now=now
    )
    return SignInResult(user, account_id=int(account["id"]))


def user_for_account(con: duckdb.DuckDBPyConnection, *, account_id: int) -> roles.User | None:
    """The user behind a signed-in session, re-read so that changes apply at once.

    None once the account is disabled or deleted.
    """
    account = account_queries.account_by_id(con, account_id=account_id)
    if account is None or not account["active"]:
        return None
    return _account_user(account)


def session_timeout(con: duckdb.DuckDBPyConnection) -> dt.timedelta:
    """How long a session may sit idle before its user must sign in again."""
    stored = settings.setting(con, key=SESSION_TIMEOUT_SETTING)
    return dt.timedelta(minutes=int(stored) if stored else DEFAULT_SESSION_TIMEOUT_MINUTES)


def set_session_timeout(
    con: duckdb.DuckDBPyConnection, *, minutes: int, by: roles.User | str
) -> None:
    """Change the inactivity timeout (audited). Raises ValueError outside the allowed range."""
    low, high = SESSION_TIMEOUT_RANGE
    if not low <= minutes <= high:
        raise ValueError(f"The inactivity timeout must be between {low} and {high} minutes.")
    before = session_timeout(con)
    settings.upsert_setting(con, key=SESSION_TIMEOUT_SETTING, value=str(minutes))
    audit_log.record(
        con,
        user=by,
        action=audit_log.SETTINGS,
        detail=(
            f"Inactivity timeout changed from {int(before.total_seconds() // 60)} "
            f"to {minutes} minutes"
        ),
    )


def session_expired(*, last_active: dt.datetime, now: dt.datetime, timeout: dt.timedelta) -> bool:
    return now - last_active > timeout


def sign_in_configured(con: duckdb.DuckDBPyConnection, *, single_sign_on: bool) -> bool:
    """Whether anyone can sign in: an active account, or single sign-on with a role mapping.

    Until then the dashboard runs as the local administrator on 127.0.0.1 only.
    """
    active, _ = account_queries.active_account_count(con)
    if active:
        return True
    return single_sign_on and not account_queries.sso_mappings(con).empty


# Claims that carry the signed-in address: Microsoft Entra ID puts it in
# preferred_username (the UPN) and only sometimes in email.
EMAIL_CLAIMS = ("email", "preferred_username", "upn")
# Claims that carry group object ids or app role names.
GROUP_CLAIMS = ("groups", "roles")


def identity_email(claims: Mapping[str, object]) -> str | None:
    for key in EMAIL_CLAIMS:
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def identity_groups(claims: Mapping[str, object]) -> set[str]:
    groups: set[str] = set()
    for key in GROUP_CLAIMS:
        value = claims.get(key)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            groups.update(str(item).strip().lower() for item in value if str(item).strip())
    return groups


def user_for_identity(
    con: duckdb.DuckDBPyConnection, *, claims: Mapping[str, object]
) -> roles.User | None:
    """The role a single sign-on identity maps to, or None when HR has granted it nothing.

    A grant to the person's own address wins over group grants; among groups
    the widest role wins, and a team manager's teams from several groups add up.
    """
    email = identity_email(claims)
    groups = identity_groups(claims)
    mappings = account_queries.sso_mappings(con)
    by_email = mappings[(mappings["claim"] == "email") & (mappings["value"] == email)]
    matched = (
        by_email
        if not by_email.empty
        else mappings[(mappings["claim"] == "group") & mappings["value"].isin(groups)]
    )
    if matched.empty:
        return None
    role = max(matched["role"], key=roles.ROLE_RANK.__getitem__)
    teams = sorted({team for row in matched[matched["role"] == role]["teams"] for team in row})
    name = claims.get("name")
    return roles.User(
        name=name if isinstance(name, str) and name else (email or "single sign-on user"),
        role=role,
        teams=tuple(teams) if role == roles.TEAM_MANAGER else (),
        username=email or "single sign-on user",
        signed_in_with=roles.SINGLE_SIGN_ON,
    )


def _account_user(account: Mapping) -> roles.User:
    teams = tuple(account["teams"]) if account["role"] == roles.TEAM_MANAGER else ()
    return roles.User(
        name=str(account["display_name"]),
        role=str(account["role"]),
        teams=teams,
        username=str(account["username"]),
        signed_in_with=roles.ACCOUNT,
    )


def _normalise(username: str) -> str:
    return username.strip().lower()[:MAX_USERNAME_CHARS]


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
