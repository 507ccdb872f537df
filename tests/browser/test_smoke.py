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
    chart = browser_page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible()
    # The heatmap is drawn: plotly has put team names on the axis.
    expect(chart.get_by_text("Assessment Team North")).to_have_count(1)
