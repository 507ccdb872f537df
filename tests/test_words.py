"""Words from one place: counts agree with their nouns and verbs in every reading."""

from __future__ import annotations

import pandas as pd
import pytest

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.present import readings, words
from wellbeing.present.figures import SHARE, OrganisationFigure
from wellbeing.present.look_first import look_first_reading


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [
        pytest.param(1, "team", "1 team", id="one"),
        pytest.param(16, "team", "16 teams", id="many"),
        pytest.param(0, "team", "0 teams", id="none"),
        pytest.param(1200, "respondent", "1,200 respondents", id="thousands"),
        pytest.param(2, "staff member", "2 staff", id="irregular"),
        pytest.param(3, "ethnic group", "3 ethnic groups", id="compound"),
        pytest.param(2, "quadrant", "2 quadrants", id="regular"),
        pytest.param(2, "team-wave", "2 team-waves", id="hyphenated"),
    ],
)
def test_a_count_agrees_with_its_noun(n, noun, expected):
    assert words.count(n, noun) == expected


def test_one_of_many_takes_a_singular_verb():
    assert f"{words.of(1, 16, 'team')} shown {words.be(1)}" == "1 of 16 teams shown is"
    assert f"{words.of(4, 16, 'team')} shown {words.be(4)}" == "4 of 16 teams shown are"


@pytest.mark.parametrize(
    ("change", "signed", "since"),
    [
        (1, "+1 point", "up 1 point since Spring 2026"),
        (-1, "-1 point", "down 1 point since Spring 2026"),
        (3, "+3 points", "up 3 points since Spring 2026"),
        (0, "+0 points", "no change since Spring 2026"),
    ],
)
def test_a_change_of_one_point_is_one_point(change, signed, since):
    assert words.points(change) == signed
    assert words.points_since(change, "Spring 2026") == since


def test_a_list_reads_as_english():
    assert words.listing([]) == ""
    assert words.listing(["A"]) == "A"
    assert words.listing(["A", "B"]) == "A and B"
    assert words.listing(["A", "B", "C"]) == "A, B and C"


def figures(values: list[float | None]) -> pd.DataFrame:
    """``team_figures`` rows: a shown team per value, a hidden one per None."""
    rows = []
    for number, value in enumerate(values):
        shown = value is not None
        rows.append(
            {
                "team": f"Team {number}",
                "respondents": 20.0 if shown else float("nan"),
                "value": value if shown else float("nan"),
                "low": value - 0.1 if shown else float("nan"),
                "high": value + 0.1 if shown else float("nan"),
                "status": privacy.SHOWN if shown else privacy.BELOW_K,
                "verdict": (stats.HIGHER if value > 0.6 else stats.COULD_BE_CHANCE)
                if shown
                else None,
            }
        )
    return pd.DataFrame(rows)


ORGANISATION = OrganisationFigure(0.4, 0.38, 0.42, 300)


def test_one_team_above_the_organisation_is_one_team_and_one_hidden_is_one():
    reading = readings.team_reading(
        figures([0.8, 0.4, 0.41, None]), what="high stress", kind=SHARE, organisation=ORGANISATION
    )
    assert reading.startswith("1 of 3 teams shown is above the organisation's 40%")
    assert "beyond chance: Team 0 at 80%" in reading
    assert reading.endswith("1 of 4 teams is hidden to protect respondents.")


def test_no_group_reading_names_the_count_in_plain_words():
    verdicts = pd.DataFrame({"team": ["A", "B", "C", "D"], "measure": "Stress", "worse": False})
    assert readings.group_verdicts_reading(verdicts, groups_shown=4, groups_hidden=1) == (
        "None of the 4 groups shown differs from the organisation for the worse on any measure "
        "by more than chance. 1 group is hidden because it is small."
    )


def test_the_look_first_reading_of_one_team_says_the_one_team():
    empty = pd.DataFrame(columns=["team", "service", "measures_worse", "measures", "reasons"])
    assert look_first_reading(empty, teams_compared=1).startswith("The one team shown is not")
    assert look_first_reading(empty, teams_compared=12).startswith(
        "None of the 12 teams shown is worse"
    )


def test_hidden_words_for_records_count_staff_not_responses():
    assert words.hidden_because(privacy.BELOW_K, 5, unit="staff due") == "fewer than 5 staff due"
    assert words.hidden_because(privacy.BELOW_K, 5) == privacy.status_text(privacy.BELOW_K, 5)
    assert words.hidden_because(privacy.SHOWN, 5) == ""
