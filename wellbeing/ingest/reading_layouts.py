"""Which layout an export has (Qualtrics, SurveyMonkey, one row per answer); long made wide."""

from __future__ import annotations

import itertools

import pandas as pd

from wellbeing.ingest.reading_text import _unique_names

SURVEYMONKEY_GENERIC_SUBHEADERS = {"response", "open-ended response"}


LAYOUT_NAMES = {
    "qualtrics": "Qualtrics",
    "qualtrics_legacy": "Qualtrics (legacy)",
    "surveymonkey": "SurveyMonkey",
    "ms_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "typeform": "Typeform",
    "long": "One row per answer",
    "long_pivoted": "One row per answer, put back together per respondent",
    "plain": "Plain table",
}


# Long ("tidy") exports hold one answer per row; these headers give them away.
LONG_QUESTION_HEADERS = {"question", "question text", "item", "question id"}


LONG_ANSWER_HEADERS = {"response", "answer", "response text", "value", "score"}


# The answer column read when a file has several (the words, not a number code), best first.
LONG_ANSWER_PREFERENCE = ("response text", "answer text", "answer", "response", "value", "score")


# A column naming the respondent each answer belongs to, best first.
LONG_RESPONDENT_HEADERS = (
    "respondent id",
    "respondentid",
    "respondent",
    "participant id",
    "response id",
    "responseid",
    "submission id",
    "id",
)


def _is_qualtrics_import_row(row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    hits = sum(cell.startswith('{"ImportId"') for cell in filled)
    return hits >= 1 and hits * 2 >= len(filled)


def _is_surveymonkey(lowered: list[str], second: list[str]) -> bool:
    """Two header rows: questions (blank over a question's extra columns), then options."""
    generic = sum(cell.lower() in SURVEYMONKEY_GENERIC_SUBHEADERS for cell in second)
    if not generic:
        return False
    starts_with_id = bool(lowered) and lowered[0] in {"respondentid", "respondent id"}
    blank_over_options = any(not top and sub for top, sub in zip(lowered, second, strict=False))
    return starts_with_id or blank_over_options


def _detect_layout(rows: list[list[str]]) -> tuple[str, int, list[str], dict[str, str], list[str]]:
    """(layout, header_rows, column names, question text by column, notes)."""
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.lower() for cell in header]
    second = [cell.strip() for cell in rows[1]] if len(rows) > 1 else []
    third = [cell.strip() for cell in rows[2]] if len(rows) > 2 else []
    notes: list[str] = []

    if third and _is_qualtrics_import_row(third):
        names = _unique_names(header)
        questions = {name: text for name, text in zip(names, second, strict=False) if text}
        notes.append(
            "Qualtrics export: column names from the first header row; the second (question "
            "text) and third (ImportId) header rows were read as headers, not responses."
        )
        return "qualtrics", 3, names, questions, notes

    if (
        len(header) >= 3
        and all(cell[:1] == "V" and cell[1:].isdigit() for cell in header[:3])
        and second
    ):
        names = _unique_names(second)
        questions = dict(zip(names, header, strict=False))
        notes.append(
            "Qualtrics legacy export: the V1, V2... row was skipped; the second row names the "
            "columns."
        )
        return "qualtrics_legacy", 2, names, questions, notes

    if _is_surveymonkey(lowered, second):
        names = []
        options: list[str] = []
        current = ""
        for top, sub in itertools.zip_longest(header, second, fillvalue=""):
            current = top or current
            if sub and sub.lower() not in SURVEYMONKEY_GENERIC_SUBHEADERS:
                names.append(f"{current} - {sub}" if current else sub)
                options.append(sub)
            else:
                names.append(current)
                options.append("")
        names = _unique_names(names)
        # A matrix row's own label is the statement answered, e.g. one item of a scale.
        questions = {name: option for name, option in zip(names, options, strict=True) if option}
        notes.append("SurveyMonkey export: the two header rows were combined (question - option).")
        return "surveymonkey", 2, names, questions, notes

    names = _unique_names(header)
    repeated = [name for name, raw in zip(names, header, strict=False) if raw and name != raw]
    if repeated:
        notes.append(
            f"{len(repeated)} column(s) repeat an earlier column's name (a question with several "
            f"choices, as Typeform exports them) and were numbered, e.g. '{repeated[0]}'."
        )
    if lowered[:3] == ["id", "start time", "completion time"]:
        return "ms_forms", 1, names, {}, notes
    if lowered and lowered[0] == "timestamp":
        return "google_forms", 1, names, {}, notes
    if "network id" in lowered or (
        "#" in lowered and any(cell.startswith("submit date") for cell in lowered)
    ):
        return "typeform", 1, names, {}, notes
    if set(lowered) & LONG_QUESTION_HEADERS and set(lowered) & LONG_ANSWER_HEADERS:
        return "long", 1, names, {}, notes
    return "plain", 1, names, {}, notes


def pivot_long(
    frame: pd.DataFrame, rows: pd.Series
) -> tuple[pd.DataFrame | None, list[int], str | None]:
    """Put a file of one answer per row back together as one row per respondent.

    Needs a column naming the respondent of each answer (a respondent or response ID
    that repeats on each of their answers). Returns (the wide frame, the file row of
    each respondent's first answer, None) or (None, [], why it cannot be done).
    The wide frame has the ID first, then the respondent's other columns (their first
    value), then one column per question in the order the questions first appear.
    """
    by_header = {name.strip().lower(): name for name in frame.columns}
    question = next(by_header[h] for h in by_header if h in LONG_QUESTION_HEADERS)
    answers = [by_header[h] for h in LONG_ANSWER_PREFERENCE if h in by_header]
    answer = answers[0]
    respondent = next((by_header[h] for h in LONG_RESPONDENT_HEADERS if h in by_header), None)
    if respondent is None:
        return (
            None,
            [],
            (
                "This file has one row per answer and no respondent ID column, so answers cannot "
                "be put back together per respondent. Export it with a respondent ID on every "
                "answer, or with one row per respondent and one column per question."
            ),
        )
    ids = frame[respondent].str.strip()
    counts = ids.value_counts()
    # A respondent ID is on each of a respondent's answers; an ID on (nearly) one answer
    # each numbers answers, and pivoting by it would make a "respondent" of every answer.
    if (counts > 1).mean() < 0.5:
        return (
            None,
            [],
            (
                f"This file has one row per answer, and its '{respondent}' is different on nearly "
                f"every row ({len(counts):,} IDs for {len(frame):,} answers): it numbers answers, "
                "not respondents, so they cannot be put back together per respondent. Export it "
                "with one row per respondent, or with an ID that repeats on each of a "
                "respondent's answers."
            ),
        )
    keyed = frame.assign(**{respondent: ids}, _row=rows.to_numpy())
    order = pd.unique(ids)
    grouped = keyed.groupby(respondent, sort=False)
    others = [c for c in frame.columns if c not in {respondent, question, *answers}]
    first = grouped[[*others, "_row"]].first().reindex(order)
    questions = pd.unique(frame[question].str.strip())
    wide = (
        keyed.assign(**{question: keyed[question].str.strip()})
        .drop_duplicates([respondent, question], keep="first")
        .pivot(index=respondent, columns=question, values=answer)
        .reindex(index=order, columns=questions)
        .fillna("")
    )
    result = pd.concat([first[others], wide], axis=1).reset_index(names=respondent)
    result.columns = _unique_names([str(c) for c in result.columns])
    return result.astype("str"), first["_row"].astype("int64").tolist(), None
