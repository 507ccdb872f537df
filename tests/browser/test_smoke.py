"""The simplest real-browser journey: open the dashboard and see a chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from support import wait_for_script

pytestmark = pytest.mark.browser


def test_a_leader_opens_the_dashboard_and_sees_the_overview_chart(demo_server, browser_page):
    browser_page.goto(demo_server)
    wait_for_script(browser_page)
    expect(browser_page.get_by_text("Demo data.", exact=False)).to_be_visible()
    expect(browser_page.get_by_text("Front Door (MASH)", exact=False).first).to_be_visible()
    browser_page.get_by_role("tab", name="Every measure by team").click()
    chart = browser_page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    # The heatmap is drawn: plotly has put team names on the axis.
    expect(chart.get_by_text("Assessment Team North")).to_have_count(1)


def test_a_link_to_a_page_opened_first_after_the_server_starts_shows_its_filters(
    demo_server, browser_page
):
    # Streamlit decides from a server's first session whether pages/ is a folder
    # of stand-alone pages; that first run shows the page alone (no filters, a
    # plain list of files) and the dashboard reroutes it through dashboard.py.
    browser_page.goto(f"{demo_server}/stress?wave=Autumn+2025")
    wait_for_script(browser_page)
    expect(browser_page.get_by_role("heading", name="Stress", exact=True)).to_be_visible()
    sidebar = browser_page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Wave")).to_have_value("Autumn 2025")
    expect(sidebar.get_by_text("sign in", exact=True)).to_have_count(0)


def test_streamlits_chart_code_is_loaded_while_the_leader_reads_the_overview(
    demo_server, browser_page
):
    # The first page with a chart otherwise waits 0.7 s more for 4.7 MB of Plotly.
    browser_page.goto(demo_server)
    wait_for_script(browser_page)
    expect(browser_page.get_by_test_id("stPlotlyChart")).to_have_count(0)  # none drawn yet
    loaded = (
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('/static/js/PlotlyChart.') && e.responseEnd > 0)"
    )
    browser_page.wait_for_function(loaded, timeout=15_000)
    browser_page.get_by_role("tab", name="Every measure by team").click()
    expect(browser_page.get_by_test_id("stPlotlyChart").first).to_be_visible()
    chart_code = browser_page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/static/js/PlotlyChart.')).length"
    )
    assert chart_code == 1, "the chart code was fetched again: not the module Streamlit imports"


# Every wave counts as large, and each decision takes 4 s longer: the server's own
# warm start cannot have decided the newest wave before the leader's page asks.
# Slowed where the server gathers a wave for the engine: the engine itself runs in a
# process of its own for a large wave (wellbeing/core/apart.py).
SLOW_LARGE_WAVES = """
import time
from queries import decisions
decisions.DECIDED_IN_THE_BACKGROUND_FROM = 1
gather = decisions._inputs
def slow_inputs(*arguments, **keywords):
    time.sleep(4)
    return gather(*arguments, **keywords)
decisions._inputs = slow_inputs
"""


def test_a_page_waiting_for_its_wave_fills_in_by_itself(
    start_server, demo_db, tmp_path, browser_page
):
    from support import copy_store

    from wellbeing.ui import run

    store = copy_store(demo_db, tmp_path / "large.duckdb", new_identity=True)
    url = start_server(db=store, before_serving=SLOW_LARGE_WAVES)
    browser_page.goto(url)
    wait_for_script(browser_page)
    notice = browser_page.get_by_text(run.WHILE_DECIDING)
    expect(notice).to_be_visible()
    # Nobody clicks: the page looks again by itself and shows the figures.
    expect(browser_page.get_by_test_id("stMetric").first).to_be_visible(timeout=90_000)
    expect(notice).to_have_count(0)
