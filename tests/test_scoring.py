"""Construct scores in SQL: reverse keys, the half-answered rule, missing answers."""

from __future__ import annotations

import pytest
from conftest import load_survey


def scores(con) -> dict[tuple[int, str], float]:
    rows = con.execute(
        "select r.id, s.construct, s.score from construct_scores s "
        "join responses r on r.id = s.response_id order by 1, 2"
    ).fetchall()
    return {(response, construct): score for response, construct, score in rows}


@pytest.fixture
def scored(con, make_survey):
    rows = [
        # stress: STR1 Very=4, STR2 Agree=4, STR3 5, STR4 (reversed) Never=1 -> 5;
        #         mean (4 + 4 + 5 + 5) / 4 = 4.5
        # support: 5, 5, 5, SUP4 (reversed) 1 -> 5; mean 5.0
        {
            "team": "Alpha",
            "STR1": "Very",
            "STR2": "Agree",
            "STR3": "5",
            "STR4": "Never",
            "SUP1": "5",
            "SUP2": "5",
            "SUP3": "5",
            "SUP4": "1",
        },
        # stress: STR1 2, STR2 blank, STR3 Not applicable (missing), STR4 Always=5 -> 1;
        #         2 of 4 answered is half, so it counts: (2 + 1) / 2 = 1.5
        # support: only SUP4 answered (1 of 4 < half): no support score
        {
            "team": "Alpha",
            "STR1": "2",
            "STR2": "",
            "STR3": "Not applicable",
            "STR4": "Always",
            "SUP4": "5",
        },
        # stress: 1 of 4 answered: no stress score
        # support: SUP1 Agree=4, SUP2 2 -> 2 of 4 answered: (4 + 2) / 2 = 3.0
        {"team": "Beta", "STR1": "3", "SUP1": "Agree", "SUP2": "2"},
    ]
    load_survey(con, make_survey(rows))
    return scores(con)


def test_reverse_keyed_items_are_flipped_on_their_scale(scored):
    assert scored[(1, "stress")] == pytest.approx(4.5)
    assert scored[(1, "support")] == pytest.approx(5.0)


def test_a_construct_counts_when_exactly_half_its_items_are_answered(scored):
    assert scored[(2, "stress")] == pytest.approx(1.5)
    assert scored[(3, "support")] == pytest.approx(3.0)


def test_a_construct_with_fewer_than_half_answered_has_no_score(scored):
    assert (2, "support") not in scored
    assert (3, "stress") not in scored


def test_not_applicable_is_missing_not_zero(con, make_survey):
    load_survey(
        con,
        make_survey(
            [
                {
                    "team": "Alpha",
                    "STR1": "Not applicable",
                    "STR2": "Don't know",
                    "STR3": "4",
                    "STR4": "Often",
                }
            ]
        ),
    )
    # STR3 4 and STR4 Often=4 reversed to 2: two of four answered, mean 3.0
    assert scores(con)[(1, "stress")] == pytest.approx(3.0)


def test_the_half_rule_counts_against_the_items_the_survey_asked(con, make_survey):
    # Only two stress items are in this survey; one answered is half of them.
    load_survey(con, make_survey([{"team": "Alpha", "STR1": "Extremely", "STR2": ""}]))
    assert scores(con)[(1, "stress")] == pytest.approx(5.0)


def test_yes_no_items_score_zero_or_one(con, make_survey):
    load_survey(con, make_survey([{"team": "A", "ACC1": "Yes", "ACC2": "No"}]))
    assert scores(con) == {(1, "offered_stress_training"): 1.0, (1, "offered_counselling"): 0.0}


def test_hse_items_use_the_reference_reverse_keys(con):
    from wellbeing.ingest.reading import read_export
    from wellbeing.ingest.survey import import_survey

    # HSE item 3 (demands) is reverse keyed, item 9 (demands) too; "Often" = 4 -> 2.
    # Item 1 (role) is not: "Always" = 5.
    data = b"Timestamp,Team,HSE Q1,HSE Q3,HSE Q9\n07/10/2026 10:00:00,Alpha,Always,Often,Never\n"
    table = read_export(data, "hse.csv")
    mapping = {
        "Timestamp": "field:submitted_at",
        "Team": "field:team",
        "HSE Q1": "item:HSE1",
        "HSE Q3": "item:HSE3",
        "HSE Q9": "item:HSE9",
    }
    import_survey(con, table, mapping, wave="Autumn 2026", uploaded_by="test")
    rows = dict(
        con.execute(
            "select construct, score from construct_scores where instrument = 'hse'"
        ).fetchall()
    )
    # demands: item 3 Often 4 -> 2, item 9 Never 1 -> 5: mean 3.5
    assert rows == {"role": 5.0, "demands": 3.5}
