"""The only Streamlit glue outside dashboard.py and pages/: the database and shared filters."""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

import duckdb
import streamlit as st
from streamlit import runtime
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from queries import cache, supervision, survey
from wellbeing import privacy, store
from wellbeing.access import audit_log, auth
from wellbeing.core import roles
from wellbeing.ingest import demo
from wellbeing.present import charts, figures, readings
from wellbeing.present.exports import csv_bytes, figure_png, file_stem, readable, xlsx_bytes
from wellbeing.store import config


def _route_every_run_through_dashboard() -> None:
    """Keep Streamlit on the st.navigation router for this whole server process.

    Streamlit decides once per process, when the first session starts, whether
    the app uses the old folder-of-pages mode: it does whenever a folder named
    ``pages/`` sits beside the entry file, until some run calls st.navigation.
    A first request that deep-links to a page (e.g. ``/upload``) would run that
    page alone, without dashboard.py's sign-in, filters and menu. Every page
    imports this module, so pinning the flag here routes every later run
    through dashboard.py; the first deep-linked run is still guarded by the
    page's own ``require_role``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


_route_every_run_through_dashboard()

FILTER_KEYS = {
    "wave": "wave",
    "service": "service",
    "team": "team",
    "role": "role",
    "career_stage": "stage",
    "combine_small_teams": "combine",
}


@st.cache_resource
def database(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per server process, shared by every session.

    An empty store is given the sample data here, through the HR import code.
    """
    con = store.connect(path)
    demo.load_if_empty(con)
    return con


# This script run's cursor: set by begin_run (dashboard.py, first thing in every
# run) and shared by the page and every helper below, so the data version is
# read once per run. A ContextVar because Streamlit runs each session's script
# on a thread of its own.
_run_cursor: ContextVar[duckdb.DuckDBPyConnection | None] = ContextVar("run_cursor", default=None)


def begin_run() -> duckdb.DuckDBPyConnection:
    """Start a script run: a cursor of its own on the shared connection, used until the next.

    A DuckDB connection is not thread-safe and Streamlit runs each session in
    its own thread, so each run takes a cursor on the shared connection.
    When the data has changed since the last run, the confidentiality engine
    starts deciding every wave in the background (:func:`_prepare_figures`).
    """
    _this_run.routed = _run_identity()
    shared = database(str(config.database_path()))
    run_cursor = shared.cursor()
    _run_cursor.set(run_cursor)
    _prepare_figures(shared, cache.data_version(run_cursor))
    return run_cursor


# Which run went through dashboard.py (begin_run), per script thread.
_this_run = threading.local()
REROUTED_KEY = "rerouted_through_dashboard"


def _run_identity() -> object | None:
    """Something new in every script run: the run context's cursors, which Streamlit renews."""
    context = get_script_run_ctx()
    return None if context is None else context.cursors


def _reroute_a_page_run_alone() -> None:
    """Run again through dashboard.py when this run reached a page without it.

    The first session of a server process that opens a page's link runs the
    page file alone (see :func:`_route_every_run_through_dashboard`): no
    filters, no menu. Importing this module has already pinned the router, so
    one rerun goes through dashboard.py to the same page. Once per session, so
    a page run on its own by a test cannot loop.
    """
    identity = _run_identity()
    if identity is None or getattr(_this_run, "routed", None) is identity:
        return
    if st.session_state.get(REROUTED_KEY):
        return
    st.session_state[REROUTED_KEY] = True
    st.rerun()


def cursor() -> duckdb.DuckDBPyConnection:
    """This script run's cursor (a page run without dashboard.py starts its own)."""
    return _run_cursor.get() or begin_run()


_prepared_versions: set[tuple] = set()
_prepared_lock = threading.Lock()
_stop_preparing = threading.Event()
_preparing: list[threading.Thread] = []


@atexit.register
def _finish_preparing() -> None:
    """At exit, stop the background preparation between two steps and wait for it.

    A thread killed inside a DuckDB query aborts the interpreter ("terminate
    called..."), which would turn a clean shutdown or test run into a crash.
    """
    _stop_preparing.set()
    for thread in _preparing:
        thread.join(timeout=60)


def _prepare_figures(shared: duckdb.DuckDBPyConnection, version: tuple) -> None:
    """Once per data version, on a thread of its own: every wave's supervision
    month, then every wave's confidentiality decisions.

    The first leader to open a wave after an import then finds them made; a
    page that needs one sooner works it out itself, as before.
    """
    with _prepared_lock:
        if version in _prepared_versions:
            return
        _prepared_versions.add(version)

    def prepare() -> None:
        try:
            cursor = shared.cursor()
            supervision.prepare_supervision_months(cursor, stop=_stop_preparing)
            survey.prepare_decisions(cursor, stop=_stop_preparing)
        except Exception:  # the page that needs the figure will meet and report it
            logging.getLogger(__name__).exception("preparing the dashboard's figures")

    thread = threading.Thread(target=prepare, name="prepare-decisions", daemon=True)
    with _prepared_lock:
        _preparing[:] = [t for t in _preparing if t.is_alive()] + [thread]
    thread.start()


def shared_filters(con: duckdb.DuckDBPyConnection) -> None:
    """Wave, service, team, role and career stage in the sidebar, kept in the URL.

    Drawn by dashboard.py on every page, so a choice persists across pages and a
    copied link reproduces the view.
    """
    waves = survey.waves(con)
    labels = waves["label"].tolist()
    with st.sidebar:
        st.subheader("Filters")
        st.selectbox(
            "Wave",
            labels,
            index=len(labels) - 1 if labels else None,
            key=FILTER_KEYS["wave"],
            bind="query-params",
            placeholder="No survey waves yet",
        )
        service = st.selectbox(
            "Service",
            survey.filter_options(con, field="service"),
            index=None,
            placeholder="All services",
            key=FILTER_KEYS["service"],
            bind="query-params",
        )
        teams = survey.filter_options(con, field="team")
        if service is not None:
            hierarchy = survey.team_hierarchy(con)
            in_service = set(hierarchy.loc[hierarchy["service"] == service, "team"])
            teams = [team for team in teams if team in in_service]
        visible = _visible_teams()
        if visible is not None:
            teams = [team for team in teams if team in visible]
        st.selectbox(
            "Team",
            teams,
            index=None,
            placeholder="All teams" if visible is None else "All my teams",
            key=FILTER_KEYS["team"],
            bind="query-params",
        )
        # Role OR career stage, never both (privacy.MAX_SUB_FILTERS): the two
        # crossed single people out. A link carrying both keeps the role; the
        # rerun comes before the widgets, whose first run would take the URL's.
        role_key, stage_key = FILTER_KEYS["role"], FILTER_KEYS["career_stage"]
        if st.query_params.get(role_key) and st.query_params.get(stage_key):
            del st.query_params[stage_key]
            st.rerun()
        # Before its widget runs, the stage is in session state, or on a first
        # load only in the URL.
        stage_before = (
            st.session_state.get(stage_key)
            if stage_key in st.session_state
            else st.query_params.get(stage_key)
        )
        role = st.selectbox(
            "Role",
            survey.filter_options(con, field="role"),
            index=None,
            placeholder="All roles",
            key=role_key,
            bind="query-params",
            disabled=stage_before is not None,
        )
        stage = st.selectbox(
            "Career stage",
            survey.filter_options(con, field="career_stage"),
            index=None,
            placeholder="All career stages",
            key=stage_key,
            bind="query-params",
            disabled=role is not None,
        )
        if role is not None or stage is not None:
            st.caption(
                "Filter by role or by career stage, one at a time: together they "
                "could single out a small group. Clear one to choose the other."
            )
        st.toggle(
            "Combine small teams into their service",
            key=FILTER_KEYS["combine_small_teams"],
            bind="query-params",
            help="Teams too small to show on their own are shown together as "
            "\u201cOther teams in <service>\u201d, where that cannot reveal any one of them.",
        )


def filters(con: duckdb.DuckDBPyConnection) -> survey.Filters:
    """The shared filters as the query layer takes them."""
    waves = survey.waves(con)
    label = st.session_state.get(FILTER_KEYS["wave"])
    match = waves.loc[waves["label"] == label, "id"]
    wave_id = (
        int(match.iloc[0]) if len(match) else (int(waves["id"].iloc[-1]) if len(waves) else None)
    )
    return survey.Filters(
        wave_id=wave_id,
        service=st.session_state.get(FILTER_KEYS["service"]),
        team=_visible_team(st.session_state.get(FILTER_KEYS["team"])),
        role=st.session_state.get(FILTER_KEYS["role"]),
        # Never both (see shared_filters): the role wins, as in the sidebar.
        career_stage=None
        if st.session_state.get(FILTER_KEYS["role"]) is not None
        else st.session_state.get(FILTER_KEYS["career_stage"]),
        combine_small_teams=bool(st.session_state.get(FILTER_KEYS["combine_small_teams"])),
    )


def _visible_teams() -> tuple[str, ...] | None:
    user = current_user()
    return () if user is None else user.visible_teams


def _visible_team(team: str | None) -> str | None:
    """The chosen team, unless it is one this user may not see (e.g. typed into the URL)."""
    visible = _visible_teams()
    return team if visible is None or team in visible else None


def demo_notice(con: duckdb.DuckDBPyConnection) -> None:
    """On every page while the sample data is loaded: say so, and let HR remove it."""
    if not demo.is_loaded(con):
        return
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.warning(
            "**Demo data.** These figures come from the bundled sample exports of a fictional "
            "council, not from your staff. HR can remove them before loading real exports.",
            icon=":material/science:",
        )
        user = current_user()
        may_remove = user is not None and user.may((roles.HR_ADMIN,))
        if may_remove and right.button("Remove demo data", key="remove_demo", type="secondary"):
            demo.remove(con)
            st.rerun()


def hidden_note(k: int) -> str:
    """The caption under any chart of survey figures."""
    return (
        f"Groups with fewer than {k} respondents show no score or count "
        f"(\u201c{privacy.status_text(privacy.BELOW_K, k)}\u201d); others may be "
        f"\u201c{privacy.status_text(privacy.PROTECTS_SMALLER, k)}\u201d so that totals cannot be "
        "used to work them out. Grey cells are hidden; hover for why."
    )


def audited_download(make: Callable[[], bytes], *, file_name: str) -> Callable[[], bytes]:
    """Wrap a deferred download so that pressing the button is written to the audit log.

    Streamlit calls ``make`` when the button is pressed, outside the script run,
    so the user and the shared connection are taken now and used then.
    """
    user = current_user() or roles.User(name="unknown", role="")
    shared = database(str(config.database_path()))

    def make_and_record() -> bytes:
        data = make()
        audit_log.record(shared.cursor(), user=user, action=audit_log.DOWNLOAD, detail=file_name)
        return data

    return make_and_record


def chart_download(figure, *, key: str, title: str) -> None:
    """A 'PNG' download button for a chart, drawn under it.

    The image is rendered only when the button is pressed (Streamlit runs the
    callable then), so pages stay fast.
    """
    st.download_button(
        "PNG",
        data=audited_download(lambda: figure_png(figure), file_name=f"{file_stem(title)}.png"),
        file_name=f"{file_stem(title)}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
        help=f"Download \u201c{title}\u201d as an image",
    )


def table_downloads(frame, *, key: str, title: str, k: int | None = None) -> None:
    """CSV and XLSX download buttons for a table that has passed the confidentiality engine.

    With ``k`` (the minimum group size the table was gated with), its gate
    ``status`` column is written as a reader sees it: hidden cells say why and
    carry no figure. Text a spreadsheet would run as a formula is neutralised.
    """
    table = readable(frame, k=k) if k is not None else frame
    stem = file_stem(title)
    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        "CSV",
        data=audited_download(lambda: csv_bytes(table), file_name=f"{stem}.csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "XLSX",
        data=audited_download(lambda: xlsx_bytes(table), file_name=f"{stem}.xlsx"),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


# --- Sign-in, sessions and access (issue 7) -------------------------------------------

# This session's sign-in: {"account_id": int | None, "last_active": datetime (UTC)};
# account_id None means a single sign-on identity (st.user).
SESSION_KEY = "signed_in_session"
# A message for the sign-in page after an expiry or a sign-out.
SIGN_IN_NOTICE_KEY = "sign_in_notice"
LOOPBACK_ADDRESSES = {"127.0.0.1", "localhost", "::1"}

REFUSAL = "You do not have access to this page. Ask an HR administrator if you need it."
PUBLIC_ADDRESS_REFUSAL = (
    "The wellbeing dashboard refuses to serve on {address} because sign-in is not set up, "
    "so anyone on the network would see personnel data. Either start it on this computer "
    'only (server.address = "127.0.0.1", as in .streamlit/config.toml), or first create '
    "an HR admin account with `wellbeing accounts create-admin` (or set up single sign-on, "
    "see docs/single-sign-on.md) and then start it again."
)


@dataclass(frozen=True)
class PageSpec:
    """One page of the navigation and the roles that may open it (declared in dashboard.py)."""

    path: str
    title: str
    icon: str
    allowed: tuple[str, ...]
    default: bool = False


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
    """The client's network address for throttling ('local' on this computer)."""
    address = st.context.ip_address
    # None on this computer; anything but text (AppTest's stand-in) counts as local too.
    return address if isinstance(address, str) and address else "local"


def current_user() -> roles.User | None:
    """The user of this session, or None when nobody is signed in (or the session expired).

    The local administrator until sign-in is configured. Read-only: dashboard.py
    calls ``signed_in_user`` once per run to expire or extend the session.
    """
    con = cursor()
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
    _reroute_a_page_run_alone()
    # A deep link that reached this page without dashboard.py (see
    # _route_every_run_through_dashboard) must never serve the network without sign-in.
    refuse_public_address_without_sign_in(cursor())
    user = current_user()
    if user is None:
        st.error("Sign in to see this page.")
        st.stop()
    if not user.may(allowed):
        st.error(REFUSAL)
        st.stop()
    roles.restrict_to_teams(user.visible_teams)
    return user


def signed_in_user(con: duckdb.DuckDBPyConnection) -> roles.User | None:
    """Once per run, in dashboard.py: end an idle session, else extend it; then who is in.

    A single sign-on identity that HR has mapped to a role starts a session here.
    """
    if not sign_in_required(con):
        return roles.LOCAL_ADMIN
    now = auth.clock()
    session = st.session_state.get(SESSION_KEY)
    claims = _single_sign_on_claims()
    if session is None and claims is not None:
        user = auth.user_for_identity(con, claims=claims)
        if user is not None:
            session = {"account_id": None, "last_active": now}
            st.session_state[SESSION_KEY] = session
            audit_log.record(
                con, user=user, action=audit_log.SIGN_IN, detail="Single sign-on", now=now
            )
    if session is None:
        return None
    timeout = auth.session_timeout(con)
    if auth.session_expired(last_active=session["last_active"], now=now, timeout=timeout):
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
    return user


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
    st.session_state[SESSION_KEY] = {"account_id": result.account_id, "last_active": now}
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
        st.caption(f"Signed in as **{user.name}** ({roles.ROLE_NAMES[user.role]})")
        if user.teams:
            st.caption("Teams: " + ", ".join(user.teams))
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out(con, user)


def navigation(
    sections: dict[str, list[PageSpec]], user: roles.User | None, *, sign_in_page: str
) -> st.navigation:
    """The router for this user.

    Nobody signed in: the sign-in page only, whatever URL was typed. Signed in:
    every page is registered, so a typed URL reaches the page itself and its own
    refusal, but only pages the role may open appear in the menu.
    """
    if user is None:
        return st.navigation(
            [st.Page(sign_in_page, title="Sign in", default=True)], position="hidden"
        )
    pages: dict[str, list[st.Page]] = {}
    for section, specs in sections.items():
        for spec in specs:
            visible = user.may(spec.allowed)
            pages.setdefault(section, []).append(
                st.Page(
                    spec.path,
                    title=spec.title,
                    icon=spec.icon,
                    default=spec.default,
                    visibility="visible" if visible else "hidden",
                )
            )
    return st.navigation(pages)


def _focus_team_from_chart(chart_key: str) -> None:
    """Chart-click callback: the clicked team becomes the shared team filter.

    Runs before the script, so the bound team selectbox (and the URL) take the
    value when the sidebar is drawn.
    """
    team = figures.team_from_selection(st.session_state.get(chart_key))
    if team is not None:
        st.session_state[FILTER_KEYS["team"]] = team


def team_chart(figure, *, key: str, title: str | None = None) -> None:
    """A Plotly chart whose team marks focus the page on that team when clicked.

    A PNG download sits under it, named after ``title`` (or the key).
    """
    st.plotly_chart(
        figure,
        key=key,
        width="stretch",
        on_select=lambda: _focus_team_from_chart(key),
        selection_mode="points",
    )
    chart_download(figure, key=key, title=title or key.replace("_", " "))


def _clear_team_focus() -> None:
    st.session_state[FILTER_KEYS["team"]] = None


def team_focus_note(team: str | None) -> None:
    """Under the title: which team the page is focused on, with a way back to every team."""
    if team is None:
        st.caption("Click a team in any chart to focus the page on it.")
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(
        f"Focused on **{team}**: its figures against the organisation.",
        icon=":material/center_focus_strong:",
    )
    right.button("Show all teams", key="clear_team_focus", on_click=_clear_team_focus)


def trend(organisation, *, team: str | None, team_trend, what: str, axis_title: str, key: str):
    """The organisation's trend (and the focused team's) with its one-sentence reading."""
    st.markdown(
        readings.trend_reading(
            organisation, what=what, kind=figures.SHARE, team=team, team_trend=team_trend
        )
    )
    st.plotly_chart(
        charts.trend_lines(
            organisation,
            kind=figures.SHARE,
            axis_title=axis_title,
            team=team,
            team_trend=team_trend,
        ),
        key=key,
        width="stretch",
    )


# The query parameter of a page's open tab, as in ``/stress?view=Across+waves``.
SECTION_KEY = "view"


def sections(views_by_label: Mapping[str, Callable[[], None]]) -> str:
    """A page's tabs, of which only the open one runs: returns its label.

    A page of six or eight charts redrew them all on every click (half a second
    in the browser); a tab draws two at most, and its queries run only while
    it is open. The open tab is in the address, so a link keeps it.
    """
    labels = list(views_by_label)
    tabs = st.tabs(labels, key=SECTION_KEY, bind="query-params", on_change="rerun")
    chosen = next((i for i, tab in enumerate(tabs) if tab.open), 0)
    with tabs[chosen]:
        views_by_label[labels[chosen]]()
    return labels[chosen]
