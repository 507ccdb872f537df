"""Survey exports: validate every cell against the mapping, then import in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from queries import imports, measures
from wellbeing.core import instruments, scales
from wellbeing.core.reliability import Reliability, reliability
from wellbeing.core.vocabulary import MAX_TEXT_CHARS, NOT_STATED_ANSWERS
from wellbeing.ingest.mapping import PERSONAL, personal_note
from wellbeing.ingest.reading import ImportProblem, Table
from wellbeing.ingest.survey_plan import (
    KIND,
    MEASURE,
    OWN_INSTRUMENT,
    SINGLE,
    MeasureInfo,
    NewMeasure,
    SurveyPlan,
    _measure_targets,
    _targets,
    built_in_measures,
    check_mapping,
    measure_code,
    single_code,
    stored_measures,
)
from wellbeing.ingest.survey_scales import (
    RUNS_AGAINST,
    OwnQuestion,
    _distinct_answers,
    _info,
    _keyed_by_measure,
    _new_measures,
    _new_range,
    _reverse_from_wording,
    item_scale,
    question_scale,
    scale_mismatch,
)
from wellbeing.ingest.survey_suggest import (
    detect_scale,
    measure_words,
    question_suggestions,
    suggest_survey_mapping,
    targets,
)
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

# Its interface, with the names moved by job into the modules above, still
# importable from here, where other modules import them.
__all__ = [
    "KIND",
    "MEASURE",
    "MeasureInfo",
    "NOT_STATED_FIELDS",
    "NewMeasure",
    "OWN_INSTRUMENT",
    "OwnQuestion",
    "PreparedSurvey",
    "RESPONSE_COLUMNS",
    "RUNS_AGAINST",
    "SINGLE",
    "SurveyPlan",
    "TEXT_FIELDS",
    "built_in_measures",
    "check_mapping",
    "detect_scale",
    "duplicate_sentence",
    "earlier_respondents",
    "import_survey",
    "item_scale",
    "measure_code",
    "measure_words",
    "prepare_survey",
    "question_scale",
    "question_suggestions",
    "scale_mismatch",
    "single_code",
    "stored_measures",
    "suggest_survey_mapping",
    "targets",
]

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
        # by code: a 100,000-row column holds a handful of labels.
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
