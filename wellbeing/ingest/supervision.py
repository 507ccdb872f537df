"""Supervision records from case-management and HR systems: validated, hashed, stored at once.

One row per session: worker id, supervisor id, team, date, duration, type and
status. Worker and supervisor ids are stored only as keyed hashes; names are
personal data and are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from queries import imports
from queries.records import insert_supervision_sessions, sessions_already_stored
from wellbeing.core.cadence import DURATION_RULE, KIND_NAMES, KINDS, STATUSES
from wellbeing.core.vocabulary import Field
from wellbeing.ingest import records
from wellbeing.ingest.mapping import save_mapping, saved_mapping
from wellbeing.ingest.reading import ImportProblem, Table
from wellbeing.ingest.records import Options
from wellbeing.ingest.uploads import (
    ImportReport,
    Progress,
    no_progress,
    refuse_duplicate,
    transaction,
)
from wellbeing.ingest.values import hash_identifier
from wellbeing.store import identifier_keys

KIND = "supervision"
LABELS_KIND = "supervision_labels"
LABELS_NAME = "labels"

FIELDS: tuple[Field, ...] = (
    Field(
        "worker_id",
        "Worker ID (stored hashed)",
        (
            "worker id",
            "worker",
            "worker number",
            "worker no",
            "employee id",
            "employee no",
            "employee number",
            "staff id",
            "staff number",
            "staff no",
            "supervisee id",
            "supervisee",
            "payroll number",
            "person id",
            "practitioner id",
        ),
        required=True,
    ),
    Field(
        "supervisor_id",
        "Supervisor ID (stored hashed)",
        (
            "supervisor id",
            "supervisor",
            "supervisor number",
            "supervisor no",
            "supervisor employee no",
            "supervisor employee number",
            "supervisor staff id",
            "manager id",
        ),
    ),
    Field("team", "Team", ("team", "team name", "worker team", "unit", "service team")),
    Field(
        "date",
        "Session date",
        (
            "supervision date",
            "date",
            "session date",
            "date of supervision",
            "held on",
            "date held",
            "meeting date",
            "supervision date time",
            "date time",
            "start",
            "start time",
        ),
        required=True,
    ),
    Field(
        "duration",
        "Duration",
        (
            "duration",
            "duration mins",
            "duration minutes",
            "duration min",
            "minutes",
            "length",
            "length of session",
            "session length",
            "duration hours",
            "time spent",
        ),
    ),
    Field(
        "type",
        "Supervision type",
        ("supervision type", "type", "session type", "kind", "type of supervision", "category"),
    ),
    Field(
        "status",
        "Status",
        ("status", "outcome", "session status", "attendance", "supervision status"),
    ),
)

# Words in a system's type label and the type they mean, tried in order, so that
# "Reflective case discussion" is reflective and "Group reflective" is group.
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("group", "group"),
    ("peer", "group"),
    ("team", "group"),
    ("reflect", "reflective"),
    ("case", "case"),
    ("management", "case"),
    ("caseload", "case"),
    ("other", "other"),
    ("ad hoc", "other"),
    ("informal", "other"),
)
STATUS_LABELS: dict[str, str] = {
    "held": "held",
    "completed": "held",
    "complete": "held",
    "attended": "held",
    "took place": "held",
    "happened": "held",
    "done": "held",
    "yes": "held",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "cancelled by worker": "cancelled",
    "cancelled by supervisor": "cancelled",
    "cancelled by manager": "cancelled",
    "did not attend": "cancelled",
    "dna": "cancelled",
    "no show": "cancelled",
    "not held": "cancelled",
    "missed": "cancelled",
    "no": "cancelled",
    "rescheduled": "rescheduled",
    "re scheduled": "rescheduled",
    "postponed": "rescheduled",
    "moved": "rescheduled",
    "rearranged": "rescheduled",
}
STATUS_NAMES = "held, cancelled or rescheduled"
TYPE_NAMES = ", ".join(name.lower() for name in KIND_NAMES.values())


def type_of(label: str, extra: dict[str, str] | None = None) -> str | None:
    """The stored type for a system's label, or None when it cannot be told.

    Example:
        >>> type_of("Case management supervision"), type_of("Reflective supervision")
        ('case', 'reflective')
    """
    words = records.normalise(label)
    for known, kind in (extra or {}).items():
        if records.normalise(known) == words:
            return kind
    for name, kind in ((n.lower(), k) for k, n in KIND_NAMES.items()):
        if words == records.normalise(name):
            return kind
    for word, kind in TYPE_WORDS:
        if word in words:
            return kind
    return None


def status_of(label: str, extra: dict[str, str] | None = None) -> str | None:
    """The stored status for a system's label ('Completed' -> held), or None."""
    words = records.normalise(label)
    for known, status in (extra or {}).items():
        if records.normalise(known) == words:
            return status
    return STATUS_LABELS.get(words)


def saved_labels(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """HR's own label map: {"type": {label: type}, "status": {label: status}}."""
    saved = saved_mapping(con, name=LABELS_NAME, kind=LABELS_KIND) or {}
    return {"type": saved.get("type", {}), "status": saved.get("status", {})}


def save_labels(
    con: duckdb.DuckDBPyConnection,
    *,
    types: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
) -> None:
    """Teach the import a system's own labels, e.g. {"Practice supervision": "reflective"}.

    Kept with the saved mappings and used by every later supervision import.
    """
    labels = saved_labels(con)
    for label, kind in (types or {}).items():
        if kind not in KINDS:
            raise ValueError(f"{kind!r} is not a supervision type ({', '.join(KINDS)})")
        labels["type"][label] = kind
    for label, status in (statuses or {}).items():
        if status not in STATUSES:
            raise ValueError(f"{status!r} is not a session status ({', '.join(STATUSES)})")
        labels["status"][label] = status
    # Label maps are kept beside the column mappings; the value is not a column map.
    save_mapping(con, name=LABELS_NAME, kind=LABELS_KIND, mapping=labels)


# What HR may say a system's unknown label means, per mapped field.
LABEL_CHOICES: dict[str, tuple[str, ...]] = {"type": KINDS, "status": STATUSES}
_UNKNOWN_REASONS = {"type": "unknown supervision type", "status": "unknown status"}


def unknown_labels(rejects: pd.DataFrame) -> dict[str, list[str]]:
    """The distinct labels validation could not place, by field ("type" or "status").

    Example:
        >>> unknown_labels(prepared.rejects)
        {'type': ['Practice supervision']}
    """
    found: dict[str, list[str]] = {}
    for target, reason in _UNKNOWN_REASONS.items():
        values = rejects.loc[rejects["reason"].astype("str").str.startswith(reason), "value"]
        labels = sorted({str(value).strip() for value in values if str(value).strip()})
        if labels:
            found[target] = labels
    return found


@dataclass
class PreparedSupervision:
    """A validated supervision export: the sessions to store and every bad cell."""

    sessions: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    data_date: dt.date | None
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.sessions)


def prepare_supervision(
    table: Table,
    mapping: dict[str, str],
    *,
    salt: str,
    day_first: bool = True,
    data_date: dt.date | None = None,
    labels: dict[str, dict[str, str]] | None = None,
) -> PreparedSupervision:
    """Check every mapped cell; rows with any bad cell are held back, each cell listed.

    ``labels`` extends the built-in type and status words with a system's own
    (see :func:`save_labels`). The data date is, in order: the one given, a date
    in the file name, the latest session date.
    """
    columns = records.check_mapping(table, mapping, fields=FIELDS, what="supervision record")
    labels = labels or {}
    frame = table.frame
    checks = records.Checks(table, text_columns=columns)
    notes: list[str] = []

    worker = records.text(frame, columns["worker_id"])
    checks.flag(worker.isna(), columns["worker_id"], "no worker id")
    held_on = records.dates(
        checks, columns["date"], day_first=day_first, notes=notes, required=True
    )
    minutes = records.durations(checks, columns.get("duration"))
    kinds = records.labelled(
        checks,
        columns.get("type"),
        what="supervision type",
        allowed=TYPE_NAMES,
        match=lambda label: type_of(label, labels.get("type")),
    )
    if "status" in columns:
        statuses = records.labelled(
            checks,
            columns["status"],
            what="status",
            allowed=STATUS_NAMES,
            match=lambda label: status_of(label, labels.get("status")),
        )
        checks.flag(records.text(frame, columns["status"]).isna(), columns["status"], "no status")
    else:
        statuses = pd.Series(["held"] * len(frame), index=frame.index, dtype="object")
        notes.append("No status column is mapped: every session is taken as held.")
    if "duration" not in columns:
        notes.append(
            "No duration column is mapped: compliance can only be judged without the "
            f"{DURATION_RULE} for these sessions."
        )

    rejects = checks.rejects()
    keep = checks.good_rows()
    sessions = pd.DataFrame(
        {
            "worker_key": hash_identifier(frame[columns["worker_id"]], salt),
            "supervisor_key": (
                hash_identifier(frame[columns["supervisor_id"]], salt)
                if "supervisor_id" in columns
                else pd.Series([None] * len(frame), index=frame.index)
            ),
            "team": records.text(frame, columns.get("team")),
            "held_on": held_on,
            "minutes": minutes,
            "kind": kinds,
            "status": statuses,
        }
    )[keep].reset_index(drop=True)
    sessions["held_on"] = pd.to_datetime(sessions["held_on"]).astype("datetime64[us]")
    if data_date is None:
        data_date = records.data_date_from_file_name(table.file_name)
    if data_date is None and len(sessions):
        data_date = sessions["held_on"].max().date()
        notes.append(
            f"Records are taken as complete up to {data_date:%d/%m/%Y}, the latest session date. "
            "Give the export's date if it runs later."
        )
    if data_date is not None and len(sessions):
        later = int((sessions["held_on"].dt.date > data_date).sum())
        if later:
            notes.append(
                f"{later:,} session(s) are dated after the data date {data_date:%d/%m/%Y}."
            )
    unknown_minutes = int(sessions.loc[sessions["status"] == "held", "minutes"].isna().sum())
    if unknown_minutes:
        notes.append(
            f"{unknown_minutes:,} held session(s) have no duration: they count as long "
            f"enough, and the figures without the {DURATION_RULE} include them too."
        )
    return PreparedSupervision(
        sessions=sessions,
        rejects=rejects,
        rows_read=len(frame),
        data_date=data_date,
        notes=notes,
    )


def overlap_note(con: duckdb.DuckDBPyConnection, sessions: pd.DataFrame) -> list[str]:
    """A note when the export repeats sessions an earlier upload already holds."""
    if sessions.empty:
        return []
    repeated = sessions_already_stored(con, sessions=sessions)
    if not repeated:
        return []
    return [
        f"{repeated:,} of these sessions are already stored from an earlier upload. If this "
        "export replaces that one, withdraw the earlier upload after importing, or those "
        "sessions are counted twice in session counts (compliance is not affected)."
    ]


def import_supervision(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    uploaded_by: str,
    mapping_name: str | None = None,
    day_first: bool = True,
    data_date: dt.date | None = None,
    is_demo: bool = False,
    progress: Progress = no_progress,
) -> ImportReport:
    """Validate and store supervision records: all accepted rows in one transaction, or nothing.

    Raises ImportProblem (nothing stored) for a duplicate file, a structural
    problem, or a file in which no row is valid.
    """
    refuse_duplicate(con, sha256=table.sha256)
    progress(0.05, "Checking every cell")
    prepared = prepare_supervision(
        table,
        mapping,
        salt=identifier_keys(con).for_workers(),
        day_first=day_first,
        data_date=data_date,
        labels=saved_labels(con),
    )
    if prepared.sessions.empty:
        raise ImportProblem(
            f"None of the {prepared.rows_read:,} rows can be imported: every row has a problem. "
            "Download the list of problems, fix the file and upload it again."
        )
    notes = prepared.notes + overlap_note(con, prepared.sessions)
    progress(0.5, f"Storing {len(prepared.sessions):,} sessions")
    with transaction(con):
        upload_id = imports.insert_upload(
            con,
            kind=KIND,
            file_name=table.file_name,
            sha256=table.sha256,
            uploaded_by=uploaded_by,
            rows_read=prepared.rows_read,
            rows_stored=len(prepared.sessions),
            rows_rejected=prepared.rows_rejected,
            mapping_name=mapping_name,
            data_date=prepared.data_date,
            is_demo=is_demo,
        )
        insert_supervision_sessions(con, upload_id=upload_id, sessions=prepared.sessions)
        teams = prepared.sessions[["team"]].dropna().drop_duplicates().assign(service=None)
        imports.upsert_teams(con, teams=teams.astype({"service": "str"}))
        imports.insert_upload_rejects(con, upload_id=upload_id, rejects=prepared.rejects)
    progress(1.0, "Done")
    return ImportReport(
        upload_id=upload_id,
        kind=KIND,
        file_name=table.file_name,
        rows_read=prepared.rows_read,
        rows_stored=len(prepared.sessions),
        rows_rejected=prepared.rows_rejected,
        notes=table.notes + notes,
    )


def suggest_supervision_mapping(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for a supervision export."""
    return records.suggest_mapping(con, table, kind=KIND, fields=FIELDS)


def prepare(
    con: duckdb.DuckDBPyConnection, table: Table, mapping: dict[str, str], *, options: Options
) -> PreparedSupervision:
    """The import kinds registry's ``prepare``: validation only, nothing written."""
    prepared = prepare_supervision(
        table,
        mapping,
        salt=identifier_keys(con).for_workers(),
        day_first=options.day_first,
        data_date=options.data_date,
        labels=saved_labels(con),
    )
    prepared.notes += overlap_note(con, prepared.sessions)
    return prepared


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
    return import_supervision(
        con,
        table,
        mapping,
        uploaded_by=uploaded_by,
        mapping_name=mapping_name,
        day_first=options.day_first,
        data_date=options.data_date,
        progress=progress,
    )
