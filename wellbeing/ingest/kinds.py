"""The kinds of export HR can import, described once for the upload page and the command line.

Each kind says which fields its columns can fill, whether columns can also be
instrument items, and gives three functions with the same shape for every kind:

- ``suggest(con, table) -> (saved mapping name or None, mapping)``
- ``prepare(con, table, mapping, *, options) -> Prepared`` (validation only, nothing written;
  raises ``ImportProblem`` for a structural problem)
- ``import_file(con, table, mapping, *, uploaded_by, mapping_name, options, progress)
  -> ImportReport`` (one transaction; raises ``ImportProblem`` and stores nothing on failure)

A new kind is one ``register(ImportKind(...))`` call at the bottom of this file;
the upload page and ``wellbeing import <kind>`` pick it up from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import duckdb
import pandas as pd

from wellbeing.core import instruments
from wellbeing.core.vocabulary import SURVEY_FIELDS, Field
from wellbeing.ingest import changes, staff, supervision, survey
from wellbeing.ingest.mapping import IGNORE, PERSONAL
from wellbeing.ingest.reading import Table
from wellbeing.ingest.uploads import ImportReport, Progress, no_progress
from wellbeing.store import identifier_keys

__all__ = [
    "ImportKind",
    "ImportOptions",
    "Prepared",
    "all_kinds",
    "get",
    "register",
]


@dataclass(frozen=True)
class ImportOptions:
    """What HR says about a file beyond its columns. Kinds ignore what they do not use."""

    wave: str | None = None
    day_first: bool = True
    data_date: dt.date | None = None
    # Survey only: new measures, answer scales, reverse keying and replacing (issue 16).
    plan: survey.SurveyPlan | None = None


class Prepared(Protocol):
    """A validated file: every bad cell in ``rejects`` (row, column, value, reason)."""

    rejects: pd.DataFrame
    rows_read: int
    notes: list[str]


Suggest = Callable[[duckdb.DuckDBPyConnection, Table], tuple[str | None, dict[str, str]]]
Prepare = Callable[..., Prepared]
ImportFile = Callable[..., ImportReport]


@dataclass(frozen=True)
class ImportKind:
    """One kind of export: what its columns can mean and how it is validated and stored.

    Args:
        name: the ``uploads.kind`` value and the command-line word (``survey``).
        label: what HR sees in the kind chooser (``Staff survey``).
        description: one sentence under the chooser saying which export this is.
        fields: the record fields a column can be mapped to.
        maps_items: whether columns can also be mapped to instrument items.
        suggest: ``(con, table) -> (saved mapping name | None, mapping)``.
        prepare: ``(con, table, mapping, *, options) -> Prepared``.
        import_file: ``(con, table, mapping, *, uploaded_by, mapping_name, options,
            progress) -> ImportReport``.
        needs_wave: the import must be told which survey wave the file belongs to.
        needs_data_date: the import must be told the date the export describes.
    """

    name: str
    label: str
    description: str
    fields: tuple[Field, ...]
    maps_items: bool
    suggest: Suggest
    prepare: Prepare
    import_file: ImportFile
    needs_wave: bool = False
    needs_data_date: bool = False

    def targets(self) -> dict[str, str]:
        """Every choice a column can be mapped to, with the words HR sees for it."""
        choices = {
            IGNORE: "Ignore (not imported)",
            PERSONAL: "Personal data (dropped, never stored)",
        }
        choices.update({f"field:{field.name}": field.label for field in self.fields})
        if self.maps_items:
            for item in instruments.all_items():
                text = item.text if len(item.text) <= 70 else item.text[:69] + "\u2026"
                choices[f"item:{item.code}"] = (
                    f"{item.code} ({item.construct.replace('_', ' ')}): {text}"
                )
        return choices

    def rows_rejected(self, prepared: Prepared) -> int:
        """Rows held back: a row with several bad cells counts once."""
        return int(prepared.rejects["row"].nunique()) if len(prepared.rejects) else 0


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Add a kind; the upload page lists kinds in the order they were registered."""
    if kind.name in _KINDS:
        raise ValueError(f"import kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> ImportKind:
    """The kind called ``name``; KeyError names the known kinds."""
    try:
        return _KINDS[name]
    except KeyError:
        raise KeyError(f"unknown import kind {name!r} (known: {', '.join(_KINDS)})") from None


def all_kinds() -> list[ImportKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def _prepare_survey(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen, so sharing is safe
) -> survey.PreparedSurvey:
    return survey.prepare_survey(
        table,
        mapping,
        salt=identifier_keys(con).for_respondents(options.wave),
        day_first=options.day_first,
        plan=options.plan,
        known=survey.stored_measures(con),
    )


def _import_survey(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    uploaded_by: str,
    mapping_name: str | None = None,
    options: ImportOptions = ImportOptions(),  # noqa: B008 - frozen, so sharing is safe
    progress: Progress = no_progress,
) -> ImportReport:
    return survey.import_survey(
        con,
        table,
        mapping,
        wave=options.wave or "",
        uploaded_by=uploaded_by,
        mapping_name=mapping_name,
        day_first=options.day_first,
        progress=progress,
        plan=options.plan,
    )


register(
    ImportKind(
        name=survey.KIND,
        label="Staff survey",
        description=(
            "Responses exported from Microsoft Forms, Google Forms, SurveyMonkey, Qualtrics, "
            "Typeform or a spreadsheet: one row per respondent, one column per question."
        ),
        fields=SURVEY_FIELDS,
        maps_items=True,
        suggest=survey.suggest_survey_mapping,
        prepare=_prepare_survey,
        import_file=_import_survey,
        needs_wave=True,
    )
)


register(
    ImportKind(
        name=supervision.KIND,
        label="Supervision records",
        description=(
            "Sessions exported from the case-management or HR system: one row per session, "
            "with worker, supervisor, team, date, duration, type and status. Ids are stored "
            "only as keyed hashes; names are dropped."
        ),
        fields=supervision.FIELDS,
        maps_items=False,
        suggest=supervision.suggest_supervision_mapping,
        prepare=supervision.prepare,
        import_file=supervision.import_file,
    )
)

register(
    ImportKind(
        name=staff.KIND,
        label="Staff list",
        description=(
            "The HR staff list: worker id, team, role, career stage, ASYE start, start and "
            "leaving dates, agency or permanent. It supersedes older lists from its date on "
            "(a date in the list or in its file name wins over the date given here)."
        ),
        fields=staff.FIELDS,
        maps_items=False,
        suggest=staff.suggest_staff_mapping,
        prepare=staff.prepare,
        import_file=staff.import_file,
        needs_data_date=True,
    )
)

register(
    ImportKind(
        name=changes.KIND,
        label="Change log",
        description=(
            "Restructures, new systems, manager changes and policies: team (blank or 'All' "
            "for organisation-wide), date, description, kind. Events can also be added one "
            "by one on the Change log page."
        ),
        fields=changes.FIELDS,
        maps_items=False,
        suggest=changes.suggest_changes_mapping,
        prepare=changes.prepare,
        import_file=changes.import_file,
    )
)
