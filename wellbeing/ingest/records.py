"""What the record imports (supervision, staff list, change log) share.

Checking a mapping of columns to fields, collecting every bad cell, reading
dates and durations, and finding the date an export describes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import pandas as pd

from wellbeing.core.vocabulary import Field
from wellbeing.ingest.mapping import best_saved_mapping, suggest
from wellbeing.ingest.reading import ImportProblem, Table
from wellbeing.ingest.uploads import REJECT_COLUMNS, empty_rejects
from wellbeing.ingest.values import TOO_LONG, ambiguous_dates, parse_dates, too_long

# Longest plausible session; anything longer is a typing error (e.g. 900 for 90).
MAX_SESSION_MINUTES = 600

_BARE_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_HOURS_MINUTES = re.compile(
    r"^(?:(?P<hours>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours)\.?)?\s*,?\s*(?:and\s*)?"
    r"(?:(?P<minutes>\d+(?:\.\d+)?)\s*(?:m|min|mins|minute|minutes)\.?)?$"
)
_FILE_NAME_DATE = re.compile(r"(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})")


class Options(Protocol):
    """What the record imports read from ``kinds.ImportOptions`` (not imported: it imports us)."""

    day_first: bool
    data_date: dt.date | None


def fields_in(mapping: dict[str, str]) -> dict[str, str]:
    """Field name -> the column mapped to it."""
    return {
        target.split(":", 1)[1]: column
        for column, target in mapping.items()
        if target.startswith("field:")
    }


def check_mapping(
    table: Table, mapping: dict[str, str], *, fields: tuple[Field, ...], what: str
) -> dict[str, str]:
    """Field name -> column, after checking the mapping makes sense for this file.

    Raises ImportProblem, in one sentence saying what to do, for columns the file
    lacks, a field mapped twice, an unknown field or a required field not mapped.
    """
    unknown = [column for column in mapping if column not in table.frame.columns]
    if unknown:
        raise ImportProblem(
            f"The mapping names columns this file does not have: {', '.join(unknown[:5])}. "
            "Check that this is the right export, or map the columns again."
        )
    names = [t.split(":", 1)[1] for t in mapping.values() if t.startswith("field:")]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ImportProblem(
            f"More than one column is mapped to {', '.join(duplicated)}. Map each field once."
        )
    known = {f.name: f for f in fields}
    strange = [name for name in names if name not in known]
    items = [t for t in mapping.values() if t.startswith("item:")]
    if strange or items:
        raise ImportProblem(
            f"A {what} has no field {', '.join(strange + items)}. "
            f"Map columns to: {', '.join(f.label for f in fields)}."
        )
    for f in fields:
        if f.required and f.name not in names:
            raise ImportProblem(
                f"No column is mapped to {f.label}. Every row of a {what} needs one: "
                "map the column that holds it."
            )
    return fields_in(mapping)


def suggest_mapping(
    con: duckdb.DuckDBPyConnection, table: Table, *, kind: str, fields: tuple[Field, ...]
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for a record export."""
    best = best_saved_mapping(con, kind=kind, columns=list(table.frame.columns))
    name, saved = best if best else (None, None)
    return name, suggest(table.frame, fields=fields, saved=saved)


@dataclass
class Checks:
    """Every bad cell of one file, as (row, column, value, reason) with file row numbers."""

    table: Table
    problems: list[pd.DataFrame] = field(default_factory=list)
    # The mapped columns (field -> column): any cell longer than a stored name may be
    # is a bad cell from the start.
    text_columns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in dict.fromkeys(self.text_columns.values()):
            self.flag(too_long(self.table.frame[column]), column, TOO_LONG)

    @property
    def file_rows(self) -> pd.Series:
        frame = self.table.frame
        return pd.Series(range(len(frame)), index=frame.index) + self.table.header_rows + 1

    def flag(self, mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        """Record the cells of ``column`` where ``mask`` is true as bad, for ``reason``."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        values = self.table.frame[column]
        self.problems.append(
            pd.DataFrame(
                {
                    "row": self.file_rows[mask].astype("int64"),
                    "column": column,
                    "value": values[mask].astype("str"),
                    "reason": reason[mask] if isinstance(reason, pd.Series) else reason,
                }
            )
        )

    def rejects(self) -> pd.DataFrame:
        if not self.problems:
            return empty_rejects()
        frame = pd.concat(self.problems, ignore_index=True)
        return frame.sort_values(["row", "column"], kind="stable").reset_index(drop=True)[
            REJECT_COLUMNS
        ]

    def good_rows(self) -> pd.Series:
        """True for data rows with no bad cell (indexed like the table's frame)."""
        bad = set(self.rejects()["row"].tolist())
        return ~self.file_rows.isin(bad)


def text(frame: pd.DataFrame, column: str | None) -> pd.Series:
    """A column stripped, blanks as missing; all missing when the field is not mapped."""
    if column is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype="str")
    values = frame[column].astype("str").str.strip()
    return values.where(values.ne(""), None)


def dates(
    checks: Checks, column: str | None, *, day_first: bool, notes: list[str], required: bool
) -> pd.Series:
    """A column of dates (no time of day), every unreadable cell flagged.

    Ambiguous dates such as 03/04/2026 follow ``day_first``; the note says how many there were.
    """
    frame = checks.table.frame
    if column is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    raw = frame[column].astype("str").str.strip()
    stamps, bad = parse_dates(raw, day_first=day_first)
    checks.flag(bad, column, "unreadable date (use 31/01/2026, 2026-01-31 or an Excel date)")
    if required:
        checks.flag(raw.eq(""), column, "no date")
    ambiguous = ambiguous_dates(raw[~bad])
    if ambiguous:
        order = (
            "day first (UK: 03/04/2026 is 3 April)"
            if day_first
            else ("month first (US: 03/04/2026 is 4 March)")
        )
        parts = raw[~bad].str.extract(r"^(\d{1,2})/(\d{1,2})/")
        first, second = (pd.to_numeric(parts[i], errors="coerce") for i in (0, 1))
        only_this_way = int(((first > 12) if day_first else (second > 12)).sum())
        evidence = (
            f" {only_this_way:,} other date(s) in the column can only be read that way, so "
            "this is very likely right."
            if only_this_way
            else " Change the day-first setting if that is wrong."
        )
        notes.append(
            f"{ambiguous:,} date(s) in '{column}' such as 03/04/2026 could be read either way "
            f"and were read {order}, as set.{evidence}"
        )
    return stamps.dt.date.where(stamps.notna(), None)


def parse_minutes(value: str) -> float | None:
    """Minutes in a duration as systems write it; None for blank; ValueError if unreadable.

    Example:
        >>> [parse_minutes(v) for v in ("90", "1h 30m", "1:30", "90 mins", "1.5 hours", "")]
        [90.0, 90.0, 90.0, 90.0, 90.0, None]
    """
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    if match := _BARE_NUMBER.match(cleaned):
        return float(match.group(1))
    if match := _CLOCK.match(cleaned):
        hours, minutes, seconds = match.groups()
        return int(hours) * 60 + int(minutes) + int(seconds or 0) / 60
    if (match := _HOURS_MINUTES.match(cleaned)) and (match["hours"] or match["minutes"]):
        return float(match["hours"] or 0) * 60 + float(match["minutes"] or 0)
    raise ValueError(value)


def durations(checks: Checks, column: str | None) -> pd.Series:
    """Whole minutes (nullable); blank stays unknown, never zero."""
    frame = checks.table.frame
    if column is None:
        return pd.Series([pd.NA] * len(frame), index=frame.index, dtype="Int64")
    raw = frame[column].astype("str").str.strip()
    parsed: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for value in raw.unique():
        try:
            minutes = parse_minutes(value)
        except ValueError:
            reasons[value] = "unreadable duration (use minutes such as 90, or 1h 30m, or 1:30)"
            continue
        if minutes is not None and not 0 <= minutes <= MAX_SESSION_MINUTES:
            reasons[value] = f"duration over {MAX_SESSION_MINUTES // 60} hours"
            continue
        parsed[value] = None if minutes is None else round(minutes)
    checks.flag(raw.isin(list(reasons)), column, raw.map(reasons))
    return raw.map(parsed).astype("Float64").round().astype("Int64")


def labelled(
    checks: Checks,
    column: str | None,
    *,
    match: Callable[[str], str | None],
    what: str,
    allowed: str,
) -> pd.Series:
    """Map each distinct label with ``match(label) -> value | None``; unknown labels flagged."""
    frame = checks.table.frame
    if column is None:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    raw = frame[column].astype("str").str.strip()
    found: dict[str, str | None] = {}
    for value in raw.unique():
        found[value] = match(value) if value else None
    unknown = raw.ne("") & raw.map(found).isna()
    checks.flag(unknown, column, f"unknown {what} (expected {allowed})")
    return raw.map(found)


def normalise(label: str) -> str:
    """Lower case, punctuation to spaces, single spaces: 'Case-management  Supervision' ->
    'case management supervision'."""
    return re.sub(r"[^a-z0-9]+", " ", label.lower()).strip()


def data_date_from_file_name(file_name: str) -> dt.date | None:
    """The date in a file name such as ``staff_list_2026-10-31.csv`` or ``staff 20261031.xlsx``."""
    for match in _FILE_NAME_DATE.finditer(file_name):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None
