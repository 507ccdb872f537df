"""First visits with no background preparation, and the background preparation itself.

``python -m bench.first_visit --db FILE`` (its own process, so nothing is kept
from an earlier run) runs dashboard.py's Overview through AppTest with the
background preparation switched off (``wellbeing.ui.run._prepare_figures``
replaced by nothing), then times the first visit to every wave, newest first,
and to a few services and teams of the latest wave: what a leader waits for
when they click before the preparation has reached what they ask for.

``python -m bench.first_visit --db FILE --preparation`` times what the server
prepares in the background after start-up or an import (supervision months and
every wave's confidentiality decisions, side by side where memory allows:
``queries.preparation``),
from a cold process. Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_APP = ROOT / "bench" / "floor_app.py"
SERVICES, TEAMS = 3, 3


def _timed(at) -> float:
    started = time.perf_counter()
    at.run()
    return (time.perf_counter() - started) * 1000


def _waiting(at) -> bool:
    from wellbeing.ui import run

    return any(i.value == run.WHILE_DECIDING for i in at.info)


def _comparing(at) -> bool:
    from wellbeing.present import tiles

    return any(tiles.STILL_BEING_CHECKED in c.value for c in at.caption)


def _visit(at, name: str) -> dict:
    """One visit: when the page answered, when its figures were shown, and when the
    change since the wave before was.

    A large wave not yet decided answers at once with a notice while the engine
    decides it in the background; the page then reruns by itself (every 0.5 s in
    the browser). Here it is rerun as soon as the background decision ends. The
    Overview's tiles show the wave's figures before the wave before is decided, their
    change "still being checked"; the next visit begins once that is shown too, so that
    every visit starts with nothing decided ahead and nothing being decided.
    """
    import threading

    def after_the_decisions() -> None:
        for thread in [t for t in threading.enumerate() if t.name == "decide-for-a-page"]:
            thread.join()
        at.run()

    started = time.perf_counter()
    answered = _timed(at)
    while _waiting(at):
        after_the_decisions()
    figures = time.perf_counter()
    while _comparing(at):
        after_the_decisions()
    return {
        "visit": name,
        "ms": answered,
        "figures_ms": (figures - started) * 1000,
        "change_ms": (time.perf_counter() - started) * 1000,
    }


def _box(at, key: str):
    found = [w for w in at.selectbox if w.key == key]
    return found[0] if found else None


def floor_rerun_ms(reruns: int = 20) -> float:
    """Median rerun of bench/floor_app.py (a title and one filter) through AppTest."""
    import statistics

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(FLOOR_APP)).run()
    times = []
    for number in range(reruns):
        at.selectbox(key="wave").set_value(["Autumn", "Spring"][number % 2])
        times.append(_timed(at))
    return statistics.median(times)


def first_visits() -> dict:
    """Each visit's answer and figures times (see :func:`_visit`)."""
    from streamlit.testing.v1 import AppTest

    from bench.pages import _pin_navigation_like_the_server
    from wellbeing.ui import run

    _pin_navigation_like_the_server()
    run._prepare_figures = lambda shared, version: None  # no background preparation
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    print("  first run (opening the store, Overview, latest wave)", file=sys.stderr, flush=True)
    visits: list[dict] = [_visit(at, "first run (Overview, latest wave)")]
    errors = [e.message for e in at.exception]
    wave = _box(at, "wave")
    waves = list(wave.options) if wave else []
    # Oldest first: the first run has the latest wave and the one before it decided (its
    # tiles' change), so from the oldest each visit meets a wave nobody has decided.
    for label in waves[:-1]:
        _box(at, "wave").set_value(label)
        print(f"  first visit to wave {label}", file=sys.stderr, flush=True)
        visits.append(_visit(at, f"wave {label}"))
        errors += [e.message for e in at.exception]
    if waves:
        _box(at, "wave").set_value(waves[-1])
        at.run()
    service = _box(at, "service")
    for label in list(service.options)[:SERVICES] if service else []:
        _box(at, "service").set_value(label)
        visits.append(_visit(at, f"service {label}"))
        errors += [e.message for e in at.exception]
        team = _box(at, "team")
        for name in list(team.options)[:TEAMS] if team else []:
            _box(at, "team").set_value(name)
            visits.append(_visit(at, f"team {name}"))
            errors += [e.message for e in at.exception]
        if _box(at, "team"):
            _box(at, "team").set_value(None)
    return {"visits": visits, "errors": errors[:5]}


def preparation() -> dict:
    import threading

    from queries import preparation
    from wellbeing import store

    con = store.connect(os.environ["WELLBEING_DB"])
    prepared = preparation.prepare(con, stop=threading.Event())
    con.close()
    return {
        "supervision_s": prepared.supervision_seconds,
        "decisions_s": prepared.decisions_seconds,
        "total_s": prepared.seconds,
        "waves": prepared.waves,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--preparation", action="store_true")
    parser.add_argument("--floor", action="store_true", help="only the floor's rerun")
    args = parser.parse_args(argv)
    os.environ["WELLBEING_DB"] = str(args.db)
    os.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    if args.floor:
        print(json.dumps({"floor_ms": floor_rerun_ms()}))
    elif args.preparation:
        print(json.dumps(preparation()))
    else:
        print(json.dumps(first_visits() | {"floor_ms": floor_rerun_ms()}))


if __name__ == "__main__":
    main()
