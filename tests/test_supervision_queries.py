"""Supervision figures for the pages, on small fixtures worked by hand and on the sample data."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries import supervision as queries
from tests.supervision_fixtures import Session, Worker, key, load_sessions, load_staff
from wellbeing import privacy
from wellbeing.core import roles
from wellbeing.privacy import LOWEST_ALLOWED_MIN_GROUP_SIZE, Rules

D = dt.date
MARCH = D(2026, 3, 1)
AS_OF = D(2026, 3, 31)
K3 = Rules(min_group_size=LOWEST_ALLOWED_MIN_GROUP_SIZE)

NORTH_SESSIONS = [
    # February: the sessions before March's, for the gaps and the supervisor counts.
    Session("N1", D(2026, 2, 10), 90, "Case management supervision", supervisor="S1"),
    Session("N2", D(2026, 2, 1), 90, "Case management supervision", supervisor="S1"),
    Session("N5", D(2026, 2, 16), 90, "Reflective supervision", supervisor="S3"),
    # March.
    Session("N1", D(2026, 3, 10), 95, "Reflective supervision", supervisor="S1"),
    Session("N2", D(2026, 3, 11), 60, "Case management supervision", supervisor="S1"),
    Session("N3", D(2026, 3, 12), None, "Case management supervision", supervisor="S1"),
    Session("N4", D(2026, 3, 13), 90, "Reflective supervision", "Cancelled", supervisor="S1"),
    Session("N4", D(2026, 3, 20), 75, "Case management supervision", "Rescheduled",
            supervisor="S1"),
    Session("N5", D(2026, 3, 16), 120, "Group supervision", supervisor="S2"),
]  # fmt: skip
SOUTH_SESSIONS = [
    Session(f"SO{n}", D(2026, 3, 2 + n), 90, team="South", supervisor="T1") for n in range(5)
]


def north_and_south(con: duckdb.DuckDBPyConnection, *, tiny: bool = False) -> None:
    workers = [Worker(f"N{n}") for n in range(1, 6)]
    workers += [Worker(f"SO{n}", team="South") for n in range(5)]
    sessions = NORTH_SESSIONS + SOUTH_SESSIONS
    if tiny:
        workers += [Worker("TI1", team="Tiny"), Worker("TI2", team="Tiny")]
        sessions = sessions + [Session("TI1", D(2026, 3, 4), 90, team="Tiny")]
    load_staff(con, workers, data_date=AS_OF)
    load_sessions(con, sessions, data_date=AS_OF)


def by_team(frame):
    return frame.set_index("team")


def test_compliance_by_team_with_and_without_the_duration_rule(con):
    # North, March: N1 95 min (counts), N2 60 min (held, too short), N3 no duration
    # (counts), N4 cancelled and rescheduled only (nothing), N5 120 min (counts).
    # With the rule 3 of 5 = 0.6; any held session 4 of 5 = 0.8. South: 5 of 5.
    north_and_south(con)
    teams = by_team(queries.compliance_by_team(con, month=MARCH, as_of=AS_OF, rules=K3))
    north = teams.loc["North"]
    assert (north["staff_in_post"], north["staff_due"]) == (5, 5)
    assert (north["compliant"], north["compliant_any_duration"]) == (3, 4)
    assert (north["compliance"], north["compliance_any_duration"]) == (0.6, 0.8)
    assert teams.loc["South", "compliance"] == 1.0
    assert set(teams["status"]) == {privacy.SHOWN}
    organisation = queries.compliance_for_organisation(con, month=MARCH, as_of=AS_OF, rules=K3)
    # 3 + 5 of 10 staff.
    assert organisation.iloc[0][["staff_due", "compliant", "compliance"]].tolist() == [10, 8, 0.8]


def test_session_figures_by_team(con):
    # North, March: 6 records, 4 held (N1, N2, N3, N5), 1 cancelled, 1 rescheduled.
    #   cancellation rate 1/6; reflective 1 of 4 held with a type = 0.25;
    #   90+ minutes: N1 95 and N5 120 of the 3 held with a duration (95, 60, 120) = 2/3;
    #   days since the previous held session: N1 28 (10 Feb), N2 38 (1 Feb), N5 28
    #   (16 Feb), N3 none before: median 28;
    #   supervisors over Oct-Mar: N1 {S1}, N2 {S1}, N3 {S1}, N5 {S3, S2}: mean 5/4 = 1.25,
    #   one supervisor only: 3 of 4.
    north_and_south(con)
    north = by_team(queries.sessions_by_team(con, month=MARCH, as_of=AS_OF, rules=K3)).loc["North"]
    assert (north["sessions"], north["held"], north["cancelled"], north["rescheduled"]) == (
        6, 4, 1, 1,
    )  # fmt: skip
    assert north["cancellation_rate"] == pytest.approx(1 / 6)
    assert north["reflective_share"] == 0.25
    assert north["long_enough_share"] == pytest.approx(2 / 3)
    assert north["duration_recorded_share"] == 0.75
    assert north["median_days_between"] == 28
    assert north["mean_supervisors"] == 1.25
    assert north["share_one_supervisor"] == 0.75
    assert north["workers_with_reflective_share"] == 0.25  # N1 of the 4 with a held session
    organisation = queries.sessions_for_organisation(con, month=MARCH, as_of=AS_OF, rules=K3)
    # 4 + 5 held; reflective 1 + 5 of 9.
    assert organisation.iloc[0]["reflective_share"] == pytest.approx(6 / 9)


def test_overdue_staff_by_team_as_of_the_data_date(con):
    # N4 has no held session at all (in post since 2020): overdue, never supervised.
    north_and_south(con)
    teams = by_team(queries.overdue_by_team(con, rules=K3))
    assert teams.loc["North", ["staff_in_post", "overdue_staff", "never_supervised"]].tolist() == [
        5, 1, 1,
    ]  # fmt: skip
    assert teams.loc["North", "overdue_share"] == 0.2
    assert teams.loc["South", "overdue_staff"] == 0
    listed = queries.overdue_workers(con, role=roles.HR_ADMIN)
    assert listed["worker_key"].tolist() == [key(con, "N4")]
    assert listed["last_session"].isna().all()


def test_newly_qualified_and_experienced_staff_are_reported_apart(con):
    # March 2026. Three NQs with ASYE from 5 Jan 2026: fortnightly from 16 Feb, so the
    # windows starting in March are 2 and 16 Mar (the one from 30 Mar ends 12 Apr,
    # after the data date 31 Mar, so it is not yet due): 2 required each.
    # NQ1 seen 3 and 17 Mar (2 of 2), NQ2 only 3 Mar (1 of 2), NQ3 none: 1 of 3 compliant.
    # Three experienced workers, each seen once in March: 3 of 3.
    start = D(2026, 1, 5)
    stage = "Newly qualified (ASYE)"
    load_staff(
        con,
        [Worker(f"NQ{n}", stage=stage, asye=start, start=start) for n in (1, 2, 3)]
        + [Worker(f"EX{n}") for n in (1, 2, 3)],
        data_date=AS_OF,
    )
    load_sessions(
        con,
        [Session("NQ1", D(2026, 3, 3)), Session("NQ1", D(2026, 3, 17)),
         Session("NQ2", D(2026, 3, 3))]
        + [Session(f"EX{n}", D(2026, 3, 9)) for n in (1, 2, 3)],
        data_date=AS_OF,
    )  # fmt: skip
    stages = queries.compliance_by_stage(con, month_from=MARCH, as_of=AS_OF, rules=K3)
    stages = stages.set_index("stage")
    newly = stages.loc["Newly qualified (ASYE)"]
    counts = ["staff_due", "compliant", "sessions_required", "sessions_required_met"]
    assert newly[counts].tolist() == [3, 1, 6, 3]
    assert stages.loc["Experienced", "compliance"] == 1.0


def test_small_teams_are_hidden_and_a_sibling_protects_them(con):
    # Tiny has 2 staff due, below k = 3: no figures. Hidden total 2 < 3, so the
    # smallest visible team in the month is hidden too; the organisation row stays.
    north_and_south(con, tiny=True)
    teams = by_team(queries.compliance_by_team(con, month=MARCH, as_of=AS_OF, rules=K3))
    assert teams.loc["Tiny", "status"] == privacy.BELOW_K
    assert teams.loc["Tiny", ["staff_due", "compliance"]].isna().all()
    assert (teams["status"] == privacy.PROTECTS_SMALLER).sum() == 1
    organisation = queries.compliance_for_organisation(con, month=MARCH, as_of=AS_OF, rules=K3)
    assert organisation.iloc[0]["status"] == privacy.SHOWN
    assert organisation.iloc[0]["staff_due"] == 12
    for figures in (
        queries.sessions_by_team(con, month=MARCH, as_of=AS_OF, rules=K3),
        queries.overdue_by_team(con, rules=K3),
    ):
        assert by_team(figures).loc["Tiny", "status"] == privacy.BELOW_K


@pytest.mark.parametrize("role", [roles.LEADER, roles.TEAM_MANAGER], ids=["leader", "team-manager"])
def test_worker_level_rows_are_for_hr_only(con, role):
    north_and_south(con)
    with pytest.raises(PermissionError, match="HR only"):
        queries.overdue_workers(con, role=role)
    with pytest.raises(PermissionError, match="HR only"):
        queries.worker_months(con, role=role)


def test_leader_facing_figures_carry_no_worker_keys(con):
    north_and_south(con)
    keys = {key(con, f"N{n}") for n in range(1, 6)}
    for frame in (
        queries.compliance(con, rules=K3),
        queries.compliance_by_stage(con, rules=K3),
        queries.sessions(con, rules=K3),
        queries.overdue_by_team(con, rules=K3),
    ):
        assert not keys & set(frame.astype("str").to_numpy().ravel())


def test_without_a_staff_list_the_records_are_the_denominator_and_the_note_says_so(con):
    # W1, W2, W3 all seen in February; in March only W1 and W2: 2 of 3 compliant.
    load_sessions(
        con,
        [Session(f"W{n}", D(2026, 2, 2 + n)) for n in (1, 2, 3)]
        + [Session("W1", D(2026, 3, 2)), Session("W2", D(2026, 3, 3))],
        data_date=AS_OF,
    )
    assert queries.staff_source(con) == queries.RECORDS
    assert "No staff list has been uploaded" in queries.denominator_note(con)
    north = queries.compliance_by_team(con, month=MARCH, rules=K3).iloc[0]
    assert (north["team"], north["staff_due"], north["compliant"]) == ("North", 3, 2)
    load_staff(con, [Worker(f"W{n}") for n in (1, 2, 3)], data_date=AS_OF)
    assert queries.staff_source(con) == queries.STAFF_LIST
    assert "staff list in force" in queries.denominator_note(con)


def test_filters_narrow_the_figures_and_a_quoted_team_name_is_just_a_value(con):
    north_and_south(con)
    assert set(queries.compliance_by_team(con, team="South", rules=K3)["team"]) == {"South"}
    assert queries.compliance_by_team(con, team="x' or '1'='1", rules=K3).empty


def test_one_team_s_session_and_overdue_figures_are_its_own_after_all_teams_were_read(con):
    # The rows behind every team are kept after the first read; choosing North must
    # add up North's alone: the figures of test_session_figures_by_team and
    # test_overdue_staff_by_team_as_of_the_data_date, for the team and for "all
    # the teams chosen" alike, with South's 5 reflective sessions left out.
    north_and_south(con)
    everyone = queries.sessions_for_organisation(con, month=MARCH, as_of=AS_OF, rules=K3)
    assert everyone.iloc[0]["reflective_share"] == pytest.approx(6 / 9)
    queries.overdue_by_team(con, rules=K3)
    north = queries.sessions(con, month_from=MARCH, month_to=MARCH, team="North", rules=K3)
    assert north["team"].fillna("chosen").tolist() == ["chosen", "North"]
    for row in north.itertuples():
        assert (row.sessions, row.held, row.workers) == (6, 4, 5)
        assert row.reflective_share == 0.25
        assert row.median_days_between == 28
        assert (row.mean_supervisors, row.share_one_supervisor) == (1.25, 0.75)
    overdue = queries.overdue_by_team(con, team="North", rules=K3)
    assert overdue["team"].fillna("chosen").tolist() == ["chosen", "North"]
    assert overdue[["staff_in_post", "overdue_staff", "never_supervised"]].values.tolist() == [
        [5, 1, 1],
        [5, 1, 1],
    ]
    south = queries.overdue_by_team(con, service=None, team="South", rules=K3)
    assert south["overdue_staff"].tolist() == [0, 0]


def test_with_nothing_uploaded_every_figure_is_empty(con):
    assert queries.data_date(con) is None
    assert queries.months(con) == []
    for frame in (
        queries.compliance_by_team(con),
        queries.sessions_by_team(con),
        queries.overdue_by_team(con),
        queries.compliance_trend(con),
        queries.compliance_by_stage(con),
    ):
        assert frame.empty
        assert "status" in frame.columns


def test_the_trend_has_one_row_per_complete_month(con):
    north_and_south(con)
    trend = queries.compliance_trend(con, rules=K3)
    assert trend["month"].dt.date.tolist() == [D(2026, 2, 1), MARCH]
    assert queries.months(con) == [D(2026, 2, 1), MARCH]


def test_the_sample_data_shows_the_patterns_it_was_generated_with(demo_db):
    # Generated with patchy supervision in three teams (long gaps, cancellations,
    # little reflective work) and 31 October 2026 as the data date.
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        uploads = con.execute(
            "select kind, rows_rejected from uploads where kind in ('staff', 'supervision', "
            "'changes')"
        ).fetchall()
        assert sorted(uploads) == [("changes", 0), ("staff", 0), ("supervision", 0)]
        assert queries.data_date(con) == D(2026, 10, 31)
        october = queries.compliance_for_organisation(con).iloc[0]
        assert october["month"].date() == D(2026, 10, 1)
        assert 0.2 < october["compliance"] < october["compliance_any_duration"] < 0.95
        patchy = {"Front Door (MASH)", "Hospital Discharge", "Child Protection East"}
        teams = by_team(queries.compliance_by_team(con))
        assert (teams.loc[list(patchy), "compliance_any_duration"]
                < october["compliance_any_duration"]).all()  # fmt: skip
        sessions = by_team(queries.sessions_by_team(con))
        assert sessions.loc[list(patchy), "reflective_share"].max() < 0.25
        assert queries.sessions_for_organisation(con).iloc[0]["reflective_share"] > 0.35
        overdue = by_team(queries.overdue_by_team(con))
        organisation_share = overdue.loc[overdue.index.isna(), "overdue_share"].iloc[0]
        assert (overdue.loc[list(patchy), "overdue_share"] > organisation_share).all()
    finally:
        con.close()
