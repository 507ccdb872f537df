"""Where to act: what goes with stress, leaving and change fatigue, and where a scope is worse."""

import pandas as pd
import streamlit as st

from queries import drivers, overview, settings, survey
from wellbeing import privacy, ui
from wellbeing.core import action_rules, roles
from wellbeing.core import drivers as importance
from wellbeing.present import charts, exports, panels, tables, where_to_act

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
    f"{importance.min_respondents(len(importance.MEASURES) - 1)} respondents with every measure "
    f"({importance.min_respondents(len(importance.MEASURES))} with the team's supervision "
    "compliance), so they are worked out for the organisation and for services, never for a "
    "team. The role and career-stage filters do not apply on this page."
)

wave = survey.Filters(wave_id=filters.wave_id)
# Survey figures with a national figure to compare with: yes/no constructs (their mean is
# the share answering yes) and the item on stress and the job (the share agreeing).
NATIONAL_CONSTRUCTS = ["offered_stress_training", "offered_counselling"]
NATIONAL_ITEM, NATIONAL_ITEM_CODE = "STR2", "stress_affects_ability"
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
        constructs=[*importance.MEASURES, *NATIONAL_CONSTRUCTS],
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


def shares(
    headline: pd.DataFrame, constructs: pd.DataFrame | None, items: pd.DataFrame | None
) -> dict[str, tuple[float, float, str]]:
    """National code -> (share, respondents, gate status) from gated rows of one scope."""
    found = {}
    row = headline.set_index("measure").loc["high_support_high_challenge"]
    found["high_support_high_challenge"] = (row["share"], row["respondents"], row["status"])
    for construct in NATIONAL_CONSTRUCTS:
        rows = None if constructs is None else constructs[constructs["construct"] == construct]
        if rows is not None and len(rows):
            row = rows.iloc[0]
            found[construct] = (row["mean_score"], row["respondents"], row["status"])
    if items is not None and len(items):
        row = items.iloc[0]
        found[NATIONAL_ITEM_CODE] = (row["share_agree"], row["respondents"], row["status"])
    return found


organisation_items = survey.item_agreement_for_organisation(
    con, filters=wave, items=[NATIONAL_ITEM], rules=rules
)
organisation_shares = shares(
    overview.headline_measures(con, filters=wave, rules=rules),
    organisation_rows,
    organisation_items,
)
if scope == action_rules.ORGANISATION:
    scope_shares = organisation_shares
else:
    team_items = (
        survey.item_agreement_by_team(
            con,
            filters=survey.Filters(wave_id=filters.wave_id, team=filters.team),
            items=[NATIONAL_ITEM],
            rules=rules,
        )
        if scope == action_rules.TEAM
        else None
    )
    scope_shares = shares(
        overview.headline_measures(
            con,
            filters=survey.Filters(
                wave_id=filters.wave_id, service=filters.service, team=filters.team
            ),
            rules=rules,
        ),
        scope_rows,
        None if team_items is None else team_items[team_items["team"] == filters.team],
    )
national = where_to_act.against_national(
    scope_shares,
    {
        code: (float(share) if status == privacy.SHOWN else float("nan"))
        for code, (share, _, status) in organisation_shares.items()
    },
)

st.subheader("What to work on first")
short_list = where_to_act.priorities(found, standing, scope=scope_words, national=national)
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
        + (
            " Where the organisation is worse than a national figure that bears on a driver, "
            "it says so."
            if standing is None
            else " Each is one on which this scope is worse, beyond chance, than the "
            "organisation or than the national figure that bears on it."
        )
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
    st.caption("Mean scores, 1-5. " + panels.hidden_note(k))

if not national.empty:
    st.subheader("Against the national figures")
    st.dataframe(
        pd.DataFrame(
            {
                "Share of staff who": national["label"].to_numpy(),
                "Here": national["value"].to_numpy(),
                "95% interval low": national["low"].to_numpy(),
                "95% interval high": national["high"].to_numpy(),
                "Organisation": national["organisation"].to_numpy(),
                "National": national["national"].to_numpy(),
                "Against the national figure": [
                    where_to_act.national_verdict(verdict, worse=worse, status=status, k=k)
                    for verdict, worse, status in zip(
                        national["verdict"], national["worse"], national["status"], strict=True
                    )
                ],
                "Source": national["citation"].to_numpy(),
            }
        ),
        hide_index=True,
        key="where_national",
        column_config={
            column: st.column_config.NumberColumn(format="percent")
            for column in (
                "Here",
                "95% interval low",
                "95% interval high",
                "Organisation",
                "National",
            )
        },  # fmt: skip
    )
    for row in national[national["verdict"].notna()].to_dict("records"):
        st.text(where_to_act.national_sentence(row, scope=scope_words))
    st.caption(
        "Shares of respondents, with a 95% interval (Wilson's); a national figure is a fixed "
        "published reference, with its source and year. Worse beyond chance: the interval "
        "leaves out the national figure and the gap is at least 5 points. The national "
        "figure for social workers moderately or very stressed (97%) has no matching "
        "question in the survey, so it is not compared."
        + (
            " The item on stress and the job is reported by team and for the organisation, "
            "not by service."
            if scope == action_rules.SERVICE
            else ""
        )
        + " "
        + panels.hidden_note(k)
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
    ui.reading(where_to_act.drivers_reading(rows, outcome=outcome))
    st.plotly_chart(
        charts.driver_bars(rows, names=where_to_act.NAMES, outcome_name=where_to_act.name(outcome)),
        key=f"drivers_{outcome}",
        width="stretch",
    )
    readable = tables.Table(
        where_to_act.drivers_table(rows),
        {
            "Rank": tables.COUNT,
            "Share of the variation": tables.SHARE,
            "95% interval low": tables.SHARE,
            "95% interval high": tables.SHARE,
        },
    )
    title = f"Drivers of {where_to_act.name(outcome)}"
    ui.table(readable, key=f"drivers_table_{outcome}", title=title)
    ui.table_downloads(
        readable, key=f"drivers_download_{outcome}", file_stem=exports.file_stem(title)
    )
