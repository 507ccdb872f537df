"""A default start cannot expose data: without sign-in, a public address is refused.

Starts the real ``streamlit run dashboard.py`` on 0.0.0.0 with a store that has
no accounts, then asks for the script health check (the first run of the
script, as a first visitor would cause). The dashboard must print how to set up
sign-in and stop the server. The process is killed by this test if it lingers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from wellbeing.store import copy_store

pytestmark = pytest.mark.slow  # a live server

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 120
STOP_TIMEOUT = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "streamlit stopped before it was asked anything"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy within {START_TIMEOUT}s")


def test_starting_on_every_address_without_sign_in_is_refused_with_how_to_fix_it(
    demo_db: Path, tmp_path: Path
):
    store = tmp_path / "wellbeing.duckdb"
    copy_store(demo_db, store)  # sample data, no accounts
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.address",
            "0.0.0.0",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.scriptHealthCheckEnabled",
            "true",
        ],
        cwd=ROOT,
        env={**os.environ, "WELLBEING_DB": str(store)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=60) as reply:
                reply.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # the server may close the connection as it stops: the output says why
        output, _ = process.communicate(timeout=STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = output.decode(errors="replace")
    assert process.returncode is not None
    assert "refuses to serve on 0.0.0.0 because sign-in is not set up" in text
    assert "wellbeing accounts create-admin" in text
