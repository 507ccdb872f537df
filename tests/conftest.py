"""Shared fixtures: fresh stores, small surveys built through the real import path, AppTest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
    path = tmp_path_factory.mktemp("templates") / "migrated.duckdb"
    return seal_template(store.connect(path), path)


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
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = store.connect(path)
    from wellbeing.ingest import demo

    demo.load(connection)
    return seal_data_template(connection, path)


@pytest.fixture
def demo_app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the demo store for one AppTest run."""
    import streamlit as st

    path = copy_store(demo_db, tmp_path / "wellbeing.duckdb")
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    start_afresh()
    yield path
    stop_preparing()
    set_aside_template_decisions()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def views_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Template: the small hand-worked store of tests/views_fixture.py (copy it)."""
    from tests.views_fixture import load_views_fixture

    path = tmp_path_factory.mktemp("views") / "views.duckdb"
    connection = store.connect(path)
    load_views_fixture(connection)
    return seal_data_template(connection, path)


@pytest.fixture
def views_con(views_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory copy of the views fixture store."""
    start_afresh()
    connection = copy_store_into_memory(views_db)
    yield connection
    set_aside_template_decisions()
    connection.close()


@pytest.fixture
def views_app_db(views_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the views fixture store for one AppTest run."""
    import streamlit as st

    path = copy_store(views_db, tmp_path / "wellbeing.duckdb")
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    start_afresh()
    yield path
    stop_preparing()
    set_aside_template_decisions()
    st.cache_resource.clear()


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every browser journey is slow too. Browser tests need Debian's chromium,
    deployment tests its nginx too: skipped without them, except in CI (they must
    exist: .ci/run installs both)."""
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
        *, db: Path | None = None, env: dict[str, str] | None = None, direct: bool = False
    ) -> str:
        path = db or tmp_path / f"server-{len(processes)}.duckdb"
        url, process = start_streamlit(path, env=env, direct=direct)
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

    yield
    roles.view_as(None)
    roles.restrict_to_teams(None)
    decisions.forget_remembered()
