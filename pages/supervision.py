"""Supervision: which teams miss the Standard 5 cadence, and whether they are the stressed ones."""

import streamlit as st

from queries import settings, supervision, survey
from wellbeing import ui
from wellbeing.core import cadence, roles, stats
from wellbeing.present import figures, panels, plain, readings, supervision_tables

ui.require_role(*roles.EVERYONE)
st.title("Supervision")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

as_of = supervision.data_date(con)
months = supervision.months(con)
if as_of is None or not months:
    st.info(
        "No supervision records yet. HR can add an export from the case-management system "
        "on the Upload page."
    )
    st.stop()

# The month that goes with the wave (the same rule as the Overview's tile and the board
# pack: the last complete month by the wave's close), chosen again when the wave changes.
wave_month = supervision.supervision_month(con, wave_id=filters.wave_id)
choices = list(reversed(months))
if st.session_state.get("supervision_month_wave") != filters.wave_id:
    st.session_state["supervision_month_wave"] = filters.wave_id
    st.session_state["supervision_month"] = wave_month if wave_month in choices else choices[0]
month = st.selectbox(
    "Month",
    choices,
    format_func=lambda m: f"{m:%B %Y}" + (" (goes with the wave)" if m == wave_month else ""),
    key="supervision_month",
)
st.caption(
    f"Records run to {as_of:%d %B %Y}. {supervision.denominator_note(con)} A session counts when "
    f"it was held and lasted at least {cadence.MIN_SESSION_MINUTES} minutes (or its length is "
    "not recorded); \u201cHeld, any length\u201d counts any held session."
)
ui.team_focus_note(filters.team)

scope = {"service": filters.service, "team": filters.team}
records_scope = ui.scope(con, filters, k=k, subgroups=False).records(f"{month:%B %Y}")
STAFF_HIDDEN = (
    f"Teams with fewer than {k} staff due show no figure; others may be hidden so that totals "
    "cannot be used to work them out. Hidden teams are grey: " + panels.HIDDEN_NOTE_TAIL,
)


def month_compliance():
    """Compliance of every month to the one chosen; that month's team and organisation rows."""
    compliance = supervision.compliance(
        con, month_from=months[0], month_to=month, rules=rules, **scope
    )
    this_month = compliance[compliance["month"].dt.date == month]
    return compliance, this_month[this_month["team"].notna()], this_month[this_month["team"].isna()]


def compliance_with_the_standard() -> None:
    _, teams, organisation_rows = month_compliance()
    for value, title, key in [
        ("compliance", f"Held, {cadence.LONG_ENOUGH}", "compliance"),
        ("compliance_any_duration", "Held, any length", "compliance_any_duration"),
    ]:
        ui.panel(
            panels.team_panel(
                teams,
                organisation_rows,
                value=value,
                kind=figures.SHARE,
                count="staff_due",
                count_label="staff due",
                title=f"Compliance with the standard, {month:%B %Y}: {title.lower()}",
                what=f"staff supervised to the standard ({title.lower()})",
                axis_title="Share of staff compliant (95% interval)",
                worse=stats.LOWER,
                key=f"supervision_{key}",
                scope=records_scope,
                notes=STAFF_HIDDEN,
            )
        )


def stages_and_months() -> None:
    compliance, _, organisation_rows = month_compliance()
    stages = supervision.compliance_by_stage(
        con, month_from=month, month_to=month, rules=rules, **scope
    )
    ui.panel(
        panels.team_panel(
            stages.rename(columns={"stage": "team"}),
            organisation_rows,
            value="compliance",
            kind=figures.SHARE,
            count="staff_due",
            count_label="staff due",
            title=f"Newly qualified and experienced, {month:%B %Y}",
            what="compliance",
            axis_title=f"Compliant, {cadence.LONG_ENOUGH} (95% interval)",
            worse=stats.LOWER,
            reading=lambda stage_figures, _: readings.stages_reading(stage_figures),
            group="career stage",
            compared=False,
            clickable=False,
            key="supervision_by_stage",
            scope=records_scope,
        )
    )

    def by_month(rows):
        return figures.trend(
            rows.assign(
                wave=rows["month"].dt.strftime("%b %Y"),
                wave_opened_on=rows["month"],
                wave_id=0,
                respondents=rows["staff_due"],
            ),
            value="compliance",
            kind=figures.SHARE,
        )

    ui.panel(
        panels.trend_panel(
            by_month(compliance[compliance["team"].isna()]),
            team=filters.team,
            team_trend=(
                by_month(compliance[compliance["team"] == filters.team])
                if filters.team is not None
                else None
            ),
            title="Compliance month by month",
            what="compliance",
            kind=figures.SHARE,
            axis_title="Compliant",
            x_title="Month of records",
            key="supervision_trend",
            scope=records_scope,
        )
    )


def records() -> None:
    sessions = supervision.sessions(con, month_from=month, month_to=month, rules=rules, **scope)
    overdue = supervision.overdue_by_team(con, as_of=as_of, rules=rules, **scope)
    ui.panel(
        panels.records_panel(
            supervision_tables.records_table(sessions[sessions["team"].notna()], overdue, k=k),
            reading=readings.overdue_reading(
                overdue, as_of=as_of, overdue_after_days=cadence.OVERDUE_AFTER_DAYS
            ),
            key="supervision_records_table",
            scope=records_scope,
        )
    )


def against_survey_scores() -> None:
    _, teams, _ = month_compliance()
    survey_scope = ui.scope(con, filters, k=k)
    scores = survey.construct_by_wave(
        con, filters=filters, constructs=["support", "stress"], rules=rules
    )
    scores = scores[scores["wave_id"] == filters.wave_id]
    for construct, label in [("support", "Mean support"), ("stress", "Mean stress")]:
        points = supervision_tables.team_pairs(
            teams,
            scores[scores["construct"] == construct],
            x="compliance",
            x_count="staff_due",
            y="mean_score",
            y_count="respondents",
        )
        ui.panel(
            panels.scatter_panel(
                points,
                title=f"Compliance against {construct}",
                reading=readings.correlation_reading(
                    points,
                    x="x",
                    y="y",
                    x_what=f"compliance in {month:%B %Y}",
                    y_what=f"{construct} in {survey_scope.wave}",
                    unit="team",
                ),
                x_title="Compliant (records)",
                y_title=f"{label} (survey)",
                x_kind=figures.SHARE,
                y_kind=figures.SCORE,
                x_count="Staff due",
                y_count="Respondents",
                key=f"supervision_against_{construct}",
                scope=survey_scope,
            )
        )
    st.caption(
        f"One point per team shown on both sides: records for {month:%B %Y}, survey "
        f"for {plain.markdown(survey_scope.wave)}. " + panels.hidden_note(k)
    )


def what_staff_report() -> None:
    _, teams, organisation_rows = month_compliance()
    survey_scope = ui.scope(con, filters, k=k)
    sessions = supervision.sessions(con, month_from=month, month_to=month, rules=rules, **scope)
    scores = survey.construct_by_wave(
        con, filters=filters, constructs=["supervision_reflective"], rules=rules
    )
    scores = scores[scores["wave_id"] == filters.wave_id]
    items = survey.item_agreement_by_team(con, filters=filters, items=["SVF1"], rules=rules)
    org_items = survey.item_agreement_for_organisation(
        con, filters=filters, items=["SVF1"], rules=rules
    )
    org_scores = survey.construct_by_wave_for_organisation(
        con, filters=filters, constructs=["supervision_reflective"], rules=rules
    )
    sessions_organisation = sessions[sessions["team"].isna()]
    ui.panel(
        panels.reported_panel(
            supervision_tables.reported_against_recorded(
                items,
                teams,
                reported_value="share_agree",
                recorded_value="compliance_any_duration",
                recorded_count="staff_due",
            ),
            title="Supervision at least monthly: reported and recorded",
            reading=readings.reported_reading(
                what_reported="they get supervision at least monthly",
                reported=figures.organisation_figure(
                    org_items, value="share_agree", kind=figures.SHARE
                ),
                what_recorded=f"met the cadence with any held session in {month:%B %Y}",
                recorded=(
                    organisation_rows["compliance_any_duration"].iloc[0]
                    if not organisation_rows.empty
                    else None
                ),
            ),
            reported_label="Say at least monthly (survey)",
            recorded_label="Met the cadence (records)",
            key="supervision_reported_frequency",
            scope=survey_scope,
        )
    )
    ui.panel(
        panels.reported_panel(
            supervision_tables.reported_against_recorded(
                scores[scores["construct"] == "supervision_reflective"],
                sessions[sessions["team"].notna()],
                reported_value="mean_score",
                recorded_value="workers_with_reflective_share",
                recorded_count="workers",
            ),
            title="Reflective supervision: reported and recorded",
            reading=readings.reported_reading(
                what_reported="their last session was reflective",
                reported=figures.organisation_figure(
                    org_scores[org_scores["wave_id"] == filters.wave_id],
                    value="mean_score",
                    kind=figures.SHARE,
                ),
                what_recorded=f"of supervised staff had a reflective session in {month:%B %Y}",
                recorded=(
                    sessions_organisation["workers_with_reflective_share"].iloc[0]
                    if not sessions_organisation.empty
                    else None
                ),
            ),
            reported_label="Last session reflective (survey)",
            recorded_label="Had a reflective session (records)",
            key="supervision_reported_reflective",
            scope=survey_scope,
        )
    )


SECTIONS = {
    "Compliance": compliance_with_the_standard,
    "By stage and month": stages_and_months,
    "Records": records,
}
if filters.wave_id is not None:
    SECTIONS["Against survey scores"] = against_survey_scores
    SECTIONS["What staff report"] = what_staff_report
ui.sections(SECTIONS)
