"""Organisation-level headline figures for the overview and the board pack, gated."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from queries import decisions, settings, sql, survey
from queries.cache import memoised
from queries.survey import Filters
from wellbeing import privacy
from wellbeing.core.measures import HIGH_SCORE_CUTOFF

HEADLINE_MEASURES = (
    "high_stress",
    "high_support_high_challenge",
    "high_change_fatigue",
    "high_intention_to_leave",
)
MEASURE_UNIVERSES = {
    "high_stress": survey.CONSTRUCT_UNIVERSE.format(instrument="default", code="stress"),
    "high_support_high_challenge": survey.SUPPORT_CHALLENGE_UNIVERSE,
    "high_change_fatigue": survey.CONSTRUCT_UNIVERSE.format(
        instrument="default", code="change_fatigue"
    ),
    "high_intention_to_leave": survey.CONSTRUCT_UNIVERSE.format(
        instrument="default", code="intention_to_leave"
    ),
}

# A headline row of one of HR's own measures: 'own:<construct code>'.
OWN_PREFIX = "own:"


@memoised
def headline_measures(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per headline measure: respondents, share at or above the high cut-off, gate status.

    Every measure in ``HEADLINE_MEASURES`` has a row, with status ``no_data``
    where nobody answered it; each of HR's own measures answered in the wave follows
    as ``own:<code>`` (its share at or above its own cut-off), gated as its construct.
    """
    rules = rules or settings.rules(con)
    raw = _filtered_shares(_headline_counts(con, wave_id=filters.wave_id), filters)
    own = sorted(m for m in raw["measure"] if m.startswith(OWN_PREFIX))
    raw = (
        raw.set_index("measure")
        .reindex([*HEADLINE_MEASURES, *own])
        .rename_axis("measure")
        .reset_index()
    )
    raw["respondents"] = raw["respondents"].fillna(0)
    raw["parent_respondents"] = raw["parent_respondents"].fillna(0)
    # The respondents each measure covers, as the confidentiality engine knows them.
    raw["universe"] = raw["measure"].map(
        lambda measure: (
            MEASURE_UNIVERSES.get(measure)
            or survey.CONSTRUCT_UNIVERSE.format(
                instrument="default", code=measure.removeprefix(OWN_PREFIX)
            )
        )
    )
    return survey.gate(
        con,
        raw,
        filters=filters,
        rules=rules,
        value_columns=["share"],
        universe_column="universe",
        universe_template="{code}",
        unit="filters",
    ).drop(columns=["universe"])


@memoised
def _headline_counts(con: duckdb.DuckDBPyConnection, *, wave_id: int | None) -> pd.DataFrame:
    """A wave's headline measures counted by service, team, role and career stage: worked
    out once a wave, so that a leader's first visit to a service or team is a sum."""
    params = {"wave_id": wave_id, "high_cutoff": HIGH_SCORE_CUTOFF}
    return con.execute(sql("headline_measure_counts"), params).df()


@decisions.also_while_deciding(order=1)
def _wave_headline_counts(con: duckdb.DuckDBPyConnection, wave_id: int) -> None:
    _headline_counts(con, wave_id=wave_id)


def _filtered_shares(counts: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Per measure: the filter's respondents and share at or above the cut-off, and the
    wave's respondents (``parent_respondents``: the gate stops a filter singling out its
    complement)."""
    chosen = np.ones(len(counts), dtype=bool)
    for column in ("service", "team", "role", "career_stage"):
        value = getattr(filters, column)
        if value is not None:
            chosen &= (counts[column] == value).to_numpy()
    summed = (
        counts[["measure"]]
        .assign(
            respondents=counts["respondents"].where(chosen, 0),
            high=counts["high"].where(chosen, 0),
            parent_respondents=counts["respondents"],
        )
        .groupby("measure", as_index=False, sort=True)
        .sum()
    )
    summed["share"] = (summed["high"] / summed["respondents"]).where(summed["respondents"] > 0)
    return summed[["measure", "respondents", "share", "parent_respondents"]]
