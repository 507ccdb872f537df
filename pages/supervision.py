"""Supervision: which teams miss the Standard 5 cadence, and whether they are the stressed ones."""

import streamlit as st

from queries import settings, supervision, survey
from wellbeing import privacy, ui
from wellbeing.core import cadence, roles, stats
from wellbeing.present import charts, figures, plain, readings, supervision_tables

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

month = st.selectbox(
    "Month",
    list(reversed(months)),
    format_func=lambda m: f"{m:%B %Y}",
    key="supervision_month",
)
st.caption(
    f"Records run to {as_of:%d %B %Y}. {supervision.denominator_note(con)} A session counts when "
    f"it was held and lasted at least {cadence.MIN_SESSION_MINUTES} minutes (or its length is "
    "not recorded); \u201cHeld, any length\u201d counts any held session."
)
ui.team_focus_note(filters.team)

scope = {"service": filters.service, "team": filters.team}


def month_compliance():
    """Compliance of every month to the one chosen; that month's team and organisation rows."""
    compliance = supervision.compliance(
        con, month_from=months[0], month_to=month, rules=rules, **scope
    )
    this_month = compliance[compliance["month"].dt.date == month]
    return compliance, this_month[this_month["team"].notna()], this_month[this_month["team"].isna()]


def team_compliance(value: str, teams, organisation_rows):
    """The organisation's and each team's compliance figures (staff due as the count)."""
    organisation = figures.organisation_figure(
        organisation_rows.assign(respondents=organisation_rows["staff_due"]),
        value=value,
        kind=figures.SHARE,
    )
    compliance_figures = figures.team_figures(
        teams.assign(respondents=teams["staff_due"]),
        value=value,
        kind=figures.SHARE,
        organisation=organisation,
    )
    return organisation, compliance_figures


def compliance_with_the_standard() -> None:
    _, teams, organisation_rows = month_compliance()
    st.subheader(f"Compliance with the standard, {month:%B %Y}")
    with_rule, any_length = st.columns(2)
    for column, value, title, key in [
        (with_rule, "compliance", f"Held, {cadence.LONG_ENOUGH}", "compliance"),
        (any_length, "compliance_any_duration", "Held, any length", "compliance_any_duration"),
    ]:
        organisation, compliance_figures = team_compliance(value, teams, organisation_rows)
        with column:
            st.markdown(f"**{title}**")
            ui.reading(
                readings.team_reading(
                    compliance_figures,
                    what=f"staff supervised to the standard ({title.lower()})",
                    kind=figures.SHARE,
                    organisation=organisation,
                    worse=stats.LOWER,
                )
            )
            ui.team_chart(
                charts.team_intervals(
                    compliance_figures,
                    kind=figures.SHARE,
                    k=k,
                    organisation=organisation.value,
                    worse=stats.LOWER,
                    count_label="staff due",
                    axis_title="Share of staff compliant (95% interval)",
                ),
                key=f"supervision_{key}",
            )


def stages_and_months() -> None:
    compliance, _, organisation_rows = month_compliance()
    stage_column, trend_column = st.columns(2)
    with stage_column:
        st.subheader("Newly qualified and experienced")
        stages = supervision.compliance_by_stage(
            con, month_from=month, month_to=month, rules=rules, **scope
        )
        stage_figures = figures.team_figures(
            stages.rename(columns={"stage": "team"}).assign(respondents=stages["staff_due"]),
            value="compliance",
            kind=figures.SHARE,
            organisation=figures.organisation_figure(
                organisation_rows.assign(respondents=organisation_rows["staff_due"]),
                value="compliance",
                kind=figures.SHARE,
            ),
        )
        shown = stage_figures[stage_figures["status"] == privacy.SHOWN]
        st.markdown(
            "; ".join(
                f"{plain.markdown(row.team)}: {figures.format_value(row.value, figures.SHARE)} of "
                f"{int(row.respondents)} staff due (95% interval "
                f"{figures.format_interval(row.low, row.high, figures.SHARE)})"
                for row in shown.itertuples()
            )
            + "."
            if not shown.empty
            else "Too few staff in either group to show this month."
        )
        st.plotly_chart(
            charts.team_intervals(
                stage_figures,
                kind=figures.SHARE,
                k=k,
                organisation=None,
                worse=stats.LOWER,
                count_label="staff due",
                axis_title=f"Compliant, {cadence.LONG_ENOUGH}",
            ),
            key="supervision_by_stage",
            width="stretch",
        )
    with trend_column:
        st.subheader("Month by month")
        organisation_trend = figures.trend(
            compliance[compliance["team"].isna()].assign(
                wave=compliance["month"].dt.strftime("%b %Y"),
                wave_opened_on=compliance["month"],
                wave_id=0,
                respondents=compliance["staff_due"],
            ),
            value="compliance",
            kind=figures.SHARE,
        )
        team_trend = None
        if filters.team is not None:
            team_rows = compliance[compliance["team"] == filters.team]
            team_trend = figures.trend(
                team_rows.assign(
                    wave=team_rows["month"].dt.strftime("%b %Y"),
                    wave_opened_on=team_rows["month"],
                    wave_id=0,
                    respondents=team_rows["staff_due"],
                ),
                value="compliance",
                kind=figures.SHARE,
            )
        ui.trend(
            organisation_trend,
            team=filters.team,
            team_trend=team_trend,
            what="compliance",
            axis_title="Compliant",
            key="supervision_trend",
        )


def records() -> None:
    sessions = supervision.sessions(con, month_from=month, month_to=month, rules=rules, **scope)
    overdue = supervision.overdue_by_team(con, as_of=as_of, rules=rules, **scope)
    ui.reading(
        readings.overdue_reading(
            overdue, as_of=as_of, overdue_after_days=cadence.OVERDUE_AFTER_DAYS
        )
    )
    st.dataframe(
        supervision_tables.records_table(sessions[sessions["team"].notna()], overdue, k=k),
        hide_index=True,
        width="stretch",
        column_config={
            "Reflective share of sessions": st.column_config.NumberColumn(format="percent"),
            supervision_tables.SESSIONS_LONG_ENOUGH: st.column_config.NumberColumn(
                format="percent"
            ),
            "Cancellation rate": st.column_config.NumberColumn(format="percent"),
            "Share overdue": st.column_config.NumberColumn(format="percent"),
            "Supervisors per worker (6 months)": st.column_config.NumberColumn(format="%.2f"),
        },
        key="supervision_records_table",
    )


def against_survey_scores() -> None:
    _, teams, _ = month_compliance()
    wave_label = survey.waves(con).set_index("id").loc[filters.wave_id, "label"]
    constructs = ["support", "stress"]
    scores = survey.construct_by_wave(con, filters=filters, constructs=constructs, rules=rules)
    scores = scores[scores["wave_id"] == filters.wave_id]
    compliance_teams = teams.assign(respondents=teams["staff_due"])
    support_column, stress_column = st.columns(2)
    for column, construct, label in [
        (support_column, "support", "Mean support (survey)"),
        (stress_column, "stress", "Mean stress (survey)"),
    ]:
        points = supervision_tables.team_pairs(
            compliance_teams,
            scores[scores["construct"] == construct],
            x="compliance",
            x_count="staff_due",
            y="mean_score",
            y_count="respondents",
        )
        with column:
            ui.reading(
                readings.correlation_reading(
                    points,
                    x="x",
                    y="y",
                    x_what=f"compliance in {month:%B %Y}",
                    y_what=f"{construct} in {wave_label}",
                    unit="team",
                )
            )
            ui.team_chart(
                charts.team_scatter(
                    points,
                    x="x",
                    y="y",
                    x_title="Compliant (records)",
                    y_title=label,
                    x_kind=figures.SHARE,
                    y_kind=figures.SCORE,
                ),
                key=f"supervision_against_{construct}",
            )
    st.caption(
        f"One point per team shown on both sides: records for {month:%B %Y}, survey "
        f"for {plain.markdown(wave_label)}. " + ui.hidden_note(k)
    )


def what_staff_report() -> None:
    _, teams, organisation_rows = month_compliance()
    compliance_teams = teams.assign(respondents=teams["staff_due"])
    sessions = supervision.sessions(con, month_from=month, month_to=month, rules=rules, **scope)
    scores = survey.construct_by_wave(
        con, filters=filters, constructs=["supervision_reflective"], rules=rules
    )
    scores = scores[scores["wave_id"] == filters.wave_id]
    items = survey.item_agreement_by_team(con, filters=filters, items=["SVF1"], rules=rules)
    org_items = survey.item_agreement_for_organisation(
        con, filters=filters, items=["SVF1"], rules=rules
    )
    sessions_teams = sessions[sessions["team"].notna()]
    sessions_organisation = sessions[sessions["team"].isna()]
    frequency, reflective = st.columns(2)
    with frequency:
        ui.reading(
            readings.reported_reading(
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
            )
        )
        ui.team_chart(
            charts.reported_against_records(
                supervision_tables.reported_against_recorded(
                    items,
                    compliance_teams,
                    reported_value="share_agree",
                    recorded_value="compliance_any_duration",
                    recorded_count="staff_due",
                ),
                reported_label="Say at least monthly (survey)",
                recorded_label="Met the cadence (records)",
                k=k,
            ),
            key="supervision_reported_frequency",
        )
    with reflective:
        org_scores = survey.construct_by_wave_for_organisation(
            con, filters=filters, constructs=["supervision_reflective"], rules=rules
        )
        ui.reading(
            readings.reported_reading(
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
            )
        )
        ui.team_chart(
            charts.reported_against_records(
                supervision_tables.reported_against_recorded(
                    scores[scores["construct"] == "supervision_reflective"],
                    sessions_teams,
                    reported_value="mean_score",
                    recorded_value="workers_with_reflective_share",
                    recorded_count="workers",
                ),
                reported_label="Last session reflective (survey)",
                recorded_label="Had a reflective session (records)",
                k=k,
            ),
            key="supervision_reported_reflective",
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
