"""Audit log: who signed in, imported, withdrew, changed settings or downloaded what (HR only)."""

import streamlit as st

from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.present import tables

ui.require_role(roles.HR_ADMIN)
st.title("Audit log")
con = ui.cursor()

chain = audit_log.verify(con)
if chain.intact:
    st.success(chain.sentence(), icon=":material/verified:")
else:
    st.error(chain.sentence(), icon=":material/gpp_bad:")

left, right = st.columns(2)
action = left.selectbox(
    "What",
    list(audit_log.ACTION_NAMES),
    index=None,
    format_func=audit_log.ACTION_NAMES.get,
    placeholder="Everything",
    key="audit_action",
)
username = right.text_input("Who (user name or email)", key="audit_username").strip().lower()
events = audit_log.events(con, action=action, username=username or None, limit=5000)

if events.empty:
    st.info("Nothing recorded for this choice yet.")
    st.stop()

st.dataframe(
    events,
    hide_index=True,
    width="stretch",
    key="audit_table",
    column_config={
        "happened_at": st.column_config.DatetimeColumn(
            "When (UK time)", format="D MMM YYYY, HH:mm:ss"
        ),
        "username": "Who",
        "action": "What",
        "detail": "Detail",
    },
)
st.caption(
    f"The newest {len(events):,} entries. Entries are never edited or removed; each one's "
    "hash covers the one before, so a change made outside the dashboard shows above."
)
ui.table_downloads(
    tables.plain_table(
        events,
        columns={
            "happened_at": ("When (UK time)", tables.DATETIME),
            "username": ("Who", tables.TEXT),
            "action": ("What", tables.TEXT),
            "detail": ("Detail", tables.TEXT),
        },
    ),
    key="audit_log",
    file_stem="audit-log",
)
