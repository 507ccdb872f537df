"""Every page in the navigation runs through dashboard.py on the sample data."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest
from support import open_section

import dashboard  # importing it only declares the pages; Streamlit runs it as __main__

# The pages a signed-in user can reach; the sign-in page is only registered while
# nobody is signed in, and is exercised by tests/test_access.py.
NAVIGATION_PAGES = sorted(spec.path for specs in dashboard.PAGES.values() for spec in specs)


def open_page(page: str | None = None) -> AppTest:
    """Run the real entry point, then move to ``page`` as a user would."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    if page is not None:
        at = at.switch_page(page).run()
    return at


def test_every_page_file_is_in_the_navigation():
    files = sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))
    assert files == sorted([*NAVIGATION_PAGES, dashboard.SIGN_IN_PAGE])


@pytest.mark.parametrize("page", NAVIGATION_PAGES, ids=lambda p: p.removeprefix("pages/"))
def test_each_page_runs_on_the_sample_data_without_an_exception(demo_app_db, page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_the_overview_charts_every_team_with_small_teams_hidden(demo_app_db):
    at = open_page()
    assert not at.exception
    charts = open_section(at, "Every measure by team").get("plotly_chart")
    assert charts, "the overview draws a chart"
    heatmap = next(
        trace
        for chart in charts
        for trace in json.loads(chart.proto.spec)["data"]
        if trace.get("type") == "heatmap"
    )
    texts = [cell for row in heatmap["text"] for cell in row]
    hovers = [cell for row in heatmap["hovertext"] for cell in row]
    assert len(heatmap["y"]) >= 18
    assert "<5" in texts  # a hidden cell's mark, keyed in words under the heatmap
    layout = json.dumps(heatmap_figure(charts)["layout"]).replace("<br>", " ")
    assert "fewer than 5 responses" in layout
    # Thirteen measures do not fit figures in cells on a 1024 px page: the cells keep
    # the direction marks, and every figure is on hover (and in the table).
    assert "each figure is on hover and in the table" in layout
    assert {"\u25b2", "\u25bc"} <= set(texts)
    assert any(re.search(r": [\u25b2\u25bc]?\d\.\d\d \(organisation", h) for h in hovers)
    assert any(re.search(r": [\u25b2\u25bc]?\d+% \(organisation", h) for h in hovers)  # shares


def heatmap_figure(charts) -> dict:
    return next(
        figure
        for figure in (json.loads(chart.proto.spec) for chart in charts)
        if figure["data"][0].get("type") == "heatmap"
    )


def test_every_page_says_the_figures_are_demo_data_and_hr_can_remove_them(demo_app_db):
    at = open_page()
    assert any("Demo data" in w.value for w in at.warning)
    # Removing asks first, saying what goes; keeping it changes nothing.
    at.button(key="remove_demo").click().run()
    assert any("Remove the demo data?" in e.value for e in at.error)
    at.button(key="remove_demo_cancel").click().run()
    assert not at.error and any("Demo data" in w.value for w in at.warning)
    at.button(key="remove_demo").click().run()
    at.button(key="remove_demo_confirm").click().run()
    assert not at.exception
    assert not any("Demo data" in w.value for w in at.warning)
    # Removal is remembered: a fresh session on the same store does not reload it.
    again = open_page()
    assert not any("Demo data" in w.value for w in again.warning)
    assert any("No survey results" in i.value for i in again.info)


def test_the_chart_code_is_preloaded_once_per_session(demo_app_db):
    from wellbeing.ui import routing

    # The installed Streamlit has exactly one chart module to name (a new Streamlit
    # with another layout would silently lose the preload: this says so).
    module = routing._plotly_chart_module()
    assert module is not None and module.startswith("PlotlyChart.")

    def preloads(at: AppTest) -> int:
        return sum(module in element.proto.body for element in at.get("html"))

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert preloads(at) == 1
    at.switch_page("pages/stress.py").run()
    assert preloads(at) == 0, "preloaded again in the same session"


def refused_with(message: str) -> AppTest:
    """The dashboard opened as a visitor would, showing ``message`` alone: no traceback."""
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [message]
    return at


def opens_again(at: AppTest) -> None:
    """Reloaded once the problem is put right, the dashboard opens on the Overview."""
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title][:1] == ["Overview"]


def test_a_store_another_program_holds_is_explained_without_a_traceback(demo_app_db, caplog):
    import subprocess
    import sys

    hold = (
        "import sys; from wellbeing import store\n"
        "con = store.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(demo_app_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        at = refused_with(
            "The dashboard cannot open its database: another program has it open, usually a "
            "second copy of the dashboard started on the same data. Whoever runs this server "
            "will find the details in its log. Once the other program has stopped, reload "
            "this page."
        )
        # The file's path is for whoever runs the server, not for a visitor.
        shown = json.dumps([str(element.proto) for element in at.main], default=str)
        assert demo_app_db.name not in shown
        assert f"The database {demo_app_db} is in use by another program" in caplog.text
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    opens_again(at)


def test_a_store_with_keys_not_its_own_is_explained_without_a_traceback(
    demo_app_db, caplog, monkeypatch
):
    from wellbeing.store import keys

    its_own = os.environ[keys.KEYS_ENV_VAR]
    monkeypatch.setenv(keys.KEYS_ENV_VAR, keys.IdentifierKeys.new().to_json())
    at = refused_with(
        "The dashboard cannot open its database: its identifier key file is missing or does "
        "not belong to it. Whoever runs this server will find the details in its log "
        "(docs/security.md says how to restore the key file). Then reload this page."
    )
    assert "are not the ones the database was hashed with" in caplog.text
    monkeypatch.setenv(keys.KEYS_ENV_VAR, its_own)
    opens_again(at)


def test_a_store_path_holding_no_database_is_explained_without_a_traceback(
    demo_app_db, caplog, monkeypatch
):
    notes = demo_app_db.with_name("notes.duckdb")
    notes.write_text("not a database")
    monkeypatch.setenv("WELLBEING_DB", str(notes))
    at = refused_with(
        "The dashboard cannot open its database: the file it is set to use cannot be read "
        "as one. Whoever runs this server will find the details in its log. Once it is put "
        "right, reload this page."
    )
    assert f"The database {notes} cannot be opened" in caplog.text
    assert notes.read_text() == "not a database"
    monkeypatch.setenv("WELLBEING_DB", str(demo_app_db))
    opens_again(at)
