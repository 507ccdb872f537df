"""The Upload page with a council's own survey, driven through dashboard.py as HR uses it."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from wellbeing import store
from wellbeing.present.plain import markdown as plain

COUNCIL = Path(__file__).parent / "fixtures" / "council"
NORTHSHIRE = COUNCIL / "northshire.csv"
UPLOADER = "upload_file_0"


def open_upload() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    return at.switch_page("pages/upload.py").run()


def upload(at: AppTest, name: str, data: bytes, key: str = UPLOADER) -> AppTest:
    return at.file_uploader(key=key).set_value((name, data, "text/csv")).run()


def query(path: Path, sql: str) -> list[tuple]:
    import streamlit as st

    st.cache_resource.clear()
    con = store.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def mapped(at: AppTest) -> dict[str, str]:
    columns = pd.read_csv(NORTHSHIRE, nrows=0).columns
    return {c: at.selectbox(key=f"upload_map_{i}").value for i, c in enumerate(columns)}


def test_the_council_export_is_suggested_by_meaning_and_imports(empty_db):
    at = upload(open_upload(), NORTHSHIRE.name, NORTHSHIRE.read_bytes())
    assert not at.exception
    chosen = mapped(at)
    assert chosen["My line manager gives me the support I need"] == "measure:support"
    assert chosen["I feel valued by senior leaders"] == "single"
    assert chosen["Years since qualifying"] == "field:career_stage"
    captions = [c.value for c in at.caption]
    assert (
        plain(
            "Suggested from its wording: very likely (the question says 'line manager gives me')."
        )
        in captions
    )
    # Own questions: the workload question's reverse keying is suggested and ticked.
    workload = list(pd.read_csv(NORTHSHIRE, nrows=0).columns).index("My workload is manageable")
    assert at.checkbox(key=f"upload_reverse_{workload}").value is True
    at.text_input(key="upload_wave_new").set_value("Autumn 2026").run()
    at.button(key="upload_import").click().run()
    assert not at.exception
    assert query(empty_db, "select count(*) from responses") == [(180,)]
    assert ("valued_senior_leaders",) in query(empty_db, "select construct from measure_current")


def test_a_new_measure_made_on_the_page_can_take_questions(empty_db):
    at = upload(open_upload(), NORTHSHIRE.name, NORTHSHIRE.read_bytes())
    at.text_input(key="upload_new_measure_name").set_value("Feeling valued")
    at.text_input(key="upload_new_measure_description").set_value("Recognition at work")
    at.number_input(key="upload_new_measure_cutoff").set_value(3.5)
    at.button(key="upload_new_measure_make").click().run()
    assert not at.exception
    columns = list(pd.read_csv(NORTHSHIRE, nrows=0).columns)
    key = f"upload_map_{columns.index('I feel valued by senior leaders')}"
    assert "measure:feeling_valued" in at.selectbox(key=key).options or any(
        "Feeling valued" in option for option in at.selectbox(key=key).options
    )
    at.selectbox(key=key).set_value("measure:feeling_valued").run()
    at.text_input(key="upload_wave_new").set_value("Autumn 2026").run()
    at.button(key="upload_import").click().run()
    assert not at.exception
    assert query(
        empty_db,
        "select name, description, high_cutoff from measure_current where construct = "
        "'feeling_valued'",
    ) == [("Feeling valued", "Recognition at work", 3.5)]


def test_a_saved_mapping_in_use_is_still_applied_after_leaving_the_page(empty_db):
    at = upload(open_upload(), NORTHSHIRE.name, NORTHSHIRE.read_bytes())
    before = mapped(at)
    at.text_input(key="upload_mapping_name").set_value("Northshire staff survey")
    at.button(key="FormSubmitter:upload_save_mapping_form-Save mapping").click().run()
    # Leaving the page: Streamlit forgets the mapping widgets' values, not the banner or
    # which file was read; coming back to the same file, the banner's mapping is applied.
    at = at.switch_page("pages/overview.py").run()
    at = at.switch_page("pages/upload.py").run()
    at = upload(at, NORTHSHIRE.name, NORTHSHIRE.read_bytes())
    assert not at.exception
    assert mapped(at) == before
    assert any("Using saved mapping" in s.value for s in at.success)


def xlsx_of(path: Path) -> bytes:
    out = io.BytesIO()
    pd.read_csv(path, dtype=str, keep_default_na=False).to_excel(out, index=False)
    return out.getvalue()


def test_the_same_people_again_are_listed_and_replaced_only_when_chosen_and_audited(empty_db):
    at = upload(open_upload(), NORTHSHIRE.name, NORTHSHIRE.read_bytes())
    at.text_input(key="upload_wave_new").set_value("Autumn 2026").run()
    at.button(key="upload_import").click().run()
    at = upload(at, "northshire.xlsx", xlsx_of(NORTHSHIRE), key="upload_file_1")
    at.radio(key="upload_wave_choice").set_value("An existing wave").run()
    assert not at.exception
    assert any("180 respondent(s) in this file already have answers" in w.value for w in at.warning)
    assert "upload_import" not in [button.key for button in at.button]
    at.checkbox(key="upload_replace_earlier").check().run()
    at.button(key="upload_import").click().run()
    assert not at.exception
    assert query(empty_db, "select count(*) from responses") == [(180,)]
    assert query(empty_db, "select count(*) from replaced_responses") == [(180,)]
    assert query(empty_db, "select count(*) from audit_log where action = 'replace'") == [(1,)]
