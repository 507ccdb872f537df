"""Measures: what each asks wave by wave, its trend (with breaks), and how reliable it is."""

import streamlit as st

from queries import measures, settings, survey
from wellbeing import ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.core.measures import runs_higher_is_better
from wellbeing.present import figures, panels, plain, tables, words
from wellbeing.present import measures as measure_views

user = ui.require_role(*roles.EVERYONE)
st.title("Measures")
con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)

constructs = survey.constructs(con)
waves = survey.waves(con)
if waves.empty:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

names = dict(zip(constructs["code"], constructs["name"], strict=True))
own_codes = set(constructs.loc[constructs["own"], "code"])
code = st.selectbox(
    "Measure",
    list(names),
    format_func=lambda c: names[c] + ("  (the council's own)" if c in own_codes else ""),
    key="measures_measure",
)
row = constructs.set_index("code").loc[code]
name = str(row["name"])
better = runs_higher_is_better("default", code, row["higher_is_better"])
scale = f"{row['scale_min']:g}-{row['scale_max']:g}"
# Names, descriptions and questions may be HR's or a file's own words: shown as text.
st.text(str(row["description"] or ""))
st.caption(
    plain.markdown(
        f"On {scale}; {'higher' if better else 'lower'} is better"
        + (f'; "high" is {row["high_cutoff"]:g} or more' if row["own"] else "")
        + ("; a measure of the council's own" if row["own"] else "; built in")
        + "."
    )
)

by_wave = measures.measure_questions_by_wave(con)
breaks = measure_views.trend_breaks(by_wave, waves, construct=code)

st.subheader("Across waves")
org_rows = survey.construct_by_wave_for_organisation(
    con, filters=filters, constructs=[code], rules=rules
)
if org_rows.empty:
    st.info("No scores on this measure match these filters in any wave.")
else:
    ui.panel(
        panels.trend_panel(
            figures.trend(org_rows, value="mean_score", kind=figures.SCORE, sd="sd"),
            title=f"{name} across waves",
            what=f"{name} ({scale})",
            kind=figures.SCORE,
            axis_title=f"{name}, {scale}",
            key="measures_trend",
            scope=ui.scope(con, filters, k=rules.min_group_size),
            breaks=breaks,
            scale=(float(row["scale_min"]), float(row["scale_max"])),
            heading=False,
        )
    )

st.subheader("What it asked, wave by wave")
asked = by_wave[by_wave["construct"] == code].merge(
    waves[["id", "label"]], left_on="wave_id", right_on="id"
)
if asked.empty:
    st.caption("No wave has asked this measure's questions yet.")
for wave in asked.itertuples(index=False):
    with st.expander(
        f"{plain.markdown(wave.label)}: {words.count(len(wave.questions), 'question')}"
    ):
        for question in wave.questions:
            st.text(f"\u2022 {question}")
        st.caption(plain.markdown("Answer scales: " + ", ".join(wave.scales)))

if user.role != roles.HR_ADMIN:
    st.stop()

st.subheader("Reliability (HR only)")
st.caption(
    "Cronbach's alpha: how consistently the measure's questions move together, from the "
    "answers of respondents who answered them all; below 0.7 its questions may not measure one "
    "thing. Each question's item-rest correlation is its agreement with the rest of the measure; "
    "a negative one suggests it is keyed the wrong way. Worked out from individual answers, so "
    "shown to HR only."
)
for wave in asked.itertuples(index=False):
    found = measures.measure_reliability(con, wave_id=int(wave.wave_id), construct=code)
    if found is None:
        st.caption(plain.markdown(f"{wave.label}: one question, so no reliability to work out."))
        continue
    table = measure_views.reliability_table(found)
    reading = f"{wave.label}, " + measure_views.reliability_reading(found, name=name)
    if found.low:
        st.warning(plain.markdown(reading), icon=":material/warning:")
    else:
        st.markdown(plain.markdown(reading))
    ui.table(
        tables.plain_table(
            table,
            columns={
                "question": ("Question", tables.TEXT),
                "item_rest_correlation": ("Item-rest correlation", tables.NUMBER),
            },
        ),
        key=f"measures_reliability_{wave.wave_id}",
        title=f"Reliability of {name}, {wave.label}",
    )

if not row["own"]:
    st.stop()

st.subheader("Change this measure (HR only)")
st.caption("Every change is a new version; waves already imported keep the version they used.")
with st.form("measures_edit"):
    new_name = st.text_input("Name", value=name, key="measures_edit_name")
    new_description = st.text_input(
        "What it captures", value=str(row["description"] or ""), key="measures_edit_description"
    )
    direction = st.radio(
        "Which way is better",
        ["Higher is better", "Higher is worse"],
        index=0 if better else 1,
        horizontal=True,
        key="measures_edit_direction",
    )
    cutoff = st.number_input(
        'A score at or above this is "high"',
        min_value=float(row["scale_min"]),
        max_value=float(row["scale_max"]),
        value=float(row["high_cutoff"]),
        step=0.5,
        key="measures_edit_cutoff",
    )
    if st.form_submit_button("Save a new version", key="measures_edit_save"):
        version = measures.insert_measure_version(
            con,
            construct=code,
            name=new_name.strip() or name,
            description=new_description.strip(),
            higher_is_better=direction == "Higher is better",
            high_cutoff=float(cutoff),
            single_question=False,
            kind=str(row["kind"]),
            scale_min=float(row["scale_min"]),
            scale_max=float(row["scale_max"]),
            defined_by=user.audit_name,
        )
        audit_log.record(
            con,
            user=user,
            action=audit_log.MEASURES,
            detail=f"Measure '{code}' saved as version {version}.",
        )
        st.rerun()
versions = measures.measure_versions(con, construct=code)
ui.table(
    tables.plain_table(
        versions.assign(
            higher_is_better=versions["higher_is_better"].map(
                {True: "Higher is better", False: "Higher is worse"}
            )
        ),
        columns={
            "version": ("Version", tables.COUNT),
            "name": ("Name", tables.TEXT),
            "description": ("What it captures", tables.TEXT),
            "higher_is_better": ("Which way is better", tables.TEXT),
            "high_cutoff": ('"High" from', tables.NUMBER),
            "defined_by": ("Saved by", tables.TEXT),
            "defined_at": ("Saved at", tables.DATETIME),
        },
    ),
    key="measures_versions",
    title=f"Versions of {name}",
)
