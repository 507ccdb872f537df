"""The Measures and Survey design pages, through dashboard.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, dashboard_on_a_copy_of, derived_data_template
from streamlit.testing.v1 import AppTest

from wellbeing import store
from wellbeing.access import accounts
from wellbeing.core import roles

COUNCIL = Path(__file__).parent / "fixtures" / "council"
LEADER = {"is_logged_in": True, "email": "leo@council.gov.uk", "name": "Leo"}
HR = {"is_logged_in": True, "email": "hana@council.gov.uk", "name": "Hana"}


def give_hr_an_account_and_grants(con) -> None:
    # An account exists, so the dashboard is no longer "local: everyone is HR".
    accounts.create_account(
        con,
        username="hana",
        display_name="Hana",
        role=roles.HR_ADMIN,
        password="correct horse battery staple",
        by="test",
    )
    for person, role in ((HR, roles.HR_ADMIN), (LEADER, roles.LEADER)):
        accounts.grant_sso(con, claim="email", value=person["email"], role=role, teams=[], by="t")


@pytest.fixture(scope="session")
def council_accounts_template(council_db: Path, tmp_path_factory) -> Path:
    return derived_data_template(
        tmp_path_factory, "council-accounts", council_db, give_hr_an_account_and_grants
    )


@pytest.fixture
def council_app_db(council_accounts_template: Path, tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """Two councils' own exports, an HR account and grants, for one AppTest run."""
    with dashboard_on_a_copy_of(council_accounts_template, tmp_path, monkeypatch) as path:
        yield path


def open_as(person: dict, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.user = person
    return at.run().switch_page(page).run()


def shown(at: AppTest) -> str:
    kinds = ("markdown", "caption", "warning", "text", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def test_hr_sees_a_measures_trend_with_its_break_its_questions_and_reliability(council_app_db):
    at = open_as(HR, "pages/measures.py")
    assert not at.exception
    at.selectbox(key="measures_measure").set_value("stress").run()
    assert not at.exception
    assert at.get("plotly_chart")
    page = shown(at)
    assert "Questions changed" in page and "no longer asked" in page
    assert "How often do you feel stressed because of your work?" in page
    assert "Reliability (HR only)" in page


def test_a_leader_sees_the_trend_but_no_figure_worked_out_from_individual_answers(council_app_db):
    at = open_as(LEADER, "pages/measures.py")
    assert not at.exception
    at.selectbox(key="measures_measure").set_value("support").run()
    page = shown(at)
    assert at.get("plotly_chart")
    assert "Reliability" not in page and "alpha" not in page
    assert not at.dataframe
    assert not [t for t in at.table if "Item-rest correlation" in t.value.columns]


def test_hr_changes_an_own_measure_as_a_new_version(council_app_db):
    at = open_as(HR, "pages/measures.py")
    at.selectbox(key="measures_measure").set_value("valued_senior_leaders").run()
    at.text_input(key="measures_edit_name").set_value("Valued by leaders")
    at.number_input(key="measures_edit_cutoff").set_value(3.5)
    at.button(key="measures_edit_save").click().run()
    assert not at.exception
    versions = next(t for t in at.table if "Which way is better" in t.value.columns)
    names = versions.value["Name"].tolist()
    assert names == ["Valued by leaders", "I feel valued by senior leaders"]
    import streamlit as st

    st.cache_resource.clear()
    con = store.connect(council_app_db)
    try:
        rows = con.execute(
            "select version, name, high_cutoff from measure_versions "
            "where construct = 'valued_senior_leaders' order by version"
        ).fetchall()
        audited = con.execute("select count(*) from audit_log where action = 'measures'").fetchall()
    finally:
        con.close()
    assert rows == [
        (1, "I feel valued by senior leaders", 4.0),
        (2, "Valued by leaders", 3.5),
    ]
    assert audited == [(1,)]


def test_the_survey_design_page_offers_the_questions_and_its_downloads(council_app_db):
    at = open_as(HR, "pages/survey_design.py")
    assert not at.exception
    assert "How stressed does your work make you feel?\nNot at all" in at.code[0].value
    assert len(at.get("download_button")) == 3
