"""A survey export's columns: the measures they can go into, HR's plan, the mapping check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from queries import measures
from wellbeing.core import instruments
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.vocabulary import SURVEY_FIELDS
from wellbeing.ingest import meaning
from wellbeing.ingest.mapping import IGNORE, PERSONAL
from wellbeing.ingest.reading import ImportProblem, Table

KIND = "survey"


# A column can go into a measure (a council's own question) or be a measure of its own.
MEASURE = "measure:"


SINGLE = meaning.SINGLE


# HR's own measures are constructs of the survey's own instrument (queries.measures).
OWN_INSTRUMENT = measures.INSTRUMENT


@dataclass(frozen=True)
class NewMeasure:
    """A measure HR makes at import: its name and description in their words, which way is
    better and its "high" cut-off (on 1-5, or a share for yes/no questions)."""

    code: str
    name: str
    description: str = ""
    higher_is_better: bool = True
    high_cutoff: float = HIGH_SCORE_CUTOFF
    single_question: bool = False


@dataclass(frozen=True)
class MeasureInfo:
    """A measure a question can be put in: built-in, or HR's own already stored."""

    code: str
    name: str
    kind: str
    scale_min: float
    scale_max: float


@dataclass
class SurveyPlan:
    """What HR says beyond the mapping about the council's own questions.

    Args:
        measures: new measures by code (targets ``measure:<code>``); a ``single``
            column's measure may be given here under :func:`single_code` of its wording.
        scales: column -> answer scale name, where HR chose it (``scales.scale_named``).
        reverse: column -> reverse keyed or not, where HR confirmed or changed the suggestion.
        replace_earlier: replace stored answers of respondents whose ids this file repeats.
    """

    measures: dict[str, NewMeasure] = field(default_factory=dict)
    scales: dict[str, str] = field(default_factory=dict)
    reverse: dict[str, bool] = field(default_factory=dict)
    replace_earlier: bool = False


def _targets(mapping: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        column: target.split(":", 1)[1]
        for column, target in mapping.items()
        if target.startswith(prefix)
    }


def built_in_measures() -> dict[str, MeasureInfo]:
    """The default instrument's constructs, which a council's own question can go into."""
    return {
        row["code"]: MeasureInfo(
            row["code"], row["name"], row["kind"], float(row["scale_min"]), float(row["scale_max"])
        )
        for row in instruments.csv_rows("constructs.csv")
        if row["instrument"] == OWN_INSTRUMENT
    }


def stored_measures(con: duckdb.DuckDBPyConnection) -> dict[str, MeasureInfo]:
    """Built-in measures and HR's own ones already stored."""
    known = built_in_measures()
    for row in measures.own_measures(con).itertuples(index=False):
        known[row.code] = MeasureInfo(
            row.code, row.name, row.kind, float(row.scale_min), float(row.scale_max)
        )
    return known


def single_code(text: str) -> str:
    """The code of the measure a question becomes on its own: its meaningful words."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in meaning.STOPWORDS]
    return "_".join(words[:6]) or "question"


def measure_code(name: str, taken: set[str] | dict[str, object]) -> str:
    """A new code for a measure HR names, not clashing with one already taken."""
    base = "_".join(re.findall(r"[a-z0-9]+", name.lower()))[:40] or "measure"
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def _measure_targets(
    table: Table, mapping: dict[str, str], plan: SurveyPlan, known: dict[str, MeasureInfo]
) -> dict[str, NewMeasure | MeasureInfo]:
    """Each question column going into a measure, with the measure (new or known)."""
    found: dict[str, NewMeasure | MeasureInfo] = {}
    for column, target in mapping.items():
        if target == SINGLE:
            text = table.question_text.get(column) or column
            code = single_code(text)
            found[column] = plan.measures.get(code) or (
                known[code]
                if code in known
                else NewMeasure(code=code, name=text, single_question=True)
            )
        elif target.startswith(MEASURE):
            code = target.removeprefix(MEASURE)
            found[column] = plan.measures.get(code) or known[code]
    return found


def check_mapping(
    table: Table,
    mapping: dict[str, str],
    *,
    known: dict[str, MeasureInfo] | None = None,
    plan: SurveyPlan | None = None,
) -> None:
    """Structural problems with a mapping, each as one sentence saying what to do."""
    if table.layout == "long":
        raise ImportProblem(
            table.long_problem
            or "This file has one row per answer (a question column and a response column), so "
            "answers cannot be put back together per respondent. Export the responses with one "
            "row per respondent and one column per question."
        )
    known = built_in_measures() if known is None else known
    plan = plan or SurveyPlan()
    field_names = {field.name for field in SURVEY_FIELDS}
    item_codes = {item.code for item in instruments.all_items()}
    for column, target in mapping.items():
        kind, _, name = target.partition(":")
        known_target = (
            target in (IGNORE, PERSONAL, SINGLE)
            or (kind == "field" and name in field_names)
            or (kind == "item" and name in item_codes)
            or (target.startswith(MEASURE) and (name in known or name in plan.measures))
        )
        if target.startswith(MEASURE) and not known_target:
            raise ImportProblem(
                f"Column '{column}' is put in a measure that does not exist yet ('{name}'). "
                "Make the measure first, or choose another one."
            )
        if not known_target:
            raise ImportProblem(
                f"Column '{column}' is mapped to '{target}', which a survey does not have. "
                "Map it to a field, a question, or ignore it."
            )
    unknown = [column for column in mapping if column not in table.frame.columns]
    if unknown:
        raise ImportProblem(
            f"The mapping names columns this file does not have: {', '.join(unknown[:5])}. "
            "Check that this is the right export, or map the columns again."
        )
    fields = list(_targets(mapping, "field:").values())
    duplicated = sorted({name for name in fields if fields.count(name) > 1})
    if duplicated:
        raise ImportProblem(
            f"More than one column is mapped to {', '.join(duplicated)}. Map each field once."
        )
    if "team" not in fields:
        raise ImportProblem(
            "No column is mapped to Team. Every response needs a team: map the column that says "
            "which team the respondent works in."
        )
    if not _targets(mapping, "item:") and not _measure_targets(table, mapping, plan, known):
        raise ImportProblem(
            "No column is mapped to a survey question. Put at least one question column in a "
            "measure (or keep it as a measure of its own)."
        )
    items = list(_targets(mapping, "item:").values())
    repeated = sorted({code for code in items if items.count(code) > 1})
    if repeated:
        raise ImportProblem(
            f"More than one column is mapped to question {', '.join(repeated)}. "
            "Map each question once."
        )
