"""The Action plans page through dashboard.py, on the sample data's two actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import open_section

from wellbeing import store, ui
from wellbeing.access import accounts, action_plans, audit_log
from wellbeing.core import roles

ROOT = Path(__file__).resolve().parents[1]
MANAGER = {"is_logged_in": True, "email": "tess@council.gov.uk", "name": "Tess"}
LEADER = {"is_logged_in": True, "email": "leo@council.gov.uk", "name": "Leo"}


def open_actions(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    if user is not None:
        at.user = user
    at.run()
    return at.switch_page("pages/actions.py").run()


def texts(at: AppTest) -> list[str]:
    """What the page says as plain text, and its charts' notes (captions)."""
    return [element.value for element in [*at.get("text"), *at.caption]]


@pytest.fixture
def signed_in_db(demo_app_db: Path) -> Path:
    """The demo store with a leader and a Community Team East manager signing in."""
    con = store.connect(demo_app_db)
    try:
        # An active account makes sign-in required; the two people come in by single sign-on.
        accounts.create_account(
            con,
            username="hana",
            display_name="Hana",
            role=roles.HR_ADMIN,
            password="correct horse battery staple",
            by="test",
        )
        accounts.grant_sso(con, claim="email", value=LEADER["email"], role=roles.LEADER, by="test")
        accounts.grant_sso(
            con,
            claim="email",
            value=MANAGER["email"],
            role=roles.TEAM_MANAGER,
            teams=["Community Team East"],
            by="test",
        )
    finally:
        con.close()
    return demo_app_db


def test_the_sample_actions_show_one_real_improvement_and_one_that_could_be_chance(demo_app_db):
    at = open_actions()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    verdicts = dict(zip(table["For"], table["Verdict"], strict=True))
    assert verdicts == {
        "Community Team East (team)": "better",
        "Reablement (team)": "could be chance",
    }
    readings = " ".join(texts(at))
    assert "better beyond chance" in readings and "this could be chance" in readings
    assert [b.label for b in at.get("download_button")] == ["CSV", "XLSX"]


def test_the_chosen_action_is_marked_on_its_team_s_trend_with_a_table(demo_app_db):
    at = open_actions()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    marks = [t for t in spec["data"] if t["name"] == "Action started before this wave"]
    assert marks and marks[0]["x"] == ["Spring 2026"] and marks[0]["text"] == ["A1"]
    assert marks[0]["marker"]["symbol"] == "triangle-down"
    trend = at.dataframe[1].value
    assert list(trend.columns) == ["Wave", "Organisation", "Community Team East"]
    assert len(trend) == 3


def test_a_leader_records_an_action_and_it_is_listed_and_audited(signed_in_db):
    at = open_actions(LEADER)
    at.radio(key="action_new_scope").set_value("team").run()
    at.selectbox(key="action_new_unit").set_value("Youth Justice")
    at.selectbox(key="action_new_measure").set_value("intention_to_leave")
    at.text_input(key="action_new_what").input("Stay interviews with every practitioner")
    at.text_input(key="action_new_owner").input("Youth Justice manager")
    at.date_input(key="action_new_start").set_value(dt.date(2026, 11, 2))
    at.date_input(key="action_new_review").set_value(dt.date(2027, 5, 1))
    at.button(key="action_new_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Recorded: Stay interviews" in s.value for s in at.success)
    table = at.dataframe[0].value
    row = table[table["For"] == "Youth Justice (team)"].iloc[0]
    assert row["Measure"] == "Intention to leave"
    assert row["Verdict"].startswith("not yet")
    con = store.connect(signed_in_db)
    try:
        log = audit_log.events(con, action=audit_log.ACTION_PLAN)
    finally:
        con.close()
    assert log["username"].tolist() == ["leo@council.gov.uk"]


def test_a_team_manager_sees_and_updates_only_their_team_s_action(signed_in_db):
    at = open_actions(MANAGER)
    assert not at.exception, at.exception
    assert not at.radio, "a team manager has no form to record actions"
    table = at.dataframe[0].value
    assert table["For"].tolist() == ["Community Team East (team)"]
    assert "Reablement" not in " ".join(texts(at))
    choice = at.selectbox(key="action_edit_choice")
    assert len(choice.options) == 1
    choice.set_value(choice.options[0]).run()
    at.selectbox(key="action_status_1").set_value("done")
    at.button(key="action_save_1").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["Status"].tolist() == ["done"]


def test_the_stress_trend_of_a_focused_team_marks_its_action(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at = at.switch_page("pages/stress.py").run()
    at.session_state[ui.FILTER_KEYS["team"]] = "Community Team East"
    at = open_section(at, "Across waves")
    assert not at.exception, at.exception
    spec = json.loads(next(c for c in at.get("plotly_chart") if c.key == "stress_trend").proto.spec)
    marks = [t for t in spec["data"] if t["name"] == "Action started before this wave"]
    assert marks and marks[0]["x"] == ["Spring 2026"] and marks[0]["text"] == ["A1"]
    assert any(text.startswith("Action A1 (Community Team East (team)") for text in texts(at))
    # Reablement's action is not this team's: not on its trend.
    assert not any("Reablement" in text for text in texts(at))


def test_change_fatigue_and_support_actions_are_marked_on_their_own_charts(demo_app_db):
    con = store.connect(demo_app_db)
    try:
        for measure, what in (("change_fatigue", "Change freeze"), ("support", "Peer mentors")):
            action_plans.create_action(
                con,
                user=roles.LOCAL_ADMIN,
                scope="organisation",
                unit=None,
                what=what,
                measure=measure,
                owner="Director",
                started_on=dt.date(2026, 5, 11),
                review_on=dt.date(2026, 12, 1),
            )
    finally:
        con.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at = open_section(at.switch_page("pages/change_fatigue.py").run(), "Against the change log")
    assert not at.exception, at.exception
    timeline = json.loads(
        next(c for c in at.get("plotly_chart") if c.key == "change_fatigue_timeline").proto.spec
    )
    stars = [t for t in timeline["data"] if t.get("name") == "Action plan started"]
    assert stars and stars[0]["x"] == ["2026-05-11"] and stars[0]["text"] == ["A3"]
    assert stars[0]["marker"]["symbol"] == "star"
    assert any(text.startswith("Action A3 (The whole organisation") for text in texts(at))
    at = at.switch_page("pages/support_challenge.py").run()
    at = open_section(at, "Across waves")
    trend = json.loads(
        next(c for c in at.get("plotly_chart") if c.key == "support_challenge_trend").proto.spec
    )
    marks = [t for t in trend["data"] if t["name"] == "Action started before this wave"]
    assert marks and marks[0]["x"] == ["Autumn 2026"] and marks[0]["text"] == ["A4"]
