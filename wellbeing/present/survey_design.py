"""The recommended survey, written out for a council to run in Microsoft Forms or Google Forms.

Every built-in question with its answer options in order, a text to paste into a
form builder (one question, then one option a line, which both tools turn into
a choice question), and the column headers that import with no mapping at all:
the respondent fields' own headers and each question's exact wording.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from wellbeing.core import instruments
from wellbeing.core.spreadsheets import neutralise_formulas
from wellbeing.core.vocabulary import SURVEY_FIELDS

# The respondent fields asked at the top of the survey, as their first header words.
ASKED_FIELDS = ("team", "service", "role", "career_stage")


def answer_options(label_set: str) -> list[str]:
    """A label set's answers in order, one label per point (the first spelling listed)."""
    seen: dict[float, str] = {}
    for row in instruments.csv_rows("label_sets.csv"):
        if row["name"] == label_set and row["value"].strip():
            seen.setdefault(float(row["value"]), row["label"])
    ordered = sorted(seen.items(), reverse=label_set == "supervision_band")
    return [label for _, label in ordered]


def questions() -> pd.DataFrame:
    """The built-in questions: measure, question, answer options, reverse keyed."""
    names = {
        row["code"]: row["name"]
        for row in instruments.csv_rows("constructs.csv")
        if row["instrument"] == "default"
    }
    return pd.DataFrame(
        [
            {
                "measure": names[item.construct],
                "question": item.text,
                "answer_options": "; ".join(answer_options(item.label_set)),
                "reverse_keyed": "yes" if item.reverse else "no",
            }
            for item in instruments.default_items()
        ]
    )


def field_headers() -> dict[str, str]:
    """The header each respondent field imports under with no mapping (field name -> header)."""
    by_name = {field.name: field for field in SURVEY_FIELDS}
    found = {}
    for name in ASKED_FIELDS:
        field = by_name[name]
        asking = [s for s in field.synonyms if s.split(" ")[0] in {"what", "which", "do"}]
        found[name] = asking[0] if asking else field.synonyms[0]
    return found


def field_questions() -> list[tuple[str, str]]:
    """(question, header) for the respondent fields a survey asks first."""
    labels = {field.name: field.label for field in SURVEY_FIELDS}
    return [
        (header[0].upper() + header[1:] + ("" if header.endswith("?") else "?"), labels[name])
        for name, header in field_headers().items()
    ]


def headers_with_no_mapping() -> list[str]:
    """Column headers that import with no mapping: the fields', then every question's."""
    fields = [question for question, _ in field_questions()]
    return ["Response ID", *fields, *questions()["question"]]


def forms_text() -> str:
    """The survey as text to paste into Microsoft Forms or Google Forms, a question at a time.

    Each question is followed by its options, one a line; questions are separated by a
    blank line. The respondent fields come first (their options are the council's own
    teams, services and roles, so they are left to fill in).
    """
    blocks = [
        f"{question}\n(your {label.lower()}s, one a line)" for question, label in field_questions()
    ]
    for row in questions().itertuples(index=False):
        blocks.append(row.question + "\n" + "\n".join(row.answer_options.split("; ")))
    return "\n\n".join(blocks) + "\n"


def questions_csv() -> bytes:
    """The questions table as a CSV for Excel (UTF-8 with BOM)."""
    return neutralise_formulas(questions()).to_csv(index=False).encode("utf-8-sig")


def template_csv() -> bytes:
    """An empty export with the headers that import with no mapping, for checking a form."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(headers_with_no_mapping())
    return out.getvalue().encode("utf-8-sig")
