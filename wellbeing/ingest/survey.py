"""Survey exports: validate every cell against the mapping, then import in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from queries import imports, measures
from wellbeing.core import instruments, scales
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reliability import Reliability, item_rest, reliability
from wellbeing.core.vocabulary import MAX_TEXT_CHARS, NOT_STATED_ANSWERS, SURVEY_FIELDS
from wellbeing.ingest import meaning
from wellbeing.ingest.mapping import IGNORE, PERSONAL, best_saved_mapping, personal_note, suggest
from wellbeing.ingest.reading import ImportProblem, Table
from wellbeing.ingest.uploads import (
    REJECT_COLUMNS,
    ImportReport,
    Progress,
    empty_rejects,
    no_progress,
    refuse_duplicate,
    transaction,
)
from wellbeing.ingest.values import (
    TOO_LONG,
    ambiguous_dates,
    hash_identifier,
    leading_day_month,
    parse_dates,
    repair_excel_damage,
    too_long,
)
from wellbeing.store import identifier_keys

KIND = "survey"
TEXT_FIELDS = (
    "team",
    "service",
    "role",
    "career_stage",
    "ethnicity",
    "gender",
    "disability",
    "age_band",
)
RESPONSE_COLUMNS = ("row_key", "respondent_hash", "submitted_at") + TEXT_FIELDS
# The respondent attributes whose "prefer not to say" answers are stored as blank.
NOT_STATED_FIELDS = TEXT_FIELDS[2:]
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


@dataclass
class PreparedSurvey:
    """A validated survey export: what would be stored, and every cell that would not."""

    responses: pd.DataFrame
    answers: pd.DataFrame
    item_ids: list[int]
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)
    # The council's own questions (answers carry their placeholder ids until import).
    questions: list[OwnQuestion] = field(default_factory=list)
    new_measures: list[NewMeasure] = field(default_factory=list)
    # Per measure with two or more questions in this file, over its rows.
    reliability: dict[str, Reliability] = field(default_factory=dict)
    measures: dict[str, MeasureInfo] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.responses)


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
    matrix: np.ndarray,
    item_columns: dict[str, instruments.Item],
    questions: list[OwnQuestion],
    ranges: dict[str, tuple[float, float]],
    *,
    plan: SurveyPlan,
    names: dict[str, str],
) -> dict[str, pd.DataFrame]:
    """Per measure with two or more questions here: its keyed answers (a column a question).

    Checks each own question's suggested keying against its item-rest correlation:
    one whose answers run against the rest of its measure is suggested the other way,
    unless HR has already said.
    """
    built_in: dict[str, dict[str, np.ndarray]] = {}
    for position, item in enumerate(item_columns.values()):
        if item.instrument != OWN_INSTRUMENT:
            continue
        values = matrix[position]
        keyed = item.scale_min + item.scale_max - values if item.reverse else values
        built_in.setdefault(item.construct, {})[item.text] = keyed
    offset = len(item_columns)

    def keyed_frames() -> dict[str, pd.DataFrame]:
        columns = {code: dict(found) for code, found in built_in.items()}
        for position, question in enumerate(questions):
            values = matrix[offset + position]
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


def _order_settled(dates: pd.Series) -> bool:
    """True when some date's first or second number is above 12, so the order is not a guess."""
    first, second = leading_day_month(dates)
    return bool(((first > 12) | (second > 12)).any())


def prepare_survey(
    table: Table,
    mapping: dict[str, str],
    *,
    salt: str,
    day_first: bool = True,
    plan: SurveyPlan | None = None,
    known: dict[str, MeasureInfo] | None = None,
) -> PreparedSurvey:
    """Validate every mapped cell; rows with any bad cell are held back, each cell listed.

    Columns mapped to ``personal`` or ``ignore`` are never read, so they cannot
    reach the store. Raises ImportProblem for a structural problem with the mapping,
    a question's answer scale among them (the fix is named: it is in the mapping).
    ``known``: the measures a question can go into (default: the built-in ones).

    Example:
        >>> prepared = prepare_survey(table, {"Team": "field:team", "Q1": "item:STR1"}, salt="s")
        >>> prepared.rejects.columns.tolist()
        ['row', 'column', 'value', 'reason']
    """
    plan = plan or SurveyPlan()
    known = built_in_measures() if known is None else known
    check_mapping(table, mapping, known=known, plan=plan)
    frame = table.frame.reset_index(drop=True)
    n = len(frame)
    notes: list[str] = []
    problems: list[pd.DataFrame] = []
    file_rows = table.file_rows().reset_index(drop=True)
    bad_rows = pd.Series(False, index=frame.index)

    def flag(mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        nonlocal bad_rows
        if mask.any():
            bad_rows = bad_rows | mask
            problems.append(
                pd.DataFrame(
                    {
                        "row": file_rows[mask].astype("int64"),
                        "column": column,
                        "value": frame.loc[mask, column].astype("str"),
                        "reason": reason[mask] if isinstance(reason, pd.Series) else reason,
                    }
                )
            )

    personal = [column for column, target in mapping.items() if target == PERSONAL]
    if personal:
        notes.append(personal_note(personal))
    fields = {name: column for column, name in _targets(mapping, "field:").items()}
    responses = pd.DataFrame(
        {"row_key": pd.Series(range(n), dtype="int64"), "file_row": file_rows.astype("int64")}
    )
    for name in TEXT_FIELDS:
        column = fields.get(name)
        if column is None:
            responses[name] = pd.Series([None] * n, dtype="str")
            continue
        values, repaired = repair_excel_damage(frame[column].str.strip())
        if repaired:
            notes.append(
                f"{repaired} cell(s) in '{column}' looked like Excel date damage "
                "(e.g. '5-Jan') and were read back as ranges (e.g. '1-5')."
            )
        if name in NOT_STATED_FIELDS:
            # "Prefer not to say", "N/A" and a blank are one group everywhere.
            values = values.where(~values.str.lower().isin(NOT_STATED_ANSWERS), "")
        responses[name] = values.where(values.ne(""), None)
        flag(too_long(frame[column]), column, TOO_LONG)
    team_column = fields["team"]
    flag(frame[team_column].str.strip().eq(""), team_column, "no team")

    if "submitted_at" in fields:
        column = fields["submitted_at"]
        stamps, bad = parse_dates(frame[column], day_first=day_first)
        if bad.any():
            # The submitted time feeds no figure (only the wave's dates), so an unreadable
            # one is left blank and said, never a reason to hold a response back.
            _, bad_other_way = parse_dates(frame.loc[bad, column], day_first=not day_first)
            first = str(frame.loc[bad, column].iloc[0]).strip()
            hint = (
                f"; they read as {'month first (US)' if day_first else 'day first (UK)'}: "
                "change the date order if that is how they are written"
                if (~bad_other_way).all()
                else ""
            )
            notes.append(
                f"{int(bad.sum())} date(s) in '{column}', such as '{first}', could not be read "
                f"and were left blank{hint}. No figure uses them, so no response is held back."
            )
        readable = frame.loc[~bad, column]
        ambiguous = ambiguous_dates(readable)
        # One date like 31/01 or 01/31 settles the order for the whole column.
        if ambiguous and not _order_settled(readable):
            order = "day first (31/01/2026, UK)" if day_first else "month first (01/31/2026, US)"
            filled = readable[readable.str.strip().ne("")]
            example = str(filled.iloc[0]).strip().split(" ")[0]
            notes.append(
                f"{ambiguous} date(s) in '{column}', such as {example}, could be read either "
                f"way; they were read {order}. If that is wrong, change the date order."
            )
        responses["submitted_at"] = stamps
    else:
        responses["submitted_at"] = pd.Series([pd.NaT] * n, dtype="datetime64[us]")

    if "respondent_id" in fields:
        responses["respondent_hash"] = hash_identifier(frame[fields["respondent_id"]], salt)
    else:
        responses["respondent_hash"] = pd.Series([None] * n, dtype="str")

    items_by_code = {item.code: item for item in instruments.all_items()}
    sets = instruments.label_sets()
    item_columns = {
        column: items_by_code[code] for column, code in _targets(mapping, "item:").items()
    }
    own = _measure_targets(table, mapping, plan, known)
    distinct = {column: _distinct_answers(frame[column]) for column in [*item_columns, *own]}
    problems_in_mapping = [
        problem
        for column, item in item_columns.items()
        if (problem := scale_mismatch(column, item, distinct[column], known))
    ]
    chosen_scales: dict[str, scales.Scale] = {}
    for column in own:
        scale, problem = question_scale(column, distinct[column], plan)
        if problem:
            problems_in_mapping.append(problem)
        else:
            chosen_scales[column] = scale
    if problems_in_mapping:
        raise ImportProblem(" ".join(problems_in_mapping))
    new_measures = _new_measures(own, chosen_scales, known)
    ranges = {code: (m.scale_min, m.scale_max) for code, m in known.items()}
    ranges |= {m.code: _new_range(m.code, own, chosen_scales) for m in new_measures}

    answer_values = []
    item_ids = []
    questions: list[OwnQuestion] = []

    def read_column(column: str, parse) -> np.ndarray:
        # Strip, repair and parse each distinct answer once, then spread the results back
        # by code: a 100,000-row column holds a handful of labels (issue 9: 100k rows < 5 s).
        codes, labels = distinct[column]
        parsed = np.full(len(labels), np.nan)
        reasons: dict[int, str] = {}
        for position, label in enumerate(labels):
            try:
                value = parse(label)
            except ValueError as error:
                reasons[position] = str(error)
            else:
                parsed[position] = np.nan if value is None else value
        if reasons:
            reason_by_code = pd.Series([reasons.get(i) for i in range(len(labels))], dtype="str")
            flag(
                pd.Series(np.isin(codes, list(reasons)), index=frame.index),
                column,
                pd.Series(reason_by_code.array.take(codes), index=frame.index),
            )
        return parsed[codes]

    for column, item in item_columns.items():
        item_ids.append(item.id)
        answer_values.append(
            read_column(
                column, lambda label, item=item: instruments.parse_answer(label, item, sets).value
            )
        )
    for position, (column, measure) in enumerate(own.items(), start=1):
        scale, (low, high) = chosen_scales[column], ranges[measure.code]

        def parse(label: str, scale=scale, low=low, high=high) -> float | None:
            value = scale.value(label)
            return None if value is None else scale.rescale(value, low=low, high=high)

        item_ids.append(-position)
        answer_values.append(read_column(column, parse))
        text = table.question_text.get(column) or column
        suggested, why = _reverse_from_wording(text, measure)
        questions.append(
            OwnQuestion(
                placeholder=-position,
                column=column,
                text=text,
                measure=measure.code,
                scale=scale,
                reverse=plan.reverse.get(column, suggested),
                suggested_reverse=suggested,
                reverse_why=why,
            )
        )

    rejects = pd.concat(problems, ignore_index=True) if problems else empty_rejects()
    rejects = rejects.sort_values(["row", "column"], kind="stable").reset_index(drop=True)[
        REJECT_COLUMNS
    ]
    keep = ~bad_rows.to_numpy()
    responses = responses[keep].reset_index(drop=True)
    # Items x rows; answers are stored item by item, for kept rows, when not missing.
    matrix = np.vstack(answer_values)
    stored = keep[np.newaxis, :] & ~np.isnan(matrix)
    item_index, row_index = np.nonzero(stored)
    # Renumber so stored response ids are dense; the file row is not needed past validation.
    dense_key = np.cumsum(keep) - 1
    answers = pd.DataFrame(
        {
            "row_key": dense_key[row_index].astype("int64"),
            "item_id": np.array(item_ids, dtype="int32")[item_index],
            "value": matrix[stored],
        }
    )
    responses = responses.assign(row_key=pd.Series(range(len(responses)), dtype="int64"))
    names = {code: m.name for code, m in known.items()} | {m.code: m.name for m in new_measures}
    by_measure = _keyed_by_measure(
        matrix[:, keep], item_columns, questions, ranges, plan=plan, names=names
    )
    return PreparedSurvey(
        responses=responses[[*RESPONSE_COLUMNS, "file_row"]],
        answers=answers,
        item_ids=sorted(item_ids),
        rejects=rejects,
        rows_read=n,
        notes=notes,
        questions=questions,
        new_measures=new_measures,
        reliability={code: reliability(frame) for code, frame in by_measure.items()},
        measures=known | {m.code: _info(m, ranges) for m in new_measures},
    )


def earlier_respondents(
    con: duckdb.DuckDBPyConnection, prepared: PreparedSurvey, *, wave: str
) -> pd.DataFrame:
    """Rows of this file whose respondent id already has answers stored in ``wave``.

    One row per stored response: the file row, and the earlier upload (``response_id``
    is for replacing them; it is not shown).
    """
    hashes = prepared.responses["respondent_hash"]
    empty = pd.DataFrame(
        {"row": pd.Series(dtype="int64"), "earlier_upload": pd.Series(dtype="str")}
    ).assign(response_id=pd.Series(dtype="int64"))
    if not wave.strip() or hashes.isna().all():
        return empty
    stored = measures.respondents_already_stored(con, wave_label=wave.strip(), hashes=hashes)
    if stored.empty:
        return empty
    rows = prepared.responses[["respondent_hash", "file_row"]].dropna(subset=["respondent_hash"])
    found = stored.merge(rows, on="respondent_hash", how="inner")
    return pd.DataFrame(
        {
            "row": found["file_row"].astype("int64"),
            "earlier_upload": [
                f"#{int(u)} {name}"
                for u, name in zip(found["upload_id"], found["file_name"], strict=True)
            ],
            "response_id": found["response_id"].astype("int64"),
        }
    ).sort_values("row", kind="stable", ignore_index=True)


def _store_own_questions(
    con: duckdb.DuckDBPyConnection, prepared: PreparedSurvey, *, defined_by: str
) -> tuple[dict[int, int], pd.DataFrame]:
    """Create the new measures and council questions (caller's transaction).

    Returns (placeholder id -> item id, how each question was read for upload_questions).
    A question already stored in the same measure with the same wording and keying is
    the same item, so its trend goes on unbroken.
    """
    for measure in prepared.new_measures:
        info = prepared.measures[measure.code]
        measures.insert_measure_version(
            con,
            construct=measure.code,
            name=measure.name,
            description=measure.description,
            higher_is_better=measure.higher_is_better,
            high_cutoff=measure.high_cutoff,
            single_question=measure.single_question,
            kind=info.kind,
            scale_min=info.scale_min,
            scale_max=info.scale_max,
            defined_by=defined_by,
        )
    versions = measures.own_measures(con).set_index("code")["version"].to_dict()
    stored = measures.own_items(con)
    placeholders: dict[int, int] = {}
    read = []
    for question in prepared.questions:
        info = prepared.measures[question.measure]
        same = stored[
            (stored["construct"] == question.measure)
            & (stored["text"] == question.text)
            & (stored["reverse"] == question.reverse)
        ]
        item_id = (
            int(same["id"].iloc[0])
            if len(same)
            else measures.insert_own_item(
                con,
                construct=question.measure,
                text=question.text,
                label_set=question.scale.name,
                scale_min=info.scale_min,
                scale_max=info.scale_max,
                reverse=question.reverse,
            )
        )
        placeholders[question.placeholder] = item_id
        version = versions.get(question.measure)
        read.append(
            {
                "item_id": item_id,
                "column_name": question.column,
                "answer_scale": question.scale.name,
                "scale_low": question.scale.low,
                "scale_high": question.scale.high,
                "reverse": question.reverse,
                "measure_version": None if version is None else int(version),
            }
        )
    columns = ["item_id", "column_name", "answer_scale", "scale_low", "scale_high", "reverse"]
    frame = pd.DataFrame(read, columns=[*columns, "measure_version"])
    return placeholders, frame.astype({"item_id": "int32", "measure_version": "Int64"})


def import_survey(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    mapping: dict[str, str],
    *,
    wave: str,
    uploaded_by: str,
    mapping_name: str | None = None,
    day_first: bool = True,
    is_demo: bool = False,
    progress: Progress = no_progress,
    plan: SurveyPlan | None = None,
) -> ImportReport:
    """Validate and store a survey export: all accepted rows in one transaction, or nothing.

    Raises ImportProblem (nothing stored) for a duplicate file, a structural
    problem, a file in which no row is valid, or respondents whose ids already
    have answers in the wave (unless ``plan.replace_earlier``: a correction).
    """
    plan = plan or SurveyPlan()
    if not wave.strip():
        raise ImportProblem("Choose the wave these responses belong to, or name a new one.")
    if len(wave.strip()) > MAX_TEXT_CHARS:
        raise ImportProblem(f"Name the wave in at most {MAX_TEXT_CHARS} characters.")
    refuse_duplicate(con, sha256=table.sha256)
    progress(0.05, "Checking every cell")
    prepared = prepare_survey(
        table,
        mapping,
        salt=identifier_keys(con).for_respondents(wave),
        day_first=day_first,
        plan=plan,
        known=stored_measures(con),
    )
    if prepared.responses.empty:
        raise ImportProblem(
            f"None of the {prepared.rows_read:,} rows can be imported: every row has a problem. "
            "Download the list of problems, fix the file and upload it again."
        )
    earlier = earlier_respondents(con, prepared, wave=wave)
    if len(earlier) and not plan.replace_earlier:
        raise ImportProblem(duplicate_sentence(earlier, wave=wave.strip()))
    progress(0.4, f"Storing {len(prepared.responses):,} responses")
    dates = prepared.responses["submitted_at"].dropna()
    with transaction(con):
        wave_id = imports.wave_by_label(
            con,
            label=wave.strip(),
            opened_on=dates.min().date() if len(dates) else None,
            closed_on=dates.max().date() if len(dates) else None,
        )
        upload_id = imports.insert_upload(
            con,
            kind=KIND,
            file_name=table.file_name,
            sha256=table.sha256,
            uploaded_by=uploaded_by,
            rows_read=prepared.rows_read,
            rows_stored=len(prepared.responses),
            rows_rejected=prepared.rows_rejected,
            wave_id=wave_id,
            mapping_name=mapping_name,
            is_demo=is_demo,
        )
        placeholders, questions = _store_own_questions(con, prepared, defined_by=uploaded_by)
        if len(earlier):
            measures.replace_responses(
                con,
                response_ids=earlier["response_id"].tolist(),
                upload_id=upload_id,
                replaced_by=uploaded_by,
            )
        answers = prepared.answers.assign(
            item_id=prepared.answers["item_id"]
            .map(lambda i: placeholders.get(i, i))
            .astype("int32")
        )
        imports.insert_survey_upload(
            con,
            upload_id=upload_id,
            wave_id=wave_id,
            responses=prepared.responses[list(RESPONSE_COLUMNS)],
            answers=answers,
            item_ids=sorted(placeholders.get(i, i) for i in prepared.item_ids),
        )
        measures.insert_upload_questions(con, upload_id=upload_id, questions=questions)
        progress(0.8, "Scoring and updating the team list")
        imports.upsert_teams(con, teams=prepared.responses[["team", "service"]].drop_duplicates())
        # After the hierarchy: the wave keeps each new team's service as it is now.
        imports.record_wave_teams(con, wave_id=wave_id)
        imports.insert_upload_rejects(con, upload_id=upload_id, rejects=prepared.rejects)
    progress(1.0, "Done")
    notes = table.notes + prepared.notes
    if len(earlier):
        notes.append(
            f"Replaced the earlier answers of {len(earlier):,} respondent(s) in {wave.strip()} "
            "(a correction; recorded in the audit log)."
        )
    return ImportReport(
        upload_id=upload_id,
        kind=KIND,
        file_name=table.file_name,
        rows_read=prepared.rows_read,
        rows_stored=len(prepared.responses),
        rows_rejected=prepared.rows_rejected,
        notes=notes,
        replaced=len(earlier),
    )


def duplicate_sentence(earlier: pd.DataFrame, *, wave: str) -> str:
    """Why an import with respondents already stored is refused, and what to do."""
    uploads_named = ", ".join(sorted(set(earlier["earlier_upload"])))
    rows = ", ".join(str(r) for r in earlier["row"].head(5))
    more = "..." if len(earlier) > 5 else ""
    return (
        f"{len(earlier):,} respondent(s) in this file already have answers in {wave} "
        f"(from upload {uploads_named}; file rows {rows}{more}): the same responses would "
        "count twice. If this file corrects their answers, choose to replace the earlier "
        "answers; otherwise leave those rows out, or withdraw the earlier upload."
    )


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
