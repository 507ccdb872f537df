"""Server-side page reruns after a filter change, and each page's queries timed raw.

Runs in a process of its own (``python -m bench.pages --db FILE``) because the
store it opens stays locked until the process ends, and prints one JSON object.
Pages are found by running dashboard.py and recording what it hands to
``st.navigation``, so a page added to the router is benchmarked without a change here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
# The shared sidebar filters (wellbeing.ui.FILTER_KEYS values).
WAVE, SERVICE, TEAM, ROLE, STAGE = "wave", "service", "team", "role", "stage"
READ_STATEMENT = re.compile(r"^\s*(select|with|from|pivot|unpivot|values|describe|show)\b", re.I)
COMMENT = re.compile(r"--[^\n]*")
CHANGES_PER_ROUND = 10


@dataclass
class Query:
    name: str
    sql: str
    params: object
    in_page_ms: float


@dataclass
class PageResult:
    path: str
    title: str
    url_path: str
    # The page's tab (wellbeing.ui.sections) this view is of, or None for a page without tabs.
    section: str | None = None
    reruns_ms: list[float] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    charts: int = 0
    error: str | None = None
    queries_per_rerun: int = 0
    main_query: str | None = None
    main_query_ms: float | None = None
    all_queries_ms: float | None = None
    # The statements that took most of the recorded rerun: (name, times run, total ms).
    top_queries: list[tuple[str, int, float]] = field(default_factory=list)

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.reruns_ms) if self.reruns_ms else None

    @property
    def worst_ms(self) -> float | None:
        return max(self.reruns_ms) if self.reruns_ms else None


def _pin_navigation_like_the_server() -> None:
    """The AppTest quirk of tests/conftest.py ``navigation_like_the_real_server``.

    AppTest 1.67, seeing a pages/ folder beside the entry file, runs the page file
    alone from the second run on; the server keeps running dashboard.py (and so
    its sidebar filters) on every run. Pinning the flag makes AppTest do the same.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        PagesManager.uses_pages_directory = False
        original(self, *args, **kwargs)

    PagesManager.__init__ = init


@contextmanager
def recorded_navigation() -> Iterator[list]:
    """Record every page dashboard.py registers with st.navigation while the block runs."""
    import streamlit

    registered: list = []
    original = streamlit.navigation

    def navigation(pages, *args, **kwargs):
        groups = pages.values() if isinstance(pages, dict) else [pages]
        registered[:] = [page for group in groups for page in group]
        return original(pages, *args, **kwargs)

    streamlit.navigation = navigation
    try:
        yield registered
    finally:
        streamlit.navigation = original


def _query_names() -> dict[str, str]:
    return {path.read_text(encoding="utf-8"): path.stem for path in QUERIES.glob("*.sql")}


def _name_of_composed(sql: str, names: dict[str, str]) -> str:
    """A statement built from named files (a CTE put in front of a query) by its parts' names."""
    parts = [name for text, name in names.items() if text.strip() and text.strip() in sql]
    return "+".join(sorted(parts)) if parts else " ".join(COMMENT.sub("", sql).split())[:48]


class RecordingCursor:
    """A cursor that notes each statement, its parameters and its time to fetched result."""

    FETCHES = (
        "df",
        "fetchdf",
        "fetch_df",
        "fetchall",
        "fetchone",
        "fetchmany",
        "fetchnumpy",
        "to_arrow_table",
        "to_arrow_reader",
        "pl",
    )

    def __init__(self, inner, log: list[Query], names: dict[str, str]):
        self._inner = inner
        self._log = log
        self._names = names
        self._pending: tuple[str, object, float] | None = None

    def _finish(self) -> None:
        if self._pending is not None:
            sql, params, started = self._pending
            name = self._names.get(sql) or _name_of_composed(sql, self._names)
            self._log.append(Query(name, sql, params, (time.perf_counter() - started) * 1000))
            self._pending = None

    def execute(self, query, parameters=None, *args, **kwargs):
        self._finish()
        started = time.perf_counter()
        self._inner.execute(query, parameters, *args, **kwargs)
        self._pending = (query, parameters, started)
        return self

    def cursor(self):
        return RecordingCursor(self._inner.cursor(), self._log, self._names)

    def __getattr__(self, name: str):
        attribute = getattr(self._inner, name)
        if name not in self.FETCHES:
            return attribute

        def fetch(*args, **kwargs):
            result = attribute(*args, **kwargs)
            self._finish()
            return result

        return fetch


def _options(at, key: str) -> list[str]:
    widgets = [w for w in at.selectbox if w.key == key]
    return list(widgets[0].options) if widgets else []


def _set(at, key: str, value: str | None) -> bool:
    widgets = [w for w in at.selectbox if w.key == key]
    if not widgets:
        return False
    widgets[0].set_value(value)
    return True


def filter_changes(at) -> Iterator[tuple[str, Callable[[], bool]]]:
    """An endless round of the changes a leader makes in the sidebar, one per rerun."""

    def choose(key: str, pick: Callable[[list[str]], str | None]) -> Callable[[], bool]:
        def change() -> bool:
            options = _options(at, key)
            return bool(options) and _set(at, key, pick(options))

        return change

    round_of_changes = [
        ("wave: previous", choose(WAVE, lambda o: o[-2] if len(o) > 1 else o[-1])),
        ("wave: latest", choose(WAVE, lambda o: o[-1])),
        ("service: first", choose(SERVICE, lambda o: o[0])),
        ("team: first in service", choose(TEAM, lambda o: o[0])),
        ("team: all", choose(TEAM, lambda o: None)),
        ("service: all", choose(SERVICE, lambda o: None)),
        (
            "role: Social worker",
            choose(ROLE, lambda o: "Social worker" if "Social worker" in o else o[0]),
        ),
        ("role: all", choose(ROLE, lambda o: None)),
        ("career stage: first", choose(STAGE, lambda o: o[0])),
        ("career stage: all", choose(STAGE, lambda o: None)),
    ]
    assert len(round_of_changes) == CHANGES_PER_ROUND
    while True:
        yield from round_of_changes


def _raw_ms(con, query: Query, repeats: int) -> float:
    con.execute(query.sql, query.params).fetchall()  # warm, as the page's run was
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        con.execute(query.sql, query.params).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def benchmark_page(page, *, reruns: int, raw_repeats: int) -> list[PageResult]:
    """Each view of a page: the page itself, or each of its tabs in turn.

    A tab (wellbeing.ui.sections) runs only while it is open, so each is timed
    as its own view, opened the way a link to it opens it.
    """
    from streamlit.testing.v1 import AppTest

    from wellbeing import ui

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    at.switch_page(page.path).run()
    at.run()  # warm: the first run after switching page loads what a user's first visit does
    if at.exception:
        return [PageResult(page.path, page.title, page.url_path, error=at.exception[0].message)]
    # Only tabs of ui.sections run alone; a page's other tabs all run on every click.
    sections = [tab.label for tab in at.tabs] if ui.SECTION_KEY in at.session_state else []
    results = []
    for number, section in enumerate(sections or [None]):
        result = PageResult(page.path, page.title, page.url_path, section)
        if section is not None:
            result.title = f"{page.title} \u203a {section}"
            if number > 0:  # the first tab is what the menu opens; the others, their link
                result.url_path += "?" + urlencode({ui.SECTION_KEY: section})
            at.session_state[ui.SECTION_KEY] = section
            at.run()  # warm, as opening the tab is
            if at.exception:
                result.error = at.exception[0].message
                results.append(result)
                continue
        results.append(_benchmark_view(at, result, reruns=reruns, raw_repeats=raw_repeats))
    return results


def _benchmark_view(at, result: PageResult, *, reruns: int, raw_repeats: int) -> PageResult:
    from wellbeing import ui
    from wellbeing.ui import run

    changes = filter_changes(at)
    skipped = 0
    while len(result.reruns_ms) < reruns:
        label, change = next(changes)
        if not change():
            skipped += 1
            if skipped < CHANGES_PER_ROUND:
                continue
            label = "rerun (no filter could change)"
        skipped = 0
        started = time.perf_counter()
        at.run()
        result.reruns_ms.append((time.perf_counter() - started) * 1000)
        result.changes.append(label)
        if at.exception:
            result.error = f"after '{label}': {at.exception[0].message}"
            return result
    result.charts = len(at.get("plotly_chart"))

    # One more rerun with every statement recorded, then each read timed on its own.
    log: list[Query] = []
    names = _query_names()
    # The pages call ui.cursor, the ui package's own helpers run.cursor: record both.
    original = run.cursor
    opened: list = []

    def recording_cursor() -> RecordingCursor:
        opened.append(original())
        return RecordingCursor(opened[-1], log, names)

    ui.cursor = run.cursor = recording_cursor
    try:
        if _options(at, WAVE):
            _set(at, WAVE, _options(at, WAVE)[-1])
        at.run()
    finally:
        ui.cursor = run.cursor = original
    reads = [q for q in log if READ_STATEMENT.match(COMMENT.sub("", q.sql))]
    totals: dict[str, list[float]] = {}
    for q in log:
        totals.setdefault(q.name, []).append(q.in_page_ms)
    result.top_queries = sorted(
        ((name, len(ms), sum(ms)) for name, ms in totals.items()), key=lambda t: -t[2]
    )[:5]
    result.queries_per_rerun = len(log)
    if reads:
        plain = opened[0].cursor()
        timed = [(_raw_ms(plain, q, raw_repeats), q) for q in reads]
        slowest_ms, slowest = max(timed, key=lambda pair: pair[0])
        result.main_query, result.main_query_ms = slowest.name, slowest_ms
        result.all_queries_ms = sum(ms for ms, _ in timed)
    return result


def wait_for_preparation() -> float | None:
    """Wait for the engine's background preparation (wellbeing.ui) started by the first run.

    Pages are timed as leaders meet them after an import has settled; the
    preparation's own time, from the first run, is reported beside them.
    Returns milliseconds from now until it ended, or None when none was running.
    """
    started = time.perf_counter()
    running = [t for t in threading.enumerate() if t.name == "prepare-decisions"]
    if not running:
        return None
    for thread in running:
        thread.join()
    return (time.perf_counter() - started) * 1000


def discover_pages() -> list:
    """The pages dashboard.py registers for the local administrator, in menu order."""
    from streamlit.testing.v1 import AppTest

    with recorded_navigation() as registered:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
        at.run()
    if not registered:
        problem = at.exception[0].message if at.exception else "st.navigation was not called"
        raise RuntimeError(f"dashboard.py registered no pages: {problem}")
    return [
        page
        for page in registered
        if isinstance(page._page, Path) and getattr(page, "visibility", "visible") != "hidden"
    ]


@dataclass
class PageInfo:
    path: str
    title: str
    url_path: str


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--raw-repeats", type=int, default=5)
    parser.add_argument("--only", help="a page file, e.g. pages/overview.py")
    args = parser.parse_args(argv)

    os.environ["WELLBEING_DB"] = str(args.db)
    os.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    _pin_navigation_like_the_server()
    started = time.perf_counter()
    pages = [
        PageInfo(str(Path(page._page).relative_to(ROOT)), page.title, page.url_path)
        for page in discover_pages()
    ]
    open_ms = (time.perf_counter() - started) * 1000
    prepare_ms = wait_for_preparation()
    results = []
    for page in pages:
        if args.only and page.path != args.only:
            continue
        print(f"  timing {page.path}", file=sys.stderr, flush=True)
        results += benchmark_page(page, reruns=args.reruns, raw_repeats=args.raw_repeats)
    print(
        json.dumps(
            {
                "first_run_ms": open_ms,
                "prepare_ms": prepare_ms,
                "pages": [
                    asdict(r) | {"median_ms": r.median_ms, "worst_ms": r.worst_ms} for r in results
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
