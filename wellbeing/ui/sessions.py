"""The server's own record of who is signed in, shared by the script and the HTTP routes.

Streamlit keeps a session's state per browser tab and forgets it on a reload;
its upload and media endpoints know nothing of sign-in. This module is what
both sides consult, in one process (serve.py and the script runs share it):

- a **web session** per sign-in: account, role, when it was last active and
  when it ends. Its id travels in a signed, expiring, HttpOnly cookie, so a
  reload finds the session again; its idle time is counted here, across tabs
  and reloads, so a reload does not restart the inactivity timeout;
- a **grant** per Streamlit session (the id in ``/_stcore/upload_file/<id>/...``):
  what that connection may do, for the upload gate;
- one-time **claim tokens**: the script cannot set a cookie, so after a sign-in
  the browser swaps a token for the cookie at ``/auth/claim``.

Nothing here survives a restart: everyone signs in again (docs/security.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, replace
from http.cookies import CookieError, SimpleCookie

COOKIE = "wellbeing_session"
# However active, a web session ends this long after sign-in (the cookie's Max-Age).
MAX_SESSION = dt.timedelta(hours=12)
CLAIM_LIFETIME = dt.timedelta(seconds=120)
# Signs cookies; new every process, like the sessions it names.
_SECRET = secrets.token_bytes(32)
_lock = threading.Lock()


@dataclass(frozen=True)
class WebSession:
    """One sign-in: who, with which role, last active when, and when it ends for good."""

    account_id: int | None
    role: str
    last_active: dt.datetime
    ends_at: dt.datetime
    idle_timeout: dt.timedelta

    def live(self, now: dt.datetime) -> bool:
        return now <= self.ends_at and now - self.last_active <= self.idle_timeout


@dataclass(frozen=True)
class Grant:
    """What one Streamlit session (browser tab) may do: its role, while its sign-in lasts."""

    role: str
    web_session: str | None  # None: the local administrator (sign-in not set up)
    max_upload_bytes: int


_web_sessions: dict[str, WebSession] = {}
_grants: dict[str, Grant] = {}
_claims: dict[str, tuple[str, dt.datetime]] = {}
# None until the first script run says whether sign-in is set up (then downloads
# need the cookie); a run always comes before any download link exists.
_sign_in_required: list[bool] = []


def start(
    *,
    account_id: int | None,
    role: str,
    now: dt.datetime,
    idle_timeout: dt.timedelta,
) -> tuple[str, str]:
    """Record a new sign-in; returns (web session id, one-time claim token for its cookie)."""
    session_id, token = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    with _lock:
        _web_sessions[session_id] = WebSession(
            account_id=account_id,
            role=role,
            last_active=now,
            ends_at=now + MAX_SESSION,
            idle_timeout=idle_timeout,
        )
        _claims[token] = (session_id, now + CLAIM_LIFETIME)
    return session_id, token


def touch(session_id: str, *, now: dt.datetime, role: str, idle_timeout: dt.timedelta) -> None:
    """A click in a live session: it was active now (its role may have changed)."""
    with _lock:
        found = _web_sessions.get(session_id)
        if found is not None:
            _web_sessions[session_id] = replace(
                found, last_active=now, role=role, idle_timeout=idle_timeout
            )


def record(session_id: str | None) -> WebSession | None:
    """The web session as recorded, live or not (None once it has ended)."""
    if not session_id:
        return None
    with _lock:
        return _web_sessions.get(session_id)


def find(session_id: str | None, *, now: dt.datetime) -> WebSession | None:
    """The web session, while it is live (neither idle too long nor past its end)."""
    if not session_id:
        return None
    with _lock:
        found = _web_sessions.get(session_id)
    return found if found is not None and found.live(now) else None


def end(session_id: str | None) -> None:
    """Sign-out or expiry: the session's cookie and its tabs' grants stop working at once."""
    if not session_id:
        return
    with _lock:
        _web_sessions.pop(session_id, None)
        for tab in [tab for tab, grant in _grants.items() if grant.web_session == session_id]:
            del _grants[tab]


def claim(token: str, *, now: dt.datetime) -> tuple[str, str] | None:
    """Swap a one-time token for (cookie value, web session id); None if unknown or stale."""
    with _lock:
        session_id, expires = _claims.pop(token, (None, now))
        found = _web_sessions.get(session_id) if session_id else None
    if found is None or now > expires:
        return None
    return sign({"s": session_id, "e": int(found.ends_at.timestamp())}), session_id


def sign(payload: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    body_text = body.decode().rstrip("=")
    mac = hmac.new(_SECRET, body_text.encode(), hashlib.sha256).hexdigest()
    return f"{body_text}.{mac}"


def session_in_cookie(value: str | None, *, now: dt.datetime) -> str | None:
    """The web session id a cookie value names, if its signature holds and it has not ended."""
    if not value or "." not in value:
        return None
    body, mac = value.rsplit(".", 1)
    good = hmac.new(_SECRET, body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session_id, ends = str(payload["s"]), int(payload["e"])
    except (ValueError, KeyError, TypeError):
        return None
    if now.timestamp() > ends:
        return None
    return session_id


def session_in_cookie_header(header: str, *, now: dt.datetime) -> str | None:
    """The live web session named by a request's Cookie header, or None."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    if COOKIE not in cookies:
        return None
    session_id = session_in_cookie(cookies[COOKIE].value, now=now)
    return session_id if find(session_id, now=now) else None


def grant(tab: str, *, role: str, web_session: str | None, max_upload_bytes: int) -> None:
    """Say what the Streamlit session ``tab`` may do (every script run refreshes it)."""
    with _lock:
        _grants[tab] = Grant(role=role, web_session=web_session, max_upload_bytes=max_upload_bytes)


def revoke_grant(tab: str) -> None:
    with _lock:
        _grants.pop(tab, None)


def upload_allowance(tab: str, *, now: dt.datetime, role: str) -> int | None:
    """How many bytes ``tab`` may upload in one file, or None when it may not upload at all.

    Only a tab signed in with ``role`` (HR) whose sign-in is live may upload.
    """
    with _lock:
        found = _grants.get(tab)
    if found is None or found.role != role:
        return None
    if found.web_session is not None and find(found.web_session, now=now) is None:
        return None
    return found.max_upload_bytes


def note_sign_in_required(required: bool) -> None:
    with _lock:
        _sign_in_required[:] = [required]


def sign_in_required() -> bool:
    """Whether sign-in is set up (True until a script run has said otherwise)."""
    with _lock:
        return _sign_in_required[0] if _sign_in_required else True


def forget_everything() -> None:
    """Tests: start from no sessions."""
    with _lock:
        _web_sessions.clear()
        _grants.clear()
        _claims.clear()
        _sign_in_required.clear()
