"""The mapping suggested for a survey export, and the measures suggested for its questions."""

from __future__ import annotations

import duckdb

from queries import measures
from wellbeing.core import instruments, scales
from wellbeing.core.vocabulary import SURVEY_FIELDS
from wellbeing.ingest import meaning
from wellbeing.ingest.mapping import IGNORE, PERSONAL, best_saved_mapping, suggest
from wellbeing.ingest.reading import Table
from wellbeing.ingest.survey_plan import (
    KIND,
    MEASURE,
    SINGLE,
    NewMeasure,
    built_in_measures,
    stored_measures,
)
from wellbeing.ingest.survey_scales import _answer_count, _distinct_answers


def targets(
    con: duckdb.DuckDBPyConnection, *, new: dict[str, NewMeasure] | None = None
) -> dict[str, str]:
    """Every choice a survey column can be mapped to, in words HR reads (no codes).

    Fields first, then the measures a question can go into (built-in, HR's own, and
    ``new`` ones made on the Upload page), then each built-in question by its wording.
    """
    choices = {
        IGNORE: "Ignore (not imported)",
        PERSONAL: "Personal data (dropped, never stored)",
    }
    choices |= {f"field:{field.name}": field.label for field in SURVEY_FIELDS}
    choices[SINGLE] = "A measure of its own (this question alone)"
    for code, measure in stored_measures(con).items():
        choices[f"{MEASURE}{code}"] = f"Measure: {measure.name}"
    for code, measure in (new or {}).items():
        choices[f"{MEASURE}{code}"] = f"Measure (new): {measure.name}"
    names = {code: m.name for code, m in built_in_measures().items()}
    for item in instruments.all_items():
        text = item.text if len(item.text) <= 70 else item.text[:69] + "\u2026"
        owner = names.get(item.construct, item.construct.replace("_", " ").capitalize())
        choices[f"item:{item.code}"] = f"Built-in question ({owner}): {text}"
    return choices


def detect_scale(table: Table, column: str) -> scales.Detected:
    """The answer scale of one column, as the import will detect it."""
    distinct = _distinct_answers(table.frame[column])
    return scales.detect(distinct[1], answers=_answer_count(distinct))


def measure_words(con: duckdb.DuckDBPyConnection) -> list[meaning.MeasureWords]:
    """Every measure a question can be suggested for: built-in, and HR's own with the
    wording of their questions."""
    words = meaning.built_in_measures()
    own = measures.own_measures(con)
    items = measures.own_items(con)
    for row in own.itertuples(index=False):
        asked = tuple(items.loc[items["construct"] == row.code, "text"])
        words.append(meaning.MeasureWords(row.code, row.name, (row.description or "", *asked)))
    return words


def question_suggestions(
    con: duckdb.DuckDBPyConnection, table: Table, *, columns: list[str] | None = None
) -> dict[str, meaning.Suggestion]:
    """How sure the suggestion for each question column is, and why (for the Upload page).

    ``columns``: the columns to judge (default: those no field or built-in question took).
    """
    if columns is None:
        _, base = _base_suggestion(con, table)
        columns = [column for column, target in base.items() if target == IGNORE]
    return meaning.suggest_questions(
        table.frame, columns, question_text=table.question_text, measures=measure_words(con)
    )


def _base_suggestion(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[tuple[str, dict[str, str]] | None, dict[str, str]]:
    best = best_saved_mapping(con, kind=KIND, columns=list(table.frame.columns))
    suggested = suggest(
        table.frame,
        fields=SURVEY_FIELDS,
        items=instruments.all_items(),
        question_text=table.question_text,
        saved=best[1] if best else None,
    )
    return best, suggested


def suggest_survey_mapping(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for this export.

    A saved mapping wins for the columns it knows; then fields and built-in questions
    by their headers; then each remaining question column by its meaning: into a
    measure, kept as a measure of its own, or (free text) ignored.
    """
    best, suggested = _base_suggestion(con, table)
    saved = best[1] if best else {}
    left = [
        column for column, target in suggested.items() if target == IGNORE and column not in saved
    ]
    for column, found in question_suggestions(con, table, columns=left).items():
        suggested[column] = found.target
    return (best[0] if best else None), suggested
