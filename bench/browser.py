"""First paint and filter-change-to-repaint in a real browser (Debian's Chromium).

Starts ``python serve.py`` on 127.0.0.1 and a free port against the
benchmark store, opens each page, then changes the sidebar's wave filter and
times, inside the page, from the click on the new wave to the frame painted
after the rerun finished. The server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT = 120
# Wave choices after which no rerun starts that a page may lose before it is reported as
# an error (see measure_page).
LOST_CHANGES_ALLOWED = 2

# In the page: note when the user's pointer went down on the new wave and when
# Streamlit's script state turned "running" and then "notRunning" again.
WATCH_RERUN = """
() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const bench = {clicked: null, running: null, done: null};
    window.__bench = bench;
    // The click that picks the new wave, not the one that opened the list before it.
    document.addEventListener('pointerdown', event => {
        if (event.target.closest('[role="option"]')) bench.clicked ??= performance.now();
    }, {capture: true});
    // A quick rerun can turn "running" and back before the observer is called, so
    // the records' old values count too, not only the state when it is called.
    new MutationObserver(records => {
        const state = app.getAttribute('data-test-script-state');
        const ran = state === 'running' || records.some(r => r.oldValue === 'running');
        if (ran && bench.clicked !== null) bench.running ??= performance.now();
        if (state === 'notRunning' && bench.running !== null) bench.done ??= performance.now();
    }).observe(app, {
        attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state'],
    });
}
"""
# Resolves at the first frame painted after the current one: what the user sees.
NEXT_PAINT = """
() => new Promise(resolve =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))))
"""
SETTLED = """
(charts) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    if (document.querySelectorAll('[data-testid="stSkeleton"]').length) return false;
    const drawn = document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg');
    return document.querySelector('[data-testid="stMain"] h1') !== null
        && new Set([...drawn].map(svg => svg.closest('[data-testid="stPlotlyChart"]'))).size
           >= charts;
}
"""


@dataclass
class BrowserResult:
    path: str
    first_paint_ms: float | None = None
    repaints_ms: list[float] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def repaint_median_ms(self) -> float | None:
        return statistics.median(self.repaints_ms) if self.repaints_ms else None

    @property
    def repaint_worst_ms(self) -> float | None:
        return max(self.repaints_ms) if self.repaints_ms else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(port: int, script: Path | None = None) -> list[str]:
    """The command that serves the dashboard (``python serve.py``, the only way it
    serves: docs/security.md) or another Streamlit ``script`` on 127.0.0.1:``port``."""
    start = [sys.executable, str(ROOT / "serve.py")]
    if script is not None and script.resolve() != (ROOT / "dashboard.py").resolve():
        start = [sys.executable, "-m", "streamlit", "run", str(script)]
    return [
        *start,
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        # An edit elsewhere in the tree must not reload the app mid-measurement.
        "--server.fileWatcherType",
        "none",
    ]


@contextmanager
def running_server(
    environment: dict[str, str],
    *,
    script: Path | None = None,
    poll: float = 0.2,
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """The dashboard (or ``script``) served on 127.0.0.1 until healthy: (URL, process,
    perf_counter when it was started); stopped after. On ``port``, or a free one."""
    port = port or free_port()
    # A file, not a pipe: nobody reads a pipe while pages are timed, and a full
    # one would stop the server mid-benchmark.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed once the server has stopped)
    started = time.perf_counter()
    process = subprocess.Popen(
        server_command(port, script),
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"streamlit exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit was not healthy after {SERVER_START_TIMEOUT} s")
            time.sleep(poll)
        yield url, process, started
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


@contextmanager
def streamlit_server(db: Path) -> Iterator[tuple[str, int]]:
    """``python serve.py`` on 127.0.0.1 against ``db``: (URL, pid); stopped after."""
    with running_server(dict(os.environ, WELLBEING_DB=str(db))) as (url, process, _):
        yield url, process.pid


def _choose_wave(page, label: str, *, attempts: int = 5) -> None:
    """Pick ``label`` in the sidebar's Wave box, trying again if a rerun swallowed a click.

    On a busy machine a rerun can redraw the box just as it is clicked, so the
    list never opens or the choice is lost (two pages of a 100k run waited two
    minutes for a rerun that never came). The repaint is timed from the first
    press on an option, so a second try counts against the page, not for it.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    combobox = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")
    listbox = page.get_by_role("listbox")
    for _ in range(attempts):
        try:
            if not listbox.is_visible():
                combobox.click(timeout=10_000)
                listbox.wait_for(state="visible", timeout=5_000)
            page.get_by_role("option", name=label, exact=True).click(timeout=5_000)
            expect(combobox).to_have_value(label, timeout=10_000)
            return
        except (PlaywrightTimeoutError, AssertionError):
            continue
    raise RuntimeError(f"the Wave box would not take {label!r} in {attempts} tries")


def measure_page(
    page, url: str, path: str, url_path: str, *, charts: int, waves: list[str], changes: int
) -> BrowserResult:
    result = BrowserResult(path=path)
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.goto(f"{url}/{url_path}", wait_until="commit")
    try:
        page.wait_for_function(SETTLED, arg=charts, timeout=60_000)
    except PlaywrightTimeoutError:
        # Late in a long run a fresh page now and then never settles (not seen
        # when the same page is opened alone, 12 times of 12); load it once more
        # and say so, rather than lose the page's figures.
        result.note = "did not settle within 60 s of opening; timed after one reload"
        page.reload(wait_until="commit")
        try:
            page.wait_for_function(SETTLED, arg=charts, timeout=120_000)
        except PlaywrightTimeoutError as error:
            raise RuntimeError(
                "did not settle within 60 s of opening, nor 120 s of a reload"
            ) from error
    result.first_paint_ms = page.evaluate(NEXT_PAINT)  # ms since navigation started
    if len(waves) < 2:
        result.error = "fewer than two waves: no filter change to time"
        return result
    lost = []
    number = 0
    while len(result.repaints_ms) < changes:
        number += 1
        page.evaluate(WATCH_RERUN)
        wave = waves[-2] if number % 2 == 1 else waves[-1]
        _choose_wave(page, wave)
        try:
            page.wait_for_function("() => window.__bench.running !== null", timeout=15_000)
        except PlaywrightTimeoutError:
            # Now and then the box shows the new wave but no rerun starts (about 1
            # change in 50, seen on HR pages; the cause is not known). That change
            # is not timed and the output says so; the next one is.
            lost.append(number)
            if len(lost) > LOST_CHANGES_ALLOWED:
                raise RuntimeError(f"changes {lost}: no rerun started within 15 s") from None
            continue
        try:
            page.wait_for_function("() => window.__bench.done !== null", timeout=120_000)
            page.wait_for_function(SETTLED, arg=charts, timeout=120_000)
        except PlaywrightTimeoutError as error:
            raise RuntimeError(
                f"change {number} to {wave!r}: not repainted within 120 s"
            ) from error
        painted = page.evaluate(NEXT_PAINT)
        result.repaints_ms.append(painted - page.evaluate("() => window.__bench.clicked"))
    if lost:
        lost_note = f"change {', '.join(map(str, lost))} started no rerun and was not timed"
        result.note = f"{result.note}; {lost_note}" if result.note else lost_note
    return result


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and every process under it, ended ones included.

    The server decides a large wave in a process of its own (wellbeing/core/apart.py),
    a child of its fork server: the server itself is idle meanwhile.
    """
    stats: dict[int, list[str]] = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(path.parent.name)] = path.read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue  # ended while we looked
    children: dict[int, list[int]] = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)
    total, waiting = 0, [pid]
    while waiting:
        process = waiting.pop()
        fields = stats.get(process)
        if fields is None:
            continue
        # utime, stime, and those of the children it has waited for (cutime, cstime)
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))
        waiting += children.get(process, [])
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, *, quiet_seconds: float = 3.0, timeout: float = 900.0) -> float:
    """Wait until the server and the processes under it use under 10% of a core for
    ``quiet_seconds``; seconds waited."""
    started = time.monotonic()
    if not Path(f"/proc/{pid}/stat").exists():
        return 0.0
    while time.monotonic() - started < timeout:
        before = _cpu_seconds(pid)
        time.sleep(quiet_seconds)
        if _cpu_seconds(pid) - before < 0.1 * quiet_seconds:
            break
    return time.monotonic() - started


def measure(
    db: Path, pages: list[dict], *, waves: list[str], changes: int = 5
) -> list[BrowserResult]:
    """First paint and repaint figures for each page, from one fresh browser per page."""
    from playwright import sync_api

    results = []
    with streamlit_server(db) as (url, pid), sync_api.sync_playwright() as playwright:
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
        try:
            warm = browser.new_page()
            # Open the store once, as a server that has been running a while has.
            warm.goto(url, wait_until="commit")
            warm.wait_for_function(SETTLED, arg=0, timeout=300_000)
            warm.close()
            # The first run starts the engine's background preparation of every
            # wave (wellbeing/ui/run.py); pages are measured once it is done, as
            # leaders meet them after an import has settled.
            wait_until_idle(pid)
            for info in pages:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                try:
                    results.append(
                        measure_page(
                            page,
                            url,
                            info["path"],
                            info["url_path"],
                            charts=info["charts"],
                            waves=waves,
                            changes=changes,
                        )
                    )
                except Exception as error:  # one page failing must not hide the others
                    results.append(BrowserResult(path=info["path"], error=str(error)[:300]))
                finally:
                    context.close()
        finally:
            browser.close()
    return results
