"""What the confidentiality engine costs and hides, wave by wave: ``python -m bench.anonymity``.

For each wave of a store: how long the engine takes to decide it (teams, roles
and career stages first; then the sensitive breakdowns), and the information
lost: cells hidden and respondents in hidden cells, for one measure's view
(stress, as every survey page shows it) and over every set of respondents
together, by kind of cell.

    python -m bench.anonymity                   # the bundled sample data
    python -m bench.anonymity --scale 100k      # the benchmark organisation (bench/out)
    python -m bench.anonymity --store PATH      # any store file (stop the dashboard first)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from wellbeing import privacy, store

STRESS = "construct:default:stress"
KINDS = ("organisation", "services", "teams", "breakdowns")


def sample_store(folder: Path) -> Path:
    """A store loaded with the bundled sample data, through the import code HR uses."""
    from wellbeing.ingest import demo

    path = folder / "sample.duckdb"
    connection = store.connect(path)
    demo.load(connection)
    connection.close()
    return path


def lost_in(cells, set_name: str | None) -> dict[str, tuple[int, int, int]]:
    """Per kind of cell: (hidden, respondents in them, cells with respondents)."""
    if set_name is not None:
        cells = cells[cells["set"] == set_name]
    cells = cells[cells["respondents"] > 0]
    named = cells[list(privacy.DIMENSIONS)] != privacy.ALL
    breakdown = named[[*privacy.SUB_FILTERS, *privacy.SENSITIVE_ATTRIBUTES]].any(axis=1)
    kind = breakdown.map({True: "breakdowns", False: None})
    kind = kind.where(breakdown, named["team"].map({True: "teams", False: None}))
    kind = kind.fillna(named["service"].map({True: "services", False: "organisation"}))
    out = {}
    for name in KINDS:
        chosen = cells[kind == name]
        hidden = chosen[chosen["status"] != privacy.SHOWN]
        out[name] = (len(hidden), int(hidden["respondents"].sum()), len(chosen))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["sample", "tiny", "100k", "1m"], default="sample")
    parser.add_argument("--store", type=Path, help="a store file to measure instead")
    options = parser.parse_args(argv)
    from queries import decisions, survey

    with tempfile.TemporaryDirectory() as folder:
        if options.store is not None:
            path = Path(folder) / "copy.duckdb"
            store.copy_store(options.store, path)  # with its key file, or it will not open
        elif options.scale == "sample":
            path = sample_store(Path(folder))
        else:
            from bench import generate
            from bench.run import ensure_data

            path = Path(folder) / "copy.duckdb"
            store.copy_store(ensure_data(generate.SCALES[options.scale]).store, path)
        connection = store.connect(path)
        connection.execute("delete from wave_verdicts")  # decided here, not looked up
        for row in survey.waves(connection).itertuples():
            started = time.perf_counter()
            decisions.decision(connection, wave_id=int(row.id), breakdowns=False)
            units = time.perf_counter() - started
            decisions.decision(connection, wave_id=int(row.id))
            plain = time.perf_counter() - started
            decision = decisions.decision(connection, wave_id=int(row.id), sensitive=True)
            whole = time.perf_counter() - started - plain
            cells = decision.cells()
            print(
                f"{row.label}: decided in {plain:.2f} s, of which {units:.2f} s its teams and"
                f" services (+ {whole:.2f} s sensitive breakdowns)"
            )
            for title, set_name in (("  stress view", STRESS), ("  every set", None)):
                lost = lost_in(cells, set_name)
                parts = [
                    f"{name} {hidden:,} of {total:,} hidden ({people:,} respondents)"
                    for name, (hidden, people, total) in lost.items()
                ]
                print(f"{title}: " + "; ".join(parts))
        connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
