"""Every DESIGN.md section 8 figure, beside its target: ``python -m bench.run``.

1. Page reruns after a filter change, server side: each page in dashboard.py's
   navigation run through AppTest as Streamlit runs it, one sidebar filter
   changed before each timed rerun. Beside it, the page's slowest query timed
   raw in DuckDB, and the page's time as a multiple of it (the page's overhead).
2. Import of a 100,000-row, 60-column survey export through read_export,
   suggest_survey_mapping and import_survey, in a process of its own that
   reports its peak resident memory.
3. First paint and filter-change-to-repaint in Chromium against ``python serve.py``.

Data comes from bench.generate (written on first use into bench/out/). Each
measuring step runs in its own process: DuckDB lets one process at a time
open the store file.

    python -m bench.run                      # 100,000 respondents
    python -m bench.run --scale 1m           # the 1,000,000-respondent stretch figure
    python -m bench.run --skip-browser       # no Chromium
"""

from __future__ import annotations

import argparse
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


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def page_rows(pages: list[dict], target: Target) -> list[list[str]]:
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

    print("Page rerun after a filter change (server side, AppTest through dashboard.py)")
    only = ["--only", args.only] if args.only else []
    pages = _worker("bench.pages", "--db", str(data.store), "--reruns", str(args.reruns), *only)
    if pages.get("prepare_ms") is not None:
        print(
            "  (the confidentiality decisions for every wave, prepared in the background once "
            f"per data version, finished {pages['prepare_ms'] / 1000:,.1f} s after the first "
            "page run; pages are timed after that)"
        )
    rows = page_rows(pages["pages"], rerun_target)
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

    results["load_at_end"] = machine()["load"]
    out = RESULTS / f"results_{scale.name}.json"
    out.write_text(json.dumps(results, indent=2))
    print(
        f"\nLoad average at end {results['load_at_end']}. "
        f"{'Every figure meets its target.' if not failures else f'{failures} figure(s) miss.'}"
        f" Details: {out.relative_to(ROOT)}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(code)
