"""The Standard 5 cadence, worked by hand, through the import path and the SQL that applies it.

Dates are chosen so the arithmetic can be checked on a calendar:
ASYE cohort A starts Monday 7 September 2026, cohort B Monday 1 September 2025.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from queries import supervision as queries
from tests.supervision_fixtures import (
    Session,
    Worker,
    key,
    load_sessions,
    load_staff,
    reference_worker_month,
    verdict,
)
from wellbeing.core import cadence, roles
from wellbeing.privacy import LOWEST_ALLOWED_MIN_GROUP_SIZE, Rules

D = dt.date
A = D(2026, 9, 7)
B = D(2025, 9, 1)
NEWLY_QUALIFIED = "Newly qualified (ASYE)"
# The smallest minimum group size allowed, so that three-person fixtures are shown.
SMALLEST_K = Rules(min_group_size=LOWEST_ALLOWED_MIN_GROUP_SIZE)


def test_the_rule_constants_are_the_standard():
    assert cadence.MIN_SESSION_MINUTES == 90
    assert (cadence.WEEKLY_WINDOW_DAYS, cadence.WEEKLY_WINDOWS) == (7, 6)
    assert (cadence.FORTNIGHTLY_WINDOW_DAYS, cadence.FORTNIGHTLY_UNTIL_MONTHS) == (14, 6)
    assert cadence.OVERDUE_AFTER_DAYS == 31


def test_newly_qualified_worker_in_week_3_owes_one_session_per_finished_week(con):
    # Data date Friday 25 Sep 2026 is in week 3 (21-27 Sep) of an ASYE started 7 Sep.
    # Weeks 7-13 and 14-20 Sep have ended: 2 windows required; week 3 is not over yet.
    # 8 Sep lasted 95 min (counts); 15 Sep lasted 60 min (held, too short).
    as_of = D(2026, 9, 25)
    load_staff(con, [Worker("NQ1", stage=NEWLY_QUALIFIED, asye=A, start=A)], data_date=as_of)
    load_sessions(
        con,
        [Session("NQ1", D(2026, 9, 8), 95), Session("NQ1", D(2026, 9, 15), 60)],
        data_date=as_of,
    )
    result = verdict(con, "NQ1", D(2026, 9, 1), as_of=as_of)
    assert result["newly_qualified"] is True
    assert (result["required"], result["met"], result["met_any_duration"]) == (2, 1, 2)


def test_newly_qualified_worker_missing_week_3_is_not_compliant_in_september(con):
    # Weekly windows starting in September: 7, 14, 21, 28 Sep = 4 required.
    # Sessions in weeks 1, 2 and 4 (8, 15, 29 Sep); none in 21-27 Sep: 3 of 4 met.
    as_of = D(2026, 12, 31)
    load_staff(con, [Worker("NQ1", stage=NEWLY_QUALIFIED, asye=A, start=A)], data_date=as_of)
    load_sessions(
        con,
        [Session("NQ1", day, 90) for day in (D(2026, 9, 8), D(2026, 9, 15), D(2026, 9, 29))],
        data_date=as_of,
    )
    result = verdict(con, "NQ1", D(2026, 9, 1), as_of=as_of)
    assert (result["required"], result["met"]) == (4, 3)
    assert result["met"] < result["required"]  # so not compliant in September


def test_newly_qualified_worker_in_week_10_needs_a_session_every_fortnight(con):
    # Week 10 of an ASYE from 7 Sep is 9-15 Nov: the fortnightly phase (from 19 Oct).
    # Fortnights starting in November: 2-15 Nov, 16-29 Nov, 30 Nov-13 Dec = 3 required.
    # Sessions 10 Nov (week 10), 24 Nov and 8 Dec meet all three: the window that
    # starts on 30 Nov is met in December, and belongs to November.
    as_of = D(2026, 12, 31)
    load_staff(con, [Worker("NQ1", stage=NEWLY_QUALIFIED, asye=A, start=A)], data_date=as_of)
    load_sessions(
        con,
        [Session("NQ1", day, 100) for day in (D(2026, 11, 10), D(2026, 11, 24), D(2026, 12, 8))],
        data_date=as_of,
    )
    result = verdict(con, "NQ1", D(2026, 11, 1), as_of=as_of)
    assert (result["required"], result["met"], result["sessions_held"]) == (3, 3, 2)


def test_newly_qualified_worker_in_month_8_is_supervised_monthly(con):
    # ASYE from 1 Sep 2025: 6 months on is 1 Mar 2026, so monthly from March.
    # April 2026 is month 8: one window, met by one 90-minute session on 20 April.
    as_of = D(2026, 10, 31)
    load_staff(con, [Worker("NQ2", stage=NEWLY_QUALIFIED, asye=B, start=B)], data_date=as_of)
    load_sessions(con, [Session("NQ2", D(2026, 4, 20), 90)], data_date=as_of)
    result = verdict(con, "NQ2", D(2026, 4, 1), as_of=as_of)
    assert result["newly_qualified"] is True  # still in the ASYE year (to 31 Aug 2026)
    assert (result["required"], result["met"]) == (1, 1)
    september = verdict(con, "NQ2", D(2026, 9, 1), as_of=as_of)
    assert september["newly_qualified"] is False


def test_the_last_fortnight_runs_on_so_no_month_is_left_without_a_requirement(con):
    # ASYE from 1 Sep 2025: fortnights from 13 Oct; whole fortnights up to 1 Mar 2026
    # are 139 // 14 = 9, the last from 2 Feb running to 28 Feb (27 days).
    # February: fortnights starting 2 Feb only (the one from 16 Feb is folded in) = 1.
    # March: the first monthly window = 1.
    as_of = D(2026, 10, 31)
    load_staff(con, [Worker("NQ2", stage=NEWLY_QUALIFIED, asye=B, start=B)], data_date=as_of)
    load_sessions(con, [Session("NQ2", D(2026, 2, 25), 90)], data_date=as_of)
    february = verdict(con, "NQ2", D(2026, 2, 1), as_of=as_of)
    march = verdict(con, "NQ2", D(2026, 3, 1), as_of=as_of)
    assert (february["required"], february["met"]) == (1, 1)
    assert (march["required"], march["met"]) == (1, 0)


def test_experienced_worker_with_a_40_day_gap_misses_a_month_and_is_overdue(con):
    # Sessions 5 Jan and 14 Feb 2026 (40 days apart), none since.
    # January met, February met; March had none: not compliant in March.
    # As of 20 Mar: 34 days since 14 Feb > 31, so overdue by 3 days.
    as_of = D(2026, 3, 31)
    load_staff(con, [Worker("EX1")], data_date=as_of)
    load_sessions(
        con, [Session("EX1", D(2026, 1, 5)), Session("EX1", D(2026, 2, 14))], data_date=as_of
    )
    assert verdict(con, "EX1", D(2026, 1, 1), as_of=as_of)["met"] == 1
    assert verdict(con, "EX1", D(2026, 2, 1), as_of=as_of)["met"] == 1
    assert verdict(con, "EX1", D(2026, 3, 1), as_of=as_of)["met"] == 0
    overdue = queries.overdue_workers(con, role=roles.HR_ADMIN, as_of=D(2026, 3, 20))
    assert overdue["worker_key"].tolist() == [key(con, "EX1")]
    assert overdue.iloc[0]["days_since_last_session"] == 34
    assert overdue.iloc[0]["days_overdue"] == 3


def test_a_40_day_gap_across_a_month_boundary_can_still_meet_every_month(con):
    # 2 Jan and 11 Feb are 40 days apart, yet each calendar month has a session:
    # monthly compliance and "overdue" measure different things.
    as_of = D(2026, 2, 28)
    load_staff(con, [Worker("EX1")], data_date=as_of)
    load_sessions(
        con, [Session("EX1", D(2026, 1, 2)), Session("EX1", D(2026, 2, 11))], data_date=as_of
    )
    assert verdict(con, "EX1", D(2026, 1, 1), as_of=as_of)["met"] == 1
    assert verdict(con, "EX1", D(2026, 2, 1), as_of=as_of)["met"] == 1
    overdue = queries.overdue_workers(con, role=roles.HR_ADMIN, as_of=D(2026, 2, 10))
    assert overdue.iloc[0]["days_overdue"] == 39 - 31  # 2 Jan to 10 Feb is 39 days


@pytest.mark.parametrize(
    ("status", "met_any"),
    [
        pytest.param("Held", 1, id="held-counts"),
        pytest.param("Cancelled", 0, id="cancelled-does-not-count"),
        pytest.param("Did not attend", 0, id="did-not-attend-does-not-count"),
        pytest.param("Rescheduled", 0, id="rescheduled-does-not-count"),
        pytest.param("Completed", 1, id="completed-counts-as-held"),
    ],
)
def test_only_held_sessions_count(con, status, met_any):
    as_of = D(2026, 3, 31)
    load_staff(con, [Worker("EX1")], data_date=as_of)
    load_sessions(con, [Session("EX1", D(2026, 3, 10), 120, status=status)], data_date=as_of)
    result = verdict(con, "EX1", D(2026, 3, 1), as_of=as_of)
    assert (result["required"], result["met_any_duration"], result["met"]) == (1, met_any, met_any)


@pytest.mark.parametrize(
    ("minutes", "met", "met_any"),
    [
        pytest.param(90, 1, 1, id="90-minutes-counts"),
        pytest.param(89, 0, 1, id="89-minutes-counts-only-without-the-duration-rule"),
        pytest.param(None, 1, 1, id="missing-duration-is-unknown-not-zero"),
        pytest.param(0, 0, 1, id="zero-minutes-is-too-short"),
    ],
)
def test_duration_rule_applies_only_when_a_duration_is_known(con, minutes, met, met_any):
    as_of = D(2026, 3, 31)
    load_staff(con, [Worker("EX1")], data_date=as_of)
    load_sessions(con, [Session("EX1", D(2026, 3, 10), minutes)], data_date=as_of)
    result = verdict(con, "EX1", D(2026, 3, 1), as_of=as_of)
    assert (result["met"], result["met_any_duration"]) == (met, met_any)


def test_a_worker_who_joined_mid_month_owes_nothing_for_that_month(con):
    # Started 16 March: in post in March, but March was not theirs to meet; April is.
    # Three colleagues (the gate's smallest k) each had a session in March.
    as_of = D(2026, 4, 30)
    colleagues = [f"OLD{n}" for n in range(3)]
    load_staff(
        con,
        [Worker("NEW", start=D(2026, 3, 16))] + [Worker(c) for c in colleagues],
        data_date=as_of,
    )
    load_sessions(con, [Session(c, D(2026, 3, 5)) for c in colleagues], data_date=as_of)
    assert verdict(con, "NEW", D(2026, 2, 1), as_of=as_of) is None  # not yet in post
    assert verdict(con, "NEW", D(2026, 3, 1), as_of=as_of)["required"] == 0
    assert verdict(con, "NEW", D(2026, 4, 1), as_of=as_of)["required"] == 1
    march = queries.compliance_for_organisation(
        con, month=D(2026, 3, 1), as_of=as_of, rules=SMALLEST_K
    ).iloc[0]
    # Four in post; only the three colleagues were due, and all met it: 3 of 3.
    assert (march["staff_in_post"], march["staff_due"], march["compliance"]) == (4, 3, 1.0)


def test_a_worker_who_left_is_counted_until_they_go(con):
    # Left 10 March: February due (not met), March in post but not due, April gone.
    as_of = D(2026, 4, 30)
    load_staff(con, [Worker("GONE", leaving=D(2026, 3, 10))], data_date=as_of)
    load_sessions(con, [Session("GONE", D(2026, 1, 20))], data_date=as_of)
    assert verdict(con, "GONE", D(2026, 2, 1), as_of=as_of)["required"] == 1
    assert verdict(con, "GONE", D(2026, 2, 1), as_of=as_of)["met"] == 0
    assert verdict(con, "GONE", D(2026, 3, 1), as_of=as_of)["required"] == 0
    assert verdict(con, "GONE", D(2026, 4, 1), as_of=as_of) is None
    assert queries.overdue_workers(con, role=roles.HR_ADMIN, as_of=as_of).empty


def test_students_and_unqualified_staff_are_left_out_of_compliance(con):
    # Three social workers (one supervised in March) plus a student and an assistant:
    # 3 in post for the standard, 3 due, 1 compliant.
    as_of = D(2026, 3, 31)
    load_staff(
        con,
        [
            Worker("EX1"),
            Worker("EX2"),
            Worker("EX3"),
            Worker("STU", stage="Student social worker", role="Student"),
            Worker("SWA", stage="Not a qualified social worker", role="Social work assistant"),
        ],
        data_date=as_of,
    )
    load_sessions(con, [Session("EX1", D(2026, 3, 3))], data_date=as_of)
    march = queries.compliance_for_organisation(
        con, month=D(2026, 3, 1), as_of=as_of, rules=SMALLEST_K
    ).iloc[0]
    assert (march["staff_in_post"], march["staff_due"], march["compliant"]) == (3, 3, 1)
    assert verdict(con, "STU", D(2026, 3, 1), as_of=as_of)["excluded"] is True
    assert verdict(con, "SWA", D(2026, 3, 1), as_of=as_of)["excluded"] is True


def test_a_month_not_over_by_the_data_date_is_not_yet_due(con):
    load_staff(con, [Worker("EX1")], data_date=D(2026, 3, 20))
    load_sessions(con, [Session("EX1", D(2026, 2, 3))], data_date=D(2026, 3, 20))
    assert queries.months(con)[-1] == D(2026, 2, 1)
    assert verdict(con, "EX1", D(2026, 3, 1), as_of=D(2026, 3, 20))["required"] == 0


def test_the_sql_agrees_with_a_plain_reading_of_the_standard_on_random_workers(con):
    # 60 workers, a third newly qualified with ASYE starts on any weekday of
    # 2025-26, some joining or leaving part-way, ~1,500 sessions with random
    # status and length; every worker-month is compared with the reference.
    rng = random.Random(5)
    as_of = D(2026, 12, 31)
    first = D(2025, 6, 1)
    workers, sessions, truth = [], [], {}
    for number in range(60):
        worker_id = f"R{number:03d}"
        asye = first + dt.timedelta(days=rng.randint(0, 500)) if number % 3 == 0 else None
        start = asye or (first + dt.timedelta(days=rng.randint(-200, 400)))
        leaving = start + dt.timedelta(days=rng.randint(30, 600)) if number % 4 == 0 else None
        workers.append(
            Worker(
                worker_id,
                stage=NEWLY_QUALIFIED if asye else "2-5 years qualified",
                asye=asye,
                start=start,
                leaving=leaving,
            )
        )
        held = []
        day = max(start, first)
        while day <= min(leaving or as_of, as_of):
            minutes = rng.choice([None, 45, 89, 90, 120])
            status = rng.choice(["Held", "Held", "Held", "Cancelled", "Rescheduled"])
            sessions.append(Session(worker_id, day, minutes, status=status))
            held.append((day, minutes, status.lower()))
            day += dt.timedelta(days=rng.randint(3, 40))
        truth[worker_id] = (asye, start, leaving, held)
    load_staff(con, workers, data_date=as_of)
    load_sessions(con, sessions, data_date=as_of)

    computed = queries.worker_months(
        con, role=roles.HR_ADMIN, month_from=first, month_to=D(2026, 12, 1), as_of=as_of
    )
    by_key = {key(con, worker_id): worker_id for worker_id in truth}
    compared = 0
    for row in computed.itertuples(index=False):
        asye, start, leaving, held = truth[by_key[row.worker_key]]
        month = row.month.date() if hasattr(row.month, "date") else row.month
        expected = reference_worker_month(
            asye=asye, started=start, left=leaving, sessions=held, month=month, as_of=as_of
        )
        assert (row.required, row.met, row.met_any_duration) == expected, (
            by_key[row.worker_key],
            month,
        )
        compared += 1

    # Every in-post worker-month is there: from start (or June 2025) to leaving (or Dec 2026).
    def months_in_post(start: dt.date, leaving: dt.date | None) -> int:
        begin = max(start, first).replace(day=1)
        end = min(leaving or as_of, as_of).replace(day=1)
        return max(0, (end.year - begin.year) * 12 + end.month - begin.month + 1)

    assert compared == sum(months_in_post(s, left) for _, s, left, _ in truth.values())
    assert compared > 600
