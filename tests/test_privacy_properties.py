"""Properties of the confidentiality engine on random organisations (hypothesis).

Whatever the organisation, every shown cell has at least its k, every
breakdown's hidden remainder is empty or at least k, no filter singles out a
small complement, and no hidden small group lies in the span of the shown
figures (checked with floating-point least squares, independently of the
engine's modular arithmetic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import cell_membership

import queries.settings
from wellbeing import privacy

DIMS = list(privacy.DIMENSIONS)


@st.composite
def organisations(draw: st.DrawFn) -> pd.DataFrame:
    """Finest groups of one wave: a few services and teams; unequal roles, stages, ethnicities."""
    services = draw(st.integers(1, 3))
    roles = ["r1", "r2", privacy.NOT_STATED][: draw(st.integers(1, 3))]
    stages = ["s1", "s2"][: draw(st.integers(1, 2))]
    ethnicities = ["e1", "e2"][: draw(st.integers(1, 2))]
    rows = []
    for s in range(services):
        for t in range(draw(st.integers(1, 3))):
            for role in roles:
                for stage in stages:
                    for ethnicity in ethnicities:
                        n = draw(st.integers(0, 9))
                        if n:
                            rows.append(
                                {
                                    "service": f"S{s}",
                                    "team": f"S{s}T{t}",
                                    "role": role,
                                    "career_stage": stage,
                                    "ethnicity": ethnicity,
                                    "gender": "g",
                                    "disability": "d",
                                    "age_band": "a",
                                    "respondents": n,
                                }
                            )
    if not rows:
        rows.append(
            {
                "service": "S0",
                "team": "S0T0",
                "role": "r1",
                "career_stage": "s1",
                "ethnicity": "e1",
                "gender": "g",
                "disability": "d",
                "age_band": "a",
                "respondents": 1,
            }
        )
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finest=organisations(), k=st.integers(3, 6))
def test_no_random_organisation_reveals_a_group_smaller_than_k(finest: pd.DataFrame, k: int):
    rules = privacy.Rules(min_group_size=k, sensitive_min_group_size=k + 3)
    decision = privacy.decide(finest, rules, audit=True)
    cells = decision.cells()
    shown = cells[(cells["status"] == privacy.SHOWN) & (cells["respondents"] > 0)]
    hidden = cells[cells["status"] != privacy.SHOWN]

    # 1. A shown cell has at least its own k (k, or the stricter one for ethnicity).
    assert (shown["respondents"] >= shown["k"]).all()

    # 2. Every hidden small cell and every finest group under k stays out of the span.
    rows = cell_membership(shown, finest).astype(float)
    shown_sets = {tuple(r) for r in rows.astype(bool)}
    targets = [
        m
        for m in cell_membership(
            hidden[(hidden["respondents"] > 0) & (hidden["respondents"] < hidden["k"])], finest
        )
        if tuple(m) not in shown_sets
    ]
    targets += [
        np.eye(len(finest), dtype=bool)[j]
        for j in np.flatnonzero(finest["respondents"].to_numpy() < k)
    ]
    if len(rows) and targets:
        vectors = np.array(targets, dtype=float)
        solution, *_ = np.linalg.lstsq(rows.T, vectors.T, rcond=None)
        residual = np.abs(rows.T @ solution - vectors.T).max(axis=0)
        assert (residual > 1e-6).all()

    # 3. Filter differencing: a role-filtered team shown means the rest of the team is 0 or >= k.
    teams = cells[
        (cells["team"] != privacy.ALL) & (cells[DIMS[2:]] == privacy.ALL).all(axis=1)
    ].set_index("team")
    by_role = shown[
        (shown["team"] != privacy.ALL)
        & (shown["role"] != privacy.ALL)
        & (shown["career_stage"] == privacy.ALL)
        & (shown[DIMS[4:]] == privacy.ALL).all(axis=1)
    ]
    for row in by_role.itertuples():
        rest = teams.loc[row.team, "respondents"] - row.respondents
        assert rest == 0 or rest >= k

    # 4. Complementary suppression in the hierarchy: hidden teams of a service sum to 0 or >= k.
    plain_team = (cells["team"] != privacy.ALL) & (cells[DIMS[2:]] == privacy.ALL).all(axis=1)
    team_cells = cells[plain_team]
    for _, members in team_cells.groupby("service"):
        remainder = members.loc[members["status"] != privacy.SHOWN, "respondents"].sum()
        if (members["status"] == privacy.SHOWN).any():  # else nothing to subtract from
            assert remainder == 0 or remainder >= k


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
