"""A live Streamlit server and a Chromium page for the real-browser journeys.

The server runs `streamlit run dashboard.py` on 127.0.0.1 and a free port, with
its own store file under tmp_path, and is stopped by the fixture that started it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser

SERVER_START_TIMEOUT = 60


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


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start servers on demand: ``url = start_server(db=path, env={...})``; all stopped after."""
    processes: list[subprocess.Popen] = []

    def start(*, db: Path | None = None, env: dict[str, str] | None = None) -> str:
        port = free_port()
        environment = dict(os.environ)
        environment["WELLBEING_DB"] = str(db or tmp_path / f"server-{port}.duckdb")
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
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process, SERVER_START_TIMEOUT)
        return url

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


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

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def wait_for_script(page) -> None:
    """Wait until Streamlit has finished running the script for what is on screen."""
    page.get_by_test_id("stApp").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
    )
