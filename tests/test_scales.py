"""Answer scales: detected from the answers, asked about when ambiguous, rescaled by one rule."""

from __future__ import annotations

import pytest

from wellbeing.core import scales

AGREE4 = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
AGREE5 = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


@pytest.mark.parametrize(
    ("values", "name"),
    [
        pytest.param(["1", "2", "3", "4"], "1-4", id="one-to-four"),
        pytest.param(["1", "2", "3", "4", "5"], "1-5", id="one-to-five"),
        pytest.param([str(n) for n in range(1, 8)], "1-7", id="one-to-seven"),
        pytest.param(["0", "4", "10"], "0-10", id="nought-to-ten"),
        pytest.param(["Yes", "No"], "yes_no", id="yes-no"),
        pytest.param(AGREE4, "agreement4", id="agreement-four-words"),
        pytest.param(AGREE5, "agreement", id="agreement-five-words"),
        pytest.param(["Never", "Rarely", "Sometimes", "Often", "Always"], "frequency", id="freq"),
        pytest.param(
            ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied", "Neutral"],
            "satisfaction",
            id="satisfaction",
        ),
        pytest.param(
            ["Not at all", "A little", "Moderately", "Very", "Extremely"], "intensity", id="int"
        ),
    ],
)
def test_the_scale_is_detected_from_the_answers(values, name):
    found = scales.detect([*values, "Not applicable", ""], answers=180)
    assert found.scale is not None and found.scale.name == name


def test_numbered_words_counting_the_other_way_are_read_by_their_words():
    values = [f"{6 - place} - {label}" for place, label in enumerate(AGREE5, start=1)]
    found = scales.detect(values, answers=120)
    assert (found.scale.name, found.reversed_numbers) == ("agreement", True)
    # "1 - Strongly agree" is strongly agree (5 of 1-5), whatever the number says.
    assert found.scale.value("1 - Strongly agree") == 5.0


@pytest.mark.parametrize(
    ("values", "candidates"),
    [
        pytest.param(["2", "3", "4"], ["1-4", "1-5", "1-7"], id="middle-of-a-scale"),
        pytest.param(
            ["Agree", "Strongly agree"], ["agreement4", "agreement", "agreement7"], id="words"
        ),
    ],
)
def test_answers_that_fit_more_than_one_scale_are_asked_about(values, candidates):
    found = scales.detect(values, answers=180)
    assert found.ambiguous
    assert [scale.name for scale in found.candidates] == candidates
    assert found.why


def test_a_few_answers_are_too_few_to_be_sure():
    assert scales.detect(["1", "2", "3", "4"], answers=6).ambiguous


def test_words_on_no_known_scale_are_named():
    found = scales.detect(["Brilliant", "Rubbish"], answers=50)
    assert (found.scale, found.unknown) == (None, ("brilliant", "rubbish"))


@pytest.mark.parametrize(
    ("scale", "answers", "expected"),
    [
        # y = 1 + (x - 1) * (5 - 1) / (4 - 1): 1, 2.333, 3.667, 5
        pytest.param("1-4", [1, 2, 3, 4], [1.0, 7 / 3, 11 / 3, 5.0], id="four-onto-five"),
        # y = 1 + x * 4 / 10: 0 -> 1, 5 -> 3, 10 -> 5
        pytest.param("0-10", [0, 5, 10], [1.0, 3.0, 5.0], id="ten-onto-five"),
        # y = 1 + (x - 1) * 4 / 6: 1, 3.667 (5), 5 (7)
        pytest.param("1-7", [1, 5, 7], [1.0, 1 + 16 / 6, 5.0], id="seven-onto-five"),
        # no = 0 -> 1, yes = 1 -> 5
        pytest.param("yes_no", [0, 1], [1.0, 5.0], id="yes-no-onto-five"),
        pytest.param("1-5", [1, 3, 5], [1.0, 3.0, 5.0], id="five-stays"),
    ],
)
def test_rescaling_onto_one_to_five_by_the_documented_rule(scale, answers, expected):
    found = [scales.scale_named(scale).rescale(a, low=1.0, high=5.0) for a in answers]
    assert found == pytest.approx(expected)


def test_an_answer_off_the_scale_says_so():
    with pytest.raises(ValueError, match="out of range"):
        scales.scale_named("1-4").value("5")
