"""One-sentence readings of the figures a chart draws, computed from the same numbers.

No Streamlit, no queries: each function takes ``figures`` rows or gated query rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.present.figures import (
    QUADRANTS,
    SHARE,
    NationalRow,
    OrganisationFigure,
    floats,
    format_interval,
    format_value,
    quadrant_of,
)


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


def hse_reading(scores: pd.DataFrame, domains: pd.DataFrame, organisation: pd.Series) -> str:
    """The organisation's weakest HSE domain and the weakest team result (higher is better)."""
    names = dict(zip(domains["code"], domains["name"], strict=True))
    org = organisation.dropna()
    shown = scores[scores["status"] == privacy.SHOWN]
    if org.empty or shown.empty:
        return "HSE Indicator Tool results are hidden for this selection (too few respondents)."
    weakest_code = org.astype("float64").idxmin()
    weakest = (
        shown.assign(mean=floats(shown["mean_score"]))
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
            teams.assign(share=floats(teams["overdue_share"]))
            .sort_values(["share", "team"], ascending=[False, True])
            .iloc[0]
        )
        sentence += (
            f"; the highest share is {worst['team']} with {int(worst['overdue_staff'])} of "
            f"{int(worst['staff_in_post'])} ({format_value(worst['share'], SHARE)})"
        )
    return sentence + "."


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
