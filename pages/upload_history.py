"""Upload history: every upload, who brought it in, and withdrawing or restoring one."""

import pandas as pd
import streamlit as st

from queries import imports, survey
from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.ingest import uploads
from wellbeing.ingest.reading import ImportProblem
from wellbeing.present import plain, tables, words

user = ui.require_role(roles.HR_ADMIN)
st.title("Upload history")
con = ui.cursor()

done = st.session_state.pop("history_done", None)
if done:
    st.success(plain.markdown(done), icon=":material/check_circle:")

history = imports.upload_history(con)
if history.empty:
    st.info("Nothing has been uploaded yet. Start on the Upload page.")
    st.page_link("pages/upload.py", label="Upload", icon=":material/upload:")
    st.stop()

ui.table(
    tables.plain_table(
        history.assign(
            upload=history["id"].map(lambda upload_id: f"#{upload_id}"),
            wave=history["wave"].fillna("not a survey"),
        ),
        columns={
            "upload": ("Upload", tables.TEXT),
            "status": ("Status", tables.TEXT),
            "kind": ("Kind", tables.TEXT),
            "file_name": ("File", tables.TEXT),
            "wave": ("Wave", tables.TEXT),
            "uploaded_by": ("Uploaded by", tables.TEXT),
            "uploaded_at": ("Uploaded at", tables.DATETIME),
            "rows_read": ("Rows read", tables.COUNT),
            "rows_stored": ("Stored", tables.COUNT),
            "rows_rejected": ("Rejected", tables.COUNT),
        },
    ),
    key="history_table",
    title="Every upload",
)
st.caption(
    "A withdrawn upload's rows are left out of every figure until it is restored; nothing "
    "is deleted."
)

st.subheader("One upload")
labels = {
    int(row.id): f"#{row.id} {row.file_name} ({row.kind}, {row.status})"
    for row in history.itertuples(index=False)
}
upload_id = st.selectbox("Upload", list(labels), format_func=labels.get, key="history_upload")
upload = history.set_index("id").loc[upload_id]


def what_it_would_hide(change) -> None:
    """For a survey upload of a wave leaders have seen: what the change would hide there."""
    if upload["kind"] != "survey" or pd.isna(upload["wave_id"]):
        return
    lost = survey.consequences_of_change(con, wave_id=int(upload["wave_id"]), change=change)
    if lost:
        st.warning(
            "Leaders have seen this wave. Decided together with what they saw (so that "
            "nobody can be worked out by comparing the figures before and after), this "
            "would hide:",
            icon=":material/visibility_off:",
        )
        for line in lost:
            st.text(f"- {line}")


if upload["status"] == "active":
    st.markdown("Its rows count in every figure.")
    what_it_would_hide(lambda: uploads.withdraw(con, upload_id))
    if st.button("Withdraw this upload", key="history_withdraw", icon=":material/visibility_off:"):
        try:
            uploads.withdraw(con, upload_id)
        except ImportProblem as problem:
            st.error(plain.markdown(str(problem)))
            st.stop()
        audit_log.record(con, user=user, action=audit_log.WITHDRAW, detail=labels[upload_id])
        st.cache_data.clear()
        st.session_state["history_done"] = (
            f"Upload #{upload_id} is withdrawn: its rows no longer count in any figure."
        )
        st.rerun()
else:
    st.markdown("It is **withdrawn**: its rows are left out of every figure.")
    what_it_would_hide(lambda: uploads.restore(con, upload_id))
    if st.button("Restore this upload", key="history_restore", icon=":material/visibility:"):
        try:
            uploads.restore(con, upload_id)
        except ImportProblem as problem:
            st.error(plain.markdown(str(problem)))
            st.stop()
        audit_log.record(con, user=user, action=audit_log.RESTORE, detail=labels[upload_id])
        st.cache_data.clear()
        st.session_state["history_done"] = (
            f"Upload #{upload_id} is restored: its rows count in every figure again."
        )
        st.rerun()

rejects = imports.upload_rejects(con, upload_id=upload_id)
if rejects.empty:
    st.caption("No cells were rejected in this upload.")
else:
    st.markdown(f"**{words.count(len(rejects), 'rejected cell')}**, not stored:")
    ui.table(
        tables.plain_table(
            rejects,
            columns={
                "row": ("Row", tables.COUNT),
                "column": ("Column", tables.TEXT),
                "value": ("Value", tables.TEXT),
                "reason": ("Why it was rejected", tables.TEXT),
            },
        ),
        key="history_rejects",
        title="Rejected cells",
    )
    st.download_button(
        "Download the rejected cells (CSV)",
        ui.audited_download(
            lambda: uploads.rejects_csv(rejects), file_name=f"upload_{upload_id}_problems.csv"
        ),
        file_name=f"upload_{upload_id}_problems.csv",
        mime="text/csv",
        key="history_rejects_csv",
        icon=":material/download:",
    )
