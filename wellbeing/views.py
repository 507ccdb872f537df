"""Figures and readings for the four views, from gated query rows. No Streamlit, no SQL.

Every view shows a team figure with its respondent count and 95% interval,
the organisation's figure alongside, a verdict from
``stats.compare_with_organisation``, and a one-sentence reading computed from
the same numbers the chart draws.
"""

from __future__ import annotations

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


def _floats(series: pd.Series) -> pd.Series:
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
            "respondents": _floats(ordered["respondents"]),
            "value": _floats(ordered[value]),
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


def team_reading(
    figures: pd.DataFrame,
    *,
    what: str,
    kind: str,
    organisation: OrganisationFigure,
    worse: str = stats.HIGHER,
) -> str:
    """One sentence on how teams compare with the organisation, from ``team_figures`` rows.

    ``what`` names the measure as it reads after "for" (e.g. "the share with high
    stress"); ``worse`` says which verdict is the bad one, so the sentence leads
    with the teams leaders should look at first.
    """
    if figures.empty:
        return f"Nobody answered the questions on {what} in this wave with these filters."
    shown = figures[figures["status"] == privacy.SHOWN]
    hidden = len(figures) - len(shown)
    hidden_note = (
        f" {hidden} of {len(figures)} teams are hidden to protect respondents." if hidden else ""
    )
    if shown.empty:
        return f"No team has enough respondents to show {what}.{hidden_note}"
    if not organisation.shown:
        top = shown.iloc[0]
        return (
            f"The organisation's figure is hidden, so no team can be compared with it; the highest "
            f"{what} is {top['team']} at {format_value(top['value'], kind)}.{hidden_note}"
        )
    org = format_value(organisation.value, kind)
    if len(figures) == 1:
        row = shown.iloc[0]
        verdict = {
            stats.HIGHER: "higher than the organisation, beyond chance",
            stats.LOWER: "lower than the organisation, beyond chance",
        }.get(row["verdict"], "the gap could be chance")
        return (
            f"{row['team']}: {what} is {format_value(row['value'], kind)} (95% interval "
            f"{format_interval(row['low'], row['high'], kind)}, {int(row['respondents'])} "
            f"respondents) against the organisation's {org}: {verdict}."
        )
    better = stats.LOWER if worse == stats.HIGHER else stats.HIGHER
    worse_teams = shown[shown["verdict"] == worse]
    better_teams = shown[shown["verdict"] == better]
    direction = {stats.HIGHER: "above", stats.LOWER: "below"}
    if worse_teams.empty and better_teams.empty:
        top = shown.iloc[0] if worse == stats.HIGHER else shown.iloc[-1]
        return (
            f"No team differs from the organisation's {org} for {what} by more than chance: "
            f"the {'highest' if worse == stats.HIGHER else 'lowest'}, {top['team']} at "
            f"{format_value(top['value'], kind)}, could be chance.{hidden_note}"
        )
    if worse_teams.empty:
        lead_frame, lead_direction, others = better_teams, direction[better], None
    else:
        lead_frame, lead_direction, others = worse_teams, direction[worse], better_teams
    lead = lead_frame.iloc[0] if lead_direction == "above" else lead_frame.iloc[-1]
    sentence = (
        f"{len(lead_frame)} of {len(shown)} teams shown are {lead_direction} the organisation's "
        f"{org} for {what} beyond chance, led by {lead['team']} at "
        f"{format_value(lead['value'], kind)}"
    )
    if others is not None and not others.empty:
        sentence += f", and {len(others)} {direction[better]} it"
    return f"{sentence}; other gaps could be chance.{hidden_note}"


def trend_reading(
    organisation: pd.DataFrame,
    *,
    what: str,
    kind: str,
    team: str | None = None,
    team_trend: pd.DataFrame | None = None,
) -> str:
    """One sentence on the change from the first to the latest wave shown."""

    def change(frame: pd.DataFrame) -> str | None:
        shown = frame[frame["status"] == privacy.SHOWN]
        if shown.empty:
            return None
        first, last = shown.iloc[0], shown.iloc[-1]
        if len(shown) == 1:
            return f"{format_value(last['value'], kind)} in {last['wave']}"
        return (
            f"{format_value(first['value'], kind)} in {first['wave']} to "
            f"{format_value(last['value'], kind)} in {last['wave']}"
        )

    org_change = change(organisation)
    sentence = (
        f"The organisation's {what} went from {org_change}"
        if org_change and " to " in org_change
        else f"The organisation's {what} was {org_change}"
        if org_change
        else f"The organisation's {what} is hidden in every wave"
    )
    if team is None:
        return sentence + "; pick a team (or click one in a chart) to add its trend."
    team_change = change(team_trend) if team_trend is not None else None
    if team_change is None:
        return sentence + f"; {team} has too few respondents in every wave to show."
    verb = "went from" if " to " in team_change else "was"
    return sentence + f"; {team} {verb} {team_change}."


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


def national_reading(rows: list[NationalRow]) -> str:
    """One sentence: each organisation share against its national figure."""
    parts, missing = [], []
    for row in rows:
        org = row.organisation
        if not org.shown:
            reason = "no answers" if org.status == privacy.NO_DATA else "hidden"
            parts.append(f"{row.measure}: {reason}")
            continue
        value = format_value(org.value, SHARE)
        if row.national is None:
            missing.append(f"{row.measure} ({value})")
            continue
        national = row.national.share
        position = (
            "above" if org.low > national else "below" if org.high < national else "in line with"
        )
        year = f", {row.national.year}" if row.national.year else ""
        parts.append(
            f"{row.measure} {value}, {position} the national {format_value(national, SHARE)}{year}"
        )
    sentence = "Against national figures: " + "; ".join(parts) if parts else ""
    if missing:
        sentence += ("; " if sentence else "") + "no national figure for " + ", ".join(missing)
    return sentence + "."


QUADRANTS = {
    "share_high_support_high_challenge": "High support, high challenge",
    "share_high_support_low_challenge": "High support, low challenge",
    "share_low_support_high_challenge": "Low support, high challenge",
    "share_low_support_low_challenge": "Low support, low challenge",
}


def quadrant_of(support: float, challenge: float, *, cutoff: float) -> str:
    """The quadrant label of a (support, challenge) pair."""
    key = (
        f"share_{'high' if support >= cutoff else 'low'}_support_"
        f"{'high' if challenge >= cutoff else 'low'}_challenge"
    )
    return QUADRANTS[key]


def quadrant_reading(teams: pd.DataFrame, *, cutoff: float) -> str:
    """Which quadrant each shown team's means fall in, for the scatter."""
    shown = teams[teams["status"] == privacy.SHOWN]
    if shown.empty:
        return "No team has enough respondents with both a support and a challenge score to show."
    labels = [
        quadrant_of(s, c, cutoff=cutoff)
        for s, c in zip(shown["mean_support"], shown["mean_challenge"], strict=True)
    ]
    counts = pd.Series(labels).value_counts().rename_axis("quadrant").reset_index()
    counts = counts.sort_values(["count", "quadrant"], ascending=[False, True])
    high_both = shown[[label == QUADRANTS["share_high_support_high_challenge"] for label in labels]]
    most, most_count = counts.iloc[0]["quadrant"], int(counts.iloc[0]["count"])
    sentence = (
        f"{len(high_both)} of {len(shown)} teams shown average high support and high challenge "
        f"(both at least {cutoff:.1f})"
    )
    if not high_both.empty:
        best = high_both.assign(total=high_both["mean_support"] + high_both["mean_challenge"])
        best = best.sort_values(["total", "team"], ascending=[False, True]).iloc[0]
        sentence += f", highest {best['team']}"
    return (
        sentence + f"; the most common quadrant is \u201c{most.lower()}\u201d "
        f"({most_count} of {len(shown)} teams)."
    )


def correlation_reading(
    frame: pd.DataFrame, *, x: str, y: str, x_what: str, y_what: str, unit: str
) -> str:
    """One sentence on whether ``y`` rises with ``x`` across the points drawn."""
    points = frame[[x, y]].dropna().astype("float64")
    if len(points) < 3:
        return (
            f"Too few {unit}s to set {y_what} against {x_what} ({len(points)} with both figures)."
        )
    if points[x].nunique() < 2 or points[y].nunique() < 2:
        flat = x_what if points[x].nunique() < 2 else y_what
        return (
            f"Every one of the {len(points)} {unit}s has the same {flat}, "
            "so there is no link to read."
        )
    r = float(np.corrcoef(points[x], points[y])[0, 1])
    if abs(r) < 0.1:
        link = "showed no clear link with"
    elif r > 0:
        link = "went with higher"
    else:
        link = "went with lower"
    more = f"more {x_what} {link} {y_what}" if abs(r) >= 0.1 else f"{x_what} {link} {y_what}"
    return f"Across {len(points)} {unit}s, {more} (correlation {r:.2f})."


def team_from_selection(selection: Mapping | None) -> str | None:
    """The team a chart click picked: the first selected point's customdata[0].

    Charts put the team name first in ``customdata`` of every team mark; marks
    without a team (reference lines, the organisation) give None.
    """
    if not selection:
        return None
    points = (selection.get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and custom:
            return custom
    return None


def hse_reading(scores: pd.DataFrame, domains: pd.DataFrame, organisation: pd.Series) -> str:
    """The organisation's weakest HSE domain and the weakest team result (higher is better)."""
    names = dict(zip(domains["code"], domains["name"], strict=True))
    org = organisation.dropna()
    shown = scores[scores["status"] == privacy.SHOWN]
    if org.empty or shown.empty:
        return "HSE Indicator Tool results are hidden for this selection (too few respondents)."
    weakest_code = org.astype("float64").idxmin()
    weakest = (
        shown.assign(mean=_floats(shown["mean_score"]))
        .sort_values(["mean", "team", "construct"])
        .iloc[0]
    )
    return (
        f"HSE scoring runs the other way (higher is better): the organisation's weakest domain is "
        f"{names[weakest_code]} at {float(org[weakest_code]):.2f}, and the weakest team result is "
        f"{weakest['team']} on {names[weakest['construct']]} at {weakest['mean']:.2f} "
        f"({int(weakest['respondents'])} respondents)."
    )


def events_reading(events: pd.DataFrame) -> str:
    """How many change events the timeline shows, and the latest one."""
    if events.empty:
        return (
            "No change events are logged for these teams; HR can add the change log on the "
            "Upload page."
        )
    latest = events.sort_values("started_on").iloc[-1]
    organisation_wide = int(events["organisation_wide"].sum())
    where = "organisation-wide" if latest["organisation_wide"] else str(latest["team"])
    return (
        f"The timeline marks {len(events)} change events ({organisation_wide} organisation-wide); "
        f"the latest is \u201c{latest['title']}\u201d ({latest['kind']}, {where}) on "
        f"{pd.Timestamp(latest['started_on']):%d %b %Y}."
    )


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
            "mean_score": _floats(joined["mean_score"]),
            "respondents": joined["respondents"].astype("int64"),
        }
    )


def overdue_reading(overdue: pd.DataFrame, *, as_of: object, overdue_after_days: int) -> str:
    """Staff overdue for supervision on the data date: all teams chosen, and the worst team.

    Args:
        overdue: ``queries.supervision.overdue_by_team`` rows (organisation row has no team).
    """
    organisation = overdue[overdue["team"].isna()]
    teams = overdue[overdue["team"].notna() & (overdue["status"] == privacy.SHOWN)]
    date = f"{pd.Timestamp(as_of):%d %B %Y}"
    if organisation.empty or organisation["status"].iloc[0] != privacy.SHOWN:
        return f"Too few staff in post on {date} to show how many are overdue."
    row = organisation.iloc[0]
    sentence = (
        f"On {date}, {int(row['overdue_staff'])} of {int(row['staff_in_post'])} staff in post "
        f"({format_value(row['overdue_share'], SHARE)}) had no held supervision for more than "
        f"{overdue_after_days} days"
    )
    if not teams.empty:
        worst = (
            teams.assign(share=_floats(teams["overdue_share"]))
            .sort_values(["share", "team"], ascending=[False, True])
            .iloc[0]
        )
        sentence += (
            f"; the highest share is {worst['team']} with {int(worst['overdue_staff'])} of "
            f"{int(worst['staff_in_post'])} ({format_value(worst['share'], SHARE)})"
        )
    return sentence + "."


@drawn_once
def records_table(sessions: pd.DataFrame, overdue: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """One row per team: what the records show, hidden teams saying why.

    Args:
        sessions: ``queries.supervision.sessions_by_team`` rows for one month.
        overdue: ``queries.supervision.overdue_by_team`` team rows on the data date.
    """
    left = sessions[
        [
            "team",
            "status",
            "workers",
            "median_days_between",
            "reflective_share",
            "long_enough_share",
            "cancellation_rate",
            "mean_supervisors",
        ]
    ]
    right = overdue[overdue["team"].notna()][["team", "status", "overdue_staff", "overdue_share"]]
    table = left.merge(right, on="team", how="outer", suffixes=("", "_overdue"))
    note = table["status"].fillna(privacy.NO_DATA).map(lambda s: privacy.status_text(s, k))
    note_overdue = (
        table["status_overdue"].fillna(privacy.NO_DATA).map(lambda s: privacy.status_text(s, k))
    )
    return (
        pd.DataFrame(
            {
                "Team": table["team"].astype("str"),
                "Staff with a record": _floats(table["workers"]),
                "Median days between sessions": _floats(table["median_days_between"]),
                "Reflective share of sessions": _floats(table["reflective_share"]),
                "Sessions of 90+ minutes": _floats(table["long_enough_share"]),
                "Cancellation rate": _floats(table["cancellation_rate"]),
                "Supervisors per worker (6 months)": _floats(table["mean_supervisors"]),
                "Staff overdue": _floats(table["overdue_staff"]),
                "Share overdue": _floats(table["overdue_share"]),
                "Hidden (sessions)": note,
                "Hidden (overdue)": note_overdue,
            }
        )
        .sort_values("Team")
        .reset_index(drop=True)
    )


@drawn_once
def team_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    x: str,
    x_count: str,
    y: str,
    y_count: str,
) -> pd.DataFrame:
    """Teams shown on both sides joined into points: team, x, x_count, y, y_count.

    Only teams whose figure is shown on both sides become points, so the join
    never reveals a figure either gate withheld.
    """
    a = left[(left["status"] == privacy.SHOWN) & left["team"].notna()][["team", x, x_count]]
    b = right[(right["status"] == privacy.SHOWN) & right["team"].notna()][["team", y, y_count]]
    joined = a.rename(columns={x: "x", x_count: "x_count"}).merge(
        b.rename(columns={y: "y", y_count: "y_count"}), on="team", how="inner"
    )
    return (
        pd.DataFrame(
            {
                "team": joined["team"].astype("str"),
                "x": _floats(joined["x"]),
                "x_count": joined["x_count"].astype("int64"),
                "y": _floats(joined["y"]),
                "y_count": joined["y_count"].astype("int64"),
            }
        )
        .sort_values("team")
        .reset_index(drop=True)
    )


@drawn_once
def reported_against_recorded(
    reported: pd.DataFrame,
    recorded: pd.DataFrame,
    *,
    reported_value: str,
    recorded_value: str,
    recorded_count: str,
) -> pd.DataFrame:
    """Per team, a survey share beside a records share (each null where its gate hides it)."""
    survey = reported[reported["team"].notna()][["team", "status", reported_value, "respondents"]]
    records = recorded[recorded["team"].notna()][["team", "status", recorded_value, recorded_count]]
    joined = survey.merge(records, on="team", how="outer", suffixes=("_survey", "_records"))
    shown_survey = joined["status_survey"] == privacy.SHOWN
    shown_records = joined["status_records"] == privacy.SHOWN
    return (
        pd.DataFrame(
            {
                "team": joined["team"].astype("str"),
                "reported": _floats(joined[reported_value]).where(shown_survey),
                "reported_n": _floats(joined["respondents"]).where(shown_survey),
                "recorded": _floats(joined[recorded_value]).where(shown_records),
                "recorded_n": _floats(joined[recorded_count]).where(shown_records),
            }
        )
        .sort_values("team")
        .reset_index(drop=True)
    )


def reported_reading(
    *,
    what_reported: str,
    reported: OrganisationFigure,
    what_recorded: str,
    recorded: float | None,
) -> str:
    """One sentence: the organisation's survey share beside its records share."""
    if not reported.shown or recorded is None or pd.isna(recorded):
        return (
            f"The organisation-wide comparison of {what_reported} with {what_recorded} is not "
            "available for this selection (too few answers or records)."
        )
    return (
        f"{format_value(reported.value, SHARE)} of staff say {what_reported} (95% interval "
        f"{format_interval(reported.low, reported.high, SHARE)}); the records show "
        f"{format_value(recorded, SHARE)} {what_recorded}."
    )
