"""The teams to look at first: worse than the organisation on several measures, beyond chance.

No Streamlit. Shared by the Overview page, the Equity page's groups and the board pack.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import supervision, survey
from queries.cache import memoised
from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.measures import runs_higher_is_better
from wellbeing.present import words
from wellbeing.present.figures import (
    NO_ORGANISATION_DATA,
    SCORE,
    SHARE,
    TEAM_FIGURE_COLUMNS,
    OrganisationFigure,
    organisation_figure,
    team_figures,
)
from wellbeing.present.tiles import TILE_LABELS

# The survey measures of the four views (stress; support and challenge with
# psychological safety; change fatigue with intention to leave), which the
# "look first" list checks team by team. Supervision compliance joins them
# when records are loaded.
LOOK_FIRST_CONSTRUCTS = (
    "stress",
    "support",
    "challenge",
    "psychological_safety",
    "change_fatigue",
    "intention_to_leave",
)
# A team is listed when it is worse than the organisation on at least this many measures.
LOOK_FIRST_MIN_MEASURES = 2
# Teams drawn with their reasons on the Overview; the rest are in its download.
LOOK_FIRST_LISTED = 10
VERDICT_COLUMNS = ["team", "measure", "worse", "reason", "gap"]


def supervision_figures(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> tuple[pd.DataFrame, OrganisationFigure, dt.date | None]:
    """Compliance by team (``team_figures`` rows) for the wave's month, and the whole."""
    month = supervision.supervision_month(con, wave_id=filters.wave_id)
    if month is None:
        return pd.DataFrame(columns=TEAM_FIGURE_COLUMNS), NO_ORGANISATION_DATA, None
    teams = supervision.compliance_by_team(
        con, month=month, service=filters.service, team=filters.team, rules=rules
    ).rename(columns={"staff_due": "respondents"})
    whole = supervision.compliance_for_organisation(con, month=month, rules=rules).rename(
        columns={"staff_due": "respondents"}
    )
    org = organisation_figure(whole, value="compliance", kind=SHARE)
    if teams.empty:
        return pd.DataFrame(columns=TEAM_FIGURE_COLUMNS), org, month
    figures = team_figures(teams, value="compliance", kind=SHARE, organisation=org)
    return figures, org, month


def supervision_verdicts(figures: pd.DataFrame, organisation: OrganisationFigure) -> pd.DataFrame:
    """Teams against the organisation on supervision compliance, in ``construct_verdicts`` shape."""
    shown = figures[figures["status"] == privacy.SHOWN]
    if shown.empty or not organisation.shown:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    worse = shown["verdict"] == stats.LOWER
    return pd.DataFrame(
        {
            "team": shown["team"].to_numpy(),
            "measure": TILE_LABELS["supervision_compliance"],
            "worse": worse.to_numpy(),
            "reason": [
                f"Supervision compliance {value:.0%} against the organisation's "
                f"{organisation.value:.0%} (lower, 95% interval {low:.0%}\u2013{high:.0%}, "
                f"{int(n)} social workers due)"
                for value, low, high, n in zip(
                    shown["value"], shown["low"], shown["high"], shown["respondents"], strict=True
                )
            ],
            # On the same footing as a 1-5 gap: 5 points of compliance weigh like 0.25.
            "gap": ((organisation.value - shown["value"]) * 5 * worse).to_numpy(),
        }
    )[VERDICT_COLUMNS]


def construct_verdicts(
    scores: pd.DataFrame,
    organisation: pd.DataFrame,
    constructs: pd.DataFrame,
    *,
    instrument: str = "default",
    measures: tuple[str, ...] = LOOK_FIRST_CONSTRUCTS,
) -> pd.DataFrame:
    """Each team against the organisation on each measure, by the four views' flag rule.

    Args:
        scores: gated rows from ``queries.survey.construct_by_team``.
        organisation: gated rows from ``queries.survey.construct_for_organisation``.
        constructs: code and name of the instrument's constructs.

    Returns one row per shown team and measure: team, measure (its name),
    worse (bool), reason (a sentence fragment with both figures) and gap
    (how far worse, on the 1-5 scale; 0 when not worse).
    """
    names = dict(zip(constructs["code"], constructs["name"], strict=True))
    stated = (
        dict(zip(constructs["code"], constructs["higher_is_better"], strict=True))
        if "higher_is_better" in constructs
        else {}
    )
    # HR's own measures are checked as the four views' measures are.
    own = constructs.loc[constructs["own"], "code"].tolist() if "own" in constructs else []
    pieces = []
    # Each measure's rows found once: a boolean filter of every row per measure took a
    # third of Equity's breakdown of nine measures by group.
    by_measure = {code: rows for code, rows in scores.groupby("construct", sort=False)}
    org_by_measure = {code: rows for code, rows in organisation.groupby("construct", sort=False)}
    for code in [*measures, *(c for c in own if c not in measures)]:
        rows = by_measure.get(code, scores.iloc[:0])
        org_rows = org_by_measure.get(code, organisation.iloc[:0])
        if rows.empty:
            continue
        org = organisation_figure(org_rows, value="mean_score", kind=SCORE, sd="sd")
        figures = team_figures(rows, value="mean_score", kind=SCORE, organisation=org, sd="sd")
        figures = figures[figures["status"] == privacy.SHOWN]
        if figures.empty or not org.shown:
            continue
        better_higher = runs_higher_is_better(instrument, code, stated.get(code))
        bad_verdict = stats.LOWER if better_higher else stats.HIGHER
        worse = figures["verdict"] == bad_verdict
        direction = "lower" if bad_verdict == stats.LOWER else "higher"
        pieces.append(
            pd.DataFrame(
                {
                    "team": figures["team"],
                    "measure": names.get(code, code),
                    "worse": worse.to_numpy(),
                    "reason": [
                        f"{names.get(code, code)} {value:.2f} against the organisation's "
                        f"{org.value:.2f} ({direction}, 95% interval {low:.2f}\u2013{high:.2f}, "
                        f"{int(n)} respondents)"
                        for value, low, high, n in zip(
                            figures["value"],
                            figures["low"],
                            figures["high"],
                            figures["respondents"],
                            strict=True,
                        )
                    ],
                    "gap": ((figures["value"] - org.value).abs() * worse).to_numpy(),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    return pd.concat(pieces, ignore_index=True)[VERDICT_COLUMNS]


def teams_to_look_at_first(
    verdicts: pd.DataFrame,
    *,
    hierarchy: pd.DataFrame | None = None,
    min_measures: int = LOOK_FIRST_MIN_MEASURES,
) -> pd.DataFrame:
    """Teams worse than the organisation on ``min_measures`` or more measures, with reasons.

    Args:
        verdicts: rows from :func:`construct_verdicts` (and any other measure in
            the same shape, e.g. supervision compliance).
        hierarchy: team and service, to name each team's service.

    Returns team, service, measures_worse, measures (names, "; "-joined) and
    reasons (list of sentences), most measures first, then the largest total gap.
    """
    columns = ["team", "service", "measures_worse", "measures", "reasons"]
    worse = verdicts[verdicts["worse"].astype(bool)]
    if worse.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        worse.sort_values("gap", ascending=False)
        .groupby("team", sort=False)
        .agg(
            measures_worse=("measure", "count"),
            measures=("measure", "; ".join),
            reasons=("reason", list),
            total_gap=("gap", "sum"),
        )
        .reset_index()
    )
    listed = grouped[grouped["measures_worse"] >= min_measures]
    listed = listed.sort_values(
        ["measures_worse", "total_gap", "team"], ascending=[False, False, True]
    )
    services = (
        dict(zip(hierarchy["team"], hierarchy["service"], strict=True))
        if hierarchy is not None
        else {}
    )
    listed = listed.assign(service=listed["team"].map(services))
    return listed[columns].reset_index(drop=True)


def look_first_reading(listed: pd.DataFrame, *, teams_compared: int) -> str:
    """One sentence naming the teams to look at first."""
    if listed.empty:
        if teams_compared == 1:
            return (
                "The one team shown is not worse than the organisation on "
                f"{LOOK_FIRST_MIN_MEASURES} or more measures beyond chance."
            )
        return (
            f"None of the {words.count(teams_compared, 'team')} shown is worse than the "
            f"organisation on {LOOK_FIRST_MIN_MEASURES} or more measures beyond chance."
        )
    names = [
        f"{row.team} ({row.measures_worse}: {row.measures.lower()})"
        for row in listed.head(3).itertuples(index=False)
    ]
    more = f", and {len(listed) - 3} more" if len(listed) > 3 else ""
    return (
        f"{words.of(len(listed), teams_compared, 'team')} shown {words.be(len(listed))} worse "
        f"than the organisation on {LOOK_FIRST_MIN_MEASURES} or more measures beyond chance: "
        + "; ".join(names)
        + more
        + "."
    )


@memoised
def look_first_verdicts(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> pd.DataFrame:
    """Every team's verdicts on the four views' survey measures and, with records, supervision.

    Kept per data version and filters: every team's intervals on every measure
    cost more than the queries behind them.
    """
    scores = survey.construct_by_team(con, filters=filters, rules=rules)
    organisation = survey.construct_for_organisation(con, filters=filters, rules=rules)
    survey_verdicts = construct_verdicts(scores, organisation, survey.constructs(con))
    figures, org, _ = supervision_figures(con, filters=filters, rules=rules)
    records = supervision_verdicts(figures, org)
    pieces = [frame for frame in (survey_verdicts, records) if not frame.empty]
    if not pieces:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    return pd.concat(pieces, ignore_index=True)
