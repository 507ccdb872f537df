"""A wave's decision is made once, however many threads ask for it at the same time."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from queries import decisions, survey
from wellbeing import privacy, store


def test_threads_asking_for_the_same_wave_together_share_one_decision(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # The background preparation and a leader's first page used to decide the
    # newest wave side by side after every start, each on one of two cores.
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db, path)
    con = store.connect(path)
    decisions.forget_remembered()
    wave_id = int(survey.waves(con)["id"].iloc[-1])
    made = []
    decide = privacy.decide

    def slow_decide(*args, **kwargs):
        made.append(threading.current_thread().name)
        time.sleep(0.5)  # long enough for every thread to arrive while it decides
        return decide(*args, **kwargs)

    monkeypatch.setattr(privacy, "decide", slow_decide)
    found = {}

    def ask(number: int) -> None:
        found[number] = decisions.decision(con.cursor(), wave_id=wave_id)

    threads = [threading.Thread(target=ask, args=(n,), name=f"asker-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(made) == 1
    assert len({id(d) for d in found.values()}) == 1 and len(found) == 4
    decisions.forget_remembered()
    con.close()
