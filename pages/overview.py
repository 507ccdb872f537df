"""Overview: every construct by team for the chosen wave, against the organisation."""

import streamlit as st

from queries import survey
from wellbeing import charts, privacy, roles, ui

ui.require_role(*roles.EVERYONE)
st.title("Overview")

con = ui.cursor()
filters = ui.filters(con)
rules = privacy.rules(con)

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

constructs = survey.constructs(con)
scores = survey.construct_by_team(con, filters=filters, rules=rules)
organisation = survey.construct_for_organisation(con, filters=filters, rules=rules)

if scores.empty:
    st.info("No responses match these filters. Clear a filter to see more.")
    st.stop()

org_means = organisation.set_index("construct")["mean_score"]
shown = scores[scores["status"] == privacy.SHOWN]
stress = shown[shown["construct"] == "stress"]
org_stress = org_means.get("stress")
teams = scores["team"].nunique()
hidden_teams = scores.groupby("team")["status"].apply(lambda s: (s != privacy.SHOWN).all()).sum()

if org_stress is not None and not stress.empty:
    worst = stress.sort_values("mean_score", ascending=False).iloc[0]
    st.markdown(
        f"**{len(stress[stress['mean_score'] > org_stress])} of {len(stress)} teams shown** report "
        f"more stress than the organisation ({org_stress:.2f} on 1-5); the highest is "
        f"**{worst['team']}** at {worst['mean_score']:.2f}. "
        f"{hidden_teams} of {teams} teams are hidden to protect respondents."
    )

figure = charts.construct_heatmap(scores, constructs, org_means, k=rules.min_group_size)
st.plotly_chart(figure, key="overview_heatmap", width="stretch")
st.caption(ui.hidden_note(rules.min_group_size))
