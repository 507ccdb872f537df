"""Import a large survey export through the real HR path and report time and peak memory.

Runs in a process of its own (``python -m bench.importing --csv FILE --db FILE``)
so that its peak resident memory (``getrusage``) is the import's alone, and
prints one JSON object. The store is changed: give it a copy.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)

    from wellbeing import store
    from wellbeing.ingest.reading import read_export
    from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

    con = store.connect(args.db)
    before_mb = peak_rss_mb()
    stages: dict[str, float] = {}
    started = time.perf_counter()
    data = args.csv.read_bytes()
    table = read_export(data, args.csv.name)
    stages["read_export"] = time.perf_counter() - started
    _, mapping = suggest_survey_mapping(con, table)
    stages["suggest_survey_mapping"] = time.perf_counter() - started - sum(stages.values())
    report = import_survey(con, table, mapping, wave="Benchmark import", uploaded_by="benchmark")
    stages["import_survey"] = time.perf_counter() - started - sum(stages.values())
    seconds = time.perf_counter() - started
    answers = con.execute(
        "select count(*) from answers join responses on responses.id = answers.response_id "
        "where responses.upload_id = $upload_id",
        {"upload_id": report.upload_id},
    ).fetchall()[0][0]
    con.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "stages": stages,
                "peak_rss_mb": peak_rss_mb(),
                "rss_before_import_mb": before_mb,
                "rows_read": report.rows_read,
                "rows_stored": report.rows_stored,
                "rows_rejected": report.rows_rejected,
                "columns": len(table.frame.columns),
                "answers_stored": answers,
            }
        )
    )


if __name__ == "__main__":
    main()
