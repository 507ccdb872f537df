"""Response rates: survey respondents against staff in post, team by team."""

import streamlit as st

from queries import response_rates, settings, survey
from wellbeing import privacy, ui
from wellbeing.core import roles
from wellbeing.present import charts, plain

ui.require_role(roles.HR_ADMIN, roles.LEADER)
st.title("Response rates")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

wave_label = survey.waves(con).set_index("id").loc[filters.wave_id, "label"]
rates = response_rates.response_rates_by_team(con, filters=filters, rules=rules)
if rates["headcount"].isna().all():
    st.info(
        "Response rates need a staff list to count staff in post. HR can add one on the Upload "
        "page; until then only respondent counts are known (see the Overview)."
    )
    st.stop()

st.caption(
    f"{plain.markdown(wave_label)} \u00b7 staff in post on the wave's closing date, from the "
    "latest staff list; "
    "the role and career-stage filters do not apply here."
)
low = rates[rates["low_response"]]
known = rates[rates["headcount"].notna()]
shown = known[known["status"] == privacy.SHOWN]
if low.empty:
    reading = (
        f"Every team with a known rate reached {response_rates.LOW_RESPONSE_RATE:.0%} "
        f"({len(shown)} of {len(known)} teams on the staff list show a rate)."
    )
else:
    reading = (
        f"{len(low)} of {len(known)} teams on the staff list are under "
        f"{response_rates.LOW_RESPONSE_RATE:.0%}, where a team's figures may not speak for it: "
        + ", ".join(low["team"])
        + "."
    )
ui.reading(reading)
figure = charts.response_rate_bars(rates, k=k, low_rate=response_rates.LOW_RESPONSE_RATE)
st.plotly_chart(figure, key="response_rates", width="stretch")
ui.chart_download(figure, key="response_rates", title=f"Response rates {wave_label}")
ui.table_downloads(rates, key="response_rates_table", title=f"Response rates {wave_label}", k=k)
st.caption(
    ui.hidden_note(k) + f" A hidden team is still flagged when its rate must be under "
    f"{response_rates.LOW_RESPONSE_RATE:.0%} (fewer than {k} respondents from at least "
    f"{2 * k} staff)."
)
