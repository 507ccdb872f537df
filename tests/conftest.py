"""Shared fixtures: fresh stores, small surveys built through the real import path, AppTest."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from wellbeing import instruments, store
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
CHROMIUM = Path("/usr/bin/chromium")


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


def survey_csv(rows: list[dict[str, object]], *, delimiter: str = ",") -> bytes:
    """A Microsoft-Forms-shaped export from rows keyed by field or item code.

    Keys: ``team``, ``service``, ``role``, ``career_stage``, ``ethnicity``,
    ``gender``, ``age_band``, ``disability`` and item codes such as ``STR1``;
    item headers are written as the item's question text, as Forms does.
    """
    by_code = {item.code: item for item in instruments.all_items()}
    headers = {
        "team": "Which team do you work in?",
        "service": "Which service do you work in?",
        "role": "What is your role?",
        "career_stage": "What is your career stage?",
        "ethnicity": "What is your ethnic group?",
        "gender": "What is your gender?",
        "age_band": "What is your age band?",
        "disability": "Do you consider yourself to have a disability?",
    }
    keys: list[str] = []
    for row in rows:
        keys.extend(key for key in row if key not in keys)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(
        ["ID", "Start time", "Completion time", "Email", "Name"]
        + [headers.get(key) or by_code[key].text for key in keys]
    )
    for number, row in enumerate(rows, start=1):
        writer.writerow(
            [number, "01/10/2025 09:00:00", "01/10/2025 09:10:00", "anonymous", ""]
            + ["" if row.get(key) is None else row[key] for key in keys]
        )
    return out.getvalue().encode("utf-8")


def load_survey(
    con: duckdb.DuckDBPyConnection, data: bytes, *, wave: str = "Autumn 2025", file_name: str = "survey.csv"
):
    """Import an export through the real path, with the suggested mapping."""
    table = read_export(data, file_name)
    _, mapping = suggest_survey_mapping(con, table)
    return import_survey(con, table, mapping, wave=wave, uploaded_by="test")


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
    from wellbeing import demo

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
    """Browser tests need Debian's chromium; skip them without it, except in CI where it must exist."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        return  # let them fail loudly: .ci/run installs chromium
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
