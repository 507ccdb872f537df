"""HR in a real browser: upload an export for a new wave, map it, import it, see it charted."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import choose_file, import_new_wave_and_open_heatmap, open_list, wait_for_script

from tests.conftest import survey_csv
from wellbeing.store import copy_store

pytestmark = pytest.mark.browser

NEW_WAVE = "Winter 2027"
# Two busy cores: an import plus the rerun that follows can take well over expect's 5 s.
WAIT_MS = 60_000


def new_wave_export(folder: Path) -> Path:
    """A Microsoft Forms export of 12 respondents in two teams of six (above k = 5).

    The team question is headed 'Unit', which no suggestion knows, so HR must map it.
    """
    # Answers differ between people: a small team all answering alike would be hidden.
    agree = ["Agree", "Disagree", "Strongly agree", "Agree", "Neither agree nor disagree", "Agree"]
    rows = [
        {
            "team": team,
            "STR1": ["Very", "A little"][person % 2],
            "STR2": agree[person],
            "SUP1": agree[(person + 1) % 6],
            "SUP2": agree[(person + 2) % 6],
        }
        for team in ("Upload Team A", "Upload Team B")
        for person in range(6)
    ]
    data = survey_csv(rows).replace(b"Which team do you work in?", b"Unit")
    path = folder / "winter_2027.csv"
    path.write_bytes(data)
    return path


@pytest.fixture
def quiet_demo_server(start_server, demo_db: Path, tmp_path: Path) -> str:
    """A live server on a copy of the sample data that ignores edits to the source tree.

    Other work in the same checkout adds and edits pages while this runs; with the
    file watcher on, Streamlit would reload mid-journey.
    """
    db = tmp_path / "journey.duckdb"
    copy_store(demo_db, db)
    return start_server(db=db, env={"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})


def test_hr_uploads_maps_and_imports_a_new_wave_then_sees_it_charted(
    quiet_demo_server, browser_page, tmp_path
):
    page = browser_page
    # In through the front door, as HR would: the router decides what the menu offers.
    page.goto(quiet_demo_server)
    wait_for_script(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload", exact=True).click()
    wait_for_script(page)

    choose_file(page, new_wave_export(tmp_path), WAIT_MS)
    expect(page.get_by_text("Microsoft Forms layout", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("No column is mapped to Team.", exact=False)).to_be_visible(
        timeout=WAIT_MS
    )

    # Map the unrecognised 'Unit' column to Team.
    wait_for_script(page)
    meaning = page.get_by_role("combobox", name="Meaning of Unit")
    open_list(page, meaning, WAIT_MS)
    meaning.press_sequentially("Team")
    expect(meaning).to_have_value("Team", timeout=WAIT_MS)
    # The filtered list re-renders while it settles, so a click on the option can
    # land on a detached element; the exact match is first and focused: Enter picks it.
    expect(page.get_by_role("option", name="Team", exact=True)).to_have_attribute(
        "data-focused", "true", timeout=WAIT_MS
    )
    page.keyboard.press("Enter")
    wait_for_script(page)
    expect(page.get_by_text("Every one of the 12 rows passed the checks.")).to_be_visible(
        timeout=WAIT_MS
    )

    chart = import_new_wave_and_open_heatmap(page, wave=NEW_WAVE, rows=12, timeout_ms=WAIT_MS)
    expect(chart).to_be_visible(timeout=WAIT_MS)
    # The heatmap now shows the new wave's teams on its axis.
    expect(chart.get_by_text("Upload Team A")).to_have_count(1, timeout=WAIT_MS)
    expect(chart.get_by_text("Upload Team B")).to_have_count(1, timeout=WAIT_MS)
