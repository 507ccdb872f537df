"""Real public exports (../shared/realdata) are imported, or refused for a specific reason.

These files were written by other people's tools, not by us. The folder is not
part of the repository, so every test here skips cleanly when it is absent.
Expected counts are worked out from the files with the csv module, independently
of the import code.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import REALDATA
from wellbeing.ingest.reading import ImportProblem, read_export
from wellbeing.ingest.survey import import_survey, prepare_survey, suggest_survey_mapping

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not here")

QUALTRICS = REALDATA / "format-samples" / "qualtrics" / "sample.csv"
QUALTRICS_LEGACY = REALDATA / "format-samples" / "qualtrics" / "sample_legacy.csv"
STAR_WARS = REALDATA / "format-samples" / "surveymonkey" / "StarWars.csv"
OSMI = REALDATA / "osmi-2014" / "survey.csv"
IBM = REALDATA / "ibm-hr-attrition" / "WA_Fn-UseC_-HR-Employee-Attrition.csv"
PIERCE_CSV = REALDATA / "pierce-county-engagement" / "Employee Survey - HR Survey Reponses.csv"
PIERCE_XLSX = REALDATA / "pierce-county-engagement" / "HR Employee Survey Responses.xlsx"


def read(path: Path):
    return read_export(path.read_bytes(), path.name)


def csv_rows(path: Path, encoding: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize(
    ("path", "layout", "encoding", "header_rows", "rows"),
    [
        pytest.param(QUALTRICS, "qualtrics", "utf-8-sig", 3, 1, id="qualtrics"),
        pytest.param(
            QUALTRICS_LEGACY, "qualtrics_legacy", "utf-8-sig", 2, 1, id="qualtrics-legacy"
        ),
        pytest.param(STAR_WARS, "surveymonkey", "cp1252", 2, 1186, id="surveymonkey-starwars"),
        pytest.param(OSMI, "google_forms", "utf-8-sig", 1, 1259, id="osmi-2014"),
        pytest.param(IBM, "plain", "utf-8-sig", 1, 1470, id="ibm-attrition"),
        pytest.param(PIERCE_CSV, "long", "utf-8-sig", 1, 14725, id="pierce-csv"),
        pytest.param(PIERCE_XLSX, "long", "xlsx", 1, 14725, id="pierce-xlsx"),
    ],
)
def test_each_real_export_is_read_with_the_right_layout(path, layout, encoding, header_rows, rows):
    table = read(path)
    assert (table.layout, table.encoding, table.header_rows, len(table.frame)) == (
        layout,
        encoding,
        header_rows,
        rows,
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        # None of these surveys asked which team the respondent works in.
        pytest.param(QUALTRICS, "No column is mapped to Team", id="qualtrics"),
        pytest.param(QUALTRICS_LEGACY, "No column is mapped to Team", id="qualtrics-legacy"),
        pytest.param(STAR_WARS, "No column is mapped to Team", id="surveymonkey-starwars"),
        pytest.param(OSMI, "No column is mapped to Team", id="osmi-2014"),
        pytest.param(IBM, "No column is mapped to Team", id="ibm-attrition"),
        # One row per answer and no respondent id: answers cannot be regrouped per person.
        pytest.param(PIERCE_CSV, "one row per answer", id="pierce-csv"),
        pytest.param(PIERCE_XLSX, "one row per answer", id="pierce-xlsx"),
    ],
)
def test_each_real_export_as_suggested_is_refused_for_a_specific_reason(con, path, reason):
    table = read(path)
    _, suggested = suggest_survey_mapping(con, table)
    with pytest.raises(ImportProblem, match=reason):
        prepare_survey(table, suggested, salt="s")


@pytest.mark.parametrize(
    ("path", "personal"),
    [
        pytest.param(
            QUALTRICS,
            {
                "IPAddress",
                "RecipientLastName",
                "RecipientFirstName",
                "RecipientEmail",
                "LocationLatitude",
                "LocationLongitude",
            },
            id="qualtrics",
        ),
        pytest.param(
            QUALTRICS_LEGACY,
            {"Name", "EmailAddress", "IPAddress", "LocationLatitude", "LocationLongitude"},
            id="qualtrics-legacy",
        ),
        pytest.param(STAR_WARS, {"Location (Census Region)"}, id="surveymonkey-starwars"),
        pytest.param(OSMI, {"Country", "state"}, id="osmi-2014"),
    ],
)
def test_personal_columns_of_real_exports_are_recognised(con, path, personal):
    _, suggested = suggest_survey_mapping(con, read(path))
    assert {column for column, target in suggested.items() if target == "personal"} == personal


def test_the_ibm_bom_does_not_stick_to_its_first_header():
    assert read(IBM).frame.columns[0] == "Age"


def test_starwars_imports_once_hr_maps_a_team_and_a_yes_no_question(con):
    table = read(STAR_WARS)
    fan = "Do you consider yourself to be a fan of the Star Wars film franchise?"
    region = "Location (Census Region)"
    chosen = {region: "field:team", fan: "item:ACC1"}
    report = import_survey(con, table, chosen, wave="2014", uploaded_by="test")

    rows = csv_rows(STAR_WARS, "cp1252")[2:]
    no_region = sum(1 for row in rows if not row[-1].strip())
    answered = sum(1 for row in rows if row[-1].strip() and row[2] in {"Yes", "No"})
    assert (report.rows_read, report.rows_rejected, report.rows_stored) == (
        1186,
        no_region,
        1186 - no_region,
    )
    stored = con.execute("select count(*) from answers").fetchall()[0][0]
    assert stored == answered
    reasons = {r for (r,) in con.execute("select distinct reason from upload_rejects").fetchall()}
    assert reasons == {"no team"}


def test_osmi_imports_with_na_as_missing_once_hr_maps_a_team(con):
    table = read(OSMI)
    chosen = {
        "Country": "field:team",
        "work_interfere": "item:STR4",
        "Timestamp": "field:submitted_at",
    }
    report = import_survey(con, table, chosen, wave="2014", uploaded_by="test")
    rows = csv_rows(OSMI, "utf-8")
    column = rows[0].index("work_interfere")
    answered = sum(1 for row in rows[1:] if row[column] != "NA")
    assert (report.rows_stored, report.rows_rejected) == (1259, 0)
    assert con.execute("select count(*) from answers").fetchall()[0][0] == answered
