"""Change fatigue: team scores across waves against the change log, and intention to leave."""

import streamlit as st

from queries import change_fatigue, settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import roles
from wellbeing.core.measures import CHANGE_WINDOW_MONTHS
from wellbeing.present import action_outcomes, figures, panels, readings

user = ui.require_role(*roles.EVERYONE)
st.title("Change fatigue")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

CONSTRUCTS = ["change_fatigue", "intention_to_leave"]
by_wave = survey.construct_by_wave(con, filters=filters, constructs=CONSTRUCTS, rules=rules)
org_by_wave = survey.construct_by_wave_for_organisation(
    con, filters=filters, constructs=CONSTRUCTS, rules=rules
)
fatigue_by_wave = by_wave[by_wave["construct"] == "change_fatigue"]
org_fatigue_by_wave = org_by_wave[org_by_wave["construct"] == "change_fatigue"]
fatigue = fatigue_by_wave[fatigue_by_wave["wave_id"] == filters.wave_id]

if fatigue.empty:
    st.info(
        "No change fatigue scores match these filters in this wave. Clear a filter to see more."
    )
    st.stop()

ui.team_focus_note(filters.team)
scope = ui.scope(con, filters, k=k)
org_fatigue = org_fatigue_by_wave[org_fatigue_by_wave["wave_id"] == filters.wave_id]


def by_team() -> None:
    ui.panel(
        panels.team_panel(
            fatigue,
            org_fatigue,
            value="mean_score",
            kind=figures.SCORE,
            sd="sd",
            title="Change fatigue by team",
            what="change fatigue (1-5)",
            axis_title="Mean change fatigue (95% interval)",
            key="change_fatigue_by_team",
            scope=scope,
            notes=(panels.hidden_note(k),),
        )
    )


def against_the_change_log() -> None:
    events = change_fatigue.change_events(con, service=filters.service, team=filters.team)
    org_trend = figures.trend(org_fatigue_by_wave, value="mean_score", kind=figures.SCORE, sd="sd")
    team_trend = (
        figures.trend(fatigue_by_wave, value="mean_score", kind=figures.SCORE, sd="sd")
        if filters.team is not None
        else None
    )
    plans = action_outcomes.on_timeline(
        action_plans.visible_actions(con, user=user), measure="change_fatigue", team=filters.team
    )
    ui.panel(
        panels.timeline_panel(
            fatigue_by_wave,
            org_trend,
            events,
            reading=readings.trend_reading(
                org_trend,
                what="change fatigue",
                kind=figures.SCORE,
                team=filters.team,
                team_trend=team_trend,
            )
            + " "
            + readings.events_reading(events),
            axis_title="Mean change fatigue",
            focus=filters.team,
            key="change_fatigue_timeline",
            actions=plans,
            scope=scope,
        )
    )


def changes_before_each_wave() -> None:
    counts = change_fatigue.change_events_before_waves(
        con, service=filters.service, team=filters.team
    )
    ui.panel(
        panels.events_panel(
            figures.events_with_scores(counts, fatigue_by_wave),
            axis_title="Mean change fatigue",
            window_months=CHANGE_WINDOW_MONTHS,
            key="change_events_against_score",
            scope=scope,
        )
    )


def intention_to_leave() -> None:
    leave_by_wave = by_wave[by_wave["construct"] == "intention_to_leave"]
    ui.panel(
        panels.team_panel(
            leave_by_wave[leave_by_wave["wave_id"] == filters.wave_id],
            org_by_wave[
                (org_by_wave["construct"] == "intention_to_leave")
                & (org_by_wave["wave_id"] == filters.wave_id)
            ],
            value="mean_score",
            kind=figures.SCORE,
            sd="sd",
            title="Intention to leave by team",
            what="intention to leave (1-5)",
            axis_title="Mean intention to leave (95% interval)",
            key="intention_to_leave_by_team",
            scope=scope,
        )
    )


# Four charts redrawn on every click took Chromium 0.6 s and more at 400 teams: a tab draws one.
ui.sections(
    {
        "By team": by_team,
        "Against the change log": against_the_change_log,
        "Changes before each wave": changes_before_each_wave,
        "Intention to leave": intention_to_leave,
    }
)
