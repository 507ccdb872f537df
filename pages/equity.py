"""Equity: whether some groups of staff fare worse, under the stricter rule for sensitive groups."""

import streamlit as st

from queries import equity, settings, survey
from wellbeing import privacy, ui
from wellbeing.core import roles
from wellbeing.present import charts, figures, look_first, plain

ui.require_role(roles.HR_ADMIN, roles.LEADER)
st.title("Equity")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

wave_label = survey.waves(con).set_index("id").loc[filters.wave_id, "label"]
st.caption(
    f"{plain.markdown(wave_label)} \u00b7 groups by ethnicity, gender, disability or age band "
    "are shown only "
    f"with at least {rules.sensitive_min_group_size} respondents (other groups: "
    f"{rules.min_group_size}), and at most {equity.MAX_CROSSED_ATTRIBUTES} attributes are "
    "crossed at once, so that nobody can be picked out."
)

organisation = survey.construct_for_organisation(con, filters=filters, rules=rules)


def measures_by_group() -> None:
    survey_attributes = [a for a in equity.ATTRIBUTES if a != "role"]
    left, right = st.columns(2)
    first = left.selectbox(
        "Break measures down by",
        survey_attributes,
        format_func=equity.ATTRIBUTE_NAMES.get,
        key="equity_attribute",
    )
    second = right.selectbox(
        "Cross with (optional)",
        [a for a in survey_attributes if a != first],
        index=None,
        placeholder="Nothing",
        format_func=equity.ATTRIBUTE_NAMES.get,
        key="equity_cross",
    )
    attributes = (first,) if second is None else (first, second)
    k = equity.min_group_size_for(attributes, rules)
    title = " by ".join(["Measures", " and ".join(equity.ATTRIBUTE_NAMES[a] for a in attributes)])

    constructs = survey.constructs(con)
    scale_constructs = constructs[constructs["kind"] == "scale"]
    # Career stage under a role filter (or the reverse) would cross the two, which the
    # engine never allows: say so rather than show a chart of hidden cells.
    crossing = equity.sub_filter_problem(filters=filters, attributes=attributes)
    if crossing:
        st.subheader(title)
        st.warning(crossing, icon=":material/filter_alt_off:")
    else:
        rows = equity.construct_by_attribute(
            con, filters=filters, attributes=attributes, rules=rules
        )
        if rows.empty:
            st.info("No responses match these filters. Clear a filter to see more.")
            return

        as_groups = rows.assign(
            team=rows[list(attributes)].astype("str").agg(" \u00b7 ".join, axis=1)
        )
        as_groups = as_groups[as_groups["construct"].isin(scale_constructs["code"])]
        verdicts = look_first.construct_verdicts(
            as_groups, organisation, constructs, measures=tuple(scale_constructs["code"])
        )
        worse = verdicts[verdicts["worse"].astype(bool)]
        groups_shown = verdicts["team"].nunique()
        groups_hidden = int(
            (~(as_groups["status"] == privacy.SHOWN).groupby(as_groups["team"]).any()).sum()
        )

        st.subheader(title)
        if worse.empty:
            reading = (
                f"No group shown ({groups_shown}) differs from the organisation for the worse on "
                "any measure by more than chance."
            )
        else:
            by_group = worse.groupby("team")["measure"].agg(list)
            reading = (
                f"{len(by_group)} of {groups_shown} groups shown fare worse than the organisation "
                "beyond chance: "
                + "; ".join(
                    f"{group} ({', '.join(m.lower() for m in ms)})"
                    for group, ms in by_group.items()
                )
                + "."
            )
        if groups_hidden:
            reading += f" {groups_hidden} groups are hidden because they are small."
        st.markdown(plain.markdown(reading))
        org_means = organisation.set_index("construct")["mean_score"]
        heatmap = charts.construct_heatmap(as_groups, scale_constructs, org_means, k=k)
        st.plotly_chart(heatmap, key="equity_heatmap", width="stretch")
        ui.chart_download(heatmap, key="equity_heatmap", title=f"{title} {wave_label}")
        ui.table_downloads(
            rows.drop(columns=["sd"]), key="equity_scores", title=f"{title} {wave_label}", k=k
        )
        for row in worse.itertuples(index=False):
            st.markdown(f"- **{plain.markdown(row.team)}**: {plain.markdown(row.reason)}")
        st.caption(ui.hidden_note(k))


def unfair_scrutiny() -> None:
    ethnic_k = equity.min_group_size_for(("ethnicity",), rules)
    by_ethnicity = equity.construct_by_attribute(
        con, filters=filters, attributes=("ethnicity",), rules=rules
    )
    scrutiny = by_ethnicity[by_ethnicity["construct"] == "unfair_scrutiny"].rename(
        columns={"ethnicity": "team"}
    )
    org_scrutiny = figures.organisation_figure(
        organisation[organisation["construct"] == "unfair_scrutiny"],
        value="share_high",
        kind=figures.SHARE,
    )
    if scrutiny.empty:
        st.info("This survey did not ask about unfair scrutiny.")
    else:
        scrutiny_figures = figures.team_figures(
            scrutiny, value="share_high", kind=figures.SHARE, organisation=org_scrutiny
        )
        shown = scrutiny_figures[scrutiny_figures["status"] == privacy.SHOWN]
        above = shown[shown["verdict"] == "higher"]
        org_text = figures.format_value(org_scrutiny.value, figures.SHARE)
        if shown.empty:
            st.markdown("No ethnic group is large enough to show.")
        elif above.empty:
            st.markdown(
                "No ethnic group shown reports unfair scrutiny above the organisation's "
                f"{org_text} by more than chance; the highest is "
                f"{plain.markdown(shown.iloc[0]['team'])} at "
                f"{figures.format_value(shown.iloc[0]['value'], figures.SHARE)}."
            )
        else:
            st.markdown(
                f"{len(above)} of {len(shown)} ethnic groups shown report feeling unfairly "
                f"scrutinised more than the organisation's {org_text}, beyond chance: "
                + ", ".join(
                    f"{plain.markdown(row.team)} {figures.format_value(row.value, figures.SHARE)}"
                    for row in above.itertuples(index=False)
                )
                + "."
            )
        scrutiny_chart = charts.team_intervals(
            scrutiny_figures,
            kind=figures.SHARE,
            axis_title="Share who feel more scrutinised than colleagues (score 4 or more)",
            k=ethnic_k,
            organisation=org_scrutiny.value,
        )
        st.plotly_chart(scrutiny_chart, key="equity_scrutiny", width="stretch")
        ui.chart_download(
            scrutiny_chart,
            key="equity_scrutiny",
            title=f"Unfair scrutiny by ethnic group {wave_label}",
        )
        ui.table_downloads(
            scrutiny.rename(columns={"team": "ethnicity"}).drop(columns=["sd"]),
            key="equity_scrutiny_table",
            title=f"Unfair scrutiny by ethnic group {wave_label}",
            k=ethnic_k,
        )


def who_responded() -> None:
    profile = equity.respondent_profile(con, filters=filters, rules=rules)
    if filters.role or filters.career_stage:
        left_out, applied = ("Career stage", "role") if filters.role else ("Role", "career stage")
        st.caption(
            f"{left_out} is left out of this profile while the {applied} filter is on: the two "
            "are never crossed."
        )
    if profile.empty:
        st.info("No responses match these filters.")
    else:
        hidden_groups = int((profile["status"] != privacy.SHOWN).sum())
        shown_by_attribute = (
            profile.loc[profile["status"] == privacy.SHOWN]
            .groupby("attribute")["respondents"]
            .sum()
        )
        thresholds = (
            f"(ethnicity, gender, disability and age band need {rules.sensitive_min_group_size}, "
            f"career stage and role {rules.min_group_size})"
        )
        if shown_by_attribute.empty:
            st.markdown(
                f"All {len(profile)} groups in {plain.markdown(wave_label)} are too small to show "
                f"{thresholds}."
            )
        else:
            st.markdown(
                f"At least {int(shown_by_attribute.max())} respondents in "
                f"{plain.markdown(wave_label)}; "
                f"{hidden_groups} of {len(profile)} groups are too small to show {thresholds}."
            )
        profile_chart = charts.respondent_profile_bars(profile, names=equity.ATTRIBUTE_NAMES)
        st.plotly_chart(profile_chart, key="equity_profile", width="stretch")
        ui.chart_download(profile_chart, key="equity_profile", title=f"Who responded {wave_label}")
        ui.table_downloads(
            profile,
            key="equity_profile_table",
            title=f"Who responded {wave_label}",
            k=rules.min_group_size,
        )

    st.subheader("Agency and permanent staff")
    st.markdown(
        "The survey does not ask whether someone is agency or permanent staff, and answers are "
        "anonymous, so they cannot be matched to the staff list: survey measures cannot be split "
        "this way without identifying people, and this page does not try."
    )


ui.sections(
    {
        "Measures by group": measures_by_group,
        "Unfair scrutiny": unfair_scrutiny,
        "Who responded": who_responded,
    }
)
