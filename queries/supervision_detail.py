"""HR's worker-by-worker supervision detail: who is overdue, and each worker's months."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import sql
from queries.cache import memoised
from queries.supervision_rows import (
    _empty,
    _overdue_params,
    _params,
    _require_hr,
    _worker_month_rows,
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
