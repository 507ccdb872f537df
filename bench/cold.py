"""Cold figures in Chromium, as a new user meets the product, and the floor they are compared to.

- ``python serve.py`` on the sample data, store already loaded and served
  before (so its engine verdicts are kept, as a running installation's are),
  to the Overview painted (the server process is started after the browser,
  and the clock starts when it is started); then the same once more in that
  browser, which has Streamlit's scripts in its cache, as a leader who has used
  the dashboard meets a restart;
- after that restart, each page's first visit by its link in the menu, and each
  of its tabs;
- an empty store's first run: the demo import and the Overview painted;
- the floor: ``bench/floor_app.py`` (a title and one filter), its first paint and
  a filter change repainted, through the same browser code.

Every server is started on 127.0.0.1 and a free port and stopped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import browser

ROOT = browser.ROOT
FLOOR_APP = ROOT / "bench" / "floor_app.py"
# Ready for a click: the page's title drawn, the script finished, no skeleton left.
READY = """
() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
    if (document.querySelectorAll('[data-testid="stSkeleton"]').length) return false;
    return document.querySelector('[data-testid="stMain"] h1') !== null;
}
"""
# Notes whether a rerun started after this point (see browser.WATCH_RERUN).
WATCH = """
() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__ran = false;
    new MutationObserver(records => {
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running' || records.some(r => r.oldValue === 'running')) window.__ran = true;
    }).observe(app, {attributes: true, attributeOldValue: true,
                     attributeFilter: ['data-test-script-state']});
}
"""
RAN_AND_READY = "() => window.__ran === true && (" + READY + ")()"
TIMEOUT_MS = 180_000
# In every page of a context, from its first byte: when Streamlit's app appears, and each
# change of its script's state, on the page's own clock (performance.now(), which starts
# as the page is requested), so that a first paint can be taken apart.
TIMELINE = """
window.__timeline = [];
new MutationObserver((records, observer) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return;
    observer.disconnect();
    window.__timeline.push(['loaded', performance.now()]);
    new MutationObserver(() => window.__timeline.push(
        [app.getAttribute('data-test-script-state'), performance.now()]
    )).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}).observe(document, {childList: true, subtree: true});
"""


@dataclass
class Visit:
    name: str
    ms: float | None = None
    error: str | None = None


@dataclass
class FirstPaint:
    """Seconds from the server process's start to each part of a first paint."""

    healthy: float  # the server answered its health check
    requested: float  # the browser asked for the page
    loaded: float | None  # Streamlit's page loaded: its app in the document
    run_started: float | None  # the first run of the script began
    run_ended: float | None  # the last run before the page was ready ended
    painted: float

    def describe(self) -> str:
        def at(seconds: float | None) -> str:
            return "-" if seconds is None else f"{seconds:.2f} s"

        return (
            f"healthy {at(self.healthy)}, Streamlit's page loaded {at(self.loaded)}, "
            f"the script ran {at(self.run_started)} to {at(self.run_ended)}, "
            f"painted {at(self.painted)}"
        )


def first_paint(
    timeline: list[list], *, healthy: float, requested: float, painted: float
) -> FirstPaint:
    """The parts of a first paint from the page's :data:`TIMELINE` (milliseconds since the
    page was requested), with the rest in seconds since the server process started."""

    def since_start(milliseconds: float | None) -> float | None:
        return None if milliseconds is None else requested + milliseconds / 1000

    loaded = next((at for state, at in timeline if state == "loaded"), None)
    started = next((at for state, at in timeline if state == "running"), None)
    ended = [at for state, at in timeline if state == "notRunning"]
    return FirstPaint(
        healthy=healthy,
        requested=requested,
        loaded=since_start(loaded),
        run_started=since_start(started),
        run_ended=since_start(ended[-1] if ended else None),
        painted=painted,
    )


@dataclass
class ColdResult:
    overview_loaded_ms: float | None = None
    overview_empty_ms: float | None = None
    visits: list[Visit] = field(default_factory=list)
    floor_first_paint_ms: float | None = None
    floor_repaints_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Each first paint taken apart: the floor's, and the Overview's after a restart.
    floor_parts: FirstPaint | None = None
    overview_loaded_parts: FirstPaint | None = None
    # The same restart in a browser that has opened the dashboard before (the same
    # address): Streamlit's scripts, served as immutable, come from its cache.
    overview_returning_ms: float | None = None
    overview_returning_parts: FirstPaint | None = None


def sample_store(path: Path) -> Path:
    """A store with the bundled sample data imported and every wave decided, as a running
    installation's server decides them in the background and keeps the verdicts. Built
    afresh each run, so that they are this engine's (:func:`served_before` then serves it
    once, as a running installation has been)."""
    code = (
        "import sys; from wellbeing import store; from wellbeing.ingest import demo; "
        "from queries import survey; "
        "con = store.connect(sys.argv[1]); demo.load_if_empty(con); "
        "survey.prepare_decisions(con); con.execute('checkpoint'); con.close()"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, check=True)
    return path


def served_before(chromium, db: Path) -> None:
    """Serve ``db`` once and open its Overview in a browser of its own, then stop: the
    store is then as a running installation's, which has kept the verdicts and the
    figures of a first view (queries/first_view.py) that a restart looks up."""
    context = _context(chromium)
    try:
        with _dashboard_opened(context, db):
            pass
    finally:
        context.close()


@contextmanager
def started_server(
    script: Path, db: Path | None, port: int | None = None
) -> Iterator[tuple[str, float, float]]:
    """Serve ``script`` now (the dashboard through serve.py), on ``port`` or a free one:
    (URL, perf_counter at the start, seconds until it was healthy); stopped after."""
    environment = dict(os.environ, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    if db is not None:
        environment["WELLBEING_DB"] = str(db)
    with browser.running_server(environment, script=script, poll=0.05, port=port) as (
        url,
        _,
        started,
    ):
        yield url, started, time.perf_counter() - started


@contextmanager
def _dashboard_opened(context, db: Path, port: int | None = None) -> Iterator[tuple]:
    """The dashboard started now on ``db`` (and ``port``), its Overview opened in a new
    page of ``context`` and ready: (page, FirstPaint); the server stopped after."""
    with started_server(ROOT / "dashboard.py", db, port) as (url, started, healthy):
        yield _open(context, url, started, healthy)


def _painted_since(page, started: float) -> float:
    """Milliseconds from ``started`` (perf_counter) to the next frame painted."""
    page.evaluate(browser.NEXT_PAINT)
    return (time.perf_counter() - started) * 1000


def _open(context, url: str, started: float, healthy: float) -> tuple[object, FirstPaint]:
    """A new page of ``context`` (made with :data:`TIMELINE`) opened at ``url`` and ready."""
    page = context.new_page()
    requested = time.perf_counter() - started
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    page.wait_for_function(READY, timeout=TIMEOUT_MS)
    painted = _painted_since(page, started) / 1000
    timeline = page.evaluate("window.__timeline || []")
    return page, first_paint(timeline, healthy=healthy, requested=requested, painted=painted)


def _context(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(TIMELINE)
    return context


def _click_and_wait(page, locator) -> float:
    page.evaluate(WATCH)
    started = time.perf_counter()
    locator.click(timeout=30_000)
    page.wait_for_function(RAN_AND_READY, timeout=TIMEOUT_MS)
    return _painted_since(page, started)


def _tabs(page) -> list[str]:
    main = page.get_by_test_id("stMain")
    return [t.inner_text().strip() for t in main.get_by_role("tab").all()]


def first_visits(page, titles: list[str]) -> list[Visit]:
    """Each page's first visit by its menu link, then each of its other tabs, in menu order."""
    visits = []
    menu = page.get_by_test_id("stSidebarNav")
    for title in titles:
        try:
            link = menu.get_by_role("link", name=title, exact=True)
            visits.append(Visit(title, _click_and_wait(page, link)))
        except Exception as error:  # one page failing must not hide the others
            visits.append(Visit(title, error=str(error).splitlines()[0][:200]))
            continue
        for tab in _tabs(page)[1:]:
            name = f"{title} \u203a {tab}"
            try:
                control = page.get_by_test_id("stMain").get_by_role("tab", name=tab, exact=True)
                page.evaluate(WATCH)
                started = time.perf_counter()
                control.first.click(timeout=30_000)
                # A tab of ui.sections reruns the page; plain tabs switch in the browser.
                try:
                    page.wait_for_function("() => window.__ran === true", timeout=2_000)
                    page.wait_for_function(RAN_AND_READY, timeout=TIMEOUT_MS)
                    visits.append(Visit(name, _painted_since(page, started)))
                except Exception:
                    visits.append(Visit(name, _painted_since(page, started), "no rerun"))
            except Exception as error:
                visits.append(Visit(name, error=str(error).splitlines()[0][:200]))
    return visits


def floor_repaints(page, changes: int) -> list[float]:
    """The floor page's filter change, from the press on the option to the new text painted.

    Its rerun takes a few ms, too quick for the page's running state to be
    seen (bench.browser times from that), so this waits for the text it writes.
    """
    combobox = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")
    times = []
    for number in range(changes):
        choice = ["Autumn", "Spring"][number % 2]
        combobox.click(timeout=30_000)
        option = page.get_by_role("option", name=choice, exact=True)
        option.wait_for(state="visible", timeout=30_000)
        started = time.perf_counter()
        option.click(timeout=30_000)
        page.get_by_text(f"Chosen: {choice}", exact=True).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_function(READY, timeout=TIMEOUT_MS)
        times.append(_painted_since(page, started))
    return times


def explore_titles() -> list[str]:
    """The leaders' pages after the Overview, as dashboard.py lists them."""
    sys.path.insert(0, str(ROOT))
    import dashboard

    return [spec.title for spec in dashboard.PAGES["Explore"] if not spec.default]


def measure(*, floor_changes: int = 10) -> ColdResult:
    from playwright import sync_api

    result = ColdResult()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser.CHROMIUM), args=["--disable-gpu", "--no-first-run"]
        )
        try:
            # The floor first: a page that draws nothing but a title and one filter.
            context = _context(chromium)
            try:
                with started_server(FLOOR_APP, None) as (url, started, healthy):
                    page, result.floor_parts = _open(context, url, started, healthy)
                    result.floor_first_paint_ms = result.floor_parts.painted * 1000
                    result.floor_repaints_ms = floor_repaints(page, floor_changes)
            except Exception as error:
                result.errors.append(f"floor: {error}"[:300])
            finally:
                context.close()

            # Restart on the loaded store: Overview, then every page's first visit.
            with tempfile.TemporaryDirectory() as folder:
                copy = sample_store(Path(folder) / "wellbeing.duckdb")
                served_before(chromium, copy)
                context = _context(chromium)
                port = browser.free_port()
                try:
                    with _dashboard_opened(context, copy, port) as (page, parts):
                        result.overview_loaded_parts = parts
                        result.overview_loaded_ms = parts.painted * 1000
                        result.visits = first_visits(page, explore_titles())
                        page.close()
                    # Restarted again: a leader who has used the dashboard reloads it.
                    with _dashboard_opened(context, copy, port) as (_, parts):
                        result.overview_returning_parts = parts
                        result.overview_returning_ms = parts.painted * 1000
                except Exception as error:
                    result.errors.append(f"loaded store: {error}"[:300])
                finally:
                    context.close()

                # An empty store: the demo import runs in the first run.
                empty = Path(folder) / "empty.duckdb"
                context = _context(chromium)
                try:
                    with _dashboard_opened(context, empty) as (_, parts):
                        result.overview_empty_ms = parts.painted * 1000
                except Exception as error:
                    result.errors.append(f"empty store: {error}"[:300])
                finally:
                    context.close()
        finally:
            chromium.close()
    return result


if __name__ == "__main__":
    import json
    from dataclasses import asdict

    print(json.dumps(asdict(measure())))
