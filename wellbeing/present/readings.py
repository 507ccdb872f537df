"""One-sentence readings of the figures a chart draws, computed from the same numbers.

No Streamlit, no queries: each function takes ``figures`` rows or gated query rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.present import words
from wellbeing.present.figures import (
    QUADRANTS,
    SHARE,
    NationalRow,
    OrganisationFigure,
    floats,
    format_interval,
    format_value,
)


def team_reading(
    figures: pd.DataFrame,
    *,
    what: str,
    kind: str,
    organisation: OrganisationFigure,
    worse: str = stats.HIGHER,
    noun: str = "team",
    protects: str = "respondents",
) -> str:
    """One sentence on how teams compare with the organisation, from ``team_figures`` rows.

    ``what`` names the measure as it reads after "for" (e.g. "the share with high
    stress"); ``worse`` says which verdict is the bad one, so the sentence leads
    with the teams leaders should look at first. ``noun`` is what a row is (a
    team, or a group on the Equity page); ``protects`` who hiding protects
    (respondents, or staff in the supervision records).
    """
    if figures.empty:
        return f"Nobody answered the questions on {what} in this wave with these filters."
    shown = figures[figures["status"] == privacy.SHOWN]
    hidden = len(figures) - len(shown)
    hidden_note = (
        f" {words.of(hidden, len(figures), noun)} {words.be(hidden)} hidden to protect {protects}."
        if hidden
        else ""
    )
    if shown.empty:
        return f"No {noun} has enough {protects} to show {what}.{hidden_note}"
    if not organisation.shown:
        top = shown.iloc[0]
        return (
            f"The organisation's figure is hidden, so no {noun} can be compared with it; the "
            f"highest {what} is {top['team']} at {format_value(top['value'], kind)}.{hidden_note}"
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
            f"{format_interval(row['low'], row['high'], kind)}, "
            f"{words.count(row['respondents'], 'respondent')}) against the organisation's "
            f"{org}: {verdict}."
        )
    better = stats.LOWER if worse == stats.HIGHER else stats.HIGHER
    worse_teams = shown[shown["verdict"] == worse]
    better_teams = shown[shown["verdict"] == better]
    direction = {stats.HIGHER: "above", stats.LOWER: "below"}
    if worse_teams.empty and better_teams.empty:
        top = shown.iloc[0] if worse == stats.HIGHER else shown.iloc[-1]
        return (
            f"No {noun} differs from the organisation's {org} for {what} by more than chance: "
            f"the {'highest' if worse == stats.HIGHER else 'lowest'}, {top['team']} at "
            f"{format_value(top['value'], kind)}, could be chance.{hidden_note}"
        )
    if worse_teams.empty:
        lead_frame, lead_direction, others = better_teams, direction[better], None
    else:
        lead_frame, lead_direction, others = worse_teams, direction[worse], better_teams
    lead = lead_frame.iloc[0] if lead_direction == "above" else lead_frame.iloc[-1]
    leading = len(lead_frame)
    sentence = (
        f"{words.of(leading, len(shown), noun)} shown {words.be(leading)} {lead_direction} the "
        f"organisation's {org} for {what} beyond chance"
        + (": " if leading == 1 else ", led by ")
        + f"{lead['team']} at {format_value(lead['value'], kind)}"
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
    """Which teams average at least the "high" cut-off on both, and where the rest sit.

    A mean under the cut-off falls short of agreeing on average; it is not a low
    score (3 is neutral on the 1-5 scale), so the sentence gives the range of
    the means rather than calling them low.
    """
    shown = teams[teams["status"] == privacy.SHOWN]
    if shown.empty:
        return "No team has enough respondents with both a support and a challenge score to show."
    support = floats(shown["mean_support"])
    challenge = floats(shown["mean_challenge"])
    both = shown[(support >= cutoff) & (challenge >= cutoff)]
    n = len(shown)
    sentence = (
        f"{words.of(len(both), n, 'team')} shown "
        f"{words.verb(len(both), 'averages', 'average')} at least {cutoff:.1f} (agreeing) on "
        "both support and challenge"
    )
    if not both.empty:
        best = both.assign(total=floats(both["mean_support"]) + floats(both["mean_challenge"]))
        names = best.sort_values(["total", "team"], ascending=[False, True])["team"].head(3)
        more = len(both) - len(names)
        sentence += ": " + words.listing([*names, *([f"{more} more"] if more else [])])
    rest = n - len(both)
    if rest:
        low = min(float(support.min()), float(challenge.min()))
        high = max(float(support.max()), float(challenge.max()))
        where = f"between neutral (3) and agreeing ({cutoff:g})" if low >= 3 else "on the 1-5 scale"
        sentence += (
            f". The other {words.count(rest, 'team')} {words.be(rest)} under {cutoff:.1f} on one "
            f"or both; team means run from {low:.1f} to {high:.1f}, {where}"
        )
    return sentence + "."


def quadrant_shares_reading(teams: pd.DataFrame, organisation: pd.Series | None) -> str:
    """The organisation's share of staff with high support and high challenge, and the range."""
    column = "share_high_support_high_challenge"
    label = QUADRANTS[column].lower()
    shown = teams[teams["status"] == privacy.SHOWN]
    parts = []
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        parts.append(
            f"Across the organisation, {format_value(float(organisation[column]), SHARE)} of "
            f"respondents report {label} (each at least 4)"
        )
    if not shown.empty:
        ordered = shown.assign(value=floats(shown[column])).sort_values(
            ["value", "team"], ascending=[False, True]
        )
        top, bottom = ordered.iloc[0], ordered.iloc[-1]
        parts.append(
            f"by team it runs from {format_value(bottom['value'], SHARE)} ({bottom['team']}) "
            f"to {format_value(top['value'], SHARE)} ({top['team']})"
        )
    if not parts:
        return "No team has enough respondents with both scores to show."
    return words.sentence("; ".join(parts))


def correlation_reading(
    frame: pd.DataFrame, *, x: str, y: str, x_what: str, y_what: str, unit: str
) -> str:
    """One sentence on whether ``y`` rises with ``x`` across the points drawn."""
    points = frame[[x, y]].dropna().astype("float64")
    if len(points) < 3:
        return (
            f"Too few {words.plural(unit, 2)} to set {y_what} against {x_what} "
            f"({len(points)} with both figures)."
        )
    if points[x].nunique() < 2 or points[y].nunique() < 2:
        flat = x_what if points[x].nunique() < 2 else y_what
        return (
            f"Every one of the {words.count(len(points), unit)} has the same {flat}, "
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
    return f"Across {words.count(len(points), unit)}, {more} (correlation {r:.2f})."


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
        f"({words.count(weakest['respondents'], 'respondent')})."
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
        f"The timeline marks {words.count(len(events), 'change event')} "
        f"({organisation_wide} organisation-wide); "
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
    overdue = int(row["overdue_staff"])
    sentence = (
        f"On {date}, {overdue:,} of {int(row['staff_in_post']):,} staff in post "
        f"({format_value(row['overdue_share'], SHARE)}) {words.have(overdue)} had no held "
        f"supervision for more than {overdue_after_days} days"
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


def heatmap_reading(scores: pd.DataFrame, *, noun: str = "team") -> str:
    """How many rows of a heatmap are hidden, and what the cells mean."""
    groups = scores["team"].nunique()
    shown = scores["status"] == privacy.SHOWN
    hidden = int((~shown.groupby(scores["team"]).any()).sum())
    sentence = (
        f"Each cell is a {noun}'s mean score on the 1-5 scale, or its share for a yes/no "
        "question, against the organisation's: orange is worse beyond chance and blue better, "
        "whichever way the measure runs, and the arrow says whether it is higher or lower."
    )
    if hidden:
        sentence += (
            f" {words.of(hidden, groups, noun)} {words.be(hidden)} hidden to protect respondents."
        )
    return sentence


def response_rate_reading(rates: pd.DataFrame, *, low_rate: float) -> str:
    """Which teams on the staff list are under the low-response line."""
    low = rates[rates["low_response"].astype(bool)]
    known = rates[rates["headcount"].notna()]
    shown = known[known["status"] == privacy.SHOWN]
    if low.empty:
        return (
            f"Every team with a known rate reached {low_rate:.0%} "
            f"({words.of(len(shown), len(known), 'team')} on the staff list show a rate)."
        )
    return (
        f"{words.of(len(low), len(known), 'team')} on the staff list {words.be(len(low))} under "
        f"{low_rate:.0%}, where a team's figures may not speak for it: "
        + words.listing(low["team"].astype("str"))
        + "."
    )


def group_verdicts_reading(verdicts: pd.DataFrame, *, groups_shown: int, groups_hidden: int) -> str:
    """Equity: which groups fare worse than the organisation beyond chance, on which measures."""
    worse = verdicts[verdicts["worse"].astype(bool)]
    if worse.empty:
        sentence = (
            f"None of the {words.count(groups_shown, 'group')} shown differs from the "
            "organisation for the worse on any measure by more than chance."
            if groups_shown != 1
            else "The one group shown does not differ from the organisation for the worse on "
            "any measure by more than chance."
        )
    else:
        by_group = worse.groupby("team")["measure"].agg(list)
        sentence = (
            f"{words.of(len(by_group), groups_shown, 'group')} shown "
            f"{words.verb(len(by_group), 'fares', 'fare')} worse than the organisation beyond "
            "chance: "
            + "; ".join(
                f"{group} ({', '.join(m.lower() for m in ms)})" for group, ms in by_group.items()
            )
            + "."
        )
    if groups_hidden:
        sentence += (
            f" {words.count(groups_hidden, 'group')} {words.be(groups_hidden)} hidden because "
            f"{'it is' if groups_hidden == 1 else 'they are'} small."
        )
    return sentence


def scrutiny_reading(figures: pd.DataFrame, organisation: OrganisationFigure) -> str:
    """Equity: whether any ethnic group reports unfair scrutiny above the organisation."""
    shown = figures[figures["status"] == privacy.SHOWN]
    above = shown[shown["verdict"] == stats.HIGHER]
    org_text = format_value(organisation.value, SHARE)
    if shown.empty:
        return "No ethnic group is large enough to show."
    if above.empty:
        return (
            "No ethnic group shown reports unfair scrutiny above the organisation's "
            f"{org_text} by more than chance; the highest is {shown.iloc[0]['team']} at "
            f"{format_value(shown.iloc[0]['value'], SHARE)}."
        )
    return (
        f"{words.of(len(above), len(shown), 'ethnic group')} shown "
        f"{words.verb(len(above), 'reports', 'report')} feeling unfairly scrutinised more than "
        f"the organisation's {org_text}, beyond chance: "
        + words.listing(
            f"{row.team} {format_value(row.value, SHARE)}" for row in above.itertuples(index=False)
        )
        + "."
    )


def profile_reading(profile: pd.DataFrame, *, wave: str, thresholds: str) -> str:
    """Equity: how many responded, and how many groups are too small to show."""
    hidden_groups = int((profile["status"] != privacy.SHOWN).sum())
    shown_by_attribute = (
        profile.loc[profile["status"] == privacy.SHOWN].groupby("attribute")["respondents"].sum()
    )
    if shown_by_attribute.empty:
        return (
            f"All {words.count(len(profile), 'group')} in {wave} are too small to show "
            f"{thresholds}."
        )
    return (
        f"At least {words.count(int(shown_by_attribute.max()), 'respondent')} in {wave}; "
        f"{words.of(hidden_groups, len(profile), 'group')} {words.be(hidden_groups)} too small "
        f"to show {thresholds}."
    )


def stages_reading(figures: pd.DataFrame) -> str:
    """Supervision: each career stage's compliance with its interval."""
    shown = figures[figures["status"] == privacy.SHOWN]
    if shown.empty:
        return "Too few staff in either group to show this month."
    return (
        "; ".join(
            f"{row.team}: {format_value(row.value, SHARE)} of "
            f"{words.count(row.respondents, 'staff member')} due (95% interval "
            f"{format_interval(row.low, row.high, SHARE)})"
            for row in shown.itertuples()
        )
        + "."
    )
