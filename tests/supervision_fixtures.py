"""Small staff lists and supervision exports, built as HR systems write them, and loaded
through the real import path; plus a plain-Python reading of the cadence to check the SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import supervision as queries
from wellbeing.core import cadence, roles
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.staff import import_staff, suggest_staff_mapping
from wellbeing.ingest.supervision import import_supervision, suggest_supervision_mapping
from wellbeing.ingest.values import hash_identifier
from wellbeing.store import identifier_keys

STAFF_HEADER = [
    "Employee No",
    "Full Name",
    "Team",
    "Service",
    "Job Title",
    "Career Stage",
    "ASYE Start Date",
    "Start Date",
    "Leaving Date",
    "Contract Type",
]
SESSION_HEADER = [
    "Worker ID",
    "Worker Name",
    "Supervisor ID",
    "Supervisor Name",
    "Team",
    "Supervision Date",
    "Duration (mins)",
    "Supervision Type",
    "Status",
]


def uk(day: dt.date | None) -> str:
    return "" if day is None else f"{day:%d/%m/%Y}"


@dataclass(frozen=True)
class Worker:
    """One staff-list row."""

    id: str
    team: str = "North"
    service: str = "Children's services"
    stage: str = "More than 5 years qualified"
    asye: dt.date | None = None
    start: dt.date | None = dt.date(2020, 1, 6)
    leaving: dt.date | None = None
    role: str = "Social worker"
    contract: str = "Permanent"
    name: str = ""


@dataclass(frozen=True)
class Session:
    """One supervision-record row."""

    worker: str
    day: dt.date | str
    minutes: int | str | None = 90
    kind: str = "Reflective supervision"
    status: str = "Held"
    supervisor: str = "S1"
    team: str = "North"
    worker_name: str = ""
    supervisor_name: str = "Pat Supervisor"


def staff_csv(workers: list[Worker]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(STAFF_HEADER)
    for w in workers:
        writer.writerow([
            w.id, w.name or f"Name of {w.id}", w.team, w.service, w.role, w.stage,
            uk(w.asye), uk(w.start), uk(w.leaving), w.contract,
        ])  # fmt: skip
    return out.getvalue().encode()


def sessions_csv(sessions: list[Session]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SESSION_HEADER)
    for s in sessions:
        day = s.day if isinstance(s.day, str) else uk(s.day)
        minutes = "" if s.minutes is None else str(s.minutes)
        writer.writerow([
            s.worker, s.worker_name or f"Name of {s.worker}", s.supervisor, s.supervisor_name,
            s.team, day, minutes, s.kind, s.status,
        ])  # fmt: skip
    return out.getvalue().encode()


def load_staff(
    con: duckdb.DuckDBPyConnection,
    workers: list[Worker],
    *,
    data_date: dt.date,
    file_name: str = "staff.csv",
):
    table = read_export(staff_csv(workers), file_name)
    _, mapping = suggest_staff_mapping(con, table)
    return import_staff(con, table, mapping, uploaded_by="test", data_date=data_date)


def load_sessions(
    con: duckdb.DuckDBPyConnection,
    sessions: list[Session],
    *,
    data_date: dt.date,
    file_name: str = "supervision.csv",
):
    table = read_export(sessions_csv(sessions), file_name)
    _, mapping = suggest_supervision_mapping(con, table)
    return import_supervision(con, table, mapping, uploaded_by="test", data_date=data_date)


def key(con: duckdb.DuckDBPyConnection, worker_id: str) -> str:
    """The keyed hash a worker id is stored as in this store."""
    return hash_identifier(pd.Series([worker_id]), identifier_keys(con).for_workers()).iloc[0]


def verdict(
    con: duckdb.DuckDBPyConnection, worker_id: str, month: dt.date, *, as_of: dt.date
) -> dict | None:
    """The worker-month row the SQL computes, or None when the worker was not in post."""
    rows = queries.worker_months(
        con, role=roles.HR_ADMIN, month_from=month, month_to=month, as_of=as_of
    )
    mine = rows[rows["worker_key"] == key(con, worker_id)]
    if mine.empty:
        return None
    row = mine.iloc[0]
    flags = ("newly_qualified", "excluded")
    counts = ("required", "met", "met_any_duration", "sessions_held", "sessions_counted")
    return {column: bool(row[column]) for column in flags} | {
        column: int(row[column]) for column in counts
    }


# --- the cadence read independently, in plain Python, to cross-check the SQL --------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def reference_windows(asye: dt.date | None, month: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The windows (start, end exclusive) starting in ``month``, read from the standard."""
    next_month = _add_months(month, 1)
    if asye is None:
        return [(month, next_month)]
    windows = []
    for week in range(cadence.WEEKLY_WINDOWS):
        start = asye + dt.timedelta(days=cadence.WEEKLY_WINDOW_DAYS * week)
        windows.append((start, start + dt.timedelta(days=cadence.WEEKLY_WINDOW_DAYS)))
    fortnightly_from = asye + dt.timedelta(days=cadence.WEEKLY_WINDOW_DAYS * cadence.WEEKLY_WINDOWS)
    six_months = _add_months(asye, cadence.FORTNIGHTLY_UNTIL_MONTHS)
    monthly_from = six_months if six_months.day == 1 else _add_months(_month_start(six_months), 1)
    start = fortnightly_from
    while True:
        end = start + dt.timedelta(days=cadence.FORTNIGHTLY_WINDOW_DAYS)
        if end + dt.timedelta(days=cadence.FORTNIGHTLY_WINDOW_DAYS) > monthly_from:
            windows.append((start, monthly_from))  # the last fortnight runs on
            break
        windows.append((start, end))
        start = end
    if month >= monthly_from or next_month <= asye:
        windows.append((month, next_month))
    return [(s, e) for s, e in windows if month <= s < next_month]


def reference_worker_month(
    *,
    asye: dt.date | None,
    started: dt.date | None,
    left: dt.date | None,
    sessions: list[tuple[dt.date, int | None, str]],
    month: dt.date,
    as_of: dt.date,
) -> tuple[int, int, int]:
    """(required, met, met ignoring duration) for one worker and month."""
    required = met = met_any = 0
    for start, end in reference_windows(asye, month):
        last_day = end - dt.timedelta(days=1)
        if started is not None and started > start:
            continue
        if left is not None and left < last_day:
            continue
        if last_day > as_of:
            continue
        required += 1
        inside = [(m, s) for day, m, s in sessions if start <= day < end and s == "held"]
        met_any += bool(inside)
        met += any(m is None or m >= cadence.MIN_SESSION_MINUTES for m, _ in inside)
    return required, met, met_any
