"""The Upload and Upload history pages, driven through dashboard.py as HR would use them.

AppTest in Streamlit 1.67 can set a file uploader's value
(``at.file_uploader(key=...).set_value((name, bytes, mime))``), so the whole flow
runs here: upload, preview, mapping, validation, import, history. The browser
test covers the same journey with a real file input.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import shown_table

from tests.conftest import ROOT
from wellbeing import store

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
UPLOADER = "upload_file_0"


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    return at.switch_page(page).run()


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    data = (EXPORTS / name).read_bytes() if data is None else data
    return at.file_uploader(key=UPLOADER).set_value((name, data, "text/csv")).run()


# st.dataframe keys are not exposed to AppTest, so tables are found by position:
# on Upload the preview comes first and the rejected cells second; on Upload history
# the history first and the rejected cells second.


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def query(path: Path, sql: str) -> list[tuple]:
    import streamlit as st

    st.cache_resource.clear()  # the page's cached connection holds the file
    con = store.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_hr_uploads_maps_and_imports_a_new_wave(empty_db):
    at = open_page("pages/upload.py")
    assert not at.exception
    at = upload(at, "tab_separated.tsv")
    assert not at.exception
    assert any("Plain table layout, tab-separated, UTF-8, 3 rows" in m for m in texts(at.markdown))
    assert at.dataframe[0].value.shape == (3, 3)
    # Suggested from the headers: Team -> team, the two questions -> STR1 and STR2.
    assert [at.selectbox(key=f"upload_map_{i}").value for i in range(3)] == [
        "field:team",
        "item:STR1",
        "item:STR2",
    ]
    assert "Every one of the 3 rows passed the checks." in texts(at.success)
    assert "Choose the wave these responses belong to, or name a new one." in texts(at.warning)

    at.text_input(key="upload_wave_new").set_value("Winter 2027").run()
    at.button(key="upload_import").click().run()
    assert not at.exception
    assert "Upload #1 (survey, tab_separated.tsv): 3 rows read, 3 stored, 0 rejected." in texts(
        at.success
    )
    assert at.file_uploader(key="upload_file_1").value is None  # a fresh uploader for the next file
    assert query(
        empty_db,
        "select w.label, count(*) from responses r join waves w on w.id = r.wave_id group by 1",
    ) == [("Winter 2027", 3)]


def test_every_bad_cell_is_listed_and_downloadable_before_anything_is_stored(empty_db):
    at = upload(open_page("pages/upload.py"), "ms_forms.csv")
    assert not at.exception
    assert (
        "2 cells in 2 of 6 rows have problems. Those rows will not be imported: fix the file "
        "and upload it again, or import the valid rows now." in texts(at.warning)
    )
    rejects = at.dataframe[1].value
    assert rejects[["row", "value"]].values.tolist() == [[6, "Sometimes"], [7, ""]]
    assert at.get("download_button")  # the list of problems as CSV
    at.text_input(key="upload_wave_new").set_value("Autumn 2026").run()
    assert at.button(key="upload_import").label == "Import the 4 valid rows"
    assert query(empty_db, "select count(*) from uploads") == [(0,)]


def test_personal_data_columns_are_dropped_with_a_visible_note(empty_db):
    at = upload(open_page("pages/upload.py"), "ms_forms.csv")
    assert at.selectbox(key="upload_map_3").value == "personal"  # Email
    assert "2 column(s) of personal data are dropped and never stored: Email, Name." in texts(
        at.info
    )


def test_unmapping_the_team_gives_one_clear_sentence(empty_db):
    at = upload(open_page("pages/upload.py"), "tab_separated.tsv")
    at.selectbox(key="upload_map_0").set_value("ignore").run()
    assert texts(at.error) == [
        "No column is mapped to Team. Every response needs a team: map the column that says "
        "which team the respondent works in."
    ]
    assert "upload_import" not in [button.key for button in at.button]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "The file is empty", id="empty"),
        pytest.param(b"\x00\x01binary\x00", "binary data", id="binary"),
        pytest.param(b"Team\nNorth\n", "Only one column was found", id="one-column"),
    ],
)
def test_structural_problems_show_one_sentence(empty_db, data, message):
    at = upload(open_page("pages/upload.py"), "bad.csv", data)
    assert len(at.error) == 1
    assert message in at.error[0].value


def test_a_file_over_the_configured_limit_is_refused(empty_db):
    con = store.connect(empty_db)
    con.execute("insert into settings values ('max_upload_mb', '1')")
    con.close()
    big = b"Team,STR1\n" + b"North,4\n" * 140_000  # 1.07 MB
    at = upload(open_page("pages/upload.py"), "big.csv", big)
    assert "larger than the 1 MB limit" in at.error[0].value


def test_a_saved_mapping_maps_the_next_export_in_one_step(empty_db):
    at = upload(open_page("pages/upload.py"), "tab_separated.tsv")
    at.selectbox(key="upload_map_2").set_value("ignore").run()  # HR's own choice for STR2
    at.text_input(key="upload_mapping_name").set_value("Team tool")
    at.button(key="FormSubmitter:upload_save_mapping_form-Save mapping").click().run()
    assert not at.exception

    next_quarter = (EXPORTS / "tab_separated.tsv").read_bytes().replace(b"Beta", b"Gamma")
    at = upload(open_page("pages/upload.py"), "next.tsv", next_quarter)
    assert any("Using saved mapping 'Team tool'" in text for text in texts(at.success))
    assert at.selectbox(key="upload_map_2").value == "ignore"


def test_the_same_file_again_is_refused_naming_the_first_upload(empty_db):
    at = upload(open_page("pages/upload.py"), "tab_separated.tsv")
    at.text_input(key="upload_wave_new").set_value("W").run()
    at.button(key="upload_import").click().run()
    at = upload(open_page("pages/upload.py"), "tab_separated.tsv")
    assert "This file was already uploaded on" in at.error[0].value
    assert "as upload #1 (tab_separated.tsv" in at.error[0].value


def test_history_withdraws_restores_and_shows_rejected_cells(empty_db):
    at = upload(open_page("pages/upload.py"), "ms_forms.csv")
    at.text_input(key="upload_wave_new").set_value("Autumn 2026").run()
    at.button(key="upload_import").click().run()

    at = open_page("pages/upload_history.py")
    assert not at.exception
    table = shown_table(at.table[0])
    assert table[["Upload", "Status", "Rows read", "Stored", "Rejected"]].values.tolist() == [
        ["#1", "active", "6", "4", "2"]
    ]
    assert table["Wave"].tolist() == ["Autumn 2026"]
    assert shown_table(at.table[1])["Row"].tolist() == ["6", "7"]

    at.button(key="history_withdraw").click().run()
    assert "Upload #1 is withdrawn: its rows no longer count in any figure." in texts(at.success)
    assert shown_table(at.table[0])["Status"].tolist() == ["withdrawn"]
    at.button(key="history_restore").click().run()
    assert shown_table(at.table[0])["Status"].tolist() == ["active"]


def test_history_with_no_uploads_points_to_the_upload_page(empty_db):
    at = open_page("pages/upload_history.py")
    assert not at.exception
    assert "Nothing has been uploaded yet. Start on the Upload page." in texts(at.info)


def test_hr_teaches_the_import_a_systems_own_supervision_label_and_it_is_kept(empty_db):
    data = (
        b"Worker ID,Supervisor ID,Team,Supervision Date,Duration (mins),Supervision Type,Status\r\n"
        b"W1,S1,North,05/10/2026,90,Practice supervision,Held\r\n"
        b"W2,S1,North,06/10/2026,60,Case management supervision,Held\r\n"
    )
    at = open_page("pages/upload.py")
    at.selectbox(key="upload_kind").set_value("supervision").run()
    at = upload(at, "supervision_system_labels.csv", data)
    assert not at.exception
    # "Practice supervision" is not a type the import can place: its row is held back.
    assert any("1 cell in 1 of 2 rows" in w for w in texts(at.warning))
    at.selectbox(key="label_type_Practice supervision").set_value("reflective")
    at.button(key="save_supervision_labels").click().run()
    assert not at.exception
    assert "Every one of the 2 rows passed the checks." in texts(at.success)
    assert query(
        empty_db,
        "select mapping->>'$.type.\"Practice supervision\"' from mappings "
        "where kind = 'supervision_labels'",
    ) == [("reflective",)]
