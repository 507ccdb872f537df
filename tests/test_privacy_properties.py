"""Properties of the confidentiality engine on random organisations (hypothesis).

Whatever the organisation and k, every shown cell has at least its k, and no
group below k follows from the shown cells of any quantity (checked by integer
programming over the people, tests/derivable.py), with one quantity counted in
two sets (support, and the quadrants' support and challenge).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import queries.settings
from tests.privacy_people import finest, given_away, person
from wellbeing import privacy


@st.composite
def organisations(draw: st.DrawFn) -> pd.DataFrame:
    """People of one wave: a few services and teams; unequal roles, stages, ethnicities."""
    rows = []
    for s in range(draw(st.integers(1, 3))):
        for t in range(draw(st.integers(1, 3))):
            for role in ["r1", "r2", privacy.NOT_STATED][: draw(st.integers(1, 3))]:
                for stage in ["s1", "s2"][: draw(st.integers(1, 2))]:
                    for ethnicity in ["e1", "e2"][: draw(st.integers(1, 2))]:
                        for _ in range(draw(st.integers(0, 6))):
                            rows.append(
                                person(
                                    f"S{s}T{t}",
                                    f"S{s}",
                                    role=role,
                                    career_stage=stage,
                                    ethnicity=ethnicity,
                                    support=True,
                                    both=draw(st.booleans()) or draw(st.booleans()),
                                )
                            )
    if not rows:
        rows.append(person("S0T0", "S0", support=True, both=True))
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=organisations(), k=st.integers(3, 6))
def test_no_random_organisation_gives_away_a_group_smaller_than_k(people: pd.DataFrame, k: int):
    rules = privacy.Rules(min_group_size=k, sensitive_min_group_size=k + 3, alike_group_size=k)
    specs = [
        privacy.SetSpec("support", reveals=("support",), breakdowns=True),
        privacy.SetSpec("both", reveals=("support", "challenge")),
    ]
    decision = privacy.decide(finest(people, ["support", "both"]), specs, rules)
    cells = decision.cells()
    shown = cells[(cells["status"] == privacy.SHOWN) & (cells["respondents"] > 0)]
    assert (shown["respondents"] >= shown["k"]).all()
    families = {"support": ["support", "both"], "challenge": ["both"]}
    assert given_away(decision, people, families, k) == {}


@pytest.mark.parametrize(
    ("k", "sensitive_k", "message"),
    [
        pytest.param(2, 10, "between 3 and 10", id="k below 3 is refused"),
        pytest.param(11, 11, "between 3 and 10", id="k above 10 is refused"),
        pytest.param(6, 5, "between the ordinary one (6) and 20", id="sensitive k laxer than k"),
        pytest.param(5, 21, "between the ordinary one (5) and 20", id="sensitive k above 20"),
    ],
)
def test_thresholds_outside_the_allowed_range_are_refused_with_a_reason(
    k: int, sensitive_k: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        privacy.Rules(min_group_size=k, sensitive_min_group_size=sensitive_k)


def test_saved_thresholds_are_the_ones_in_force(con) -> None:
    assert queries.settings.rules(con) == privacy.Rules(5, 10)
    queries.settings.save_rules(con, privacy.Rules(min_group_size=3, sensitive_min_group_size=8))
    assert queries.settings.rules(con) == privacy.Rules(3, 8)


def test_a_sensitive_breakdown_crossing_three_attributes_is_refused() -> None:
    with pytest.raises(ValueError, match="At most 2 attributes"):
        privacy.check_crossing(["ethnicity", "gender", "role"])
    privacy.check_crossing(["ethnicity", "gender"])
    privacy.check_crossing(["team", "role", "career_stage"])  # no sensitive attribute
