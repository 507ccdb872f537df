"""Support and challenge: where staff get both, team by team, against the national 26%."""

import streamlit as st

from queries import settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import roles, stats
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reference import national_figure
from wellbeing.present import action_outcomes, figures, panels

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
scope = ui.scope(con, filters, k=k)
organisation = org_rows.iloc[0] if not org_rows.empty else None
HIGH_BOTH = "share_high_support_high_challenge"
NATIONAL = national_figure("high_support_high_challenge")


def by_team() -> None:
    ui.panel(
        panels.support_challenge_panel(
            teams,
            organisation,
            cutoff=HIGH_SCORE_CUTOFF,
            key="support_challenge_scatter",
            scope=scope,
        )
    )


def quadrants() -> None:
    ui.panel(panels.quadrant_panel(teams, organisation, key="quadrant_bars", scope=scope))
    ui.panel(
        panels.team_panel(
            teams,
            org_rows,
            value=HIGH_BOTH,
            kind=figures.SHARE,
            title="High support and high challenge by team",
            what="the share with high support and high challenge",
            axis_title="High support and high challenge (share, 95% interval)",
            national=NATIONAL,
            worse=stats.LOWER,
            key="high_both_by_team",
            scope=scope,
            notes=(panels.hidden_note(k),),
        )
    )


def psychological_safety() -> None:
    safety_by_wave = survey.construct_by_wave(
        con, filters=filters, constructs=["psychological_safety"], rules=rules
    )
    org_safety_by_wave = survey.construct_by_wave_for_organisation(
        con, filters=filters, constructs=["psychological_safety"], rules=rules
    )
    ui.panel(
        panels.team_panel(
            safety_by_wave[safety_by_wave["wave_id"] == filters.wave_id],
            org_safety_by_wave[org_safety_by_wave["wave_id"] == filters.wave_id],
            value="mean_score",
            kind=figures.SCORE,
            sd="sd",
            title="Psychological safety by team",
            what="psychological safety (1-5)",
            axis_title="Psychological safety (95% interval)",
            worse=stats.LOWER,
            key="psychological_safety_by_team",
            scope=scope,
            notes=(panels.hidden_note(k),),
            heading=False,
        )
    )


def against_the_national_figure() -> None:
    rows = [
        figures.NationalRow(
            measure="High support and high challenge",
            organisation=figures.organisation_figure(org_rows, value=HIGH_BOTH, kind=figures.SHARE),
            national=NATIONAL,
        )
    ]
    ui.panel(
        panels.national_panel(
            rows,
            title="The organisation against the national figure",
            key="support_challenge_national",
            scope=scope,
            heading=False,
        )
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
    ui.panel(
        panels.trend_panel(
            org_trend,
            team=filters.team,
            team_trend=team_trend,
            title="High support and high challenge across waves",
            what="share with high support and high challenge",
            kind=figures.SHARE,
            axis_title="High support and high challenge",
            key="support_challenge_trend",
            scope=scope,
            heading=False,
            actions=markers,
        )
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
