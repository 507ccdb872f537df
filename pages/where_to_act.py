"""Where to act: what goes with stress, leaving and change fatigue, and where a scope is worse."""

import pandas as pd
import streamlit as st

from queries import drivers, overview, settings, survey
from wellbeing import privacy, ui
from wellbeing.core import action_rules, roles, stats
from wellbeing.core import drivers as importance
from wellbeing.core.reference import national_figure
from wellbeing.present import charts, where_to_act

ui.require_role(*roles.LEADERS)
st.title("Where to act")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

st.caption(
    "Drivers: how much of the variation in stress, intention to leave and change fatigue goes "
    "with each other measure, among respondents in the same wave (the Shapley share of R\u00b2, "
    "with a 95% bootstrap interval). " + where_to_act.ASSOCIATION + " Drivers need at least "
    f"{importance.min_respondents(len(importance.MEASURES) - 1)} respondents with every measure, "
    "so they are worked out for the organisation and for services, never for a team. The role "
    "and career-stage filters do not apply on this page."
)

wave = survey.Filters(wave_id=filters.wave_id)
organisation_rows = survey.construct_for_organisation(con, filters=wave, rules=rules)
if filters.team is not None:
    scope, unit = action_rules.TEAM, filters.team
    in_scope = survey.construct_by_team(
        con, filters=survey.Filters(wave_id=filters.wave_id, team=filters.team), rules=rules
    )
    scope_rows = in_scope[in_scope["team"] == filters.team]
    driver_service = filters.service or survey.wave_team_service(
        con, wave_id=filters.wave_id, team=filters.team
    )
elif filters.service is not None:
    scope, unit = action_rules.SERVICE, filters.service
    by_wave = survey.construct_by_wave_for_service(
        con,
        filters=survey.Filters(service=filters.service),
        constructs=list(importance.MEASURES),
        rules=rules,
    )
    scope_rows = by_wave[by_wave["wave_id"] == filters.wave_id]
    driver_service = filters.service
else:
    scope, unit, scope_rows, driver_service = action_rules.ORGANISATION, None, None, None

found = (
    drivers.drivers(con, wave_id=filters.wave_id, service=driver_service, rules=rules)
    if driver_service is not None
    else None
)
if found is None or not (found["status"] == privacy.SHOWN).any():
    # A hidden or small service gets no drivers of its own; the organisation's stand in.
    if driver_service is not None:
        st.caption(
            "This service has no drivers of its own (too few respondents, or hidden to "
            "protect individuals): the organisation's are used."
        )
    found = drivers.drivers(con, wave_id=filters.wave_id, rules=rules)
elif scope == action_rules.TEAM:
    st.caption("Teams are too small for drivers of their own: the team's service's are used.")

standing = None if scope_rows is None else where_to_act.standing(scope_rows, organisation_rows)
scope_words = {
    action_rules.TEAM: "This team",
    action_rules.SERVICE: "This service",
    action_rules.ORGANISATION: "The organisation",
}[scope]
if unit is not None:
    st.text(f"Looking at: {unit} ({scope})")

st.subheader("What to work on first")
short_list = where_to_act.priorities(found, standing, scope=scope_words)
if short_list.empty:
    st.info(
        "No strong driver on which "
        + scope_words.lower()
        + " is worse than the organisation beyond chance in this wave."
        if standing is not None
        else "No measure reaches the mark for a strong driver in this wave."
    )
else:
    st.caption(
        "A strong driver accounts for at least "
        f"{where_to_act.STRONG_DRIVER:.0%} of an outcome's variation, and at least "
        f"{where_to_act.ABOVE_NOTHING:.0%} at the low end of its 95% interval."
        + ("" if standing is None else " Each is one on which this scope is worse, beyond chance.")
    )
    for number, row in enumerate(short_list.to_dict("records"), start=1):
        with st.container(border=True):
            st.text(f"{number}. {where_to_act.name(row['outcome']).capitalize()}")
            st.text(row["explanation"])
            if row["measure"] in action_rules.MEASURES and st.button(
                "Record an action on " + where_to_act.name(row["measure"]),
                icon=":material/add_task:",
                key=f"act_{row['outcome']}_{row['measure']}",
            ):
                st.session_state["action_suggestion"] = {
                    "scope": scope,
                    "unit": unit,
                    "measure": row["measure"],
                }
                # The shared filters are bound to the address and keep their own values
                # (session state); clearing the address outright is refused for them.
                st.switch_page("pages/actions.py", query_params={})

if standing is not None:
    st.subheader("Where this scope stands")
    shown_standing = standing[standing["measure"].isin(importance.MEASURES)]
    table = pd.DataFrame(
        {
            "Measure": [where_to_act.name(m).capitalize() for m in shown_standing["measure"]],
            "Here": shown_standing["value"].to_numpy(),
            "95% interval low": shown_standing["low"].to_numpy(),
            "95% interval high": shown_standing["high"].to_numpy(),
            "Organisation": shown_standing["organisation"].to_numpy(),
            "Against the organisation": shown_standing["verdict"].fillna("").to_numpy(),
        }
    )
    st.dataframe(table, hide_index=True, key="where_standing")
    st.caption("Mean scores, 1-5. " + ui.hidden_note(k))

high_both = overview.headline_measures(
    con,
    filters=survey.Filters(wave_id=filters.wave_id, service=filters.service, team=filters.team),
    rules=rules,
).set_index("measure")
national = national_figure("high_support_high_challenge")
row = high_both.loc["high_support_high_challenge"]
if national is not None and row["status"] == privacy.SHOWN:
    st.subheader("Against the national figure")
    share, respondents = pd.Series([float(row["share"])]), pd.Series([float(row["respondents"])])
    low, high = stats.wilson_interval(share, respondents)
    verdict = stats.compare_with_organisation(share, low, high, national.share, is_share=True).iloc[
        0
    ]
    st.text(
        f"{scope_words}: {share.iloc[0]:.0%} have high support and high challenge (95% interval "
        f"{low.iloc[0]:.0%} to {high.iloc[0]:.0%}) against {national.share:.0%} nationally "
        f"({national.citation}): "
        + (
            "could be chance."
            if verdict == stats.COULD_BE_CHANCE
            else f"{verdict} than the national figure, beyond chance."
        )
    )

st.subheader("Drivers")
note = where_to_act.supervision_note(found)
if note is not None:
    st.caption(note)
for outcome in importance.OUTCOMES:
    rows = found[found["outcome"] == outcome]
    st.markdown(f"**{where_to_act.name(outcome).capitalize()}**")
    status = str(rows["status"].iloc[0])
    if status != privacy.SHOWN:
        st.info(
            "Too few respondents with every measure for stable drivers."
            if status == drivers.TOO_FEW
            else "No drivers: " + privacy.status_text(status, k) + "."
        )
        continue
    st.markdown(where_to_act.drivers_reading(rows, outcome=outcome))
    st.plotly_chart(
        charts.driver_bars(rows, names=where_to_act.NAMES, outcome_name=where_to_act.name(outcome)),
        key=f"drivers_{outcome}",
        width="stretch",
    )
    readable = where_to_act.drivers_table(rows)
    st.dataframe(readable, hide_index=True, key=f"drivers_table_{outcome}")
    ui.table_downloads(readable, key=f"drivers_download_{outcome}", title=f"Drivers of {outcome}")
