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
import numpy as np
import pandas as pd
import pyarrow as pa

from queries import settings, sql, survey
from queries.cache import data_version, memoised
from wellbeing import privacy
from wellbeing.core import cadence, roles

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

STAFF_LIST = "staff list"
RECORDS = "records"


@memoised
def data_date(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The date the supervision records run to: the latest data date of active uploads."""
    return con.execute(sql("supervision_data_date")).fetchall()[0][0]


def latest_complete_month(as_of: dt.date) -> dt.date:
    """The last calendar month wholly on or before ``as_of`` (its first day).

    Example:
        >>> latest_complete_month(dt.date(2026, 10, 31))
        datetime.date(2026, 10, 1)
        >>> latest_complete_month(dt.date(2026, 10, 30))
        datetime.date(2026, 9, 1)
    """
    if (as_of + dt.timedelta(days=1)).month != as_of.month:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@memoised
def months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Complete calendar months covered by active supervision records, oldest first."""
    first = con.execute(sql("supervision_first_month")).fetchall()[0][0]
    as_of = data_date(con)
    if first is None or as_of is None:
        return []
    last = latest_complete_month(as_of)
    found = []
    month = first
    while month <= last:
        found.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found


@memoised
def staff_source(con: duckdb.DuckDBPyConnection) -> str:
    """Where staff in post come from: ``"staff list"``, or ``"records"`` when no list is active."""
    active = con.execute(sql("supervision_staff_lists")).df()
    return STAFF_LIST if len(active) else RECORDS


@memoised
def denominator_note(con: duckdb.DuckDBPyConnection) -> str:
    """One sentence saying who the compliance figures count, for a caption."""
    lists = con.execute(sql("supervision_staff_lists")).df()
    if lists.empty:
        return (
            "No staff list has been uploaded, so staff in post are taken from the supervision "
            "records: everyone with a record counts from the month of their first record, and "
            "leavers cannot be told apart. Upload a staff list for exact figures."
        )
    latest = lists.iloc[0]
    return (
        f"Staff in post come from the staff list in force for each month (latest: as at "
        f"{pd.Timestamp(latest['data_date']):%d %B %Y}, {int(latest['rows_stored']):,} staff). "
        "Students and staff who are not qualified social workers are left out; staff who "
        "joined or left part-way through a month are in post but nothing was due from them."
    )


def _params(
    con: duckdb.DuckDBPyConnection,
    *,
    month_from: dt.date | None,
    month_to: dt.date | None,
    as_of: dt.date | None,
) -> dict[str, object] | None:
    as_of = as_of or data_date(con)
    if as_of is None:
        return None
    month_to = month_to or latest_complete_month(as_of)
    month_from = month_from or month_to
    return {"month_from": month_from, "month_to": month_to, "as_of": as_of}


@memoised
def _worker_month_rows(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date, as_of: dt.date
) -> pa.Table:
    """Every worker-month of the period with its cadence verdict (never shown as it is).

    The costly part of every compliance figure, and the same whichever service
    or team is chosen, so it is kept per data version and period. An Arrow
    table, which nothing can change, so it is handed out without a copy (a
    month's frame is tens of thousands of rows).
    """
    params = {"month_from": month_from, "month_to": month_to, "as_of": as_of}
    return con.sql(
        sql("supervision_worker_months"),
        params=params | cadence.cadence_parameters(),
    ).to_arrow_table()


@memoised
def _session_rows(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date
) -> pa.Table:
    """The period's sessions, gaps between held sessions and supervisors seen, for every team.

    Like :func:`_worker_month_rows`: the costly part of :func:`sessions` (each
    held session's previous one, however long ago, and six months of
    supervisors per worker), worked out once per data version and period, so
    choosing a service or team only adds up the rows kept.
    """
    params = {
        "month_from": month_from,
        "month_to": month_to,
        "continuity_months": cadence.CONTINUITY_MONTHS,
    }
    return con.sql(sql("supervision_session_rows"), params=params).to_arrow_table()


@memoised
def _overdue_worker_rows(con: duckdb.DuckDBPyConnection, *, as_of: dt.date) -> pa.Table:
    """Every worker in post on ``as_of`` with their last held session, for every team.

    Kept once per data version and date, so choosing a service or team only
    counts the rows kept.
    """
    params = _overdue_params(con, as_of=as_of, service=None, team=None)
    return con.sql(sql("supervision_overdue_workers"), params=params).to_arrow_table()


def _run_on(
    con: duckdb.DuckDBPyConnection, outer: str, rows: dict[str, pa.Table], **params: object
) -> pd.DataFrame:
    """Run ``outer`` (a named query) on kept row tables registered under their names."""
    for name, table in rows.items():
        con.register(name, table)
    try:
        return con.execute(sql(outer), params).df()
    finally:
        for name in rows:
            con.unregister(name)


def _from_worker_months(
    con: duckdb.DuckDBPyConnection, outer: str, period: dict[str, object], **params: object
) -> pd.DataFrame:
    """Run ``outer`` (a named query reading ``worker_months``) on the period's worker-months."""
    return _run_on(con, outer, {"worker_months": _worker_month_rows(con, **period)}, **params)


# Workers by team and career stage (compliance) and by team (sessions, overdue):
# what the confidentiality engine decides supervision figures over.
STAGED = privacy.STAFF
UNITS = privacy.Layout(("service", "team"), (), ())
NEWLY_QUALIFIED = "Newly qualified (ASYE)"
EXPERIENCED = "Experienced"
_DECISIONS: dict[tuple, privacy.Decision] = {}


def _staff_decision(
    con: duckdb.DuckDBPyConnection,
    *,
    figures: str,
    period: object,
    workers: pd.DataFrame,
    sets: list[str],
    rules: privacy.Rules,
) -> privacy.Decision:
    """The engine's decision on one period's figures of one kind, over the workers behind them.

    ``workers``: one row per worker with ``service``, ``team`` (and
    ``career_stage`` for the staged figures) and a boolean column per set of
    workers a figure counts. Every team, service, the organisation (and each
    by career stage) is decided together, so that no figure minus another
    (all the teams less one service, say) describes fewer than k workers.
    """
    key = (data_version(con), figures, period, rules)
    if key in _DECISIONS:
        return _DECISIONS[key]
    layout = STAGED if "career_stage" in workers.columns else UNITS
    frame = workers.assign(respondents=1)
    for column in layout.dimensions:
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame = frame.groupby([*layout.dimensions, *sets], dropna=False, as_index=False)[
        "respondents"
    ].sum()
    specs = [privacy.SetSpec(name, reveals=(f"{figures}:{name}",)) for name in sets]
    made = privacy.decide(frame, specs, rules, layout=layout)
    if len(_DECISIONS) > 256:
        _DECISIONS.clear()
    _DECISIONS[key] = made
    return made


def _gate(
    frame: pd.DataFrame,
    decision: privacy.Decision,
    *,
    sets: list[str],
    value_columns: list[str],
    count_column: str,
    service: str | None,
    team: str | None,
    stage_column: str | None = None,
) -> pd.DataFrame:
    """Blank every row whose cell the decision hides in any of the ``sets`` its figures count.

    Team rows name their team; a row with no team is all the teams chosen: the
    organisation, or the service or team of the filter.
    """
    if frame.empty:
        return frame.assign(status=pd.Series([], dtype="str"))
    layout = decision.layout
    if team is not None and service is None:
        service = decision.service_of(team)
    statuses = []
    for row in frame.itertuples(index=False):
        values = {"service": service, "team": team}
        if getattr(row, "team", None) is not None and not pd.isna(row.team):
            values = {
                "service": privacy.NOT_STATED if pd.isna(row.service) else row.service,
                "team": row.team,
            }
        if stage_column is not None:
            values["career_stage"] = getattr(row, stage_column)
        key = tuple(
            privacy.ALL if values.get(d) is None else str(values[d]) for d in layout.dimensions
        )
        found = [decision.lookup(name, key)[0] for name in sets]
        hidden = [status for status in found if status != privacy.SHOWN]
        statuses.append(hidden[0] if hidden else privacy.SHOWN)
    return privacy.protect(
        frame,
        statuses=pd.Series(statuses, index=frame.index, dtype="str"),
        value_columns=value_columns,
        count_column=count_column,
    )


def _compliance_workers(
    con: duckdb.DuckDBPyConnection, params: dict[str, object], month: dt.date
) -> pd.DataFrame:
    """One month's workers in post by team and career stage: in post, and with sessions due."""
    rows = _worker_month_rows(con, **params).to_pandas()
    rows = rows[(pd.to_datetime(rows["month"]) == pd.Timestamp(month)) & ~rows["excluded"]]
    return pd.DataFrame(
        {
            "service": rows["service"],
            "team": rows["team"],
            "career_stage": np.where(rows["newly_qualified"], NEWLY_QUALIFIED, EXPERIENCED),
            "in_post": True,
            "due": (rows["required"] > 0).to_numpy(),
        }
    )


def _gate_compliance(
    con: duckdb.DuckDBPyConnection,
    raw: pd.DataFrame,
    params: dict[str, object],
    *,
    value_columns: list[str],
    service: str | None,
    team: str | None,
    rules: privacy.Rules,
    stage_column: str | None = None,
) -> pd.DataFrame:
    """Gate compliance rows month by month: staff in post and staff due both counted."""
    parts = []
    for month, rows in raw.groupby("month", sort=True):
        decision = _staff_decision(
            con,
            figures="compliance",
            period=(month, params["as_of"]),
            workers=_compliance_workers(con, params, month),
            sets=["in_post", "due"],
            rules=rules,
        )
        parts.append(
            _gate(
                rows,
                decision,
                sets=["in_post", "due"],
                value_columns=value_columns,
                count_column="staff_due",
                service=service,
                team=team,
                stage_column=stage_column,
            )
        )
    return pd.concat(parts).sort_index() if parts else raw.assign(status="")


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype="object") for column in columns})


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
            workers=workers.drop_duplicates().drop(columns=["worker_key"]).assign(records=True),
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


def _overdue_params(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date | None,
    service: str | None,
    team: str | None,
) -> dict[str, object] | None:
    as_of = as_of or data_date(con)
    if as_of is None:
        return None
    return {
        "as_of": as_of,
        "overdue_after_days": cadence.OVERDUE_AFTER_DAYS,
        "excluded_stage_pattern": cadence.EXCLUDED_STAGE_PATTERN,
        "service": service,
        "team": team,
    }


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
    workers = rows.to_pandas()[["service", "team"]].assign(in_post=True)
    decision = _staff_decision(
        con,
        figures="overdue",
        period=params["as_of"],
        workers=workers,
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


def _require_hr(role: str) -> None:
    if role != roles.HR_ADMIN:
        raise PermissionError(
            "Worker-level supervision records are for HR only; leaders see team figures."
        )


@memoised
def overdue_workers(
    con: duckdb.DuckDBPyConnection,
    *,
    role: str,
    as_of: dt.date | None = None,
    service: str | None = None,
    team: str | None = None,
    overdue_only: bool = True,
) -> pd.DataFrame:
    """HR only: each worker in post on the data date and their last held session.

    Columns: ``worker_key`` (salted hash), ``team``, ``service``,
    ``started_on``, ``last_session``, ``days_since_last_session``, ``overdue``,
    ``days_overdue`` (days beyond 31). Most overdue first.

    Raises PermissionError for any role but HR admin.
    """
    _require_hr(role)
    params = _overdue_params(con, as_of=as_of, service=service, team=team)
    if params is None:
        return _empty(
            [
                "worker_key",
                "team",
                "service",
                "started_on",
                "last_session",
                "days_since_last_session",
                "overdue",
                "days_overdue",
            ]
        )
    frame = con.execute(sql("supervision_overdue_workers"), params).df()
    if overdue_only:
        frame = frame[frame["overdue"]].reset_index(drop=True)
    return frame


@memoised
def worker_months(
    con: duckdb.DuckDBPyConnection,
    *,
    role: str,
    month_from: dt.date | None = None,
    month_to: dt.date | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """HR only: the cadence verdict per worker and month (the rows every figure is built on).

    Columns: ``month``, ``worker_key``, ``team``, ``service``, ``career_stage``,
    ``newly_qualified``, ``excluded``, ``required`` (windows due), ``met`` (of
    those, met with ``cadence.DURATION_RULE``), ``met_any_duration``,
    ``sessions_held``, ``sessions_counted``.

    Raises PermissionError for any role but HR admin.
    """
    _require_hr(role)
    params = _params(con, month_from=month_from, month_to=month_to, as_of=as_of)
    if params is None:
        return _empty(
            [
                "month",
                "worker_key",
                "team",
                "service",
                "career_stage",
                "newly_qualified",
                "excluded",
                "required",
                "met",
                "met_any_duration",
                "sessions_held",
                "sessions_counted",
            ]
        )
    frame = con.from_arrow(_worker_month_rows(con, **params)).df()
    return frame.sort_values(["month", "team", "worker_key"]).reset_index(drop=True)


def supervision_month(con: duckdb.DuckDBPyConnection, *, wave_id: int | None) -> dt.date | None:
    """The month of records that goes with a survey wave: the last complete month by its close.

    Capped at the records' own latest complete month; None without records or
    when the records do not reach back to that month.
    """
    available = months(con)
    if not available or wave_id is None:
        return None
    waves = survey.waves(con).set_index("id")
    if wave_id not in waves.index:
        return None
    closed = waves.loc[wave_id, "closed_on"]
    if pd.isna(closed):
        return available[-1]
    month = min(latest_complete_month(pd.Timestamp(closed).date()), available[-1])
    return month if month in available else None


def prepare_supervision_months(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event | None = None
) -> int:
    """Work out the organisation's compliance for every wave's supervision month now.

    Run in the background before the confidentiality decisions
    (``survey.prepare_decisions``) by wellbeing.ui: a month's worker-by-worker
    cadence is the costly part of every supervision figure, and choosing another
    wave asks for another month. The Supervision page's first view, the records of the
    latest complete month and who is overdue, is worked out too. Returns how
    many wave months were worked out.
    """
    stop = stop or threading.Event()
    rules = settings.rules(con)
    wave_months = []
    for wave_id in reversed(survey.waves(con)["id"].astype("int64").tolist()):
        month = supervision_month(con, wave_id=int(wave_id))
        if month is not None and month not in wave_months:
            wave_months.append(month)
    for month in wave_months:
        if stop.is_set():
            break
        compliance_for_organisation(con, month=month, rules=rules)
    latest = months(con)
    if latest and not stop.is_set():
        sessions(con, month_from=latest[-1], month_to=latest[-1], rules=rules)
        overdue_by_team(con, rules=rules)
    return len(wave_months)
