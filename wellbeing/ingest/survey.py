"""Survey exports: validate every cell against the mapping, then import in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from queries import imports
from wellbeing.core import instruments
from wellbeing.core.vocabulary import MAX_TEXT_CHARS, NOT_STATED_ANSWERS, SURVEY_FIELDS
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


@dataclass
class PreparedSurvey:
    """A validated survey export: what would be stored, and every cell that would not."""

    responses: pd.DataFrame
    answers: pd.DataFrame
    item_ids: list[int]
    rejects: pd.DataFrame
    rows_read: int
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.responses)


def _targets(mapping: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        column: target.split(":", 1)[1]
        for column, target in mapping.items()
        if target.startswith(prefix)
    }


def check_mapping(table: Table, mapping: dict[str, str]) -> None:
    """Structural problems with a mapping, each as one sentence saying what to do."""
    if table.layout == "long":
        raise ImportProblem(
            "This file has one row per answer (a question column and a response column), so "
            "answers cannot be put back together per respondent. Export the responses with one "
            "row per respondent and one column per question."
        )
    field_names = {field.name for field in SURVEY_FIELDS}
    item_codes = {item.code for item in instruments.all_items()}
    for column, target in mapping.items():
        kind, _, name = target.partition(":")
        known = (
            target in (IGNORE, PERSONAL)
            or (kind == "field" and name in field_names)
            or (kind == "item" and name in item_codes)
        )
        if not known:
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
    if not _targets(mapping, "item:"):
        raise ImportProblem(
            "No column is mapped to a survey question. Map at least one question column to an "
            "instrument item."
        )
    items = list(_targets(mapping, "item:").values())
    repeated = sorted({code for code in items if items.count(code) > 1})
    if repeated:
        raise ImportProblem(
            f"More than one column is mapped to question {', '.join(repeated)}. "
            "Map each question once."
        )


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
) -> PreparedSurvey:
    """Validate every mapped cell; rows with any bad cell are held back, each cell listed.

    Columns mapped to ``personal`` or ``ignore`` are never read, so they cannot
    reach the store. Raises ImportProblem for a structural problem with the mapping.

    Example:
        >>> prepared = prepare_survey(table, {"Team": "field:team", "Q1": "item:STR1"}, salt="s")
        >>> prepared.rejects.columns.tolist()
        ['row', 'column', 'value', 'reason']
    """
    check_mapping(table, mapping)
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
    responses = pd.DataFrame({"row_key": pd.Series(range(n), dtype="int64")})
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
            _, bad_other_way = parse_dates(frame.loc[bad, column], day_first=not day_first)
            other_order = "month first (US)" if day_first else "day first (UK)"
            reason = pd.Series("unparseable date", index=frame.index)
            reason[bad_other_way.index[~bad_other_way]] = (
                f"not a date in the chosen order; it reads as {other_order}: "
                "change the date order and check again"
            )
            flag(bad, column, reason)
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
    answer_values = []
    item_ids = []
    for column, code in _targets(mapping, "item:").items():
        item = items_by_code[code]
        item_ids.append(item.id)
        # Strip, repair and parse each distinct answer once, then spread the results back
        # by code: a 100,000-row column holds a handful of labels.
        codes, distinct = pd.factorize(frame[column], use_na_sentinel=False)
        labels, _ = repair_excel_damage(pd.Series(distinct, dtype="str").fillna("").str.strip())
        parsed = np.full(len(labels), np.nan)
        reasons: dict[int, str] = {}
        for position, label in enumerate(labels):
            try:
                value = instruments.parse_answer(label, item, sets).value
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
        answer_values.append(parsed[codes])

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
    return PreparedSurvey(
        responses=responses[list(RESPONSE_COLUMNS)],
        answers=answers,
        item_ids=sorted(item_ids),
        rejects=rejects,
        rows_read=n,
        notes=notes,
    )


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
) -> ImportReport:
    """Validate and store a survey export: all accepted rows in one transaction, or nothing.

    Raises ImportProblem (nothing stored) for a duplicate file, a structural
    problem, or a file in which no row is valid.
    """
    if not wave.strip():
        raise ImportProblem("Choose the wave these responses belong to, or name a new one.")
    if len(wave.strip()) > MAX_TEXT_CHARS:
        raise ImportProblem(f"Name the wave in at most {MAX_TEXT_CHARS} characters.")
    refuse_duplicate(con, sha256=table.sha256)
    progress(0.05, "Checking every cell")
    respondents = identifier_keys(con).for_respondents(wave)
    prepared = prepare_survey(table, mapping, salt=respondents, day_first=day_first)
    if prepared.responses.empty:
        raise ImportProblem(
            f"None of the {prepared.rows_read:,} rows can be imported: every row has a problem. "
            "Download the list of problems, fix the file and upload it again."
        )
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
        imports.insert_survey_upload(
            con,
            upload_id=upload_id,
            wave_id=wave_id,
            responses=prepared.responses,
            answers=prepared.answers,
            item_ids=prepared.item_ids,
        )
        progress(0.8, "Scoring and updating the team list")
        imports.upsert_teams(con, teams=prepared.responses[["team", "service"]].drop_duplicates())
        # After the hierarchy: the wave keeps each new team's service as it is now.
        imports.record_wave_teams(con, wave_id=wave_id)
        imports.insert_upload_rejects(con, upload_id=upload_id, rejects=prepared.rejects)
    progress(1.0, "Done")
    return ImportReport(
        upload_id=upload_id,
        kind=KIND,
        file_name=table.file_name,
        rows_read=prepared.rows_read,
        rows_stored=len(prepared.responses),
        rows_rejected=prepared.rows_rejected,
        notes=table.notes + prepared.notes,
    )


def suggest_survey_mapping(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[str | None, dict[str, str]]:
    """(saved mapping name used or None, suggested mapping) for this export."""
    best = best_saved_mapping(con, kind=KIND, columns=list(table.frame.columns))
    name, saved = best if best else (None, None)
    suggested = suggest(
        table.frame,
        fields=SURVEY_FIELDS,
        items=instruments.all_items(),
        question_text=table.question_text,
        saved=saved,
    )
    return name, suggested
