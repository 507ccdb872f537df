"""Upload: HR brings in an export, maps its columns, checks every cell, then imports it."""

from pathlib import Path

import streamlit as st

from queries import imports, survey
from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles, scales
from wellbeing.ingest import kinds, mapping, reading, uploads
from wellbeing.ingest import supervision as supervision_import
from wellbeing.ingest import survey as survey_import
from wellbeing.ingest.reading import ImportProblem
from wellbeing.present import measures as measure_views
from wellbeing.present import plain, words

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
is_survey = kind.name == survey_import.KIND
new_measures: dict[str, survey_import.NewMeasure] = st.session_state.setdefault(
    "upload_new_measures", {}
)
targets = survey_import.targets(con, new=new_measures) if is_survey else kind.targets()
columns = list(table.frame.columns)
widget_keys = {column: f"upload_map_{position}" for position, column in enumerate(columns)}
# The mapping in use, kept outside the widgets: Streamlit forgets a widget's value when
# the page is left, and coming back must show (and apply) the mapping the banner names.
CHOSEN = "upload_chosen_mapping"


def apply_mapping(chosen: dict[str, str]) -> None:
    for column, key in widget_keys.items():
        st.session_state[key] = chosen.get(column, mapping.IGNORE)
    st.session_state[CHOSEN] = {column: chosen.get(column, mapping.IGNORE) for column in columns}


# A new file (or kind) starts from the suggestion: a saved mapping if one fits, else headers
# and, for a survey's own questions, their wording.
file_key = (table.sha256, kind.name, tuple(columns))
if st.session_state.get("upload_file_key") != file_key:
    saved_name, suggested = kind.suggest(con, table)
    apply_mapping(suggested)
    st.session_state["upload_file_key"] = file_key
    st.session_state["upload_mapping_source"] = saved_name
    st.session_state["upload_sureness"] = (
        survey_import.question_suggestions(con, table) if is_survey else {}
    )
    st.session_state["upload_reverse_choices"] = {}
elif any(key not in st.session_state for key in widget_keys.values()):
    apply_mapping(st.session_state.get(CHOSEN, {}))
if st.session_state.get("upload_mapping_source"):
    st.success(
        f"Using saved mapping '{plain.markdown(st.session_state['upload_mapping_source'])}'. "
        "Check it, change anything that is wrong, then look at the problems below.",
        icon=":material/bookmark:",
    )
elif is_survey:
    st.caption(
        "Suggested from the column headers and, for each question, from its wording: each "
        "says how sure it is. Change anything that is wrong."
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

sureness = st.session_state.get("upload_sureness", {})
for column in columns:
    key = widget_keys[column]
    if st.session_state.get(key) not in targets:
        st.session_state[key] = mapping.IGNORE
    name_cell, target_cell = st.columns([2, 3])
    examples = [value for value in table.frame[column].head(50).unique() if value.strip()][:3]
    question = table.question_text.get(column)
    # Headers and answers are the file's own text: shown as written, never as Markdown.
    name_cell.markdown(
        f"**{plain.markdown(column)}**" + (f"  \n{plain.markdown(question)}" if question else "")
    )
    name_cell.caption(
        plain.markdown("e.g. " + " | ".join(examples)) if examples else "(empty in the first rows)"
    )
    target_cell.selectbox(
        f"Meaning of {plain.markdown(column)}",
        list(targets),
        format_func=targets.get,
        key=key,
        label_visibility="collapsed",
    )
    found = sureness.get(column)
    if found is not None and st.session_state[key] == found.target:
        target_cell.caption(
            plain.markdown(f"Suggested from its wording: {found.sureness} ({found.why}).")
        )

if is_survey:
    with (
        st.expander("Make a new measure for questions with no built-in equivalent"),
        st.form("upload_new_measure", border=False),
    ):
        measure_name = st.text_input("Name", key="upload_new_measure_name")
        measure_description = st.text_input(
            "What it captures", key="upload_new_measure_description"
        )
        direction = st.radio(
            "Which way is better",
            ["Higher is better", "Higher is worse"],
            horizontal=True,
            key="upload_new_measure_direction",
        )
        cutoff = st.number_input(
            'A score at or above this is "high" (on 1-5)',
            min_value=1.0,
            max_value=5.0,
            value=4.0,
            step=0.5,
            key="upload_new_measure_cutoff",
        )
        if st.form_submit_button("Make this measure", key="upload_new_measure_make"):
            if not measure_name.strip():
                st.error("Give the measure a name.")
            else:
                code = survey_import.measure_code(
                    measure_name, {**survey_import.stored_measures(con), **new_measures}
                )
                new_measures[code] = survey_import.NewMeasure(
                    code=code,
                    name=measure_name.strip(),
                    description=measure_description.strip(),
                    higher_is_better=direction == "Higher is better",
                    high_cutoff=float(cutoff),
                )
                st.toast(f"Made the measure '{measure_name.strip()}': choose it for its questions.")
                st.rerun()

chosen = {column: st.session_state[widget_keys[column]] for column in columns}
st.session_state[CHOSEN] = chosen
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

plan = None
if is_survey:
    own_columns = [
        column
        for column, target in chosen.items()
        if target == survey_import.SINGLE or target.startswith(survey_import.MEASURE)
    ]
    scale_choices = {}
    every_scale = {scale.name: scale for scale in scales.every_scale()}
    for position, column in enumerate(own_columns):
        detected = survey_import.detect_scale(table, column)
        if detected.scale is not None:
            continue
        if position == 0 or not scale_choices:
            st.subheader("Answer scales to confirm")
        offered = [scale.name for scale in detected.candidates] or list(every_scale)
        choice = st.selectbox(
            f"Answer scale of \u201c{column}\u201d ({detected.why})",
            offered,
            index=None,
            format_func=lambda name: every_scale[name].describe(),
            key=f"upload_scale_{columns.index(column)}",
            placeholder="Choose the scale the question was asked on",
        )
        if choice:
            scale_choices[column] = choice
    plan = survey_import.SurveyPlan(
        measures=dict(new_measures),
        scales=scale_choices,
        reverse=dict(st.session_state.get("upload_reverse_choices", {})),
        replace_earlier=bool(st.session_state.get("upload_replace_earlier", False)),
    )
options = kinds.ImportOptions(wave=wave, day_first=day_first, data_date=data_date, plan=plan)

st.subheader("Problems to fix")
try:
    prepared = kind.prepare(con, table, chosen, options=options)
except ImportProblem as problem:
    st.error(plain.markdown(str(problem)), icon=":material/error:")
    st.stop()
for note in prepared.notes:
    if not personal or note != mapping.personal_note(personal):  # already shown above
        st.info(plain.markdown(note), icon=":material/info:")


def remember_reverse(column: str, key: str) -> None:
    st.session_state.setdefault("upload_reverse_choices", {})[column] = st.session_state[key]


if is_survey and prepared.questions:
    st.subheader("The council's own questions")
    st.caption(
        "Each answer is moved onto its measure's range: y = a + (x - low) \u00d7 (b - a) / "
        "(high - low), so a 1-4 answer of 3 is 3.67 on 1-5. Reverse keying is suggested from "
        "the wording and checked against the other questions of the measure; confirm it."
    )
    for question in prepared.questions:
        measure = prepared.measures[question.measure]
        left, right = st.columns([3, 2])
        left.text(question.text)
        left.caption(
            plain.markdown(
                f"Into {measure.name}; answers on {question.scale.describe()}, rescaled onto "
                f"{measure.scale_min:g}-{measure.scale_max:g}"
                + (
                    f"; item-rest correlation {question.item_rest:.2f}"
                    if question.item_rest is not None
                    else ""
                )
            )
        )
        key = f"upload_reverse_{columns.index(question.column)}"
        right.checkbox(
            "Reverse keyed (agreeing means less of the measure)",
            value=question.reverse,
            key=key,
            on_change=remember_reverse,
            args=(question.column, key),
            help=question.reverse_why or "Nothing in its wording or answers suggests it.",
        )
        if question.suggested_reverse:
            right.caption(plain.markdown(f"Suggested: {question.reverse_why}."))
    for code, found in prepared.reliability.items():
        name = prepared.measures[code].name
        reading_text = measure_views.reliability_reading(found, name=name)
        if found.low:
            st.warning(plain.markdown(reading_text), icon=":material/warning:")
        else:
            st.caption(plain.markdown(reading_text))
rejected_rows = kind.rows_rejected(prepared)
valid_rows = prepared.rows_read - rejected_rows
if rejected_rows:
    st.warning(
        f"{words.count(len(prepared.rejects), 'cell')} in {rejected_rows:,} of "
        f"{words.count(prepared.rows_read, 'row')} have problems. Those rows will not be "
        "imported: fix the file and upload it again, or import the valid rows now.",
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
if is_survey:
    earlier = survey_import.earlier_respondents(con, prepared, wave=wave)
    if len(earlier):
        st.warning(
            plain.markdown(survey_import.duplicate_sentence(earlier, wave=wave)),
            icon=":material/group:",
        )
        st.dataframe(
            earlier[["row", "earlier_upload"]], hide_index=True, key="upload_earlier_respondents"
        )
        st.checkbox(
            "Replace their earlier answers with this file's (a correction; recorded in the "
            "audit log)",
            key="upload_replace_earlier",
        )
        if not st.session_state.get("upload_replace_earlier"):
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
    if report.replaced:
        audit_log.record(
            con,
            user=user,
            action=audit_log.REPLACE,
            detail=(
                f"Upload #{report.upload_id} ({uploaded.name}) replaced the earlier answers of "
                f"{words.count(report.replaced, 'respondent')} in {wave}."
            ),
        )
    st.session_state.pop("upload_new_measures", None)
    # No page caches query results today; this keeps it true if one ever does.
    st.cache_data.clear()
    st.session_state["upload_report"] = report
    st.session_state["upload_round"] = round_number + 1
    st.session_state.pop("upload_file_key", None)
    st.rerun()
