"""Issue 18: the audit log records change-log edits, saved mappings and "Remove demo data",
and is a hash chain whose break the Audit log page reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries import accounts as account_queries
from wellbeing import store
from wellbeing.access import audit_log
from wellbeing.store import keys

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)


def entries(path: Path, action: str) -> list[str]:
    con = store.connect(path)
    try:
        log = account_queries.audit_events(con, action=action)
        return log["detail"].tolist()[::-1]
    finally:
        con.close()


def test_adding_editing_and_deleting_a_change_log_entry_are_audited(demo_app_db):
    at = app().run()
    at.switch_page("pages/change_log.py").run()
    at.selectbox(key="change_add_team").set_value("Organisation-wide")
    at.date_input(key="change_add_date").set_value(dt.date(2026, 11, 2))
    at.text_input(key="change_add_title").set_value("Duty rota moved")
    at.selectbox(key="change_add_kind").set_value("policy")
    at.button(key="change_add_submit").click().run()
    edit = at.selectbox(key="change_edit_id")
    edit.select_index(next(i for i, o in enumerate(edit.options) if "Duty rota" in o)).run()
    chosen = int(at.selectbox(key="change_edit_id").value.rsplit("#", 1)[1].rstrip(")"))
    at.text_input(key=f"change_edit_title_{chosen}").set_value("Duty rota: four weeks")
    at.button(key=f"change_edit_submit_{chosen}").click().run()
    edit = at.selectbox(key="change_edit_id")
    edit.select_index(next(i for i, o in enumerate(edit.options) if "four weeks" in o)).run()
    at.checkbox(key=f"change_delete_confirm_{chosen}").check().run()
    at.button(key=f"change_delete_{chosen}").click().run()
    assert not at.exception, at.exception
    details = entries(demo_app_db, audit_log.CHANGE_LOG)
    assert details == [
        f"Added change #{chosen}: 02/11/2026, Organisation-wide, Duty rota moved (policy)",
        f"Changed change #{chosen} from 02/11/2026, Organisation-wide, Duty rota moved "
        "(policy) to 02/11/2026, Organisation-wide, Duty rota: four weeks (policy)",
        f"Deleted change #{chosen}: 02/11/2026, Organisation-wide, Duty rota: four weeks (policy)",
    ]


def test_saving_a_mapping_is_audited(demo_app_db):
    at = app().run()
    at.switch_page("pages/upload.py").run()
    data = (EXPORTS / "tab_separated.tsv").read_bytes()
    at.file_uploader(key="upload_file_0").set_value(("t.tsv", data, "text/csv")).run()
    at.text_input(key="upload_mapping_name").set_value("Team tool")
    at.button(key="FormSubmitter:upload_save_mapping_form-Save mapping").click().run()
    assert not at.exception, at.exception
    [detail] = entries(demo_app_db, audit_log.MAPPING)
    assert detail.startswith("Saved survey mapping 'Team tool' (")


def test_removing_the_demo_data_is_audited(demo_app_db):
    at = app().run()
    at.button(key="remove_demo").click().run()
    assert entries(demo_app_db, audit_log.DEMO_DATA) == []  # it asks first
    at.button(key="remove_demo_confirm").click().run()
    assert not at.exception, at.exception
    assert entries(demo_app_db, audit_log.DEMO_DATA) == [
        "Removed the bundled sample data (demo uploads and their rows)"
    ]


def write_some(con, count: int = 5) -> None:
    for n in range(count):
        audit_log.record(con, user="ann", action=audit_log.SETTINGS, detail=f"change {n}")


@pytest.mark.parametrize(
    ("tamper", "broken_entry"),
    [
        pytest.param("update audit_log set detail = 'nothing to see' where id = 3", 3, id="edit"),
        pytest.param("delete from audit_log where id = 3", 4, id="remove"),
        pytest.param(
            "insert into audit_log (id, happened_at, username, action, detail, entry_hash) "
            "select 100, happened_at, 'eve', 'settings', 'forged', entry_hash "
            "from audit_log where id = 5",
            100,
            id="insert-at-the-end",
        ),
        pytest.param("update audit_log set username = 'bob' where id = 1", 1, id="edit-the-first"),
    ],
)
def test_the_hash_chain_finds_an_edited_removed_or_inserted_entry(con, tamper, broken_entry):
    write_some(con)
    assert audit_log.verify(con).intact
    con.execute(tamper)
    check = audit_log.verify(con)
    assert not check.intact and check.broken_at == broken_entry


def test_the_chain_cannot_be_rehashed_without_the_key_file(con):
    write_some(con)
    con.execute("update audit_log set detail = 'forged' where id = 2")
    # Recomputing with a key guessed from the database alone (there is none there) fails.
    forged = store.IdentifierKeys.new()
    from wellbeing.store import audit_chain

    previous = audit_chain.GENESIS
    for row in account_queries.audit_chain(con):
        previous = audit_chain.chained(forged.audit, previous, row)
        con.execute(
            "update audit_log set entry_hash = $h where id = $id", {"h": previous, "id": row[0]}
        )
    assert audit_log.verify(con).broken_at == 1


def test_entries_written_before_the_chain_are_chained_on_the_next_start(tmp_path):
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    con.execute(
        "insert into audit_log (happened_at, username, action, detail) values "
        "(timestamp '2026-01-01 09:00:00', 'ann', 'sign_in', 'old one'), "
        "(timestamp '2026-01-02 09:00:00', 'ann', 'sign_in', 'old two')"
    )
    con.close()
    keys.forget_loaded()
    con = store.connect(path)
    write_some(con, 1)
    assert audit_log.verify(con) == audit_log.ChainCheck(entries=3)
    con.close()


def test_the_audit_page_says_whether_the_chain_is_intact(demo_app_db):
    at = app().run()
    at.switch_page("pages/audit.py").run()
    con = store.connect(demo_app_db)
    write_some(con)
    con.close()
    at.run()
    assert "entries check out" in at.success[0].value
    con = store.connect(demo_app_db)
    con.execute("update audit_log set detail = 'edited' where id = 2")
    con.close()
    at.run()
    assert "tampered with: entry #2" in at.error[0].value
