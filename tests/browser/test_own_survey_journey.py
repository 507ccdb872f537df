"""HR in a real browser brings a council's own survey: suggestions accepted, a new measure
and a single-question measure made, imported, then both seen on the heatmap, in a trend and
in the board pack.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from support import (
    choose_file,
    choose_option,
    import_new_wave_and_open_heatmap,
    open_list,
    wait_for_script,
)

pytestmark = pytest.mark.browser

NORTHSHIRE = Path(__file__).parents[1] / "fixtures" / "council" / "northshire.csv"
WAVE = "Winter 2026"
NEW_MEASURE = "Recommending the council"
SINGLE = "I feel valued by senior leaders"
RECOMMEND = "I would recommend this council as a place to work"
WAIT_MS = 120_000


@pytest.fixture
def quiet_demo_server(start_server, demo_db: Path, tmp_path: Path) -> str:
    db = tmp_path / "journey.duckdb"
    shutil.copy(demo_db, db)
    return start_server(db=db, env={"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"})


def pick(page, combobox, option: str) -> None:
    """Type into a select box to filter it, then take the focused exact match."""
    open_list(page, combobox, WAIT_MS)
    combobox.press_sequentially(option)
    expect(page.get_by_role("option", name=option, exact=True)).to_have_attribute(
        "data-focused", "true", timeout=WAIT_MS
    )
    page.keyboard.press("Enter")
    wait_for_script(page)


def test_hr_brings_the_councils_own_survey_and_sees_its_measures_everywhere(
    quiet_demo_server, browser_page
):
    page = browser_page
    page.goto(quiet_demo_server)
    wait_for_script(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Upload", exact=True).click()
    wait_for_script(page)

    # The export writes 11/16/26 6:18:41: month first, two-digit years.
    page.get_by_text("Reading options (only if the preview looks wrong)").click()
    page.get_by_text("Month first (01/31/2026)").click()
    wait_for_script(page)
    choose_file(page, NORTHSHIRE, WAIT_MS)
    expect(page.get_by_text("Plain table layout", exact=False)).to_be_visible(timeout=WAIT_MS)
    wait_for_script(page)
    # Suggestions by meaning, each saying how sure it is; accepted as they are.
    expect(
        page.get_by_text("Suggested from its wording: very likely", exact=False).first
    ).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name=f"Meaning of {SINGLE}")).to_have_value(
        "A measure of its own (this question alone)"
    )

    # One new measure, named and described by HR, for the recommendation question.
    page.get_by_text("Make a new measure for questions with no built-in equivalent").click()
    page.get_by_label("Name", exact=True).fill(NEW_MEASURE)
    page.get_by_label("What it captures").fill("Whether staff would recommend us as an employer")
    page.get_by_role("button", name="Make this measure").click()
    wait_for_script(page)
    pick(
        page,
        page.get_by_role("combobox", name=f"Meaning of {RECOMMEND}"),
        f"Measure (new): {NEW_MEASURE}",
    )

    expect(page.get_by_text("The council's own questions")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Every one of the 180 rows passed the checks.")).to_be_visible(
        timeout=WAIT_MS
    )
    # The Overview heatmap: both measures are columns, in HR's words.
    chart = import_new_wave_and_open_heatmap(page, wave=WAVE, rows=180, timeout_ms=WAIT_MS)
    expect(chart.get_by_text(NEW_MEASURE)).to_have_count(1, timeout=WAIT_MS)
    expect(chart.get_by_text(SINGLE)).to_have_count(1, timeout=WAIT_MS)

    # The board pack has a section for each.
    page.get_by_role("tab", name="Board pack").click()
    wait_for_script(page)
    page.get_by_role("button", name="Prepare the board pack").click()
    download_button = page.get_by_role("button", name="Download the board pack (PDF)")
    expect(download_button).to_be_visible(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as download:
        download_button.click()
    text = "\n".join(
        page_.extract_text()
        for page_ in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    )
    assert NEW_MEASURE in text
    assert SINGLE in text

    # A trend of each, on the Measures page.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Measures", exact=True).click()
    wait_for_script(page)
    for name in (NEW_MEASURE, SINGLE):
        choose_option(
            page,
            page.get_by_role("combobox", name="Measure"),
            f"{name}  (the council's own)",
            WAIT_MS,
        )
        wait_for_script(page)
        trend = page.get_by_test_id("stPlotlyChart").first
        expect(trend.get_by_text(WAVE)).to_have_count(1, timeout=WAIT_MS)
        expect(trend.get_by_text(f"{name}, 1-5", exact=False)).to_have_count(1, timeout=WAIT_MS)
