"""Action plans: the role rules, the audit, and the before-and-after against the organisation."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from support import load_survey, survey_csv

from wellbeing import privacy
from wellbeing.access import action_plans, audit_log
from wellbeing.core import roles, stats
from wellbeing.present import action_outcomes as action_views

LEADER = roles.User(name="Leo", role=roles.LEADER, username="leo")
HR = roles.User(name="Hana", role=roles.HR_ADMIN, username="hana")
FOSTERING_MANAGER = roles.User(
    name="Tess", role=roles.TEAM_MANAGER, teams=("Fostering",), username="tess"
)
START = dt.date(2026, 1, 5)
REVIEW = dt.date(2026, 6, 30)


@pytest.fixture
def teams_con(con):
    """A store that knows three teams in two services (from one small survey)."""
    rows = [
        {"team": team, "service": service, "STR1": 3, "SUP1": 4}
        for team, service in [
            ("Fostering", "Children's services"),
            ("Youth Justice", "Children's services"),
            ("Hospital Discharge", "Adult services"),
        ]
        for _ in range(6)
    ]
    load_survey(con, survey_csv(rows))
    return con


def record(con, user, *, scope="team", unit="Fostering", what="Reflective group", **changes):
    fields = {
        "scope": scope,
        "unit": unit,
        "what": what,
        "measure": "stress",
        "owner": "Head of service",
        "started_on": START,
        "review_on": REVIEW,
        "status": "planned",
    } | changes
    return action_plans.create_action(con, user=user, **fields)


def test_hr_and_leaders_record_actions_and_each_is_audited(teams_con):
    first = record(teams_con, LEADER)
    second = record(teams_con, HR, scope="organisation", unit=None, what="Stress training")
    third = record(teams_con, LEADER, scope="service", unit="Adult services")
    assert [first, second, third] == [1, 2, 3]
    log = audit_log.events(teams_con, action=audit_log.ACTION_PLAN)
    assert sorted(log["detail"]) == [
        "Created action #1 for team Fostering on stress, status planned",
        "Created action #2 for the organisation on stress, status planned",
        "Created action #3 for service Adult services on stress, status planned",
    ]
    assert set(log["username"]) == {"leo", "hana"}


def test_a_team_manager_cannot_record_an_action(teams_con):
    with pytest.raises(action_plans.NotAllowed):
        record(teams_con, FOSTERING_MANAGER)
    assert audit_log.events(teams_con, action=audit_log.ACTION_PLAN).empty


def test_a_team_manager_sees_their_teams_and_the_organisation_s_actions_only(teams_con):
    record(teams_con, LEADER, unit="Fostering", what="Mine")
    record(teams_con, LEADER, unit="Youth Justice", what="Another team's")
    record(teams_con, LEADER, scope="service", unit="Children's services", what="A service's")
    record(teams_con, LEADER, scope="organisation", unit=None, what="Everyone's")
    seen = action_plans.visible_actions(teams_con, user=FOSTERING_MANAGER)
    assert sorted(seen["what"]) == ["Everyone's", "Mine"]
    assert len(action_plans.visible_actions(teams_con, user=LEADER)) == 4


def test_a_team_manager_updates_their_own_team_s_action_and_it_is_audited(teams_con):
    action_id = record(teams_con, LEADER)
    action_plans.update_action(
        teams_con,
        user=FOSTERING_MANAGER,
        action_id=action_id,
        scope="team",
        unit="Fostering",
        what="Reflective group",
        measure="stress",
        owner="Tess",
        started_on=START,
        review_on=REVIEW,
        status="in progress",
    )
    seen = action_plans.visible_actions(teams_con, user=FOSTERING_MANAGER)
    assert seen[["owner", "status"]].values.tolist() == [["Tess", "in progress"]]
    details = audit_log.events(teams_con, action=audit_log.ACTION_PLAN)["detail"].tolist()
    assert "Changed action #1 for team Fostering: owner, status" in details


@pytest.mark.parametrize(
    ("scope", "unit", "moved_to", "problem"),
    [
        pytest.param("team", "Youth Justice", "Youth Justice", action_plans.ActionProblem,
                     id="another-team-s-action-does-not-exist-for-them"),
        pytest.param("organisation", None, None, action_plans.NotAllowed,
                     id="the-organisation-s-action-is-read-only"),
        pytest.param("team", "Fostering", "Youth Justice", action_plans.NotAllowed,
                     id="cannot-move-their-action-to-another-team"),
    ],
)  # fmt: skip
def test_a_team_manager_changes_nothing_outside_their_teams(
    teams_con, scope, unit, moved_to, problem
):
    action_id = record(teams_con, LEADER, scope=scope, unit=unit)
    with pytest.raises(problem):
        action_plans.update_action(
            teams_con,
            user=FOSTERING_MANAGER,
            action_id=action_id,
            scope=scope,
            unit=moved_to,
            what="Changed",
            measure="stress",
            owner="Tess",
            started_on=START,
            review_on=REVIEW,
            status="done",
        )
    stored = action_plans.visible_actions(teams_con, user=LEADER)
    assert stored["what"].tolist() == ["Reflective group"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"what": "  "}, "Say what will be done", id="no-what"),
        pytest.param({"unit": "No such team"}, "Choose the team", id="unknown-team"),
        pytest.param({"measure": "happiness"}, "Choose the measure", id="unknown-measure"),
        pytest.param({"owner": ""}, "Name who owns", id="no-owner"),
        pytest.param({"review_on": dt.date(2025, 1, 1)}, "cannot be before", id="review-early"),
        pytest.param({"started_on": None}, "Give the start date", id="no-start"),
        pytest.param({"status": "forgotten"}, "Choose a status", id="unknown-status"),
    ],
)
def test_an_action_that_cannot_be_saved_says_what_to_fix(teams_con, changes, message):
    with pytest.raises(action_plans.ActionProblem, match=message):
        record(teams_con, LEADER, **changes)


def test_the_difference_and_its_interval_match_a_hand_computed_example():
    # Team 3.5 -> 3.0 (sd 1.0, n 10 each); organisation 3.3 -> 3.2 (sd 0.8, n 100 each).
    # difference = (3.0 - 3.5) - (3.2 - 3.3) = -0.4
    # variance = 1/10 + 1/10 + 0.64/100 + 0.64/100 = 0.2128, se = 0.46130
    # Welch-Satterthwaite df = 0.2128^2 / (2 * 0.1^2/9 + 2 * 0.0064^2/99) = 20.3702
    # t(0.975, 20.3702) = 2.0835, half-width = 2.0835 * 0.46130 = 0.9611
    difference, low, high = stats.difference_interval(
        [(1, 3.0, 1.0, 10), (-1, 3.5, 1.0, 10), (-1, 3.2, 0.8, 100), (1, 3.3, 0.8, 100)]
    )
    assert difference == pytest.approx(-0.4)
    assert low == pytest.approx(-0.4 - 0.9611, abs=5e-4)
    assert high == pytest.approx(-0.4 + 0.9611, abs=5e-4)
    assert stats.change_verdict(low, high, higher_is_better=False) == stats.COULD_BE_CHANCE


@pytest.mark.parametrize(
    ("low", "high", "higher_is_better", "verdict"),
    [
        pytest.param(-0.9, -0.1, False, "better", id="stress-fell"),
        pytest.param(-0.9, -0.1, True, "worse", id="support-fell"),
        pytest.param(0.1, 0.9, True, "better", id="support-rose"),
        pytest.param(-0.1, 0.9, True, stats.COULD_BE_CHANCE, id="crosses-zero"),
    ],
)
def test_a_change_is_called_only_when_its_interval_excludes_zero(
    low, high, higher_is_better, verdict
):
    assert stats.change_verdict(low, high, higher_is_better=higher_is_better) == verdict


def wave_rows(values: list[tuple[float | None, float, int]], **extra) -> pd.DataFrame:
    """Gated-looking rows for waves 1-3 (opened Oct 2025, Apr 2026, Oct 2026)."""
    return pd.DataFrame(
        {
            "wave_id": [1, 2, 3],
            "wave": ["Autumn 2025", "Spring 2026", "Autumn 2026"],
            "wave_opened_on": pd.to_datetime(["2025-10-01", "2026-04-01", "2026-10-01"]),
            "mean_score": [v[0] for v in values],
            "sd": [v[1] for v in values],
            "respondents": [v[2] for v in values],
            "status": [privacy.SHOWN if v[0] is not None else privacy.BELOW_K for v in values],
            **extra,
        }
    )


ACTION = {"id": 7, "scope": "team", "unit": "Fostering", "measure": "stress", "what": "Group"}


def test_before_and_after_takes_the_waves_either_side_of_the_start_and_the_organisation_s_change():
    team = wave_rows([(3.5, 1.0, 10), (3.0, 1.0, 10), (2.0, 1.0, 10)])
    organisation = wave_rows([(3.3, 0.8, 100), (3.2, 0.8, 100), (3.2, 0.8, 100)])
    result = action_views.before_after(ACTION | {"started_on": START}, team, organisation)
    assert (result.wave_before, result.wave_after) == ("Autumn 2025", "Spring 2026")
    assert (result.before, result.after) == (3.5, 3.0)
    assert result.difference == pytest.approx(-0.4)
    assert result.high == pytest.approx(0.5611, abs=5e-4)
    assert result.verdict == stats.COULD_BE_CHANCE
    assert action_views.reading(ACTION, result) == (
        "Stress changed by -0.50 from Autumn 2025 to Spring 2026, -0.40 against the "
        "organisation's change of -0.10 (95% interval -1.36 to +0.56): this could be chance."
    )
    later = action_views.before_after(
        ACTION | {"started_on": dt.date(2026, 5, 1)}, team, organisation
    )
    # Spring 2026 -> Autumn 2026: team -1.0, organisation 0, se = sqrt(0.2128) as above.
    assert later.difference == pytest.approx(-1.0)
    assert later.high < 0
    assert later.verdict == "better"


def test_before_and_after_gives_no_figure_when_a_wave_is_hidden_or_not_yet_come():
    team = wave_rows([(3.5, 1.0, 10), (None, 1.0, 10), (2.0, 1.0, 10)])
    organisation = wave_rows([(3.3, 0.8, 100), (3.2, 0.8, 100), (3.2, 0.8, 100)])
    hidden = action_views.before_after(ACTION | {"started_on": START}, team, organisation)
    assert hidden.difference is None and hidden.after is None
    assert "hidden to protect small groups" in hidden.note
    future = action_views.before_after(
        ACTION | {"started_on": dt.date(2027, 1, 1)}, team, organisation
    )
    assert future.difference is None and future.note == action_views.NOT_YET


def test_an_organisation_wide_action_is_its_own_change_with_its_interval():
    organisation = wave_rows([(3.3, 0.8, 100), (3.0, 0.8, 100), (3.2, 0.8, 100)])
    action = ACTION | {"scope": "organisation", "unit": None, "started_on": START}
    result = action_views.before_after(action, organisation, organisation)
    # -0.3 with se sqrt(2 * 0.0064) = 0.11314 on 198 df: t = 1.9720, half-width 0.2231
    assert result.difference == pytest.approx(-0.3)
    assert result.high == pytest.approx(-0.3 + 0.2231, abs=5e-4)
    assert result.verdict == "better"


def test_markers_sit_above_the_first_wave_after_each_action_started():
    waves = wave_rows([(3.3, 0.8, 100)] * 3)
    plans = pd.DataFrame(
        [
            ACTION | {"id": 1, "started_on": START},
            ACTION | {"id": 2, "started_on": dt.date(2026, 10, 1)},
            ACTION | {"id": 3, "started_on": dt.date(2027, 3, 1)},
        ]
    )
    marks = action_views.markers(plans, waves)
    assert marks[["wave", "label"]].values.tolist() == [
        ["Spring 2026", "A1"],
        ["Autumn 2026", "A2"],
    ]


def test_removing_the_sample_data_removes_its_actions_and_keeps_hr_s_own(demo_db, tmp_path):
    import shutil

    from queries import actions as action_queries
    from wellbeing import store
    from wellbeing.ingest import demo

    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    con = store.connect(path)
    try:
        assert len(action_queries.actions(con)) == len(demo.SAMPLE_ACTIONS) == 2
        record(con, HR, scope="organisation", unit=None, what="Our own action")
        demo.remove(con)
        assert action_queries.actions(con)["what"].tolist() == ["Our own action"]
    finally:
        con.close()
