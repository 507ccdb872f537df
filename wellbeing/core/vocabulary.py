"""Names that the imports, the queries and the pages all speak. No DuckDB, no Streamlit.

The respondent fields a survey export can fill (which of them are sensitive is
the confidentiality engine's rule: ``wellbeing.privacy.SENSITIVE_ATTRIBUTES``),
and the kinds of change in the change log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """A column an import can fill, with the header words that suggest it."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False


SURVEY_FIELDS: tuple[Field, ...] = (
    Field(
        "respondent_id",
        "Respondent ID (stored hashed)",
        ("id", "response id", "responseid", "respondent id", "respondentid", "#", "token"),
    ),
    Field(
        "submitted_at",
        "Submitted at",
        (
            "completion time",
            "timestamp",
            "submitted at",
            "submit date",
            "submit date (utc)",
            "enddate",
            "end date",
            "recordeddate",
            "recorded date",
            "date submitted",
        ),
    ),
    Field(
        "team",
        "Team",
        (
            "team",
            "which team do you work in",
            "which team are you in",
            "what team do you work in",
            "which team",
            "your team",
            "team name",
        ),
        required=True,
    ),
    Field(
        "service",
        "Service",
        (
            "service",
            "which service do you work in",
            "which service are you in",
            "which service",
            "directorate",
            "department",
            "service area",
        ),
    ),
    Field("role", "Role", ("role", "what is your role", "job title", "job role", "position")),
    Field(
        "career_stage",
        "Career stage",
        (
            "career stage",
            "what is your career stage",
            "years qualified",
            "years since qualifying",
            "years since qualification",
            "years post qualifying",
            "years post qualification",
            "how long have you been qualified",
            "experience",
        ),
    ),
    Field(
        "ethnicity",
        "Ethnicity",
        ("ethnicity", "ethnic group", "what is your ethnic group", "ethnic origin"),
    ),
    Field("gender", "Gender", ("gender", "what is your gender", "sex")),
    Field(
        "disability",
        "Disability",
        ("disability", "disabled", "do you consider yourself to have a disability"),
    ),
    Field(
        "age_band",
        "Age band",
        ("age", "age band", "what is your age band", "age group"),
    ),
)

# As stored (change_events.kind); the schema checks the same list.
CHANGE_KINDS = ("restructure", "new system", "manager change", "policy", "other")
CHANGE_KIND_NAMES = {
    "restructure": "Restructure",
    "new system": "New system",
    "manager change": "Manager change",
    "policy": "Policy",
    "other": "Other",
}
ORGANISATION_WIDE = "Organisation-wide"


# Answers to a respondent question that say nothing (compared lower-cased and
# trimmed): stored as blank, one value that every filter, figure and the
# confidentiality engine read as "Not stated" (wellbeing.privacy.NOT_STATED).
# Migration 003 applied the same list to responses stored before it.
NOT_STATED_ANSWERS = frozenset(
    {
        "",
        "not stated",
        "prefer not to say",
        "prefer not to answer",
        "rather not say",
        "not known",
        "unknown",
        "n/a",
        "na",
        "not applicable",
        "none given",
        "not given",
        "declined",
        "withheld",
        "-",
        "--",
        "?",
    }
)

# The longest name, label or title stored from a file or a form (a team, a service,
# a role, a change-log title). A 1,000,000-character team name was once accepted.
MAX_TEXT_CHARS = 200
