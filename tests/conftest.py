"""Shared fixtures: fresh stores, small surveys built through the real import path, AppTest."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from support import (  # noqa: F401  (re-exported for tests that import from conftest)
    CHROMIUM,
    REALDATA,
    ROOT,
    SERVER_START_TIMEOUT,
    SHARED,
    STORE_CONFIG,
    copy_store,
    copy_store_into_memory,
    free_port,
    launch_chromium,
    load_survey,
    renew_store_id,
    seal_template,
    start_streamlit,
    stop_streamlit,
    survey_csv,
    wait_for_script,
    wait_until_healthy,
)

from wellbeing import store
from wellbeing.store import keys

# Every store the tests make, and every server they start, uses one set of identifier
# keys given in the environment (as a secret store would give them), so that a copy of
# a store file opens without its key file. tests/test_security_keys.py unsets it to
# test the key file itself.
os.environ.setdefault(keys.KEYS_ENV_VAR, keys.IdentifierKeys.new().to_json())


@pytest.fixture(autouse=True, scope="session")
def navigation_like_the_real_server() -> Iterator[None]:
    """Make AppTest rerun dashboard.py on every run, as the real server does.

    AppTest 1.67 forgets between runs that the app uses st.navigation and, seeing
    a folder named pages/ beside the entry file, runs the page file alone from
    the second run on (the pre-navigation behaviour). The server decides once
    per process and keeps running the entry file, so the sidebar filters and
    notices drawn there exist on every run. Pinning the flag to False here makes
    AppTest behave like the server.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    PagesManager.__init__ = init
    yield
    PagesManager.__init__ = original


@pytest.fixture(autouse=True, scope="session")
def components_scanned_once() -> Iterator[None]:
    """Scan the installed packages for Streamlit components once per session.

    Every new AppTest scans every installed distribution for v2 components
    (a quarter of a second on a busy machine, for none); what is installed does
    not change while the tests run.
    """
    from streamlit.components.v2 import manifest_scanner

    original = manifest_scanner.scan_component_manifests
    found = original()
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(found)
    yield
    manifest_scanner.scan_component_manifests = original


# Stores. Each test gets a private copy of a template built once per session (per
# xdist worker): opening a new store runs every migration (about 0.45 s), and
# loading the sample data takes seconds. Copies of a data template keep its store id,
# so figures kept for one copy (queries/cache.py) are served to another while
# their data versions match: they hold the same rows, so the figures are the same.


# The data versions of the session's templates, and the engine's decisions made
# on exactly those versions, set aside between tests (see start_afresh).
TEMPLATE_VERSIONS: set[tuple] = set()
TEMPLATE_DECISIONS: dict[tuple, object] = {}


def start_afresh() -> None:
    """Forget what earlier tests in this process kept that this test's store could meet.

    Figures and the engine's decisions are kept per data version in process-wide
    caches (queries/cache.py, queries/decisions.py, queries/supervision.py), and
    copies of one template share their template's data version. What was kept
    for a template's own version is kept: it is worked out from rows every copy
    holds alike, before any copy records what it showed, so it is what this test
    would work out itself (and deciding the sample data afresh in every test
    doubled the time of the tests on it). Everything kept for any other version,
    and the record of what was shown, is forgotten, so no test depends on which
    tests ran before it.
    """
    from queries import cache, decisions, supervision

    with cache._lock:
        _keep_template_versions(cache._results, version_at=2)
        _keep_template_versions(cache._rows, version_at=2)
        cache._versions.clear()
    with decisions._LOCK:
        decisions._REMEMBERED.clear()
        # Decisions are kept per version of their wave; a template's are those of the
        # wave versions met under a template's data version.
        _keep_template_versions(decisions._WAVE_VERSIONS, version_at=0)
        templates = set(decisions._WAVE_VERSIONS.values())
        for key in [key for key in decisions._DECISIONS if key not in templates]:
            del decisions._DECISIONS[key]
        for key, made in TEMPLATE_DECISIONS.items():
            decisions._DECISIONS.setdefault(key, made)
    _keep_template_versions(supervision._DECISIONS, version_at=0)


def set_aside_template_decisions() -> None:
    """Before nobody_is_looking forgets every decision after a test, keep the templates'."""
    from queries import decisions

    with decisions._LOCK:
        templates = {
            wave
            for (data, *_), wave in decisions._WAVE_VERSIONS.items()
            if data in TEMPLATE_VERSIONS
        }
        for key, made in decisions._DECISIONS.items():
            if key in templates:
                TEMPLATE_DECISIONS[key] = made


def _keep_template_versions(kept: dict, *, version_at: int) -> None:
    for key in list(kept):
        ours = isinstance(key, tuple) and len(key) > version_at
        if not ours or key[version_at] not in TEMPLATE_VERSIONS:
            del kept[key]


def seal_data_template(connection: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Seal a template holding data, noting its data version (see start_afresh)."""
    from queries import cache

    TEMPLATE_VERSIONS.add(cache.data_version(connection))
    return seal_template(connection, path)


def built_once(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path], *, data=True
) -> Path:
    """A template built by the first test process that asks for it, shared by the rest.

    pytest-xdist's workers share one temporary folder per run, so the sample data
    is loaded once per run rather than once per worker; a lock holds the others
    until it is sealed. Each process still notes a data template's version.
    """
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # this run's folder, above each worker's own
    folder = shared / "shared-templates"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.duckdb"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            build(folder / f"{name}.building.duckdb").rename(path)
    if data:
        from queries import cache

        connection = duckdb.connect(str(path), read_only=True, config=STORE_CONFIG)
        TEMPLATE_VERSIONS.add(cache.data_version(connection))
        connection.close()
    return path


def stop_preparing() -> None:
    """Stop the dashboard's background preparation (wellbeing/ui/run.py) between two steps.

    Otherwise it goes on deciding the last test's store while the next test runs.
    """
    run = sys.modules.get("wellbeing.ui.run")
    if run is None:
        return
    run._finish_preparing()
    run._stop_preparing.clear()


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Template: an empty store file at the latest schema, with the instruments (copy it)."""
    return built_once(
        tmp_path_factory,
        "migrated",
        lambda path: seal_template(store.connect(path), path),
        data=False,
    )


@pytest.fixture
def con(migrated_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory store with the schema and instruments, and nothing else."""
    start_afresh()
    connection = copy_store_into_memory(migrated_db)
    renew_store_id(connection)  # its own, as a new store's
    yield connection
    connection.close()


@pytest.fixture
def make_survey() -> Callable[..., bytes]:
    return survey_csv


@pytest.fixture
def app_db(migrated_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty store file for one AppTest run, with the server-wide connection cache cleared.

    Empty, the dashboard loads the sample data into it on its first run.
    """
    import streamlit as st

    path = copy_store(migrated_db, tmp_path / "wellbeing.duckdb", new_identity=True)
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    start_afresh()
    yield path
    stop_preparing()
    set_aside_template_decisions()
    st.cache_resource.clear()


@pytest.fixture
def empty_db(app_db: Path) -> Iterator[Path]:
    """A store file that has never held data and will not be given the sample data."""
    con = store.connect(app_db)
    from wellbeing.ingest import demo

    demo.remove(con)
    con.close()
    yield app_db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Template: a store file loaded once with the bundled sample data (copy it before writing)."""
    from wellbeing.ingest import demo

    def build(path: Path) -> Path:
        connection = store.connect(path)
        demo.load(connection)
        return seal_template(connection, path)

    return built_once(tmp_path_factory, "demo", build)


@contextlib.contextmanager
def dashboard_on_a_copy_of(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, new_identity=False
) -> Iterator[Path]:
    """A private copy of a data template, which the dashboard opens (WELLBEING_DB).

    With a new identity, nothing worked out for the template is served to it.
    """
    import streamlit as st

    path = copy_store(template, tmp_path / "wellbeing.duckdb", new_identity=new_identity)
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    start_afresh()
    yield path
    stop_preparing()
    set_aside_template_decisions()
    st.cache_resource.clear()


def derived_data_template(
    factory: pytest.TempPathFactory,
    name: str,
    template: Path,
    change: Callable[[duckdb.DuckDBPyConnection], None],
) -> Path:
    """A data template made from another by ``change``: built once, copied per test,
    so the engine's decisions on it are made once per process too (see start_afresh)."""

    def build(path: Path) -> Path:
        connection = store.connect(copy_store(template, path))
        renew_store_id(connection)  # a store of its own, as the data in it is
        change(connection)
        return seal_template(connection, path)

    return built_once(factory, name, build)


@pytest.fixture
def demo_app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the demo store for one AppTest run."""
    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch) as path:
        yield path


@pytest.fixture(scope="session")
def views_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Template: the small hand-worked store of tests/views_fixture.py (copy it)."""
    from tests.views_fixture import load_views_fixture

    def build(path: Path) -> Path:
        connection = store.connect(path)
        load_views_fixture(connection)
        return seal_template(connection, path)

    return built_once(tmp_path_factory, "views", build)


@contextlib.contextmanager
def in_memory_copy_of(template: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory copy of a data template, sharing the decisions made on it."""
    start_afresh()
    connection = copy_store_into_memory(template)
    yield connection
    set_aside_template_decisions()
    connection.close()


@pytest.fixture
def views_con(views_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory copy of the views fixture store."""
    with in_memory_copy_of(views_db) as connection:
        yield connection


COUNCIL_EXPORTS = ROOT / "tests" / "fixtures" / "council"


def load_council_exports(connection: duckdb.DuckDBPyConnection) -> None:
    """Riverside's health check (Oct 2026) and Northshire's survey (Nov 2026, US dates):
    councils' own questions, imported as suggested."""
    from wellbeing.ingest import demo
    from wellbeing.ingest.reading import read_export
    from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

    demo.remove(connection)  # the dashboard must not add the sample data beside them
    for name, wave, day_first in (
        ("riverside_health_check.csv", "Autumn 2026", True),
        ("northshire.csv", "Winter 2026", False),
    ):
        table = read_export((COUNCIL_EXPORTS / name).read_bytes(), name)
        _, mapping = suggest_survey_mapping(connection, table)
        import_survey(connection, table, mapping, wave=wave, uploaded_by="hr", day_first=day_first)


@pytest.fixture(scope="session")
def council_db(migrated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Template: two councils' own exports (load_council_exports), imported (copy it)."""
    return derived_data_template(tmp_path_factory, "council", migrated_db, load_council_exports)


@pytest.fixture
def views_app_db(views_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the views fixture store for one AppTest run."""
    with dashboard_on_a_copy_of(views_db, tmp_path, monkeypatch) as path:
        yield path


INCLUDE_SLOW = "--include-slow"


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis's pytest plugin imports hypothesis (about 1.5 s) for its terminal
    # summary, at the very end of the run, in pytest-xdist's controller, which never
    # ran a test that imported it. Imported while the workers run, it costs nothing.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        threading.Thread(
            target=importlib.import_module,
            args=("hypothesis.internal.observability",),
            name="import-hypothesis",
            daemon=True,
        ).start()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        INCLUDE_SLOW,
        action="store_true",
        help="also run the tests marked slow: browser journeys, live servers, walks of "
        "every page, the printed board pack (the README's and .ci/run's command)",
    )


def pytest_report_header(config: pytest.Config) -> str:
    if _slow_left_out(config):
        return f"tests marked slow: left out ({INCLUDE_SLOW} runs them, as CI does)"
    return "tests marked slow: included"


def _slow_left_out(config: pytest.Config) -> bool:
    # An explicit -m (for example -m slow) chooses for itself.
    return not config.getoption("include_slow") and not config.option.markexpr


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser journey is slow too, and slow tests are left out of a plain
    ``python -m pytest`` (a quick run while working), unless --include-slow asks.
    Browser tests need Debian's chromium, deployment tests its nginx too: skipped
    without them, except in CI (they must exist: .ci/run installs both)."""
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.slow)
        if _uses_a_module_fixture(item):
            # pytest-xdist (--dist loadgroup) runs the module's tests on one worker,
            # so the fixture is built once; other tests are spread one by one. (Giving
            # each parameter of the every-view sweep a group of its own was tried: the
            # worker then ran two parameters' tests interleaved and built each sweep
            # twice, 945 s for the suite against 771 s.)
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
    if _slow_left_out(config):
        slow = [item for item in items if "slow" in item.keywords]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [item for item in items if "slow" not in item.keywords]
    if os.environ.get("CI"):
        return  # let them fail loudly
    missing = {
        "browser": None
        if CHROMIUM.exists()
        else pytest.mark.skip(reason="needs /usr/bin/chromium (apt-get install -y chromium)"),
        "deployment": None
        if shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
        else pytest.mark.skip(reason="needs nginx (apt-get install -y nginx)"),
    }
    for item in items:
        for marker, skip in missing.items():
            if skip is not None and marker in item.keywords:
                item.add_marker(skip)


def _uses_a_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info else ()
    return any(d[-1].scope == "module" for d in definitions if d)


# Real-browser journeys: a live Streamlit server on 127.0.0.1 and a Chromium page.


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start servers on demand: ``url = start_server(db=path, env={...})``; all stopped after.

    ``direct=True`` starts ``streamlit run dashboard.py`` instead of ``python serve.py``
    (which the dashboard refuses: docs/security.md).
    """
    processes: list[subprocess.Popen] = []

    def start(
        *,
        db: Path | None = None,
        env: dict[str, str] | None = None,
        direct: bool = False,
        before_serving: str | None = None,
    ) -> str:
        path = db or tmp_path / f"server-{len(processes)}.duckdb"
        url, process = start_streamlit(path, env=env, direct=direct, before_serving=before_serving)
        processes.append(process)
        return url

    yield start
    for process in processes:
        stop_streamlit(process)


@pytest.fixture
def demo_server(start_server, demo_db: Path, tmp_path: Path) -> str:
    """A live server on a private copy of the sample-data store."""
    return start_server(db=copy_store(demo_db, tmp_path / "demo-server.duckdb"))


@pytest.fixture
def browser_page():
    """A fresh Chromium page (Debian's binary; Playwright cannot download its own here)."""
    from playwright import sync_api

    # A busy two-core machine can take well over Playwright's 5 s default to rerun a page.
    sync_api.expect.set_options(timeout=60_000)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


@pytest.fixture(autouse=True)
def nobody_is_looking() -> Iterator[None]:
    """Each test starts, and leaves the thread, with figures made for nobody in particular.

    A page run sets whose eyes its figures are for (roles.view_as) and which teams
    they may show; left behind, a later test's figures would be remembered as seen.
    """
    from queries import decisions
    from wellbeing.core import roles

    # Every test starts as the store fixtures start theirs (start_afresh): the
    # templates' decisions at hand, whatever store the test opens itself.
    start_afresh()
    yield
    roles.view_as(None)
    roles.restrict_to_teams(None)
    set_aside_template_decisions()
    decisions.forget_remembered()


@pytest.fixture(autouse=True)
def no_background_preparation(request: pytest.FixtureRequest) -> Iterator[None]:
    """AppTest runs do not start the background preparation (wellbeing/ui/run.py).

    It decides every wave of the store, its sensitive breakdowns included, on a
    thread beside the test's own script runs: seconds of work per store whose
    data a test changed, which pages then decide for themselves, wave by wave,
    when a test opens them. Tests marked ``background_preparation`` keep it;
    the live servers of the browser journeys always prepare, as in use.
    """
    if request.node.get_closest_marker("background_preparation"):
        yield
        return
    from wellbeing.ui import run

    original = run._prepare_figures
    run._prepare_figures = lambda shared, version: None
    yield
    run._prepare_figures = original


@pytest.fixture(autouse=True)
def no_first_view_kept(request: pytest.FixtureRequest) -> Iterator[None]:
    """AppTest runs do not keep their first view in the store (wellbeing/ui/run.py).

    A session's first view of the Overview is written to the store on a thread of its
    own, beside the test's next steps, and copies of one template share a data version:
    tests that count what a store holds, or remove its file, would meet it. Tests
    marked ``keeps_first_view`` keep it (tests/test_first_view.py); the live servers of
    the browser journeys always keep it, as in use.
    """
    if request.node.get_closest_marker("keeps_first_view"):
        yield
        return
    from wellbeing.ui import run

    original = run._keep_first_view
    run._keep_first_view = lambda noted: None
    yield
    run._keep_first_view = original
