"""Every DESIGN.md section 8 figure, beside its target: ``python -m bench.run``.

1. Page reruns after a filter change, server side: each page in dashboard.py's
   navigation run through AppTest as Streamlit runs it, one sidebar filter
   changed before each timed rerun. Beside it, the page's slowest query timed
   raw in DuckDB, and the page's time as a multiple of it (the page's overhead).
2. Import of a 100,000-row, 60-column survey export through read_export,
   suggest_survey_mapping and import_survey, in a process of its own that
   reports its peak resident memory.
3. First paint and filter-change-to-repaint in Chromium against ``python serve.py``.
4. Cold figures (bench.cold): ``python serve.py`` to the Overview painted on the
   sample data, each page's and tab's first visit after that restart, an empty
   store's first run with the demo import.
5. First visits with no background preparation, the preparation itself, and
   first visits after a restart that finds the verdicts the preparation kept,
   at the chosen scale (bench.first_visit), each on a copy of the store with
   nothing decided in it (the engine keeps its verdicts in the store it serves).
6. Many leaders at once: 1, 5, 10, 25 and 50 sessions through Streamlit's
   websocket protocol, each clicking a filter every 5 s on average (bench.leaders).

Every figure is also printed as a multiple of a floor measured in the same run:
the same measurement of bench/floor_app.py, a page that draws nothing but a
title and one filter, so that figures from different machines can be compared.
The machine's load average is printed with each part. Issue 20's targets are
printed last, each beside its figure.

Data comes from bench.generate (written on first use into bench/out/). Each
measuring step runs in its own process: DuckDB lets one process at a time
open the store file.

    python -m bench.run                      # 100,000 respondents
    python -m bench.run --scale 1m           # the 1,000,000-respondent stretch figure
    python -m bench.run --skip-browser       # no Chromium
    python -m bench.run --only-issue-20      # only the cold, first-visit, preparation
                                             # and many-leaders figures
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import generate
from wellbeing.store import copy_store

ROOT = Path(__file__).resolve().parents[1]
RESULTS = generate.OUT_DIR

# DESIGN.md section 8.
RERUN_MEDIAN_TARGET_MS = {"100k": 150.0, "1m": 1000.0, "tiny": 150.0}
REPAINT_TARGET_MS = 500.0
IMPORT_SECONDS_TARGET = 5.0
BOARD_PACK_SECONDS_TARGET = 30.0  # issue 8, on the sample data
IMPORT_RSS_TARGET_MB = 1024.0
# Issue 20 (bench/README.md and README's Performance section list them).
COLD_START_TARGET_S = 2.0
FIRST_VISIT_SAMPLE_TARGET_S = 1.0
EMPTY_STORE_TARGET_S = 10.0
FIRST_VISIT_UNPREPARED_TARGET_S = 1.0
PREPARATION_TARGET_S = {"100k": 30.0, "1m": 300.0}
LEADERS_P95_TARGET_S = 1.0
LEADERS_AT = 25
LEADER_LEVELS = [1, 5, 10, 25, 50]


@dataclass(frozen=True)
class Target:
    limit: float
    unit: str

    def verdict(self, value: float | None) -> str:
        if value is None:
            return "n/a"
        return "PASS" if value <= self.limit else "MISS"

    def text(self) -> str:
        return f"<= {self.limit:,.0f} {self.unit}"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        kilobytes = int(meminfo.read_text().split()[1])
        memory = f"{kilobytes / 1024 / 1024:.1f} GiB"
    return {
        "cpu": model or platform.processor(),
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _worker(module: str, *args: str) -> dict:
    """Run ``python -m module args`` and return the JSON object it prints last."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None,  # progress goes straight to the terminal
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"{module} failed (exit {completed.returncode}):\n{completed.stdout}")
    return json.loads(lines[-1])


VISIT_COLUMNS = ["visit", "page answered", "figures shown", "change since wave before", "x floor"]


def _visit_rows(visited: dict, floor: float) -> list[list[str]]:
    return [
        [
            v["visit"],
            _s(v["ms"]),
            _s(v.get("figures_ms", v["ms"])),
            _s(v.get("change_ms", v.get("figures_ms", v["ms"]))),
            _times(v["ms"], floor),
        ]
        for v in visited["visits"]
    ]


def working_copy(store: Path, name: str) -> Path:
    """A copy of the bench store with nothing decided, as just after an import.

    The engine keeps its verdicts in the store it serves (queries/decisions.py), so a
    figure measured on the bench store itself would find the last run's verdicts and
    time a look-up. Removed with :func:`remove_copy`.
    """
    import duckdb

    copy = RESULTS / f"{name}.duckdb"
    copy_store(store, copy)
    con = duckdb.connect(str(copy))
    try:
        if con.execute(
            "select count(*) from duckdb_tables() where table_name = 'wave_verdicts'"
        ).fetchall()[0][0]:
            con.execute("delete from wave_verdicts")
            con.execute("checkpoint")
    finally:
        con.close()
    return copy


def remove_copy(copy: Path) -> None:
    copy.unlink(missing_ok=True)
    copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    copy.with_suffix(".keys").unlink(missing_ok=True)


def ensure_data(scale: generate.Scale) -> generate.Generated:
    store = generate.store_path(scale)
    export = generate.survey_csv_path(scale.csv_rows)
    if not store.is_file():
        print(f"Writing the {scale.name} store (once) ...", flush=True)
        generate.write_store(store, scale)
    if not export.is_file():
        print(f"Writing the {scale.csv_rows:,}-row export (once) ...", flush=True)
        generate.write_survey_csv(export, scale.csv_rows)
    return generate.Generated(store=store, survey_csv=export)


def data_shape(store: Path) -> dict[str, int]:
    import duckdb

    tables = (
        "responses",
        "answers",
        "construct_scores",
        "supervision_sessions",
        "staff",
        "teams",
        "waves",
    )
    con = duckdb.connect(str(store), read_only=True)
    try:
        counts = con.execute(
            "select (select count(*) from responses), (select count(*) from answers), "
            "(select count(*) from construct_scores), (select count(*) from supervision_sessions), "
            "(select count(*) from staff), (select count(*) from teams), "
            "(select count(*) from waves)"
        ).fetchall()[0]
        return dict(zip(tables, counts, strict=True))
    finally:
        con.close()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _times(value: float | None, floor: float | None) -> str:
    """A figure as a multiple of the floor measured the same way in this run."""
    if value is None or not floor:
        return "-"
    return f"{value / floor:,.0f}x"


def _s(value_ms: float | None) -> str:
    return "-" if value_ms is None else f"{value_ms / 1000:,.2f} s"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def page_rows(pages: list[dict], target: Target, floor: float | None) -> list[list[str]]:
    rows = []
    for page in pages:
        median, worst = page["median_ms"], page["worst_ms"]
        raw = page["main_query_ms"]
        ratio = f"{median / raw:,.1f}x" if median and raw else "-"
        verdict = "ERROR" if page["error"] else target.verdict(median)
        rows.append(
            [
                page["title"],
                _ms(median),
                _ms(worst),
                target.text(),
                verdict,
                page["main_query"] or "-",
                _ms(raw),
                ratio,
                str(page["queries_per_rerun"]),
                _times(median, floor),
            ]
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", choices=[s for s in generate.SCALES if s != "tiny"] + ["tiny"], default="100k"
    )
    parser.add_argument("--skip-browser", action="store_true", help="no Chromium figures")
    parser.add_argument("--skip-import", action="store_true", help="no import figure")
    parser.add_argument("--skip-board-pack", action="store_true", help="no board pack figure")
    parser.add_argument("--reruns", type=int, default=10, help="timed reruns per page")
    parser.add_argument("--only", help="one page file, e.g. pages/overview.py")
    parser.add_argument("--only-issue-20", action="store_true", help="only issue 20's figures")
    parser.add_argument("--skip-cold", action="store_true", help="no cold start figures")
    parser.add_argument("--skip-first-visit", action="store_true", help="no unprepared visits")
    parser.add_argument("--skip-preparation", action="store_true", help="no preparation figure")
    parser.add_argument("--skip-leaders", action="store_true", help="no many-leaders curve")
    parser.add_argument(
        "--leaders", type=int, nargs="+", default=LEADER_LEVELS, help="sessions at each step"
    )
    parser.add_argument(
        "--leaders-seconds", type=float, default=60.0, help="clicking time at each step"
    )
    args = parser.parse_args(argv)

    scale = generate.SCALES[args.scale]
    data = ensure_data(scale)
    started_on = machine()
    shape = data_shape(data.store)
    print(
        f"\nBenchmark at scale {scale.name}: {shape['responses']:,} respondents, "
        f"{shape['answers']:,} answers, {shape['supervision_sessions']:,} supervision sessions, "
        f"{shape['teams']:,} teams, {shape['waves']} waves"
    )
    print(
        f"Machine: {started_on['cpu']}, {started_on['cores']} cores, {started_on['memory']}, "
        f"Python {started_on['python']}; load average at start {started_on['load']}\n"
    )

    results: dict[str, object] = {"scale": scale.name, "shape": shape, "machine": started_on}
    rerun_target = Target(RERUN_MEDIAN_TARGET_MS[scale.name], "ms")
    failures = 0

    floor = _worker("bench.first_visit", "--db", str(data.store), "--floor")["floor_ms"]
    results["floor_ms"] = floor
    print(
        f"Floor: a rerun of bench/floor_app.py (a title and one filter) through AppTest "
        f"takes {floor:,.1f} ms here; 'x floor' columns divide by the same kind of floor.\n"
    )
    if not args.only_issue_20:
        failures += _pages_and_the_rest(args, scale, data, results, rerun_target, floor)
    failures += issue_20(args, scale, data, results, floor)

    results["load_at_end"] = machine()["load"]
    skipped = sum(row[-1] == "n/a" for row in results["issue_20"])
    unmeasured = f" {skipped} of issue 20's figures not measured." if skipped else ""
    out = RESULTS / f"results_{scale.name}.json"
    out.write_text(json.dumps(results, indent=2))
    verdict = "Every figure measured meets its target." if not failures else ""
    verdict = verdict or f"{failures} figure(s) miss."
    print(
        f"\nLoad average at end {results['load_at_end']}. {verdict}{unmeasured} "
        f"Details: {out.relative_to(ROOT)}"
    )
    return 1 if failures else 0


def _pages_and_the_rest(args, scale, data, results, rerun_target, floor) -> int:
    """The figures of DESIGN.md section 8 measured before issue 20: pages, import, browser."""
    failures = 0
    print(f"Page rerun after a filter change (server side, AppTest; load {load()})")
    only = ["--only", args.only] if args.only else []
    pages = _worker("bench.pages", "--db", str(data.store), "--reruns", str(args.reruns), *only)
    if pages.get("prepare_ms") is not None:
        print(
            "  (the confidentiality decisions for every wave, prepared in the background once "
            f"per data version, finished {pages['prepare_ms'] / 1000:,.1f} s after the first "
            "page run; pages are timed after that)"
        )
    rows = page_rows(pages["pages"], rerun_target, floor)
    print_table(
        [
            "page",
            "median",
            "worst",
            "target (median)",
            "result",
            "main query",
            "raw query",
            "page/raw",
            "queries",
            "x floor",
        ],
        rows,
    )
    failures += sum(row[4] != "PASS" for row in rows)
    for page in pages["pages"]:
        if page["error"]:
            print(f"  {page['title']}: {page['error']}")
    results["pages"] = pages

    if not args.skip_import:
        print(
            f"\nImport of the {scale.csv_rows:,}-row, 60-column export "
            "(read_export + suggest_survey_mapping + import_survey, own process)"
        )
        copy = RESULTS / f"import_target_{scale.name}.duckdb"
        copy_store(data.store, copy)
        try:
            imported = _worker("bench.importing", "--csv", str(data.survey_csv), "--db", str(copy))
        finally:
            copy.unlink(missing_ok=True)
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
            copy.with_suffix(".keys").unlink(missing_ok=True)
        seconds, rss = Target(IMPORT_SECONDS_TARGET, "s"), Target(IMPORT_RSS_TARGET_MB, "MB")
        stages = ", ".join(f"{name} {value:.2f} s" for name, value in imported["stages"].items())
        rows = [
            [
                "time",
                f"{imported['seconds']:.2f} s",
                seconds.text(),
                seconds.verdict(imported["seconds"]),
                stages,
            ],
            [
                "peak RSS",
                f"{imported['peak_rss_mb']:,.0f} MB",
                rss.text(),
                rss.verdict(imported["peak_rss_mb"]),
                f"{imported['rss_before_import_mb']:,.0f} MB before reading the file",
            ],
        ]
        print_table(["figure", "value", "target", "result", "detail"], rows)
        print(
            f"  {imported['rows_stored']:,} of {imported['rows_read']:,} rows stored "
            f"({imported['rows_rejected']} held back with listed cells), "
            f"{imported['answers_stored']:,} answers, {imported['columns']} columns"
        )
        failures += sum(row[3] != "PASS" for row in rows)
        results["import"] = imported

    if not args.skip_board_pack:
        print("\nBoard pack PDF on the bundled sample data (own process)")
        pack = _worker("bench.board_pack")
        target = Target(BOARD_PACK_SECONDS_TARGET, "s")
        rows = [
            [scope, f"{value:.1f} s", target.text(), target.verdict(value)]
            for scope, value in pack["seconds"].items()
        ]
        print_table(["scope", "time", "target", "result"], rows)
        failures += sum(row[3] != "PASS" for row in rows)
        results["board_pack"] = pack

    if not args.skip_browser:
        from bench import browser

        print(
            "\nReal browser (Chromium, python serve.py on 127.0.0.1): first paint and "
            "wave change to repainted page"
        )
        import duckdb

        con = duckdb.connect(str(data.store), read_only=True)
        waves = [row[0] for row in con.execute("select label from waves order by id").fetchall()]
        con.close()
        # A page's tabs are views of their own, told apart by their address.
        measured = [
            {"path": p["url_path"], "url_path": p["url_path"], "charts": p["charts"]}
            for p in pages["pages"]
            if not p["error"]
        ]
        found = browser.measure(data.store, measured, waves=waves)
        repaint = Target(REPAINT_TARGET_MS, "ms")
        titles = {p["url_path"]: p["title"] for p in pages["pages"]}
        rows = [
            [
                titles[r.path],
                _ms(r.first_paint_ms),
                _ms(r.repaint_median_ms),
                _ms(r.repaint_worst_ms),
                repaint.text(),
                "ERROR" if r.error else repaint.verdict(r.repaint_median_ms),
            ]
            for r in found
        ]
        print_table(
            ["page", "first paint", "repaint median", "repaint worst", "target (median)", "result"],
            rows,
        )
        for r in found:
            if r.error or r.note:
                print(f"  {titles[r.path]}: {r.error or r.note}")
        failures += sum(row[5] != "PASS" for row in rows)
        results["browser"] = [
            {
                "path": r.path,
                "first_paint_ms": r.first_paint_ms,
                "repaints_ms": r.repaints_ms,
                "error": r.error,
                "note": r.note,
            }
            for r in found
        ]

    return failures


def _leader_pages() -> list[str]:
    """The address of every page a leader opens ('' is the Overview), from dashboard.py."""
    sys.path.insert(0, str(ROOT))
    import dashboard

    return ["" if spec.default else Path(spec.path).stem for spec in dashboard.PAGES["Explore"]]


def _leaders_floor(seconds: float) -> float | None:
    """One leader clicking on bench/floor_app.py: the protocol's own floor."""
    from bench import cold, leaders

    with cold.started_server(cold.FLOOR_APP, None) as (url, _, _):
        curve = leaders.measure(url, levels=[1], seconds=seconds, think=0.5)
    return curve[0]["median_ms"]


def issue_20(args, scale, data, results, floor: float) -> int:
    """Issue 20's figures, each printed beside its target and as a multiple of a floor."""
    from bench import browser, cold, leaders

    summary: list[list[str]] = []
    failures = 0

    def row(figure: str, value: float | None, text: str, times: str, target: Target) -> None:
        nonlocal failures
        verdict = target.verdict(value)
        failures += verdict != "PASS"
        summary.append([figure, text, times, target.text(), verdict])

    def missing(figure: str, why: str, target: Target) -> None:
        summary.append([figure, why, "-", target.text(), "n/a"])

    # Cold: sample data, in Chromium.
    cold_start = Target(COLD_START_TARGET_S, "s")
    page_visit = Target(FIRST_VISIT_SAMPLE_TARGET_S, "s")
    empty = Target(EMPTY_STORE_TARGET_S, "s")
    cold_figures = [
        "sample data, store loaded: python serve.py to the Overview painted (Chromium)",
        "sample data: slowest first visit to a page or tab after a restart",
        "empty store, first run: demo import and the Overview painted",
    ]
    if args.skip_cold or args.skip_browser:
        for figure, target in zip(cold_figures, (cold_start, page_visit, empty), strict=True):
            missing(figure, "not measured (--skip-cold)", target)
    else:
        print(f"\nCold, on the sample data, in Chromium (bench.cold; load {load()})")
        found = cold.measure()
        first_paint = found.floor_first_paint_ms
        repaint = (
            sorted(found.floor_repaints_ms)[len(found.floor_repaints_ms) // 2]
            if found.floor_repaints_ms
            else None
        )
        print(
            f"  floor: streamlit run of bench/floor_app.py to painted {_s(first_paint)}; "
            f"its filter change repainted, median {_ms(repaint)}"
        )
        visits = [v for v in found.visits if v.ms is not None]
        print_table(
            ["first visit after a restart", "time", "x floor repaint", "note"],
            [[v.name, _s(v.ms), _times(v.ms, repaint), v.error or ""] for v in found.visits],
        )
        for problem in found.errors:
            print(f"  {problem}")
        slowest = max(visits, key=lambda v: v.ms) if visits else None
        for name, parts in (
            ("the Overview after a restart", found.overview_loaded_parts),
            (
                "the Overview after a restart, in a browser that opened it before",
                found.overview_returning_parts,
            ),
            ("the floor", found.floor_parts),
        ):
            if parts is not None:
                print(f"  {name}, from the server's start: {parts.describe()}")
        ms = found.overview_loaded_ms
        row(cold_figures[0], ms and ms / 1000, _s(ms), _times(ms, first_paint), cold_start)
        row(
            cold_figures[1],
            slowest.ms / 1000 if slowest else None,
            f"{_s(slowest.ms)} ({slowest.name})" if slowest else "-",
            _times(slowest.ms if slowest else None, repaint),
            page_visit,
        )
        ms = found.overview_empty_ms
        row(cold_figures[2], ms and ms / 1000, _s(ms), _times(ms, first_paint), empty)
        results["cold"] = {
            "overview_loaded_ms": found.overview_loaded_ms,
            "overview_empty_ms": found.overview_empty_ms,
            "visits": [v.__dict__ for v in found.visits],
            "floor_first_paint_ms": first_paint,
            "floor_repaints_ms": found.floor_repaints_ms,
            "errors": found.errors,
            "floor_parts": found.floor_parts and dataclasses.asdict(found.floor_parts),
            "overview_loaded_parts": found.overview_loaded_parts
            and dataclasses.asdict(found.overview_loaded_parts),
            "overview_returning_ms": found.overview_returning_ms,
            "overview_returning_parts": found.overview_returning_parts
            and dataclasses.asdict(found.overview_returning_parts),
        }

    # First visits with no background preparation, at the chosen scale.
    unprepared = Target(FIRST_VISIT_UNPREPARED_TARGET_S, "s")
    figure = f"{scale.name}: slowest first visit to a wave, service or team, no preparation"
    if args.skip_first_visit:
        missing(figure, "not measured (--skip-first-visit)", unprepared)
    else:
        print(
            f"\nFirst visits with no background preparation, Overview through AppTest "
            f"(bench.first_visit; load {load()})"
        )
        unprepared_copy = working_copy(data.store, f"first_visit_{scale.name}")
        try:
            visited = _worker("bench.first_visit", "--db", str(unprepared_copy))
        finally:
            remove_copy(unprepared_copy)
        print_table(VISIT_COLUMNS, _visit_rows(visited, floor))
        # The first run opens the store too; it is printed above, not counted here.
        later = visited["visits"][1:] or visited["visits"]
        # Judged on the figures shown: a page that answers at once with "being checked"
        # has not shown the leader anything yet. The Overview's change since the wave
        # before may follow (the tiles say "still being checked"): printed beside.
        slowest = max(later, key=lambda v: v["figures_ms"])
        answered = max(v["ms"] for v in later)
        change = max(v.get("change_ms", v["figures_ms"]) for v in later)
        text = (
            f"{_s(slowest['figures_ms'])} ({slowest['visit']}); every page answered "
            f"within {_s(answered)}, every change since the wave before within {_s(change)}"
        )
        row(figure, slowest["figures_ms"] / 1000, text, _times(slowest["ms"], floor), unprepared)
        first = visited["visits"][0]
        print(f"  the first run, opening the store too: {_s(first['ms'])}")
        results["first_visit"] = visited

    # Background preparation of every wave, from a cold process.
    for name in ("100k", "1m"):
        target = Target(PREPARATION_TARGET_S[name], "s")
        figure = f"background preparation of every wave after an import: {name}"
        if scale.name != name:
            missing(figure, f"not measured (--scale {name})", target)
        elif args.skip_preparation:
            missing(figure, "not measured (--skip-preparation)", target)
        else:
            print(f"\nBackground preparation, cold process (bench.first_visit; load {load()})")
            prepared_copy = working_copy(data.store, f"preparation_{scale.name}")
            try:
                prepared = _worker("bench.first_visit", "--db", str(prepared_copy), "--preparation")
                # The months run beside the decisions where memory allows (queries/preparation.py):
                # the decisions' part is then what is left once the months are done.
                print(
                    f"  supervision months {prepared['supervision_s']:,.1f} s, the confidentiality "
                    f"decisions of {prepared['waves']} waves done {prepared['decisions_s']:,.1f} s "
                    "after them"
                )
                row(figure, prepared["total_s"], f"{prepared['total_s']:,.0f} s", "-", target)
                results["preparation"] = prepared
                # The same store restarted: the verdicts the preparation kept are looked up.
                print(
                    f"\nFirst visits after a restart, verdicts kept by the preparation "
                    f"(bench.first_visit; load {load()})"
                )
                restarted = _worker("bench.first_visit", "--db", str(prepared_copy))
                print_table(VISIT_COLUMNS, _visit_rows(restarted, floor))
                results["first_visit_after_restart"] = restarted
            finally:
                remove_copy(prepared_copy)

    # Many leaders on one server.
    crowd = Target(LEADERS_P95_TARGET_S, "s")
    figure = f"{LEADERS_AT} leaders on one server at {scale.name}: click to repaint p95, errors"
    if args.skip_leaders:
        missing(figure, "not measured (--skip-leaders)", crowd)
    else:
        print(
            f"\nMany leaders at once (bench.leaders: Streamlit's websocket protocol, one click "
            f"every 5 s on average per session, {args.leaders_seconds:.0f} s per step)"
        )
        protocol_floor = _leaders_floor(min(20.0, args.leaders_seconds))
        print(f"  floor: one session clicking on bench/floor_app.py, median {_ms(protocol_floor)}")
        # A copy: the server keeps its verdicts in the store it serves.
        served = working_copy(data.store, f"leaders_{scale.name}")
        try:
            with browser.streamlit_server(served) as (url, pid):
                leaders.measure(url, levels=[1], seconds=1)  # the first run starts the preparation
                waited = browser.wait_until_idle(pid, timeout=3600)
                print(
                    f"  (the server's background preparation ended {waited:,.0f} s after start-up)"
                )
                curve = []
                for sessions in args.leaders:
                    print(f"  {sessions} session(s), load {load()}", file=sys.stderr, flush=True)
                    curve += leaders.measure(
                        url, levels=[sessions], seconds=args.leaders_seconds, pages=_leader_pages()
                    )
        finally:
            remove_copy(served)
        print_table(
            ["sessions", "clicks", "median", "p95", "worst", "x floor (p95)", "errors"],
            [
                [
                    str(c["sessions"]),
                    str(c["clicks"]),
                    _ms(c["median_ms"]),
                    _ms(c["p95_ms"]),
                    _ms(c["worst_ms"]),
                    _times(c["p95_ms"], protocol_floor),
                    str(c["errors"]) + (f" ({c['first_errors'][0]})" if c["errors"] else ""),
                ]
                for c in curve
            ],
        )
        at = next((c for c in curve if c["sessions"] == LEADERS_AT), None)
        if at is None:
            missing(figure, f"not measured ({LEADERS_AT} not in --leaders)", crowd)
        else:
            p95 = at["p95_ms"]
            value = None if p95 is None or at["errors"] else p95 / 1000
            text = f"{_ms(p95)}, {at['errors']} errors"
            row(figure, value, text, _times(p95, protocol_floor), crowd)
        results["leaders"] = {"floor_ms": protocol_floor, "curve": curve}

    print(f"\nIssue 20's targets (load average now {load()})")
    print_table(["figure", "measured", "x floor", "target", "result"], summary)
    results["issue_20"] = summary
    return failures


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(code)
