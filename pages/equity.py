"""Equity: whether some groups of staff fare worse, under the stricter rule for sensitive groups."""

import dataclasses

import streamlit as st

from queries import equity, settings, survey
from wellbeing import privacy, ui
from wellbeing.core import roles
from wellbeing.present import figures, look_first, panels, plain, readings

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
scope = ui.scope(con, filters, k=rules.min_group_size)


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

        # Column by column, not row by row: a group's name for each of thousands of rows.
        labels = [rows[a].astype("str") for a in attributes]
        as_groups = rows.assign(
            team=labels[0] if len(labels) == 1 else labels[0] + " \u00b7 " + labels[1]
        )
        as_groups = as_groups[as_groups["construct"].isin(scale_constructs["code"])]
        verdicts = look_first.construct_verdicts(
            as_groups, organisation, constructs, measures=tuple(scale_constructs["code"])
        )
        groups_hidden = int(
            (~(as_groups["status"] == privacy.SHOWN).groupby(as_groups["team"]).any()).sum()
        )
        group_scope = dataclasses.replace(scope, k=k)
        ui.panel(
            panels.heatmap_panel(
                as_groups,
                scale_constructs,
                organisation,
                title=title,
                group="group",
                reading=readings.group_verdicts_reading(
                    verdicts, groups_shown=verdicts["team"].nunique(), groups_hidden=groups_hidden
                ),
                key="equity_heatmap",
                scope=group_scope,
                notes=(panels.hidden_note(k),),
            )
        )
        worse = verdicts[verdicts["worse"].astype(bool)]
        for row in worse.itertuples(index=False):
            st.text(f"\u2022 {row.team}: {row.reason}")


def unfair_scrutiny() -> None:
    ethnic_k = equity.min_group_size_for(("ethnicity",), rules)
    by_ethnicity = equity.construct_by_attribute(
        con, filters=filters, attributes=("ethnicity",), rules=rules
    )
    scrutiny = by_ethnicity[by_ethnicity["construct"] == "unfair_scrutiny"].rename(
        columns={"ethnicity": "team"}
    )
    if scrutiny.empty:
        st.info("This survey did not ask about unfair scrutiny.")
        return
    ui.panel(
        panels.team_panel(
            scrutiny,
            organisation[organisation["construct"] == "unfair_scrutiny"],
            value="share_high",
            kind=figures.SHARE,
            title="Unfair scrutiny by ethnic group",
            what="the share who feel more scrutinised than colleagues",
            axis_title="Share who feel more scrutinised than colleagues (score 4 or more)",
            reading=readings.scrutiny_reading,
            key="equity_scrutiny",
            scope=dataclasses.replace(scope, k=ethnic_k),
            group="ethnic group",
            notes=(panels.hidden_note(ethnic_k),),
            heading=False,
            clickable=False,
        )
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
        thresholds = (
            f"(ethnicity, gender, disability and age band need {rules.sensitive_min_group_size}, "
            f"career stage and role {rules.min_group_size})"
        )
        ui.panel(
            panels.profile_panel(
                profile,
                names=equity.ATTRIBUTE_NAMES,
                reading=readings.profile_reading(
                    profile, wave=str(wave_label), thresholds=thresholds
                ),
                key="equity_profile",
                scope=scope,
            )
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
