"""Survey design: the recommended questions and answer scales, ready for Forms."""

import streamlit as st

from wellbeing import ui
from wellbeing.core import roles
from wellbeing.present import survey_design

ui.require_role(roles.HR_ADMIN)
st.title("Survey design")
st.markdown(
    "Run the recommended survey in Microsoft Forms or Google Forms and its export imports "
    "with no mapping at all. Paste each block below into the form builder: the first line is "
    "the question, each line after it an answer option. Ask the questions with the answer "
    "options exactly as written."
)

st.subheader("Column headers that import with no mapping")
st.caption(
    "The form's questions become the export's column headers. These are recognised as they "
    "are (the respondent ID your tool adds, the respondent fields, then each question): keep "
    "their wording and the export needs no mapping. A council's own wording imports too, "
    "with each question's measure suggested from its words."
)
st.dataframe(
    {"column header": survey_design.headers_with_no_mapping()},
    hide_index=True,
    key="survey_design_headers",
)

st.subheader("The questions, with their answer scales")
st.dataframe(survey_design.questions(), hide_index=True, key="survey_design_questions")

st.subheader("To paste into a form")
st.code(survey_design.forms_text(), language=None)

downloads = (
    ("Questions (CSV)", survey_design.questions_csv(), "questions.csv", "text/csv"),
    ("Text for Forms (TXT)", survey_design.forms_text().encode(), "for_forms.txt", "text/plain"),
    (
        "Empty export with the headers (CSV)",
        survey_design.template_csv(),
        "headers.csv",
        "text/csv",
    ),
)
# One row that wraps when narrow: in three equal columns a long label was cut short at 1024 px.
row = st.container(horizontal=True, gap="small")
for label, data, name, mime in downloads:
    row.download_button(
        label,
        data,
        file_name=f"wellbeing_survey_{name}",
        mime=mime,
        key=f"survey_design_{name.replace('.', '_')}",
        icon=":material/download:",
    )
