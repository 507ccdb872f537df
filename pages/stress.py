"""Stress: which teams are most stressed, whether that is more than chance, and national figures."""

import streamlit as st

from queries import measures, settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import roles, stats
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reference import national_figure
from wellbeing.present import action_outcomes, figures, panels, readings
from wellbeing.present import measures as measure_views

user = ui.require_role(*roles.EVERYONE)
st.title("Stress")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

CONSTRUCTS = ["stress", "offered_stress_training", "offered_counselling"]
ITEMS = {
    "STR2": "Stress affects my ability to do the job",
    "STR3": "Unwell from work stress in the last 12 months",
}
by_wave = survey.construct_by_wave(con, filters=filters, constructs=CONSTRUCTS, rules=rules)
org_by_wave = survey.construct_by_wave_for_organisation(
    con, filters=filters, constructs=CONSTRUCTS, rules=rules
)
this_wave = by_wave[by_wave["wave_id"] == filters.wave_id]
org_this_wave = org_by_wave[org_by_wave["wave_id"] == filters.wave_id]
stress = this_wave[this_wave["construct"] == "stress"]
org_stress = org_this_wave[org_this_wave["construct"] == "stress"]

if stress.empty:
    st.info("No stress scores match these filters in this wave. Clear a filter to see more.")
    st.stop()

ui.team_focus_note(filters.team)
scope = ui.scope(con, filters, k=k)
hidden = (panels.hidden_note(k),)


def by_team() -> None:
    ui.panel(
        panels.team_panel(
            stress,
            org_stress,
            value="share_high",
            kind=figures.SHARE,
            title="High stress by team",
            what=f"the share with high stress (score {HIGH_SCORE_CUTOFF:g} or more)",
            axis_title="Share with high stress (95% interval)",
            key="stress_share_high",
            scope=scope,
            notes=hidden,
        )
    )
    ui.panel(
        panels.team_panel(
            stress,
            org_stress,
            value="mean_score",
            kind=figures.SCORE,
            sd="sd",
            title="Mean stress by team",
            what="mean stress (1-5)",
            axis_title="Mean stress (95% interval)",
            key="stress_mean",
            scope=scope,
        )
    )


def across_waves() -> None:
    org_trend = figures.trend(
        org_by_wave[org_by_wave["construct"] == "stress"], value="share_high", kind=figures.SHARE
    )
    team_trend = (
        figures.trend(
            by_wave[by_wave["construct"] == "stress"], value="share_high", kind=figures.SHARE
        )
        if filters.team is not None
        else None
    )
    markers = action_outcomes.on_trend(
        action_plans.visible_actions(con, user=user),
        org_by_wave[org_by_wave["construct"] == "stress"],
        measure="stress",
        team=filters.team,
    )
    ui.panel(
        panels.trend_panel(
            org_trend,
            team=filters.team,
            team_trend=team_trend,
            title="High stress across waves",
            what="share with high stress",
            kind=figures.SHARE,
            axis_title="Share with high stress",
            key="stress_trend",
            scope=scope,
            heading=False,
            actions=markers,
            breaks=measure_views.trend_breaks(
                measures.measure_questions_by_wave(con), survey.waves(con), construct="stress"
            ),
        )
    )


def against_national_figures() -> None:
    items = survey.item_agreement_by_team(con, filters=filters, items=list(ITEMS), rules=rules)
    org_items = survey.item_agreement_for_organisation(
        con, filters=filters, items=list(ITEMS), rules=rules
    )
    measures = {
        # label: (rows by team, organisation rows, value column, national code, worse direction)
        ITEMS["STR2"]: (
            items[items["item"] == "STR2"],
            org_items[org_items["item"] == "STR2"],
            "share_agree",
            "stress_affects_ability",
            stats.HIGHER,
        ),
        ITEMS["STR3"]: (
            items[items["item"] == "STR3"],
            org_items[org_items["item"] == "STR3"],
            "share_agree",
            None,
            stats.HIGHER,
        ),
        "Offered stress training": (
            this_wave[this_wave["construct"] == "offered_stress_training"],
            org_this_wave[org_this_wave["construct"] == "offered_stress_training"],
            "mean_score",
            "offered_stress_training",
            stats.LOWER,
        ),
        "Offered counselling": (
            this_wave[this_wave["construct"] == "offered_counselling"],
            org_this_wave[org_this_wave["construct"] == "offered_counselling"],
            "mean_score",
            "offered_counselling",
            stats.LOWER,
        ),
    }
    national_rows = [
        figures.NationalRow(
            measure=label,
            organisation=figures.organisation_figure(org_rows, value=value, kind=figures.SHARE),
            national=national_figure(code) if code else None,
        )
        for label, (_, org_rows, value, code, _) in measures.items()
    ]
    ui.panel(
        panels.national_panel(
            national_rows,
            title="The organisation against national figures",
            key="stress_national",
            scope=scope,
        )
    )
    st.caption(
        "Agreeing means answering agree or strongly agree; offered training and counselling are "
        "the share answering yes."
    )
    measure = st.radio("By team", list(measures), horizontal=True, key="stress_national_measure")
    team_rows, org_rows, value, code, worse = measures[measure]
    ui.panel(
        panels.team_panel(
            team_rows,
            org_rows,
            value=value,
            kind=figures.SHARE,
            title=f"{measure}, by team",
            what=f"\u201c{measure.lower()}\u201d",
            axis_title=f"{measure} (share, 95% interval)",
            national=national_figure(code) if code else None,
            worse=worse,
            key="stress_measure_by_team",
            scope=scope,
            heading=False,
        )
    )


def hse_management_standards() -> None:
    hse_scores = survey.construct_by_team(con, filters=filters, instrument="hse", rules=rules)
    if hse_scores.empty:
        st.info("No HSE Management Standards answers match these filters in this wave.")
        return
    domains = survey.constructs(con, instrument="hse")
    hse_org = survey.construct_for_organisation(con, filters=filters, instrument="hse", rules=rules)
    ui.panel(
        panels.heatmap_panel(
            hse_scores,
            domains,
            hse_org,
            instrument="hse",
            title="HSE Management Standards by team",
            reading=readings.hse_reading(
                hse_scores, domains, hse_org.set_index("construct")["mean_score"]
            ),
            key="stress_hse",
            scope=scope,
            notes=(
                "HSE Management Standards Indicator Tool domains, each a 1-5 mean after reverse "
                "keying, where higher is better.",
                panels.hidden_note(k),
            ),
        )
    )


SECTIONS = {
    "By team": by_team,
    "Across waves": across_waves,
    "Against national figures": against_national_figures,
}
if "hse" in survey.instruments_answered(con):
    SECTIONS["HSE Management Standards"] = hse_management_standards
ui.sections(SECTIONS)
