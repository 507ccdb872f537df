"""Where to act: strong drivers on which a scope is worse than the organisation, beyond chance.

No Streamlit, no queries: the page passes ``queries.drivers.drivers`` rows and
gated survey rows. Every sentence says that a driver is an association.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.drivers import MIN_TEAMS_FOR_TEAM_MEASURE as MIN_TEAMS
from wellbeing.core.measures import higher_is_better
from wellbeing.core.reference import national_figure

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


@dataclass(frozen=True)
class NationalMeasure:
    """A survey figure with a national figure to compare it with (a share of staff)."""

    code: str  # the national figure's code (wellbeing/core/reference/national_figures.csv)
    label: str  # what the share counts, as people read it
    worse: str  # stats.HIGHER or stats.LOWER: the direction that is worse
    measures: tuple[str, ...]  # the driver measures it bears on


# Every national figure the survey has a matching figure for. The fifth,
# "moderately or very stressed" (97%), has no matching question: the survey's
# stress is a 1-5 scale whose "high" cut-off is not the same thing.
NATIONAL_MEASURES = (
    NationalMeasure(
        "high_support_high_challenge",
        "have high support and high challenge",
        stats.LOWER,
        ("support", "challenge"),
    ),
    NationalMeasure(
        "stress_affects_ability",
        "say stress affects their ability to do the job",
        stats.HIGHER,
        ("stress",),
    ),
    NationalMeasure(
        "offered_stress_training", "were offered training on work-related stress", stats.LOWER, ()
    ),
    NationalMeasure("offered_counselling", "were offered counselling", stats.LOWER, ()),
)
NATIONAL_COLUMNS = [
    "code",
    "label",
    "value",
    "low",
    "high",
    "organisation",
    "national",
    "citation",
    "verdict",
    "worse",
    "status",
]


def against_national(
    scope: dict[str, tuple[float, float, str]],
    organisation: dict[str, float],
) -> pd.DataFrame:
    """Per national figure: the scope's share with its 95% interval, the organisation's, the
    national figure with its source and year, and whether the scope is worse beyond chance.

    ``scope``: national code -> (share, respondents, gate status) of the scope's gated
    figure (a code missing has no figure for this scope: status ``no_data``);
    ``organisation``: code -> the organisation's shown share (NaN or missing when hidden).
    The interval is Wilson's (``stats.wilson_interval``); the verdict is the rule
    every page uses (``stats.compare_with_organisation``, a share: the interval
    excludes the national figure and the gap is at least 5 points), the national
    figure being a fixed reference.

    Example:
        against_national({"offered_counselling": (0.2, 100, "shown")}, {})
    """
    rows = []
    for measure in NATIONAL_MEASURES:
        figure = national_figure(measure.code)
        if figure is None:
            continue
        share, respondents, status = scope.get(measure.code, (np.nan, 0.0, privacy.NO_DATA))
        shown = status == privacy.SHOWN and not pd.isna(share)
        value = float(share) if shown else np.nan
        low, high = stats.wilson_interval(pd.Series([value]), pd.Series([float(respondents)]))
        verdict = (
            stats.compare_with_organisation(
                pd.Series([value]), low, high, figure.share, is_share=True
            ).iloc[0]
            if shown
            else None
        )
        rows.append(
            {
                "code": measure.code,
                "label": measure.label,
                "value": value,
                "low": float(low.iloc[0]) if shown else np.nan,
                "high": float(high.iloc[0]) if shown else np.nan,
                "organisation": float(organisation.get(measure.code, np.nan)),
                "national": figure.share,
                "citation": figure.citation,
                "verdict": verdict,
                "worse": verdict == measure.worse,
                "status": str(status),
            }
        )
    return pd.DataFrame(rows, columns=NATIONAL_COLUMNS)


def national_sentence(row: dict, *, scope: str) -> str:
    """One row of :func:`against_national` in words (text, not Markdown)."""
    said = (
        f"{scope}: {row['value']:.0%} {row['label']} (95% interval {row['low']:.0%} to "
        f"{row['high']:.0%}) against {row['national']:.0%} nationally ({row['citation']})"
    )
    if row["verdict"] == stats.COULD_BE_CHANCE:
        return said + ": could be chance."
    judged = "worse" if row["worse"] else "better"
    return said + f": {row['verdict']} than the national figure, {judged}, beyond chance."


def national_verdict(verdict: object, *, worse: bool, status: str, k: int) -> str:
    """A row of :func:`against_national` in a table cell: worse, better, could be chance, or
    why there is no figure."""
    if verdict is None or pd.isna(verdict):
        return privacy.status_text(status, k) or "no figure"
    if verdict == stats.COULD_BE_CHANCE:
        return stats.COULD_BE_CHANCE
    return ("worse" if worse else "better") + ", beyond chance"


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


def national_worse(national: pd.DataFrame | None) -> dict[str, list[dict]]:
    """Driver measure -> the national comparisons on which the scope is worse beyond chance."""
    found: dict[str, list[dict]] = {}
    if national is None or national.empty:
        return found
    by_code = {m.code: m for m in NATIONAL_MEASURES}
    for row in national[national["worse"].astype(bool)].to_dict("records"):
        for measure in by_code[row["code"]].measures:
            found.setdefault(measure, []).append(row)
    return found


def priorities(
    drivers: pd.DataFrame,
    standing_rows: pd.DataFrame | None,
    *,
    scope: str,
    national: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The short list: per outcome, up to ``PER_OUTCOME`` strong drivers on which ``scope``
    is worse beyond chance, than the organisation or than the national figure that bears on
    the measure (``national``: :func:`against_national` rows), each with a sentence why.

    With ``standing_rows`` None (the organisation itself), every strong driver, each
    saying where the organisation is worse than the national figure.
    """
    strong = strong_drivers(drivers)
    nationally = national_worse(national)
    worse_nationally = strong["measure"].map(lambda m: m in nationally).astype(bool)
    if standing_rows is not None:
        strong = strong.merge(
            standing_rows[["measure", "value", "organisation", "worse"]], on="measure", how="left"
        )
        strong["worse"] = strong["worse"].astype("boolean").fillna(False).astype(bool)
        worse_nationally = strong["measure"].map(lambda m: m in nationally).astype(bool)
        strong = strong[strong["worse"] | worse_nationally]
    else:
        strong = strong.assign(value=np.nan, organisation=np.nan, worse=False)
    strong = strong.groupby("outcome", sort=False).head(PER_OUTCOME).reset_index(drop=True)
    strong["explanation"] = [
        explanation(
            row,
            scope=scope,
            compared=standing_rows is not None and bool(row["worse"]),
            national=nationally.get(str(row["measure"]), []),
        )
        for row in strong.to_dict("records")
    ]
    return strong


def explanation(row: dict, *, scope: str, compared: bool, national: list[dict] = ()) -> str:
    """Why a driver is on the list, in plain sentences (text, not Markdown).

    ``compared``: the scope is worse than the organisation (say so); ``national``:
    :func:`against_national` rows bearing on the measure on which it is worse than
    the national figure beyond chance (each said).
    """
    return " ".join(
        [
            _organisation_explanation(row, scope=scope, compared=compared),
            *(national_sentence(found, scope=scope) for found in national),
        ]
    )


def _organisation_explanation(row: dict, *, scope: str, compared: bool) -> str:
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
