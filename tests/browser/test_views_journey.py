"""A leader filters the stress view, clicks a team's dot and the page focuses on that team.

Runs against the small fixture store of tests/views_fixture.py: in Autumn 2025 Alpha's
mean stress is 3.00 and Beta's 2.00 (organisation 45/17 = 2.65).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from support import choose_option, copy_store, wait_for_script

pytestmark = pytest.mark.browser


def click_until(page, locator, done, attempts: int = 5) -> None:
    """Click the middle of a chart mark until ``done`` is visible.

    Plotly redraws a chart once more after a rerun, so an early click can land on
    a mark that is being replaced; a leader would simply click again.
    """
    for _ in range(attempts):
        try:
            locator.scroll_into_view_if_needed(timeout=10_000)
            box = locator.bounding_box(timeout=10_000)
            if box:
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            done.wait_for(timeout=15_000)
            return
        except PlaywrightError:
            page.wait_for_timeout(1_000)
    raise AssertionError("clicking the chart mark never focused the page")


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_a_leader_filters_clicks_a_team_dot_and_the_page_focuses_on_it(
    start_server, browser_page, views_db, tmp_path
):
    server = start_server(db=copy_store(views_db, tmp_path / "views.duckdb"))
    page = browser_page

    # Open the dashboard first, as a leader would, so the router has registered its pages.
    page.goto(server)
    wait_for_script(page)
    expect(page.get_by_role("combobox", name="Wave")).to_be_visible(timeout=90_000)
    page.goto(f"{server}/stress?wave=Autumn+2025")
    expect(page.get_by_role("combobox", name="Wave")).to_be_visible(timeout=60_000)
    wait_for_script(page)
    expect(
        page.get_by_text(
            "for the share with high stress (score 4 or more) beyond chance: Alpha at 50%",
            exact=False,
        )
    ).to_be_visible(timeout=60_000)

    # Filter: the service, chosen in the sidebar, goes into the URL.
    choose_option(page, page.get_by_role("combobox", name="Service"), "Adults", 60_000)
    page.wait_for_function("() => window.location.search.includes('service=Adults')")
    wait_for_script(page)
    assert query(page)["wave"] == ["Autumn 2025"]

    # Click Beta's dot (the second team mark, Alpha 3.00 then Beta 2.00) in the mean stress
    # chart: team figures are dots with intervals, the only marks a click selects.
    dots = page.locator(".st-key-stress_mean g.trace.scatter path.point")
    expect(dots).to_have_count(2, timeout=60_000)
    click_until(page, dots.nth(1), page.get_by_text("Focused on Beta", exact=False))
    wait_for_script(page)
    expect(page.get_by_text("Beta: mean stress (1-5) is 2.00", exact=False)).to_be_visible(
        timeout=60_000
    )
    page.wait_for_function("() => window.location.search.includes('team=Beta')")
    link = page.url
    assert query(page)["service"] == ["Adults"]

    # The copied link reproduces the focused view in a fresh load of the page
    # (a full page load starts a new Streamlit session, as opening a link does).
    page.goto("about:blank")
    fresh = page
    fresh.goto(link)
    wait_for_script(fresh)
    expect(fresh.get_by_text("Focused on Beta", exact=False)).to_be_visible(timeout=60_000)
    expect(fresh.get_by_text("Beta: the share with high stress", exact=False)).to_be_visible(
        timeout=60_000
    )

    # A tab draws only its own charts, goes into the URL, and a reload keeps it open.
    fresh.get_by_role("tab", name="Across waves").click()
    fresh.wait_for_function("() => window.location.search.includes('view=Across+waves')")
    wait_for_script(fresh)
    expect(fresh.locator(".st-key-stress_trend .main-svg").first).to_be_visible(timeout=60_000)
    expect(fresh.locator(".st-key-stress_mean")).to_have_count(0)
    assert query(fresh)["team"] == ["Beta"]
    fresh.goto(fresh.url)
    wait_for_script(fresh)
    expect(fresh.locator(".st-key-stress_trend .main-svg").first).to_be_visible(timeout=60_000)
    expect(fresh.locator(".st-key-stress_mean")).to_have_count(0)
