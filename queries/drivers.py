"""Drivers of stress, intention to leave and change fatigue, for the organisation or a service.

Respondents' own scores are read here and go no further: the function returns
only each measure's importance (its share of the outcome's R², wellbeing.core.
drivers) with a 95% bootstrap interval, for a scope the confidentiality gate
shows and that has enough respondents for the figures to be stable.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import overview, settings, sql, supervision, survey
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
# Whether the team's supervision compliance is among the measures: ``included``;
# ``no_records`` (no supervision records cover the wave); ``left_out`` (records
# do, but too few teams with a compliance figure the engine shows, or too few
# respondents in them, for stable drivers with it).
SUPERVISION_INCLUDED = "included"
SUPERVISION_NO_RECORDS = "no_records"
SUPERVISION_LEFT_OUT = "left_out"
DRIVER_COLUMNS = [
    "outcome",
    "measure",
    "importance",
    "low",
    "high",
    "rank",
    "r_squared",
    "status",
    "supervision",
]
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

    The measures include the team's supervision compliance over the months of the
    wave (:func:`_team_compliance`), a team-level figure every respondent of the
    team shares, where records cover the wave; ``supervision`` says whether it is in
    (``SUPERVISION_*``). Compliance figures themselves never leave this function.
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
    teams = long.drop_duplicates("response_id").set_index("response_id")["team"]
    teams = teams.reindex(scores.index)
    compliance = _team_compliance(con, wave_id=wave_id, rules=rules)
    if compliance is not None:
        scores[importance.SUPERVISION_COMPLIANCE] = teams.map(compliance).astype("float64")
    frames = []
    for outcome in importance.OUTCOMES:
        status = str(gated.get(OUTCOME_HEADLINES[outcome], privacy.NO_DATA))
        found, with_compliance = (
            importance.drivers_with_team_measure(scores, outcome=outcome, teams=teams)
            if status == privacy.SHOWN and outcome in scores.columns
            else (None, False)
        )
        supervision_note = (
            SUPERVISION_NO_RECORDS
            if compliance is None
            else SUPERVISION_INCLUDED
            if with_compliance
            else SUPERVISION_LEFT_OUT
        )
        if found is None:
            frames.append(
                pd.DataFrame(
                    {
                        "outcome": [outcome],
                        "status": [TOO_FEW if status == privacy.SHOWN else status],
                        "supervision": [supervision_note],
                    }
                )
            )
            continue
        table = found.table.round({"importance": DECIMALS, "low": DECIMALS, "high": DECIMALS})
        frames.append(
            table.assign(
                outcome=outcome,
                r_squared=round(found.r_squared, DECIMALS),
                status=privacy.SHOWN,
                supervision=supervision_note,
            )
        )
    return pd.concat(frames, ignore_index=True).reindex(columns=DRIVER_COLUMNS)


def _wave_months(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> list[dt.date]:
    """The complete months of supervision records that cover a wave, oldest first.

    From the month the wave opened to the wave's supervision month (the last
    complete month by its close, ``supervision.supervision_month``), or that
    month alone when the wave opened after it; only months the records cover.
    Empty when no records cover the wave.
    """
    last = supervision.supervision_month(con, wave_id=wave_id)
    if last is None:
        return []
    waves = survey.waves(con).set_index("id")
    opened = waves.loc[wave_id, "opened_on"] if wave_id in waves.index else None
    first = last if pd.isna(opened) else min(pd.Timestamp(opened).date().replace(day=1), last)
    return [month for month in supervision.months(con) if first <= month <= last]


def _team_compliance(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules
) -> pd.Series | None:
    """Each team's supervision compliance over the wave's months, by team name.

    The share of the team's staff due supervision who met the standard, over the
    months of :func:`_wave_months` (compliant staff-months over due staff-months),
    from the gated ``supervision.compliance``. A team has a figure only where the
    supervision engine shows its compliance cell in every one of those months, so
    the figure is one any leader can already read (or add up from figures they can
    read); a team it hides in any month has none and its respondents no
    compliance value. None when no records cover the wave. Never handed out.
    """
    months = _wave_months(con, wave_id=wave_id)
    if not months:
        return None
    # The same arguments as supervision.compliance_for_organisation, so that a wave's
    # month prepared in the background (supervision.prepare_supervision_months) is kept.
    rows = supervision.compliance(
        con,
        month_from=months[0],
        month_to=months[-1],
        service=None,
        team=None,
        as_of=None,
        rules=rules,
    )
    rows = rows[rows["team"].notna()]
    shown_every_month = rows.groupby("team")["status"].agg(
        lambda statuses: len(statuses) == len(months) and (statuses == privacy.SHOWN).all()
    )
    kept = rows[rows["team"].isin(shown_every_month[shown_every_month].index)]
    totals = kept.groupby("team")[["compliant", "staff_due"]].sum()
    totals = totals[totals["staff_due"] > 0]
    return (totals["compliant"] / totals["staff_due"]).astype("float64")
