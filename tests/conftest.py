"""Shared fixtures: fresh stores, small surveys built through the real import path, AppTest."""

from __future__ import annotations

import os
import shutil
import subprocess
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
    free_port,
    launch_chromium,
    load_survey,
    start_streamlit,
    stop_streamlit,
    survey_csv,
    wait_for_script,
    wait_until_healthy,
)

from wellbeing import store


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


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory store with the schema and instruments, and nothing else."""
    connection = store.connect(None)
    yield connection
    connection.close()


@pytest.fixture
def make_survey() -> Callable[..., bytes]:
    return survey_csv


@pytest.fixture
def app_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A store file for one AppTest run, with the server-wide connection cache cleared after."""
    import streamlit as st

    path = tmp_path / "wellbeing.duckdb"
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file loaded once with the bundled sample data (copy it before writing)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = store.connect(path)
    from wellbeing.ingest import demo

    demo.load(connection)
    connection.close()
    return path


@pytest.fixture
def demo_app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of the demo store for one AppTest run."""
    import streamlit as st

    path = tmp_path / "wellbeing.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests need Debian's chromium: skipped without it, except in CI (it must exist)."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        return  # let them fail loudly: .ci/run installs chromium
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


# Real-browser journeys: a live Streamlit server on 127.0.0.1 and a Chromium page.


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start servers on demand: ``url = start_server(db=path, env={...})``; all stopped after."""
    processes: list[subprocess.Popen] = []

    def start(*, db: Path | None = None, env: dict[str, str] | None = None) -> str:
        url, process = start_streamlit(db or tmp_path / f"server-{len(processes)}.duckdb", env=env)
        processes.append(process)
        return url

    yield start
    for process in processes:
        stop_streamlit(process)


@pytest.fixture
def demo_server(start_server, demo_db: Path, tmp_path: Path) -> str:
    """A live server on a private copy of the sample-data store."""
    db = tmp_path / "demo-server.duckdb"
    shutil.copy(demo_db, db)
    return start_server(db=db)


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
