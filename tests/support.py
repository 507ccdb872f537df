"""Helpers the tests share: paths, small exports built like the real tools', live servers.

Plain functions, imported as ``from support import ...``; the fixtures that use
them live in conftest.py (one conftest, so ``conftest`` is never ambiguous).
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import secrets
import shutil
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


# Respondent ids for exports written by survey_csv, fresh for each export.
_RESPONDENT_IDS = itertools.count(1)


def survey_csv(
    rows: list[dict[str, object]], *, delimiter: str = ",", first_id: int | None = None
) -> bytes:
    """A Microsoft-Forms-shaped export from rows keyed by field or item code.

    Keys: ``team``, ``service``, ``role``, ``career_stage``, ``ethnicity``,
    ``gender``, ``age_band``, ``disability`` and item codes such as ``STR1``;
    item headers are written as the item's question text, as Forms does.
    Respondents are numbered from ``first_id``; by default each export gets ids no
    earlier one had, because two uploads into one wave sharing an id are the same
    respondent twice, and refused (issue 16).
    """
    if first_id is None:
        first_id = next(_RESPONDENT_IDS)
        for _ in range(len(rows) - 1):
            next(_RESPONDENT_IDS)
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
    for number, row in enumerate(rows, start=first_id):
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


# Template stores: built once per test session (per xdist worker), copied per test.
# Opening a new store runs every migration and copies the instruments in (about
# 0.45 s); copying a template file takes milliseconds.

# The options wellbeing.store.connect opens every store with.
STORE_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def seal_template(connection: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Checkpoint and close a template store, so the file alone holds all of it.

    DuckDB keeps recent writes in ``<file>.wal`` until a checkpoint; copying only
    the main file of an unchecked store would lose them.
    """
    connection.execute("checkpoint")
    connection.close()
    wal = path.with_name(path.name + ".wal")
    assert not wal.exists(), f"{wal} left after a checkpoint: a copy of {path} would be incomplete"
    return path


def renew_store_id(connection: duckdb.DuckDBPyConnection) -> None:
    """Give a copied empty store an identity of its own, as a newly created store gets.

    The store's id is part of the data version (queries/data_version.sql), so two
    stores holding the same uploads never share kept figures (queries/cache.py).
    """
    connection.execute(
        "update settings set value = $id where key = 'store_id'", {"id": secrets.token_hex(16)}
    )


def copy_store(template: Path, path: Path, *, new_identity: bool = False) -> Path:
    """A private copy of a sealed template store file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    if new_identity:
        connection = duckdb.connect(str(path), config=STORE_CONFIG)
        renew_store_id(connection)
        seal_template(connection, path)
    return path


def copy_store_into_memory(template: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory store holding everything in a sealed template: schema, rows, sequences."""
    connection = duckdb.connect(":memory:", config=STORE_CONFIG)
    quoted = str(template).replace("'", "''")
    connection.execute(f"attach '{quoted}' as template (read_only)")
    connection.execute("copy from database template to memory")
    connection.execute("detach template")
    return connection


SERVER_START_TIMEOUT = 60


def store_with_accounts(demo_db: Path, folder: Path, people: dict[str, str]) -> Path:
    """A copy of the sample-data store with a built-in account per role: {role: username}."""
    from wellbeing import store
    from wellbeing.access import accounts

    db = copy_store(demo_db, folder / "wellbeing.duckdb")
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


# Seconds a stopped server is given to exit before it is killed: Streamlit stops the
# background preparation between two steps before it exits (wellbeing/ui/run.py);
# a test need not wait for that step.
SERVER_STOP_GRACE = 2


def start_streamlit(
    db: Path,
    *,
    env: dict[str, str] | None = None,
    direct: bool = False,
    before_serving: str | None = None,
) -> tuple[str, subprocess.Popen]:
    """A live dashboard on 127.0.0.1 over the store ``db``: its URL and its process.

    Started as ``python serve.py``, the only way the dashboard serves (docs/security.md);
    ``direct=True`` starts ``streamlit run dashboard.py``, which the dashboard refuses.
    ``before_serving``: Python run in the server process first (serve.py then runs as
    its ``__main__``), for a journey that needs the engine slower than it is.
    """
    port = free_port()
    environment = dict(os.environ)
    environment["WELLBEING_DB"] = str(db)
    environment.update(env or {})
    serve = str(ROOT / "serve.py")
    start = ["-m", "streamlit", "run", "dashboard.py"] if direct else [serve]
    if before_serving is not None:
        start = [
            "-c",
            f"{before_serving}\nimport runpy, sys\nsys.argv[0] = {serve!r}\n"
            f"runpy.run_path({serve!r}, run_name='__main__')",
        ]
    process = subprocess.Popen(
        [
            sys.executable,
            *start,
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
        process.wait(timeout=SERVER_STOP_GRACE)
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


# A backslash before a punctuation character: how plain.markdown keeps it from being Markdown.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown_table(element) -> pd.DataFrame:
    """An AppTest ``st.table`` as the reader sees it.

    st.table draws cells and headings as Markdown, so ``ui.table`` escapes them
    (``plain.markdown``): "#1" is sent as "\\#1" and shown as "#1".
    """
    frame = element.value

    def unescape(text: object) -> object:
        return _MARKDOWN_ESCAPE.sub(r"\1", text) if isinstance(text, str) else text

    return frame.map(unescape).rename(columns=unescape)


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


def choose_file(page, path: Path, timeout_ms: int) -> None:
    """Give the Upload page's box a file, as dropping it there does, again if it was lost.

    A file given while a rerun redraws the box (a reading option changed just before,
    on a busy machine) can be dropped with the box it was given to: the page then
    still asks for a file (CI saw this under load).
    """
    from playwright.sync_api import expect

    box = page.get_by_test_id("stFileUploader")
    for attempt in range(3):
        wait_for_script(page)
        box.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
        try:
            expect(box.get_by_text(path.name, exact=False).first).to_be_visible(
                timeout=timeout_ms // 6
            )
            return
        except AssertionError:
            if attempt == 2:
                raise


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


def import_new_wave_and_open_heatmap(page, *, wave: str, rows: int, timeout_ms: int):
    """On the Upload page with a file checked: name the new wave, import every row, then
    open the Overview's heatmap of that wave. Returns the heatmap's chart."""
    import re

    from playwright.sync_api import expect

    box = page.get_by_label("New wave name")
    box.fill(wave)
    box.press("Enter")
    wait_for_script(page)
    page.get_by_role("button", name=f"Import all {rows} rows").click()
    expect(
        page.get_by_text(re.compile(rf"{rows} rows read, {rows} stored, 0 rejected"))
    ).to_be_visible(timeout=timeout_ms)
    page.get_by_test_id("stMain").get_by_role("link", name="Overview").click()
    wait_for_script(page)
    choose_option(page, page.get_by_role("combobox", name="Wave"), wave, timeout_ms)
    wait_for_script(page)
    page.get_by_role("tab", name="Every measure by team").click()
    wait_for_script(page)
    return page.get_by_test_id("stPlotlyChart").first
