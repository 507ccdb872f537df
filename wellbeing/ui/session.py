"""Who is using this session: sign-in and out, the role a page needs, and the banners about it.

Until sign-in is configured the user is the local administrator, and the
dashboard refuses to serve anything but this computer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import weakref
from collections.abc import Mapping

import duckdb
import streamlit as st
from streamlit import runtime
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from queries import imports
from wellbeing.access import audit_log, auth
from wellbeing.core import roles
from wellbeing.ingest import demo, uploads
from wellbeing.present import plain, words
from wellbeing.ui import run, sessions

CONFIRM_DEMO_REMOVAL_KEY = "confirm_demo_removal"


def demo_notice(con: duckdb.DuckDBPyConnection) -> None:
    """On every page while the sample data is loaded: say so, and let HR remove it.

    Once real uploads sit beside it, the notice says the figures mix both. Removing
    asks for a confirmation that says how many uploads go.
    """
    if not demo.is_loaded(con):
        return
    history = imports.upload_history(con)
    active = history[history["status"] == "active"]
    demo_uploads = int(history["is_demo"].astype(bool).sum())
    own_uploads = int((~active["is_demo"].astype(bool)).sum())
    with st.container(border=True):
        if own_uploads:
            st.warning(
                "**Demo data beside your own.** The figures mix the bundled sample exports of a "
                f"fictional council with your {words.count(own_uploads, 'upload')}, so they "
                "describe neither. HR should remove the demo data.",
                icon=":material/science:",
            )
        else:
            st.warning(
                "**Demo data.** These figures come from the bundled sample exports of a "
                "fictional council, not from your staff. HR can remove them before loading "
                "real exports.",
                icon=":material/science:",
            )
        user = current_user()
        if user is None or not user.may((roles.HR_ADMIN,)):
            return
        if not st.session_state.get(CONFIRM_DEMO_REMOVAL_KEY):
            if st.button("Remove demo data", key="remove_demo", type="secondary"):
                st.session_state[CONFIRM_DEMO_REMOVAL_KEY] = True
                st.rerun()
            return
        st.error(
            f"Remove the demo data? This deletes its {words.count(demo_uploads, 'upload')} and "
            "every figure drawn from them, and the demo is not loaded again. Your own uploads "
            "stay.",
            icon=":material/delete_forever:",
        )
        confirm, cancel = st.columns([1, 5])
        if confirm.button("Yes, remove it", key="remove_demo_confirm", type="primary"):
            st.session_state.pop(CONFIRM_DEMO_REMOVAL_KEY, None)
            demo.remove(con)
            audit_log.record(
                con,
                user=user,
                action=audit_log.DEMO_DATA,
                detail="Removed the bundled sample data (demo uploads and their rows)",
            )
            st.rerun()
        if cancel.button("Keep it", key="remove_demo_cancel"):
            st.session_state.pop(CONFIRM_DEMO_REMOVAL_KEY, None)
            st.rerun()


# This session's sign-in: {"account_id": int | None, "last_active": datetime (UTC)};
# account_id None means a single sign-on identity (st.user).
SESSION_KEY = "signed_in_session"
# A message for the sign-in page after an expiry or a sign-out.
SIGN_IN_NOTICE_KEY = "sign_in_notice"
# A one-time token to swap for the session cookie, and a request to drop it.
COOKIE_CLAIM_KEY = "session_cookie_claim"
COOKIE_DROP_KEY = "session_cookie_drop"
LOOPBACK_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
REFUSAL = "You do not have access to this page. Ask an HR administrator if you need it."
PUBLIC_ADDRESS_REFUSAL = (
    "The wellbeing dashboard refuses to serve on {address} because sign-in is not set up, "
    "so anyone on the network would see personnel data. Either start it on this computer "
    'only (server.address = "127.0.0.1", as in .streamlit/config.toml), or first create '
    "an HR admin account with `wellbeing accounts create-admin` (or set up single sign-on, "
    "see docs/single-sign-on.md) and then start it again."
)


def single_sign_on_configured() -> bool:
    """Whether an OpenID Connect provider is set up in .streamlit/secrets.toml ([auth])."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


# Asked a dozen times per run (menu, banner, every page's guard): answered once
# per run's cursor. An account change reruns the script, so the next run asks again.
_sign_in_required_this_run: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, bool] = (
    weakref.WeakKeyDictionary()
)


def sign_in_required(con: duckdb.DuckDBPyConnection) -> bool:
    """True once an account or a single sign-on role grant exists."""
    known = _sign_in_required_this_run.get(con)
    if known is None:
        known = auth.sign_in_configured(con, single_sign_on=single_sign_on_configured())
        _sign_in_required_this_run[con] = known
    return known


def _single_sign_on_claims() -> dict | None:
    """The identity claims of a single sign-on user, or None when nobody signed in that way."""
    if not st.user.get("is_logged_in"):
        return None
    return st.user.to_dict()


def client_address() -> str:
    """The client's real network address for throttling, or ``auth.UNKNOWN_CLIENT``.

    Streamlit reports the connection's address, or the one a trusted proxy passed
    in X-Forwarded-For: serve.py tells uvicorn to trust only the proxies named in
    ``trusted_proxies`` (none by default), so no client can spoof it. A connection
    from this computer (a local proxy not named as trusted) is unknown, and is
    throttled per account name only.
    """
    address = st.context.ip_address
    # None on this computer; anything but text (AppTest's stand-in) is unknown too.
    return address if isinstance(address, str) and address else auth.UNKNOWN_CLIENT


def current_user() -> roles.User | None:
    """The user of this session, or None when nobody is signed in (or the session expired).

    The local administrator until sign-in is configured. Read-only: dashboard.py
    calls ``signed_in_user`` once per run to expire or extend the session.
    """
    con = run.cursor()
    if not sign_in_required(con):
        return roles.LOCAL_ADMIN
    session = st.session_state.get(SESSION_KEY)
    if session is None or auth.session_expired(
        last_active=session["last_active"], now=auth.clock(), timeout=auth.session_timeout(con)
    ):
        return None
    if session["account_id"] is not None:
        return auth.user_for_account(con, account_id=session["account_id"])
    claims = _single_sign_on_claims()
    return None if claims is None else auth.user_for_identity(con, claims=claims)


def require_role(*allowed: str) -> roles.User:
    """Stop the page with a refusal unless the current user has one of ``allowed`` roles.

    Every page calls this first, so typing a page's URL is no way round the navigation.
    """
    run.reroute_a_page_run_alone()
    # A deep link that reached this page without dashboard.py (see
    # _route_every_run_through_dashboard) must never serve the network without sign-in.
    refuse_public_address_without_sign_in(run.cursor())
    user = current_user()
    if user is None:
        st.error("Sign in to see this page.")
        st.stop()
    if not user.may(allowed):
        st.error(REFUSAL)
        st.stop()
    roles.restrict_to_teams(user.visible_teams)
    roles.view_as(user.role)
    return user


def signed_in_user(con: duckdb.DuckDBPyConnection) -> roles.User | None:
    """Once per run, in dashboard.py: end an idle session, else extend it; then who is in.

    A single sign-on identity that HR has mapped to a role starts a session here.
    """
    required = sign_in_required(con)
    sessions.note_sign_in_required(required)
    if not required:
        _grant_this_tab(con, roles.LOCAL_ADMIN, web_session=None)
        return roles.LOCAL_ADMIN
    now = auth.clock()
    timeout = auth.session_timeout(con)
    session = st.session_state.get(SESSION_KEY) or _session_from_cookie(now)
    claims = _single_sign_on_claims()
    if session is None and claims is not None:
        user = auth.user_for_identity(con, claims=claims)
        if user is not None:
            session = _start_session(account_id=None, user=user, now=now, timeout=timeout)
            audit_log.record(
                con, user=user, action=audit_log.SIGN_IN, detail="Single sign-on", now=now
            )
    if session is None:
        sessions.revoke_grant(_tab())
        return None
    shared = sessions.record(session.get("web_session"))
    if session.get("web_session") and shared is None:
        # Signed out in another tab (or the server restarted): out here too.
        del st.session_state[SESSION_KEY]
        sessions.revoke_grant(_tab())
        st.session_state[SIGN_IN_NOTICE_KEY] = "You are signed out."
        return None
    if shared is not None:
        # Idle time is the whole sign-in's, across tabs and reloads.
        session = {**session, "last_active": max(session["last_active"], shared.last_active)}
    if auth.session_expired(last_active=session["last_active"], now=now, timeout=timeout):
        sessions.end(session.get("web_session"))
        sessions.revoke_grant(_tab())
        user = current_user_for_session(con, session)
        del st.session_state[SESSION_KEY]
        minutes = int(timeout.total_seconds() // 60)
        st.session_state[SIGN_IN_NOTICE_KEY] = (
            f"You were signed out after {minutes} minutes without activity. Sign in again."
        )
        if user is not None:
            audit_log.record(
                con,
                user=user,
                action=audit_log.SESSION_EXPIRED,
                detail=f"Idle for more than {minutes} minutes",
                now=now,
            )
        if session["account_id"] is None:
            st.logout()
        return None
    st.session_state[SESSION_KEY] = {**session, "last_active": now}
    user = current_user()
    if user is None:
        # The account was disabled, or the identity's grant revoked, since the last click.
        del st.session_state[SESSION_KEY]
        sessions.end(session.get("web_session"))
        sessions.revoke_grant(_tab())
        return None
    if session.get("web_session"):
        sessions.touch(session["web_session"], now=now, role=user.role, idle_timeout=timeout)
    _grant_this_tab(con, user, web_session=session.get("web_session"))
    return user


def _tab() -> str:
    """This browser tab's Streamlit session id (the one in its upload URLs)."""
    context = get_script_run_ctx()
    return context.session_id if context is not None else ""


def _grant_this_tab(
    con: duckdb.DuckDBPyConnection, user: roles.User, *, web_session: str | None
) -> None:
    """Tell the upload gate (serve.py) what this tab may do: upload only as HR."""
    limit_mb = uploads.max_upload_mb(con) if user.role == roles.HR_ADMIN else 0
    sessions.grant(
        _tab(), role=user.role, web_session=web_session, max_upload_bytes=limit_mb * 1024 * 1024
    )


def session_cookie_value() -> str | None:
    """The session cookie this tab's connection brought (read when the page loaded)."""
    return st.context.cookies.get(sessions.COOKIE)


def _session_from_cookie(now: dt.datetime) -> dict | None:
    """After a reload: the sign-in the signed cookie names, while it is live."""
    web_session = sessions.session_in_cookie(session_cookie_value(), now=now)
    found = sessions.find(web_session, now=now)
    if found is None:
        return None
    session = {
        "account_id": found.account_id,
        "last_active": found.last_active,
        "web_session": web_session,
    }
    st.session_state[SESSION_KEY] = session
    return session


def _start_session(
    *, account_id: int | None, user: roles.User, now: dt.datetime, timeout: dt.timedelta
) -> dict:
    """A new sign-in: its server-side record, and a token the browser swaps for the cookie."""
    web_session, token = sessions.start(
        account_id=account_id, role=user.role, now=now, idle_timeout=timeout
    )
    session = {"account_id": account_id, "last_active": now, "web_session": web_session}
    st.session_state[SESSION_KEY] = session
    st.session_state[COOKIE_CLAIM_KEY] = token
    return session


def session_cookie() -> None:
    """Once after a sign-in (or a sign-out): let the browser set (or drop) the session cookie.

    Streamlit cannot set a cookie, so the browser asks serve.py's /auth routes,
    on the same origin, with a one-time token (serving.py). Invisible.
    """
    token = st.session_state.pop(COOKIE_CLAIM_KEY, None)
    dropped = st.session_state.pop(COOKIE_DROP_KEY, False)
    if token is None and not dropped:
        return
    path = "/auth/claim" if token is not None else "/auth/logout"
    body = json.dumps(token or "")
    st.html(
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', body: {body}, "
        "credentials: 'same-origin'});</script>",
        unsafe_allow_javascript=True,
    )


def current_user_for_session(con: duckdb.DuckDBPyConnection, session: dict) -> roles.User | None:
    if session["account_id"] is not None:
        return auth.user_for_account(con, account_id=session["account_id"])
    claims = _single_sign_on_claims()
    return None if claims is None else auth.user_for_identity(con, claims=claims)


def sign_in_with_password(con: duckdb.DuckDBPyConnection, *, username: str, password: str) -> str:
    """Try a password sign-in; on success start the session. Returns the message to show."""
    now = auth.clock()
    result = auth.sign_in(
        con, username=username, password=password, client=client_address(), now=now
    )
    if result.user is None:
        return result.message
    _start_session(
        account_id=result.account_id, user=result.user, now=now, timeout=auth.session_timeout(con)
    )
    st.session_state.pop(SIGN_IN_NOTICE_KEY, None)
    return ""


def sign_in_with_provider() -> None:
    """Send the browser to the organisation's identity provider (st.login)."""
    section = st.secrets["auth"]
    named = [key for key, value in section.items() if isinstance(value, Mapping)]
    # A flat [auth] section is one provider; [auth.<name>] sections are named providers.
    st.login(None if "client_id" in section or not named else named[0])


def sign_out(con: duckdb.DuckDBPyConnection, user: roles.User) -> None:
    """End this session (and the single sign-on cookie, if that is how they came in)."""
    session = st.session_state.pop(SESSION_KEY, None)
    if session is not None:
        sessions.end(session.get("web_session"))
    sessions.revoke_grant(_tab())
    st.session_state[COOKIE_DROP_KEY] = True
    audit_log.record(con, user=user, action=audit_log.SIGN_OUT, detail=user.signed_in_with)
    st.session_state[SIGN_IN_NOTICE_KEY] = "You are signed out."
    if session is not None and session["account_id"] is None:
        st.logout()
    st.rerun()


def refuse_public_address_without_sign_in(con: duckdb.DuckDBPyConnection) -> None:
    """Before anything is shown: with no sign-in, serve 127.0.0.1 only, else stop the server.

    Streamlit has no start-up hook for a script, so the check runs at the first
    connection (or the script health check), before any figure is drawn.
    """
    address = st.get_option("server.address")
    if sign_in_required(con) or is_loopback(address):
        return
    message = PUBLIC_ADDRESS_REFUSAL.format(address=address or "every network address")
    print(message, file=sys.stderr, flush=True)
    st.error(message)
    _stop_server()
    st.stop()


def is_loopback(address: str | None) -> bool:
    """Whether the server address only answers this computer (unset means every address)."""
    if not address:
        return False
    return address in LOOPBACK_ADDRESSES or address.startswith("127.")


def _stop_server() -> None:
    # AppTest runs scripts under a stand-in runtime: only a real server is stopped.
    if runtime.exists() and type(runtime.get_instance()) is runtime.Runtime:
        os.kill(os.getpid(), signal.SIGTERM)


def local_only_banner(con: duckdb.DuckDBPyConnection) -> None:
    """On every page until sign-in is configured: this copy answers this computer only."""
    if sign_in_required(con):
        return
    st.warning(
        "**Sign-in is not set up**, so this dashboard answers only on this computer "
        "(127.0.0.1) and whoever uses it is an HR admin. To share it, create the first HR "
        "admin on the Accounts page or with `wellbeing accounts create-admin`.",
        icon=":material/lock_open:",
    )


def account_menu(con: duckdb.DuckDBPyConnection, user: roles.User) -> None:
    """Who is signed in, and a way out, at the top of the sidebar."""
    if user is roles.LOCAL_ADMIN:
        return
    with st.sidebar:
        st.caption(f"Signed in as **{plain.markdown(user.name)}** ({roles.ROLE_NAMES[user.role]})")
        if user.teams:
            st.caption("Teams: " + plain.markdown(", ".join(user.teams)))
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out(con, user)
