"""A council's own survey: its questions into measures, its scales rescaled, its people once."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from queries import measures, survey
from wellbeing.ingest import survey as survey_import
from wellbeing.ingest.reading import ImportProblem, read_export
from wellbeing.ingest.survey import (
    NewMeasure,
    SurveyPlan,
    import_survey,
    prepare_survey,
    suggest_survey_mapping,
)
from wellbeing.store import identifier_keys

COUNCIL = Path(__file__).parent / "fixtures" / "council"
NORTHSHIRE = COUNCIL / "northshire.csv"


def table_of(text: str, name: str = "own.csv"):
    return read_export(text.encode("utf-8"), name)


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def org_figure(con, construct: str) -> tuple[int, float]:
    wave_id = int(survey.waves(con)["id"].iloc[-1])
    figures = survey.construct_for_organisation(con, filters=survey.Filters(wave_id=wave_id))
    row = figures.set_index("construct").loc[construct]
    return int(row["respondents"]), round(float(row["mean_score"]), 6)


def test_a_one_to_four_question_in_a_measure_is_rescaled_by_the_documented_rule(con):
    # y = 1 + (x - 1) * 4 / 3 on 1-5: answers 1, 2, 3, 4, 4 -> 1, 2.3333, 3.6667, 5, 5
    # mean = (1 + 7/3 + 11/3 + 5 + 5) / 5 = 17 / 5 = 3.4
    rows = [[i + 1, "North", answer] for i, answer in enumerate([1, 2, 3, 4, 4] * 4)]
    table = table_of(csv_text(["Response ID", "Team", "How stressed are you at work?"], rows))
    mapping = {
        "Response ID": "field:respondent_id",
        "Team": "field:team",
        "How stressed are you at work?": "measure:stress",
    }
    report = import_survey(con, table, mapping, wave="W", uploaded_by="hr")
    assert report.rows_stored == 20
    assert org_figure(con, "stress") == (20, 3.4)
    read = con.execute(
        "select answer_scale, scale_low, scale_high from upload_questions"
    ).fetchall()
    assert read == [("1-4", 1.0, 4.0)]


def test_a_one_to_four_column_on_a_one_to_five_question_is_a_mapping_problem_with_the_fix(con):
    rows = [[i + 1, "North", 1 + i % 4] for i in range(40)]
    table = table_of(csv_text(["ID", "Team", "Stress affects my work"], rows))
    mapping = {
        "ID": "field:respondent_id",
        "Team": "field:team",
        "Stress affects my work": "item:STR2",
    }
    with pytest.raises(ImportProblem) as problem:
        prepare_survey(table, mapping, salt="s")
    message = str(problem.value)
    assert "answered on 1-4, but question STR2 is asked on" in message
    assert "The fix is in the mapping, not the file" in message
    assert "in the measure 'Stress' instead (its answers are then rescaled onto 1-5)" in message


def test_an_ambiguous_scale_is_asked_about_and_the_answer_is_used(con):
    # Answers 2, 3 and 4 only: 1-4 or 1-5? HR says 1-5, so nothing is rescaled: mean 3.
    rows = [[i + 1, "North", 2 + i % 3] for i in range(30)]
    table = table_of(csv_text(["ID", "Team", "How stressed are you?"], rows))
    mapping = {
        "ID": "field:respondent_id",
        "Team": "field:team",
        "How stressed are you?": "measure:stress",
    }
    with pytest.raises(ImportProblem, match="Choose its answer scale"):
        prepare_survey(table, mapping, salt="s")
    plan = SurveyPlan(scales={"How stressed are you?": "1-5"})
    import_survey(con, table, mapping, wave="W", uploaded_by="hr", plan=plan)
    assert org_figure(con, "stress") == (30, 3.0)


def test_the_council_export_imports_with_every_suggestion_accepted(con):
    table = read_export(NORTHSHIRE.read_bytes(), NORTHSHIRE.name)
    _, mapping = suggest_survey_mapping(con, table)
    assert mapping["Years since qualifying"] == "field:career_stage"
    assert mapping["I feel valued by senior leaders"] == "single"
    report = import_survey(con, table, mapping, wave="Autumn 2026", uploaded_by="hr")
    assert (report.rows_read, report.rows_stored) == (180, 180)
    own = measures.own_measures(con).set_index("code")
    assert own.loc["valued_senior_leaders", "name"] == "I feel valued by senior leaders"
    assert bool(own.loc["valued_senior_leaders", "single_question"])
    # Every stored measure, built-in or own, is a construct the figures list and gate.
    assert {"valued_senior_leaders", "recommend_council_place_work"} <= set(
        survey.constructs(con)["code"]
    )
    assert org_figure(con, "valued_senior_leaders")[0] == 180
    # Two-digit years in US order (11/16/26 6:18:41) read month first when chosen:
    # imported day first here, they could not all be read, and nothing was held back.
    assert any("could not be read" in note for note in report.notes)


def test_two_digit_years_are_read_in_either_order():
    from wellbeing.ingest.values import parse_dates

    us, bad_us = parse_dates(pd.Series(["11/16/26 6:18:41"]), day_first=False)
    uk, bad_uk = parse_dates(pd.Series(["16/11/26 6:18:41"]), day_first=True)
    assert not bad_us.any() and not bad_uk.any()
    assert us.iloc[0] == uk.iloc[0] == pd.Timestamp("2026-11-16 06:18:41")


def test_a_new_measure_hr_names_is_made_with_its_direction_and_cut_off(con):
    rows = [[i + 1, "North", "Agree" if i % 3 else "Strongly agree", 4 + i % 2] for i in range(12)]
    header = ["ID", "Team", "I feel valued by senior leaders", "Leaders recognise my work"]
    table = table_of(csv_text(header, rows))
    plan = SurveyPlan(
        measures={
            "valued": NewMeasure(
                code="valued",
                name="Feeling valued",
                description="Recognition from senior leaders",
                higher_is_better=True,
                high_cutoff=4.5,
            )
        },
        scales={"Leaders recognise my work": "1-5", "I feel valued by senior leaders": "agreement"},
    )
    mapping = {
        "ID": "field:respondent_id",
        "Team": "field:team",
        "I feel valued by senior leaders": "measure:valued",
        "Leaders recognise my work": "measure:valued",
    }
    import_survey(con, table, mapping, wave="W", uploaded_by="hr", plan=plan)
    own = measures.own_measures(con).set_index("code").loc["valued"]
    assert (own["name"], own["version"], own["high_cutoff"]) == ("Feeling valued", 1, 4.5)
    assert bool(own["higher_is_better"])
    # Scores: (Agree 4 or Strongly agree 5) with 4 or 5: respondent i has
    # (5 if i % 3 == 0 else 4) and (4 + i % 2); mean over 12 of their means:
    # i=0..11 -> (5+4)/2, (4+5)/2, (4+4)/2, (5+5)/2, ... sum of pairs = 4*... computed below.
    expected = sum(((5 if i % 3 == 0 else 4) + 4 + i % 2) / 2 for i in range(12)) / 12
    assert org_figure(con, "valued") == (12, round(expected, 6))


def test_reverse_keying_is_suggested_from_the_wording(con):
    table = read_export(NORTHSHIRE.read_bytes(), NORTHSHIRE.name)
    _, mapping = suggest_survey_mapping(con, table)
    prepared = prepare_survey(table, mapping, salt="s")
    by_column = {q.column: q for q in prepared.questions}
    workload = by_column["My workload is manageable"]
    assert workload.reverse and "manageable" in workload.reverse_why
    assert not by_column["My line manager gives me the support I need"].reverse


def test_a_question_running_against_the_rest_of_its_measure_is_suggested_the_other_way(con):
    # Two support questions agree with each other; the third says the opposite with no
    # word to give it away, so only its item-rest correlation can tell.
    rows = []
    for i in range(30):
        level = 1 + i % 5
        rows.append([i + 1, "North", level, level, 6 - level])
    header = ["ID", "Team", "My manager supports me", "Colleagues help me", "My team is busy"]
    table = table_of(csv_text(header, rows))
    mapping = {
        "ID": "field:respondent_id",
        "Team": "field:team",
        **{column: "measure:support" for column in header[2:]},
    }
    prepared = prepare_survey(table, mapping, salt="s")
    alone = {q.column: q for q in prepared.questions}["My team is busy"]
    assert alone.reverse and "item-rest r" in alone.reverse_why
    assert alone.item_rest == pytest.approx(1.0)
    assert prepared.reliability["support"].alpha == pytest.approx(1.0)
    # HR has the last word: told not to reverse it, it is not, and alpha shows the harm.
    kept = prepare_survey(
        table, mapping, salt="s", plan=SurveyPlan(reverse={"My team is busy": False})
    )
    assert not {q.column: q for q in kept.questions}["My team is busy"].reverse
    assert kept.reliability["support"].alpha < 0.7


def xlsx_of(csv_path: Path) -> bytes:
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    out = io.BytesIO()
    frame.to_excel(out, index=False)
    return out.getvalue()


def test_the_same_responses_as_xlsx_and_as_csv_count_once(con):
    csv_table = read_export(NORTHSHIRE.read_bytes(), NORTHSHIRE.name)
    xlsx_table = read_export(xlsx_of(NORTHSHIRE), "northshire.xlsx")
    _, mapping = suggest_survey_mapping(con, xlsx_table)
    import_survey(con, xlsx_table, mapping, wave="Autumn 2026", uploaded_by="hr")
    with pytest.raises(ImportProblem) as problem:
        import_survey(con, csv_table, mapping, wave="Autumn 2026", uploaded_by="hr")
    assert "180 respondent(s) in this file already have answers in Autumn 2026" in str(
        problem.value
    )
    assert "from upload #1 northshire.xlsx" in str(problem.value)
    assert org_figure(con, "stress")[0] == 180
    assert con.execute("select count(*) from uploads").fetchall() == [(1,)]


def test_earlier_answers_are_listed_then_replaced_only_when_hr_chooses(con):
    first = table_of(
        csv_text(
            ["ID", "Team", "How stressed are you?"],
            [[i, "North", 1] for i in range(1, 6)] + [[6, "North", 5]],
        )
    )
    mapping = {
        "ID": "field:respondent_id",
        "Team": "field:team",
        "How stressed are you?": "measure:stress",
    }
    plan = SurveyPlan(scales={"How stressed are you?": "1-5"})
    import_survey(con, first, mapping, wave="W", uploaded_by="hr", plan=plan)
    # The correction: respondents 1-5 answer 3 now; 6 is not in it; 7 is new.
    correction = table_of(
        csv_text(
            ["ID", "Team", "How stressed are you?"],
            [[i, "North", 3] for i in range(1, 6)] + [[7, "North", 5]],
        ),
        "correction.csv",
    )
    salt = identifier_keys(con).for_respondents("W")  # as the import keys the wave's ids
    prepared = prepare_survey(correction, mapping, salt=salt, plan=plan)
    listed = survey_import.earlier_respondents(con, prepared, wave="W")
    assert listed["row"].tolist() == [2, 3, 4, 5, 6]
    assert set(listed["earlier_upload"]) == {"#1 own.csv"}
    replacing = SurveyPlan(scales=plan.scales, replace_earlier=True)
    report = import_survey(con, correction, mapping, wave="W", uploaded_by="hr", plan=replacing)
    assert report.replaced == 5
    # Now: 1-5 answer 3, 6 answers 5, 7 answers 5: (5 x 3 + 5 + 5) / 7 = 25 / 7
    assert org_figure(con, "stress") == (7, round(25 / 7, 6))
    kept = con.execute(
        "select count(*), min(replaced_by_upload), min(replaced_by) from replaced_responses"
    ).fetchall()
    assert kept == [(5, 2, "hr")]


def test_a_long_export_with_a_respondent_id_is_put_back_together(con):
    text = csv_text(
        ["Respondent ID", "Team", "Question", "Response"],
        [
            ["A", "North", "How stressed does your work make you feel?", "Very"],
            ["A", "North", "My manager supports me when I need it", "Agree"],
            ["B", "South", "How stressed does your work make you feel?", "A little"],
            ["B", "South", "My manager supports me when I need it", "Disagree"],
        ],
    )
    table = table_of(text, "long.csv")
    assert table.layout == "long_pivoted"
    assert table.frame.to_dict("records") == [
        {
            "Respondent ID": "A",
            "Team": "North",
            "How stressed does your work make you feel?": "Very",
            "My manager supports me when I need it": "Agree",
        },
        {
            "Respondent ID": "B",
            "Team": "South",
            "How stressed does your work make you feel?": "A little",
            "My manager supports me when I need it": "Disagree",
        },
    ]
    assert table.file_rows().tolist() == [2, 4]
    _, mapping = suggest_survey_mapping(con, table)
    assert mapping["How stressed does your work make you feel?"] == "item:STR1"
    report = import_survey(con, table, mapping, wave="W", uploaded_by="hr")
    assert report.rows_stored == 2


def test_a_long_export_whose_id_numbers_answers_is_refused_for_that_reason():
    text = csv_text(
        ["Response ID", "Team", "Question", "Response"],
        [[i, "North", f"Question {i % 3}", "Agree"] for i in range(1, 10)],
    )
    table = table_of(text, "long.csv")
    assert table.layout == "long"
    with pytest.raises(ImportProblem, match="it numbers answers, not respondents"):
        prepare_survey(table, {"Team": "field:team"}, salt="s")


def test_measure_versions_keep_each_change_hr_makes(con):
    for cutoff in (4.0, 3.5):
        measures.insert_measure_version(
            con,
            construct="valued",
            name="Feeling valued",
            description="",
            higher_is_better=True,
            high_cutoff=cutoff,
            single_question=False,
            kind="scale",
            scale_min=1.0,
            scale_max=5.0,
            defined_by="hr",
        )
    versions = measures.measure_versions(con, construct="valued")
    assert versions[["version", "high_cutoff"]].values.tolist() == [[2, 3.5], [1, 4.0]]
    assert measures.own_measures(con).set_index("code").loc["valued", "high_cutoff"] == 3.5
