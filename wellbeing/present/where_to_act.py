"""Where to act: strong drivers on which a scope is worse than the organisation, beyond chance.

No Streamlit, no queries: the page passes ``queries.drivers.drivers`` rows and
gated survey rows. Every sentence says that a driver is an association.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.drivers import MIN_TEAMS_FOR_TEAM_MEASURE as MIN_TEAMS
from wellbeing.core.measures import higher_is_better

# A driver is strong when it accounts for at least this share of the outcome's
# variation (5%: a small-to-moderate effect, like a correlation of about 0.22 on
# its own) and the low end of its 95% interval is clearly above nothing.
STRONG_DRIVER = 0.05
ABOVE_NOTHING = 0.01
OUTCOME_ORDER = ("stress", "intention_to_leave", "change_fatigue")
# At most this many drivers per outcome in the short list.
PER_OUTCOME = 3

NAMES = {
    "stress": "stress",
    "intention_to_leave": "intention to leave",
    "change_fatigue": "change fatigue",
    "support": "support",
    "challenge": "challenge",
    "psychological_safety": "psychological safety",
    "workload": "workload pressure",
    "unfair_scrutiny": "unfair scrutiny",
    "supervision_usefulness": "supervision usefulness",
    "supervision_compliance": "supervision compliance (team)",
}
ASSOCIATION = (
    "Drivers are associations between answers in the same survey, not causes: a measure that "
    "goes with stress may be a result of it, or both may follow from something else."
)


TEAM_LEVEL = (
    "Supervision compliance (team) is a team-level measure from the supervision records: the "
    "share of the team's social workers due supervision who met the standard over the months "
    "of the wave, the same figure for every respondent of the team. Its share of the variation "
    "is how much of the outcome lies between teams with different compliance. A team counts "
    "only where its compliance is shown on the Supervision page for every one of those months."
)


def supervision_note(drivers: pd.DataFrame) -> str | None:
    """What the drivers say about supervision compliance, in one sentence, or None.

    ``drivers``: rows of ``queries.drivers.drivers`` (its ``supervision`` column).
    """
    notes = set(drivers.loc[drivers["status"] == privacy.SHOWN, "supervision"].dropna())
    if "included" in notes:
        return TEAM_LEVEL
    if "left_out" in notes:
        return (
            "Supervision compliance is left out of these drivers: too few teams (at least "
            f"{MIN_TEAMS}) with a compliance figure shown for the months of the wave, or too few "
            "respondents in them, for stable figures."
        )
    if "no_records" in notes:
        return "Supervision compliance is not among the measures: no records cover this wave."
    return None


def name(code: str) -> str:
    return NAMES.get(code, code.replace("_", " "))


def standing(scope_rows: pd.DataFrame, organisation_rows: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the scope's mean, 95% interval, the organisation's mean, and a verdict.

    ``worse`` is true when the scope differs from the organisation beyond chance
    (``stats.compare_with_organisation``) in the measure's worse direction.
    Hidden rows give no figure and no verdict.
    """
    organisation = organisation_rows[organisation_rows["status"] == privacy.SHOWN].set_index(
        "construct"
    )["mean_score"]
    shown = scope_rows[scope_rows["status"] == privacy.SHOWN]
    low, high = stats.mean_interval(shown["mean_score"], shown["sd"], shown["respondents"])
    frame = pd.DataFrame(
        {
            "measure": shown["construct"].astype("str").to_numpy(),
            "value": stats.as_floats(shown["mean_score"]),
            "low": low.to_numpy(),
            "high": high.to_numpy(),
        }
    )
    frame["organisation"] = frame["measure"].map(organisation).astype("float64")
    verdicts = []
    for row in frame.itertuples(index=False):
        if np.isnan(row.organisation):
            verdicts.append(None)
            continue
        verdicts.append(
            stats.compare_with_organisation(
                pd.Series([row.value]),
                pd.Series([row.low]),
                pd.Series([row.high]),
                float(row.organisation),
                is_share=False,
            ).iloc[0]
        )
    frame["verdict"] = pd.Series(verdicts, dtype="object")
    better_high = frame["measure"].map(lambda m: higher_is_better("default", m))
    frame["worse"] = ((frame["verdict"] == stats.HIGHER) & ~better_high) | (
        (frame["verdict"] == stats.LOWER) & better_high
    )
    return frame


def strong_drivers(drivers: pd.DataFrame) -> pd.DataFrame:
    """Shown drivers of at least ``STRONG_DRIVER`` whose interval's low end is at least
    ``ABOVE_NOTHING``: stress first, then intention to leave, then change fatigue."""
    shown = drivers[(drivers["status"] == privacy.SHOWN) & drivers["measure"].notna()]
    strong = shown[is_strong(shown)]
    order = strong["outcome"].map({o: n for n, o in enumerate(OUTCOME_ORDER)})
    return (
        strong.assign(order=order)
        .sort_values(["order", "rank"], ignore_index=True)
        .drop(columns="order")
    )


def is_strong(rows: pd.DataFrame) -> pd.Series:
    """Which driver rows count as strong (see ``STRONG_DRIVER``)."""
    return (rows["importance"] >= STRONG_DRIVER) & (rows["low"] >= ABOVE_NOTHING)


def priorities(
    drivers: pd.DataFrame,
    standing_rows: pd.DataFrame | None,
    *,
    scope: str,
) -> pd.DataFrame:
    """The short list: per outcome, up to ``PER_OUTCOME`` strong drivers on which ``scope``
    is worse than the organisation beyond chance, each with a sentence saying why.

    With ``standing_rows`` None (the organisation itself), the strong drivers alone.
    """
    strong = strong_drivers(drivers)
    if standing_rows is not None:
        strong = strong.merge(
            standing_rows[["measure", "value", "organisation", "worse"]], on="measure", how="inner"
        )
        strong = strong[strong["worse"].astype(bool)]
    else:
        strong = strong.assign(value=np.nan, organisation=np.nan)
    strong = strong.groupby("outcome", sort=False).head(PER_OUTCOME).reset_index(drop=True)
    strong["explanation"] = [
        explanation(row, scope=scope, compared=standing_rows is not None)
        for row in strong.to_dict("records")
    ]
    return strong


def explanation(row: dict, *, scope: str, compared: bool) -> str:
    """Why a driver is on the list, in one or two plain sentences (text, not Markdown)."""
    measure, outcome = name(str(row["measure"])), name(str(row["outcome"]))
    first = (
        f"{measure[0].upper()}{measure[1:]} goes with {outcome}: it accounts for "
        f"{row['importance']:.0%} of the variation in {outcome} here (95% interval "
        f"{row['low']:.0%} to {row['high']:.0%}), ranked {int(row['rank'])} of the measures."
    )
    if not compared:
        return first
    higher = "higher" if row["value"] > row["organisation"] else "lower"
    return (
        f"{first} {scope} scores {row['value']:.2f} on {measure}, {higher} than the "
        f"organisation's {row['organisation']:.2f}: worse, beyond chance."
    )


def drivers_reading(table: pd.DataFrame, *, outcome: str) -> str:
    """One sentence on an outcome's drivers (shown rows of one outcome)."""
    if table.empty:
        return f"No drivers of {name(outcome)} to show."
    top = table.sort_values("rank").iloc[0]
    strong = table[is_strong(table)]
    return (
        f"Together the measures account for {table['r_squared'].iloc[0]:.0%} of the variation in "
        f"{name(outcome)}. {name(str(top['measure'])).capitalize()} goes with it most strongly "
        f"({top['importance']:.0%}, 95% interval {top['low']:.0%} to {top['high']:.0%}); "
        f"{len(strong)} {'measure is a strong driver' if len(strong) == 1 else 'measures are'}"
        f"{'' if len(strong) == 1 else ' strong drivers'} (at least {STRONG_DRIVER:.0%}, and "
        "clearly above nothing)."
    )


def drivers_table(table: pd.DataFrame) -> pd.DataFrame:
    """The drivers of one outcome as people read them, for the page and downloads."""
    ordered = table.sort_values("rank")
    return pd.DataFrame(
        {
            "Rank": ordered["rank"].astype("int64").to_numpy(),
            "Measure": [name(str(m)).capitalize() for m in ordered["measure"]],
            "Share of the variation": ordered["importance"].to_numpy(dtype="float64"),
            "95% interval low": ordered["low"].to_numpy(dtype="float64"),
            "95% interval high": ordered["high"].to_numpy(dtype="float64"),
            "Strong driver": np.where(is_strong(ordered), "yes", "no"),
        }
    )
