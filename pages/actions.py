"""Action plans: what is being done about a measure, by whom, and whether the measure moved."""

import pandas as pd
import streamlit as st

from queries import actions, settings, survey
from wellbeing import ui
from wellbeing.access import action_plans
from wellbeing.core import action_rules, roles
from wellbeing.present import action_outcomes, charts, exports, figures, panels, tables

user = ui.require_role(*roles.EVERYONE)
st.title("Action plans")
st.caption(
    "What HR, leaders and team managers are doing about a measure, for a team, a service or the "
    "whole organisation. At the first survey wave after an action starts, its measure is set "
    "against the wave before it and against the organisation's change over the same two waves."
)
con = ui.cursor()
rules = settings.rules(con)
k = rules.min_group_size

done = st.session_state.pop("actions_done", None)
if done:
    st.success(done, icon=":material/check_circle:")

hierarchy = survey.team_hierarchy(con)
team_names = sorted(hierarchy["team"].astype("str").unique())
service_names = sorted(hierarchy["service"].dropna().astype("str").unique())
units = {
    action_rules.TEAM: team_names,
    action_rules.SERVICE: service_names,
    action_rules.ORGANISATION: [None],
}


def measure_name(code: str) -> str:
    return action_rules.MEASURES[code]


def scope_name(scope: str) -> str:
    return action_rules.SCOPE_NAMES[scope]


def unit_name(unit: str | None) -> str:
    return "The whole organisation" if unit is None else unit


if action_rules.may_plan(user):
    # A suggestion from the "Where to act" page fills the form once.
    suggested = st.session_state.pop("action_suggestion", None)
    if suggested:
        st.session_state["action_new_scope"] = suggested["scope"]
        st.session_state["action_new_unit"] = suggested["unit"]
        st.session_state["action_new_measure"] = suggested["measure"]
        st.info(
            "Filled in from \u201cWhere to act\u201d: say what will be done, who owns it "
            "and when it will be reviewed.",
            icon=":material/lightbulb:",
        )
    st.subheader("Record an action")
    scope = st.radio(
        "For", action_rules.SCOPES, format_func=scope_name, horizontal=True, key="action_new_scope"
    )
    if st.session_state.get("action_new_unit") not in units[scope]:
        st.session_state.pop("action_new_unit", None)
    with st.form("action_new", clear_on_submit=False, border=True):
        left, right = st.columns(2)
        unit = left.selectbox(
            "Team" if scope == action_rules.TEAM else "Service",
            units[scope],
            format_func=unit_name,
            disabled=scope == action_rules.ORGANISATION,
            key="action_new_unit",
        )
        measure = right.selectbox(
            "Measure it is meant to move",
            list(action_rules.MEASURES),
            format_func=measure_name,
            key="action_new_measure",
        )
        what = st.text_input(
            "What will be done",
            placeholder="e.g. Fortnightly reflective group supervision",
            key="action_new_what",
        )
        owner = left.text_input("Owner", key="action_new_owner")
        status = right.selectbox("Status", action_rules.STATUSES, key="action_new_status")
        started_on = left.date_input(
            "Starts", value=None, format="DD/MM/YYYY", key="action_new_start"
        )
        review_on = right.date_input(
            "Review", value=None, format="DD/MM/YYYY", key="action_new_review"
        )
        if st.form_submit_button(
            "Record action", type="primary", icon=":material/add_task:", key="action_new_submit"
        ):
            try:
                action_plans.create_action(
                    con,
                    user=user,
                    scope=scope,
                    unit=unit,
                    what=what,
                    measure=measure,
                    owner=owner,
                    started_on=started_on,
                    review_on=review_on,
                    status=status,
                )
            except action_plans.ActionProblem as problem:
                st.error(str(problem), icon=":material/error:")
            else:
                st.session_state["actions_done"] = f"Recorded: {what.strip()}."
                for key in ("action_new_what", "action_new_owner", "action_new_unit"):
                    st.session_state.pop(key, None)
                st.rerun()

plans = action_plans.visible_actions(con, user=user)
st.subheader("Actions and what moved")
if plans.empty:
    st.info(
        "No actions are recorded yet."
        + (" Record one above." if action_rules.may_plan(user) else " HR or a leader records them.")
    )
    st.stop()

measured = {}
results = []
for action in plans.to_dict("records"):
    key = (action["scope"], action["unit"], action["measure"])
    if key not in measured:
        measured[key] = actions.measure_by_wave(
            con, scope=action["scope"], unit=action["unit"], measure=action["measure"], rules=rules
        )
    results.append(action_outcomes.before_after(action, *measured[key]))
table = action_outcomes.outcomes_table(plans, results)
st.dataframe(
    table,
    hide_index=True,
    key="actions_table",
    column_config={
        "Started": st.column_config.DateColumn(format="DD/MM/YYYY"),
        "Review": st.column_config.DateColumn(format="DD/MM/YYYY"),
        "Before": st.column_config.NumberColumn(format="%.2f"),
        "After": st.column_config.NumberColumn(format="%.2f"),
        "Change against organisation": st.column_config.NumberColumn(format="%+.2f"),
        "95% interval low": st.column_config.NumberColumn(format="%+.2f"),
        "95% interval high": st.column_config.NumberColumn(format="%+.2f"),
    },
)
st.caption(
    "Before and after are mean scores (1-5) in the last wave before the action started and the "
    "first wave after. The change against the organisation is the scope's change less the "
    "organisation's over the same two waves (for an organisation-wide action, its own change). "
    "\u201cCould be chance\u201d means the 95% interval includes no change. A change that follows "
    "an action is not proof the action caused it. " + panels.hidden_note(k)
)
ui.table_downloads(
    tables.Table(
        table,
        {
            "Started": tables.DATE,
            "Review": tables.DATE,
            "Before": tables.SCORE,
            "After": tables.SCORE,
            "Change against organisation": tables.NUMBER,
            "95% interval low": tables.NUMBER,
            "95% interval high": tables.NUMBER,
        },
    ),
    key="actions_download",
    file_stem=exports.file_stem("Action plans"),
)
for action, result in zip(plans.to_dict("records"), results, strict=True):
    st.text(f"A{action['id']}. {action['what']}: {action_outcomes.reading(action, result)}")

st.subheader("An action on its trend")
labels = {
    f"A{row['id']} \u00b7 {action_outcomes.where(row)} \u00b7 {row['what']}": row
    for row in plans.to_dict("records")
}
chosen_label = st.selectbox("Action", list(labels), key="action_trend_choice")
chosen = labels[chosen_label]
scoped, organisation = measured[(chosen["scope"], chosen["unit"], chosen["measure"])]
organisation_trend = figures.trend(organisation, value="mean_score", kind=figures.SCORE, sd="sd")
scope_trend = (
    None
    if chosen["scope"] == action_rules.ORGANISATION
    else figures.trend(scoped, value="mean_score", kind=figures.SCORE, sd="sd")
)
same_measure = plans[
    (plans["measure"] == chosen["measure"])
    & (plans["scope"] == chosen["scope"])
    & (plans["unit"].fillna("") == (chosen["unit"] or ""))
]
markers = action_outcomes.markers(same_measure, organisation)
measure_label = action_rules.MEASURES[chosen["measure"]]
st.markdown(
    f"Mean {measure_label.lower()} wave by wave for "
    f"{'the organisation' if scope_trend is None else 'this ' + chosen['scope']}"
    + ("" if scope_trend is None else " and the organisation")
    + ", with the actions on it marked."
)
st.plotly_chart(
    charts.trend_lines(
        organisation_trend,
        kind=figures.SCORE,
        axis_title=f"Mean {measure_label.lower()}, 1-5",
        team=None if scope_trend is None else str(chosen["unit"]),
        team_trend=scope_trend,
        actions=markers,
    ),
    key="action_trend",
    width="stretch",
)
trend_table = pd.DataFrame(
    {
        "Wave": organisation_trend["wave"],
        "Organisation": organisation_trend["value"],
        **(
            {}
            if scope_trend is None
            else {
                str(chosen["unit"]): scope_trend.set_index("wave")["value"]
                .reindex(organisation_trend["wave"])
                .to_numpy()
            }
        ),
    }
)
st.dataframe(trend_table, hide_index=True, key="action_trend_table")
for text in markers["text"]:
    st.text(text)

may_update = [
    action_rules.may_update(user, scope=scope, unit=unit)
    for scope, unit in zip(plans["scope"], plans["unit"], strict=True)
]
editable = plans[may_update]
if editable.empty:
    st.stop()
st.subheader("Update an action")
by_label = {
    f"A{row['id']} \u00b7 {action_outcomes.where(row)} \u00b7 {row['what']}": row
    for row in editable.to_dict("records")
}
edit_label = st.selectbox(
    "Action to update",
    list(by_label),
    index=None,
    placeholder="Choose an action",
    key="action_edit_choice",
)
if edit_label is None:
    st.stop()
row = by_label[edit_label]
action_id = int(row["id"])
with st.form(f"action_edit_{action_id}", border=True):
    left, right = st.columns(2)
    new_what = st.text_input("What will be done", value=row["what"], key=f"action_what_{action_id}")
    new_measure = left.selectbox(
        "Measure",
        list(action_rules.MEASURES),
        index=list(action_rules.MEASURES).index(row["measure"]),
        format_func=measure_name,
        key=f"action_measure_{action_id}",
    )
    new_status = right.selectbox(
        "Status",
        action_rules.STATUSES,
        index=action_rules.STATUSES.index(row["status"]),
        key=f"action_status_{action_id}",
    )
    new_owner = left.text_input("Owner", value=row["owner"], key=f"action_owner_{action_id}")
    new_review = right.date_input(
        "Review",
        value=pd.Timestamp(row["review_on"]).date(),
        format="DD/MM/YYYY",
        key=f"action_review_{action_id}",
    )
    new_start = left.date_input(
        "Starts",
        value=pd.Timestamp(row["started_on"]).date(),
        format="DD/MM/YYYY",
        key=f"action_start_{action_id}",
    )
    if st.form_submit_button(
        "Save", type="primary", icon=":material/save:", key=f"action_save_{action_id}"
    ):
        try:
            action_plans.update_action(
                con,
                user=user,
                action_id=action_id,
                scope=row["scope"],
                unit=row["unit"],
                what=new_what,
                measure=new_measure,
                owner=new_owner,
                started_on=new_start,
                review_on=new_review,
                status=new_status,
            )
        except (action_plans.ActionProblem, action_plans.NotAllowed) as problem:
            st.error(str(problem), icon=":material/error:")
        else:
            st.session_state["actions_done"] = f"Saved: {new_what.strip()}."
            st.session_state.pop("action_edit_choice", None)
            st.rerun()
