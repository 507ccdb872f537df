"""Change fatigue: team scores across waves against the change log, and intention to leave."""

import streamlit as st

from queries import change_fatigue, settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import roles
from wellbeing.core.measures import CHANGE_WINDOW_MONTHS
from wellbeing.present import action_outcomes, charts, figures, readings

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

org_fatigue = figures.organisation_figure(
    org_fatigue_by_wave[org_fatigue_by_wave["wave_id"] == filters.wave_id],
    value="mean_score",
    kind=figures.SCORE,
    sd="sd",
)
fatigue_figures = figures.team_figures(
    fatigue, value="mean_score", kind=figures.SCORE, sd="sd", organisation=org_fatigue
)
st.subheader("Change fatigue by team")
ui.reading(
    readings.team_reading(
        fatigue_figures, what="change fatigue (1-5)", kind=figures.SCORE, organisation=org_fatigue
    )
)
ui.team_chart(
    charts.team_intervals(
        fatigue_figures,
        kind=figures.SCORE,
        k=k,
        organisation=org_fatigue.value,
        axis_title="Mean change fatigue, 1-5 (95% interval)",
    ),
    key="change_fatigue_by_team",
)
st.caption(ui.hidden_note(k))

st.subheader("Across waves, with the change log")
events = change_fatigue.change_events(con, service=filters.service, team=filters.team)
org_trend = figures.trend(org_fatigue_by_wave, value="mean_score", kind=figures.SCORE, sd="sd")
team_trend = (
    figures.trend(fatigue_by_wave, value="mean_score", kind=figures.SCORE, sd="sd")
    if filters.team is not None
    else None
)
ui.reading(
    readings.trend_reading(
        org_trend,
        what="change fatigue",
        kind=figures.SCORE,
        team=filters.team,
        team_trend=team_trend,
    )
    + " "
    + readings.events_reading(events)
)
plans = action_outcomes.on_timeline(
    action_plans.visible_actions(con, user=user), measure="change_fatigue", team=filters.team
)
ui.team_chart(
    charts.change_timeline(
        fatigue_by_wave,
        org_trend,
        events,
        focus=filters.team,
        axis_title="Mean change fatigue, 1-5",
        actions=plans,
    ),
    key="change_fatigue_timeline",
)
st.caption(
    "Each line is a team's score wave by wave (the organisation in black); triangles and "
    "dashed lines mark organisation-wide changes, dotted lines a team's own; labelled stars "
    "mark action plans on change fatigue. Hover for details."
)
for text in plans["text"]:
    st.text(text)

events_column, leave_column = st.columns(2)
with events_column:
    st.subheader("Change events before each wave")
    counts = change_fatigue.change_events_before_waves(
        con, service=filters.service, team=filters.team
    )
    points = figures.events_with_scores(counts, fatigue_by_wave)
    ui.reading(
        readings.correlation_reading(
            points,
            x="change_events",
            y="mean_score",
            x_what=f"change events in the {CHANGE_WINDOW_MONTHS} months before a wave",
            y_what="change fatigue",
            unit="team-wave",
        )
    )
    ui.team_chart(
        charts.events_against_score(
            points, axis_title="Mean change fatigue, 1-5", window_months=CHANGE_WINDOW_MONTHS
        ),
        key="change_events_against_score",
    )
    st.caption(
        "One point per team and wave: the team's own change events plus organisation-wide ones."
    )
with leave_column:
    st.subheader("Intention to leave")
    leave_by_wave = by_wave[by_wave["construct"] == "intention_to_leave"]
    org_leave = figures.organisation_figure(
        org_by_wave[
            (org_by_wave["construct"] == "intention_to_leave")
            & (org_by_wave["wave_id"] == filters.wave_id)
        ],
        value="mean_score",
        kind=figures.SCORE,
        sd="sd",
    )
    leave_figures = figures.team_figures(
        leave_by_wave[leave_by_wave["wave_id"] == filters.wave_id],
        value="mean_score",
        kind=figures.SCORE,
        sd="sd",
        organisation=org_leave,
    )
    ui.reading(
        readings.team_reading(
            leave_figures,
            what="intention to leave (1-5)",
            kind=figures.SCORE,
            organisation=org_leave,
        )
    )
    ui.team_chart(
        charts.team_intervals(
            leave_figures,
            kind=figures.SCORE,
            k=k,
            organisation=org_leave.value,
            axis_title="Mean intention to leave, 1-5 (95% interval)",
        ),
        key="intention_to_leave_by_team",
    )
