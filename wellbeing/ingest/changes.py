"""The organisation's change log: restructures, new systems, manager changes, policies.

Imported from a spreadsheet (team or organisation-wide, date, title, kind) or
added one event at a time on the Change log page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from queries import imports
from queries.records import insert_change_events, team_names
from wellbeing.core.vocabulary import CHANGE_KINDS, Field
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

KIND = "changes"

# What a change log writes in the team column for a change affecting everyone.
ORGANISATION_WIDE_WORDS = {
    "",
    "all",
    "all teams",
    "organisation wide",
    "organization wide",
    "organisation",
    "organization",
    "whole organisation",
    "whole organization",
    "council wide",
    "everyone",
    "all staff",
    "corporate",
}
# Words in a system's label and the kind they mean, tried in order.
KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("restructur", "restructure"),
    ("reorganis", "restructure"),
    ("reorganiz", "restructure"),
    ("merger", "restructure"),
    ("system", "new system"),
    ("software", "new system"),
    ("technology", "new system"),
    ("manager", "manager change"),
    ("management", "manager change"),
    ("leadership", "manager change"),
    ("policy", "policy"),
    ("procedure", "policy"),
    ("other", "other"),
)

FIELDS: tuple[Field, ...] = (
    Field(
        "team",
        "Team (blank = organisation-wide)",
        ("team", "team name", "affected team", "teams affected", "area", "scope"),
    ),
    Field(
        "date",
        "Date",
        (
            "date",
            "start date",
            "date of change",
            "started",
            "effective date",
            "effective from",
            "when",
            "change date",
            "go live date",
        ),
        required=True,
    ),
    Field(
        "title",
        "Change",
        (
            "change",
            "title",
            "description",
            "what changed",
            "event",
            "summary",
            "change description",
        ),
        required=True,
    ),
    Field(
        "kind",
        "Kind of change",
        ("type", "kind", "change type", "category", "type of change", "kind of change"),
    ),
)


def kind_of(label: str) -> str | None:
    """The stored kind for a label ('Reorganisation' -> restructure); None if unknown.

    Example:
        >>> kind_of("New IT system"), kind_of("Policy change")
        ('new system', 'policy')
    """
    words = records.normalise(label)
    if words in CHANGE_KINDS:
        return words
    for word, kind in KIND_WORDS:
        if word in words:
            return kind
    return None


def team_of(label: str | None) -> str | None:
    """The team a change applies to, or None when it is organisation-wide."""
    if not isinstance(label, str) or records.normalise(label) in ORGANISATION_WIDE_WORDS:
        return None
    return label.strip()


@dataclass
class PreparedChanges:
    """A validated change log: the events to store and every bad cell."""

    changes: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.changes)


def prepare_changes(
    table: Table, mapping: dict[str, str], *, day_first: bool = True, known_teams: set[str] = ()
) -> PreparedChanges:
    """Check every mapped cell; rows with any bad cell are held back, each cell listed."""
    columns = records.check_mapping(table, mapping, fields=FIELDS, what="change log")
    frame = table.frame
    checks = records.Checks(table, text_columns=columns)
    notes: list[str] = []
    started = records.dates(
        checks, columns["date"], day_first=day_first, notes=notes, required=True
    )
    title = records.text(frame, columns["title"])
    checks.flag(title.isna(), columns["title"], "no description of the change")
    if "kind" in columns:
        kinds = records.labelled(
            checks,
            columns["kind"],
            match=kind_of,
            what="kind of change",
            allowed=", ".join(CHANGE_KINDS),
        )
        blank = records.text(frame, columns["kind"]).isna()
        kinds = kinds.where(~blank, "other")
        if blank.any():
            notes.append(f"{int(blank.sum())} change(s) with no kind were recorded as 'other'.")
    else:
        kinds = pd.Series(["other"] * len(frame), index=frame.index, dtype="object")
        notes.append("No kind column is mapped: every change is recorded as 'other'.")
    teams = records.text(frame, columns.get("team")).map(team_of)
    keep = checks.good_rows()
    changes = pd.DataFrame(
        {
            "team": teams,
            "started_on": started,
            "title": title,
            "kind": kinds,
        }
    )[keep].reset_index(drop=True)
    changes["started_on"] = pd.to_datetime(changes["started_on"]).astype("datetime64[us]")
    unknown = sorted(set(changes["team"].dropna()) - set(known_teams))
    if known_teams and unknown:
        notes.append(
            f"{len(unknown)} team name(s) are not in any other upload: {', '.join(unknown[:5])}. "
            "Check the spelling if they should match."
        )
    return PreparedChanges(
        changes=changes, rejects=checks.rejects(), rows_read=len(frame), notes=notes
    )


def import_changes(
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
    """Validate and store a change log: all accepted rows in one transaction, or nothing."""
    refuse_duplicate(con, sha256=table.sha256)
    progress(0.05, "Checking every cell")
    prepared = prepare_changes(table, mapping, day_first=day_first, known_teams=known_teams(con))
    if prepared.changes.empty:
        raise ImportProblem(
            f"None of the {prepared.rows_read:,} rows can be imported: every row has a problem. "
            "Download the list of problems, fix the file and upload it again."
        )
    with transaction(con):
        upload_id = imports.insert_upload(
            con,
            kind=KIND,
            file_name=table.file_name,
            sha256=table.sha256,
            uploaded_by=uploaded_by,
            rows_read=prepared.rows_read,
            rows_stored=len(prepared.changes),
            rows_rejected=prepared.rows_rejected,
            mapping_name=mapping_name,
            data_date=data_date,
            is_demo=is_demo,
        )
        insert_change_events(con, upload_id=upload_id, changes=prepared.changes)
        imports.insert_upload_rejects(con, upload_id=upload_id, rejects=prepared.rejects)
    progress(1.0, "Done")
    return ImportReport(
        upload_id=upload_id,
        kind=KIND,
        file_name=table.file_name,
        rows_read=prepared.rows_read,
        rows_stored=len(prepared.changes),
        rows_rejected=prepared.rows_rejected,
        notes=table.notes + prepared.notes,
    )


def known_teams(con: duckdb.DuckDBPyConnection) -> set[str]:
    return set(team_names(con))


def suggest_changes_mapping(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for a change log."""
    return records.suggest_mapping(con, table, kind=KIND, fields=FIELDS)


def prepare(
    con: duckdb.DuckDBPyConnection, table: Table, mapping: dict[str, str], *, options: Options
) -> PreparedChanges:
    """The import kinds registry's ``prepare``: validation only, nothing written."""
    return prepare_changes(
        table, mapping, day_first=options.day_first, known_teams=known_teams(con)
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
    return import_changes(
        con,
        table,
        mapping,
        uploaded_by=uploaded_by,
        mapping_name=mapping_name,
        day_first=options.day_first,
        progress=progress,
    )
