"""The bundled sample data: loaded into an empty store, removable by HR.

It goes through exactly the import code HR uses, so the demo also proves the
import path on every first run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from queries import actions as action_queries
from queries import sql
from wellbeing.ingest import changes, reading, staff, supervision
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping
from wellbeing.ingest.uploads import transaction

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
DEMO_USER = "sample data"
DEMO_REMOVED_SETTING = "demo_removed"

SURVEY_WAVES = (
    ("survey_autumn_2025.csv", "Autumn 2025"),
    ("survey_spring_2026.csv", "Spring 2026"),
    ("survey_autumn_2026.csv", "Autumn 2026"),
    ("hse_indicator_autumn_2026.csv", "Autumn 2026"),
)

# The date the sample supervision records and staff list run to
# (sample_data/generate.py DATA_DATE): the staff list's file name carries none.
SAMPLE_DATA_DATE = dt.date(2026, 10, 31)


# The record exports, each with its import's suggest and import functions and the
# date it runs to (a staff list's file name carries none). The staff list goes
# before the supervision records it is the denominator for.
RECORD_EXPORTS = (
    (
        "staff_list.csv",
        staff.suggest_staff_mapping,
        staff.import_staff,
        {"data_date": SAMPLE_DATA_DATE},
    ),
    (
        "supervision_records.csv",
        supervision.suggest_supervision_mapping,
        supervision.import_supervision,
        {"data_date": SAMPLE_DATA_DATE},
    ),
    ("change_log.csv", changes.suggest_changes_mapping, changes.import_changes, {}),
)


# Two sample action plans (sample_data/generate.py builds the first one's effect
# into the answers: its team's stress falls from the spring 2026 wave; the
# second changes nothing). Recorded as the sample data, removed with it.
SAMPLE_ACTIONS = (
    {
        "scope": "team",
        "unit": "Community Team East",
        "what": "Caseload cap of 18 and fortnightly reflective group supervision",
        "measure": "stress",
        "owner": "Head of adults' social work",
        "started_on": dt.date(2026, 2, 2),
        "review_on": dt.date(2026, 11, 30),
        "status": "in progress",
    },
    {
        "scope": "team",
        "unit": "Reablement",
        "what": "Monthly wellbeing check-in led by a team wellbeing champion",
        "measure": "stress",
        "owner": "Reablement team manager",
        "started_on": dt.date(2026, 2, 2),
        "review_on": dt.date(2026, 11, 30),
        "status": "in progress",
    },
)


def is_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("select count(*) from uploads where is_demo").fetchall()[0][0])


def was_removed(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from settings where key = $key", {"key": DEMO_REMOVED_SETTING}
        ).fetchall()[0][0]
    )


def load_if_empty(con: duckdb.DuckDBPyConnection, sample_dir: Path = SAMPLE_DIR) -> bool:
    """Load the sample exports into a store that has never held data; True if it did."""
    if was_removed(con) or con.execute("select count(*) from uploads").fetchall()[0][0]:
        return False
    if not sample_dir.is_dir():
        return False
    load(con, sample_dir)
    return True


def load(con: duckdb.DuckDBPyConnection, sample_dir: Path = SAMPLE_DIR) -> None:
    """Import every bundled sample export through the HR import path."""
    for file_name, wave in SURVEY_WAVES:
        path = sample_dir / file_name
        if not path.is_file():
            continue
        table = reading.read_export(path.read_bytes(), file_name)
        _, mapping = suggest_survey_mapping(con, table)
        import_survey(con, table, mapping, wave=wave, uploaded_by=DEMO_USER, is_demo=True)
    for file_name, suggest, import_records, dated in RECORD_EXPORTS:
        path = sample_dir / file_name
        if path.is_file():
            table = reading.read_export(path.read_bytes(), file_name)
            _, mapping = suggest(con, table)
            import_records(con, table, mapping, uploaded_by=DEMO_USER, is_demo=True, **dated)
    for action in SAMPLE_ACTIONS:
        action_queries.insert_action(con, **action, created_by=DEMO_USER, is_demo=True)


def remove(con: duckdb.DuckDBPyConnection) -> None:
    """Delete every demo row and remember not to load the demo again."""
    with transaction(con):
        con.execute(sql("delete_demo_data"))
