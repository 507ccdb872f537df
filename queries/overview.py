"""Organisation-level headline figures for the overview and the board pack, gated."""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import settings, sql, survey
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
    params = {
        "wave_id": filters.wave_id,
        "service": filters.service,
        "team": filters.team,
        "role": filters.role,
        "career_stage": filters.career_stage,
        "high_cutoff": HIGH_SCORE_CUTOFF,
    }
    raw = con.execute(sql("headline_measures"), params).df()
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
