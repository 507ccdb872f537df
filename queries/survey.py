"""Survey figures for the pages, every one through the confidentiality gate."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import sql
from wellbeing import privacy
from wellbeing.measures import AGREE_MIN_VALUE, HIGH_SCORE_CUTOFF

SCORE_COLUMNS = ["mean_score", "sd", "share_high"]
QUADRANT_COLUMNS = [
    "share_high_support_high_challenge",
    "share_high_support_low_challenge",
    "share_low_support_high_challenge",
    "share_low_support_low_challenge",
]
SUPPORT_CHALLENGE_COLUMNS = [
    "mean_support", "sd_support", "mean_challenge", "sd_challenge", *QUADRANT_COLUMNS
]
FILTER_FIELDS = ("service", "team", "role", "career_stage")


@dataclass(frozen=True)
class Filters:
    """What a leader has chosen in the shared filters; None means 'all'."""

    wave_id: int | None = None
    service: str | None = None
    team: str | None = None
    role: str | None = None
    career_stage: str | None = None


def waves(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Waves with active responses, oldest first (id, label, opened_on, closed_on)."""
    return con.execute(sql("waves")).df()


def filter_options(con: duckdb.DuckDBPyConnection, *, field: str) -> list[str]:
    """The values a filter can take (team, service, role or career_stage)."""
    if field not in FILTER_FIELDS:
        raise ValueError(f"unknown filter field {field!r}")
    return [row[0] for row in con.execute(sql("filter_options"), {"field": field}).fetchall()]


def constructs(con: duckdb.DuckDBPyConnection, *, instrument: str = "default") -> pd.DataFrame:
    """The constructs of an instrument (code, name, description, kind, scale_min, scale_max)."""
    return con.execute(sql("constructs"), {"instrument": instrument}).df()


def construct_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per team and construct: respondents, mean, sd, share high, and a gate status.

    Hidden cells have null figures and a status saying why (see privacy).
    """
    rules = rules or privacy.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "instrument": instrument,
        "service": filters.service,
        "team": filters.team,
        "role": filters.role,
        "career_stage": filters.career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }
    raw = con.execute(sql("construct_by_team"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SCORE_COLUMNS,
        parent_count_column="parent_respondents",
        partitions=[["construct"], ["construct", "service"]],
    )


def construct_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's figures per construct (role and career-stage filters apply)."""
    rules = rules or privacy.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "instrument": instrument,
        "role": filters.role,
        "career_stage": filters.career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }
    raw = con.execute(sql("construct_for_organisation"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SCORE_COLUMNS,
        parent_count_column="parent_respondents",
    )


def team_hierarchy(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every known team with its service and directorate (team, service, directorate)."""
    return con.execute(sql("team_hierarchy")).df()


def _sub_filters(filters: Filters) -> dict[str, object]:
    return {"role": filters.role, "career_stage": filters.career_stage}


def _team_filters(filters: Filters) -> dict[str, object]:
    return {"service": filters.service, "team": filters.team, **_sub_filters(filters)}


def construct_by_wave(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    constructs: list[str],
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per wave, team and construct: respondents, mean, sd, share high, and a gate status.

    Every wave, whatever ``filters.wave_id`` says: the trend and, for one wave,
    the team figures. Hidden cells have null figures and a status saying why.
    """
    rules = rules or privacy.rules(con)
    params = {
        "instrument": instrument,
        "constructs": list(constructs),
        "high_cutoff": HIGH_SCORE_CUTOFF,
        **_team_filters(filters),
    }
    raw = con.execute(sql("construct_by_wave"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SCORE_COLUMNS,
        parent_count_column="parent_respondents",
        partitions=[["wave_id", "construct"], ["wave_id", "construct", "service"]],
    )


def construct_by_wave_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    constructs: list[str],
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's figures per wave and construct (role and career-stage filters apply)."""
    rules = rules or privacy.rules(con)
    params = {
        "instrument": instrument,
        "constructs": list(constructs),
        "high_cutoff": HIGH_SCORE_CUTOFF,
        **_sub_filters(filters),
    }
    raw = con.execute(sql("construct_by_wave_for_organisation"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SCORE_COLUMNS,
        parent_count_column="parent_respondents",
    )


def item_agreement_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    items: list[str],
    at_least: float = AGREE_MIN_VALUE,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per team and item: distinct respondents answering it and the share agreeing, gated.

    Agreeing is an answer at or above ``at_least``: by default
    ``measures.AGREE_MIN_VALUE`` (agree or strongly agree); another threshold
    serves other scales (e.g. ``measures.REPORTED_MONTHLY_BAND``).
    """
    rules = rules or privacy.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "items": list(items),
        "agree_value": at_least,
        **_team_filters(filters),
    }
    raw = con.execute(sql("item_agreement_by_team"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=["share_agree"],
        parent_count_column="parent_respondents",
        partitions=[["item"], ["item", "service"]],
    )


def item_agreement_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    items: list[str],
    at_least: float = AGREE_MIN_VALUE,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's share agreeing with each item (role and career-stage filters apply)."""
    rules = rules or privacy.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "items": list(items),
        "agree_value": at_least,
        **_sub_filters(filters),
    }
    raw = con.execute(sql("item_agreement_for_organisation"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=["share_agree"],
        parent_count_column="parent_respondents",
    )


def support_challenge_by_wave(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per wave and team, over respondents with both scores: means and quadrant shares, gated.

    A respondent's quadrant compares each score with ``HIGH_SCORE_CUTOFF``.
    """
    rules = rules or privacy.rules(con)
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_team_filters(filters)}
    raw = con.execute(sql("support_challenge_by_wave"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        parent_count_column="parent_respondents",
        partitions=[["wave_id"], ["wave_id", "service"]],
    )


def support_challenge_by_wave_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's support/challenge means and quadrant shares per wave, gated."""
    rules = rules or privacy.rules(con)
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_sub_filters(filters)}
    raw = con.execute(sql("support_challenge_by_wave_for_organisation"), params).df()
    return privacy.protect(
        raw,
        k=rules.min_group_size,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        parent_count_column="parent_respondents",
    )
