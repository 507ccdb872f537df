"""The Where to act page through dashboard.py: drivers, the short list, and acting on it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from wellbeing import ui

ROOT = Path(__file__).resolve().parents[1]


def open_where_to_act(**query_params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("pages/where_to_act.py").run()


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
    # No team standing for the organisation itself: drivers, the national figure, downloads.
    assert len(at.dataframe) == 3
    assert any("nationally" in t.value for t in at.get("text"))


def test_a_leader_acts_on_a_team_s_strong_driver_and_sees_it_on_the_team_s_trend(demo_app_db):
    at = open_where_to_act(**{ui.FILTER_KEYS["team"]: "Front Door (MASH)"})
    assert not at.exception, at.exception
    explanations = [t.value for t in at.get("text")]
    assert any(
        "Workload pressure goes with stress" in text and "worse, beyond chance" in text
        for text in explanations
    ), explanations
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
