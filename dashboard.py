"""Entry point: page config, shared filters and the page router. Nothing else."""

import streamlit as st

from wellbeing import ui

st.set_page_config(
    page_title="Workforce wellbeing",
    page_icon=":material/diversity_3:",
    layout="wide",
)

con = ui.cursor()

pages = {
    "Explore": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/stress.py", title="Stress", icon=":material/psychology_alt:"),
        st.Page("pages/support_challenge.py", title="Support and challenge",
                icon=":material/balance:"),
        st.Page("pages/change_fatigue.py", title="Change fatigue",
                icon=":material/published_with_changes:"),
    ],
}

navigation = st.navigation(pages)
ui.demo_notice(con)
ui.shared_filters(con)
navigation.run()
