"""Issue 18: text from files and forms is shown as text on every page and in every chart.

A team named ``![x](http://host/beacon.png) Beacon`` made every leader's browser fetch
that image (the "Focused on" box, the readings, the Overview caption, a column header
on the Upload page, change-log titles); ``<b>`` and ``<a>`` in a name were drawn as
markup in Plotly's hover text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import dashboard_on_a_copy_of, derived_data_template
from streamlit.testing.v1 import AppTest
from support import open_section, section_labels

import dashboard
from wellbeing import store
from wellbeing.present import charts, figures, plain

ROOT = Path(__file__).resolve().parents[1]
BEACON = "![x](http://host/beacon.png) Beacon"
HTML = '<b>x</b><a href="http://host/">y</a>'
# What must never reach Streamlit's Markdown unescaped (a backslash before it is text)...
RAW_MARKDOWN = re.compile(r"!\[x\]\(|(?<!\\)<b>x|(?<!\\)<a href|(?<!\\):material/face:")
# ... or Plotly (which shows &lt; as <).
RAW_HTML = ("<b>x</b>", '<a href="http://host/')
ALL_PAGES = [spec.path for section in dashboard.PAGES.values() for spec in section]
WIDGETS = (
    "selectbox",
    "multiselect",
    "radio",
    "text_input",
    "button",
    "toggle",
    "checkbox",
    "date_input",
    "number_input",
    "download_button",
    "slider",
    "select_slider",
    "text_area",
)


def mark_up_every_name(con) -> None:
    """Every team, one service, a wave and every change title marked up."""
    teams = [row[0] for row in con.execute("select name from teams order by name").fetchall()]
    for old, new in zip(teams, marked_up_names(len(teams)), strict=True):
        for table in ("responses", "staff", "supervision_sessions", "change_events", "teams"):
            column = "name" if table == "teams" else "team"
            con.execute(
                f"update {table} set {column} = $new where {column} = $old",
                {"new": new, "old": old},
            )
    for table in ("responses", "staff", "teams"):
        con.execute(
            f"update {table} set service = $new where service = 'Adults'' services'",
            {"new": f"{HTML} Adults"},
        )
    con.execute("update change_events set title = $beacon || ' ' || title", {"beacon": BEACON})
    con.execute(
        "update waves set label = $label where id = (select max(id) from waves)",
        {"label": f"{BEACON} wave"},
    )


def marked_up_names(count: int) -> list[str]:
    return [f"{BEACON} {n}" if n % 2 else f"{HTML} {n} :material/face:" for n in range(count)]


@pytest.fixture(scope="session")
def markup_template(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return derived_data_template(tmp_path_factory, "markup", demo_db, mark_up_every_name)


@pytest.fixture
def markup_db(markup_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of the marked-up demo store for one AppTest run; the new team names."""
    with dashboard_on_a_copy_of(markup_template, tmp_path, monkeypatch) as path:
        con = store.connect(path)
        [(count,)] = con.execute("select count(*) from teams").fetchall()
        con.close()
        yield marked_up_names(count)


def shown_as_markdown(at: AppTest) -> list[str]:
    """The source of everything Streamlit draws as Markdown: bodies, labels, help texts."""
    out: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader"):
        out += [str(element.value) for element in at.get(kind)]
    for kind in ("title", "header", "toast"):
        out += [str(element.value) for element in at.get(kind)]
    out += [str(element.label) for element in at.get("expander")]
    for table in at.get("table"):  # st.table draws its cells and headings as Markdown
        frame = table.value
        out += [str(column) for column in frame.columns]
        out += [str(cell) for cell in frame.to_numpy().ravel()]
    out += [str(tab.label) for tab in at.tabs]
    for metric in at.get("metric"):
        out += [metric.label, metric.proto.help]
    for kind in WIDGETS:
        for element in at.get(kind):
            out += [str(getattr(element, "label", "")), str(getattr(element.proto, "help", ""))]
            if kind == "radio":  # radio options are Markdown too
                out += [str(option) for option in element.options]
    return out


def chart_texts(at: AppTest) -> list[str]:
    """Every string in every chart sent to the browser."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec))
    return found


def leaks(texts: list[str]) -> list[str]:
    return [text for text in texts if RAW_MARKDOWN.search(text)]


def chart_leaks(texts: list[str]) -> list[str]:
    return [text for text in texts if any(raw in text for raw in RAW_HTML)]


@pytest.mark.slow
def test_markup_in_names_is_shown_as_text_on_every_page_and_tab(markup_db):
    markdown_seen: list[str] = []
    chart_seen: list[str] = []
    for path in ALL_PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
        at.switch_page(path).run()
        assert not at.exception, f"{path}: {at.exception}"
        runs = [at]
        for label in section_labels(at)[1:]:
            runs.append(open_section(at, label))
            assert not at.exception, f"{path} {label}: {at.exception}"
            markdown_seen += shown_as_markdown(at)
            chart_seen += chart_texts(at)
        if not section_labels(at):
            markdown_seen += shown_as_markdown(at)
            chart_seen += chart_texts(at)
        else:
            open_section(at, section_labels(at)[0])
            markdown_seen += shown_as_markdown(at)
            chart_seen += chart_texts(at)
        assert not leaks(shown_as_markdown(at)), f"{path}: {leaks(shown_as_markdown(at))[:3]}"
    assert not leaks(markdown_seen), leaks(markdown_seen)[:5]
    assert not chart_leaks(chart_seen), chart_leaks(chart_seen)[:5]
    # The names were on screen, as text.
    assert any(plain.markdown(BEACON) in text for text in markdown_seen)
    assert any("&lt;b&gt;x&lt;/b&gt;" in text for text in chart_seen)


@pytest.mark.parametrize("page", ["pages/stress.py", "pages/supervision.py"])
def test_the_focused_on_box_shows_a_marked_up_team_as_text(markup_db, page):
    team = markup_db[1]  # the Beacon one
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["team"] = team
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    focused = [info.value for info in at.info if info.value.startswith("Focused on")]
    assert focused == [
        f"Focused on **{plain.markdown(team)}**: its figures against the organisation."
    ]


def test_a_marked_up_column_header_on_the_upload_page_is_text(demo_app_db):
    header = BEACON
    data = f"Team,{header}\nNorth,<b>x</b>\nSouth,4\n".encode()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file_0").set_value(("survey.csv", data, "text/csv")).run()
    assert not at.exception, at.exception
    seen = shown_as_markdown(at)
    assert not leaks(seen), leaks(seen)
    assert f"**{plain.markdown(header)}**" in seen


def test_chart_builders_draw_names_as_text_and_a_click_gives_the_name_back():
    rows = pd.DataFrame(
        {
            "team": [HTML, BEACON, "Plain"],
            "value": [0.3, 0.4, 0.5],
            "low": [0.2, 0.3, 0.4],
            "high": [0.4, 0.5, 0.6],
            "respondents": [12, 14, 16],
            "status": ["shown", "shown", "shown"],
            "verdict": ["higher", "could be chance", "lower"],
        }
    )
    figure = charts.team_intervals(
        rows, kind=figures.SHARE, axis_title="Stress", k=5, organisation=0.35
    )
    spec = figure.to_dict()
    texts = json.dumps(spec)
    assert "<b>x</b>" not in texts and '<a href=\\"http://host/' not in texts
    custom = next(point for trace in spec["data"] for point in (trace.get("customdata") or []))
    picked = figures.team_from_selection({"selection": {"points": [{"customdata": custom}]}})
    assert picked in {HTML, BEACON, "Plain"}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param(BEACON, "!\\[x\\](http://host/beacon.png) Beacon", id="image"),
        pytest.param("<b>x</b>", "\\<b\\>x\\</b\\>", id="html"),
        pytest.param("a :material/face: b", "a \\:material/face: b", id="icon-short-code"),
        pytest.param("# Big", "\\# Big", id="heading"),
        pytest.param("1. One", "1\\. One", id="numbered-list"),
        pytest.param("$x$ **y**", "\\$x\\$ \\*\\*y\\*\\*", id="maths-and-bold"),
        pytest.param("Front Door (MASH): 5", "Front Door (MASH): 5", id="plain-text-unchanged"),
    ],
)
def test_markdown_escaping(text, shown):
    assert plain.markdown(text) == shown
