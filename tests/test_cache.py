"""Figures kept between reruns (queries/cache.py): never stale, never shared across roles."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pandas as pd
import pytest

from queries import (
    cache,
    change_fatigue,
    change_log,
    decisions,
    preparation,
    settings,
    supervision,
    supervision_gate,
    survey,
)
from tests.conftest import load_survey, survey_csv
from wellbeing import privacy
from wellbeing.core import apart, kept, roles
from wellbeing.ingest import uploads
from wellbeing.privacy import decision as privacy_decision


def team(name: str, service: str, count: int, stress: int) -> list[dict[str, object]]:
    return [{"team": name, "service": service, "STR2": stress} for _ in range(count)]


def answers_alike_allowed(con) -> None:
    # Whole teams answer alike to keep the arithmetic plain; the "all alike" rule, which
    # would hide them, is turned down to k (its lowest) and is tested in test_privacy_*.
    settings.save_rules(con, privacy.Rules(alike_group_size=privacy.Rules().min_group_size))


@pytest.fixture
def organisation(con):
    answers_alike_allowed(con)
    load_survey(
        con,
        survey_csv(team("Alpha", "Adults", 6, 5) + team("Beta", "Adults", 7, 1)),
        wave="Autumn 2025",
        file_name="autumn.csv",
    )
    return con


def wave_id(con, label: str) -> int:
    waves = survey.waves(con)
    return int(waves.loc[waves["label"] == label, "id"].iloc[0])


def stress_by_team(con) -> dict[str, float | None]:
    frame = survey.construct_by_team(
        con, filters=survey.Filters(wave_id=wave_id(con, "Autumn 2025"))
    )
    stress = frame[frame["construct"] == "stress"]
    return {
        row.team: None if row.status != privacy.SHOWN else round(float(row.mean_score), 2)
        for row in stress.itertuples()
    }


class CountingCursor:
    """Counts the statements a query function sends (a cache hit sends only none)."""

    def __init__(self, con) -> None:
        self._con = con
        self.statements: list[str] = []

    def execute(self, statement, *args, **kwargs):
        self.statements.append(statement)
        return self._con.execute(statement, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_second_identical_request_sends_no_query_after_the_data_version(organisation):
    counting = CountingCursor(organisation)
    filters = survey.Filters(wave_id=wave_id(organisation, "Autumn 2025"))
    first = survey.construct_by_team(counting, filters=filters)
    sent = len(counting.statements)
    assert sent >= 2  # the data version, then the figures
    again = survey.construct_by_team(counting, filters=filters)
    assert len(counting.statements) == sent
    assert first.equals(again)


def test_a_click_on_a_filter_a_query_does_not_read_sends_no_query(organisation):
    counting = CountingCursor(organisation)
    autumn = wave_id(organisation, "Autumn 2025")
    every_wave = survey.construct_by_wave(
        counting, filters=survey.Filters(wave_id=autumn), constructs=["stress"]
    )
    organisation_wide = survey.construct_for_organisation(
        counting, filters=survey.Filters(wave_id=autumn)
    )
    sent = len(counting.statements)
    # Every wave's figures whichever wave is chosen; the organisation's whichever team.
    assert every_wave.equals(
        survey.construct_by_wave(
            counting, filters=survey.Filters(wave_id=None), constructs=["stress"]
        )
    )
    assert organisation_wide.equals(
        survey.construct_for_organisation(
            counting, filters=survey.Filters(wave_id=autumn, service="Adults", team="Alpha")
        )
    )
    assert len(counting.statements) == sent
    # A filter they do read still narrows them (a team's rows, cut from every team's).
    alpha = survey.construct_by_wave(
        counting, filters=survey.Filters(wave_id=autumn, team="Alpha"), constructs=["stress"]
    )
    assert set(alpha["team"]) == {"Alpha"} < set(every_wave["team"])


def test_a_services_first_figures_are_cut_from_the_waves_without_a_query(organisation):
    # Once a wave's headline counts and every team's figures are worked out, a service's
    # or a team's first visit sums or cuts them: no figures query is sent for it.
    from queries import overview, sql

    counting = CountingCursor(organisation)
    autumn = wave_id(organisation, "Autumn 2025")
    overview.headline_measures(counting, filters=survey.Filters(wave_id=autumn))
    survey.construct_by_team(counting, filters=survey.Filters(wave_id=autumn))
    survey.construct_by_wave(
        counting, filters=survey.Filters(wave_id=autumn), constructs=["stress"]
    )
    figures = {sql("headline_measure_counts"), sql("construct_figures")}
    figures.add(sql("construct_figures_by_wave"))
    assert figures <= set(counting.statements)
    counting.statements.clear()
    for narrowing in ({"service": "Adults"}, {"team": "Alpha"}):
        filters = survey.Filters(wave_id=autumn, **narrowing)
        overview.headline_measures(counting, filters=filters)
        survey.construct_by_team(counting, filters=filters)
        survey.construct_by_wave(counting, filters=filters, constructs=["stress"])
    assert not figures & set(counting.statements)


def test_an_import_is_seen_on_the_next_request(organisation):
    assert stress_by_team(organisation) == {"Alpha": 5.0, "Beta": 1.0}
    load_survey(
        organisation,
        survey_csv(team("Gamma", "Children", 5, 3)),
        wave="Autumn 2025",
        file_name="late.csv",
    )
    assert stress_by_team(organisation) == {"Alpha": 5.0, "Beta": 1.0, "Gamma": 3.0}


def test_a_withdrawal_and_a_restore_are_seen_on_the_next_request(organisation):
    late = load_survey(
        organisation,
        survey_csv(team("Gamma", "Children", 5, 3)),
        wave="Autumn 2025",
        file_name="late.csv",
    )
    assert "Gamma" in stress_by_team(organisation)
    uploads.withdraw(organisation, late.upload_id)
    assert stress_by_team(organisation) == {"Alpha": 5.0, "Beta": 1.0}
    uploads.restore(organisation, late.upload_id)
    assert stress_by_team(organisation)["Gamma"] == 3.0


def test_a_new_threshold_is_seen_on_the_next_request(organisation):
    assert stress_by_team(organisation) == {"Alpha": 5.0, "Beta": 1.0}
    settings.save_rules(
        organisation,
        privacy.Rules(min_group_size=7, sensitive_min_group_size=10, alike_group_size=7),
    )
    # Alpha (6) is now below k, so Beta (7) is hidden with it.
    assert stress_by_team(organisation) == {"Alpha": None, "Beta": None}


def test_a_change_log_edit_is_seen_on_the_next_request(organisation):
    assert change_fatigue.change_events(organisation).empty
    change_log.add_change(
        organisation,
        team="Alpha",
        started_on=dt.date(2025, 6, 1),
        title="Merger",
        kind="restructure",
    )
    assert change_fatigue.change_events(organisation)["title"].tolist() == ["Merger"]


def test_changing_a_returned_frame_does_not_change_the_next_answer(organisation):
    filters = survey.Filters(wave_id=wave_id(organisation, "Autumn 2025"))
    first = survey.construct_by_team(organisation, filters=filters)
    first["mean_score"] = 0.0
    first.loc[:, "status"] = privacy.BELOW_K
    again = survey.construct_by_team(organisation, filters=filters)
    assert sorted(again["mean_score"].astype(float)) == [1.0, 5.0]
    assert set(again["status"]) == {privacy.SHOWN}


def test_a_figure_kept_for_a_leader_is_not_handed_to_a_team_manager(organisation):
    filters = survey.Filters(wave_id=wave_id(organisation, "Autumn 2025"))
    assert set(survey.construct_by_team(organisation, filters=filters)["team"]) == {"Alpha", "Beta"}
    roles.restrict_to_teams(("Beta",))
    try:
        assert set(survey.construct_by_team(organisation, filters=filters)["team"]) == {"Beta"}
    finally:
        roles.restrict_to_teams(None)


def test_two_stores_never_share_figures(con, make_survey):
    # Same uploads, same ids and statuses: the per-installation store id keeps them apart.
    from wellbeing import store

    other = store.connect(None)
    try:
        answers_alike_allowed(con)
        answers_alike_allowed(other)
        load_survey(con, survey_csv(team("Alpha", "Adults", 6, 5)), wave="W")
        load_survey(other, survey_csv(team("Alpha", "Adults", 6, 1)), wave="W")
        assert cache.data_version(con) != cache.data_version(other)
        scores = []
        for connection in (con, other):
            frame = survey.construct_for_organisation(
                connection, filters=survey.Filters(wave_id=wave_id(connection, "W"))
            )
            scores.append(float(frame.loc[frame["construct"] == "stress", "mean_score"].iloc[0]))
        assert scores == [5.0, 1.0]
    finally:
        other.close()


def test_prepared_decisions_serve_every_wave_without_asking_the_engine_again(
    organisation, monkeypatch
):
    load_survey(
        organisation,
        survey_csv(team("Alpha", "Adults", 8, 2) + team("Beta", "Adults", 3, 4)),
        wave="Spring 2026",
        file_name="spring.csv",
    )
    assert survey.prepare_decisions(organisation) == 2  # both waves, every set of each

    def no_more_counting(*args, **kwargs):
        raise AssertionError("the engine counted a wave again")

    monkeypatch.setattr(decisions, "wave_frame", no_more_counting)
    autumn = survey.construct_by_team(
        organisation, filters=survey.Filters(wave_id=wave_id(organisation, "Autumn 2025"))
    )
    spring = survey.construct_by_team(
        organisation, filters=survey.Filters(wave_id=wave_id(organisation, "Spring 2026"))
    )
    assert set(autumn["status"]) == {privacy.SHOWN}
    # Beta (3) is below k in spring, so Alpha is hidden with it.
    assert set(spring.loc[spring["construct"] == "stress", "status"]) == {
        privacy.BELOW_K,
        privacy.PROTECTS_SMALLER,
    }


def test_preparation_decides_the_sensitive_breakdowns_of_every_wave(organisation, monkeypatch):
    from queries import equity

    load_survey(
        organisation,
        survey_csv(team("Alpha", "Adults", 8, 2) + team("Beta", "Adults", 6, 4)),
        wave="Spring 2026",
        file_name="spring.csv",
    )
    survey.prepare_decisions(organisation)

    def no_solving(*args, **kwargs):
        raise AssertionError("a sensitive breakdown was decided when the page asked")

    monkeypatch.setattr(privacy_decision.Solver, "solve", no_solving)
    for label in ["Autumn 2025", "Spring 2026"]:
        by_gender = equity.construct_by_attribute(
            organisation,
            filters=survey.Filters(wave_id=wave_id(organisation, label)),
            attributes=("gender",),
        )
        assert not by_gender.empty


@pytest.mark.background_preparation
def test_the_dashboard_prepares_each_data_version_once(organisation, monkeypatch):
    from wellbeing.ui import run

    prepared = []
    monkeypatch.setattr(survey, "prepare_decisions", lambda con, **options: prepared.append(con))
    monkeypatch.setattr(run, "_prepared_versions", set())
    version = cache.data_version(organisation)
    for _ in range(3):
        run._prepare_figures(organisation, version)
    run._prepare_figures(organisation, (*version, "after an import"))
    for thread in [t for t in threading.enumerate() if t.name == "prepare-decisions"]:
        thread.join(timeout=30)
    assert len(prepared) == 2


@pytest.mark.background_preparation
def test_a_reader_leaves_the_waves_to_the_writer_whose_snapshots_carry_its_verdicts(
    organisation, monkeypatch, tmp_path
):
    from wellbeing.ui import run

    decided, months = [], []
    monkeypatch.setattr(survey, "prepare_decisions", lambda con, **options: decided.append(con))
    monkeypatch.setattr(
        supervision, "prepare_supervision_months", lambda con, **options: months.append(con)
    )
    monkeypatch.setattr(run, "_prepared_versions", set())
    monkeypatch.setenv("WELLBEING_SNAPSHOTS", str(tmp_path))
    version = cache.data_version(organisation)
    for reading, data in (("1", version), ("", (*version, "the writer"))):
        monkeypatch.setenv("WELLBEING_READ_ONLY", reading)
        run._prepare_figures(organisation, data)
        for thread in [t for t in threading.enumerate() if t.name == "prepare-decisions"]:
            thread.join(timeout=30)
    assert len(months) == 2, "both prepare the supervision months (kept in memory only)"
    assert len(decided) == 1, "only the writer decides the waves"


def _timed_steps(monkeypatch, *, fail_months: bool = False) -> list[tuple[str, str]]:
    """Stand-ins for the months (0.2 s) and the decisions, noting when each begins and ends."""
    steps: list[tuple[str, str]] = []

    def months(con, *, stop):
        steps.append(("months", "begin"))
        time.sleep(0.2)
        steps.append(("months", "end"))
        if fail_months:
            raise RuntimeError("the records could not be read")

    def decide(con, *, stop):
        steps.append(("decisions", "begin"))
        steps.append(("decisions", "end"))
        return 2

    monkeypatch.setattr(supervision, "prepare_supervision_months", months)
    monkeypatch.setattr(survey, "prepare_decisions", decide)
    return steps


def test_small_months_are_prepared_beside_the_decisions(organisation, monkeypatch):
    monkeypatch.setattr(apart, "machine_memory", lambda: 24 * 2**30)
    steps = _timed_steps(monkeypatch)
    prepared = preparation.prepare(organisation, stop=threading.Event())
    assert steps.index(("decisions", "begin")) < steps.index(("months", "end"))
    assert prepared.waves == 2
    assert prepared.supervision_seconds >= 0.2
    assert prepared.seconds == prepared.supervision_seconds + prepared.decisions_seconds


@pytest.mark.parametrize("beside", [False, None])
def test_large_months_are_prepared_before_the_decisions(organisation, monkeypatch, beside):
    # Not side by side: at a million respondents the months' peak of memory and the
    # decision processes' would not fit together where the decisions alone fit; nor
    # where the machine does not say how much memory it has.
    if beside is None:
        monkeypatch.setattr(apart, "machine_memory", lambda: None)
    else:
        monkeypatch.setattr(preparation, "months_beside_decisions", lambda con: beside)
    steps = _timed_steps(monkeypatch)
    prepared = preparation.prepare(organisation, stop=threading.Event())
    assert steps == [
        ("months", "begin"),
        ("months", "end"),
        ("decisions", "begin"),
        ("decisions", "end"),
    ]
    assert prepared.waves == 2
    assert prepared.supervision_seconds >= 0.2
    assert prepared.seconds == prepared.supervision_seconds + prepared.decisions_seconds


def test_months_go_beside_the_decisions_while_their_peak_fits_half_the_rest(views_con):
    sessions = views_con.execute("select count(*) from active_supervision_sessions").fetchall()
    assert sessions[0][0] > 0
    # Half of the 40% the decisions leave: 850 bytes a session within 0.2 of the memory.
    enough = sessions[0][0] * 850 * 5
    con = views_con
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(apart, "machine_memory", lambda: enough)
        assert preparation.months_beside_decisions(con)
        patch.setattr(apart, "machine_memory", lambda: enough - 10)
        assert not preparation.months_beside_decisions(con)
        patch.setattr(apart, "machine_memory", lambda: None)
        assert not preparation.months_beside_decisions(con)


@pytest.mark.parametrize("memory", [24 * 2**30, None])
def test_a_failure_of_the_months_is_raised_once_the_waves_are_decided(
    organisation, monkeypatch, memory
):
    monkeypatch.setattr(apart, "machine_memory", lambda: memory)
    steps = _timed_steps(monkeypatch, fail_months=True)
    with pytest.raises(RuntimeError, match="the records could not be read"):
        preparation.prepare(organisation, stop=threading.Event())
    assert ("decisions", "end") in steps


def test_the_preparation_decides_every_wave_and_a_reader_none(organisation):
    rules = settings.rules(organisation)
    waves = [int(w) for w in survey.waves(organisation)["id"]]

    def kept() -> list[bool]:
        return [
            decisions._kept_verdicts(
                organisation,
                decisions.verdicts_version(
                    decisions.wave_version(organisation, wave_id=wave, rules=rules)
                ),
            )
            is not None
            for wave in waves
        ]

    assert preparation.prepare(organisation, stop=threading.Event(), decide_waves=False).waves == 0
    assert kept() == [False] * len(waves)
    assert preparation.prepare(organisation, stop=threading.Event()).waves == len(waves)
    assert kept() == [True] * len(waves)


def test_preparation_stops_between_steps_when_asked(organisation):
    stop = threading.Event()
    stop.set()
    assert survey.prepare_decisions(organisation, stop=stop) == 0


def test_a_chart_is_drawn_once_per_content_of_its_figures():
    import pandas as pd

    from wellbeing.present import charts

    def figures(alpha_value: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "team": ["Alpha", "Beta"],
                "respondents": [12.0, 9.0],
                "value": [alpha_value, 0.4],
                "low": [alpha_value - 0.1, 0.2],
                "high": [alpha_value + 0.1, 0.6],
                "status": [privacy.SHOWN, privacy.SHOWN],
                "verdict": ["higher", "could be chance"],
            }
        )

    options = {"kind": "share", "axis_title": "Share", "k": 5, "organisation": 0.5}
    first = charts.team_intervals(figures(0.7), **options)
    assert charts.team_intervals(figures(0.7), **options) is first
    changed = charts.team_intervals(figures(0.8), **options)
    assert changed is not first
    assert list(changed.data[0].x) == pytest.approx([0.8, 0.4])
    assert charts.team_intervals(figures(0.7), **(options | {"k": 10})) is not first


def test_a_chart_is_found_again_for_a_copy_of_its_figures_laid_out_differently():
    from wellbeing.present import charts

    # Built column by column, as views build frames: pandas keeps each column in
    # a block of its own until a copy consolidates them.
    figures = pd.DataFrame({"team": ["Alpha", "Beta"]})
    for column, values in [("respondents", [12.0, 9.0]), ("value", [0.7, 0.4])]:
        figures[column] = values
    figures["low"] = figures["value"] - 0.1
    figures["high"] = figures["value"] + 0.1
    figures["status"] = privacy.SHOWN
    figures["verdict"] = ["higher", "could be chance"]
    options = {"kind": "share", "axis_title": "Share", "k": 5, "organisation": 0.5}
    first = charts.team_intervals(figures, **options)
    assert charts.team_intervals(figures.copy(), **options) is first


def test_a_frame_s_key_changes_with_any_value_label_or_row_and_not_with_its_layout():
    base = pd.DataFrame(
        {
            "team": ["Alpha", "Beta", None],
            "value": [0.5, float("nan"), 0.25],
            "respondents": pd.array([10, None, 7], dtype="Int64"),
            "opened": pd.to_datetime(["2026-01-05", "2026-02-05", "2026-03-05"]),
        }
    )
    key = kept._content(base)
    assert kept._content(base.copy()) == key
    assert kept._content(pd.concat([base.iloc[:2], base.iloc[2:]])) == key  # another layout
    changed = [
        base.assign(team=["Alpha", "Gamma", None]),
        base.assign(team=["Alpha", "Beta", "Delta"]),
        base.assign(value=[0.5, float("nan"), 0.26]),
        base.assign(respondents=pd.array([10, 3, 7], dtype="Int64")),
        base.assign(opened=pd.to_datetime(["2026-01-05", "2026-02-05", "2026-03-06"])),
        base.set_axis([1, 2, 3]),
        base.iloc[::-1],
        base.iloc[:2],
        base.rename(columns={"value": "share"}),
    ]
    keys = [kept._content(frame) for frame in changed]
    assert key not in keys
    assert len(set(keys)) == len(keys)


def test_a_kept_chart_is_turned_into_a_dict_once_and_serialised_like_a_fresh_one():
    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools

    from wellbeing.present import charts

    figures = pd.DataFrame(
        {
            "team": ["Alpha", "Beta", "Gamma"],
            "respondents": [12.0, 9.0, 3.0],
            "value": [0.7, 0.4, None],
            "low": [0.6, 0.2, None],
            "high": [0.8, 0.6, None],
            "status": [privacy.SHOWN, privacy.SHOWN, privacy.BELOW_K],
            "verdict": ["higher", "could be chance", None],
        }
    )
    kept = charts.team_intervals(figures, kind="share", axis_title="Share", k=5, organisation=0.5)
    fresh = go.Figure(kept.to_plotly_json())

    # What st.plotly_chart sends for the kept chart, on two reruns, and for a fresh copy.
    def sent(figure: go.Figure) -> str:
        as_dict = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
        return plotly.io.to_json(as_dict, validate=False)

    assert sent(kept) == sent(kept)
    assert json.loads(sent(kept)) == json.loads(sent(fresh))
    assert kept.to_dict() is kept.to_dict()
    assert fresh.to_dict() is not fresh.to_dict()


def test_every_waves_supervision_month_is_prepared_so_a_wave_change_sends_no_query(demo_db):
    import duckdb

    from wellbeing.present import tiles

    connection = duckdb.connect(str(demo_db), read_only=True)
    try:
        waves = survey.waves(connection)["id"].astype("int64").tolist()
        prepared = supervision.prepare_supervision_months(connection)
        months = {supervision.supervision_month(connection, wave_id=w) for w in waves} - {None}
        assert prepared == len(months) >= 2
        counting = CountingCursor(connection)
        rules = settings.rules(connection)
        for wave in waves:
            tile = tiles.supervision_tile(
                counting, filters=survey.Filters(wave_id=wave), rules=rules
            )
            assert tile is None or tile.status in privacy.STATUSES
        every_month = supervision.months(connection)
        latest = every_month[-1]
        supervision.sessions(counting, month_from=latest, month_to=latest, rules=rules)
        supervision.overdue_by_team(counting, rules=rules)
        # The Supervision page's first view: every month to the newest wave's, by team.
        newest_wave_month = supervision.supervision_month(connection, wave_id=waves[-1])
        decided = len(supervision_gate._DECISIONS)
        supervision.compliance(
            counting, month_from=every_month[0], month_to=newest_wave_month, rules=rules
        )
        assert len(supervision_gate._DECISIONS) == decided, "a month was decided on the page"
        # Only the data version is read: every month's compliance was kept, and so
        # were the latest month's records and the page's first view.
        assert len(counting.statements) == 1
    finally:
        connection.close()


def test_the_server_config_skips_the_full_collection_after_each_rerun(monkeypatch):
    """Read as `streamlit run` reads it, so a misspelt key would not count."""
    from streamlit import config
    from support import ROOT

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    assert config.get_option("runner.postScriptGC") is False
    assert config.get_option("runner.magicEnabled") is False


def test_a_kept_arrow_table_is_handed_out_as_it_is(organisation):
    import pyarrow as pa

    made = []

    @cache.memoised
    def rows(con, *, month: str) -> pa.Table:
        made.append(month)
        return pa.table({"month": [month], "workers": [3]})

    first = rows(organisation, month="2026-10")
    assert rows(organisation, month="2026-10") is first  # immutable: no copy needed
    assert made == ["2026-10"]


def test_kept_values_are_dropped_least_recently_used_first_once_over_their_budget_in_bytes():
    frame = pd.DataFrame({"value": range(1000)}, dtype="int64")  # 8,000 bytes and its index
    size = kept.size_in_bytes(frame)
    assert 8000 <= size < 9000
    store = kept.Kept(budget_bytes=3 * size)
    for name in ("a", "b", "c"):
        store.put(name, frame)
    assert store.get("a") is frame  # now the most recently used
    store.put("d", frame)
    assert store.get("b") is None and list(store) == ["c", "a", "d"]
    assert store.held_bytes == 3 * size
    # A value over the whole budget is still kept, alone: the rerun under way draws it.
    big = pd.DataFrame({"value": range(4000)}, dtype="int64")
    store.put("big", big)
    assert list(store) == ["big"] and store.get("big") is big
    del store["big"]
    assert len(store) == 0 and store.held_bytes == 0
    # Row tables are kept by number, whatever their size.
    rows = kept.Kept(entries=2)
    for name in ("a", "b", "c"):
        rows.put(name, big)
    assert list(rows) == ["b", "c"]


def test_a_chart_is_sized_by_its_data():
    import plotly.graph_objects as go

    small = go.Figure(go.Bar(x=list(range(10)), y=list(range(10))))
    large = go.Figure(go.Bar(x=list(range(10_000)), y=list(range(10_000))))
    # The same layout and template; 9,990 more points on each axis, 8 bytes or more a point.
    assert kept.size_in_bytes(large) - kept.size_in_bytes(small) > 9_990 * 2 * 8


def test_a_measures_reliability_is_worked_out_once_per_data_version(organisation):
    from queries import measures

    counting = CountingCursor(organisation)
    autumn = wave_id(organisation, "Autumn 2025")
    first = measures.measure_reliability(counting, wave_id=autumn, construct="stress")
    sent = len(counting.statements)
    assert sent >= 2  # the data version, then the answers
    assert measures.measure_reliability(counting, wave_id=autumn, construct="stress") == first
    assert len(counting.statements) == sent


def test_a_services_supervision_figures_reuse_the_months_decision_without_its_workers(
    demo_db, monkeypatch
):
    import duckdb

    connection = duckdb.connect(str(demo_db), read_only=True)
    try:
        rules = settings.rules(connection)
        month = supervision.months(connection)[-1]
        whole = supervision.compliance(connection, month_from=month, month_to=month, rules=rules)
        service = str(whole["service"].dropna().iloc[0])

        def workers_again(*args, **kwargs):
            raise AssertionError("the month's workers were gathered again for a kept decision")

        monkeypatch.setattr(supervision_gate, "_compliance_workers", workers_again)
        one_service = supervision.compliance(
            connection, month_from=month, month_to=month, service=service, rules=rules
        )
        assert not one_service.empty
        assert set(one_service["service"].dropna()) == {service}
    finally:
        connection.close()


def test_a_periods_worker_months_are_cut_from_every_months_rows_as_the_period_gives_them(
    demo_db,
):
    """Every period the pages ask for (a wave's months, one month, the first view) gets
    the rows the period's own query gives, cut from one table of every month."""
    import duckdb

    from queries import sql
    from queries.supervision_rows import _worker_month_rows, data_date
    from wellbeing.core import cadence

    connection = duckdb.connect(str(demo_db), read_only=True)
    try:
        every_month = supervision.months(connection)
        as_of = data_date(connection)
        periods = [
            (every_month[0], every_month[-1]),
            (every_month[0], every_month[len(every_month) // 2]),
            (every_month[3], every_month[3]),
            (every_month[-1], every_month[-1]),
            (every_month[2].replace(day=17), every_month[5].replace(day=3)),
        ]
        columns = ["month", "worker_key"]
        for month_from, month_to in periods:
            cut = _worker_month_rows(
                connection, month_from=month_from, month_to=month_to, as_of=as_of
            )
            own = connection.sql(
                sql("supervision_worker_months"),
                params={"month_from": month_from, "month_to": month_to, "as_of": as_of}
                | cadence.cadence_parameters(),
            ).to_arrow_table()
            own = own.to_pandas()
            assert len(own) > 0
            assert (
                cut.to_pandas()
                .sort_values(columns)
                .reset_index(drop=True)
                .equals(own.sort_values(columns).reset_index(drop=True))
            )
        # Worked out once, for every period.
        version = cache.data_version(connection)
        every = [k for k in cache._rows if k[1] == "_every_worker_month" and k[2] == version]
        assert len(every) == 1
    finally:
        connection.close()


def test_an_object_that_refers_back_to_itself_is_sized_once():
    class Node:
        def __init__(self) -> None:
            self.payload = pd.DataFrame({"value": range(1000)}, dtype="int64")
            self.itself = self
            self.others = [self, self]

    node = Node()
    payload = kept.size_in_bytes(node.payload)
    assert payload <= kept.size_in_bytes(node) < 2 * payload


def test_a_few_months_are_their_own_query_until_every_months_rows_are_kept(demo_db):
    """A server's first page (a wave's month on the Overview) does not wait for the table
    of every month (11 s at a million respondents); once the preparation keeps that
    table, every period is cut from it, and the rows are the same either way."""
    import duckdb

    from queries import supervision_rows
    from queries.supervision_rows import _worker_month_rows, data_date

    cache.clear()
    connection = duckdb.connect(str(demo_db), read_only=True)
    try:
        every_month = supervision.months(connection)
        as_of = data_date(connection)
        assert len(every_month) >= 8
        whole = {"month_from": every_month[0], "month_to": every_month[-1], "as_of": as_of}
        one_month = {"month_from": every_month[3], "month_to": every_month[3], "as_of": as_of}
        columns = ["month", "worker_key"]

        def rows(table):
            return table.to_pandas().sort_values(columns).reset_index(drop=True)

        alone = rows(_worker_month_rows(connection, **one_month))
        assert len(alone) > 0
        assert not supervision_rows._every_worker_month.is_kept(connection, **whole)
        assert supervision_rows._period_worker_months.is_kept(
            connection, month_from=every_month[3], month_to=every_month[3], as_of=as_of
        )
        # Half the months is no small part: worked out with every month, then kept.
        half = {"month_from": every_month[0], "month_to": every_month[len(every_month) // 2]}
        _worker_month_rows(connection, **half, as_of=as_of)
        assert supervision_rows._every_worker_month.is_kept(connection, **whole)
        assert rows(_worker_month_rows(connection, **one_month)).equals(alone)

        cache.clear()
        supervision.prepare_supervision_months(connection)
        assert supervision_rows._every_worker_month.is_kept(connection, **whole)
        assert rows(_worker_month_rows(connection, **one_month)).equals(alone)
    finally:
        connection.close()
        cache.clear()


def slow_figure(calls: list[str], started: threading.Event, release: threading.Event):
    """A memoised figure that says when it starts and waits to be let finish."""

    @cache.memoised
    def figure(con, *, wave: int) -> pd.DataFrame:
        calls.append(threading.current_thread().name)
        started.set()
        if not release.wait(timeout=10):
            raise TimeoutError("never let finish")
        if wave < 0:
            raise ValueError("no such wave")
        return pd.DataFrame({"wave": [wave]})

    return figure


def test_a_figure_being_worked_out_is_waited_for_not_worked_out_again(organisation):
    # A page's run after its wave's first decision asked for the very figures the thread
    # beside the decision was working out, and worked each out a second time beside it.
    calls: list[str] = []
    started, release = threading.Event(), threading.Event()
    figure = slow_figure(calls, started, release)
    answers: dict[str, pd.DataFrame] = {}

    def ask(name: str) -> None:
        answers[name] = figure(organisation.cursor(), wave=1)

    first = threading.Thread(target=ask, args=("first",), name="first")
    second = threading.Thread(target=ask, args=("second",), name="second")
    first.start()
    assert started.wait(timeout=10)
    second.start()
    second.join(timeout=0.3)
    assert second.is_alive()  # waiting for the first, not working it out
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert calls == ["first"]
    assert answers["first"].equals(answers["second"])
    assert answers["first"] is not answers["second"]  # each its own copy


def test_a_figure_that_failed_where_it_was_worked_out_is_worked_out_by_the_waiter(organisation):
    calls: list[str] = []
    started, release = threading.Event(), threading.Event()
    figure = slow_figure(calls, started, release)
    failures: list[Exception] = []

    def ask() -> None:
        try:
            figure(organisation.cursor(), wave=-1)
        except ValueError as error:
            failures.append(error)

    first = threading.Thread(target=ask, name="first")
    second = threading.Thread(target=ask, name="second")
    first.start()
    assert started.wait(timeout=10)
    second.start()
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    # Nothing kept from a failure: the second worked it out itself and met the same error.
    assert calls == ["first", "second"]
    assert len(failures) == 2


def test_a_figure_asked_for_again_within_its_own_working_out_does_not_wait_for_itself(
    organisation,
):
    depth: list[int] = []

    @cache.memoised
    def nested(con, *, wave: int) -> int:
        depth.append(wave)
        if len(depth) == 1:
            return nested(con, wave=wave) + 1
        return 1

    answered: list[int] = []
    thread = threading.Thread(target=lambda: answered.append(nested(organisation, wave=1)))
    thread.start()
    thread.join(timeout=10)
    assert answered == [2]
