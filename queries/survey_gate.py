"""The gate every survey figure goes through: the whole wave's decision, and hidden teams pooled.

Query functions in queries/survey.py and the other query modules (equity,
overview, response rates...) pass their raw rows to ``gate``; it looks each row
up in the engine's decision for the whole wave (wellbeing.privacy.decide) and
blanks it through privacy.protect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from queries import decisions, settings, sql
from queries.cache import memoised
from wellbeing import privacy

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
    # Pool each service's hidden teams into one "Other teams in <service>" row
    # where that is safe, so leaders of small teams still see something.
    combine_small_teams: bool = False

    def __post_init__(self) -> None:
        # One sub-filter at a time (privacy.MAX_SUB_FILTERS): the engine decides
        # no role x career-stage cells, so the pair is refused, not half-applied.
        problem = privacy.sub_filter_problem(role=self.role, career_stage=self.career_stage)
        if problem:
            raise ValueError(problem)


CONSTRUCT_UNIVERSE = decisions.CONSTRUCT_UNIVERSE


ITEM_UNIVERSE = decisions.ITEM_UNIVERSE


SUPPORT_CHALLENGE_UNIVERSE = decisions.SUPPORT_CHALLENGE_UNIVERSE


POOLED_TEAM = "Other teams in {service}"


def respondents_universe(instrument: str) -> str:
    """The set of everyone who answered an instrument (the profile, response rates)."""
    return decisions.RESPONDENTS_UNIVERSE.format(instrument=instrument)


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
) -> pd.DataFrame:
    """Blank every raw row the confidentiality engine does not allow, for one or many waves.

    Each row is looked up in its wave's decision (queries.decisions), which
    covers every set of respondents, page, filter and download of the wave at
    once and every version of it readers were shown; what a reader other than
    HR is shown is remembered. A query's own ``parent_respondents`` column, if
    any, is dropped: the decision already holds every filter's complement.

    Args:
        raw: aggregated rows straight from a ``.sql`` file.
        universe: the set of respondents every row covers (``respondents_universe``,
            ``SUPPORT_CHALLENGE_UNIVERSE``...), or
        universe_column: the column naming each row's construct or item, put
            into ``universe_template`` (``{code}``, ``{instrument}``).
        unit: 'team' (rows have ``service`` and ``team`` columns),
            'organisation', or 'filters' (the service or team the filters chose).
        attributes: dimension -> column for rows broken down by respondent
            attributes (``{"ethnicity": "ethnicity"}``).
        wave_column: the wave id column for rows of many waves; otherwise
            every row is of ``filters.wave_id``.

    The role and career-stage filters are part of every row's cell.

    Example:
        gate(con, raw, filters=filters, rules=rules, value_columns=SCORE_COLUMNS,
             universe_column="construct")
    """
    if unit not in ("team", "organisation", "filters"):
        raise ValueError(f"unknown unit {unit!r}")
    raw = raw.drop(columns=["parent_respondents"], errors="ignore")
    attributes = dict(attributes or {})
    try:
        privacy.check_crossing(_crossed_dimensions(filters, unit=unit, attributes=attributes))
        over_crossed = False
    except ValueError:
        # Too many attributes crossed: nothing is shown. Pages that want to say
        # so up front call privacy.check_crossing themselves.
        over_crossed = True
    sensitive = any(d in privacy.SENSITIVE_ATTRIBUTES for d in attributes)
    breakdowns = breaks_down(filters, attributes)
    if raw.empty:
        return raw.assign(status=pd.Series(dtype="str"))
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
    level = {"sensitive": sensitive, "breakdowns": breakdowns}
    decisions.begin_deciding(con, wave_ids=row_waves.unique(), rules=rules, **level)
    for wave_id, in_wave in raw.groupby(row_waves, sort=False).groups.items():
        rows = raw.loc[in_wave]
        decided = decisions.decision(con, wave_id=int(wave_id), rules=rules, **level)
        decisions.remember(con, wave_id=int(wave_id), rules=rules, **level)
        keys = _cell_keys(
            con, rows, filters=filters, unit=unit, attributes=attributes, wave_id=int(wave_id)
        )
        verdicts = decided.statuses(row_universes[in_wave].tolist(), keys)
        found.update(zip(in_wave, verdicts, strict=True))
    statuses = pd.Series([found[row] for row in raw.index], index=raw.index, dtype="str")
    if over_crossed:
        statuses[:] = privacy.PROTECTS_SMALLER
    return privacy.protect(
        raw, statuses=statuses, value_columns=value_columns, count_column=count_column
    )


def breaks_down(filters: Filters, attributes: Iterable[str]) -> bool:
    """Whether a figure's cells name a role or career stage (a filter, or a breakdown)."""
    return any(getattr(filters, d) is not None for d in privacy.SUB_FILTERS) or any(
        d in privacy.SUB_FILTERS for d in attributes
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
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    *,
    filters: Filters,
    unit: str,
    attributes: dict[str, str],
    wave_id: int,
) -> list[tuple[str, ...]]:
    """Each row's cell key (privacy.cell_key), built column by column for thousands of rows."""
    count = len(rows)
    values: dict[str, list[object]] = {
        "role": [filters.role] * count,
        "career_stage": [filters.career_stage] * count,
    }
    values |= _unit_keys(con, rows, filters=filters, unit=unit, wave_id=wave_id)
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
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    *,
    filters: Filters,
    unit: str,
    wave_id: int,
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
    service = filters.service or wave_team_service(con, wave_id=wave_id, team=filters.team)
    return {"service": [service or privacy.NOT_STATED] * count, "team": [filters.team] * count}


def wave_team_service(con: duckdb.DuckDBPyConnection, *, wave_id: int, team: str) -> str | None:
    """A team's service as the wave has it (its hierarchy is kept from its import)."""
    rows = con.execute(sql("wave_team_service"), {"wave_id": wave_id, "team": team}).fetchall()
    return rows[0][0] if rows else None


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
    breakdowns = breaks_down(filters, ())
    decisions.begin_deciding(con, wave_ids=wave_ids.unique(), rules=rules, breakdowns=breakdowns)
    for position in range(len(pooled)):
        wave_id, universe = int(wave_ids.iloc[position]), universes.iloc[position]
        decided = decisions.decision(con, wave_id=wave_id, rules=rules, breakdowns=breakdowns)
        service_status, _ = decided.lookup(
            universe,
            privacy.cell_key(
                service=pooled["service"].iloc[position],
                role=filters.role,
                career_stage=filters.career_stage,
            ),
        )
        row = pooled.iloc[position]
        big_enough = row["respondents"] >= rules.min_group_size
        # A small pool of people who all answered alike would tell each one's answer.
        alike = row["respondents"] < rules.alike_group_size and (
            row["share_high"] in (0.0, 1.0) or row["sd"] == 0.0
        )
        statuses.append(
            privacy.BELOW_K
            if not big_enough
            else privacy.SHOWN
            if service_status == privacy.SHOWN and not alike
            else privacy.PROTECTS_SMALLER
        )
    pooled = privacy.protect(
        pooled,
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


def consequences_of_change(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, change: Callable[[], object]
) -> list[str]:
    """What a change (an import, withdrawal or restore, tried and rolled back) would hide of a
    wave readers have seen, in words; nothing for a wave nobody but HR has seen."""
    if not decisions.published(con, wave_id=wave_id):
        return []
    return decisions.readable_consequences(
        decisions.consequences(con, wave_id=wave_id, change=change)
    )


def consequences_of_rules(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules
) -> list[str]:
    """What new thresholds would hide of a wave readers have seen, in words (HR's preview)."""
    if not decisions.published(con, wave_id=wave_id):
        return []
    hidden = decisions.consequences(
        con, wave_id=wave_id, change=lambda: settings.save_rules(con, rules)
    )
    return decisions.readable_consequences(hidden)


@memoised
def hidden_under(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules
) -> dict[str, int]:
    """Cells and respondents the rules would hide in the wave, by kind of cell.

    Over every set of respondents and every page, as decided together with
    what readers were already shown of the wave: the settings preview shows it
    before HR saves new thresholds.
    """
    return privacy.information_lost(
        decisions.decision(con, wave_id=wave_id, rules=rules, sensitive=True)
    )
