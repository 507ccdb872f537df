"""Team and organisation figures with their 95% intervals, from gated query rows.

No Streamlit, no queries. Every view shows a team figure with its respondent count and
95% interval, the organisation's figure alongside, and a verdict from
``stats.compare_with_organisation``; ``readings`` puts the same numbers in a sentence.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.kept import drawn_once
from wellbeing.core.reference import NationalFigure

SHARE = "share"
SCORE = "score"
TEAM_FIGURE_COLUMNS = ["team", "respondents", "value", "low", "high", "status", "verdict"]


@dataclass(frozen=True)
class OrganisationFigure:
    """The organisation's figure for one measure, with its interval (None when hidden)."""

    value: float | None
    low: float | None
    high: float | None
    respondents: int | None
    status: str = privacy.SHOWN

    @property
    def shown(self) -> bool:
        return self.value is not None


NO_ORGANISATION_DATA = OrganisationFigure(None, None, None, None, privacy.NO_DATA)


def floats(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def interval(
    value: pd.Series | np.ndarray,
    respondents: pd.Series | np.ndarray,
    *,
    kind: str,
    sd: pd.Series | np.ndarray | None = None,
) -> tuple[pd.Series, pd.Series]:
    """95% interval: Wilson for shares, t for means (sd required)."""
    if kind == SHARE:
        return stats.wilson_interval(value, respondents)
    if sd is None:
        raise ValueError("a mean's interval needs its standard deviation")
    return stats.mean_interval(value, sd, respondents)


def organisation_figure(
    rows: pd.DataFrame, *, value: str, kind: str, sd: str | None = None
) -> OrganisationFigure:
    """The organisation's figure from one gated row (or none, when hidden or absent)."""
    if rows.empty:
        return NO_ORGANISATION_DATA
    if rows["status"].iloc[0] != privacy.SHOWN:
        return OrganisationFigure(None, None, None, None, str(rows["status"].iloc[0]))
    row = rows.iloc[[0]]
    low, high = interval(row[value], row["respondents"], kind=kind, sd=row[sd] if sd else None)
    return OrganisationFigure(
        value=float(row[value].iloc[0]),
        low=float(low.iloc[0]),
        high=float(high.iloc[0]),
        respondents=int(row["respondents"].iloc[0]),
    )


@drawn_once
def team_figures(
    rows: pd.DataFrame,
    *,
    value: str,
    kind: str,
    organisation: OrganisationFigure,
    sd: str | None = None,
) -> pd.DataFrame:
    """One row per team: respondents, value, 95% interval, gate status and verdict.

    The verdict is 'higher', 'lower' or 'could be chance' against the
    organisation (``stats.compare_with_organisation``); null when hidden.
    Sorted with the highest value first, hidden teams last.
    """
    teams = rows["team"].astype("str").to_numpy()
    counts = stats.as_floats(rows["respondents"])
    values = stats.as_floats(rows[value])
    statuses = rows["status"].astype("str").to_numpy()
    low, high = interval(values, counts, kind=kind, sd=rows[sd] if sd else None)
    low, high = low.to_numpy(), high.to_numpy()
    if organisation.shown:
        verdicts = np.array(
            stats.compare_with_organisation(
                values, low, high, organisation.value, is_share=kind == SHARE
            ),
            dtype="object",
        )
    else:
        verdicts = np.full(len(values), None, dtype="object")
    verdicts[statuses != privacy.SHOWN] = None
    # highest value first, hidden (no value) last, ties by team name
    order = np.lexsort((np.asarray(teams, dtype="str"), -values))
    return pd.DataFrame(
        {
            "team": teams[order],
            "respondents": counts[order],
            "value": values[order],
            "low": low[order],
            "high": high[order],
            "status": statuses[order],
            # object, not inferred as text: a hidden team's verdict stays None
            "verdict": pd.Series(verdicts[order], dtype="object"),
        },
        columns=TEAM_FIGURE_COLUMNS,
    )


@drawn_once
def trend(rows: pd.DataFrame, *, value: str, kind: str, sd: str | None = None) -> pd.DataFrame:
    """Wave by wave (oldest first): wave, wave_opened_on, respondents, value, low, high, status."""
    ordered = rows.sort_values(["wave_opened_on", "wave_id"]).reset_index(drop=True)
    low, high = interval(
        ordered[value], ordered["respondents"], kind=kind, sd=ordered[sd] if sd else None
    )
    return pd.DataFrame(
        {
            "wave": ordered["wave"].astype("str"),
            "wave_opened_on": pd.to_datetime(ordered["wave_opened_on"]),
            "respondents": floats(ordered["respondents"]),
            "value": floats(ordered[value]),
            "low": low,
            "high": high,
            "status": ordered["status"].astype("str"),
        }
    )


def format_value(value: float | None, kind: str) -> str:
    """35% for a share, 3.58 for a 1-5 score."""
    if value is None or pd.isna(value):
        return "hidden"
    return f"{value:.0%}" if kind == SHARE else f"{value:.2f}"


def format_interval(low: float, high: float, kind: str) -> str:
    return f"{format_value(low, kind)}\u2013{format_value(high, kind)}"


@dataclass(frozen=True)
class NationalRow:
    """One organisation figure set against a national figure (if there is one)."""

    measure: str
    organisation: OrganisationFigure
    national: NationalFigure | None


def national_rows_frame(rows: list[NationalRow]) -> pd.DataFrame:
    """The frame ``charts.against_national`` draws."""
    return pd.DataFrame(
        {
            "measure": [row.measure for row in rows],
            "value": [row.organisation.value for row in rows],
            "low": [row.organisation.low for row in rows],
            "high": [row.organisation.high for row in rows],
            "respondents": [row.organisation.respondents for row in rows],
            "national": [row.national.share if row.national else None for row in rows],
            "national_citation": [row.national.citation if row.national else None for row in rows],
        }
    ).astype({"value": "float64", "low": "float64", "high": "float64", "national": "float64"})


# Each respondent by their own two scores, "high" being the cut-off or more (4, agreeing).
QUADRANTS = {
    "share_high_support_high_challenge": "High support and high challenge",
    "share_high_support_low_challenge": "High support only",
    "share_low_support_high_challenge": "High challenge only",
    "share_low_support_low_challenge": "Neither high",
}


def team_from_selection(selection: Mapping | None) -> str | None:
    """The team a chart click picked: the first selected point's customdata[0].

    Charts put the team name first in ``customdata`` of every team mark; marks
    without a team (reference lines, the organisation) give None. Charts hold
    names escaped for Plotly (``plain.html``): the name comes back as typed.
    """
    if not selection:
        return None
    points = (selection.get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and custom:
            return html.unescape(custom)
    return None


def events_with_scores(counts: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Change-event counts before each wave joined to the team's shown score in that wave.

    Args:
        counts: ``queries.change_fatigue.change_events_before_waves`` rows.
        scores: gated ``queries.survey.construct_by_wave`` rows for one construct.
    Returns one row per shown team and wave: team, wave, change_events, mean_score, respondents.
    """
    shown = scores[scores["status"] == privacy.SHOWN][
        ["wave_id", "team", "mean_score", "respondents"]
    ]
    joined = counts.merge(shown, on=["wave_id", "team"], how="inner")
    return pd.DataFrame(
        {
            "team": joined["team"].astype("str"),
            "wave": joined["wave"].astype("str"),
            "change_events": joined["change_events"].astype("int64"),
            "mean_score": floats(joined["mean_score"]),
            "respondents": joined["respondents"].astype("int64"),
        }
    )
