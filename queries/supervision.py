"""Supervision figures for the pages: compliance with LGA Standard 5, sessions, overdue staff.

Periods are calendar months, named by their first day (``dt.date(2026, 9, 1)``).
Every function defaults to the latest complete month as of the data date (the
latest data date of the active supervision uploads).

Figures for leaders pass the confidentiality engine on the workers behind
them: records are not survey answers, but a team of two would still single
people out. Each period's teams, services, the organisation and (for
compliance) each by career stage are decided together, so that no figure
less another (all the teams less one service, say) describes fewer than k
workers, whichever filters were used. Rows are per team plus one row
(``team`` and ``service`` null) for all the teams chosen. Worker-level rows
(salted hash, team, last session, days overdue) are for HR only: those
functions take the user's role and refuse anyone else.

Example:
    >>> teams = compliance_by_team(con)                  # latest complete month
    >>> teams[["team", "staff_due", "compliance", "compliance_any_duration", "status"]]
"""

from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pandas as pd

from queries import settings, survey
from queries.cache import memoised
from queries.supervision_detail import overdue_workers, worker_months
from queries.supervision_gate import (
    _DECISIONS,
    EXPERIENCED,
    NEWLY_QUALIFIED,
    STAGED,
    UNITS,
    _gate,
    _gate_compliance,
    _staff_decision,
)
from queries.supervision_rows import (
    RECORDS,
    STAFF_LIST,
    _empty,
    _from_worker_months,
    _overdue_params,
    _overdue_worker_rows,
    _params,
    _run_on,
    _session_rows,
    _worker_month_rows,
    data_date,
    denominator_note,
    every_worker_month,
    latest_complete_month,
    months,
    staff_source,
    supervision_month,
)
from wellbeing import privacy
from wellbeing.core import cadence

# Its interface, with the names moved by job into the modules above, still
# importable from here, where other modules import them.
__all__ = [
    "_DECISIONS",  # the tests' fixtures keep a template's decisions
    "_overdue_worker_rows",  # the attack tests read the raw rows
    "_session_rows",
    "_worker_month_rows",
    "COMPLIANCE_VALUES",
    "EXPERIENCED",
    "NEWLY_QUALIFIED",
    "OVERDUE_VALUES",
    "RECORDS",
    "SESSION_VALUES",
    "STAFF_LIST",
    "STAGED",
    "STAGE_VALUES",
    "UNITS",
    "compliance",
    "compliance_by_stage",
    "compliance_by_team",
    "compliance_for_organisation",
    "compliance_trend",
    "data_date",
    "denominator_note",
    "latest_complete_month",
    "months",
    "overdue_by_team",
    "overdue_workers",
    "prepare_supervision_months",
    "sessions",
    "sessions_by_team",
    "sessions_for_organisation",
    "staff_source",
    "supervision_month",
    "worker_months",
]

COMPLIANCE_VALUES = [
    "staff_in_post",
    "compliant",
    "compliant_any_duration",
    "compliance",
    "compliance_any_duration",
]
SESSION_VALUES = [
    "sessions",
    "held",
    "cancelled",
    "rescheduled",
    "cancellation_rate",
    "rescheduled_rate",
    "reflective_share",
    "workers_with_reflective_share",
    "long_enough_share",
    "duration_recorded_share",
    "median_days_between",
    "mean_supervisors",
    "share_one_supervisor",
]
OVERDUE_VALUES = ["overdue_staff", "overdue_share", "never_supervised"]
STAGE_VALUES = [
    "staff_in_post",
    "compliant",
    "compliant_any_duration",
    "sessions_required",
    "sessions_required_met",
    "compliance",
    "compliance_any_duration",
]


@memoised
def compliance(
    con: duckdb.DuckDBPyConnection,
    *,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Compliance per team and month, plus an organisation row per month; gated.

    One row per (month, service, team) and per month with ``team`` and
    ``service`` null (all the teams chosen). Columns: ``staff_in_post``,
    ``staff_due`` (in post with at least one session due: the denominator),
    ``compliant`` and ``compliance`` (every due window met by a held session of
    ``cadence.LONG_ENOUGH`` or unknown length), ``compliant_any_duration`` and
    ``compliance_any_duration`` (any held session), ``newly_qualified_in_post``,
    and ``status`` from the gate (figures null unless ``shown``). Defaults to
    the latest complete month.
    """
    params = _params(con, month_from=month_from, month_to=month_to, as_of=as_of)
    columns = ["month", "service", "team", "staff_due", *COMPLIANCE_VALUES, "status"]
    if params is None:
        return _empty(columns)
    raw = _from_worker_months(con, "supervision_compliance", params, service=service, team=team)
    return _gate_compliance(
        con,
        raw,
        params,
        value_columns=COMPLIANCE_VALUES,
        service=service,
        team=team,
        rules=rules or settings.rules(con),
    )


def compliance_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    month: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Compliance per team for one month (default: the latest complete month); gated.

    Columns as :func:`compliance`, team rows only.
    """
    frame = compliance(
        con, month_from=month, month_to=month, service=service, team=team, as_of=as_of, rules=rules
    )
    return frame[frame["team"].notna()].reset_index(drop=True)


def compliance_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    month: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """One row: compliance of all the teams chosen for one month; gated like a team."""
    frame = compliance(
        con, month_from=month, month_to=month, service=service, team=team, as_of=as_of, rules=rules
    )
    return frame[frame["team"].isna()].reset_index(drop=True)


@memoised
def compliance_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Compliance month by month for all the teams chosen (one row per month); gated.

    Defaults to every complete month with records. Columns as :func:`compliance`.
    """
    if month_from is None:
        available = months(con)
        month_from = available[0] if available else None
    frame = compliance(
        con,
        month_from=month_from,
        month_to=month_to,
        service=service,
        team=team,
        as_of=as_of,
        rules=rules,
    )
    return frame[frame["team"].isna()].reset_index(drop=True)


@memoised
def compliance_by_stage(
    con: duckdb.DuckDBPyConnection,
    *,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Compliance of newly qualified social workers (ASYE year) against everyone else; gated.

    One row per month and ``stage`` ("Newly qualified (ASYE)" or "Experienced"),
    with ``sessions_required`` and ``sessions_required_met`` (windows, so weekly
    and fortnightly ASYE sessions count one by one) besides the columns of
    :func:`compliance`.
    """
    params = _params(con, month_from=month_from, month_to=month_to, as_of=as_of)
    columns = ["month", "stage", "staff_due", *STAGE_VALUES, "status"]
    if params is None:
        return _empty(columns)
    raw = _from_worker_months(
        con, "supervision_compliance_by_stage", params, service=service, team=team
    )
    return _gate_compliance(
        con,
        raw,
        params,
        value_columns=STAGE_VALUES,
        service=service,
        team=team,
        rules=rules or settings.rules(con),
        stage_column="stage",
    )


@memoised
def sessions(
    con: duckdb.DuckDBPyConnection,
    *,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """What the records show per team and month, plus an organisation row per month; gated.

    Columns: ``workers`` (distinct workers with a record: the gate's count),
    ``sessions``, ``held``, ``cancelled``, ``rescheduled``, ``cancellation_rate``
    and ``rescheduled_rate`` (of all sessions), ``reflective_share`` (of held
    sessions with a type), ``workers_with_reflective_share`` (workers with a
    held session who had a reflective one), ``long_enough_share`` (of held
    sessions with a duration, ``cadence.LONG_ENOUGH``), ``duration_recorded_share``,
    ``median_days_between`` (held sessions of the same worker, counted in the
    month of the later one), ``mean_supervisors`` and ``share_one_supervisor``
    (distinct supervisors per worker over the 6 months to the month's end).
    """
    params = _params(con, month_from=month_from, month_to=month_to, as_of=as_of)
    columns = ["month", "service", "team", "workers", *SESSION_VALUES, "status"]
    if params is None:
        return _empty(columns)
    rows = _session_rows(con, month_from=params["month_from"], month_to=params["month_to"])
    raw = _run_on(
        con,
        "supervision_sessions",
        {"session_rows": rows},
        min_minutes=cadence.MIN_SESSION_MINUTES,
        service=service,
        team=team,
    )
    rules = rules or settings.rules(con)
    kept = rows.to_pandas()
    kept = kept[kept["row_kind"] == "session"]
    parts = []
    for month, month_rows in raw.groupby("month", sort=True):
        in_month = pd.to_datetime(kept["month"]) == pd.Timestamp(month)
        workers = kept.loc[in_month, ["worker_key", "service", "team"]]
        decision = _staff_decision(
            con,
            figures="sessions",
            period=month,
            workers=lambda workers=workers: (
                workers.drop_duplicates().drop(columns=["worker_key"]).assign(records=True)
            ),
            sets=["records"],
            rules=rules,
        )
        parts.append(
            _gate(
                month_rows,
                decision,
                sets=["records"],
                value_columns=SESSION_VALUES,
                count_column="workers",
                service=service,
                team=team,
            )
        )
    return pd.concat(parts).sort_index() if parts else raw.assign(status="")


def sessions_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    month: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """:func:`sessions` for one month (default: the latest complete month), team rows only."""
    frame = sessions(
        con, month_from=month, month_to=month, service=service, team=team, as_of=as_of, rules=rules
    )
    return frame[frame["team"].notna()].reset_index(drop=True)


def sessions_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    month: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    as_of: dt.date | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """:func:`sessions` for one month, the one row for all the teams chosen."""
    frame = sessions(
        con, month_from=month, month_to=month, service=service, team=team, as_of=as_of, rules=rules
    )
    return frame[frame["team"].isna()].reset_index(drop=True)


@memoised
def overdue_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Staff in post on the data date with no held session for more than 31 days; gated.

    One row per team plus one for all the teams chosen (``team`` and ``service``
    null): ``as_of``, ``staff_in_post``, ``overdue_staff``, ``overdue_share``, ``never_supervised``
    (no held session on record at all), ``status``.
    """
    params = _overdue_params(con, as_of=as_of, service=service, team=team)
    columns = ["service", "team", "staff_in_post", *OVERDUE_VALUES, "status"]
    if params is None:
        return _empty(columns)
    rows = _overdue_worker_rows(con, as_of=params["as_of"])
    raw = _run_on(con, "supervision_overdue", {"overdue_workers": rows}, service=service, team=team)
    raw.insert(0, "as_of", params["as_of"])
    decision = _staff_decision(
        con,
        figures="overdue",
        period=params["as_of"],
        workers=lambda: rows.to_pandas()[["service", "team"]].assign(in_post=True),
        sets=["in_post"],
        rules=rules or settings.rules(con),
    )
    return _gate(
        raw,
        decision,
        sets=["in_post"],
        value_columns=OVERDUE_VALUES,
        count_column="staff_in_post",
        service=service,
        team=team,
    )


def prepare_supervision_months(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event | None = None
) -> int:
    """Work out the organisation's compliance for every wave's supervision month now.

    Run in the background before the confidentiality decisions
    (queries.preparation): a month's worker-by-worker
    cadence is the costly part of every supervision figure, and choosing another
    wave asks for another month. The Supervision page's first view (every month's
    compliance to the newest wave's), the records of the latest complete month and who
    is overdue, are worked out too. Returns how
    many wave months were worked out.
    """
    stop = stop or threading.Event()
    rules = settings.rules(con)
    as_of = data_date(con)
    if as_of is not None:
        # First the table every period is cut from: until it is kept, a page asking for
        # a month works that month out on its own.
        every_worker_month(con, as_of=as_of)
    wave_months = []
    for wave_id in reversed(survey.waves(con)["id"].astype("int64").tolist()):
        month = supervision_month(con, wave_id=int(wave_id))
        if month is not None and month not in wave_months:
            wave_months.append(month)
    latest = months(con)
    if latest and wave_months and not stop.is_set():
        # The Supervision page's first view: every month to the newest wave's, each
        # month's teams decided by the engine (the organisation rows below reuse them).
        compliance(con, month_from=latest[0], month_to=wave_months[0], rules=rules)
    for month in wave_months:
        if stop.is_set():
            break
        compliance_for_organisation(con, month=month, rules=rules)
    if latest and not stop.is_set():
        sessions(con, month_from=latest[-1], month_to=latest[-1], rules=rules)
        overdue_by_team(con, rules=rules)
    return len(wave_months)
