"""Response rates by team against the latest staff list, gated."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from queries import settings, sql, survey
from queries.cache import memoised
from queries.survey import Filters
from wellbeing import privacy

# Below this share of staff in post responding, a team's figures may not
# speak for the team: the page flags it.
LOW_RESPONSE_RATE = 0.5


@memoised
def response_rates_by_team(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: Filters,
    instrument: str = "default",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """Per team: staff in post, respondents, response rate, gate status, low-response flag.

    Respondent counts and rates are gated across every team of the
    organisation and within each service before the service and team filters
    narrow the rows, so a filter cannot undo the protection. Headcounts come
    from the staff list, not from the survey, and are always shown.
    ``low_response`` is true where the rate is known to be under 50%: shown
    and below it, or hidden as fewer than k respondents in a team of at least
    2k staff (where the rate must be under half).
    """
    rules = rules or settings.rules(con)
    raw = con.execute(
        sql("response_rates_by_team"), {"wave_id": filters.wave_id, "instrument": instrument}
    ).df()
    gated = survey.gate(
        con,
        raw,
        filters=replace(filters, role=None, career_stage=None),
        rules=rules,
        value_columns=["response_rate"],
        universe=survey.respondents_universe(instrument),
    )
    gated["headcount"] = gated["headcount"].astype("Int64")
    certainly_under_half = gated["status"].isin([privacy.BELOW_K, privacy.NO_DATA]) & (
        gated["headcount"] >= 2 * rules.min_group_size
    )
    gated["low_response"] = (
        (gated["response_rate"] < LOW_RESPONSE_RATE).fillna(False)
        | certainly_under_half.fillna(False)
    ).astype(bool)
    if filters.service is not None:
        gated = gated[gated["service"] == filters.service]
    if filters.team is not None:
        gated = gated[gated["team"] == filters.team]
    return gated.reset_index(drop=True)
