"""Survey figures for the pages, every one through the confidentiality gate."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import pandas as pd

from queries import decisions, settings, sql
from queries.cache import memoised
from queries.survey_gate import (
    CONSTRUCT_UNIVERSE,
    FILTER_FIELDS,
    ITEM_UNIVERSE,
    POOLED_TEAM,
    SCORE_COLUMNS,
    SUPPORT_CHALLENGE_UNIVERSE,
    Filters,
    breaks_down,
    consequences_of_change,
    consequences_of_rules,
    gate,
    hidden_under,
    pool_hidden_teams,
    respondents_universe,
    wave_team_service,
)
from wellbeing import privacy
from wellbeing.core.measures import HIGH_SCORE_CUTOFF

# Its interface, with the names moved by job into the modules above, still
# importable from here, where other modules import them.
__all__ = [
    "CONSTRUCT_UNIVERSE",
    "EVERY_WAVE",
    "FILTER_FIELDS",
    "Filters",
    "ITEM_UNIVERSE",
    "ORGANISATION",
    "POOLED_TEAM",
    "QUADRANT_COLUMNS",
    "Query",
    "SCORE_COLUMNS",
    "SUPPORT_CHALLENGE_COLUMNS",
    "SUPPORT_CHALLENGE_UNIVERSE",
    "breaks_down",
    "consequences_of_change",
    "consequences_of_rules",
    "construct_by_team",
    "construct_by_wave",
    "construct_by_wave_for_organisation",
    "construct_for_organisation",
    "constructs",
    "filter_options",
    "gate",
    "hidden_under",
    "ignores",
    "instruments_answered",
    "item_agreement_by_team",
    "item_agreement_for_organisation",
    "pool_hidden_teams",
    "prepare_decisions",
    "respondents_universe",
    "support_challenge_by_wave",
    "support_challenge_by_wave_for_organisation",
    "team_hierarchy",
    "wave_team_service",
    "waves",
]

QUADRANT_COLUMNS = [
    "share_high_support_high_challenge",
    "share_high_support_low_challenge",
    "share_low_support_high_challenge",
    "share_low_support_low_challenge",
]
SUPPORT_CHALLENGE_COLUMNS = [
    "mean_support",
    "sd_support",
    "mean_challenge",
    "sd_challenge",
    *QUADRANT_COLUMNS,
]


Query = TypeVar("Query", bound=Callable[..., Any])


def ignores(*fields: str) -> Callable[[Query], Query]:
    """For a query whose answer does not depend on some of the filters.

    Those filters are reset to "all" before the call, so the query cannot read
    them, and a click that changes only them finds the answer already kept
    (queries/cache.py): a figure of every wave need not be fetched again when
    the wave changes, nor the organisation's when the service or team does.
    """

    def decorate(query: Query) -> Query:
        @functools.wraps(query)
        def with_filters_it_reads(con, /, *, filters: Filters, **keywords: Any) -> Any:
            read = dataclasses.replace(filters, **dict.fromkeys(fields))
            return query(con, filters=read, **keywords)

        return with_filters_it_reads  # type: ignore[return-value]

    return decorate


EVERY_WAVE = ("wave_id",)
ORGANISATION = ("service", "team")


@memoised
def waves(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Waves with active responses, oldest first (id, label, opened_on, closed_on)."""
    return con.execute(sql("waves")).df()


@memoised
def filter_options(
    con: duckdb.DuckDBPyConnection,
    *,
    field: str,
    wave_id: int | None,
    service: str | None = None,
    rules: privacy.Rules | None = None,
) -> list[str]:
    """The values a filter can take in a wave: those held by at least k of its respondents.

    ``field``: team, service, role or career_stage; teams of ``service`` only if given.
    """
    if field not in FILTER_FIELDS:
        raise ValueError(f"unknown filter field {field!r}")
    if wave_id is None:
        return []
    rules = rules or settings.rules(con)
    params = {
        "field": field,
        "wave_id": wave_id,
        "service": service,
        "min_respondents": rules.min_group_size,
    }
    return [row[0] for row in con.execute(sql("filter_options"), params).fetchall()]


@memoised
def constructs(con: duckdb.DuckDBPyConnection, *, instrument: str = "default") -> pd.DataFrame:
    """The constructs of an instrument (code, name, description, kind, scale_min, scale_max)."""
    return con.execute(sql("constructs"), {"instrument": instrument}).df()


@memoised
def instruments_answered(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The instruments with a scored answer in an active upload, in any wave."""
    return [row[0] for row in con.execute(sql("instruments_answered")).fetchall()]


@memoised
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
    rules = rules or settings.rules(con)
    every_team = _wave_figures(
        con, wave_id=filters.wave_id, instrument=instrument, scope="team", **_sub_filters(filters)
    )
    raw = _unit_rows(every_team, filters)
    gated = gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
    )
    if filters.combine_small_teams:
        gated = pool_hidden_teams(
            con, raw, gated, filters=filters, rules=rules, instrument=instrument
        )
    return gated


def _unit_rows(every_team: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``filters.service`` or ``filters.team`` among every team's figures: a
    team's figures depend on its own respondents alone (and a team has one service in a
    wave: wave_teams), so a service's or a team's are rows of every team's, worked out once."""
    rows = every_team
    for column in ("service", "team"):
        value = getattr(filters, column)
        if value is not None:
            rows = rows[rows[column] == value]
    return rows.reset_index(drop=True)


@memoised
def _wave_figures_every_scope(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int | None,
    instrument: str,
    role: str | None,
    career_stage: str | None,
) -> pd.DataFrame:
    """Every team's raw figures per construct of a wave and the organisation's, from one
    pass over its scores (``organisation`` tells them apart): at a million respondents
    0.55 s, where one query for each took 1.1-1.5 s."""
    params = {"wave_id": wave_id, **_every_team(instrument, role, career_stage)}
    return con.execute(sql("construct_figures"), params).df()


def _wave_figures(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int | None,
    instrument: str,
    role: str | None,
    career_stage: str | None,
    scope: str,
) -> pd.DataFrame:
    """Raw figures per construct of a wave (not gated): every team's, a row per team and
    construct (``scope`` "team"), or all the teams' together (``scope`` "organisation",
    without the unit columns)."""
    every_scope = _wave_figures_every_scope(
        con, wave_id=wave_id, instrument=instrument, role=role, career_stage=career_stage
    )
    organisation = scope == "organisation"
    rows = every_scope[every_scope["organisation"] == organisation]
    rows = rows.drop(columns="organisation").reset_index(drop=True)
    return _organisation_rows(rows) if organisation else rows


@decisions.also_while_deciding(order=4)
def _wave_first_figures(con: duckdb.DuckDBPyConnection, wave_id: int) -> None:
    """The organisation's and every team's figures on the default instrument with no role
    or stage chosen: what a wave's first view shows, and cuts its teams' from."""
    _wave_figures_every_scope(
        con, wave_id=wave_id, instrument="default", role=None, career_stage=None
    )


def _every_team(instrument: str, role: str | None, career_stage: str | None) -> dict:
    """The parameters of a figures query over every team."""
    return {
        "instrument": instrument,
        "service": None,
        "team": None,
        "role": role,
        "career_stage": career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }


@ignores(*ORGANISATION)
@memoised
def construct_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's figures per construct (role and career-stage filters apply)."""
    rules = rules or settings.rules(con)
    raw = _wave_figures(
        con,
        wave_id=filters.wave_id,
        instrument=instrument,
        scope="organisation",
        **_sub_filters(filters),
    )
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        unit="organisation",
    )


@memoised
def team_hierarchy(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every known team with its service and directorate (team, service, directorate)."""
    return con.execute(sql("team_hierarchy")).df()


def _published_items(items: list[str]) -> dict[str, list]:
    """Items and their agreement thresholds; only items the engine decides can be shown."""
    unknown = sorted(set(items) - set(decisions.PUBLISHED_ITEMS))
    if unknown:
        raise ValueError(f"item {unknown[0]!r} is not among the items whose agreement is shown")
    return {
        "items": list(items),
        "agree_from": [float(decisions.PUBLISHED_ITEMS[item]) for item in items],
    }


def _sub_filters(filters: Filters) -> dict[str, object]:
    return {"role": filters.role, "career_stage": filters.career_stage}


def _team_filters(filters: Filters) -> dict[str, object]:
    return {"service": filters.service, "team": filters.team, **_sub_filters(filters)}


# Each measure has one query for both scopes: "team" (a row per team) and
# "organisation" (every team together, team and service null).
def _organisation_scope() -> dict[str, object]:
    return {"scope": "organisation", "service": None, "team": None}


def _organisation_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The organisation's rows of a query run with ``_organisation_scope``: no unit columns."""
    return raw.drop(columns=["team", "service"])


@ignores(*EVERY_WAVE)
@memoised
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
    rules = rules or settings.rules(con)
    every_team = _every_teams_figures_by_wave(
        con, instrument=instrument, constructs=list(constructs), **_sub_filters(filters)
    )
    raw = _unit_rows(every_team, filters)
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        wave_column="wave_id",
    )


@memoised
def _every_teams_figures_by_wave(
    con: duckdb.DuckDBPyConnection,
    *,
    instrument: str,
    constructs: list[str],
    role: str | None,
    career_stage: str | None,
) -> pd.DataFrame:
    """Raw figures per wave, team and construct for every team (not gated)."""
    params = {"constructs": list(constructs), **_every_team(instrument, role, career_stage)}
    return con.execute(sql("construct_figures_by_wave"), params | {"scope": "team"}).df()


@ignores(*EVERY_WAVE, *ORGANISATION)
@memoised
def construct_by_wave_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    constructs: list[str],
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's figures per wave and construct (role and career-stage filters apply)."""
    return _one_unit_by_wave(
        con, filters, constructs, instrument, rules, _organisation_scope(), unit="organisation"
    )


def _one_unit_by_wave(con, filters, constructs, instrument, rules, scope, *, unit) -> pd.DataFrame:
    """One unit's figures per wave and construct (the organisation or a service), gated."""
    params = {
        "instrument": instrument,
        "constructs": list(constructs),
        "high_cutoff": HIGH_SCORE_CUTOFF,
        **_sub_filters(filters),
        **scope,
    }
    raw = con.execute(sql("construct_figures_by_wave"), params).df()
    return gate(
        con,
        raw.drop(columns=[c for c in ("team", "service") if scope.get(c) is None]),
        filters=filters,
        rules=rules or settings.rules(con),
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        unit=unit,
        wave_column="wave_id",
    )


@ignores(*EVERY_WAVE, "team")
@memoised
def construct_by_wave_for_service(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    constructs: list[str],
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """``filters.service``'s figures per wave and construct (role and career stage apply), gated.

    The action plans' before and after for a service; a ValueError without a service.
    """
    if filters.service is None:
        raise ValueError("construct_by_wave_for_service needs filters.service")
    scope = {"scope": "service", "service": filters.service, "team": None}
    return _one_unit_by_wave(con, filters, constructs, instrument, rules, scope, unit="filters")


@memoised
def item_agreement_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    items: list[str],
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per team and item: distinct respondents answering it and the share agreeing, gated.

    Agreeing is an answer at or above the item's threshold in
    ``decisions.PUBLISHED_ITEMS`` (agree or strongly agree; for the reported
    supervision frequency, at least monthly): only those items are shown.
    """
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        **_published_items(items),
        **_team_filters(filters),
        "scope": "team",
    }
    raw = con.execute(sql("item_agreement_figures"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=["share_agree"],
        universe_column="item",
        universe_template=ITEM_UNIVERSE,
    )


@ignores(*ORGANISATION)
@memoised
def item_agreement_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    items: list[str],
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's share agreeing with each item (role and career-stage filters apply)."""
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        **_published_items(items),
        **_sub_filters(filters),
        **_organisation_scope(),
    }
    raw = _organisation_rows(con.execute(sql("item_agreement_figures"), params).df())
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=["share_agree"],
        universe_column="item",
        universe_template=ITEM_UNIVERSE,
        unit="organisation",
    )


@ignores(*EVERY_WAVE)
@memoised
def support_challenge_by_wave(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per wave and team, over respondents with both scores: means and quadrant shares, gated.

    A respondent's quadrant compares each score with ``HIGH_SCORE_CUTOFF``.
    """
    rules = rules or settings.rules(con)
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_team_filters(filters), "scope": "team"}
    raw = con.execute(sql("support_challenge_figures_by_wave"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        universe=SUPPORT_CHALLENGE_UNIVERSE,
        wave_column="wave_id",
    )


@ignores(*EVERY_WAVE, *ORGANISATION)
@memoised
def support_challenge_by_wave_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's support/challenge means and quadrant shares per wave, gated."""
    rules = rules or settings.rules(con)
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_sub_filters(filters), **_organisation_scope()}
    raw = _organisation_rows(con.execute(sql("support_challenge_figures_by_wave"), params).df())
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        universe=SUPPORT_CHALLENGE_UNIVERSE,
        unit="organisation",
        wave_column="wave_id",
    )


def prepare_decisions(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event | None = None
) -> int:
    """Decide every wave now, newest first (see queries.decisions.prepare); returns how many."""
    wave_ids = [int(w) for w in waves(con)["id"]]
    return decisions.prepare(con, waves=wave_ids, stop=stop or threading.Event())
