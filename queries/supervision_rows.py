"""The months of the supervision data, and the worker-level rows every supervision figure counts."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from queries import decisions, sql, survey
from queries.cache import memoised, memoised_rows
from wellbeing.core import cadence, roles

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
def _first_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The first calendar month of the active supervision records, or None."""
    return con.execute(sql("supervision_first_month")).fetchall()[0][0]


@memoised
def months(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Complete calendar months covered by active supervision records, oldest first."""
    first = _first_month(con)
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


def _worker_month_rows(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date, as_of: dt.date
) -> pa.Table:
    """Every worker-month of the period with its cadence verdict (never shown as it is).

    The costly part of every compliance figure, and the same whichever service
    or team is chosen. Cut from every month's rows to ``as_of``
    (:func:`_every_worker_month`): a worker-month's row depends only on the
    sessions of its month and the next (each window starts in its month and
    ends by the next month's end), so it is the same in any period that holds
    it, and choosing another wave or month cuts rows instead of working them out.
    An Arrow table, which nothing can change, so it is handed out without a copy.
    """
    first, last = month_from.replace(day=1), month_to.replace(day=1)
    whole = {
        "month_from": min(first, _first_month(con) or first),
        "month_to": max(last, latest_complete_month(as_of)),
        "as_of": as_of,
    }
    if not _every_worker_month.is_kept(con, **whole) and _a_small_part(first, last, whole):
        # Until the table of every month is kept (the background preparation makes it
        # first), a month or a few are their own query: at a million respondents the
        # whole table takes 11 s, which a server's first page would otherwise wait for.
        return _period_worker_months(con, month_from=first, month_to=last, as_of=as_of)
    every = _every_worker_month(con, **whole)
    # Its rows come by month: the period's are one run of them, taken without a copy
    # (filtered, each of a server's 25 first cuts copied 150 MB at 100,000 respondents).
    months = every.column("month").to_numpy()
    start = int(np.searchsorted(months, np.datetime64(first, "D"), "left"))
    end = int(np.searchsorted(months, np.datetime64(last, "D"), "right"))
    return every.slice(start, end - start)


# A period is worked out on its own, while the table of every month is not kept, when
# it covers at most this share of that table's months (a wave's month, not the
# Supervision page's first view of every month to the newest wave's).
OWN_QUERY_SHARE = 0.25


def _a_small_part(first: dt.date, last: dt.date, whole: dict[str, dt.date]) -> bool:
    def number(month: dt.date) -> int:
        return month.year * 12 + month.month

    every = number(whole["month_to"]) - number(whole["month_from"]) + 1
    return number(last) - number(first) + 1 <= OWN_QUERY_SHARE * every


def every_worker_month(con: duckdb.DuckDBPyConnection, *, as_of: dt.date) -> pa.Table:
    """Every worker-month of the records to ``as_of``, kept: what the background
    preparation makes first, so that every later period is cut from it."""
    last = latest_complete_month(as_of)
    first = _first_month(con) or last
    return _every_worker_month(con, month_from=first, month_to=last, as_of=as_of)


def _worker_months_query(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date, as_of: dt.date
) -> pa.Table:
    params = {"month_from": month_from, "month_to": month_to, "as_of": as_of}
    return con.sql(
        sql("supervision_worker_months"),
        params=params | cadence.cadence_parameters(),
    ).to_arrow_table()


@memoised_rows
def _period_worker_months(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date, as_of: dt.date
) -> pa.Table:
    """The worker-months of a few months, on their own (see :func:`_worker_month_rows`)."""
    return _worker_months_query(con, month_from=month_from, month_to=month_to, as_of=as_of)


@memoised_rows
def _every_worker_month(
    con: duckdb.DuckDBPyConnection, *, month_from: dt.date, month_to: dt.date, as_of: dt.date
) -> pa.Table:
    """The worker-months of a whole period, worked out once per data version and period."""
    return _worker_months_query(con, month_from=month_from, month_to=month_to, as_of=as_of)


@memoised_rows
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


@memoised_rows
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


@decisions.also_while_deciding(order=2)
def _wave_worker_months(con: duckdb.DuckDBPyConnection, wave_id: int) -> None:
    """The worker-months of the wave's supervision month, which its Overview tile counts."""
    month = supervision_month(con, wave_id=wave_id)
    period = _params(con, month_from=month, month_to=month, as_of=None)
    if month is not None and period is not None:
        _worker_month_rows(con, **period)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype="object") for column in columns})


def _require_hr(role: str) -> None:
    if role != roles.HR_ADMIN:
        raise PermissionError(
            "Worker-level supervision records are for HR only; leaders see team figures."
        )


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
