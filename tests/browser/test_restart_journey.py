"""A restart on a store a server has served: the first leader's Overview is drawn from
the figures kept for it (queries/first_view.py), by a real server, in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import copy_store, start_streamlit, stop_streamlit, wait_for_script

from wellbeing import store

pytestmark = pytest.mark.browser

STRESS_TILE = re.compile(r'("code":"high_stress","value":)[0-9.e-]+')


def _overview_tiles(page, url: str) -> list[str]:
    page.goto(url)
    wait_for_script(page)
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def test_a_restarted_server_draws_the_overview_from_the_first_view_it_kept(
    demo_db: Path, tmp_path: Path, browser_page
):
    db = copy_store(demo_db, tmp_path / "restarted.duckdb")
    url, server = start_streamlit(db)
    try:
        first = _overview_tiles(browser_page, url)
    finally:
        stop_streamlit(server)  # at exit it finishes writing what it keeps
    con = store.connect(db)
    try:
        ((figures,),) = con.execute("select figures from kept_first_view").fetchall()
        assert STRESS_TILE.search(figures), "the stress tile's figure is not among them"
        # The kept share of high stress altered in the store: a restart that shows it
        # drew the tile from what was kept, not from working it out again.
        con.execute(
            "update kept_first_view set figures = $figures",
            {"figures": STRESS_TILE.sub(r"\g<1>0.99", figures)},
        )
    finally:
        con.close()

    url, server = start_streamlit(db)
    try:
        again = _overview_tiles(browser_page, url)
    finally:
        stop_streamlit(server)
    assert first[0] != "99%"
    assert again[0] == "99%"
    assert again[1:] == first[1:]
