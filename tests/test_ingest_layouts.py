"""Survey exports from every common tool are read, mapped and validated as HR would expect.

Each fixture in tests/fixtures/exports imitates one tool's real layout (see
make_exports.py there); the expected numbers below are counted by hand from those
files, with the arithmetic in the comments.
"""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wellbeing.core import instruments
from wellbeing.ingest import mapping
from wellbeing.ingest.reading import ImportProblem, read_export
from wellbeing.ingest.survey import import_survey, prepare_survey, suggest_survey_mapping
from wellbeing.ingest.values import parse_dates, repair_excel_damage

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def read(name: str, **options: str):
    return read_export((EXPORTS / name).read_bytes(), name, **options)


def prepared(con: duckdb.DuckDBPyConnection, name: str, *, day_first: bool = True):
    table = read(name)
    _, suggested = suggest_survey_mapping(con, table)
    return table, suggested, prepare_survey(table, suggested, salt="test", day_first=day_first)


@pytest.mark.parametrize(
    ("name", "layout", "encoding", "delimiter", "header_rows", "rows", "columns"),
    [
        pytest.param("ms_forms.csv", "ms_forms", "utf-8-sig", ",", 1, 6, 10, id="ms-forms-bom"),
        pytest.param("google_forms.csv", "google_forms", "utf-8-sig", ",", 1, 5, 5, id="google"),
        pytest.param("qualtrics.csv", "qualtrics", "utf-8-sig", ",", 3, 4, 18, id="qualtrics"),
        # 14 headers with a trailing comma: the empty, unnamed 14th column is left out.
        pytest.param(
            "qualtrics_legacy.csv", "qualtrics_legacy", "utf-8-sig", ",", 2, 3, 13, id="legacy"
        ),
        pytest.param("surveymonkey.csv", "surveymonkey", "cp1252", ",", 2, 4, 13, id="monkey"),
        pytest.param("typeform.csv", "typeform", "utf-8-sig", ",", 1, 4, 9, id="typeform"),
        pytest.param("semicolon_excel.csv", "plain", "cp1252", ";", 1, 5, 6, id="semicolon"),
        pytest.param("tab_separated.tsv", "plain", "utf-8-sig", "\t", 1, 3, 3, id="tab"),
        pytest.param("unicode_text.txt", "plain", "utf-16", "\t", 1, 3, 2, id="utf-16"),
        pytest.param("workbook.xlsx", "google_forms", "xlsx", None, 1, 4, 5, id="xlsx"),
    ],
)
def test_each_tool_layout_is_recognised_with_its_encoding_and_delimiter(
    name, layout, encoding, delimiter, header_rows, rows, columns
):
    table = read(name)
    assert (table.layout, table.encoding, table.delimiter, table.header_rows) == (
        layout,
        encoding,
        delimiter,
        header_rows,
    )
    assert table.frame.shape == (rows, columns)
    assert table.describe()  # the preview sentence is built for every layout


@pytest.mark.parametrize(
    ("name", "day_first", "read_rows", "stored", "rejects"),
    [
        # 6 rows: row 6 answers STR2 'Sometimes' (a frequency label, not agreement),
        # row 7 has no team; 6 - 2 = 4 stored.
        pytest.param(
            "ms_forms.csv",
            True,
            6,
            4,
            [
                (6, "Stress at work affects my ability to do my job well", "Sometimes"),
                (7, "Which team do you work in?", ""),
            ],
            id="ms-forms",
        ),
        # 31 February does not exist; the submitted time feeds no figure, so the date is
        # left blank and said, and the response is kept (issue 16).
        pytest.param("google_forms.csv", True, 5, 5, [], id="google"),
        # Data starts on file row 4 (three header rows); the third response answers Q3 with 6.
        pytest.param("qualtrics.csv", True, 4, 3, [(6, "Q3", "6")], id="qualtrics"),
        pytest.param("qualtrics_legacy.csv", True, 3, 3, [], id="legacy"),
        pytest.param("surveymonkey.csv", False, 4, 4, [], id="monkey-us-dates"),
        pytest.param("typeform.csv", True, 4, 4, [], id="typeform"),
        pytest.param("semicolon_excel.csv", True, 5, 5, [], id="semicolon"),
        pytest.param("tab_separated.tsv", True, 3, 3, [], id="tab"),
        pytest.param("unicode_text.txt", True, 3, 3, [], id="utf-16"),
        # The fourth response (file row 5) answers STR1 with 9.
        pytest.param(
            "workbook.xlsx",
            True,
            4,
            3,
            [(5, "How stressed does your work make you feel?", "9")],
            id="xlsx",
        ),
    ],
)
def test_every_fixture_maps_by_suggestion_and_lists_exactly_its_bad_cells(
    con, name, day_first, read_rows, stored, rejects
):
    _, _, result = prepared(con, name, day_first=day_first)
    assert result.rows_read == read_rows
    assert len(result.responses) == stored
    assert list(result.rejects[["row", "column", "value"]].itertuples(index=False, name=None)) == (
        rejects
    )


def test_a_bad_cell_says_why_in_words_hr_can_act_on(con):
    _, _, result = prepared(con, "ms_forms.csv")
    reasons = dict(zip(result.rejects["row"], result.rejects["reason"], strict=True))
    assert reasons[6].startswith("unknown answer label")
    assert "strongly agree" in reasons[6]  # it lists what the question accepts
    assert reasons[7] == "no team"


def test_qualtrics_columns_are_mapped_by_their_question_text_row(con):
    table = read("qualtrics.csv")
    _, suggested = suggest_survey_mapping(con, table)
    assert table.question_text["Q2"] == "How stressed does your work make you feel?"
    assert {column: suggested[column] for column in ("Q1", "Q2", "Q3", "Q4")} == {
        "Q1": "field:team",
        "Q2": "item:STR1",
        "Q3": "item:STR2",
        "Q4": "item:SUP1",
    }


def test_surveymonkey_matrix_rows_map_to_the_items_they_state(con):
    table = read("surveymonkey.csv")
    _, suggested = suggest_survey_mapping(con, table)
    matrix = "How far do you agree with each statement? - My manager supports me when I need it"
    assert suggested[matrix] == "item:SUP1"


def test_typeform_repeated_headers_are_numbered_and_said(con):
    table = read("typeform.csv")
    assert [c for c in table.frame.columns if c.startswith("Which of these")] == [
        "Which of these have you used?",
        "Which of these have you used? (2)",
        "Which of these have you used? (3)",
    ]
    assert any("numbered" in note for note in table.notes)


def test_windows_1252_letters_come_through_and_the_guess_is_said():
    table = read("surveymonkey.csv")
    assert set(table.frame["Which team do you work in?"]) == {
        "Children\u2019s Team",
        "Caf\u00e9 Outreach Team",
    }
    assert any("Windows-1252" in note for note in table.notes)


def test_utf16_text_from_excel_keeps_accents():
    assert read("unicode_text.txt").frame["Team"].tolist() == [
        "\u00c9quipe Nord",
        "\u00c9quipe Nord",
        "Beta Team",
    ]


def test_choosing_utf8_for_a_windows_1252_file_is_refused_with_a_way_out():
    with pytest.raises(ImportProblem, match="not UTF-8.*Choose another encoding"):
        read("surveymonkey.csv", encoding="utf-8")


def test_choosing_windows_1252_for_a_utf8_file_reads_it_as_asked():
    # The override is obeyed: UTF-8 bytes of an e-acute read as two Windows-1252 letters.
    table = read_export("Team,STR1\nCaf\u00e9,4\n".encode(), "x.csv", encoding="cp1252")
    assert table.frame["Team"].tolist() == ["Caf\u00c3\u00a9"]


def test_a_delimiter_override_wins_over_detection():
    data = b"Team;Notes,more\nNorth;a,b\n"
    assert read_export(data, "x.csv", delimiter=";").frame.columns.tolist() == [
        "Team",
        "Notes,more",
    ]


def test_a_utf8_bom_does_not_stick_to_the_first_header():
    table = read_export(b"\xef\xbb\xbfTeam,STR1\r\nNorth,4\r\n", "bom.csv", encoding="utf-8")
    assert table.frame.columns.tolist() == ["Team", "STR1"]


def test_blank_lines_do_not_shift_the_row_numbers_hr_is_told():
    data = b"Team,STR1\n\nNorth,4\n\nSouth,9\n"
    # Spreadsheet rows: 1 header, 2 blank, 3 North, 4 blank, 5 South.
    table = read_export(data, "gaps.csv")
    result = prepare_survey(table, {"Team": "field:team", "STR1": "item:STR1"}, salt="s")
    assert result.rejects[["row", "value"]].values.tolist() == [[5, "9"]]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Strongly agree", 5.0, id="label"),
        pytest.param("  STRONGLY   agree ", 5.0, id="case-and-spacing"),
        pytest.param("5 - Strongly agree", 5.0, id="numbered-dash"),
        pytest.param("(4) Agree", 4.0, id="numbered-brackets"),
        pytest.param("2. Disagree", 2.0, id="numbered-dot"),
        pytest.param("4", 4.0, id="number"),
        pytest.param("4.0", 4.0, id="number-as-excel-writes-it"),
        pytest.param("Not applicable", None, id="not-applicable-is-missing"),
        pytest.param("Don\u2019t know", None, id="dont-know-curly-is-missing"),
        pytest.param("N/A", None, id="na-is-missing"),
        pytest.param("", None, id="blank-is-missing"),
    ],
)
def test_answers_are_read_as_numbers_or_labels(raw, expected):
    item = next(item for item in instruments.all_items() if item.code == "STR2")
    assert instruments.parse_answer(raw, item, instruments.label_sets()).value == expected


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        pytest.param("5-Jan", "1-5", id="day-month"),
        pytest.param("10-Jun", "6-10", id="two-digit-day"),
        pytest.param("Jun-10", "6-10", id="month-day"),
        pytest.param("2026-01-05 00:00:00", "1-5", id="xlsx-date-cell"),
        pytest.param("1-5", "1-5", id="undamaged-unchanged"),
        pytest.param("More than 10", "More than 10", id="text-unchanged"),
    ],
)
def test_excel_date_damage_is_read_back_as_the_range_it_was(damaged, repaired):
    values, _ = repair_excel_damage(pd.Series([damaged], dtype="str"))
    assert values.tolist() == [repaired]


def test_excel_damage_in_a_resaved_csv_is_repaired_before_storing(con):
    table = read("semicolon_excel.csv")
    _, suggested = suggest_survey_mapping(con, table)
    import_survey(con, table, suggested, wave="W", uploaded_by="test")
    stages = con.execute("select career_stage from responses order by id").fetchall()
    # 5-Jan, 10-Jun, 5-Jan, More than 10, Jun-10.
    assert [stage for (stage,) in stages] == ["1-5", "6-10", "1-5", "More than 10", "6-10"]


def test_excel_damage_saved_into_a_workbook_is_repaired(con):
    table, _, result = prepared(con, "workbook.xlsx")
    # Rows 2-4 are kept (row 5 has STR1 = 9): a date cell, 'More than 10', '6-10'.
    assert result.responses["career_stage"].tolist() == ["1-5", "More than 10", "6-10"]
    assert any("Excel date damage" in note for note in result.notes)
    assert any("ignored 'Notes'" in note for note in table.notes)


def test_stored_scores_follow_from_the_labels_in_the_file(con):
    table = read("ms_forms.csv")
    _, suggested = suggest_survey_mapping(con, table)
    import_survey(con, table, suggested, wave="Autumn 2026", uploaded_by="test")
    scores = con.execute(
        "select r.team, s.score from construct_scores s join responses r on r.id = s.response_id "
        "where s.construct = 'stress' order by r.id"
    ).fetchall()
    # Stress = mean(STR1, STR2); STR3/STR4 were not asked so the half rule uses 2 items.
    # Very=4, Agree=4 -> 4; Extremely=5, Strongly agree=5 -> 5;
    # A little=2, Disagree=2 -> 2; ' moderately '=3, neither...=3 -> 3.
    assert scores == [
        ("Alpha Team", 4.0),
        ("Alpha Team", 5.0),
        ("Beta Team", 2.0),
        ("Beta Team", 3.0),
    ]
    support = con.execute(
        "select count(*) from answers a join items i on i.id = a.item_id where i.code = 'SUP1'"
    ).fetchall()[0][0]
    # SUP1: Strongly agree, Not applicable (missing), Agree, Don't know (missing) -> 2 stored.
    assert support == 2


def test_us_dates_in_a_uk_installation_are_left_blank_with_the_fix_and_block_nothing(con):
    # The submitted time feeds no figure (issue 16): a warning, never a held-back row.
    _, _, result = prepared(con, "surveymonkey.csv", day_first=True)
    assert result.rejects.empty
    assert len(result.responses) == 4
    assert result.responses["submitted_at"].isna().all()
    (note,) = [note for note in result.notes if "could not be read" in note]
    assert "they read as month first (US): change the date order" in note
    assert "no response is held back" in note


def test_ambiguous_dates_are_noted_with_the_order_used(con):
    _, _, result = prepared(con, "google_forms.csv")
    assert any("could be read either way" in note and "day first" in note for note in result.notes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("31/01/2026", "2026-01-31 00:00:00", id="uk"),
        pytest.param("2026-01-31 09:30:00", "2026-01-31 09:30:00", id="iso"),
        pytest.param("46053", "2026-01-31 00:00:00", id="excel-serial"),
        pytest.param("31/01/2026 01:15:00 PM", "2026-01-31 13:15:00", id="am-pm"),
    ],
)
def test_dates_are_read_in_every_form_exports_use(text, expected):
    stamps, bad = parse_dates(pd.Series([text], dtype="str"))
    assert not bad.any()
    assert str(stamps.iloc[0]) == expected


def all_text_in_store(con: duckdb.DuckDBPyConnection) -> str:
    """Every value of every table, as one string, to search for what must not be there."""
    tables = [row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()]
    return "\n".join(con.execute(f'select * from "{table}"').df().to_csv() for table in tables)


@pytest.mark.parametrize(
    ("name", "personal_values"),
    [
        pytest.param(
            "ms_forms.csv",
            ["ann.smith@council.gov.uk", "Ann Smith", "bob.jones@council.gov.uk", "Bob Jones"],
            id="ms-forms-email-name",
        ),
        pytest.param(
            "qualtrics.csv",
            ["203.0.113.10", "ann@council.gov.uk", "51.5072", "-0.1276", "R_fixture1"],
            id="qualtrics-ip-location-email-and-raw-id",
        ),
        pytest.param(
            "surveymonkey.csv", ["198.51.100.7", "11800001"], id="surveymonkey-ip-and-raw-id"
        ),
        pytest.param("google_forms.csv", ["carol@council.gov.uk"], id="google-email"),
    ],
)
def test_personal_data_is_dropped_and_found_nowhere_in_the_store(con, name, personal_values):
    table = read(name)
    _, suggested = suggest_survey_mapping(con, table)
    report = import_survey(
        con, table, suggested, wave="W", uploaded_by="test", day_first=name != "surveymonkey.csv"
    )
    assert report.rows_stored > 0
    stored = all_text_in_store(con)
    for value in personal_values:
        assert value not in stored, f"{value!r} reached the store"
    assert any("personal data" in note for note in report.notes)


def test_respondent_ids_are_stored_only_as_salted_hashes(con):
    table = read("qualtrics.csv")
    _, suggested = suggest_survey_mapping(con, table)
    import_survey(con, table, suggested, wave="W", uploaded_by="test")
    hashes = [h for (h,) in con.execute("select respondent_hash from responses").fetchall()]
    assert len(hashes) == 3 and all(len(h) == 32 for h in hashes)
    assert not any("R_fixture" in h for h in hashes)


@pytest.mark.parametrize(
    ("data", "file_name", "message"),
    [
        pytest.param(b"", "empty.csv", "The file is empty", id="empty"),
        pytest.param(b"   \r\n\r\n", "blank.csv", "The file is empty", id="only-blank-lines"),
        pytest.param(b"\x00\x01\x02binary\x00", "x.csv", "binary data", id="binary"),
        pytest.param(b"%PDF-1.7\n...", "survey.pdf", "PDF document", id="pdf"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1", "old.xls", "old Excel .xls", id="xls"),
        pytest.param(b"PK\x03\x04not really a workbook", "x.xlsx", "not an Excel", id="bad-zip"),
        pytest.param(b"Team\nNorth\nSouth\n", "list.csv", "Only one column", id="one-column"),
        pytest.param(b"Team,STR1\n", "headers.csv", "headers but no responses", id="no-rows"),
    ],
)
def test_structural_problems_are_one_sentence_saying_what_to_do(data, file_name, message):
    with pytest.raises(ImportProblem, match=message):
        read_export(data, file_name)


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        pytest.param({"STR1": "item:STR1"}, "No column is mapped to Team", id="no-team"),
        pytest.param(
            {"Team": "field:team"}, "No column is mapped to a survey question", id="no-item"
        ),
        pytest.param(
            {"Team": "field:team", "STR1": "item:STR1", "Other": "item:STR1"},
            "More than one column is mapped to question STR1",
            id="item-twice",
        ),
        pytest.param(
            {"Team": "field:team", "Other": "field:team", "STR1": "item:STR1"},
            "More than one column is mapped to team",
            id="field-twice",
        ),
        pytest.param(
            {"Team": "field:team", "STR1": "item:NOPE"},
            "which a survey does not have",
            id="bad-target",
        ),
    ],
)
def test_structural_mapping_problems_are_one_sentence(chosen, message):
    table = read_export(b"Team,STR1,Other\nNorth,4,4\n", "x.csv")
    with pytest.raises(ImportProblem, match=message):
        prepare_survey(table, chosen, salt="s")


def test_a_saved_mapping_is_suggested_for_the_next_export_from_the_same_tool(con):
    table = read("qualtrics.csv")
    _, suggested = suggest_survey_mapping(con, table)
    suggested["Progress"] = "personal"  # HR's own decision, which the header would not suggest
    mapping.save_mapping(con, name="Qualtrics staff survey", kind="survey", mapping=suggested)
    name, again = suggest_survey_mapping(con, read("qualtrics.csv"))
    assert name == "Qualtrics staff survey"
    assert again["Progress"] == "personal"


def test_a_single_column_dirty_file_can_be_read_with_the_delimiter_chosen_by_hand():
    # A pipe-separated file sniffs as one column; choosing the delimiter is the way out.
    data = io.BytesIO(b"Team|STR1\nNorth|4\n").getvalue()
    with pytest.raises(ImportProblem, match="choose the delimiter by hand"):
        read_export(data, "pipes.csv")
    assert read_export(data, "pipes.csv", delimiter="|").frame.columns.tolist() == ["Team", "STR1"]
