"""Change log: HR records restructures, new systems, manager changes and policy changes.

The change-fatigue charts draw these events on the timeline; a change log can
also be uploaded as a spreadsheet on the Upload page.
"""

import pandas as pd
import streamlit as st

from queries import change_log
from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.core.vocabulary import (
    CHANGE_KIND_NAMES,
    CHANGE_KINDS,
    MAX_TEXT_CHARS,
    ORGANISATION_WIDE,
)
from wellbeing.present import plain, tables

user = ui.require_role(roles.HR_ADMIN)
st.title("Change log")
st.caption(
    "Restructures, new systems, manager changes and policy changes, team by team or across "
    "the organisation. They are drawn on the change-fatigue timeline and counted in the "
    "12 months before each survey wave."
)
con = ui.cursor()

done = st.session_state.pop("change_log_done", None)
if done:
    st.success(plain.markdown(done), icon=":material/check_circle:")

team_choices = [ORGANISATION_WIDE, *change_log.teams(con)]
events = change_log.change_log(con)


def kind_name(kind: str) -> str:
    return CHANGE_KIND_NAMES[kind]


with st.form("change_add", clear_on_submit=True, border=True):
    st.subheader("Add a change")
    left, right = st.columns(2)
    team = left.selectbox("Team", team_choices, key="change_add_team")
    started_on = right.date_input(
        "Started on", value=None, format="DD/MM/YYYY", key="change_add_date"
    )
    title = st.text_input(
        "What changed",
        placeholder="e.g. New case recording system went live",
        key="change_add_title",
        max_chars=MAX_TEXT_CHARS,
    )
    kind = st.selectbox(
        "Kind of change", CHANGE_KINDS, format_func=kind_name, key="change_add_kind"
    )
    if st.form_submit_button(
        "Add change", type="primary", icon=":material/add:", key="change_add_submit"
    ):
        try:
            change_id = change_log.add_change(
                con, team=team, started_on=started_on, title=title, kind=kind
            )
        except change_log.ChangeProblem as problem:
            st.error(plain.markdown(str(problem)), icon=":material/error:")
        else:
            audit_log.record(
                con,
                user=user,
                action=audit_log.CHANGE_LOG,
                detail=f"Added change #{change_id}: {started_on:%d/%m/%Y}, "
                f"{team}, {title.strip()} ({kind})",
            )
            st.session_state["change_log_done"] = f"Added: {title.strip()}."
            st.rerun()

st.subheader("Recorded changes")
if events.empty:
    st.info("No changes are recorded yet. Add one above, or upload a change log.")
    st.stop()

ui.table(
    tables.plain_table(
        events.assign(
            team=events["team"].fillna("organisation-wide"),
            kind=events["kind"].map(kind_name),
            withdrawn=events["withdrawn"].map({True: "yes", False: ""}),
        ),
        columns={
            "started_on": ("Started on", tables.DATE),
            "team": ("Team", tables.TEXT),
            "title": ("What changed", tables.TEXT),
            "kind": ("Kind", tables.TEXT),
            "source": ("Source", tables.TEXT),
            "withdrawn": ("Hidden (upload withdrawn)", tables.TEXT),
        },
    ),
    key="change_log_table",
    title="Recorded changes",
)

st.subheader("Correct or delete a change")
# Labels as the options (ids would need a format function the widget state cannot hold).
ids_by_label = {
    f"{pd.Timestamp(row.started_on):%d/%m/%Y} \u00b7 {row.team} \u00b7 {row.title} "
    f"(#{row.id})": int(row.id)
    for row in events.itertuples(index=False)
}
label = st.selectbox(
    "Change",
    list(ids_by_label),
    index=None,
    placeholder="Choose a change to correct or delete",
    key="change_edit_id",
)
if label is None:
    st.stop()

chosen = ids_by_label[label]
row = events[events["id"] == chosen].iloc[0]
choices = team_choices if row["team"] in team_choices else [*team_choices, row["team"]]
with st.form(f"change_edit_{chosen}", border=True):
    left, right = st.columns(2)
    new_team = left.selectbox(
        "Team", choices, index=choices.index(row["team"]), key=f"change_edit_team_{chosen}"
    )
    new_date = right.date_input(
        "Started on",
        value=pd.Timestamp(row["started_on"]).date(),
        format="DD/MM/YYYY",
        key=f"change_edit_date_{chosen}",
    )
    new_title = st.text_input(
        "What changed",
        value=row["title"],
        key=f"change_edit_title_{chosen}",
        max_chars=MAX_TEXT_CHARS,
    )
    new_kind = st.selectbox(
        "Kind of change",
        CHANGE_KINDS,
        index=CHANGE_KINDS.index(row["kind"]),
        format_func=kind_name,
        key=f"change_edit_kind_{chosen}",
    )
    if st.form_submit_button(
        "Save", type="primary", icon=":material/save:", key=f"change_edit_submit_{chosen}"
    ):
        try:
            change_log.update_change(
                con,
                change_id=int(chosen),
                team=new_team,
                started_on=new_date,
                title=new_title,
                kind=new_kind,
            )
        except change_log.ChangeProblem as problem:
            st.error(plain.markdown(str(problem)), icon=":material/error:")
        else:
            audit_log.record(
                con,
                user=user,
                action=audit_log.CHANGE_LOG,
                detail=f"Changed change #{chosen} from {pd.Timestamp(row['started_on']):%d/%m/%Y}, "
                f"{row['team']}, {row['title']} ({row['kind']}) to {new_date:%d/%m/%Y}, "
                f"{new_team}, {new_title.strip()} ({new_kind})",
            )
            st.session_state["change_log_done"] = f"Saved: {new_title.strip()}."
            st.session_state.pop("change_edit_id", None)  # its label has changed
            st.rerun()

confirm = st.checkbox("Yes, delete this change", key=f"change_delete_confirm_{chosen}")
if st.button(
    "Delete", icon=":material/delete:", disabled=not confirm, key=f"change_delete_{chosen}"
):
    try:
        change_log.delete_change(con, change_id=int(chosen))
    except change_log.ChangeProblem as problem:
        st.error(plain.markdown(str(problem)), icon=":material/error:")
    else:
        audit_log.record(
            con,
            user=user,
            action=audit_log.CHANGE_LOG,
            detail=f"Deleted change #{chosen}: {pd.Timestamp(row['started_on']):%d/%m/%Y}, "
            f"{row['team']}, {row['title']} ({row['kind']})",
        )
        st.session_state["change_log_done"] = f"Deleted: {row['title']}."
        st.session_state.pop("change_edit_id", None)
        st.rerun()
