"""Drivers of stress, intention to leave and change fatigue, for the organisation or a service.

Respondents' own scores are read here and go no further: the function returns
only each measure's importance (its share of the outcome's R², wellbeing.core.
drivers) with a 95% bootstrap interval, for a scope the confidentiality gate
shows and that has enough respondents for the figures to be stable.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import overview, settings, sql
from queries.cache import memoised
from queries.survey import Filters
from wellbeing import privacy
from wellbeing.core import drivers as importance

# The gate's headline measure for each outcome: the organisation's or the
# service's cell for that construct, as the engine decided it for the wave.
OUTCOME_HEADLINES = {
    "stress": "high_stress",
    "intention_to_leave": "high_intention_to_leave",
    "change_fatigue": "high_change_fatigue",
}
# A scope the gate shows but with too few complete respondents for stable drivers.
TOO_FEW = "too_few_for_drivers"
DRIVER_COLUMNS = ["outcome", "measure", "importance", "low", "high", "rank", "r_squared", "status"]
# Importances are handed out to three decimals: what the page shows, and no more.
DECIMALS = 3


@memoised
def drivers(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    service: str | None = None,
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per outcome and measure: importance, 95% interval, rank, the model's R², and a status.

    ``status`` is ``shown``, the gate's status for the scope's outcome (then no
    figures), or ``too_few_for_drivers`` (fewer than
    ``wellbeing.core.drivers.min_respondents`` respondents with every measure).
    A hidden or too-small scope has one row per outcome, with no measure.
    """
    rules = rules or settings.rules(con)
    gated = overview.headline_measures(
        con, filters=Filters(wave_id=wave_id, service=service), rules=rules
    ).set_index("measure")["status"]
    long = con.execute(
        sql("respondent_measures"),
        {"wave_id": wave_id, "service": service, "measures": list(importance.MEASURES)},
    ).df()
    scores = long.pivot_table(
        index="response_id", columns="construct", values="score", aggfunc="first"
    )
    frames = []
    for outcome in importance.OUTCOMES:
        status = str(gated.get(OUTCOME_HEADLINES[outcome], privacy.NO_DATA))
        found = (
            importance.drivers(scores, outcome=outcome)
            if status == privacy.SHOWN and outcome in scores.columns
            else None
        )
        if found is None:
            frames.append(
                pd.DataFrame(
                    {
                        "outcome": [outcome],
                        "status": [TOO_FEW if status == privacy.SHOWN else status],
                    }
                )
            )
            continue
        table = found.table.round({"importance": DECIMALS, "low": DECIMALS, "high": DECIMALS})
        frames.append(
            table.assign(
                outcome=outcome, r_squared=round(found.r_squared, DECIMALS), status=privacy.SHOWN
            )
        )
    return pd.concat(frames, ignore_index=True).reindex(columns=DRIVER_COLUMNS)
