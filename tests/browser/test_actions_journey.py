"""A leader opens Where to act for a team, records an action from it, and finds the action on
the team's trend and in the board pack (issue 21), on the sample data in a real browser."""

from __future__ import annotations

import io

import pypdf
import pytest
from playwright.sync_api import expect
from support import choose_option, wait_for_script

pytestmark = pytest.mark.browser

TEAM = "Front Door (MASH)"
WHAT = "Weekly caseload review with a cap of 20"


def type_date(page, label: str, day_month_year: str) -> None:
    """Type a date into a Streamlit date field: its day, month and year are segments that
    move on by themselves once full, as in any react-aria date field."""
    field = page.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day_month_year.replace("/", ""))
    page.keyboard.press("Tab")


def test_a_leader_acts_on_a_driver_and_sees_the_action_on_the_trend_and_in_the_board_pack(
    demo_server, browser_page
):
    page = browser_page
    page.goto(demo_server)
    wait_for_script(page)
    expect(page.get_by_role("combobox", name="Wave")).to_be_visible(timeout=90_000)
    page.goto(f"{demo_server}/where_to_act?team=Front+Door+%28MASH%29")
    wait_for_script(page)
    expect(page.get_by_text(f"Looking at: {TEAM} (team)")).to_be_visible(timeout=90_000)
    expect(page.get_by_text("Workload pressure goes with stress", exact=False)).to_be_visible()

    page.get_by_role("button", name="Record an action on workload pressure").click()
    expect(page.get_by_role("heading", name="Action plans")).to_be_visible(timeout=60_000)
    wait_for_script(page)
    expect(page.get_by_text("Filled in from", exact=False)).to_be_visible()
    page.get_by_label("What will be done").fill(WHAT)
    page.get_by_label("Owner").fill("Front Door manager")
    type_date(page, "Starts", "04/05/2026")
    type_date(page, "Review", "01/05/2027")
    page.get_by_role("button", name="Record action").click()
    expect(page.get_by_text(f"Recorded: {WHAT}.")).to_be_visible(timeout=60_000)
    wait_for_script(page)

    # On its team's trend: a labelled triangle above the first wave after it started.
    chooser = page.get_by_role("combobox", name="Action", exact=True)
    option = f"A3 \u00b7 {TEAM} (team) \u00b7 {WHAT}"
    choose_option(page, chooser, option, 60_000)
    wait_for_script(page)
    trend = page.locator(".st-key-action_trend")
    expect(trend.locator("text.legendtext", has_text=TEAM)).to_have_count(1, timeout=60_000)
    marks = trend.locator("g.trace.scatter text", has_text="A3")
    expect(marks).to_have_count(1, timeout=60_000)
    expect(
        page.get_by_text(f"Action A3 ({TEAM} (team), started 04/05/2026)", exact=False)
    ).to_be_visible()

    # In the board pack of the team's service.
    # The Overview is the default page: its address is the root.
    page.goto(f"{demo_server}/?view=Board+pack")
    wait_for_script(page)
    choose_option(page, page.get_by_role("combobox", name="For"), "Children's services", 60_000)
    wait_for_script(page)
    page.get_by_role("button", name="Prepare the board pack").click()
    download_button = page.get_by_role("button", name="Download the board pack (PDF)")
    expect(download_button).to_be_visible(timeout=120_000)
    with page.expect_download(timeout=60_000) as download:
        download_button.click()
    pdf = download.value.path().read_bytes()
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    assert "Open actions" in text
    assert WHAT in text
    assert "No before and after yet" not in text.split(WHAT)[1][:400]
