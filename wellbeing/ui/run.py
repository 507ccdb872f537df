"""A script run: the shared database, this run's cursor, and figures prepared in the background.

Every page imports ``wellbeing.ui``, and importing that package pins Streamlit to the
st.navigation router (``wellbeing.ui._route_every_run_through_dashboard``).
"""

from __future__ import annotations

import ast
import atexit
import logging
import threading
import time
from contextvars import ContextVar
from importlib import import_module
from pathlib import Path

import duckdb
import streamlit as st
from streamlit import delta_generator
from streamlit.navigation.page import Page
from streamlit.runtime.scriptrunner import get_script_run_ctx

from queries import cache, decisions, first_view, preparation
from wellbeing import store, ui
from wellbeing.ingest import demo
from wellbeing.present import charts
from wellbeing.store import config, snapshots
from wellbeing.ui import replicas


@st.cache_resource
def database(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per server process, shared by every session.

    An empty store is given the sample data here, through the HR import code.
    """
    con = store.connect(path)
    demo.load_if_empty(con)
    return con


def shared_database() -> duckdb.DuckDBPyConnection:
    """What this process reads: the store, or in a reader process its newest snapshot.

    A writer (``WELLBEING_SNAPSHOTS`` set) starts publishing snapshots of the
    store here (wellbeing.ui.replicas).
    """
    if snapshots.reading():
        return replicas.reader_cursor()  # type: ignore[return-value]
    shared = database(str(config.database_path()))
    replicas.start_publishing(shared)
    return shared


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
    try:
        shared = shared_database()
    except (store.StoreUnavailable, store.KeyProblem) as problem:
        # The reason, with the file's path, goes to whoever runs the server; the browser
        # (perhaps nobody signed in yet) is told only what it can do about it.
        logging.getLogger(__name__).error("The dashboard cannot open its database: %s", problem)
        st.error(next(text for kind, text in _CANNOT_OPEN.items() if isinstance(problem, kind)))
        st.stop()
    run_cursor = shared.cursor()
    _run_cursor.set(run_cursor)
    _note_until_drawn()
    # A page never waits a minute for the engine: a large wave not yet decided is
    # decided in the background while the page says so (run_page).
    decisions.answer_promptly()
    _prepare_figures(shared, cache.data_version(run_cursor))
    return run_cursor


_STORE_LOCKED = (
    "The dashboard cannot open its database: another program has it open, usually a "
    "second copy of the dashboard started on the same data. Whoever runs this server "
    "will find the details in its log. Once the other program has stopped, reload this page."
)
_STORE_KEYS = (
    "The dashboard cannot open its database: its identifier key file is missing or "
    "does not belong to it. Whoever runs this server will find the details in its log "
    "(docs/security.md says how to restore the key file). Then reload this page."
)
_STORE_UNREADABLE = (
    "The dashboard cannot open its database: the file it is set to use cannot be read "
    "as one. Whoever runs this server will find the details in its log. Once it is put "
    "right, reload this page."
)
_CANNOT_OPEN = {
    store.StoreLocked: _STORE_LOCKED,
    store.StoreUnreadable: _STORE_UNREADABLE,
    store.KeyProblem: _STORE_KEYS,
}


# Which run went through dashboard.py (begin_run), per script thread.
_this_run = threading.local()
REROUTED_KEY = "rerouted_through_dashboard"


def _run_identity() -> object | None:
    """Something new in every script run: the run context's cursors, which Streamlit renews."""
    context = get_script_run_ctx()
    return None if context is None else context.cursors


def reroute_a_page_run_alone() -> None:
    """Run again through dashboard.py when this run reached a page without it.

    The first session of a server process that opens a page's link runs the
    page file alone (see ``wellbeing.ui._route_every_run_through_dashboard``): no
    filters, no menu. Importing ``wellbeing.ui`` has already pinned the router, so
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
# Set once a script run of this process has ended. Work begun at start that no page is
# waiting for (the preparation, plotly's warm-up) waits for it first, up to
# FIRST_RUN_GRACE_SECONDS: on two cores, sharing the interpreter with them doubled the
# first leader's first run (0.7 s to 1.3 s on the sample data).
_first_run_over = threading.Event()
FIRST_RUN_GRACE_SECONDS = 3.0
# And then this long after it ended, while the browser fetches the code of the page's
# elements and paints it: served by the same interpreter, it waited for the
# preparation's first steps (the sample data's Overview painted 0.3 s after the run
# ended, and 0.2 s with this wait; the first visit to Equity just after stayed 0.75 s).
FIRST_PAINT_SECONDS = 0.5
_first_run_ended: list[float] = []  # time.monotonic() when it ended


@atexit.register
def _finish_preparing() -> None:
    """At exit, stop the background preparation between two steps and wait for it.

    A thread killed inside a DuckDB query aborts the interpreter ("terminate
    called..."), which would turn a clean shutdown or test run into a crash.
    """
    _stop_preparing.set()
    _first_run_over.set()  # nothing waits for a run that will not come
    for thread in _preparing:
        thread.join(timeout=60)
    decisions.finish_deciding()


def _prepare_figures(shared: duckdb.DuckDBPyConnection, version: tuple) -> None:
    """Once per data version, on a thread of its own: every wave's supervision
    month, then (except in a reader) every wave's confidentiality decisions
    (queries.preparation).

    The first leader to open a wave after an import then finds them made; a
    page that needs one sooner works it out itself, as before.
    """
    with _prepared_lock:
        if version in _prepared_versions:
            return
        _prepared_versions.add(version)

    # A reader leaves the survey decisions to the writer, whose snapshots carry its
    # verdicts (queries/decisions.py): every reader deciding every wave again would
    # multiply the engine's work on the machine's cores. A leader who opens a wave
    # before the writer's verdicts arrive has it decided then, by their reader.
    decide_waves = not snapshots.reading()

    def prepare() -> None:
        _after_the_first_paint()
        try:
            preparation.prepare(shared, stop=_stop_preparing, decide_waves=decide_waves)
        except Exception:  # the page that needs the figure will meet and report it
            logging.getLogger(__name__).exception("preparing the dashboard's figures")

    thread = threading.Thread(target=prepare, name="prepare-decisions", daemon=True)
    with _prepared_lock:
        _preparing[:] = [t for t in _preparing if t.is_alive()] + [thread]
    thread.start()


PAGES_FOLDER = Path(__file__).resolve().parents[2] / "pages"


def _page_imports() -> list[str]:
    """Every module dashboard.py and the pages import, and the modules behind
    ``ui.<name>`` (imported on first use): what a first run would otherwise import."""
    names: set[str] = {f"wellbeing.ui.{home}" for home in ui.modules()}
    for page in [PAGES_FOLDER.parent / "dashboard.py", *sorted(PAGES_FOLDER.glob("*.py"))]:
        for node in ast.parse(page.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return sorted(names)


def warm_start() -> None:
    """At server start, before anyone connects: the first run's work that needs nobody.

    On a thread of its own, while the first browser is still loading Streamlit's
    page (serve.py listens before the dashboard is imported): import what
    dashboard.py and the pages import, do what Streamlit does once per process on a
    first run's first elements, open the store (an empty one gets the sample data)
    and begin the background preparation, which looks up every wave's kept verdicts
    or decides them. The first leader's run then finds it done, or waits for the
    part it needs (imports and cached resources are made once, whichever thread
    asks first). The preparation and a throwaway chart (plotly's first takes 0.4 s)
    wait until the first run has ended and its page been painted
    (:func:`_after_the_first_paint`). Before the page imports, the store is opened and
    the figures of the first view the server before kept are looked up
    (queries/first_view.py), so that a first run begun meanwhile finds them.
    """

    def warm() -> None:
        try:
            import_module(STREAMLIT_EMOJIS)  # first: the first run's first line needs it
            try:
                shared = shared_database()
                _look_up_first_view(shared)
            finally:
                _first_view_looked_up.set()
            for name in _page_imports():
                try:
                    import_module(name)
                except ImportError:  # ``from package import function``: not a module
                    continue
            _first_element_check()
            cursor = shared.cursor()
            _prepare_figures(shared, cache.data_version(cursor))
            _after_the_first_paint()
            charts.style.warm_up()  # plotly's validators, imported on first use
            import_module(SCIPY_SPECIAL)  # the intervals' quantiles, imported on first use
        except (store.StoreUnavailable, store.KeyProblem):
            pass  # the first run says why, to the server's log and to the browser
        except Exception:  # the first run meets the same problem and reports it
            logging.getLogger(__name__).exception("warming up the dashboard")

    _first_view_looked_up.clear()
    thread = threading.Thread(target=warm, name="warm-start", daemon=True)
    with _prepared_lock:
        _preparing[:] = [t for t in _preparing if t.is_alive()] + [thread]
    thread.start()


def _look_up_first_view(shared: duckdb.DuckDBPyConnection) -> None:
    """The figures the server before drew for a first run of the default page, kept for
    the first run to find (queries/first_view.py). One that cannot be read is worked
    out again."""
    try:
        con = shared.cursor()
        found = first_view.load(con)
        version = cache.data_version(con)
        with _prepared_lock:
            _first_views_kept.update((version, whose) for whose in found)
    except duckdb.Error:
        logging.getLogger(__name__).exception("looking up the kept first view")


# What the 95% intervals' quantiles come from (wellbeing.core.stats): imported there on
# first use, as a restart's first page is drawn from figures kept for it without any;
# imported here once that page is painted, before a leader's next page needs it.
SCIPY_SPECIAL = "scipy.special"


# Streamlit's emoji catalogue, which it checks dashboard.py's page icon against in the
# first run's first line: the module compiles one large regular expression (0.2 s).
STREAMLIT_EMOJIS = "streamlit.emojis"


def _first_element_check() -> None:
    """Streamlit's check before a process's first element, made here after the imports.

    It walks the calling frames to tell a REPL from a script (``env_util.is_repl``), and
    ``inspect`` then looks up the real path of every module loaded since it last looked:
    700 modules' paths, 0.1 s of the first leader's first run on the sample data. It is
    made once per process, so made here (where it finds a script run by the server, and
    says nothing) the first run skips it. Noting the modules' paths ahead instead
    (``inspect.getmodule``) did not: that returns early for a file it knows already,
    and Streamlit's caches look this module up as they are declared.
    """
    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if check is not None:  # another Streamlit: its first run makes whatever it makes
        check()


WHILE_DECIDING = (
    "This wave's figures are being checked so that nobody can be singled out. At this "
    "wave's size that takes from a few seconds to a few minutes, once after each import; "
    "this page fills in by itself when they are ready."
)
# How often a page waiting for the engine looks again: its figures show within this of
# the decision. At 2 s, a 100,000-respondent wave's first figures (2-3 s of deciding)
# waited a second longer on average than the engine did.
LOOK_AGAIN_SECONDS = 0.5


def run_page(page: Page) -> None:
    """Run the chosen page; while its wave is decided in the background, say so and
    rerun it by itself when the decision is made. The figures of a session's first view
    (:func:`_note_until_drawn`) of the default page are kept for the next start
    (:func:`_keep_first_view`)."""
    drawn = False
    try:
        page.run()
        drawn = True
    except decisions.NotDecidedYet as waiting:
        st.info(WHILE_DECIDING, icon=":material/hourglass_top:")
        rerun_when_decided(waiting)
    finally:
        noted = cache.stop_recording()
        if drawn and noted is not None:
            st.session_state[FIRST_VIEW_DRAWN_KEY] = True
            if page.url_path == "":
                _keep_first_view(noted)
        if not _first_run_over.is_set():
            _first_run_ended.append(time.monotonic())
            _first_run_over.set()


def _after_the_first_paint() -> None:
    """Wait until the first run has ended (:data:`FIRST_RUN_GRACE_SECONDS` at most) and
    its page been painted (:data:`FIRST_PAINT_SECONDS` after), or the process stops."""
    _first_run_over.wait(timeout=FIRST_RUN_GRACE_SECONDS)
    if _first_run_ended:
        _stop_preparing.wait(max(0.0, _first_run_ended[0] + FIRST_PAINT_SECONDS - time.monotonic()))


FIRST_VIEW_DRAWN_KEY = "first_view_drawn"
# Set once warm_start has looked for the first view kept by the server before; a first
# run begun sooner waits for it, up to FIRST_VIEW_WAIT_SECONDS (a few milliseconds of
# reading once the store is open), rather than work the same figures out beside it.
_first_view_looked_up = threading.Event()
_first_view_looked_up.set()  # nothing to wait for where warm_start is not run
FIRST_VIEW_WAIT_SECONDS = 10.0
# (data version, reader) whose first view this process has kept already.
_first_views_kept: set[tuple] = set()


def _note_until_drawn() -> None:
    """Until a run of this session has drawn its page whole, note the figures each run
    asks for (queries.cache): the first that does is the session's first view. A run
    that waited for the engine (a large wave being decided) drew only part of it."""
    _first_view_looked_up.wait(timeout=FIRST_VIEW_WAIT_SECONDS)
    cache.stop_recording()  # a run stopped before its page noted nothing to keep
    if not st.session_state.get(FIRST_VIEW_DRAWN_KEY):
        cache.start_recording()


def _keep_first_view(noted: cache.Recording) -> None:
    """Keep a first run's figures in the store for the next server process, on a thread
    of its own once this run has drawn them: not in a reader (its snapshot is read-only;
    the writer's first views reach it with its next snapshot), not figures worked out
    with today's date, and once per data version and reader in a process."""
    if snapshots.reading() or noted.reads_clock or not noted.figures:
        return
    con = cursor()
    whose = cache.reader()
    key = (cache.data_version(con), whose)
    with _prepared_lock:
        if key in _first_views_kept:
            return
        _first_views_kept.add(key)
    shared = shared_database()

    def keep() -> None:
        try:
            first_view.keep(shared.cursor(), whose, noted.figures)
        except Exception:  # the next start works them out, as before
            logging.getLogger(__name__).exception("keeping the first view")

    thread = threading.Thread(target=keep, name="keep-first-view", daemon=True)
    with _prepared_lock:
        _preparing[:] = [t for t in _preparing if t.is_alive()] + [thread]
    thread.start()


def rerun_when_decided(waiting: decisions.NotDecidedYet) -> None:
    """Rerun the page by itself once the background decision it waits for is made."""
    token = waiting.token

    @st.fragment(run_every=LOOK_AGAIN_SECONDS)
    def look_again() -> None:
        if not decisions.being_decided(token):
            st.rerun()

    look_again()
