"""The confidentiality audit at the size of a large organisation (issue 6).

The audit (``privacy._Cube.audit``) works out, team by team, whether the shown
figures determine a hidden small group (``privacy._BlockSystem``), where the
dense elimination it replaces took minutes beyond 1,000 finest groups and was
skipped there. These tests check that the block-by-block answers are the dense
ones on random cubes, that the repair picks the cell the dense loop picked,
and that above the old limit the audited decision reveals nothing while the
rules alone do (checked with the dense arithmetic, independently of the
block-by-block path). No timings are asserted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from derivable import derivable_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import cell_membership

from bench.generate import ROLES
from wellbeing import privacy
from wellbeing.privacy import decision

DIMS = list(privacy.DIMENSIONS)
STAGES = {"Newly qualified": 0.08, "2-5 years": 0.18, "More than 5 years": 0.74}
UNQUALIFIED = "Not qualified"
ETHNICITY = {"White": 0.68, "Black": 0.12, "Asian": 0.12, "Mixed": 0.05, "Other": 0.03}
GENDER = {"Woman": 0.8, "Man": 0.17, "Not said": 0.03}


def _draw(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    p = np.array(list(shares.values()))
    return np.array(list(shares))[rng.choice(len(p), size=size, p=p / p.sum())]


def organisation(
    teams: int, *, smallest: int, largest: int, sensitive: bool = False, seed: int = 11
) -> pd.DataFrame:
    """Finest groups of one wave shaped like the bench organisation (bench/generate.py).

    ``teams`` teams of ``smallest``..``largest`` respondents in 16 services;
    roles and career stages drawn with the bench's shares (assistants are
    unqualified); with ``sensitive``, ethnicity and gender too.
    """
    rng = np.random.default_rng(seed)
    frames = []
    for t in range(teams):
        n = int(rng.integers(smallest, largest + 1))
        role = _draw(rng, ROLES, n)
        stage = np.where(role == "Social work assistant", UNQUALIFIED, _draw(rng, STAGES, n))
        frames.append(
            pd.DataFrame(
                {
                    "service": f"Service {t % 16:02d}",
                    "team": f"Team {t:03d}",
                    "role": role,
                    "career_stage": stage,
                    "ethnicity": _draw(rng, ETHNICITY, n) if sensitive else "e",
                    "gender": _draw(rng, GENDER, n) if sensitive else "g",
                    "disability": "d",
                    "age_band": "a",
                }
            )
        )
    people = pd.concat(frames, ignore_index=True)
    return people.groupby(DIMS, as_index=False).size().rename(columns={"size": "respondents"})


def _revealed(decision: privacy.Decision, finest: pd.DataFrame, k: int) -> int:
    """Finest groups under k that the shown plain cells determine: the dense test,
    on the whole matrix, without the block-by-block path."""
    cells = decision.cells(sensitive=False)
    shown = cells[(cells["status"] == privacy.SHOWN) & (cells["respondents"] > 0)]
    small = np.flatnonzero(finest["respondents"].to_numpy() < k)
    targets = np.eye(len(finest), dtype=bool)[small]
    return int(derivable_rows(targets, cell_membership(shown, finest)).sum())


# --- (a) the block-by-block span test is the dense one ------------------------


@st.composite
def small_organisations(draw: st.DrawFn) -> pd.DataFrame:
    """A few services and teams; unequal roles, stages and ethnicities."""
    roles = ["r1", "r2", privacy.NOT_STATED][: draw(st.integers(1, 3))]
    stages = ["s1", "s2"][: draw(st.integers(1, 2))]
    ethnicities = ["e1", "e2"][: draw(st.integers(1, 2))]
    rows = []
    for s in range(draw(st.integers(1, 3))):
        for t in range(draw(st.integers(1, 3))):
            for role in roles:
                for stage in stages:
                    for ethnicity in ethnicities:
                        n = draw(st.integers(0, 8))
                        if n:
                            rows.append((f"S{s}", f"S{s}T{t}", role, stage, ethnicity, n))
    if not rows:
        rows.append(("S0", "S0T0", "r1", "s1", "e1", 1))
    frame = pd.DataFrame(
        rows, columns=["service", "team", "role", "career_stage", "ethnicity", "respondents"]
    )
    frame["gender"], frame["disability"], frame["age_band"] = "g", "d", "a"
    return frame[[*DIMS, "respondents"]]


def _random_cube(finest: pd.DataFrame, seed: int, k: int) -> privacy._Cube:
    """The organisation's whole cube with a random choice of cells shown (and locked)."""
    rules = privacy.Rules(min_group_size=k, sensitive_min_group_size=k + 2)
    cube = privacy._Cube(finest, rules, privacy.view_patterns())
    rng = np.random.default_rng(seed)
    shown = rng.random(len(cube.keys)) < rng.uniform(0.3, 0.95)
    cube.status = np.where(shown, privacy._CODES[privacy.SHOWN], privacy._CODES[privacy.BELOW_K])
    cube.locked = rng.random(len(cube.keys)) < 0.1
    return cube


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finest=small_organisations(), seed=st.integers(0, 2**32 - 1))
def test_the_block_by_block_span_test_agrees_with_the_dense_one(finest: pd.DataFrame, seed: int):
    cube = _random_cube(finest, seed, k=5)
    n = len(finest)
    visible = np.flatnonzero(cube.status == privacy._CODES[privacy.SHOWN])
    rows = np.zeros((len(visible), n), dtype=bool)
    for r, cell in enumerate(visible):
        rows[r, cube.members[cell]] = True
    targets = np.zeros((len(cube.keys) + n, n), dtype=bool)
    for i, members in enumerate(cube.members):
        targets[i, members] = True
    targets[len(cube.keys) :] = np.eye(n, dtype=bool)
    dense = derivable_rows(targets, rows)
    blocks = derivable_rows(targets, rows, groups=cube._blocks)
    assert (dense == blocks).all()
    assert blocks[visible].all()  # a shown cell is its own derivation


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    groups=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=30),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_rows_over_any_blocks_agree_with_the_dense_test(groups, seed: int):
    # Rows local to a team, to a service or spanning everything, at random.
    labels = np.array(groups)
    n = len(labels)
    rng = np.random.default_rng(seed)
    rows = np.zeros((int(rng.integers(0, 25)), n), dtype=bool)
    for r in range(len(rows)):
        anchor = labels[rng.integers(n)]
        pool = [
            np.flatnonzero((labels == anchor).all(axis=1)),
            np.flatnonzero(labels[:, 0] == anchor[0]),
            np.arange(n),
        ][int(rng.integers(3))]
        rows[r, pool[rng.random(len(pool)) < 0.6]] = True
    targets = rng.random((12, n)) < 0.3
    if len(rows):
        targets[:4] = rows[rng.integers(0, len(rows), 4)]
    dense = derivable_rows(targets, rows)
    assert (derivable_rows(targets, rows, groups=labels) == dense).all()


# --- (a') the repair hides the cell the dense loop hid ------------------------


def _dense_repair(cube: privacy._Cube) -> list[int]:
    """The audit as it was before the block-by-block path (dense, one removal at a time)."""
    status = cube.status
    visible = np.flatnonzero((status == privacy._CODES[privacy.SHOWN]) & (cube.counts > 0))
    n_finest = len(cube.weights)
    if len(visible) == 0 or n_finest == 0:
        return []
    matrix = np.zeros((len(visible), n_finest), dtype=bool)
    for row, cell in enumerate(visible):
        matrix[row, cube.members[cell]] = True
    shown_sets = {tuple(cube.members[cell].tolist()) for cell in visible}
    targets = []
    for cell in np.flatnonzero(status != privacy._CODES[privacy.SHOWN]):
        small = 0 < cube.counts[cell] < cube.k[cell]
        if small and tuple(cube.members[cell].tolist()) not in shown_sets:
            targets.append(cube.members[cell])
    for j in np.flatnonzero(cube.weights < cube.rules.min_group_size):
        targets.append(np.array([j]))
    if not targets:
        return []
    vectors = np.zeros((len(targets), n_finest), dtype=bool)
    for row, members in enumerate(targets):
        vectors[row, members] = True
    derivable = derivable_rows(vectors, matrix)
    if not derivable.any():
        return []
    first = int(np.flatnonzero(derivable)[0])
    free = ~cube.locked[visible]
    overlapping = np.flatnonzero(free & matrix[:, targets[first]].any(axis=1))

    def cost(r: int) -> tuple[bool, int, int]:
        return (cube._is_unit_total[visible[r]], int(cube.counts[visible[r]]), r)

    candidates = sorted(overlapping.tolist(), key=cost)
    breakdowns = sorted(
        (r for r in np.flatnonzero(free).tolist() if not cube._is_unit_total[visible[r]]),
        key=cost,
    )
    for row in [*breakdowns, *(r for r in candidates if cube._is_unit_total[visible[r]])]:
        without = np.delete(matrix, row, axis=0)
        if not derivable_rows(vectors[first : first + 1], without)[0]:
            return [int(visible[row])]
    pool = candidates or np.flatnonzero(free).tolist()
    return [int(visible[min(pool, key=cost)])] if pool else []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finest=small_organisations(), seed=st.integers(0, 2**32 - 1), k=st.integers(3, 6))
def test_one_repair_at_a_time_hides_the_cell_the_dense_loop_hid(
    finest: pd.DataFrame, seed: int, k: int
):
    cube = _random_cube(finest, seed, k)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decision, "_REPAIRS_PER_AUDIT", 1)
        assert cube.audit() == _dense_repair(cube)


# --- (b) above the old limit: exact, and needed --------------------------------


def test_above_the_old_limit_the_audit_closes_what_the_rules_leave_open():
    # 250 teams, over 1,000 team x role x stage groups: the old code skipped the
    # audit here and let the rules decide. Checked with the dense test.
    finest = organisation(250, smallest=3, largest=20, seed=11)
    assert len(finest) > 1_000
    rules = privacy.Rules()
    k = rules.min_group_size
    assert _revealed(privacy.decide(finest, rules, audit=False), finest, k) > 0
    assert _revealed(privacy.decide(finest, rules, audit=True), finest, k) == 0


def test_the_bench_sized_organisation_is_audited_not_skipped(monkeypatch: pytest.MonkeyPatch):
    # 400 teams of 5 to 60 (bench/generate.py's 100k scale has 400 teams): every
    # audit runs, the last one finds nothing, plain and sensitive cube alike.
    audits: list[list[int]] = []
    audit = privacy._Cube.audit

    def recorded(self: privacy._Cube) -> list[int]:
        audits.append(audit(self))
        return audits[-1]

    monkeypatch.setattr(privacy._Cube, "audit", recorded)
    finest = organisation(400, smallest=5, largest=60, sensitive=True, seed=12)
    plain = finest.assign(ethnicity="e", gender="g").groupby(DIMS, as_index=False).sum()
    assert len(plain) > 2_000
    assert len(finest) < privacy.AUDIT_MAX_FINEST_GROUPS
    decision = privacy.decide(finest, privacy.Rules())
    assert len(audits) > 1 and any(audits) and audits[-1] == []
    audits.clear()
    decision.cells(sensitive=True)
    assert audits and audits[-1] == []


# --- (c) several repairs per audit: the decisions of one repair per audit ------


@pytest.mark.parametrize("seed", [3, 4])
def test_repairs_made_in_one_audit_are_those_of_one_audit_each(seed: int):
    # The audit makes its repairs one after another (the rules after each), working
    # each derivation out without the cells hidden before from random left null
    # vectors; one repair per audit (the dense loop's way) must hide the same cells.
    finest = organisation(48, smallest=3, largest=24, sensitive=True, seed=seed)
    rules = privacy.Rules()

    def solved(repairs: int) -> tuple[np.ndarray, int]:
        audits = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(decision, "_REPAIRS_PER_AUDIT", repairs)
            audit = privacy._Cube.audit

            def counted(self: privacy._Cube) -> list[int]:
                audits.append(audit(self))
                return audits[-1]

            patch.setattr(privacy._Cube, "audit", counted)
            cube = privacy._Cube(finest, rules, privacy.view_patterns())
            cube.solve(audit=True)
        return cube.status, len(audits)

    together, few = solved(decision._REPAIRS_PER_AUDIT)
    one_by_one, many = solved(1)
    assert many > few > 1  # there were repairs to make, and they were made together
    assert (together == one_by_one).all()
