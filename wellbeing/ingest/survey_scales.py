"""A council's own survey questions: the scale each is read on and which way it is keyed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellbeing.core import instruments, scales
from wellbeing.core.reliability import item_rest
from wellbeing.ingest import meaning
from wellbeing.ingest.survey_plan import OWN_INSTRUMENT, MeasureInfo, NewMeasure, SurveyPlan
from wellbeing.ingest.values import (
    repair_excel_damage,
)


@dataclass
class OwnQuestion:
    """A council's own question as it will be read: its measure, scale and keying."""

    placeholder: int
    column: str
    text: str
    measure: str
    scale: scales.Scale
    reverse: bool
    suggested_reverse: bool
    reverse_why: str
    item_rest: float | None = None


def _distinct_answers(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(code of each cell, distinct answers stripped and repaired of Excel damage)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    labels, _ = repair_excel_damage(pd.Series(distinct, dtype="str").fillna("").str.strip())
    return codes, labels.tolist()


def _answer_count(distinct: tuple[np.ndarray, list[str]]) -> int:
    codes, labels = distinct
    filled = np.array([bool(label) for label in labels], dtype=bool)
    return int(filled[codes].sum()) if len(labels) else 0


def item_scale(item: instruments.Item) -> scales.Scale:
    """The answer scale a built-in question is asked on."""
    if item.label_set in scales.WORD_SCALES:
        return scales.word_scale(item.label_set)
    return scales.number_scale(item.scale_min, item.scale_max)


def scale_mismatch(
    column: str,
    item: instruments.Item,
    distinct: tuple[np.ndarray, list[str]],
    known: dict[str, MeasureInfo],
) -> str | None:
    """A sentence when a column's answers are surely on another scale than its question's.

    The fix is in the mapping, not in the file, and the sentence names it. Answers
    that could be on the question's scale (2, 3 and 4 for a 1-5 question) are not a
    mismatch; a 1-4 column is never read as if it were 1-5.
    """
    detected = scales.detect(distinct[1], answers=_answer_count(distinct))
    if detected.scale is None:
        return None
    asked = item_scale(item)
    found = detected.scale
    if found.kind == scales.WORDS and asked.kind == scales.WORDS:
        if set(found.words) <= set(asked.words):
            return None
    elif (found.low, found.high) == (item.scale_min, item.scale_max):
        return None
    measure = known.get(item.construct)
    into = (
        f"put '{column}' in the measure '{measure.name}' instead (its answers are then "
        f"rescaled onto {measure.scale_min:g}-{measure.scale_max:g})"
        if measure is not None
        else f"map '{column}' to a question asked on {found.describe()}"
    )
    return (
        f"'{column}' is answered on {found.describe()}, but question {item.code} is asked on "
        f"{asked.describe()}. The fix is in the mapping, not the file: {into}."
    )


def question_scale(
    column: str, distinct: tuple[np.ndarray, list[str]], plan: SurveyPlan
) -> tuple[scales.Scale | None, str | None]:
    """(the scale a council question's answers are read on, or a sentence asking HR)."""
    if column in plan.scales:
        return scales.scale_named(plan.scales[column]), None
    detected = scales.detect(distinct[1], answers=_answer_count(distinct))
    if detected.scale is not None:
        return detected.scale, None
    if detected.candidates:
        choices = " or ".join(scale.describe() for scale in detected.candidates)
        return None, f"'{column}': {detected.why}. Choose its answer scale ({choices})."
    shown = ", ".join(f"'{value}'" for value in detected.unknown[:4])
    return None, (
        f"'{column}' holds answers on no known answer scale ({shown}). Choose its answer "
        "scale, or ignore the column."
    )


def _is_yes_no(scale: scales.Scale) -> bool:
    return scale.name == "yes_no" or (scale.low, scale.high) == (0.0, 1.0)


def _new_measures(
    own: dict[str, NewMeasure | MeasureInfo], chosen: dict[str, scales.Scale], known: dict
) -> list[NewMeasure]:
    found: dict[str, NewMeasure] = {}
    for measure in own.values():
        if isinstance(measure, NewMeasure) and measure.code not in known:
            found.setdefault(measure.code, measure)
    return list(found.values())


def _new_range(
    code: str, own: dict[str, NewMeasure | MeasureInfo], chosen: dict[str, scales.Scale]
) -> tuple[float, float]:
    """A new measure is on 1-5, or a 0-1 share when every one of its questions is yes/no."""
    asked = [chosen[column] for column, measure in own.items() if measure.code == code]
    return (0.0, 1.0) if asked and all(_is_yes_no(s) for s in asked) else (1.0, 5.0)


def _info(measure: NewMeasure, ranges: dict[str, tuple[float, float]]) -> MeasureInfo:
    low, high = ranges[measure.code]
    kind = "yes_no" if (low, high) == (0.0, 1.0) else "scale"
    return MeasureInfo(measure.code, measure.name, kind, low, high)


def _reverse_from_wording(text: str, measure: NewMeasure | MeasureInfo) -> tuple[bool, str]:
    words = {m.code: m for m in meaning.built_in_measures()}.get(
        measure.code, meaning.MeasureWords(measure.code, measure.name, ())
    )
    return meaning.reverse_from_wording(text, words)


# A question whose answers correlate with the rest of its measure below this is
# suggested to be keyed the other way (its item-rest r is negative).
RUNS_AGAINST = -0.1


def _keyed_by_measure(
    answers: Sequence[np.ndarray],
    kept: np.ndarray,
    item_columns: dict[str, instruments.Item],
    questions: list[OwnQuestion],
    ranges: dict[str, tuple[float, float]],
    *,
    plan: SurveyPlan,
    names: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """Per measure with two or more questions here: its keyed answers (a column a question).

    ``answers``: each item's and then each own question's values over the file's rows,
    of which the rows ``kept`` (a mask) are the ones stored.

    Checks each own question's suggested keying against its item-rest correlation:
    one whose answers run against the rest of its measure is suggested the other way,
    unless HR has already said.
    """
    built_in: dict[str, dict[str, np.ndarray]] = {}
    for position, item in enumerate(item_columns.values()):
        if item.instrument != OWN_INSTRUMENT:
            continue
        values = answers[position][kept]
        keyed = item.scale_min + item.scale_max - values if item.reverse else values
        built_in.setdefault(item.construct, {})[item.text] = keyed
    offset = len(item_columns)

    def keyed_frames() -> dict[str, pd.DataFrame]:
        columns = {code: dict(found) for code, found in built_in.items()}
        for position, question in enumerate(questions):
            values = answers[offset + position][kept]
            low, high = ranges[question.measure]
            keyed = low + high - values if question.reverse else values
            columns.setdefault(question.measure, {})[question.text] = keyed
        return {code: pd.DataFrame(c) for code, c in columns.items() if len(c) >= 2}

    frames = keyed_frames()
    flipped = False
    for question in questions:
        frame = frames.get(question.measure)
        if frame is None or question.column in plan.reverse:
            continue
        r = item_rest(frame).get(question.text)
        if r is not None and r < RUNS_AGAINST:
            question.reverse = question.suggested_reverse = not question.reverse
            question.reverse_why = (
                f"its answers run against the rest of {names.get(question.measure, '')} "
                f"(item-rest r = {r:.2f} as first keyed)"
            )
            flipped = True
    if flipped:
        frames = keyed_frames()
    for question in questions:
        frame = frames.get(question.measure)
        question.item_rest = None if frame is None else item_rest(frame).get(question.text)
    return frames
