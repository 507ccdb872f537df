"""Past one machine: two read-only servers and a writer behind nginx, on 127.0.0.1.

HR imports a wave through the writer (nginx's HR port, a real browser); both
readers show it once the writer has published its snapshot; a leader's session
survives the reader it was on being killed: the browser reconnects through
nginx to the other reader and shows the same wave. Every process started here
is stopped at the end. Needs Debian's nginx and chromium (.ci/run installs both).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import (
    ROOT,
    choose_file,
    choose_option,
    free_port,
    open_list,
    wait_for_script,
    wait_until_healthy,
)

from bench import browser
from tests.browser.test_upload_journey import NEW_WAVE, new_wave_export
from wellbeing.store import snapshots

pytestmark = [pytest.mark.browser, pytest.mark.deployment]

NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
WAIT_MS = 90_000
START_TIMEOUT = 120


@dataclass
class Cluster:
    writer: str
    readers: list[str]
    leaders: str  # nginx, to the readers
    hr: str  # nginx, to the writer
    snapshots: Path
    store: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)


def _streamlit(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:  # the server writes to its own copy of the handle
        return _popen_streamlit(env, port, output)


def _popen_streamlit(env: dict[str, str], port: int, output) -> subprocess.Popen:
    return subprocess.Popen(
        browser.server_command(port),
        cwd=ROOT,
        env=dict(os.environ) | env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def nginx_config(folder: Path, *, readers: list[str], writer: str, leaders: int, hr: int) -> Path:
    """The deployment's own template, filled for 127.0.0.1, inside a minimal nginx.conf."""
    servers = " ".join(
        f"server {r.removeprefix('http://')} max_fails=1 fail_timeout=30s;" for r in readers
    )
    site = (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("@READERS@", servers)
        .replace("@WRITER@", writer.removeprefix("http://"))
        .replace("@LEADERS_LISTEN@", f"127.0.0.1:{leaders}")
        .replace("@HR_LISTEN@", f"127.0.0.1:{hr}")
    )
    (folder / "wellbeing.conf").write_text(site, encoding="utf-8")
    temp = folder / "temp"
    temp.mkdir()
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/wellbeing.conf;
}}
"""
    path = folder / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
def cluster(demo_db: Path, tmp_path: Path) -> Iterator[Cluster]:
    store = tmp_path / "store.duckdb"
    shutil.copy(demo_db, store)
    where = tmp_path / "snapshots"
    processes: dict[str, subprocess.Popen] = {}
    try:
        port = free_port()
        processes["writer"] = _streamlit(
            {"WELLBEING_DB": str(store), snapshots.SNAPSHOTS_ENV: str(where)},
            port,
            tmp_path / "writer.log",
        )
        writer = f"http://127.0.0.1:{port}"
        wait_until_healthy(writer, processes["writer"], START_TIMEOUT)
        # The writer publishes on its first run: ask for one, as a first visitor would.
        waves_on(writer)
        snapshots.wait_for_current(where, timeout=START_TIMEOUT)
        readers = []
        for number in (1, 2):
            port = free_port()
            # A path that does not exist: a reader must never open the store.
            processes[f"reader{number}"] = _streamlit(
                {
                    "WELLBEING_DB": str(tmp_path / "no-store-here.duckdb"),
                    snapshots.SNAPSHOTS_ENV: str(where),
                    snapshots.READ_ONLY_ENV: "1",
                },
                port,
                tmp_path / f"reader{number}.log",
            )
            readers.append(f"http://127.0.0.1:{port}")
        for number, url in enumerate(readers, start=1):
            wait_until_healthy(url, processes[f"reader{number}"], START_TIMEOUT)
        leaders, hr = free_port(), free_port()
        conf = nginx_config(tmp_path, readers=readers, writer=writer, leaders=leaders, hr=hr)
        processes["nginx"] = subprocess.Popen(
            [str(NGINX), "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        for url in (f"http://127.0.0.1:{leaders}", f"http://127.0.0.1:{hr}"):
            wait_until_healthy(url, processes["nginx"], START_TIMEOUT)
        yield Cluster(
            writer=writer,
            readers=readers,
            leaders=f"http://127.0.0.1:{leaders}",
            hr=f"http://127.0.0.1:{hr}",
            snapshots=where,
            store=store,
            processes=processes,
        )
    finally:
        for name in ("nginx", "reader1", "reader2", "writer"):
            if name in processes:
                _stop(processes[name])
        assert not (tmp_path / "no-store-here.duckdb").exists(), "a reader opened the store"


async def wave_options(url: str) -> list[str]:
    """The Wave box's choices, through Streamlit's websocket as a browser gets them."""
    import websockets

    from bench.leaders import Leader

    address = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(address, subprotocols=["streamlit"], max_size=None) as ws:
        leader = Leader(ws)
        error = await leader.run()
        assert error is None, error
        return leader.boxes.get("Wave", ("", []))[1]


def waves_on(url: str) -> list[str]:
    """wave_options on a thread of its own: Playwright's sync API holds this one's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wave_options(url)).result(timeout=300)


def wait_for_wave(url: str, wave: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while wave not in (options := waves_on(url)):
        assert time.monotonic() < deadline, f"{url} shows waves {options}, not {wave!r}"
        time.sleep(1)


def serving(url: str) -> str:
    """Which reader nginx sends this client to (the header the deployment's config adds)."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
        # Every server nginx tried, in order: the last one answered.
        return "http://" + response.headers["X-Wellbeing-Server"].split(",")[-1].strip()


def import_new_wave(page, hr: str, folder: Path) -> None:
    """HR's import through the writer, as tests/browser/test_upload_journey.py does it."""
    page.goto(hr)
    wait_for_script(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload", exact=True).click()
    wait_for_script(page)
    choose_file(page, new_wave_export(folder), WAIT_MS)
    expect(page.get_by_text("No column is mapped to Team.", exact=False)).to_be_visible(
        timeout=WAIT_MS
    )
    wait_for_script(page)
    meaning = page.get_by_role("combobox", name="Meaning of Unit")
    open_list(page, meaning, WAIT_MS)
    meaning.press_sequentially("Team")
    expect(meaning).to_have_value("Team", timeout=WAIT_MS)
    expect(page.get_by_role("option", name="Team", exact=True)).to_have_attribute(
        "data-focused", "true", timeout=WAIT_MS
    )
    page.keyboard.press("Enter")
    wait_for_script(page)
    wave = page.get_by_label("New wave name")
    wave.fill(NEW_WAVE)
    wave.press("Enter")
    wait_for_script(page)
    page.get_by_role("button", name="Import all 12 rows").click()
    expect(page.get_by_text(re.compile(r"12 rows read, 12 stored, 0 rejected"))).to_be_visible(
        timeout=WAIT_MS
    )


def test_a_wave_imported_through_the_writer_reaches_both_readers_and_survives_a_reader(
    cluster: Cluster, browser_page, tmp_path
):
    page = browser_page
    import_new_wave(page, cluster.hr, tmp_path)

    # Both readers, and nginx's leaders' port, show the wave once it is published.
    for url in [*cluster.readers, cluster.leaders]:
        wait_for_wave(url, NEW_WAVE)

    # A leader's session, through nginx, on the new wave.
    page.goto(cluster.leaders)
    wait_for_script(page)
    wave_box = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")
    choose_option(page, wave_box, NEW_WAVE, WAIT_MS)
    wait_for_script(page)
    expect(wave_box).to_have_value(NEW_WAVE, timeout=WAIT_MS)

    # Kill the reader it is on, mid-session.
    victim = serving(cluster.leaders)
    name = f"reader{cluster.readers.index(victim) + 1}"
    cluster.processes[name].send_signal(signal.SIGKILL)
    cluster.processes[name].wait(timeout=30)
    survivor = next(url for url in cluster.readers if url != victim)
    assert serving(cluster.leaders) == survivor

    # The browser reconnects through nginx to the other reader, which reruns the
    # page with the session's own widget values: same wave, drawn, no error.
    page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave").wait_for()
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        wait_for_script(page)
        if (
            page.get_by_test_id("stException").count() == 0
            and page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave").input_value()
            == NEW_WAVE
        ):
            break
        time.sleep(1)
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")).to_have_value(
        NEW_WAVE
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stMain").locator("h1")).to_be_visible()

    # The writer, which holds the store, still shows the wave.
    assert NEW_WAVE in waves_on(cluster.writer)
