"""The sidebar lets a leader filter by role or by career stage, one at a time (issue 6).

Crossing the two let the privacy attack solve for single people, so the query
layer refuses the pair (tests/test_privacy_attack.py) and the sidebar never
offers it.
"""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest

CAPTION = "Filter by role or by career stage, one at a time"


def open_overview() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)


def test_choosing_a_role_disables_the_career_stage_filter_and_says_why(demo_app_db):
    at = open_overview().run()
    assert not at.selectbox(key="stage").disabled
    assert not any(CAPTION in c.value for c in at.sidebar.caption)
    role = at.selectbox(key="role").options[0]
    at.selectbox(key="role").set_value(role).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="stage").disabled
    assert at.selectbox(key="stage").value is None
    assert any(CAPTION in c.value for c in at.sidebar.caption)


def test_choosing_a_career_stage_disables_the_role_filter(demo_app_db):
    at = open_overview().run()
    stage = at.selectbox(key="stage").options[0]
    at.selectbox(key="stage").set_value(stage).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="role").disabled
    assert at.selectbox(key="role").value is None


def test_a_link_with_both_filters_keeps_the_role_and_drops_the_career_stage(demo_app_db):
    probe = open_overview().run()
    role = probe.selectbox(key="role").options[0]
    stage = probe.selectbox(key="stage").options[0]
    at = open_overview()
    at.query_params["role"] = role
    at.query_params["stage"] = stage
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="role").value == role
    assert at.selectbox(key="stage").value is None
    assert at.selectbox(key="stage").disabled
