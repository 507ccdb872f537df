"""The plain decision's quicker set-up decides exactly as the cell-by-cell one did.

``decide`` skips the object round trip when the dimensions are already strings,
and ``_Cube`` works out every cell's key, count, k, filter differencing and
"is a unit total" on all cells at once. These tests compare both with the
straightforward per-cell definitions they replaced (no timing here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wellbeing import privacy

DIMS = list(privacy.DIMENSIONS)


def _organisation(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(int(rng.integers(1, 4))):
        for t in range(int(rng.integers(1, 5))):
            for role in ("r1", "r2", None):
                for stage in ("s1", "s2", None):
                    for ethnicity in ("e1", "e2", None):
                        n = int(rng.integers(0, 9))
                        if n and rng.random() < 0.7:
                            rows.append(
                                {
                                    "service": f"S{s}",
                                    "team": f"S{s}T{t}",
                                    "role": role,
                                    "career_stage": stage,
                                    "ethnicity": ethnicity,
                                    "gender": rng.choice(["g1", "g2"]),
                                    "disability": "d",
                                    "age_band": None,
                                    "respondents": n,
                                }
                            )
    return pd.DataFrame(rows)


def _fresh_decision(finest: pd.DataFrame, rules: privacy.Rules) -> privacy.Decision:
    privacy._DECISIONS.clear()  # the cache would hand back the first decision
    return privacy.decide(finest, rules)


@pytest.mark.parametrize("seed", range(6))
def test_string_and_object_dimensions_give_the_same_decision(seed: int) -> None:
    finest = _organisation(seed)
    as_object = finest.astype({d: "object" for d in DIMS})
    as_str = finest.astype({d: "str" for d in DIMS})
    assert all(as_str[d].dtype == privacy._STR for d in DIMS)
    rules = privacy.Rules(min_group_size=3, sensitive_min_group_size=5)
    first = _fresh_decision(as_object, rules)
    second = _fresh_decision(as_str, rules)
    pd.testing.assert_frame_equal(first.cells(sensitive=False), second.cells(sensitive=False))
    pd.testing.assert_frame_equal(first.cells(sensitive=True), second.cells(sensitive=True))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sensitive", [False, True])
def test_the_cube_is_set_up_as_cell_by_cell(seed: int, sensitive: bool) -> None:
    rules = privacy.Rules(min_group_size=3, sensitive_min_group_size=5)
    decision = _fresh_decision(_organisation(seed), rules)
    finest = decision._finest
    patterns = privacy.view_patterns()
    if not sensitive:
        patterns = [p for p in patterns if not set(p) & set(privacy.SENSITIVE_ATTRIBUTES)]
        finest = finest.copy()
        finest[list(privacy.SENSITIVE_ATTRIBUTES)] = privacy.ALL
        finest = finest.groupby(DIMS, as_index=False, sort=True)["respondents"].sum()
    cube = privacy._Cube(finest, rules, patterns)

    values = finest[DIMS].to_numpy(dtype=object)
    keys, members = [], []
    for pattern in patterns:
        columns = [DIMS.index(d) for d in pattern]
        groups = (
            finest.groupby(list(pattern), sort=True).indices
            if columns
            else {(): np.arange(len(finest))}
        )
        for rows in groups.values():
            key = [privacy.ALL] * len(DIMS)
            for c in columns:
                key[c] = values[rows[0], c]
            keys.append(tuple(key))
            members.append(np.asarray(rows))
    assert cube.keys == keys
    assert all(np.array_equal(a, b) for a, b in zip(cube.members, members, strict=True))
    weights = finest["respondents"].to_numpy(dtype="int64")
    counts = np.array([int(weights[m].sum()) for m in members], dtype="int64")
    assert np.array_equal(cube.counts, counts)
    k = np.array(
        [
            rules.sensitive_min_group_size
            if privacy.is_sensitive_key(key)
            else rules.min_group_size
            for key in keys
        ]
    )
    assert np.array_equal(cube.k, k)
    status = np.where(counts < k, 1, 0)
    filters = [DIMS.index(d) for d in privacy.SUB_FILTERS]
    for i, key in enumerate(keys):
        if all(key[p] == privacy.ALL for p in filters):
            continue
        parent = list(key)
        for p in filters:
            parent[p] = privacy.ALL
        j = cube.index.get(tuple(parent), -1)
        if j >= 0 and status[i] == 0 and 0 < counts[j] - counts[i] < k[i]:
            status[i] = 2
    assert np.array_equal(cube.status, status)
    breakdown = [DIMS.index(d) for d in (*privacy.SUB_FILTERS, *privacy.SENSITIVE_ATTRIBUTES)]
    unit_total = [all(key[p] == privacy.ALL for p in breakdown) for key in keys]
    assert cube._is_unit_total.tolist() == unit_total
