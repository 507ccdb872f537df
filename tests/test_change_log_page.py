"""The change log page: HR lists, adds, corrects and deletes change events."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest
from support import shown_table

from tests.conftest import ROOT


def open_change_log() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600).run()
    return at.switch_page("pages/change_log.py").run()


def rows(at: AppTest) -> list[str]:
    return shown_table(at.table[0])["What changed"].tolist()


def test_hr_adds_corrects_and_deletes_a_change_on_the_page(demo_app_db):
    at = open_change_log()
    assert not at.exception
    assert len(rows(at)) == 12  # the sample change log

    at.selectbox(key="change_add_team").set_value("Organisation-wide")
    at.date_input(key="change_add_date").set_value(dt.date(2026, 11, 2))
    at.text_input(key="change_add_title").set_value("Duty rota moved to four-week cycle")
    at.selectbox(key="change_add_kind").set_value("policy")
    at.button(key="change_add_submit").click().run()
    assert not at.exception
    assert at.success[0].value == "Added: Duty rota moved to four-week cycle."
    assert rows(at)[0] == "Duty rota moved to four-week cycle"  # newest first

    edit = at.selectbox(key="change_edit_id")
    edit.select_index(_index_of(edit, "Duty rota moved")).run()
    label = at.selectbox(key="change_edit_id").value
    chosen = int(label.rsplit("#", 1)[1].rstrip(")"))
    at.text_input(key=f"change_edit_title_{chosen}").set_value("Duty rota: four-week cycle")
    at.selectbox(key=f"change_edit_kind_{chosen}").set_value("other")
    at.button(key=f"change_edit_submit_{chosen}").click().run()
    assert at.success[0].value == "Saved: Duty rota: four-week cycle."
    table = shown_table(at.table[0])
    assert table.iloc[0][["What changed", "Kind", "Team", "Source"]].tolist() == [
        "Duty rota: four-week cycle", "Other", "Organisation-wide", "Entered on this page",
    ]  # fmt: skip

    edit = at.selectbox(key="change_edit_id")
    edit.select_index(_index_of(edit, "Duty rota: four-week cycle")).run()
    assert at.button(key=f"change_delete_{chosen}").disabled
    at.checkbox(key=f"change_delete_confirm_{chosen}").check().run()
    at.button(key=f"change_delete_{chosen}").click().run()
    assert at.success[0].value == "Deleted: Duty rota: four-week cycle."
    assert len(rows(at)) == 12


def test_a_change_without_a_description_is_refused_with_a_reason(demo_app_db):
    at = open_change_log()
    at.date_input(key="change_add_date").set_value(dt.date(2026, 11, 2))
    at.button(key="change_add_submit").click().run()
    assert "Say what changed" in at.error[0].value
    assert len(rows(at)) == 12


def _index_of(selectbox, title_start: str) -> int:
    """The position of the change whose label (date, team, title) shows ``title_start``."""
    for position, label in enumerate(selectbox.options):
        if title_start in label:
            return position
    raise AssertionError(f"no change titled {title_start!r}")
