"""Survey figures for the pages, every one through the confidentiality gate."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import sql
from wellbeing import privacy
from wellbeing.measures import HIGH_SCORE_CUTOFF

SCORE_COLUMNS = ["mean_score", "sd", "share_high"]
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
