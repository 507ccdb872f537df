"""Cronbach's alpha and item-rest correlations against a published worked example."""

from __future__ import annotations

import pandas as pd
import pytest

from wellbeing.core.reliability import cronbach_alpha, item_rest, reliability

# Denis, D. J. (2021). Applied Univariate, Bivariate, and Multivariate Statistics
# (Wiley), the five-item reliability example and its SPSS output: alpha 0.633,
# corrected item-total correlations 0.712, 0.558, 0.512, 0.796, -0.228, and
# alpha 0.824 once Item_5 is dropped.
DENIS = pd.DataFrame(
    {
        "Item_1": [10, 12, 8, 6, 4, 6, 3, 7, 8, 9],
        "Item_2": [12, 18, 16, 8, 7, 6, 4, 3, 9, 5],
        "Item_3": [15, 12, 14, 16, 8, 3, 6, 7, 4, 6],
        "Item_4": [11, 12, 14, 8, 7, 7, 5, 9, 10, 11],
        "Item_5": [12, 1, 4, 6, 5, 3, 8, 9, 10, 12],
    }
)


def test_alpha_matches_the_published_worked_example():
    assert cronbach_alpha(DENIS) == pytest.approx(0.633, abs=0.0005)


def test_alpha_without_the_item_that_runs_the_other_way_matches_too():
    assert cronbach_alpha(DENIS.drop(columns=["Item_5"])) == pytest.approx(0.824, abs=0.0005)


def test_item_rest_correlations_match_the_corrected_item_total_correlations():
    expected = {
        "Item_1": 0.712,
        "Item_2": 0.558,
        "Item_3": 0.512,
        "Item_4": 0.796,
        "Item_5": -0.228,
    }
    found = item_rest(DENIS)
    assert found == {name: pytest.approx(r, abs=0.0005) for name, r in expected.items()}


def test_alpha_by_hand_on_three_questions():
    # Items variances (ddof 1): a [1,2,3,4] 1.6667; b [2,2,4,4] 1.3333; c [1,3,3,5] 2.6667;
    # sum 5.6667. Totals [4,7,10,13]: variance 15. alpha = 3/2 * (1 - 5.6667/15) = 0.9333.
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 5]})
    assert cronbach_alpha(frame) == pytest.approx(0.93333, abs=1e-4)


def test_one_question_has_no_alpha_and_too_few_respondents_give_no_figures():
    assert cronbach_alpha(DENIS[["Item_1"]]) is None
    few = reliability(DENIS.head(5))
    assert (few.alpha, few.item_rest, few.respondents) == (None, {}, 5)


def test_below_seven_tenths_is_flagged_low():
    assert reliability(DENIS).low
    assert not reliability(DENIS.drop(columns=["Item_5"])).low
