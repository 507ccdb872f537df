"""Staff lists from HR systems: who was in post, where, and since when.

Each list is stored whole with its data date ("as at"). A newer list
supersedes older ones for periods from its date on; older lists are kept, so
figures for earlier periods do not change when a new list arrives.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from queries import imports
from queries.records import insert_staff, latest_staff_list_date
from wellbeing.core.vocabulary import Field
from wellbeing.ingest import records
from wellbeing.ingest.reading import ImportProblem, Table
from wellbeing.ingest.records import Options
from wellbeing.ingest.uploads import (
    ImportReport,
    Progress,
    no_progress,
    refuse_duplicate,
    transaction,
)
from wellbeing.ingest.values import hash_identifier, parse_dates
from wellbeing.store import identifier_keys

KIND = "staff"

FIELDS: tuple[Field, ...] = (
    Field(
        "worker_id",
        "Worker ID (stored hashed)",
        (
            "employee no",
            "employee number",
            "employee id",
            "worker id",
            "worker number",
            "staff id",
            "staff number",
            "staff no",
            "payroll number",
            "payroll no",
            "person id",
            "personnel number",
            "id",
        ),
        required=True,
    ),
    Field("team", "Team", ("team", "team name", "unit", "cost centre name"), required=True),
    Field(
        "service", "Service", ("service", "service area", "directorate", "department", "division")
    ),
    Field("role", "Role", ("job title", "role", "position", "post", "post title", "job role")),
    Field(
        "career_stage",
        "Career stage",
        ("career stage", "experience", "stage", "qualification stage", "years qualified"),
    ),
    Field(
        "asye_start",
        "ASYE start date",
        (
            "asye start date",
            "asye start",
            "asye date",
            "asye started",
            "nqsw start date",
            "asye start date if applicable",
        ),
    ),
    Field(
        "start",
        "Start date",
        (
            "start date",
            "started",
            "date started",
            "start",
            "employment start date",
            "date joined",
            "joined",
            "start date in post",
            "hire date",
        ),
    ),
    Field(
        "leaving",
        "Leaving date",
        (
            "leaving date",
            "left",
            "end date",
            "leave date",
            "termination date",
            "date left",
            "leaver date",
            "date of leaving",
        ),
    ),
    Field(
        "contract",
        "Agency or permanent",
        (
            "contract type",
            "contract",
            "agency",
            "employment type",
            "agency or permanent",
            "worker type",
            "employment status",
        ),
    ),
    Field(
        "data_date",
        "List date (as at)",
        ("as at", "as at date", "data date", "report date", "extract date", "snapshot date"),
    ),
)

AGENCY_WORDS = ("agency", "locum", "interim", "contractor", "temporary agency")
PERMANENT_WORDS = (
    "permanent",
    "fixed term",
    "fixed",
    "employee",
    "employed",
    "staff",
    "secondment",
    "seconded",
    "temporary",
    "casual",
    "bank",
)


def is_agency(label: str) -> bool | None:
    """True for agency or locum, False for an employee contract, None if it cannot be told."""
    words = records.normalise(label)
    if words in {"yes", "y", "true"}:
        return True
    if words in {"no", "n", "false"}:
        return False
    if any(word in words for word in AGENCY_WORDS):
        return True
    if any(word in words for word in PERMANENT_WORDS):
        return False
    return None


@dataclass
class PreparedStaff:
    """A validated staff list: the rows to store, every bad cell, and its data date."""

    staff: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    data_date: dt.date | None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.staff)


def prepare_staff(
    table: Table,
    mapping: dict[str, str],
    *,
    salt: str,
    day_first: bool = True,
    data_date: dt.date | None = None,
    prefer_file_date: bool = False,
) -> PreparedStaff:
    """Check every mapped cell; rows with any bad cell are held back, each cell listed.

    The data date is, in order: the one given, the list's own "as at" column,
    a date in the file name (``staff_list_2026-10-31.csv``); otherwise None,
    and :func:`import_staff` asks for it. With ``prefer_file_date`` the one
    given comes last (the upload page always offers a date, today by default).
    """
    columns = records.check_mapping(table, mapping, fields=FIELDS, what="staff list")
    frame = table.frame
    checks = records.Checks(table, text_columns=columns)
    notes: list[str] = []

    worker_column = columns["worker_id"]
    worker = records.text(frame, worker_column)
    checks.flag(worker.isna(), worker_column, "no worker id")
    repeated = worker.notna() & worker.duplicated(keep="first")
    if repeated.any():
        first_row = worker[worker.notna()].drop_duplicates().index.to_series()
        first_at = pd.Series(checks.file_rows[first_row].to_numpy(), index=worker[first_row])
        checks.flag(
            repeated,
            worker_column,
            "worker id already listed at row " + worker.map(first_at).astype("str"),
        )
    team = records.text(frame, columns["team"])
    checks.flag(team.isna(), columns["team"], "no team")

    asye = records.dates(
        checks, columns.get("asye_start"), day_first=day_first, notes=notes, required=False
    )
    started = records.dates(
        checks, columns.get("start"), day_first=day_first, notes=notes, required=False
    )
    left = records.dates(
        checks, columns.get("leaving"), day_first=day_first, notes=notes, required=False
    )
    if "start" in columns and "leaving" in columns:
        backwards = pd.to_datetime(left) < pd.to_datetime(started)
        checks.flag(backwards, columns["leaving"], "leaving date is before the start date")
    agency = records.labelled(
        checks,
        columns.get("contract"),
        match=is_agency,
        what="contract type",
        allowed="agency or permanent",
    )

    given = data_date
    from_file = None
    if "data_date" in columns:
        listed, _ = parse_dates(frame[columns["data_date"]], day_first=day_first)
        if listed.notna().any():
            from_file = listed.max().date()
            if listed.dropna().dt.date.nunique() > 1:
                notes.append(
                    f"The list's date column holds several dates; the latest, "
                    f"{from_file:%d/%m/%Y}, is taken as the list's date."
                )
    from_file = from_file or records.data_date_from_file_name(table.file_name)
    if prefer_file_date:
        data_date = from_file or given
        if from_file and given and from_file != given:
            notes.append(
                f"The list says it is as at {from_file:%d/%m/%Y}; that date is used "
                f"rather than {given:%d/%m/%Y}."
            )
    else:
        data_date = given or from_file
    if data_date is not None:
        notes.append(f"Staff list as at {data_date:%d/%m/%Y}.")

    career = records.text(frame, columns.get("career_stage"))
    keep = checks.good_rows()
    staff = pd.DataFrame(
        {
            "worker_key": hash_identifier(frame[worker_column], salt),
            "team": team,
            "service": records.text(frame, columns.get("service")),
            "role": records.text(frame, columns.get("role")),
            "career_stage": career,
            "asye_started_on": asye,
            "started_on": started,
            "left_on": left,
            "agency": agency.astype("boolean")
            if "contract" in columns
            else pd.Series([pd.NA] * len(frame), index=frame.index, dtype="boolean"),
        }
    )[keep].reset_index(drop=True)
    for column in ("asye_started_on", "started_on", "left_on"):
        staff[column] = pd.to_datetime(staff[column]).astype("datetime64[us]")
    if "start" not in columns:
        notes.append(
            "No start date column is mapped: everyone is taken as in post from before "
            "the first supervision record."
        )
    return PreparedStaff(
        staff=staff,
        rejects=checks.rejects(),
        rows_read=len(frame),
        data_date=data_date,
        notes=notes,
    )


def import_staff(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    uploaded_by: str,
    mapping_name: str | None = None,
    day_first: bool = True,
    data_date: dt.date | None = None,
    prefer_file_date: bool = False,
    is_demo: bool = False,
    progress: Progress = no_progress,
) -> ImportReport:
    """Validate and store a staff list: all accepted rows in one transaction, or nothing.

    Raises ImportProblem (nothing stored) for a duplicate file, a structural
    problem, a list whose date cannot be found, or a file with no valid row.
    """
    refuse_duplicate(con, sha256=table.sha256)
    progress(0.05, "Checking every cell")
    prepared = prepare_staff(
        table,
        mapping,
        salt=identifier_keys(con).for_workers(),
        day_first=day_first,
        data_date=data_date,
        prefer_file_date=prefer_file_date,
    )
    if prepared.data_date is None:
        raise ImportProblem(
            "Say which date this staff list is as at (e.g. 31/10/2026): it has no date column "
            "and its file name has no date such as staff_list_2026-10-31.csv."
        )
    if prepared.staff.empty:
        raise ImportProblem(
            f"None of the {prepared.rows_read:,} rows can be imported: every row has a problem. "
            "Download the list of problems, fix the file and upload it again."
        )
    earlier = latest_staff_list_date(con)
    notes = list(prepared.notes)
    if earlier is not None:
        if earlier <= prepared.data_date:
            notes.append(
                f"This list (as at {prepared.data_date:%d/%m/%Y}) supersedes the list as at "
                f"{earlier:%d/%m/%Y} for periods from {prepared.data_date:%B %Y}; the earlier "
                "list is kept for earlier periods."
            )
        else:
            notes.append(
                f"A newer list (as at {earlier:%d/%m/%Y}) is already stored; this one is used "
                f"only for periods before that."
            )
    progress(0.5, f"Storing {len(prepared.staff):,} staff")
    with transaction(con):
        upload_id = imports.insert_upload(
            con,
            kind=KIND,
            file_name=table.file_name,
            sha256=table.sha256,
            uploaded_by=uploaded_by,
            rows_read=prepared.rows_read,
            rows_stored=len(prepared.staff),
            rows_rejected=prepared.rows_rejected,
            mapping_name=mapping_name,
            data_date=prepared.data_date,
            is_demo=is_demo,
        )
        insert_staff(con, upload_id=upload_id, staff=prepared.staff)
        imports.upsert_teams(con, teams=prepared.staff[["team", "service"]].drop_duplicates())
        imports.insert_upload_rejects(con, upload_id=upload_id, rejects=prepared.rejects)
    progress(1.0, "Done")
    return ImportReport(
        upload_id=upload_id,
        kind=KIND,
        file_name=table.file_name,
        rows_read=prepared.rows_read,
        rows_stored=len(prepared.staff),
        rows_rejected=prepared.rows_rejected,
        notes=table.notes + notes,
    )


def suggest_staff_mapping(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for a staff list."""
    return records.suggest_mapping(con, table, kind=KIND, fields=FIELDS)


def prepare(
    con: duckdb.DuckDBPyConnection, table: Table, mapping: dict[str, str], *, options: Options
) -> PreparedStaff:
    """The import kinds registry's ``prepare``: validation only, nothing written.

    The date asked for on the page is the fallback: a date column in the list,
    or a date in its file name, says more reliably what the list describes.
    """
    return prepare_staff(
        table,
        mapping,
        salt=identifier_keys(con).for_workers(),
        day_first=options.day_first,
        data_date=options.data_date,
        prefer_file_date=True,
    )


def import_file(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    uploaded_by: str,
    mapping_name: str | None = None,
    options: Options,
    progress: Progress = no_progress,
) -> ImportReport:
    """The import kinds registry's ``import_file``."""
    return import_staff(
        con,
        table,
        mapping,
        uploaded_by=uploaded_by,
        mapping_name=mapping_name,
        day_first=options.day_first,
        data_date=options.data_date,
        prefer_file_date=True,
        progress=progress,
    )
