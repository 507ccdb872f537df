"""Helpers the tests share: paths, small exports built like the real tools', live servers.

Plain functions, imported as ``from support import ...``; the fixtures that use
them live in conftest.py (one conftest, so ``conftest`` is never ambiguous).
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import instruments
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
CHROMIUM = Path("/usr/bin/chromium")
# The password of the accounts tests create.
PASSWORD = "correct horse battery staple"


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
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    *,
    wave: str = "Autumn 2025",
    file_name: str = "survey.csv",
):
    """Import an export through the real path, with the suggested mapping."""
    table = read_export(data, file_name)
    _, mapping = suggest_survey_mapping(con, table)
    return import_survey(con, table, mapping, wave=wave, uploaded_by="test")


SERVER_START_TIMEOUT = 60


def store_with_accounts(demo_db: Path, folder: Path, people: dict[str, str]) -> Path:
    """A copy of the sample-data store with a built-in account per role: {role: username}."""
    import shutil

    from wellbeing import store
    from wellbeing.access import accounts

    db = folder / "wellbeing.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    try:
        for role, username in people.items():
            accounts.create_account(
                con,
                username=username,
                display_name=username.title(),
                role=role,
                password=PASSWORD,
                by="test",
            )
    finally:
        con.close()
    return db


def start_streamlit(db: Path, *, env: dict[str, str] | None = None) -> tuple[str, subprocess.Popen]:
    """A live dashboard on 127.0.0.1 over the store ``db``: its URL and its process."""
    port = free_port()
    environment = dict(os.environ)
    environment["WELLBEING_DB"] = str(db)
    environment.update(env or {})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            # An edit elsewhere in the tree must not reload the app mid-journey.
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, SERVER_START_TIMEOUT)
    except BaseException:
        stop_streamlit(process)
        raise
    return url, process


def stop_streamlit(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


def launch_chromium(playwright):
    """Debian's chromium (Playwright cannot download its own here), quiet in the background."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    )


def sign_in(page, *, username: str, password: str) -> None:
    """Sign in through the form with the keyboard, as the sign-in page offers it."""
    from playwright.sync_api import expect

    wait_for_script(page)
    page.get_by_label("User name").fill(username)
    password_box = page.get_by_label("Password", exact=True)
    password_box.fill(password)
    password_box.press("Enter")
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")).to_be_visible()
    wait_for_script(page)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not become healthy within {timeout}s")


def wait_for_script(page) -> None:
    """Wait until Streamlit has finished running the script for what is on screen."""
    page.get_by_test_id("stApp").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
    )


def section_labels(at) -> list[str]:
    """The labels of an AppTest page's tabs (wellbeing.ui.sections), in order."""
    return [tab.label for tab in at.tabs]


def open_section(at, label: str):
    """Open one tab of an AppTest page, as clicking it does; returns the AppTest."""
    from wellbeing import ui

    assert label in section_labels(at), section_labels(at)
    at.session_state[ui.SECTION_KEY] = label
    return at.run()


def open_list(page, combobox, timeout_ms: int) -> None:
    """Open a select box's list, clicking again if a rerun swallowed the click.

    On a busy machine a rerun can redraw the box just as it is clicked, and keys
    typed then are lost (CI once saw a select box list all 65 choices, unfiltered).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    listbox = page.get_by_role("listbox")
    for _ in range(5):
        combobox.click()
        try:
            listbox.wait_for(state="visible", timeout=timeout_ms // 5)
            return
        except PlaywrightTimeoutError:
            wait_for_script(page)
    expect(listbox).to_be_visible()


def choose_option(page, combobox, option: str, timeout_ms: int) -> None:
    """Pick one choice of a select box, as a user would: open the list, click it."""
    open_list(page, combobox, timeout_ms)
    page.get_by_role("option", name=option, exact=True).click()


def cell_membership(cells: pd.DataFrame, finest: pd.DataFrame) -> np.ndarray:
    """Which finest groups each cell adds up (cells x groups, True where a group is in it).

    The 0/1 rows an attacker writes down for the cells a reader can see.
    """
    dimensions = list(privacy.DIMENSIONS)
    values = finest[dimensions].astype(str).to_numpy()
    keys = cells[dimensions].to_numpy()
    matches = np.ones((len(keys), len(values)), dtype=bool)
    for d in range(len(dimensions)):
        column = keys[:, d][:, None]
        matches &= (column == privacy.ALL) | (column == values[:, d][None, :])
    return matches
