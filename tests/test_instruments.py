"""Instruments as data: the default instrument, the HSE item map and answer labels."""

from __future__ import annotations

import csv

import pytest
from conftest import SHARED

from wellbeing.core import instruments

DEFAULT = {item.code: item for item in instruments.default_items()}
SETS = instruments.label_sets()


def test_every_default_construct_has_items_and_psychological_safety_has_seven():
    constructs = {item.construct for item in DEFAULT.values()}
    assert {
        "stress",
        "support",
        "challenge",
        "psychological_safety",
        "change_fatigue",
        "intention_to_leave",
        "workload",
        "unfair_scrutiny",
    } <= constructs
    safety = [item for item in DEFAULT.values() if item.construct == "psychological_safety"]
    assert len(safety) == 7
    # Edmondson's scale reverses items 1, 3 and 5.
    assert [item.reverse for item in safety] == [True, False, True, False, True, False, False]


def test_change_fatigue_has_six_items():
    assert sum(item.construct == "change_fatigue" for item in DEFAULT.values()) == 6


def test_the_hse_tool_has_35_items_in_seven_domains():
    items = instruments.hse_items()
    assert len(items) == 35
    assert {item.construct for item in items} == {
        "demands",
        "control",
        "manager_support",
        "peer_support",
        "relationships",
        "role",
        "change",
    }


@pytest.mark.skipif(
    not (SHARED / "reference" / "hse_msit_items.csv").exists(),
    reason="shared/reference is not beside this clone",
)
def test_the_hse_definition_matches_the_shared_reference():
    with (SHARED / "reference" / "hse_msit_items.csv").open() as handle:
        reference = {int(row["item"]): row for row in csv.DictReader(handle)}
    for item in instruments.hse_items():
        row = reference[item.id - instruments.HSE_ITEM_ID_OFFSET]
        assert (item.construct, item.label_set, item.reverse) == (
            row["domain"],
            row["response_scale"],
            row["reverse_keyed"] == "yes",
        )


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        pytest.param("Strongly agree", "SUP1", 5.0, id="label"),
        pytest.param("  strongly   AGREE ", "SUP1", 5.0, id="case-and-spacing"),
        pytest.param("5 - Strongly agree", "SUP1", 5.0, id="numbered-label"),
        pytest.param("(2) Disagree", "SUP1", 2.0, id="bracketed-number-label"),
        pytest.param("4", "SUP1", 4.0, id="number"),
        pytest.param("4.0", "SUP1", 4.0, id="number-as-excel-writes-it"),
        pytest.param("Not applicable", "SUP1", None, id="not-applicable-is-missing"),
        pytest.param("Don\u2019t know", "SUP1", None, id="curly-apostrophe-dont-know"),
        pytest.param("", "SUP1", None, id="blank"),
        pytest.param("Often", "WKL2", 4.0, id="frequency"),
        pytest.param("Seldom", "WKL2", 2.0, id="hse-frequency-word"),
        pytest.param("Yes", "ACC1", 1.0, id="yes"),
        pytest.param("no", "ACC1", 0.0, id="no"),
    ],
)
def test_answers_are_read_as_numbers_or_labels(raw, code, expected):
    assert instruments.parse_answer(raw, DEFAULT[code], SETS).value == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param("7", "out of range (expected 1 to 5)", id="out-of-range"),
        pytest.param("0", "out of range (expected 1 to 5)", id="zero-on-1-5"),
        pytest.param("Quite a lot", "unknown answer label", id="unknown-label"),
    ],
)
def test_bad_answers_say_why(raw, reason):
    with pytest.raises(ValueError, match=reason.split(" (")[0]):
        instruments.parse_answer(raw, DEFAULT["SUP1"], SETS)
