"""A wave's decision is made once, however many threads ask for it at the same time."""

from __future__ import annotations

import json
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import dashboard_on_a_copy_of
from streamlit.testing.v1 import AppTest
from support import PASSWORD

from queries import cache, decisions, settings, sql, supervision, survey, survey_gate
from wellbeing import privacy, store
from wellbeing.core import apart, roles

ROOT = Path(__file__).resolve().parents[1]


def newest_wave_of_a_copy(template: Path, tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, int]:
    """A private copy of a store, as a new process opens it, and its newest wave."""
    path = tmp_path / "store.duckdb"
    store.copy_store(template, path)
    con = store.connect(path)
    decisions.forget_remembered()
    return con, int(survey.waves(con)["id"].iloc[-1])


def test_threads_asking_for_the_same_wave_together_share_one_decision(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # The background preparation and a leader's first page used to decide the
    # newest wave side by side after every start, each on one of two cores.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
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


def test_the_preparation_decides_what_the_overview_compares_then_the_newest_equity(monkeypatch):
    # First every wave's teams and services (all a page with no role or stage filter
    # needs), newest first. Every page opens on the newest wave, and the Overview
    # compares it with the wave before: both are completed next, their role and stage
    # breakdowns then their equity breakdowns (the Equity page), then the older waves
    # two by two likewise (on two cores; three by three on three).
    monkeypatch.setattr(decisions, "DECIDED_AT_ONCE", 2)
    steps = [f"{level} {wave}" for wave, level in decisions.preparation_steps([1, 2, 3, 4, 5])]
    assert steps == [
        "units 5", "units 4", "units 3", "units 2", "units 1",
        "plain 5", "plain 4", "whole 5", "whole 4",
        "plain 3", "plain 2", "whole 3", "whole 2",
        "plain 1", "whole 1",
    ]  # fmt: skip
    monkeypatch.setattr(decisions, "DECIDED_AT_ONCE", 3)
    steps = [f"{level} {wave}" for wave, level in decisions.preparation_steps([1, 2, 3, 4, 5])]
    assert steps == [
        "units 5", "units 4", "units 3", "units 2", "units 1",
        "plain 5", "plain 4", "plain 3", "whole 5", "whole 4", "whole 3",
        "plain 2", "plain 1", "whole 2", "whole 1",
    ]  # fmt: skip


def test_the_preparation_decides_a_wave_at_once_per_core_the_server_may_use():
    # A decision is pure computation: one per core (the machines this was built on have
    # two), at least two (a page's decision beside the preparation's), at most eight.
    assert [decisions.decided_at_once(cores) for cores in (1, 2, 3, 4, 8, 64)] == [
        2, 2, 3, 4, 8, 8,
    ]  # fmt: skip
    assert decisions.decided_at_once(apart.usable_cores()) == decisions.DECIDED_AT_ONCE


class _Store:
    def cursor(self) -> _Store:
        return self


@pytest.mark.parametrize("at_once", [2, 3])
def test_the_preparation_decides_as_many_waves_at_once_as_it_may_in_order(monkeypatch, at_once):
    # Two workers (on two cores) take the steps up in order: the first two (the newest
    # waves) are decided side by side (a barrier both must reach), and every step is
    # taken once; three workers the first three. Large waves: each in a process.
    monkeypatch.setattr(decisions, "DECIDED_AT_ONCE", at_once)
    monkeypatch.setattr(decisions, "_decided_apart", lambda con, *, wave_id: True)
    started: list[str] = []
    side_by_side = threading.Barrier(decisions.DECIDED_AT_ONCE, timeout=10)
    taking = threading.Lock()

    def decide(con, key, *, wave_id, rules, level, further):
        assert further  # the finest groups from the first step: the breakdowns follow
        with taking:
            started.append(f"{level} {wave_id}")
            first = len(started) <= decisions.DECIDED_AT_ONCE
        if first:
            side_by_side.wait()

    monkeypatch.setattr(decisions, "_decided", decide)
    monkeypatch.setattr(decisions, "wave_version", lambda con, *, wave_id, rules: (wave_id,))
    monkeypatch.setattr(decisions.settings, "rules", lambda con: privacy.Rules())
    done = decisions.prepare(_Store(), waves=[1, 2, 3, 4], stop=threading.Event())
    assert done == 4
    assert sorted(started[:at_once]) == [f"units {w}" for w in range(5 - at_once, 5)]
    assert sorted(started) == sorted(
        f"{level} {w}" for w, level in decisions.preparation_steps([1, 2, 3, 4])
    )


def test_small_waves_are_prepared_two_at_a_time_whatever_the_cores(monkeypatch):
    # A small wave is decided in the server's own interpreter, which takes one thread at
    # a time whatever the cores: more than two at once would only slow the pages beside.
    monkeypatch.setattr(decisions, "DECIDED_AT_ONCE", 4)
    monkeypatch.setattr(decisions, "_decided_apart", lambda con, *, wave_id: False)
    running, most = [0], [0]
    counting = threading.Lock()

    def decide(con, key, *, wave_id, rules, level, further):
        with counting:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for more to start, were they let
        with counting:
            running[0] -= 1

    monkeypatch.setattr(decisions, "_decided", decide)
    monkeypatch.setattr(decisions, "wave_version", lambda con, *, wave_id, rules: (wave_id,))
    monkeypatch.setattr(decisions.settings, "rules", lambda con: privacy.Rules())
    assert decisions.prepare(_Store(), waves=[1, 2, 3, 4], stop=threading.Event()) == 4
    assert most[0] == decisions.DECIDED_HERE_AT_ONCE == 2
    # ...and one large wave among them: as many at once as the cores.
    monkeypatch.setattr(decisions, "_decided_apart", lambda con, *, wave_id: wave_id == 4)
    most[0] = 0
    assert decisions.prepare(_Store(), waves=[1, 2, 3, 4], stop=threading.Event()) == 4
    assert most[0] == 4


def test_a_failed_step_stops_the_preparation_and_is_raised(monkeypatch):
    monkeypatch.setattr(decisions, "_decided_apart", lambda con, *, wave_id: True)

    def decide(con, key, *, wave_id, rules, level, further):
        raise RuntimeError(f"wave {wave_id} failed")

    monkeypatch.setattr(decisions, "_decided", decide)
    monkeypatch.setattr(decisions, "wave_version", lambda con, *, wave_id, rules: (wave_id,))
    monkeypatch.setattr(decisions.settings, "rules", lambda con: privacy.Rules())
    with pytest.raises(RuntimeError, match="failed"):
        decisions.prepare(_Store(), waves=[1, 2, 3, 4], stop=threading.Event())


@pytest.mark.slow  # decides the newest sample wave twice, once in another process: 8 s
def test_a_large_wave_is_decided_in_a_process_of_its_own_with_the_same_verdicts(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # At 100,000 respondents a decision is a minute of pure Python: decided in the
    # server's interpreter it would slow every leader's page (docs: wellbeing/core/apart.py).
    from wellbeing.core import apart

    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    here = decisions.decision(con, wave_id=wave_id, sensitive=True)
    decisions.forget_remembered()
    con.execute("delete from wave_verdicts")
    apart_calls = []
    run_apart = apart.run_apart

    def counted(function, *args, **kwargs):
        apart_calls.append(function.__name__)
        return run_apart(function, *args, **kwargs)

    monkeypatch.setattr(apart, "run_apart", counted)
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    there = decisions.decision(con, wave_id=wave_id, sensitive=True)
    # The units, their role and stage breakdowns, then the sensitive breakdowns.
    assert apart_calls == ["decide_verdicts"] * 3
    assert there is not here
    assert there.cells(sensitive=True).equals(here.cells(sensitive=True))
    decisions.forget_remembered()
    con.close()


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
    kept = [decisions._kept_verdicts(con, decisions.verdicts_version(v)) for v in versions]
    con.close()
    with decisions._LOCK:
        made = [decisions._DECISIONS.get(version) for version in versions]
    assert len(waves) == 2
    assert all(one is not None for one in made), "a wave was left undecided"
    assert all(one.whole is not None for one in made), "an equity breakdown was left undecided"
    # Kept in the store too: the next start of the dashboard looks them up.
    assert all(one is not None and one.whole is not None for one in kept), "not kept"
    assert [one.cells().equals(m.cells()) for one, m in zip(kept, made, strict=True)] == [True] * 2


@pytest.mark.slow  # it decides every wave of the sample data, as a real start does (8 s)
@pytest.mark.background_preparation
def test_a_started_server_warms_up_before_anyone_connects(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # serve.py's lifespan calls warm_start: the pages' modules imported, the store
    # opened and every wave's verdicts looked up or decided, before the first browser
    # has finished loading Streamlit's page.
    import streamlit as st

    from wellbeing.ui import run

    names = run._page_imports()
    assert {"queries.survey", "wellbeing.ui"} <= set(names)
    path = tmp_path / "warm.duckdb"
    store.copy_store(demo_db, path)
    con = store.connect(path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    con.close()
    decisions.forget_remembered()
    monkeypatch.setenv("WELLBEING_DB", str(path))
    st.cache_resource.clear()
    monkeypatch.setattr(run, "_prepared_versions", set())
    imported = []
    real_import = run.import_module
    monkeypatch.setattr(
        run, "import_module", lambda name: imported.append(name) or real_import(name)
    )
    checked: list[str] = []
    monkeypatch.setattr(
        run, "_first_element_check", lambda: checked.append(threading.current_thread().name)
    )
    try:
        run.warm_start()
        warm = [t for t in threading.enumerate() if t.name == "warm-start"]
        assert warm, "no warm-up thread"
        for thread in warm:
            thread.join(timeout=120)
        for thread in [t for t in threading.enumerate() if t.name == "prepare-decisions"]:
            thread.join(timeout=120)
        # scipy's quantiles last, once the first page would have been painted
        assert imported == [run.STREAMLIT_EMOJIS, *names, run.SCIPY_SPECIAL]
        assert checked == ["warm-start"]
        shared = run.database(str(path))
        kept = shared.execute("select wave_id, part from wave_verdicts").fetchall()
        assert sorted(kept) == sorted((w, p) for w in waves for p in privacy.LEVELS)
    finally:
        run._finish_preparing()
        run._stop_preparing.clear()
        st.cache_resource.clear()
        decisions.forget_remembered()


def test_streamlits_check_before_a_first_element_is_made_at_start(monkeypatch):
    # Made once per process, before its first element: 0.1 s of the first leader's
    # first run on the sample data (a look-up of every module's path), made instead on
    # the warm-up thread. Fails if Streamlit's check is renamed or no longer marks itself.
    from streamlit import delta_generator

    from wellbeing.ui import run

    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    run._first_element_check()
    assert delta_generator._use_warning_has_been_displayed is True


def _preparation_begins(monkeypatch, note) -> None:
    """The background preparation replaced by ``note()``, called as it would begin."""
    from wellbeing.ui import run

    monkeypatch.setattr(run, "_prepared_versions", set())
    monkeypatch.setattr(supervision, "prepare_supervision_months", lambda cursor, stop: note())
    monkeypatch.setattr(survey, "prepare_decisions", lambda cursor, stop: None)


@contextmanager
def _preparation_begun_on_a_copy_of(demo_db: Path, tmp_path: Path, monkeypatch):
    """The dashboard on a copy of ``demo_db``, its background preparation begun."""
    from wellbeing.ui import run

    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch) as path:
        shared = run.database(str(path))
        run._prepare_figures(shared, cache.data_version(shared.cursor()))
        yield


def _prepared() -> None:
    for thread in [t for t in threading.enumerate() if t.name == "prepare-decisions"]:
        thread.join(timeout=60)


@pytest.mark.background_preparation
def test_the_preparation_begun_at_start_waits_for_the_first_run_to_end(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # On two cores, the preparation sharing the interpreter with the first leader's
    # first run doubled it: begun at start, it waits until a run has ended.
    from wellbeing.ui import run

    first_run_over = threading.Event()
    monkeypatch.setattr(run, "_first_run_over", first_run_over)
    monkeypatch.setattr(run, "FIRST_RUN_GRACE_SECONDS", 120.0)
    began: list[bool] = []
    _preparation_begins(monkeypatch, lambda: began.append(first_run_over.is_set()))
    with _preparation_begun_on_a_copy_of(demo_db, tmp_path, monkeypatch):
        time.sleep(0.3)
        assert began == [], "the preparation began before any run had ended"
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        assert first_run_over.is_set()
        _prepared()
        assert began == [True]


@pytest.mark.background_preparation
def test_the_preparation_waits_for_the_first_page_to_be_painted_after_its_run(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # The browser fetches the code of the page's elements from the same interpreter
    # once the first run has ended: the preparation begins FIRST_PAINT_SECONDS later.
    from wellbeing.ui import run

    monkeypatch.setattr(run, "_first_run_over", threading.Event())
    monkeypatch.setattr(run, "_first_run_ended", [])
    monkeypatch.setattr(run, "FIRST_PAINT_SECONDS", 1.0)
    began: list[float] = []
    _preparation_begins(monkeypatch, lambda: began.append(time.monotonic()))
    with _preparation_begun_on_a_copy_of(demo_db, tmp_path, monkeypatch):
        AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        _prepared()
        assert len(began) == 1 and len(run._first_run_ended) == 1
        assert began[0] - run._first_run_ended[0] >= 1.0


@pytest.mark.background_preparation
def test_the_preparation_begun_at_start_goes_ahead_when_nobody_comes(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # A server restarted at night with no leader connecting still prepares every wave:
    # the wait for a first run has a limit.
    from wellbeing.ui import run

    monkeypatch.setattr(run, "_first_run_over", threading.Event())
    monkeypatch.setattr(run, "FIRST_RUN_GRACE_SECONDS", 0.2)
    began = threading.Event()
    _preparation_begins(monkeypatch, began.set)
    with _preparation_begun_on_a_copy_of(demo_db, tmp_path, monkeypatch):
        assert began.wait(timeout=30), "the preparation waited for a run that never came"
        assert not run._first_run_over.is_set()


def _decided_for_pages() -> None:
    for thread in [t for t in threading.enumerate() if t.name == "decide-for-a-page"]:
        thread.join(timeout=120)


def test_a_page_says_its_large_wave_is_being_decided_and_fills_in_when_it_is(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # At 100,000 respondents a wave takes the engine a minute: the page answers at
    # once and shows its figures when the background decision is made.
    from wellbeing.ui import run

    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)  # every wave is large
    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch, new_identity=True) as path:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        waiting = [i.value for i in at.info if i.value == run.WHILE_DECIDING]
        assert waiting, "the page did not say its wave is being decided"
        # The Overview's trends read every wave: each rerun may meet the next one.
        for _ in range(8):
            _decided_for_pages()
            at.run()
            assert not at.exception, at.exception
            if not [i for i in at.info if i.value == run.WHILE_DECIDING]:
                break
        else:
            pytest.fail("the page was still waiting after eight reruns")
        assert at.title[0].value == "Overview"
        assert at.metric, "no headline figures once decided"
        # Decided once, kept for the next start.
        kept = run.database(str(path)).execute("select count(*) from wave_verdicts")
        assert kept.fetchall()[0][0] >= 1


def test_a_waves_figures_that_need_no_decision_are_worked_out_beside_it_for_the_page(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # While the engine decides a wave for a page (in a process of its own, on one core),
    # the wave's raw counts are worked out beside it, under the page's reader, so that
    # the page's run after the decision finds them kept instead of working them out then.
    from queries import overview, supervision_gate, supervision_rows
    from queries.cache import data_version
    from wellbeing.access import accounts
    from wellbeing.ui import run

    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    calls: list[tuple[str, str, object, bool]] = []

    def recorded(module, name: str, what, kept) -> None:
        """Record each call of ``module.name``: its thread, what it is for and whether
        it was kept already."""
        original = getattr(module, name)

        def call(con, *arguments, **keywords):
            thread = threading.current_thread().name
            found = kept(original, con, *arguments, **keywords)
            calls.append((name, thread, what(*arguments, **keywords), found))
            return original(con, *arguments, **keywords)

        call.is_kept = getattr(original, "is_kept", None)
        monkeypatch.setattr(module, name, call)

    def memo_kept(original, con, **keywords):
        return original.is_kept(con, **keywords)

    def decision_kept(original, con, params, month, *, rules):
        key = (data_version(con), "compliance", (pd.Timestamp(month), params["as_of"]), rules)
        return key in supervision_gate._DECISIONS

    recorded(overview, "_headline_counts", lambda **kw: kw["wave_id"], memo_kept)
    recorded(survey, "_wave_figures_every_scope", lambda **kw: kw["wave_id"], memo_kept)
    recorded(supervision_rows, "_period_worker_months", lambda **kw: kw["month_from"], memo_kept)
    recorded(
        supervision_gate,
        "compliance_decision",
        lambda params, month, **kw: pd.Timestamp(month),
        decision_kept,
    )
    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch, new_identity=True) as path:
        # A senior leader: figures are kept per reader, so the ones worked out beside the
        # decision must be kept under the leader's, not under nobody's.
        con = store.connect(path)
        accounts.create_account(
            con, username="leo", display_name="Leo", role=roles.LEADER, password=PASSWORD, by="t"
        )
        con.close()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        at.text_input(key="sign_in_username").input("leo")
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button[0].click().run()
        assert any("(Senior leader)" in c.value for c in at.sidebar.caption)
        for _ in range(8):
            _decided_for_pages()
            for thread in [t for t in threading.enumerate() if t.name.startswith("figures-")]:
                thread.join(timeout=120)
            if not [i for i in at.info if i.value == run.WHILE_DECIDING]:
                break
            at.run()
            assert not at.exception, at.exception
        else:
            pytest.fail("the page was still waiting after eight reruns")
    for name in (
        "_headline_counts",
        "_wave_figures_every_scope",
        "_period_worker_months",
        "compliance_decision",
    ):
        beside = [c for c in calls if c[0] == name and c[1] == "figures-beside-a-decision"]
        assert beside, f"{name} was not worked out beside a decision"
        worked_out = {c[2] for c in beside if not c[3]}
        assert worked_out, f"{name} was kept already whenever it was asked for beside"
        # The page asked for the same figures after the decision, and found them kept:
        # worked out under its own reader, not anyone else's.
        asked = [c for c in calls if c[0] == name and c[1] != "figures-beside-a-decision"]
        later = [c for c in asked if c[2] in worked_out and c[3]]
        assert later, f"the page did not find {name} kept"


def test_a_page_needing_two_waves_has_them_decided_side_by_side(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # The Overview compares a wave with the one before. Asked one at a time, the second
    # wave's decision would begin only when the first was done: both must begin at
    # once. Each decision waits at a barrier for the other; one after the other, the
    # barrier breaks and the decisions fail.
    con, newest = newest_wave_of_a_copy(demo_db, tmp_path)
    earlier = int(survey.waves(con)["id"].iloc[-2])
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    both_begun = threading.Barrier(2, timeout=30)
    gather = decisions._inputs

    def meeting(*args, **kwargs):
        both_begun.wait()
        return gather(*args, **kwargs)

    monkeypatch.setattr(decisions, "_inputs", meeting)
    decisions.answer_promptly()
    try:
        with pytest.raises(decisions.NotDecidedYet) as waiting:
            decisions.begin_deciding(con, wave_ids=[newest, earlier])
        assert waiting.value.wave_id == newest
        _decided_for_pages()
        for wave_id in (newest, earlier):
            decided = decisions.decision(con, wave_id=wave_id)  # at hand: no wait, no raise
            assert decided.plain.status.size
    finally:
        decisions._promptly.set(False)
        con.close()
        decisions.forget_remembered()


def recording_the_waves_begun(monkeypatch) -> list[int]:
    """Every wave whose decision is begun in the background, in order (all are large)."""
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    begun: list[int] = []
    gather = decisions._inputs

    def recorded(con, key, *, wave_id, units_alone=False):
        begun.append(wave_id)
        return gather(con, key, wave_id=wave_id, units_alone=units_alone)

    monkeypatch.setattr(decisions, "_inputs", recorded)
    return begun


def test_pooling_hidden_teams_over_several_waves_begins_every_wave_at_once(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # A trend's "Other teams in <service>" rows look up each wave's decision. Asked
    # before any is made, they begin every wave they need at once, not one a rerun.
    con, newest = newest_wave_of_a_copy(demo_db, tmp_path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    begun = recording_the_waves_begun(monkeypatch)
    # Two hidden teams a wave, 13 people between them, in a service that is shown.
    raw = pd.DataFrame(
        {
            "wave_id": waves * 2,
            "construct": "stress",
            "service": "Children's services",
            "team": ["Team one"] * len(waves) + ["Team two"] * len(waves),
            "respondents": [6] * len(waves) + [7] * len(waves),
            "mean_score": 2.0,
            "sd": 0.5,
            "share_high": 0.4,
        }
    )
    gated = raw.assign(status=privacy.BELOW_K)

    def pooled() -> pd.DataFrame:
        return survey_gate.pool_hidden_teams(
            con,
            raw,
            gated,
            filters=survey_gate.Filters(wave_id=newest),
            rules=settings.rules(con),
            wave_column="wave_id",
        )

    decisions.answer_promptly()
    try:
        with pytest.raises(decisions.NotDecidedYet):
            pooled()
        _decided_for_pages()
        assert sorted(set(begun)) == sorted(waves)
        rows = pooled()  # decided now: no wait, no raise
        assert sorted(rows.loc[rows["pooled"], "wave_id"]) == sorted(waves)
    finally:
        decisions._promptly.set(False)
        con.close()
        decisions.forget_remembered()


def test_the_overview_shows_its_wave_before_the_wave_before_is_decided_then_the_change(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # The tiles compare a wave with the one before, but the wave's own figures need only
    # its own decision: they are shown as soon as it is made, their change "still being
    # checked"; only then is the wave before begun (the two decisions shared the cores),
    # and the page fills the change in by itself when it is decided.
    from wellbeing.present import tiles
    from wellbeing.ui import run

    begun = recording_the_waves_begun(monkeypatch)
    # Only the page begins decisions here: not the background preparation, which decides
    # every wave once the first run is over, nor an earlier test in this process, whose
    # decisions of the sample data's waves are kept for every copy of it (start_afresh).
    monkeypatch.setattr(run, "_prepare_figures", lambda shared, version: None)
    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch, new_identity=True) as path:
        decisions.forget_remembered()
        con = store.connect(path)
        try:
            labels = survey.waves(con).set_index("id")["label"]
        finally:
            con.close()
        newest, before = [int(w) for w in labels.index][-1], [int(w) for w in labels.index][-2]
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        assert [i for i in at.info if i.value == run.WHILE_DECIDING]
        _decided_for_pages()
        assert begun == [newest]

        def changes() -> list[str]:
            """The survey tiles' captions: each its change, national figure and count."""
            return [c.value for c in at.caption if c.value.endswith("survey respondents")]

        at.run()
        assert not at.exception, at.exception
        assert not [i for i in at.info if i.value == run.WHILE_DECIDING]
        assert at.metric, "no headline figures once the wave itself was decided"
        waiting = changes()
        assert waiting and all(
            f"{labels[before]} figure {tiles.STILL_BEING_CHECKED}" in c for c in waiting
        ), waiting
        assert begun == [newest, before]
        _decided_for_pages()
        at.run()
        assert not at.exception, at.exception
        filled = changes()
        assert filled and not any(tiles.STILL_BEING_CHECKED in c for c in filled), filled
        assert any(f"since {labels[before]}" in c for c in filled), filled


def test_a_trend_begins_every_wave_it_reads_at_once(demo_db: Path, tmp_path: Path, monkeypatch):
    con, newest = newest_wave_of_a_copy(demo_db, tmp_path)
    waves = [int(w) for w in survey.waves(con)["id"]]
    begun = recording_the_waves_begun(monkeypatch)
    decisions.answer_promptly()
    try:
        with pytest.raises(decisions.NotDecidedYet):
            survey.construct_by_wave(
                con, filters=survey.Filters(wave_id=newest), constructs=["stress"]
            )
        _decided_for_pages()
        assert sorted(set(begun)) == sorted(waves)
    finally:
        decisions._promptly.set(False)
        con.close()
        decisions.forget_remembered()


def _most_decision_processes_at_once(con, waves: list[int], monkeypatch) -> int:
    """Begin deciding every wave for a page; how many processes ran at once at most."""
    from wellbeing.core import apart

    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    running, most = [0], [0]
    lock = threading.Lock()
    run_apart = apart.run_apart

    def counted(*args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.5)  # long enough for the next to start, were it let
            return run_apart(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(apart, "run_apart", counted)
    decisions.answer_promptly()
    try:
        with pytest.raises(decisions.NotDecidedYet):
            decisions.begin_deciding(con, wave_ids=waves)
        _decided_for_pages()
        for wave_id in waves:
            assert decisions.decision(con, wave_id=wave_id).plain.status.size
    finally:
        decisions._promptly.set(False)
        decisions.forget_remembered()
    return most[0]


def test_no_more_decision_processes_run_at_once_than_the_preparation_uses(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # A trend asks for every wave at once: three waves, but two processes at a time on
    # two cores (decisions.DECIDED_AT_ONCE), since more only take more memory.
    con, _ = newest_wave_of_a_copy(demo_db, tmp_path)
    try:
        waves = [int(w) for w in survey.waves(con)["id"]]
        assert len(waves) == 3
        most = _most_decision_processes_at_once(con, waves, monkeypatch)
        assert most == min(decisions.DECIDED_AT_ONCE, len(waves))
    finally:
        con.close()


def test_decision_processes_that_would_not_fit_in_memory_together_run_one_at_a_time(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # At a million respondents a wave's equity breakdowns take 17 GB: two side by side
    # on a 24 GB machine had one killed, and the preparation failed with it.
    from wellbeing.core import apart

    con, _ = newest_wave_of_a_copy(demo_db, tmp_path)
    try:
        waves = [int(w) for w in survey.waves(con)["id"]]
        needs = []
        for wave_id in waves:
            frame, specs = decisions.wave_frame(
                con,
                wave_id=wave_id,
                current=decisions.active_uploads(con, wave_id=wave_id),
                history=decisions.published(con, wave_id=wave_id),
            )
            needs.append(decisions.expected_peak(frame, specs, sensitive=False))
        assert min(needs) > 0
        # Room for the smallest wave's decision alone: no two of them fit together.
        admission = apart.Admission(most=decisions.DECIDED_AT_ONCE, budget=min(needs))
        monkeypatch.setattr(decisions, "_PROCESSES", admission)
        assert _most_decision_processes_at_once(con, waves, monkeypatch) == 1
    finally:
        con.close()


def test_outside_a_page_beginning_to_decide_waits_for_nothing(demo_db: Path, tmp_path: Path):
    con, newest = newest_wave_of_a_copy(demo_db, tmp_path)
    try:
        decisions.begin_deciding(con, wave_ids=[newest])  # no page: decided when asked
        assert not [t for t in threading.enumerate() if t.name == "decide-for-a-page"]
    finally:
        con.close()
        decisions.forget_remembered()


def test_a_small_wave_is_decided_on_the_page_itself(demo_db: Path, tmp_path: Path, monkeypatch):
    from wellbeing.ui import run

    with dashboard_on_a_copy_of(demo_db, tmp_path, monkeypatch, new_identity=True):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        assert not [i for i in at.info if i.value == run.WHILE_DECIDING]
        assert at.metric


def test_a_large_waves_sensitive_breakdowns_are_decided_from_its_plain_cells_inputs(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # A large wave is decided in two processes, its plain cells then its sensitive
    # breakdowns: the second takes the first's inputs (seconds of queries at 100,000
    # respondents), and does not keep them once it has decided.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    queried: list[str] = []
    frame_of = decisions.wave_frame

    def counted(*args, **kwargs):
        queried.append("wave_groups")
        return frame_of(*args, **kwargs)

    monkeypatch.setattr(decisions, "wave_frame", counted)
    try:
        decisions.decision(con, wave_id=wave_id)
        assert len(queried) == 1
        whole = decisions.decision(con, wave_id=wave_id, sensitive=True)
        assert whole.whole is not None
        assert len(queried) == 1
        assert not decisions._INPUTS
        # Another version of the wave (its thresholds changed) is another decision.
        decisions.decision(con, wave_id=wave_id, rules=privacy.Rules(min_group_size=6))
        assert len(queried) == 2
    finally:
        con.close()
        decisions.forget_remembered()


def test_a_waves_groups_carry_each_groups_text_once(demo_db: Path, tmp_path: Path):
    # One row per group and set: at 100,000 respondents half a million rows. A group's
    # text comes on one row only (2 s of transfer a wave otherwise), its first set's,
    # and the rows come unsorted: the frame puts each group in its place by its number.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    try:
        current = decisions.active_uploads(con, wave_id=wave_id)
        long = decisions.wave_groups(con, wave_id=wave_id, uploads=list(current))
        first = long["first_set"].astype(bool)
        text = ["service", "team", "role", "pattern"]
        assert long.loc[first, text].notna().all().all()
        assert long.loc[~first, text].isna().all().all()
        assert (~first).any() and long["upload_id"].notna().all()
        # Each group once, on the row of the first of its sets by name.
        assert long.loc[first, "finest_group"].is_unique
        assert set(long.loc[first, "finest_group"]) == set(long["finest_group"])
        by_name = long.sort_values(["finest_group", "universe"])
        assert by_name.groupby("finest_group")["first_set"].first().all()
        frame, _ = decisions.wave_frame(con, wave_id=wave_id, current=current, history=[])
        assert len(frame) == first.sum()
        assert frame["respondents"].sum() == long.loc[first, "respondents"].sum()
        # The frame's rows go by group number, whatever order the query gave.
        shuffled = long.sample(frac=1.0, random_state=7).reset_index(drop=True)
        from_sorted = decisions.frame_from_groups(by_name.reset_index(drop=True), current, [])
        from_shuffled = decisions.frame_from_groups(shuffled, current, [])
        assert from_sorted[0].equals(from_shuffled[0])
        assert from_sorted[0].equals(frame)
    finally:
        con.close()
        decisions.forget_remembered()


def test_a_waves_groups_are_the_same_however_many_numbers_hold_a_persons_sets(
    demo_db: Path, tmp_path: Path
):
    # wave_groups.sql counts each person's sets as the bits of one number per 127 sets; a
    # wave of more sets (many measures of HR's own) takes several numbers a person. With
    # 2 or 3 sets a number, the sample data's 20-odd sets take many: the groups, their
    # order and every figure must come out as with one number.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    try:
        current = list(decisions.active_uploads(con, wave_id=wave_id))

        def groups(per_number: int) -> pd.DataFrame:
            return decisions.wave_groups(
                con, wave_id=wave_id, uploads=current, sets_per_number=per_number
            )

        long = groups(decisions.SETS_PER_NUMBER)
        # One number a person as it is; several with 2 or 3 sets a number.
        assert 6 < long["universe"].nunique() <= decisions.SETS_PER_NUMBER
        one = decisions.frame_from_groups(long, current, [])[0]
        for per_number in (2, 3):
            assert decisions.frame_from_groups(groups(per_number), current, [])[0].equals(one)
    finally:
        con.close()
        decisions.forget_remembered()


def test_a_failed_background_decision_is_shown_once_and_tried_again(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    broken = [True]
    gather = decisions._inputs

    def failing(*args, **kwargs):
        if broken[0]:
            raise RuntimeError("the engine failed")
        return gather(*args, **kwargs)

    monkeypatch.setattr(decisions, "_inputs", failing)
    decisions.answer_promptly()
    try:
        with pytest.raises(decisions.NotDecidedYet) as waiting:
            decisions.decision(con, wave_id=wave_id)
        _decided_for_pages()
        assert not decisions.being_decided(waiting.value.token)
        with pytest.raises(RuntimeError, match="the engine failed"):
            decisions.decision(con, wave_id=wave_id)
        broken[0] = False
        with pytest.raises(decisions.NotDecidedYet):  # tried again, in the background
            decisions.decision(con, wave_id=wave_id)
        _decided_for_pages()
        assert decisions.decision(con, wave_id=wave_id).plain.status.size
        # HR's preview of a change decides it there and then, tried and rolled back.
        with decisions.patiently():
            assert decisions.decision(con, wave_id=wave_id, sensitive=True).whole is not None
    finally:
        decisions._promptly.set(False)
        con.close()
        decisions.forget_remembered()


def test_a_page_with_no_role_or_stage_filter_waits_for_the_units_alone(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # A large wave's teams and services are decided in a second, its role and stage
    # breakdowns in a minute: a page that shows no breakdown has its figures after the
    # first, and a reader shown them is recorded as shown the units' cells alone.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    decisions.answer_promptly()
    roles.view_as(roles.LEADER)
    try:
        with pytest.raises(decisions.NotDecidedYet):
            decisions.begin_deciding(con, wave_ids=[wave_id], breakdowns=False)
        _decided_for_pages()
        units = decisions.decision(con, wave_id=wave_id, breakdowns=False)  # at hand
        assert units.decided("units") and not units.decided("plain")
        kept = con.execute("select part from wave_verdicts where wave_id = $w", {"w": wave_id})
        assert kept.fetchall() == [("units",)]
        decisions.remember(con, wave_id=wave_id, sensitive=False, breakdowns=False)
        # A role filter needs the breakdowns: begun now, the units as they were.
        with pytest.raises(decisions.NotDecidedYet):
            decisions.decision(con, wave_id=wave_id)
        _decided_for_pages()
        plain = decisions.decision(con, wave_id=wave_id)
        assert plain.cells(level="units").equals(units.cells(level="units"))
        decisions.remember(con, wave_id=wave_id, sensitive=False)
        shown = [len(sum(p.shown.values(), [])) for p in decisions.published(con, wave_id=wave_id)]
        in_units = sum(map(len, units.shown_keys(level="units").values()))
        assert shown == [in_units, sum(map(len, plain.shown_keys().values()))]
        assert shown[1] > shown[0]
    finally:
        decisions._promptly.set(False)
        roles.view_as(None)
        con.close()
        decisions.forget_remembered()


def test_the_inputs_of_as_many_waves_as_fit_are_kept_and_always_those_decided_at_once(
    monkeypatch,
):
    # The preparation decides every wave's units before any wave's breakdowns: the
    # inputs gathered for the first are kept for the second while they fit.
    def inputs(rows: int) -> decisions.Inputs:
        return decisions.Inputs(
            pd.DataFrame({"respondents": np.zeros(rows, dtype=np.int64)}), [], []
        )

    decisions.forget_remembered()
    monkeypatch.setattr(decisions, "DECIDED_AT_ONCE", 2)  # two cores' worth
    monkeypatch.setattr(decisions, "INPUTS_KEPT_BYTES", 3 * 8_000)
    try:
        for wave in range(1, 5):
            decisions._keep_inputs(("wave", wave), inputs(1_000))  # 8,000 bytes each
        assert list(decisions._INPUTS) == [("wave", 2), ("wave", 3), ("wave", 4)]
        # Larger than the budget: those of the waves decided at once are kept all the same.
        for wave in range(5, 8):
            decisions._keep_inputs(("wave", wave), inputs(100_000))
        assert len(decisions._INPUTS) == decisions.DECIDED_AT_ONCE
        assert list(decisions._INPUTS)[-1] == ("wave", 7)
    finally:
        decisions.forget_remembered()


def test_an_earlier_versions_records_growing_makes_a_new_version_of_the_wave(
    demo_db: Path, tmp_path: Path
):
    # Readers shown an earlier version's units, then its breakdowns, leave two records
    # of it: a decision made with the first alone must not be served once the second
    # exists (a withdrawal and a restore return to the same uploads).
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    rules = settings.rules(con)

    def record(shown: dict) -> None:
        params = {
            "wave_id": wave_id,
            "uploads": "999",  # a version with other uploads than the wave's now
            "min_group_size": rules.min_group_size,
            "sensitive_min_group_size": rules.sensitive_min_group_size,
            "alike_group_size": rules.alike_group_size,
            "sensitive": False,
            "shown": json.dumps(shown),
        }
        con.execute(sql("insert_wave_publication"), params).fetchall()
        decisions.forget_wave_versions()

    before = decisions.wave_version(con, wave_id=wave_id, rules=rules)
    record({"respondents:default": [[privacy.ALL] * len(privacy.DIMENSIONS)]})
    units_seen = decisions.wave_version(con, wave_id=wave_id, rules=rules)
    record({"respondents:default": [[privacy.ALL] * len(privacy.DIMENSIONS)] * 2})
    breakdowns_seen = decisions.wave_version(con, wave_id=wave_id, rules=rules)
    assert len({before, units_seen, breakdowns_seen}) == 3
    con.close()
    decisions.forget_remembered()


def test_a_step_of_a_wave_seen_with_its_equity_breakdowns_is_admitted_as_an_equity_decision(
    monkeypatch,
):
    # Every step of such a wave audits the equity cells readers were shown of it, so it
    # takes an equity decision's memory: admitted as one, two never start side by side
    # where only two plain decisions would fit.
    everyone = privacy.cell_key()
    women = privacy.cell_key(gender="F")
    plain = [privacy.Publication("1", {"respondents:default": [everyone]})]
    equity = [privacy.Publication("1", {"respondents:default": [everyone, women]})]
    assert not decisions.seen_with_equity([])
    assert not decisions.seen_with_equity(plain)
    assert decisions.seen_with_equity(equity)
    frame = pd.DataFrame({"respondents": np.ones(1_000, dtype=np.int64)})
    specs = [privacy.SetSpec("respondents:default")]
    asked: list[int] = []

    @contextmanager
    def admitted(expected: int):
        asked.append(expected)
        yield

    monkeypatch.setattr(decisions._PROCESSES, "admitted", admitted)
    monkeypatch.setattr(decisions.apart, "run_apart", lambda *args, **kwargs: None)
    for history in (plain, equity):

        def inputs(con, key, *, wave_id, units_alone, seen=history):
            return decisions.Inputs(frame, specs, seen)

        monkeypatch.setattr(decisions, "_inputs", inputs)
        decisions._verdicts_apart(
            None, ("key",), wave_id=1, rules=privacy.Rules(), below=None, level="units"
        )
    assert asked == [
        decisions.expected_peak(frame, specs, sensitive=False),
        decisions.expected_peak(frame, specs, sensitive=True),
    ]


def test_a_waves_units_decided_from_their_own_groups_read_as_from_its_finest(con):
    # A page with no role or stage filter waits for the units' cells alone: their groups
    # (service, team, upload, sets) are a fifth as many as the finest at 100,000
    # respondents, gathered and decided in half the time. Random small organisations,
    # where the units' cells hide teams and services, decide alike from both, cell for
    # cell, coded by the same values (a blank service and attributes included).
    from tests.privacy_attack import random_organisation
    from tests.support import load_survey, survey_csv

    rules = privacy.Rules()
    hidden = 0
    for seed in range(8):
        rows = random_organisation(seed, size=36, skip_challenge=0.15)
        for number, row in enumerate(rows):
            row["gender"] = ["Woman", "Man", None][number % 3]
            # Teams of their own each wave: a team an earlier wave knew takes its service.
            row["team"] = f"{row['team']} ({seed})"
            if row["team"].startswith("Service 0 team 0") and seed % 2:
                row["service"] = None
        load_survey(con, survey_csv(rows), wave=f"Wave {seed}", file_name=f"wave{seed}.csv")
        wave_id = int(survey.waves(con)["id"].iloc[-1])
        decisions.forget_remembered()
        key = decisions.wave_version(con, wave_id=wave_id, rules=rules)
        alone = decisions._inputs(con, key, wave_id=wave_id, units_alone=True)
        finest = decisions._inputs(con, key, wave_id=wave_id)
        assert alone.values is not None and finest.values is None
        assert "role" not in alone.frame and "role" in finest.frame
        assert len(alone.frame) < len(finest.frame)
        made = [
            privacy.decide_verdicts(
                inputs.frame,
                inputs.specs,
                rules,
                history=inputs.history,
                level="units",
                values=inputs.values,
            )
            for inputs in (alone, finest)
        ]
        assert made[0].values == made[1].values
        assert made[0].units.to_bytes() == made[1].units.to_bytes()
        cells = made[1].cells(level="units")
        hidden += int((cells["status"] != privacy.SHOWN).sum())
        # Groups that do not tell roles apart decide no cell that names one.
        with pytest.raises(ValueError, match="role"):
            privacy.decide_verdicts(
                alone.frame, alone.specs, rules, level="plain", values=alone.values
            )
    assert hidden  # the comparison covered the repairs, not only cells shown as they are


def test_a_wave_readers_have_seen_is_decided_from_its_finest_groups_even_for_its_units(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    # Every level audits the cells readers were shown of an earlier version, whose role
    # and stage breakdowns only the finest groups can tell apart.
    con, wave_id = newest_wave_of_a_copy(demo_db, tmp_path)
    earlier = decisions.Published(
        id=1,
        uploads=(999,),
        rules=privacy.Rules(),
        sensitive=False,
        shown={"respondents:default": [list(privacy.cell_key(role="Manager"))]},
    )
    monkeypatch.setattr(decisions, "published", lambda con, *, wave_id: [earlier])
    key = decisions.wave_version(con, wave_id=wave_id, rules=privacy.Rules())
    inputs = decisions._inputs(con, key, wave_id=wave_id, units_alone=True)
    assert inputs.values is None and "role" in inputs.frame
    assert [p.tag for p in inputs.history] == ["1"]


def test_a_first_visit_gathers_the_units_groups_and_the_preparation_the_finest_once(
    demo_db: Path, tmp_path: Path, monkeypatch
):
    con, newest = newest_wave_of_a_copy(demo_db, tmp_path)
    oldest, older = (int(w) for w in survey.waves(con)["id"].iloc[[0, -2]])
    assert len({oldest, older, newest}) == 3
    monkeypatch.setattr(decisions, "DECIDED_IN_THE_BACKGROUND_FROM", 1)
    gathered: list[tuple[int, bool]] = []
    gather = decisions.wave_groups

    def recorded(con, *, wave_id, uploads, breakdowns=True, **rest):
        gathered.append((wave_id, breakdowns))
        return gather(con, wave_id=wave_id, uploads=uploads, breakdowns=breakdowns, **rest)

    monkeypatch.setattr(decisions, "wave_groups", recorded)
    # A page with no role or stage filter: the units' groups alone.
    units = decisions.decision(con, wave_id=newest, breakdowns=False)
    assert gathered == [(newest, False)]
    assert units.decided("units") and not units.decided("plain")
    # The preparation goes on to the breakdowns: the finest groups, once, for both.
    decisions.prepare(con, waves=[newest], stop=threading.Event())
    assert gathered == [(newest, False), (newest, True)]
    # A wave nobody has opened: the finest from its units on, still once.
    decisions.prepare(con, waves=[older], stop=threading.Event())
    assert gathered[2:] == [(older, True)]
    # A page with a role filter on a wave not yet decided: its units step gathers the
    # finest, which its breakdowns then use.
    decisions.decision(con, wave_id=oldest, breakdowns=True)
    assert gathered[3:] == [(oldest, True)]
