"""The Where to act page through dashboard.py: drivers, the short list, and acting on it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from wellbeing import ui

ROOT = Path(__file__).resolve().parents[1]


def open_where_to_act(**query_params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/where_to_act.py").run()


def national_table(at: AppTest) -> pd.DataFrame:
    """The table of the scope's figures against the national ones (AppTest keeps no table keys)."""
    (table,) = [d.value for d in at.dataframe if "Share of staff who" in d.value.columns]
    return table.set_index("Share of staff who")


def test_the_organisation_s_drivers_are_charted_tabled_and_called_associations(demo_app_db):
    at = open_where_to_act()
    assert not at.exception, at.exception
    charts = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert set(charts) == {"drivers_stress", "drivers_intention_to_leave", "drivers_change_fatigue"}
    bars = charts["drivers_intention_to_leave"]["data"][0]
    # Strongest last in a horizontal bar chart (drawn bottom up), each bar labelled.
    assert bars["y"][-1] == "stress" and all(text.endswith("%") for text in bars["text"])
    captions = " ".join(c.value for c in at.caption)
    assert "not causes" in captions
    # The sample's records cover the wave: the team's compliance is a driver, said to be
    # a team-level measure.
    assert "team-level measure" in captions
    assert "supervision compliance (team)" in charts["drivers_stress"]["data"][0]["y"]
    readings = " ".join(m.value for m in at.markdown)
    assert "Stress goes with it most strongly" in readings
    # No team standing for the organisation itself: the national figures (a grid), then
    # each outcome's drivers as a table.
    assert len(at.dataframe) == 1
    assert len(at.table) == 3
    national = national_table(at)
    assert len(national) == 4  # every national figure with a matching survey question
    assert (national["Here"] == national["Organisation"]).all()
    assert national.loc["have high support and high challenge", "National"] == 0.26
    assert "DfE" in national.loc["have high support and high challenge", "Source"]
    assert national["Against the national figure"].notna().all()
    assert any("nationally" in t.value for t in at.get("text"))


def test_a_leader_acts_on_a_team_s_strong_driver_and_sees_it_on_the_team_s_trend(demo_app_db):
    at = open_where_to_act(**{ui.FILTER_KEYS["team"]: "Front Door (MASH)"})
    assert not at.exception, at.exception
    explanations = [t.value for t in at.get("text")]
    assert any(
        "Workload pressure goes with stress" in text and "worse, beyond chance" in text
        for text in explanations
    ), explanations
    national = national_table(at)
    assert set(national.columns) >= {"Here", "Organisation", "National", "Source"}
    # The team's own figures against the organisation's and the national one.
    assert (national["Here"] != national["Organisation"]).any()
    at.button(key="act_stress_workload").click().run()
    assert not at.exception, at.exception
    # The Action plans page, filled in from the suggestion.
    assert at.title[0].value == "Action plans"
    assert at.radio(key="action_new_scope").value == "team"
    assert at.selectbox(key="action_new_unit").value == "Front Door (MASH)"
    assert at.selectbox(key="action_new_measure").value == "workload"
    # The browser's address is now the Action plans page; AppTest keeps its own page, so
    # move it there as the address bar would.
    at.switch_page("pages/actions.py")
    at.text_input(key="action_new_what").input("Weekly caseload review with a cap of 20")
    at.text_input(key="action_new_owner").input("Front Door manager")
    at.date_input(key="action_new_start").set_value(dt.date(2026, 5, 4))
    at.date_input(key="action_new_review").set_value(dt.date(2027, 5, 1))
    at.button(key="action_new_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    row = table[table["For"] == "Front Door (MASH) (team)"].iloc[0]
    assert (row["Measure"], row["Wave before"], row["Wave after"]) == (
        "Workload pressure",
        "Spring 2026",
        "Autumn 2026",
    )
    choice = at.selectbox(key="action_trend_choice")
    new = next(option for option in choice.options if "Front Door (MASH)" in option)
    choice.set_value(new).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace["name"] for trace in spec["data"]]
    assert names == ["Organisation", "Front Door (MASH)", "Action started before this wave"]
    assert spec["data"][2]["x"] == ["Autumn 2026"]


def hand_worked_national() -> pd.DataFrame:
    from wellbeing import privacy
    from wellbeing.present import where_to_act

    return where_to_act.against_national(
        {
            "high_support_high_challenge": (0.15, 100, privacy.SHOWN),
            "stress_affects_ability": (0.95, 200, privacy.SHOWN),
            "offered_stress_training": (np.nan, 2, privacy.BELOW_K),
            "offered_counselling": (0.30, 50, privacy.SHOWN),
        },
        {"high_support_high_challenge": 0.24, "offered_counselling": 0.35},
    ).set_index("code")


def test_each_national_figure_is_met_by_the_scope_s_share_and_its_wilson_interval():
    from wellbeing.core import stats

    national = hand_worked_national()
    # Wilson, z = 1.95996: 15 of 100 -> (0.16295 ± 0.06989) = 9.31% to 23.28%, all below 26%
    # and 11 points away: lower, and for high support and challenge lower is worse.
    both = national.loc["high_support_high_challenge"]
    assert (both["low"], both["high"]) == (
        pytest.approx(0.09306, abs=1e-4),
        pytest.approx(0.23284, abs=1e-4),
    )
    assert (both["verdict"], both["worse"], both["national"]) == (stats.LOWER, True, 0.26)
    assert both["organisation"] == 0.24 and "DfE" in both["citation"]
    # 95% of 200 -> 91.04% to 97.26%, above 80%: higher, and more stress is worse.
    ability = national.loc["stress_affects_ability"]
    assert (ability["low"], ability["high"]) == (
        pytest.approx(0.91042, abs=1e-4),
        pytest.approx(0.97262, abs=1e-4),
    )
    assert (ability["verdict"], ability["worse"]) == (stats.HIGHER, True)
    assert "2015" in ability["citation"]
    # 30% of 50 -> 19.10% to 43.75%, which holds 33%: could be chance.
    counselling = national.loc["offered_counselling"]
    assert (counselling["low"], counselling["high"]) == (
        pytest.approx(0.19104, abs=1e-4),
        pytest.approx(0.43750, abs=1e-4),
    )
    assert (counselling["verdict"], counselling["worse"]) == (stats.COULD_BE_CHANCE, False)
    # A hidden figure is neither shown nor judged.
    training = national.loc["offered_stress_training"]
    assert np.isnan(training["value"]) and pd.isna(training["verdict"]) and not training["worse"]
    # "Moderately or very stressed" has no matching question: not compared.
    assert "moderately_or_very_stressed" not in national.index


def test_a_strong_driver_worse_than_the_national_figure_is_listed_and_says_so():
    from wellbeing import privacy
    from wellbeing.present import where_to_act

    drivers = pd.DataFrame(
        {
            "outcome": ["stress", "stress", "intention_to_leave"],
            "measure": ["support", "workload", "stress"],
            "importance": [0.20, 0.15, 0.18],
            "low": [0.10, 0.08, 0.09],
            "high": [0.30, 0.22, 0.27],
            "rank": [1, 2, 1],
            "r_squared": [0.5, 0.5, 0.4],
            "status": privacy.SHOWN,
            "supervision": "no_records",
        }
    )
    # The team is no worse than the organisation on any of them...
    standing = pd.DataFrame(
        {
            "measure": ["support", "workload", "stress"],
            "value": [3.4, 3.3, 3.5],
            "organisation": [3.5, 3.3, 3.4],
            "worse": [False, False, False],
        }
    )
    national = hand_worked_national().reset_index()
    listed = where_to_act.priorities(drivers, standing, scope="This team", national=national)
    # ...but worse than the national figures that bear on support (high support and high
    # challenge) and on stress (stress affects the job); workload has no national figure.
    assert listed[["outcome", "measure"]].values.tolist() == [
        ["stress", "support"],
        ["intention_to_leave", "stress"],
    ]
    support = listed.iloc[0]["explanation"]
    assert "Support goes with stress" in support
    assert (
        "15% have high support and high challenge (95% interval 9% to 23%) against 26%" in support
    )
    assert "worse, beyond chance" in support and "organisation's" not in support
    # Without the national figures, nothing is listed: the organisation alone.
    assert where_to_act.priorities(drivers, standing, scope="This team").empty
