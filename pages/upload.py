"""Upload: HR brings in an export, maps its columns, checks every cell, then imports it."""

from pathlib import Path

import streamlit as st

from queries import imports, survey
from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.ingest import kinds, mapping, reading, uploads
from wellbeing.ingest import supervision as supervision_import
from wellbeing.ingest.reading import ImportProblem
from wellbeing.present import plain

user = ui.require_role(roles.HR_ADMIN)
st.title("Upload an export")
con = ui.cursor()

# The report of an import that just finished survives the rerun that clears the uploader.
report = st.session_state.pop("upload_report", None)
if report is not None:
    st.success(plain.markdown(report.summary()), icon=":material/check_circle:")
    for note in report.notes:
        st.caption(plain.markdown(note))
    st.markdown("The figures already include it:")
    st.page_link("pages/overview.py", label="Overview", icon=":material/dashboard:")
    st.page_link("pages/upload_history.py", label="Upload history", icon=":material/history:")

kind_names = [kind.name for kind in kinds.all_kinds()]
kind = kinds.get(
    st.selectbox(
        "What kind of export is it?",
        kind_names,
        format_func=lambda name: kinds.get(name).label,
        key="upload_kind",
    )
)
st.caption(kind.description)

limit_mb = uploads.max_upload_mb(con)
round_number = st.session_state.setdefault("upload_round", 0)
uploaded = st.file_uploader(
    f"Export file: CSV or Excel .xlsx, up to {limit_mb} MB, exactly as the tool exported it",
    type=["csv", "xlsx", "txt", "tsv"],
    key=f"upload_file_{round_number}",
    max_upload_size=limit_mb,
)
with st.expander("Reading options (only if the preview looks wrong)"):
    left, middle, right = st.columns(3)
    encoding_choice = left.selectbox(
        "Encoding", list(reading.ENCODING_CHOICES), key="upload_encoding"
    )
    delimiter_choice = middle.selectbox(
        "Delimiter", list(reading.DELIMITER_CHOICES), key="upload_delimiter"
    )
    day_first = (
        right.radio(
            "Dates are written",
            ["Day first (31/01/2026)", "Month first (01/31/2026)"],
            key="upload_date_order",
        )
        == "Day first (31/01/2026)"
    )

if uploaded is None:
    st.info(
        "Choose the file your survey tool exported. It is checked cell by cell before "
        "anything is stored, and nothing is stored until you press Import."
    )
    # The browser refuses a file over the limit before sending it, and marks it
    # only with a red sign in the box: the page says why (issue 18).
    st.caption(uploads.oversized_reason(limit_mb), help=uploads.OVERSIZED_HELP)
    st.stop()

data = uploaded.getvalue()
try:
    uploads.refuse_oversized(len(data), limit_mb=limit_mb)
    table = reading.read_export(
        data,
        uploaded.name,
        encoding=reading.ENCODING_CHOICES[encoding_choice],
        delimiter=reading.DELIMITER_CHOICES[delimiter_choice],
    )
    uploads.refuse_duplicate(con, sha256=table.sha256)
except ImportProblem as problem:
    st.error(plain.markdown(str(problem)), icon=":material/error:")
    st.stop()

st.subheader("What was understood")
st.markdown(f"**{plain.markdown(uploaded.name)}**: {plain.markdown(table.describe())}.")
for note in table.notes:
    st.info(plain.markdown(note), icon=":material/info:")
st.dataframe(table.frame.head(10), hide_index=True, key="upload_preview")
st.caption("The first 10 rows, as read. Every row is checked below.")

st.subheader("What each column means")
targets = kind.targets()
columns = list(table.frame.columns)
widget_keys = {column: f"upload_map_{position}" for position, column in enumerate(columns)}


def apply_mapping(chosen: dict[str, str]) -> None:
    for column, key in widget_keys.items():
        st.session_state[key] = chosen.get(column, mapping.IGNORE)


# A new file (or kind) starts from the suggestion: a saved mapping if one fits, else headers.
file_key = (table.sha256, kind.name, tuple(columns))
if st.session_state.get("upload_file_key") != file_key:
    saved_name, suggested = kind.suggest(con, table)
    apply_mapping(suggested)
    st.session_state["upload_file_key"] = file_key
    st.session_state["upload_mapping_source"] = saved_name
if st.session_state.get("upload_mapping_source"):
    st.success(
        f"Using saved mapping '{plain.markdown(st.session_state['upload_mapping_source'])}'. "
        "Check it, change anything that is wrong, then look at the problems below.",
        icon=":material/bookmark:",
    )
else:
    st.caption("Suggested from the column headers. Change anything that is wrong.")

saved_names = mapping.saved_mapping_names(con, kind=kind.name)
if saved_names:
    pick, apply = st.columns([3, 1], vertical_alignment="bottom")
    chosen_name = pick.selectbox("Saved mappings", saved_names, key="upload_saved_mapping")
    if apply.button("Apply this mapping", key="upload_apply_mapping"):
        saved = mapping.saved_mapping(con, name=chosen_name, kind=kind.name) or {}
        apply_mapping(saved)
        st.session_state["upload_mapping_source"] = chosen_name
        st.rerun()

for column in columns:
    key = widget_keys[column]
    if st.session_state.get(key) not in targets:
        st.session_state[key] = mapping.IGNORE
    name_cell, target_cell = st.columns([2, 3])
    examples = [value for value in table.frame[column].head(50).unique() if value.strip()][:3]
    question = table.question_text.get(column)
    name_cell.markdown(
        f"**{plain.markdown(column)}**" + (f"  \n{plain.markdown(question)}" if question else "")
    )
    name_cell.caption(
        "e.g. " + plain.markdown(" | ".join(examples)) if examples else "(empty in the first rows)"
    )
    target_cell.selectbox(
        f"Meaning of {plain.markdown(column)}",
        list(targets),
        format_func=targets.get,
        key=key,
        label_visibility="collapsed",
    )

chosen = {column: st.session_state[widget_keys[column]] for column in columns}
personal = [column for column, target in chosen.items() if target == mapping.PERSONAL]
if personal:
    st.info(plain.markdown(mapping.personal_note(personal)), icon=":material/shield_person:")

with st.form("upload_save_mapping_form", clear_on_submit=False, border=False):
    name_cell, save_cell = st.columns([3, 1], vertical_alignment="bottom")
    mapping_name = name_cell.text_input(
        "Save this mapping for the next export from the same tool",
        value=st.session_state.get("upload_mapping_source") or "",
        placeholder="e.g. Microsoft Forms staff survey",
        key="upload_mapping_name",
    )
    if save_cell.form_submit_button("Save mapping"):
        try:
            mapping.save_mapping(con, name=mapping_name, kind=kind.name, mapping=chosen)
        except ValueError as problem:
            st.error(plain.markdown(str(problem)))
        else:
            audit_log.record(
                con,
                user=user,
                action=audit_log.MAPPING,
                detail=f"Saved {kind.name} mapping '{mapping_name.strip()}' "
                f"({sum(t != mapping.IGNORE for t in chosen.values())} of {len(chosen)} "
                "columns used)",
            )
            st.session_state["upload_mapping_source"] = mapping_name.strip()
            st.toast(f"Saved mapping '{plain.markdown(mapping_name.strip())}'.")

wave = None
if kind.needs_wave:
    st.subheader("Which survey wave")
    existing = imports.wave_labels(con)
    choice = st.radio(
        "Wave",
        ["A new wave", "An existing wave"] if existing else ["A new wave"],
        horizontal=True,
        key="upload_wave_choice",
        label_visibility="collapsed",
    )
    if choice == "An existing wave":
        wave = st.selectbox("Existing wave", existing, key="upload_wave_existing")
    else:
        wave = st.text_input(
            "New wave name", placeholder="e.g. Autumn 2026", key="upload_wave_new"
        ).strip()
data_date = None
if kind.needs_data_date:
    data_date = st.date_input("The date this export describes", key="upload_data_date")

options = kinds.ImportOptions(wave=wave, day_first=day_first, data_date=data_date)

st.subheader("Problems to fix")
try:
    prepared = kind.prepare(con, table, chosen, options=options)
except ImportProblem as problem:
    st.error(plain.markdown(str(problem)), icon=":material/error:")
    st.stop()
for note in prepared.notes:
    if not personal or note != mapping.personal_note(personal):  # already shown above
        st.info(plain.markdown(note), icon=":material/info:")
rejected_rows = kind.rows_rejected(prepared)
valid_rows = prepared.rows_read - rejected_rows
if rejected_rows:
    st.warning(
        f"{len(prepared.rejects):,} cell(s) in {rejected_rows:,} of {prepared.rows_read:,} rows "
        "have problems. Those rows will not be imported: fix the file and upload it again, "
        "or import the valid rows now.",
        icon=":material/warning:",
    )
    st.dataframe(prepared.rejects, hide_index=True, key="upload_rejects")
    if kind.name == supervision_import.KIND:
        unknown = supervision_import.unknown_labels(prepared.rejects)
        if unknown:
            with st.form("supervision_labels", border=True):
                st.markdown(
                    "**Your system's own words.** Say what each label below means; the import "
                    "remembers it for every later supervision export."
                )
                meanings = {
                    (field, label): st.selectbox(
                        f"{field.capitalize()} \u201c{plain.markdown(label)}\u201d means",
                        choices,
                        index=None,
                        key=f"label_{field}_{label}",
                    )
                    for field, choices in supervision_import.LABEL_CHOICES.items()
                    for label in unknown.get(field, [])
                }
                if st.form_submit_button("Use these meanings", key="save_supervision_labels"):
                    supervision_import.save_labels(
                        con,
                        types={lab: v for (f, lab), v in meanings.items() if f == "type" and v},
                        statuses={
                            lab: v for (f, lab), v in meanings.items() if f == "status" and v
                        },
                    )
                    st.rerun()
    st.download_button(
        "Download the list of problems (CSV)",
        ui.audited_download(
            lambda: uploads.rejects_csv(prepared.rejects),
            file_name=f"{Path(uploaded.name).stem}_problems.csv",
        ),
        file_name=f"{Path(uploaded.name).stem}_problems.csv",
        mime="text/csv",
        key="upload_rejects_csv",
        icon=":material/download:",
    )
else:
    st.success(
        f"Every one of the {prepared.rows_read:,} rows passed the checks.",
        icon=":material/task_alt:",
    )

if valid_rows == 0:
    st.error(
        "None of the rows can be imported. Download the list of problems, fix the file and "
        "upload it again.",
        icon=":material/error:",
    )
    st.stop()
if kind.needs_wave and not wave:
    st.warning("Choose the wave these responses belong to, or name a new one.")
    st.stop()

existing_waves = {row.label: int(row.id) for row in survey.waves(con).itertuples()}
if kind.needs_wave and wave in existing_waves:
    # Late returns to a wave leaders have seen: what comparing before and after would hide.
    lost = survey.consequences_of_change(
        con,
        wave_id=existing_waves[wave],
        change=lambda: kind.import_file(
            con, table, chosen, uploaded_by=user.audit_name, options=options
        ),
    )
    if lost:
        st.warning(
            f"Leaders have already seen {plain.markdown(wave)}. So that nobody in these rows "
            "can be worked out by comparing the figures before and after, importing them "
            "would hide: "
            + plain.markdown("; ".join(lost))
            + ". Importing late returns together, at least as many as the minimum group size "
            "to a team, hides less.",
            icon=":material/visibility_off:",
        )

label = (
    f"Import the {valid_rows:,} valid rows" if rejected_rows else f"Import all {valid_rows:,} rows"
)
if st.button(label, type="primary", key="upload_import", icon=":material/upload:"):
    bar = st.progress(0.0, text="Starting")
    try:
        report = kind.import_file(
            con,
            table,
            chosen,
            uploaded_by=user.audit_name,
            mapping_name=st.session_state.get("upload_mapping_source"),
            options=options,
            progress=lambda fraction, message: bar.progress(fraction, text=message),
        )
    except ImportProblem as problem:
        bar.empty()
        st.error(f"Nothing was stored. {plain.markdown(problem)}", icon=":material/error:")
        st.stop()
    audit_log.record(
        con,
        user=user,
        action=audit_log.IMPORT,
        detail=f"{kind.name} {uploaded.name}: {report.summary()}",
    )
    # No page caches query results today; this keeps it true if one ever does.
    st.cache_data.clear()
    st.session_state["upload_report"] = report
    st.session_state["upload_round"] = round_number + 1
    st.session_state.pop("upload_file_key", None)
    st.rerun()
