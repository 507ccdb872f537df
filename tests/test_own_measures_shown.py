"""HR's own measures wherever measures are listed, through the same gate; trend breaks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import in_memory_copy_of

from queries import measures, survey
from wellbeing import privacy
from wellbeing.core.reliability import reliability
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping
from wellbeing.present import board_pack, charts, look_first, survey_design
from wellbeing.present import measures as measure_views

COUNCIL = Path(__file__).parent / "fixtures" / "council"


@pytest.fixture
def council(council_db: Path):
    """Northshire's survey (Nov 2026, US dates) and Riverside's health check (Oct 2026)."""
    with in_memory_copy_of(council_db) as con:
        yield con


def latest(con) -> survey.Filters:
    return survey.Filters(wave_id=int(survey.waves(con)["id"].iloc[-1]))


def test_an_own_measure_is_a_construct_every_measure_list_shows_and_the_gate_decides(council):
    con = council
    filters = latest(con)
    listed = survey.constructs(con)
    own = listed[listed["own"]]
    assert "valued_senior_leaders" in set(own["code"])
    by_team = survey.construct_by_team(con, filters=filters, rules=privacy.Rules())
    valued = by_team[by_team["construct"] == "valued_senior_leaders"]
    # The engine decided these cells like any construct's: some teams shown, each with a status.
    assert set(valued["status"]) <= set(privacy.STATUSES)
    assert (valued["status"] == privacy.SHOWN).any()
    hidden = valued[valued["status"] != privacy.SHOWN]
    assert hidden["mean_score"].isna().all()
    # On the Overview heatmap, as a column named in HR's words.
    organisation = survey.construct_for_organisation(con, filters=filters, rules=privacy.Rules())
    figure = charts.construct_heatmap(
        by_team, listed, organisation.set_index("construct")["mean_score"], k=5
    )
    assert "I feel valued by senior leaders" in list(figure.data[0].x)


def test_each_own_measure_has_a_headline_tile_of_the_share_at_or_above_its_cut_off(council):
    from wellbeing.present import tiles

    con = council
    shown = tiles.headline_tiles(con, filters=latest(con), rules=privacy.Rules())
    by_label = {tile.label: tile for tile in shown}
    valued = by_label["I feel valued by senior leaders"]
    assert valued.code == "own:valued_senior_leaders"
    assert valued.description.startswith("share of respondents scoring 4 or more on")
    assert valued.rise_is_good
    assert valued.value is not None and 0 < valued.value < 1
    assert valued.respondents == 180
    # The built-in tiles come first, in their order; HR's follow.
    assert [t.code for t in shown][:2] == ["high_stress", "high_support_high_challenge"]


def test_equity_breaks_an_own_measure_down_like_any_other(council):
    from queries import equity

    con = council
    rows = equity.construct_by_attribute(
        con, filters=latest(con), attributes=("role",), rules=privacy.Rules()
    )
    valued = rows[rows["construct"] == "valued_senior_leaders"]
    assert set(valued["role"]) >= {"Social worker", "Team manager"}
    assert (valued["status"] == privacy.SHOWN).any()


def test_teams_to_look_at_first_weigh_own_measures_the_way_hr_said(council):
    con = council
    filters = latest(con)
    scores = survey.construct_by_team(con, filters=filters, rules=privacy.Rules())
    organisation = survey.construct_for_organisation(con, filters=filters, rules=privacy.Rules())
    verdicts = look_first.construct_verdicts(scores, organisation, survey.constructs(con))
    assert "I feel valued by senior leaders" in set(verdicts["measure"])


def test_the_board_pack_has_a_section_for_each_own_measure(council):
    con = council
    pack = board_pack.build(con, wave_id=latest(con).wave_id, rules=privacy.Rules())
    headings = [section.title for section in pack.sections]
    assert "I feel valued by senior leaders" in headings
    assert "I would recommend this council as a place to work" in headings


def test_a_measure_whose_questions_changed_breaks_its_trend_and_says_why(council):
    con = council
    breaks = measure_views.trend_breaks(
        measures.measure_questions_by_wave(con), survey.waves(con), construct="stress"
    )
    ((wave, why),) = breaks
    assert wave == "Winter 2026"
    assert "asked 'How often do you feel stressed because of your work?'" in why
    assert "no longer asked 'Work-related stress is affecting my health'" in why
    # A measure asked the same way in both waves has no break.
    assert not measure_views.trend_breaks(
        measures.measure_questions_by_wave(con),
        survey.waves(con),
        construct="valued_senior_leaders",
    )
    rows = survey.construct_by_wave_for_organisation(
        con, filters=latest(con), constructs=["stress"], rules=privacy.Rules()
    )
    from wellbeing.present import figures

    figure = charts.trend_lines(
        figures.trend(rows, value="mean_score", kind=figures.SCORE, sd="sd"),
        kind=figures.SCORE,
        axis_title="Stress",
        breaks=breaks,
    )
    assert [a.text for a in figure.layout.annotations] == ["questions changed"]
    assert figure.layout.shapes[0].line.dash == "dash"


def test_reliability_per_measure_and_wave_is_worked_out_from_keyed_answers(council):
    con = council
    wave_id = int(survey.waves(con)["id"].iloc[0])  # Riverside: two support questions
    answers = measures.measure_answers(con, wave_id=wave_id, construct="support")
    assert answers.shape == (140, 2)
    found = measures.measure_reliability(con, wave_id=wave_id, construct="support")
    assert found == reliability(answers)
    assert found.alpha is not None and found.respondents == 140
    table = measure_views.reliability_table(found)
    assert list(table["item_rest_correlation"]) == [round(r, 2) for r in found.item_rest.values()]
    assert len(table) == 2
    assert "Cronbach's alpha" in measure_views.reliability_reading(found, name="Support")


def test_an_own_measures_high_cut_off_is_its_own(con):
    rows = "\n".join(f"{i},North,{4 if i % 2 else 3}" for i in range(1, 11))
    table = read_export(f"ID,Team,I feel valued\n{rows}\n".encode(), "own.csv")
    from wellbeing.ingest.survey import NewMeasure, SurveyPlan

    plan = SurveyPlan(
        measures={"valued": NewMeasure(code="valued", name="Valued", high_cutoff=3.0)},
        scales={"I feel valued": "1-5"},
    )
    mapping = {"ID": "field:respondent_id", "Team": "field:team", "I feel valued": "measure:valued"}
    import_survey(con, table, mapping, wave="W", uploaded_by="hr", plan=plan)
    figures = survey.construct_for_organisation(con, filters=latest(con), rules=privacy.Rules())
    # Every answer (3 or 4) is at or above HR's cut-off of 3: share high 100%, where the
    # built-in cut-off of 4 would say 50%.
    assert figures.set_index("construct").loc["valued", "share_high"] == 1.0


def test_the_recommended_surveys_headers_import_with_no_mapping(con):
    headers = survey_design.headers_with_no_mapping()
    row = ["R1", "North", "Children", "Social worker", "ASYE"] + ["3"] * (len(headers) - 5)
    data = pd.DataFrame([row], columns=headers).to_csv(index=False).encode()
    table = read_export(data, "forms.csv")
    _, mapping = suggest_survey_mapping(con, table)
    assert "ignore" not in mapping.values()
    assert [t for t in mapping.values() if t.startswith("item:")] == [
        f"item:{code}" for code in survey_design_codes()
    ]


def survey_design_codes() -> list[str]:
    from wellbeing.core import instruments

    return [item.code for item in instruments.default_items()]


def test_the_forms_text_lists_each_question_then_its_options():
    text = survey_design.forms_text()
    assert "How stressed does your work make you feel?\nNot at all\nA little\nModerately" in text
    assert "Was your last supervision session reflective" in text
    assert survey_design.questions()["answer_options"].iloc[1] == (
        "Strongly disagree; Disagree; Neither agree nor disagree; Agree; Strongly agree"
    )
