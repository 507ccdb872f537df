"""A wave's decision is made once, however many threads ask for it at the same time."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import dashboard_on_a_copy_of
from streamlit.testing.v1 import AppTest

from queries import decisions, survey
from wellbeing import privacy, store

ROOT = Path(__file__).resolve().parents[1]


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


def test_a_change_to_one_wave_keeps_every_other_waves_decision(demo_db: Path, tmp_path: Path):
    # At 100,000 respondents a wave takes tens of seconds to decide: an import or a
    # withdrawal must not send every wave back to the engine, only its own.
    from queries import cache
    from wellbeing.ingest import uploads

    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db, path)
    con = store.connect(path)
    decisions.forget_remembered()
    waves = survey.waves(con)["id"].tolist()
    oldest, newest = int(waves[0]), int(waves[-1])
    before = {wave: decisions.decision(con, wave_id=int(wave)) for wave in waves}
    upload = con.execute(
        "select min(upload_id) from responses where wave_id = $wave", {"wave": newest}
    ).fetchone()[0]
    uploads.withdraw(con, int(upload))
    cache.forget_version(con)
    assert decisions.decision(con, wave_id=oldest) is before[oldest]
    assert decisions.decision(con, wave_id=newest) is not before[newest]
    # Restored, the wave is the version decided before.
    uploads.restore(con, int(upload))
    cache.forget_version(con)
    assert decisions.decision(con, wave_id=newest) is before[newest]
    decisions.forget_remembered()
    con.close()


def test_the_preparation_finishes_the_newest_wave_equity_included_before_the_next(monkeypatch):
    # Every page opens on the newest wave: its equity breakdowns are ready before an
    # older wave is begun, so the Equity page, opened first, does not decide them itself.
    steps: list[str] = []

    class Made:
        def __init__(self, wave_id: int) -> None:
            self.wave_id = wave_id

        def whole(self) -> None:
            steps.append(f"equity {self.wave_id}")

    def decide(con, *, wave_id, rules=None):
        steps.append(f"wave {wave_id}")
        return Made(wave_id)

    monkeypatch.setattr(decisions, "decision", decide)
    monkeypatch.setattr(decisions.settings, "rules", lambda con: privacy.Rules())
    done = decisions.prepare(None, waves=[1, 2, 3], stop=threading.Event())
    assert done == 3
    assert steps == ["wave 3", "equity 3", "wave 2", "equity 2", "wave 1", "equity 1"]


@pytest.mark.background_preparation
def test_after_its_first_run_the_dashboard_decides_every_wave_in_the_background(
    views_db: Path, tmp_path: Path, monkeypatch
):
    # A store of its own (a new identity): a data version no test has decided.
    with dashboard_on_a_copy_of(views_db, tmp_path, monkeypatch, new_identity=True) as path:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        assert at.title, "the Overview drew nothing while the preparation ran"
        for thread in [t for t in threading.enumerate() if t.name == "prepare-decisions"]:
            thread.join(timeout=120)
    con = store.connect(path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    rules = decisions.settings.rules(con)
    versions = [decisions.wave_version(con, wave_id=w, rules=rules) for w in waves]
    con.close()
    with decisions._LOCK:
        made = [decisions._DECISIONS.get(version) for version in versions]
    assert len(waves) == 2
    assert all(one is not None for one in made), "a wave was left undecided"
    assert all(one._whole is not None for one in made), "an equity breakdown was left undecided"
