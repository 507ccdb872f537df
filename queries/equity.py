"""The equity view's figures: measures by respondent attributes, under the stricter rule.

Sensitive attributes (``privacy.SENSITIVE_ATTRIBUTES``: ethnicity, gender,
disability, age band) use the stricter minimum group size, and no more than
``privacy.MAX_CROSSED_ATTRIBUTES`` attributes are ever crossed at once
(DESIGN.md section 4).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import decisions, settings, sql, survey
from queries.cache import memoised
from queries.survey import SCORE_COLUMNS, Filters
from wellbeing import privacy
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.vocabulary import SURVEY_FIELDS
from wellbeing.privacy import MAX_CROSSED_ATTRIBUTES, NOT_STATED, SENSITIVE_ATTRIBUTES

ATTRIBUTES = (*SENSITIVE_ATTRIBUTES, "career_stage", "role")
ATTRIBUTE_NAMES = {field.name: field.label for field in SURVEY_FIELDS if field.name in ATTRIBUTES}
PROFILE_COLUMNS = ["attribute", "group_name", "respondents", "share", "status", "min_group_size"]


def min_group_size_for(attributes: tuple[str, ...], rules: privacy.Rules) -> int:
    """The k in force for a breakdown: the stricter one if any attribute is sensitive."""
    if any(attribute in SENSITIVE_ATTRIBUTES for attribute in attributes):
        return max(rules.sensitive_min_group_size, rules.min_group_size)
    return rules.min_group_size


def _check_attributes(attributes: tuple[str, ...]) -> None:
    if not attributes:
        raise ValueError("choose at least one attribute to break the figures down by")
    if len(attributes) > MAX_CROSSED_ATTRIBUTES:
        raise ValueError(
            f"at most {MAX_CROSSED_ATTRIBUTES} attributes can be crossed at once, "
            f"so that small groups cannot be singled out ({len(attributes)} were asked for)"
        )
    if len(set(attributes)) != len(attributes):
        raise ValueError("an attribute cannot be crossed with itself")
    unknown = [attribute for attribute in attributes if attribute not in ATTRIBUTES]
    if unknown:
        raise ValueError(f"unknown attribute {unknown[0]!r}; choose from {', '.join(ATTRIBUTES)}")


def sub_filter_problem(*, filters: Filters, attributes: tuple[str, ...]) -> str | None:
    """Why this breakdown cannot be drawn with these filters, or None.

    Breaking down by career stage with a role filter on (or by role with a
    career-stage filter) crosses the two, which privacy.MAX_SUB_FILTERS forbids.
    """
    if not privacy.sub_filter_problem(
        role=filters.role or ("role" if "role" in attributes else None),
        career_stage=filters.career_stage
        or ("career_stage" if "career_stage" in attributes else None),
    ):
        return None
    attribute, applied = ("career_stage", "role") if filters.role else ("role", "career stage")
    return (
        f"{ATTRIBUTE_NAMES[attribute]} cannot be broken down while the {applied} filter is on: "
        "crossing role with career stage could single out small groups (a single newly "
        f"qualified manager, say). Clear the {applied} filter, or break down by another "
        "attribute."
    )


@memoised
def construct_by_attribute(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    attributes: tuple[str, ...],
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per construct and group: respondents, mean, sd, share high, and a gate status.

    ``attributes`` holds one attribute, or two to cross. The group columns are
    named after the attributes (e.g. ``ethnicity``, ``gender``); blank answers
    form the group "Not stated".

    Example:
        construct_by_attribute(con, filters=Filters(wave_id=3), attributes=("ethnicity",))
    """
    _check_attributes(attributes)
    crossing = sub_filter_problem(filters=filters, attributes=attributes)
    if crossing:
        raise ValueError(crossing)
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "instrument": instrument,
        "first_attribute": attributes[0],
        "second_attribute": attributes[1] if len(attributes) > 1 else None,
        "not_stated": NOT_STATED,
        "service": filters.service,
        "team": filters.team,
        "role": filters.role,
        "career_stage": filters.career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }
    raw = con.execute(sql("construct_by_attribute"), params).df()
    group_columns = list(attributes)
    raw = raw.rename(columns={"first_group": attributes[0]})
    if len(attributes) > 1:
        raw = raw.rename(columns={"second_group": attributes[1]})
    else:
        raw = raw.drop(columns=["second_group"])
    gated = survey.gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        unit="filters",
        attributes={attribute: attribute for attribute in attributes},
    )
    return gated[["construct", *group_columns, "respondents", *SCORE_COLUMNS, "status"]]


def _chosen_respondents(
    con: duckdb.DuckDBPyConnection, *, filters: Filters, instrument: str, rules: privacy.Rules
) -> int | None:
    """How many answered the instrument among those the filters chose, if that count is shown."""
    team = filters.team
    service = filters.service
    if team is not None and service is None:
        service = survey.wave_team_service(con, wave_id=filters.wave_id, team=team)
    key = privacy.cell_key(
        service=service, team=team, role=filters.role, career_stage=filters.career_stage
    )
    decided = decisions.decision(
        con, wave_id=filters.wave_id, rules=rules, breakdowns=survey.breaks_down(filters, ())
    )
    status, count = decided.lookup(survey.respondents_universe(instrument), key)
    return count if status == privacy.SHOWN and count > 0 else None


@memoised
def respondent_profile(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Who responded: respondents and share per attribute and group, gated.

    Sensitive attributes use the stricter k (each row carries the k it was
    gated with in ``min_group_size``); within each attribute the hidden
    remainder is empty or at least k, so no group can be worked out from the
    total.
    """
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "instrument": instrument,
        "not_stated": NOT_STATED,
        "service": filters.service,
        "team": filters.team,
        "role": filters.role,
        "career_stage": filters.career_stage,
    }
    raw = con.execute(sql("respondent_profile"), params).df()
    # Under a role filter the career-stage profile would cross the two (and the reverse).
    crossing = raw["attribute"].map(
        lambda attribute: sub_filter_problem(filters=filters, attributes=(attribute,)) is not None
    )
    raw = raw[~crossing.astype(bool)].assign(share=float("nan"))
    pieces = []
    for attribute, rows in raw.groupby("attribute", sort=False):
        k = min_group_size_for((str(attribute),), rules)
        pieces.append(
            survey.gate(
                con,
                rows.assign(min_group_size=k, **{str(attribute): rows["group_name"]}),
                filters=filters,
                rules=rules,
                value_columns=["share"],
                universe=survey.respondents_universe(instrument),
                unit="filters",
                attributes={str(attribute): str(attribute)},
            ).drop(columns=[str(attribute)])
        )
    if not pieces:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    gated = pd.concat(pieces, ignore_index=True)
    # A share is of everyone the filters chose, and only where that count is itself
    # shown: otherwise respondents / share would give it away, and with it a group
    # below k (a hidden team's size, say).
    total = _chosen_respondents(con, filters=filters, instrument=instrument, rules=rules)
    gated["share"] = (gated["respondents"] / total).astype("Float64") if total else pd.NA
    order = {attribute: position for position, attribute in enumerate(ATTRIBUTES)}
    gated = gated.assign(order=gated["attribute"].map(order)).sort_values(["order", "group_name"])
    return gated[PROFILE_COLUMNS].reset_index(drop=True)
