"""Response rates: survey respondents against staff in post, team by team."""

import streamlit as st

from queries import response_rates, settings
from wellbeing import ui
from wellbeing.core import roles
from wellbeing.present import panels, plain

ui.require_role(roles.HR_ADMIN, roles.LEADER)
st.title("Response rates")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

scope = ui.scope(con, filters, k=k, subgroups=False)
rates = response_rates.response_rates_by_team(con, filters=filters, rules=rules)
if rates["headcount"].isna().all():
    st.info(
        "Response rates need a staff list to count staff in post. HR can add one on the Upload "
        "page; until then only respondent counts are known (see the Overview)."
    )
    st.stop()

low = response_rates.LOW_RESPONSE_RATE
st.caption(
    f"{plain.markdown(scope.wave)} \u00b7 staff in post on the wave's closing date, from the "
    "latest staff list; "
    "the role and career-stage filters do not apply here."
)
ui.panel(
    panels.response_rate_panel(
        rates,
        low_rate=low,
        key="response_rates",
        scope=scope,
        notes=(
            panels.hidden_note(k),
            f"A hidden team is still flagged when its rate must be under {low:.0%} (fewer than "
            f"{k} respondents from at least {2 * k} staff).",
        ),
    )
)
