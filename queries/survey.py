"""Survey figures for the pages, every one through the confidentiality gate."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd

from queries import settings, sql
from queries.cache import data_version, memoised
from wellbeing import privacy
from wellbeing.core.measures import AGREE_MIN_VALUE, HIGH_SCORE_CUTOFF

SCORE_COLUMNS = ["mean_score", "sd", "share_high"]
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
FILTER_FIELDS = ("service", "team", "role", "career_stage")


@dataclass(frozen=True)
class Filters:
    """What a leader has chosen in the shared filters; None means 'all'."""

    wave_id: int | None = None
    service: str | None = None
    team: str | None = None
    role: str | None = None
    career_stage: str | None = None
    # Pool each service's hidden teams into one "Other teams in <service>" row
    # where that is safe, so leaders of small teams still see something.
    combine_small_teams: bool = False

    def __post_init__(self) -> None:
        # One sub-filter at a time (privacy.MAX_SUB_FILTERS): the engine decides
        # no role x career-stage cells, so the pair is refused, not half-applied.
        problem = privacy.sub_filter_problem(role=self.role, career_stage=self.career_stage)
        if problem:
            raise ValueError(problem)


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
def filter_options(con: duckdb.DuckDBPyConnection, *, field: str) -> list[str]:
    """The values a filter can take (team, service, role or career_stage)."""
    if field not in FILTER_FIELDS:
        raise ValueError(f"unknown filter field {field!r}")
    return [row[0] for row in con.execute(sql("filter_options"), {"field": field}).fetchall()]


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
    gated = gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        parent_count_column="parent_respondents",
        partitions=[["construct"], ["construct", "service"]],
    )
    if filters.combine_small_teams:
        gated = pool_hidden_teams(
            con, raw, gated, filters=filters, rules=rules, instrument=instrument
        )
    return gated


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
    params = {
        "wave_id": filters.wave_id,
        "instrument": instrument,
        "role": filters.role,
        "career_stage": filters.career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }
    raw = con.execute(sql("construct_for_organisation"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        unit="organisation",
        parent_count_column="parent_respondents",
    )


@memoised
def team_hierarchy(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every known team with its service and directorate (team, service, directorate)."""
    return con.execute(sql("team_hierarchy")).df()


def _sub_filters(filters: Filters) -> dict[str, object]:
    return {"role": filters.role, "career_stage": filters.career_stage}


def _team_filters(filters: Filters) -> dict[str, object]:
    return {"service": filters.service, "team": filters.team, **_sub_filters(filters)}


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
    params = {
        "instrument": instrument,
        "constructs": list(constructs),
        "high_cutoff": HIGH_SCORE_CUTOFF,
        **_team_filters(filters),
    }
    raw = con.execute(sql("construct_by_wave"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        wave_column="wave_id",
        parent_count_column="parent_respondents",
        partitions=[["wave_id", "construct"], ["wave_id", "construct", "service"]],
    )


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
    rules = rules or settings.rules(con)
    params = {
        "instrument": instrument,
        "constructs": list(constructs),
        "high_cutoff": HIGH_SCORE_CUTOFF,
        **_sub_filters(filters),
    }
    raw = con.execute(sql("construct_by_wave_for_organisation"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SCORE_COLUMNS,
        universe_column="construct",
        instrument=instrument,
        unit="organisation",
        wave_column="wave_id",
        parent_count_column="parent_respondents",
    )


@memoised
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
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "items": list(items),
        "agree_value": at_least,
        **_team_filters(filters),
    }
    raw = con.execute(sql("item_agreement_by_team"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=["share_agree"],
        universe_column="item",
        universe_template=ITEM_UNIVERSE,
        parent_count_column="parent_respondents",
        partitions=[["item"], ["item", "service"]],
    )


@ignores(*ORGANISATION)
@memoised
def item_agreement_for_organisation(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    items: list[str],
    at_least: float = AGREE_MIN_VALUE,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """The organisation's share agreeing with each item (role and career-stage filters apply)."""
    rules = rules or settings.rules(con)
    params = {
        "wave_id": filters.wave_id,
        "items": list(items),
        "agree_value": at_least,
        **_sub_filters(filters),
    }
    raw = con.execute(sql("item_agreement_for_organisation"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=["share_agree"],
        universe_column="item",
        universe_template=ITEM_UNIVERSE,
        unit="organisation",
        parent_count_column="parent_respondents",
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
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_team_filters(filters)}
    raw = con.execute(sql("support_challenge_by_wave"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        universe=SUPPORT_CHALLENGE_UNIVERSE,
        wave_column="wave_id",
        parent_count_column="parent_respondents",
        partitions=[["wave_id"], ["wave_id", "service"]],
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
    params = {"high_cutoff": HIGH_SCORE_CUTOFF, **_sub_filters(filters)}
    raw = con.execute(sql("support_challenge_by_wave_for_organisation"), params).df()
    return gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=SUPPORT_CHALLENGE_COLUMNS,
        universe=SUPPORT_CHALLENGE_UNIVERSE,
        unit="organisation",
        wave_column="wave_id",
        parent_count_column="parent_respondents",
    )


# The confidentiality gate for every survey figure. Query functions here and in
# the other query modules (equity, overview, response rates...) pass their raw
# rows to ``gate``; it looks each row up in the engine's decision for the
# whole wave (wellbeing.privacy.decide) and blanks it through privacy.protect.

CONSTRUCT_UNIVERSE = "construct:{instrument}:{code}"
ITEM_UNIVERSE = "item:{code}"
RESPONDENTS_UNIVERSE = "respondents"
SUPPORT_CHALLENGE_UNIVERSE = "support_challenge"
POOLED_TEAM = "Other teams in {service}"


def privacy_cells(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, universes: list[str] | None
) -> pd.DataFrame:
    """Distinct respondents per universe and finest attribute group of a wave (never shown).

    ``universes`` None: every universe the wave has.
    """
    params = {"wave_id": wave_id, "universes": None if universes is None else list(universes)}
    return con.execute(sql("privacy_cells"), params).df()


def decisions(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    universes: list[str],
    rules: privacy.Rules,
) -> dict[str, privacy.Decision]:
    """The engine's decision for each universe of one wave.

    Kept per data version (queries/cache.py), so a rerun after a click costs
    nothing; an import, withdrawal or settings change makes the next call
    decide afresh.
    """
    state = data_version(con)
    wanted = {u: (state, wave_id, u, rules) for u in universes}
    found: dict[str, privacy.Decision] = {}
    with _DECISIONS_LOCK:
        for universe, key in wanted.items():
            if key in _DECISIONS:
                _DECISIONS.move_to_end(key)
                found[universe] = _DECISIONS[key]
    missing = [u for u in universes if u not in found]
    if missing:
        cells = privacy_cells(con, wave_id=wave_id, universes=missing)
        # Taken from the return value: the shared cache may already have let them go.
        found |= _decide_all(cells, state=state, wave_id=wave_id, universes=missing, rules=rules)
    return {universe: found[universe] for universe in universes}


def _decide_all(
    cells: pd.DataFrame,
    *,
    state: tuple,
    wave_id: int,
    universes: list[str],
    rules: privacy.Rules,
    stop: threading.Event | None = None,
) -> dict[str, privacy.Decision]:
    """Decide each universe from the wave's cells and keep it; returns those decided."""
    by_universe = dict(tuple(cells.groupby("universe", sort=False)))
    empty = cells.iloc[0:0]
    decided: dict[str, privacy.Decision] = {}
    for universe in universes:
        if stop is not None and stop.is_set():
            break
        decision = privacy.decide(by_universe.get(universe, empty), rules)
        decided[universe] = decision
        with _DECISIONS_LOCK:
            _DECISIONS[(state, wave_id, universe, rules)] = decision
            while len(_DECISIONS) > _DECISIONS_KEPT:
                _DECISIONS.popitem(last=False)
    return decided


def prepare_decisions(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event | None = None
) -> int:
    """Decide every universe of every wave now, newest wave first; returns how many.

    Run in the background when the data changes (wellbeing.ui), so that the
    first leader to open a wave does not wait for the engine. The sensitive
    breakdowns of every wave follow, newest first, for the Equity page (at
    400 teams about 4 s a construct; opened cold, a past wave took 13 s, and
    at 1,000 teams minutes). ``stop``, when set, ends the work between two
    waves or two universes.
    """
    stop = stop or threading.Event()
    state = data_version(con)
    rules = settings.rules(con)
    broken_down: list[privacy.Decision] = []
    decided = 0
    for wave_id in reversed(waves(con)["id"].astype("int64").tolist()):
        if stop.is_set():
            return decided
        cells = privacy_cells(con, wave_id=int(wave_id), universes=None)
        universes = sorted(set(cells["universe"]))
        made = _decide_all(
            cells, state=state, wave_id=int(wave_id), universes=universes, rules=rules, stop=stop
        )
        decided += len(made)
        # The Equity page breaks down constructs, not items.
        broken_down += [d for u, d in made.items() if not u.startswith("item:")]
    for decision in broken_down:
        if stop.is_set():
            break
        decision.whole()
    return decided


_DECISIONS: OrderedDict[tuple, privacy.Decision] = OrderedDict()
# Every universe (constructs, items, respondents) of a few dozen waves.
_DECISIONS_KEPT = 2048
_DECISIONS_LOCK = threading.Lock()


def gate(
    con: duckdb.DuckDBPyConnection,
    raw: pd.DataFrame,
    *,
    filters: Filters,
    rules: privacy.Rules,
    value_columns: list[str],
    universe: str | None = None,
    universe_column: str | None = None,
    universe_template: str = CONSTRUCT_UNIVERSE,
    instrument: str = "default",
    unit: str = "team",
    attributes: dict[str, str] | None = None,
    wave_column: str | None = None,
    count_column: str = "respondents",
    parent_count_column: str | None = None,
    partitions: list[list[str]] | None = None,
) -> pd.DataFrame:
    """Blank every raw row the confidentiality engine does not allow, for one or many waves.

    Args:
        raw: aggregated rows straight from a ``.sql`` file.
        universe: the respondents every row covers ('respondents',
            'support_challenge'...), or
        universe_column: the column naming each row's construct or item, put
            into ``universe_template`` (``{code}``, ``{instrument}``).
        unit: 'team' (rows have ``service`` and ``team`` columns),
            'organisation', or 'filters' (the service or team the filters chose).
        attributes: dimension -> column for rows broken down by respondent
            attributes (``{"ethnicity": "ethnicity"}``); blank groups are
            ``privacy.NOT_STATED``.
        wave_column: the wave id column for rows of many waves; otherwise
            every row is of ``filters.wave_id``.

    The role and career-stage filters are part of every row's cell.

    Example:
        gate(con, raw, filters=filters, rules=rules, value_columns=SCORE_COLUMNS,
             universe_column="construct")
    """
    if unit not in ("team", "organisation", "filters"):
        raise ValueError(f"unknown unit {unit!r}")
    attributes = dict(attributes or {})
    try:
        privacy.check_crossing(_crossed_dimensions(filters, unit=unit, attributes=attributes))
        over_crossed = False
    except ValueError:
        # Too many attributes crossed: nothing is shown. Pages that want to say
        # so up front call privacy.check_crossing themselves.
        over_crossed = True
    sensitive = any(d in privacy.SENSITIVE_ATTRIBUTES for d in attributes)
    k = rules.sensitive_min_group_size if sensitive else rules.min_group_size
    if raw.empty:
        out = raw.copy()
        out["status"] = pd.Series(dtype="str")
        if parent_count_column is not None:
            out = out.drop(columns=[parent_count_column])
        return out
    row_universes = _row_universes(
        raw,
        universe=universe,
        universe_column=universe_column,
        template=universe_template,
        instrument=instrument,
    )
    row_waves = (
        raw[wave_column].astype("int64")
        if wave_column is not None
        else pd.Series(filters.wave_id, index=raw.index)
    )
    found: dict[object, str] = {}
    for wave_id, in_wave in raw.groupby(row_waves, sort=False).groups.items():
        rows = raw.loc[in_wave]
        wave_universes = row_universes[in_wave].tolist()
        verdicts = decisions(
            con, wave_id=int(wave_id), universes=sorted(set(wave_universes)), rules=rules
        )
        keys = _cell_keys(
            rows, filters=filters, unit=unit, attributes=attributes, verdicts=verdicts
        )
        in_universe: dict[str, list[int]] = {}
        for position, row_universe in enumerate(wave_universes):
            in_universe.setdefault(row_universe, []).append(position)
        for row_universe, members in in_universe.items():
            verdict = verdicts[row_universe].statuses([keys[p] for p in members])
            for position, status in zip(members, verdict, strict=True):
                found[in_wave[position]] = status
    statuses = pd.Series([found[row] for row in raw.index], index=raw.index, dtype="str")
    if over_crossed:
        statuses[:] = privacy.PROTECTS_SMALLER
    return privacy.protect(
        raw,
        k=k,
        value_columns=value_columns,
        count_column=count_column,
        parent_count_column=parent_count_column,
        partitions=partitions,
        statuses=statuses,
    )


def _crossed_dimensions(filters: Filters, *, unit: str, attributes: dict[str, str]) -> list[str]:
    named = list(attributes)
    named += [d for d in privacy.SUB_FILTERS if getattr(filters, d) is not None]
    if unit == "team" or (unit == "filters" and (filters.team or filters.service)):
        named.append("team" if unit == "team" or filters.team else "service")
    return named


def _row_universes(
    raw: pd.DataFrame,
    *,
    universe: str | None,
    universe_column: str | None,
    template: str,
    instrument: str,
) -> pd.Series:
    if (universe is None) == (universe_column is None):
        raise ValueError("give exactly one of universe and universe_column")
    if universe is not None:
        return pd.Series(universe, index=raw.index, dtype="object")
    return (
        raw[universe_column]
        .map(lambda code: template.format(instrument=instrument, code=code))
        .astype("object")
    )


def _cell_keys(
    rows: pd.DataFrame,
    *,
    filters: Filters,
    unit: str,
    attributes: dict[str, str],
    verdicts: dict[str, privacy.Decision],
) -> list[tuple[str, ...]]:
    """Each row's cell key (privacy.cell_key), built column by column for thousands of rows."""
    count = len(rows)
    values: dict[str, list[object]] = {
        "role": [filters.role] * count,
        "career_stage": [filters.career_stage] * count,
    }
    values |= _unit_keys(rows, filters=filters, unit=unit, verdicts=verdicts)
    for dimension, column in attributes.items():
        values[dimension] = rows[column].tolist()
    columns = [
        [privacy.ALL if v is None else str(v) for v in values[d]]
        if d in values
        else [privacy.ALL] * count
        for d in privacy.DIMENSIONS
    ]
    return list(zip(*columns, strict=True)) if count else []


def _unit_keys(
    rows: pd.DataFrame,
    *,
    filters: Filters,
    unit: str,
    verdicts: dict[str, privacy.Decision],
) -> dict[str, list[object]]:
    """The service and team of each row's cell, as a column per dimension."""
    count = len(rows)
    if unit == "team":
        return {
            "service": [privacy.NOT_STATED if pd.isna(s) else s for s in rows["service"]],
            "team": rows["team"].tolist(),
        }
    if unit == "organisation" or (filters.team is None and filters.service is None):
        return {}
    if filters.team is None:
        return {"service": [filters.service] * count}
    service = filters.service
    if service is None:  # the team's service, as the engine knows it
        for verdict in verdicts.values():
            cells = verdict.cells(sensitive=False)
            match = cells.loc[(cells["team"] == filters.team), "service"]
            if len(match):
                service = match.iloc[0]
                break
    return {"service": [service] * count, "team": [filters.team] * count}


def pool_hidden_teams(
    con: duckdb.DuckDBPyConnection,
    raw: pd.DataFrame,
    gated: pd.DataFrame,
    *,
    filters: Filters,
    rules: privacy.Rules,
    universe_column: str = "construct",
    instrument: str = "default",
    wave_column: str | None = None,
) -> pd.DataFrame:
    """Add, per service, a row pooling its hidden teams ("Other teams in <service>").

    Shown only when the pool has at least k respondents and the service's own
    figure is shown: the pool is then the service minus its shown teams, which
    a reader could work out anyway, so it reveals nothing new. Rows carry
    ``pooled`` (true for pool rows). ``raw`` and ``gated`` are the same rows
    before and after the gate, with ``SCORE_COLUMNS``.
    """
    gated = gated.assign(pooled=False)
    if filters.team is not None or gated.empty:
        return gated
    hidden = raw[(gated["status"] != privacy.SHOWN) & (raw["respondents"].fillna(0) > 0)]
    hidden = hidden[hidden["service"].notna() & (hidden["service"] != privacy.NOT_STATED)]
    if hidden.empty:
        return gated
    keys = [c for c in (wave_column, universe_column, "service") if c is not None]
    pools = []
    for group, rows in hidden.groupby(keys, sort=True):
        group = dict(zip(keys, group if isinstance(group, tuple) else (group,), strict=True))
        pools.append({**group, **_pooled_figures(rows)})
    pooled = pd.DataFrame(pools)
    pooled["team"] = pooled["service"].map(lambda s: POOLED_TEAM.format(service=s))
    wave_ids = pooled[wave_column] if wave_column else pd.Series(filters.wave_id, pooled.index)
    universes = pooled[universe_column].map(
        lambda code: CONSTRUCT_UNIVERSE.format(instrument=instrument, code=code)
    )
    statuses = []
    for position in range(len(pooled)):
        wave_id, universe = int(wave_ids.iloc[position]), universes.iloc[position]
        verdict = decisions(con, wave_id=wave_id, universes=[universe], rules=rules)[universe]
        service_status, _ = verdict.lookup(
            privacy.cell_key(
                service=pooled["service"].iloc[position],
                role=filters.role,
                career_stage=filters.career_stage,
            )
        )
        big_enough = pooled["respondents"].iloc[position] >= rules.min_group_size
        statuses.append(
            privacy.SHOWN
            if service_status == privacy.SHOWN and big_enough
            else privacy.BELOW_K
            if not big_enough
            else privacy.PROTECTS_SMALLER
        )
    pooled = privacy.protect(
        pooled,
        k=rules.min_group_size,
        value_columns=SCORE_COLUMNS,
        statuses=pd.Series(statuses, index=pooled.index, dtype="str"),
    ).assign(pooled=True)
    return pd.concat([gated, pooled[pooled["status"] == privacy.SHOWN]], ignore_index=True)


def _pooled_figures(rows: pd.DataFrame) -> dict[str, float]:
    """Respondents, mean, sd and share high of several groups taken together."""
    n = rows["respondents"].astype("float64")
    means = rows["mean_score"].astype("float64")
    total = float(n.sum())
    mean = float((n * means).sum() / total)
    within = ((n - 1).clip(lower=0) * rows["sd"].astype("float64").fillna(0.0) ** 2).sum()
    between = (n * (means - mean) ** 2).sum()
    sd = float(np.sqrt((within + between) / (total - 1))) if total > 1 else float("nan")
    share = float((n * rows["share_high"].astype("float64")).sum() / total)
    return {"respondents": int(total), "mean_score": mean, "sd": sd, "share_high": share}


@memoised
def hidden_under(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules
) -> dict[str, int]:
    """How many teams and breakdowns (role, career stage, sensitive groups) the rules would hide.

    Counted over everyone who responded in the wave, as the settings preview
    shows it before HR saves new thresholds.
    """
    (decision,) = decisions(
        con, wave_id=wave_id, universes=[RESPONDENTS_UNIVERSE], rules=rules
    ).values()
    return privacy.summarise_hidden([decision])
