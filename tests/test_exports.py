"""Exports: formula neutralisation, gated CSV/XLSX, PNG charts and the board pack PDF."""

from __future__ import annotations

import io

import duckdb
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pypdf
import pytest
from support import STORE_CONFIG, copy_store

from queries import equity, survey
from tests.conftest import load_survey, survey_csv
from wellbeing import privacy, store
from wellbeing.core import spreadsheets
from wellbeing.present import board_pack, exports


@pytest.fixture(scope="module", autouse=True)
def image_server():
    """Close kaleido's browser when this module is done, before the interpreter exits."""
    yield
    exports.stop_image_server()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        pytest.param('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', id="equals"),
        pytest.param("+1", "'+1", id="plus"),
        pytest.param("-1+1", "'-1+1", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\tcmd", "'\tcmd", id="tab"),
        pytest.param("\rcmd", "'\rcmd", id="carriage-return"),
        pytest.param("Front Door (MASH)", "Front Door (MASH)", id="ordinary-text"),
    ],
)
def test_text_a_spreadsheet_would_run_is_neutralised(cell, expected):
    assert spreadsheets.neutralise_formulas(pd.DataFrame({"team": [cell]}))["team"][0] == expected


def test_numbers_stay_numbers_when_neutralising():
    out = spreadsheets.neutralise_formulas(pd.DataFrame({"change": [-0.25, 1.0]}))
    assert out["change"].tolist() == [-0.25, 1.0]


def test_a_table_without_a_gate_status_cannot_be_made_readable_for_export():
    with pytest.raises(ValueError, match="confidentiality engine"):
        exports.readable(pd.DataFrame({"team": ["A"], "respondents": [3]}), k=5)


SMALL_GROUP = 7  # a distinctive count that must never reach a file


@pytest.fixture
def gated_rows(con):
    """Ethnicity by measure where one group of 7 (mean stress 1.75 x 4... see below) is hidden."""
    rows = (
        [{"team": "=cmd|' /C calc'!A0", "ethnicity": "White", "STR2": 3}] * 20
        + [
            {"team": "=cmd|' /C calc'!A0", "ethnicity": "Black or Black British", "STR2": value}
            for value in (1, 1, 1, 1, 2, 2, 5)
        ]
        + [{"team": "=cmd|' /C calc'!A0", "ethnicity": "Mixed or multiple", "STR2": 4}] * 12
    )
    load_survey(con, survey_csv(rows))
    filters = survey.Filters(wave_id=int(survey.waves(con)["id"].iloc[0]))
    gated = equity.construct_by_attribute(con, filters=filters, attributes=("ethnicity",))
    return gated[gated["construct"] == "stress"].reset_index(drop=True)


def hidden_values() -> list[str]:
    # The hidden group: 7 respondents, mean (4 + 4 + 5) / 7 = 1.857, share high 1/7 = 0.1429.
    return ["1.857", "0.142", "0.143", str(SMALL_GROUP)]


def test_csv_export_writes_hidden_groups_as_words_and_neutralises_formulas(gated_rows):
    table = exports.readable(gated_rows, k=10)
    text = exports.csv_bytes(table).decode("utf-8-sig")
    hidden_line = next(line for line in text.splitlines() if "Black or Black British" in line)
    assert "fewer than 10 responses" in hidden_line
    for value in hidden_values():
        assert value not in hidden_line
    assert ",1.857" not in text
    assert all(not line.startswith("=") for line in text.splitlines())


def test_xlsx_export_holds_no_hidden_figure_and_types_every_number(gated_rows):
    workbook = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_bytes(exports.readable(gated_rows, k=10)))
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    # Readable headings, not the query's column names.
    assert {"Ethnicity", "Respondents", "Mean score", "Hidden because"} <= set(header)
    assert not [h for h in header if "_" in h]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    hidden = next(row for row in rows if row["Ethnicity"].value == "Black or Black British")
    assert hidden["Respondents"].value is None
    assert hidden["Mean score"].value is None
    assert hidden["Hidden because"].value == "fewer than 10 responses"
    shown = next(row for row in rows if row["Ethnicity"].value == "White")
    # Numbers are numbers, with a format: 20 respondents, a share as a percentage.
    assert shown["Respondents"].value == 20 and shown["Respondents"].data_type == "n"
    assert shown["Share high"].number_format == "0%"
    assert isinstance(shown["Share high"].value, int | float)
    # Text that looks like a formula is text, marked as such, with no visible apostrophe.
    sheet = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_bytes(pd.DataFrame({"Team": ["=cmd|' /C calc'!A0"]})))
    ).active
    team = sheet["A2"]
    assert team.value == "=cmd|' /C calc'!A0"
    assert team.data_type == "s" and team.quotePrefix


def test_csv_export_writes_shares_as_percentages_and_counts_as_whole_numbers(gated_rows):
    text = exports.csv_bytes(exports.readable(gated_rows, k=10)).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    white = frame[frame["Ethnicity"] == "White"].iloc[0]
    assert white["Respondents"] == "20"
    assert white["Share high"] == "0.0%"  # twenty 3s: nobody at 4 or more
    assert white["Mean score"] == "3.00"


def test_a_chart_png_carries_its_title_and_source():
    figure = go.Figure(go.Bar(x=["A"], y=[1]))
    figure.update_layout(height=300, margin={"t": 20, "b": 40})
    titled = exports.titled_figure(
        figure, title="High stress by team, Autumn 2026", source="Source: staff survey."
    )
    assert "High stress by team, Autumn 2026" in titled.layout.title.text
    assert titled.layout.annotations[-1].text == "Source: staff survey."
    assert titled.layout.height > 300 and titled.layout.margin.t > 20
    assert figure.layout.title.text is None  # the page's own figure is untouched


@pytest.mark.slow
def test_a_chart_downloads_as_a_png():
    png = exports.figure_png(go.Figure(go.Bar(x=["A"], y=[1])))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def pdf_text(pdf: bytes) -> str:
    """The PDF's words, with line breaks and runs of spaces read as one space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.slow
def test_the_board_pack_has_every_section_its_figures_and_no_hidden_value(con):
    # Alpha 12 (stress 5), Beta 12 (stress 2), Tiny 4 (stress 1, 1, 1, 2: mean 1.25, hidden).
    rows = (
        [{"team": "Alpha", "service": "Adults", "STR2": 5, "SUP1": 4, "CHA1": 4, "CHF1": 4}] * 12
        + [{"team": "Beta", "service": "Adults", "STR2": 2, "SUP1": 2, "CHA1": 2, "CHF1": 2}] * 12
        + [
            {"team": "Tiny", "service": "Adults", "STR2": value, "SUP1": 3, "CHA1": 3, "CHF1": 3}
            for value in (1, 1, 1, 2)
        ]
    )
    load_survey(con, survey_csv(rows), wave="Autumn 2025")
    wave_id = int(survey.waves(con)["id"].iloc[0])
    pdf = board_pack.board_pack_pdf(con, wave_id=wave_id, rules=privacy.Rules())
    text = pdf_text(pdf)
    for heading in (
        "Headline figures",
        "Teams to look at first",
        "Stress",
        "Support and challenge",
        "Supervision",
        "Change fatigue",
        "About these figures",
    ):
        assert heading in text
    # High stress: Alpha's 12 of 28 = 43%; high support and challenge 12 / 28 = 43%.
    assert "High stress" in text and "43%" in text
    assert "Autumn 2025" in text
    # The cover: scope, wave, the data's dates, respondents and the day it was prepared.
    assert "For the organisation" in text
    assert "Data survey responses 1 October 2025 to 1 October 2025" in text
    assert "Respondents 28" in text
    assert "Prepared" in text
    assert "fewer than 5 respondents" in text  # the anonymity rule, stated
    # Tiny's figures are hidden: its label says so and its mean or count appear nowhere.
    assert "fewer than 5 responses" in text
    assert "1.25" not in text
    assert "4 respondents" not in text


@pytest.mark.slow
def test_the_board_pack_is_produced_for_one_service_of_the_sample_data(demo_db, tmp_path):
    # Its speed (under 30 s on the sample data) is measured by bench/run.py, not here.
    # A copy: opening a store writes to it, and demo_db is every other test's template.
    connection = store.connect(copy_store(demo_db, tmp_path / "demo.duckdb"))
    try:
        wave_id = int(survey.waves(connection)["id"].iloc[-1])
        pdf = board_pack.board_pack_pdf(connection, wave_id=wave_id, service="Children's services")
    finally:
        connection.close()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Workforce wellbeing: Children's services" in text
    assert "Hospital Discharge" not in text  # an adults' team has no place in this pack


@pytest.mark.slow
def test_the_board_pack_lists_open_actions_in_its_scope_with_what_moved(demo_db):
    # Read-only: demo_db is every test's template (the engine keeps verdicts where it may).
    connection = duckdb.connect(str(demo_db), read_only=True, config=STORE_CONFIG)
    try:
        wave_id = int(survey.waves(connection)["id"].iloc[-1])
        adults = board_pack.build(connection, wave_id=wave_id, service="Adults' services")
        children = board_pack.build(connection, wave_id=wave_id, service="Children's services")
        page = board_pack.render_html(adults)
    finally:
        connection.close()
    # The sample data's two actions are on adults' teams, both in progress.
    assert [action.split(" \u00b7 ")[1] for action, _ in adults.open_actions] == [
        "Community Team East (team)",
        "Reablement (team)",
    ]
    moved = dict(adults.open_actions)
    assert any("better beyond chance" in m for m in moved.values())
    assert any("could be chance" in m for m in moved.values())
    assert children.open_actions == []
    assert "<h2>Open actions</h2>" in page and "Caseload cap of 18" in page
    assert "No planned or in-progress actions" in board_pack.render_html(children)
