"""Support and challenge: where staff get both, team by team, against the national 26%."""

import streamlit as st

from queries import settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import roles, stats
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reference import national_figure
from wellbeing.present import action_outcomes, charts, figures, readings

user = ui.require_role(*roles.EVERYONE)
st.title("Support and challenge")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

by_wave = survey.support_challenge_by_wave(con, filters=filters, rules=rules)
org_by_wave = survey.support_challenge_by_wave_for_organisation(con, filters=filters, rules=rules)
teams = by_wave[by_wave["wave_id"] == filters.wave_id]
org_rows = org_by_wave[org_by_wave["wave_id"] == filters.wave_id]

if teams.empty:
    st.info(
        "No support and challenge scores match these filters in this wave. "
        "Clear a filter to see more."
    )
    st.stop()

ui.team_focus_note(filters.team)
organisation = org_rows.iloc[0] if not org_rows.empty else None
HIGH_BOTH = "share_high_support_high_challenge"

org_both = figures.organisation_figure(org_rows, value=HIGH_BOTH, kind=figures.SHARE)


def by_team() -> None:
    st.subheader("Support against challenge, team by team")
    ui.reading(readings.quadrant_reading(teams, cutoff=HIGH_SCORE_CUTOFF))
    ui.team_chart(
        charts.support_challenge_scatter(
            teams, cutoff=HIGH_SCORE_CUTOFF, organisation=organisation
        ),
        key="support_challenge_scatter",
    )
    st.caption(
        f"Each point is a team's mean support and mean challenge among staff who answered both, "
        f"sized by respondents; the dashed lines are the \u201chigh\u201d cut-off "
        f"({HIGH_SCORE_CUTOFF:g} on 1-5). " + ui.hidden_note(k)
    )


def quadrants() -> None:
    st.subheader("Share of staff in each quadrant")
    both_figures = figures.team_figures(
        teams, value=HIGH_BOTH, kind=figures.SHARE, organisation=org_both
    )
    ui.reading(
        readings.team_reading(
            both_figures,
            what="the share with high support and high challenge",
            kind=figures.SHARE,
            organisation=org_both,
            worse=stats.LOWER,
        )
    )
    ui.team_chart(charts.quadrant_bars(teams, k=k, organisation=organisation), key="quadrant_bars")
    st.caption(
        "Each respondent is placed by their own support and challenge scores. Hover a bar for the "
        "team's respondents."
    )
    ui.team_chart(
        charts.team_intervals(
            both_figures,
            kind=figures.SHARE,
            k=k,
            organisation=org_both.value,
            national=national_figure("high_support_high_challenge"),
            worse=stats.LOWER,
            axis_title="High support and high challenge (share, 95% interval)",
        ),
        key="high_both_by_team",
    )


def psychological_safety() -> None:
    safety_by_wave = survey.construct_by_wave(
        con, filters=filters, constructs=["psychological_safety"], rules=rules
    )
    org_safety_by_wave = survey.construct_by_wave_for_organisation(
        con, filters=filters, constructs=["psychological_safety"], rules=rules
    )
    safety_rows = safety_by_wave[safety_by_wave["wave_id"] == filters.wave_id]
    org_safety = figures.organisation_figure(
        org_safety_by_wave[org_safety_by_wave["wave_id"] == filters.wave_id],
        value="mean_score",
        kind=figures.SCORE,
        sd="sd",
    )
    safety_figures = figures.team_figures(
        safety_rows, value="mean_score", kind=figures.SCORE, sd="sd", organisation=org_safety
    )
    ui.reading(
        readings.team_reading(
            safety_figures,
            what="psychological safety (1-5)",
            kind=figures.SCORE,
            organisation=org_safety,
            worse=stats.LOWER,
        )
    )
    ui.team_chart(
        charts.team_intervals(
            safety_figures,
            kind=figures.SCORE,
            k=k,
            organisation=org_safety.value,
            worse=stats.LOWER,
            axis_title="Psychological safety, 1-5",
        ),
        key="psychological_safety_by_team",
    )


def against_the_national_figure() -> None:
    rows = [
        figures.NationalRow(
            measure="High support and high challenge",
            organisation=org_both,
            national=national_figure("high_support_high_challenge"),
        )
    ]
    ui.reading(readings.national_reading(rows))
    st.plotly_chart(
        charts.against_national(figures.national_rows_frame(rows)),
        key="support_challenge_national",
        width="stretch",
    )


def across_waves() -> None:
    org_trend = figures.trend(org_by_wave, value=HIGH_BOTH, kind=figures.SHARE)
    team_trend = (
        figures.trend(by_wave, value=HIGH_BOTH, kind=figures.SHARE)
        if filters.team is not None
        else None
    )
    markers = action_outcomes.on_trend(
        action_plans.visible_actions(con, user=user),
        org_by_wave,
        measure=["support", "challenge"],
        team=filters.team,
    )
    ui.trend(
        org_trend,
        team=filters.team,
        team_trend=team_trend,
        what="share with high support and high challenge",
        axis_title="High support and high challenge",
        key="support_challenge_trend",
        actions=markers,
    )


ui.sections(
    {
        "By team": by_team,
        "Quadrants": quadrants,
        "Psychological safety": psychological_safety,
        "Against the national figure": against_the_national_figure,
        "Across waves": across_waves,
    }
)
