"""The engine's exact span test, team by team, against floating-point least squares."""

from __future__ import annotations

import numpy as np
import pytest

from tests.derivable import derivable
from wellbeing.privacy.span import _PRIME, _BlockSystem


def teams_in_services(
    rng: np.random.Generator, n_columns: int, *, services: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each column's service and team: up to three teams a service."""
    service = rng.integers(0, services, n_columns)
    return service, service * 10 + rng.integers(0, 3, n_columns)


def teams_of_sizes(
    rng: np.random.Generator, teams: int, sizes: tuple[int, int], per_service: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each column's team and service: ``teams`` teams of ``sizes`` (least, most)
    columns, one after another, ``per_service`` teams a service."""
    team = np.repeat(np.arange(teams), rng.integers(sizes[0], sizes[1] + 1, teams))
    return team, team // per_service


def shown_rows(rows, n_columns: int, service, team) -> tuple[np.ndarray, _BlockSystem]:
    """The rows as a dense 0/1 matrix, and as the engine's block-by-block span."""
    dense = np.zeros((len(rows), n_columns))
    for r, columns in enumerate(rows):
        dense[r, columns] = 1
    return dense, _BlockSystem(rows, n_columns, np.column_stack([service, team]))


@pytest.mark.parametrize("seed", range(8))
def test_the_block_by_block_span_test_agrees_with_least_squares(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_columns = 40
    # Columns in 3 services of 2-3 teams; rows within a team, a service or across all.
    service, team = teams_in_services(rng, n_columns, services=3)
    rows = []
    for _ in range(30):
        level = rng.integers(0, 3)
        pool = (
            np.arange(n_columns)
            if level == 0
            else np.flatnonzero(service == rng.choice(service))
            if level == 1
            else np.flatnonzero(team == rng.choice(team))
        )
        chosen = pool[rng.random(len(pool)) < 0.6]
        if len(chosen):
            rows.append(np.unique(chosen))
    dense, system = shown_rows(rows, n_columns, service, team)
    targets = np.zeros((40, n_columns), dtype=np.int64)
    for i in range(40):
        # Half the targets are shown rows themselves (derivable), half random sets.
        if i % 2:
            targets[i] = dense[rng.integers(len(rows))]
        else:
            targets[i, rng.choice(n_columns, size=3, replace=False)] = 1
    coefficients, exists = system.represent(targets)
    expected = derivable(targets.astype(float), dense)
    assert exists.tolist() == expected.tolist()
    # Where it says a combination exists, the combination adds up to the target exactly.
    for i in np.flatnonzero(exists):
        total = (coefficients[i][:, None] * dense.astype(np.int64)).sum(axis=0) % _PRIME
        assert (total == targets[i] % _PRIME).all()
    # A random null vector is orthogonal to every row.
    null = system.null_vectors(np.random.default_rng(seed), 3)
    assert not ((dense.astype(np.int64) @ null) % _PRIME).any()


@pytest.mark.parametrize("seed", range(6))
def test_teams_of_one_shown_cell_or_none_agree_with_least_squares(seed: int) -> None:
    # Most teams of a wave's first step hold one atom and one shown cell, which pins it
    # down (span._PinnedRun: a run of such teams at once); others one cell over several
    # atoms, or none (span._eliminate_one). Columns in 3 services of up to 5 teams, teams
    # of one to three columns; each team's cell shown or not, then service and
    # organisation rows.
    rng = np.random.default_rng(seed)
    team, service = teams_of_sizes(rng, 15, (1, 3), per_service=5)
    n_columns = len(team)
    rows = [np.flatnonzero(team == t) for t in range(15) if rng.random() < 0.7]
    rows += [np.flatnonzero(service == s) for s in range(3) if rng.random() < 0.8]
    rows += [np.flatnonzero(rng.random(n_columns) < 0.4) for _ in range(3)]
    rows = [r for r in rows if len(r)]
    dense, system = shown_rows(rows, n_columns, service, team)
    targets = np.concatenate(
        [dense, np.eye(n_columns), rng.integers(0, 2, (20, n_columns))]
    ).astype(np.int64)
    coefficients, exists = system.represent(targets)
    assert exists.tolist() == derivable(targets.astype(float), dense).tolist()
    for i in np.flatnonzero(exists):
        total = (coefficients[i][:, None] * dense.astype(np.int64)).sum(axis=0) % _PRIME
        assert (total == targets[i] % _PRIME).all()
    assert (~system.null_rows(targets).any(axis=1)).tolist() == exists.tolist()
    assert len(system.coordinate_columns()) == n_columns - np.linalg.matrix_rank(dense)
    null = system.null_vectors(np.random.default_rng(seed), 3)
    assert not ((dense.astype(np.int64) @ null) % _PRIME).any()


# The engine's shortcuts for large systems, each taken everywhere (the value) and nowhere:
# a service's teams projected in one sparse product; every product in floating point;
# every node's reduced equations kept as two factors (in floating point).
SHORTCUTS = {
    "_TEAMS_AT_ONCE": (1, 10**9),
    "_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT": (0, 10**18),
    "_FACTORED_REDUCED": (0, 10**12),
}


@pytest.mark.parametrize("shortcut", sorted(SHORTCUTS))
@pytest.mark.parametrize("seed", range(5))
def test_the_shortcuts_for_large_systems_give_what_the_plain_loops_give(
    seed: int, shortcut: str, monkeypatch
) -> None:
    # Two services of 20 teams of one to four columns, each team's cell and a breakdown
    # of it shown or not, then service and organisation rows: with the shortcut taken,
    # projections, lifts and combinations are exactly those without it, and least
    # squares agrees with both.
    from wellbeing.privacy import span

    rng = np.random.default_rng(seed)
    team, service = teams_of_sizes(rng, 40, (1, 4), per_service=20)
    n_columns = len(team)
    rows = [np.flatnonzero(team == t) for t in range(40) if rng.random() < 0.6]
    rows += [np.flatnonzero((team == t) & (rng.random(n_columns) < 0.5)) for t in range(40)]
    rows += [np.flatnonzero(service == s) for s in range(2)]
    rows += [np.flatnonzero(rng.random(n_columns) < 0.3) for _ in range(6)]
    rows = [r for r in rows if len(r)]
    targets = np.concatenate([np.eye(n_columns), rng.integers(0, 2, (30, n_columns))]).astype(
        np.int64
    )

    def worked_out(value: int):
        for name, (_, without) in SHORTCUTS.items():
            monkeypatch.setattr(span, name, value if name == shortcut else without)
        dense, system = shown_rows(rows, n_columns, service, team)
        taken = {
            "_TEAMS_AT_ONCE": [s._teams_null_basis() is not None for s in system.root.children],
            "_FACTORED_REDUCED": [system.root._factors is not None],
            "_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT": [span._MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT == 0],
        }[shortcut]
        coefficients, exists = system.represent(targets, np.random.default_rng(seed))
        null = system.null_vectors(np.random.default_rng(seed), 3)
        return dense, taken, system.null_rows(targets), null, coefficients, exists

    dense, taken, *shortcut_figures = worked_out(SHORTCUTS[shortcut][0])
    assert all(taken)
    _, _, *plain_figures = worked_out(SHORTCUTS[shortcut][1])
    for ours, theirs in zip(shortcut_figures, plain_figures, strict=True):
        assert np.array_equal(ours, theirs)
    null_rows, null, _, exists = shortcut_figures
    assert exists.tolist() == derivable(targets.astype(float), dense).tolist()
    assert (~null_rows.any(axis=1)).tolist() == exists.tolist()
    assert not ((dense.astype(np.int64) @ null) % _PRIME).any()


@pytest.mark.parametrize("one_by_one", [0, 10**9])
@pytest.mark.parametrize("seed", range(3))
def test_rows_given_one_after_another_make_the_blocks_a_list_of_rows_makes(
    seed: int, one_by_one: int, monkeypatch
) -> None:
    # The audit gives a system its rows as one array with where each row starts; every
    # block's cells are then those of the rows given as a list, whether a block writes
    # them row by row or all at once. Empty rows and a row of one column are among them.
    from wellbeing.privacy import span

    rng = np.random.default_rng(seed)
    team, service = teams_of_sizes(rng, 12, (1, 4), per_service=4)
    n_columns = len(team)
    rows = [np.flatnonzero((team == t) & (rng.random(n_columns) < 0.7)) for t in range(12)]
    rows += [np.flatnonzero(service == s) for s in range(3)] + [np.array([], dtype=int)]
    rows += [np.flatnonzero(rng.random(n_columns) < 0.4) for _ in range(10)] + [np.array([3])]
    labels = np.column_stack([service, team])
    as_list = _BlockSystem(rows, n_columns, labels)
    monkeypatch.setattr(span, "_ROWS_ONE_BY_ONE", one_by_one)
    flat = np.concatenate(rows).astype(np.intp)
    starts = np.r_[0, np.cumsum([len(r) for r in rows])]
    one_after_another = _BlockSystem((flat, starts), n_columns, labels)

    def blocks(node):
        yield node
        for child in node.children:
            yield from blocks(child)

    pairs = list(zip(blocks(as_list.root), blocks(one_after_another.root), strict=True))
    assert any(len(a.rows) > 8 for a, _ in pairs)
    for a, b in pairs:
        assert np.array_equal(a.rows, b.rows)
        if hasattr(a, "cells"):
            assert np.array_equal(a.cells, b.cells)
    targets = rng.integers(0, 2, (20, n_columns))
    assert np.array_equal(as_list.null_rows(targets), one_after_another.null_rows(targets))


@pytest.mark.parametrize("factored", [False, True])
@pytest.mark.parametrize("teams_at_once", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_a_parents_equations_projected_as_columns_are_the_rows_projection(
    seed: int, teams_at_once: bool, factored: bool, monkeypatch
) -> None:
    # The organisation's equations projected onto each service as columns (the layout its
    # elimination takes) are exactly the services' projections of them as rows, by every
    # route (the teams' null spaces in one sparse product or team by team, a service's
    # equations kept whole or as two factors).
    from wellbeing.privacy import span

    monkeypatch.setattr(span, "_TEAMS_AT_ONCE", 1 if teams_at_once else 10**9)
    monkeypatch.setattr(span, "_FACTORED_REDUCED", 0 if factored else 10**12)
    rng = np.random.default_rng(seed)
    team, service = teams_of_sizes(rng, 30, (1, 4), per_service=10)
    n_columns = len(team)
    rows = [np.flatnonzero((team == t) & (rng.random(n_columns) < 0.6)) for t in range(30)]
    rows += [np.flatnonzero((service == s) & (rng.random(n_columns) < 0.5)) for s in range(3)]
    rows = [r for r in rows if len(r)]
    system = _BlockSystem(rows, n_columns, np.column_stack([service, team]))
    services = [c for c in system.root.children if c.dimension]
    # (A team whose equations are kept as factors has no basis to put in the product.)
    assert services and all(
        (c._teams_null_basis() is not None) == (teams_at_once and not factored) for c in services
    )
    if factored:
        assert any(c._factors is not None for c in services)
    equations = rng.integers(0, _PRIME, (12, n_columns))[:, system.order]
    for c in services:
        mine = equations[:, c.lo : c.hi]
        assert np.array_equal(c.project_columns(mine.T), c.project(mine).T)


@pytest.mark.parametrize("seed", range(4))
def test_a_teams_elimination_met_before_in_another_family_is_taken_as_it_was(seed: int) -> None:
    # Two families over nearly the same people: the second's teams whose equations the
    # first had are not eliminated again (their arrays are the first's, read-only), and
    # the second family's span is exactly the one built from nothing.
    rng = np.random.default_rng(seed)
    team, service = teams_of_sizes(rng, 12, (2, 4), per_service=4)
    n_columns = len(team)
    rows = [np.flatnonzero(team == t) for t in range(12)]
    rows += [np.flatnonzero((team == t) & (rng.random(n_columns) < 0.5)) for t in range(12)]
    rows += [np.flatnonzero(service == s) for s in range(3)]
    rows = [r for r in rows if len(r)]
    labels = np.column_stack([service, team])
    eliminations: dict = {}
    first = _BlockSystem(rows, n_columns, labels, eliminations=eliminations)
    # The second family: one team's breakdown differs.
    changed = int(rng.integers(0, 12))
    other_rows = [
        r for r in rows if not (len(r) < (team == changed).sum() and team[r[0]] == changed)
    ]
    second = _BlockSystem(other_rows, n_columns, labels, eliminations=eliminations)
    fresh = _BlockSystem(other_rows, n_columns, labels)

    def teams(system):
        blocks = [block for service in system.root.children for block in service.children]
        return [block for block in blocks if hasattr(block, "transform")]

    shared = [a.transform is b.transform for a, b in zip(teams(first), teams(second), strict=True)]
    assert sum(shared) >= len(shared) - 1 and not all(
        block.transform.flags.writeable for block in teams(second)
    )
    targets = np.concatenate([np.eye(n_columns), rng.integers(0, 2, (10, n_columns))]).astype(
        np.int64
    )
    assert np.array_equal(second.null_rows(targets), fresh.null_rows(targets))
    assert np.array_equal(second.represent(targets)[0], fresh.represent(targets)[0])


@pytest.mark.parametrize("barren", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_elimination_gives_the_reduced_echelon_form_across_chunks_of_columns(
    seed, barren, monkeypatch
):
    # Chunks of 7 columns, so that pivots are found in one chunk and worked out of the
    # rows found in earlier ones: E @ equations has the identity on the pivot columns,
    # zeros below the rank, and E is invertible (its rows past the rank are
    # dependencies of the equations). ``barren``: two chunks with no pivot come before
    # columns that hold some, which the search must still find.
    from wellbeing.privacy import span

    monkeypatch.setattr(span, "_ELIMINATION_CHUNK", 7)
    rng = np.random.default_rng(seed)
    equations = (rng.random((12, 40)) < 0.3).astype(np.int64) * rng.integers(1, 4, (12, 40))
    if barren:
        equations[:, 3:21] = 0
    equations[9:] = (equations[:3] + equations[3:6]) % _PRIME  # dependent rows
    pivots, transform, rank = span._eliminate(equations)
    reduced = span._mulmod(transform, equations)
    assert rank == np.linalg.matrix_rank(equations.astype(float)) == len(pivots)
    assert np.array_equal(reduced[:rank][:, pivots], np.eye(rank, dtype=np.int64))
    assert not reduced[rank:].any()
    for row, column in enumerate(pivots.tolist()):
        assert not reduced[row, :column].any()  # echelon: nothing left of a pivot
    assert span._eliminate(transform)[2] == len(transform)  # invertible mod p
    # The columns taken in another order, chunk by chunk, as when put in that order first
    # (pivots numbered in the order), from integers or from floating point alike.
    order = rng.permutation(40)
    in_order = span._eliminate(equations[:, order])
    for given in (equations, equations.astype(np.float64)):
        taken = span._eliminate(given, order)
        assert all(np.array_equal(a, b) for a, b in zip(taken, in_order, strict=True))


@pytest.mark.parametrize("seed", range(6))
def test_an_elimination_stops_once_the_rows_left_are_zero_on_every_column_ahead(seed, monkeypatch):
    # An organisation's equations: 30 rows over 80 columns taken 7 at a time, the pivots
    # in the first 20 columns and half the rows combinations of the others. Once those
    # are found, the random probes of the columns ahead show the rows left give nothing
    # there, and the elimination stops: the same pivots, E and rank as taking every
    # chunk, with a fraction of the chunks multiplied out. A last pivot in the last
    # column alone is still found.
    from wellbeing.privacy import span

    monkeypatch.setattr(span, "_ELIMINATION_CHUNK", 7)
    rng = np.random.default_rng(seed)
    equations = np.zeros((30, 80), dtype=np.int64)
    equations[:15, :20] = rng.integers(0, _PRIME, (15, 20))
    equations[:15, 20:] = (rng.random((15, 60)) < 0.2) * rng.integers(1, _PRIME, (15, 60))
    mixing = rng.integers(0, _PRIME, (15, 15))
    equations[15:] = span._mulmod(mixing, equations[:15])
    chunks_multiplied: list[int] = []
    original = span._mulmod

    def counting(a, b, **kw):
        if 1 < b.shape[1] <= 7 and a.shape[1] == len(equations):  # E's rows times a chunk
            chunks_multiplied.append(1)
        return original(a, b, **kw)

    monkeypatch.setattr(span, "_mulmod", counting)
    probed = span._eliminate(equations)
    stopped_after = len(chunks_multiplied)
    monkeypatch.setattr(span, "_PROBED_FROM_CHUNKS", 10**9)
    chunks_multiplied.clear()
    every_chunk = span._eliminate(equations)
    assert all(np.array_equal(a, b) for a, b in zip(probed, every_chunk, strict=True))
    assert probed[2] == 15
    assert stopped_after <= 4 < len(chunks_multiplied) == 12
    # A row whose only entry is in the last column: its pivot is found there.
    monkeypatch.setattr(span, "_PROBED_FROM_CHUNKS", 4)
    equations[29] = 0
    equations[29, 79] = 5
    found = span._eliminate(equations)
    assert found[2] == 16 and 79 in found[0].tolist()


@pytest.mark.parametrize("seed", range(12))
def test_a_chunk_eliminated_at_once_gives_what_chunk_by_chunk_gives(seed, monkeypatch):
    # A team's equations (one chunk of columns) are eliminated with E beside them in one
    # array: pivots, E and rank are those of the left-looking elimination taking the
    # same columns seven at a time, dependent rows and all.
    from wellbeing.privacy import span

    rng = np.random.default_rng(seed)
    rows, columns = int(rng.integers(2, 15)), int(rng.integers(8, 60))
    equations = (rng.random((rows, columns)) < 0.3) * rng.integers(1, _PRIME, (rows, columns))
    if rows > 4:
        equations[-2:] = (equations[:2] + 3 * equations[2:4]) % _PRIME
    at_once = span._eliminate(equations)
    monkeypatch.setattr(span, "_ELIMINATION_CHUNK", 7)
    chunk_by_chunk = span._eliminate(equations)
    assert all(np.array_equal(a, b) for a, b in zip(at_once, chunk_by_chunk, strict=True))
    reduced = span._mulmod(at_once[1], equations)
    assert np.array_equal(reduced[: at_once[2]][:, at_once[0]], np.eye(at_once[2], dtype=np.int64))


def test_a_product_goes_to_floating_point_where_it_has_many_multiply_adds_per_entry() -> None:
    # Square blocks (an equation's rows times a few hundred coordinates) in BLAS; a narrow
    # product (a few samples against an organisation's equations) stays in int64, unless
    # its sums could pass what int64 holds exactly.
    from wellbeing.privacy import span

    assert span._quicker_in_float(50, 50, 50)
    assert span._quicker_in_float(300, 300, 50)
    assert not span._quicker_in_float(300, 3_000, 3)
    assert not span._quicker_in_float(10, 10, 10)
    assert span._quicker_in_float(1, span._EXACT_INT_TERMS + 1, 1)


@pytest.mark.parametrize("floating", [False, True])
@pytest.mark.parametrize("small", [False, True])
def test_products_modulo_the_prime_are_exact_over_sums_of_many_terms(
    floating: bool, small: bool, monkeypatch
) -> None:
    # Residues up to p - 1 summed over three times the terms a floating-point product keeps
    # exact, in integers and in floating point, against Python's integers.
    from wellbeing.privacy import span

    monkeypatch.setattr(span, "_MULTIPLY_ADDS_PER_ENTRY_IN_FLOAT", 10**18 if small else 0)
    rng = np.random.default_rng(7)
    inner = 3 * span._EXACT_TERMS + 5
    a = rng.integers(_PRIME - 50, _PRIME, (3, inner))
    b = rng.integers(_PRIME - 50, _PRIME, (inner, 2))
    exact = (a.astype(object) @ b.astype(object)) % _PRIME
    if floating:
        b = b.astype(np.float64)
    product = span._mulmod(a, b)
    assert product.dtype == np.int64
    assert product.tolist() == exact.tolist()
    # Left unreduced for a caller that reduces anyway: congruent, never negative; over
    # fewer terms than one floating-point chunk keeps exact, as it came.
    for terms in (inner, span._EXACT_TERMS - 1):
        unreduced = span._mulmod(a[:, :terms], b[:terms], reduce=False)
        expected = (
            a[:, :terms].astype(object) @ b[:terms].astype(np.int64).astype(object)
        ) % _PRIME
        assert (unreduced >= 0).all() and (unreduced % _PRIME).tolist() == expected.tolist()
        if terms < span._EXACT_TERMS:
            assert (unreduced >= _PRIME).any()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weighted", [False, True])
def test_the_null_basis_rows_stand_for_its_free_columns_and_vanish_on_the_span(
    seed: int, weighted: bool
) -> None:
    # The search by pivots reads a set's rows of the null basis: a free column's row is
    # the unit vector of its own coordinate, and a vector's rows add up to zero exactly
    # when it is in the span of the shown rows (least squares says which are); whichever
    # columns are put first as pivots.
    rng = np.random.default_rng(seed)
    n_columns = 30
    service, team = teams_in_services(rng, n_columns, services=2)
    rows = [np.flatnonzero(rng.random(n_columns) < 0.3) for _ in range(12)]
    rows += [np.flatnonzero(team == t) for t in np.unique(team)]
    rows = [r for r in rows if len(r)]
    dense, system = shown_rows(rows, n_columns, service, team)
    if weighted:
        priority = -rng.integers(1, 10, n_columns)
        system = _BlockSystem(rows, n_columns, np.column_stack([service, team]), priority=priority)
    free = system.coordinate_columns()
    assert len(free) == n_columns - np.linalg.matrix_rank(dense)
    units = np.eye(n_columns, dtype=np.int64)[free]
    assert np.array_equal(system.null_rows(units), np.eye(len(free), dtype=np.int64))
    targets = np.concatenate([dense[:5], rng.integers(0, 2, (20, n_columns))]).astype(np.int64)
    in_span = ~system.null_rows(targets).any(axis=1)
    assert in_span.tolist() == derivable(targets.astype(float), dense).tolist()
    assert in_span[:5].all()


def test_the_pivots_fall_on_the_columns_put_first_in_a_team_and_in_its_service():
    # The search by pivots pairs up the small atoms that are pivots, so the audit puts
    # the larger atoms first. Team A holds columns 0 and 1 (its own row), team B 2 and 3;
    # one row spans the service (in team A's free coordinates it is nothing: team A's row
    # covers that part). Weights 1, 5, 2, 9: team A's pivot is column 1, not 0, and the
    # service's, between team B's columns 2 and 3, is column 3, not 2.
    rows = [np.array([0, 1]), np.array([0, 1, 2, 3])]
    labels = np.column_stack([[0, 0, 0, 0], [0, 0, 1, 1]])
    weight = np.array([1, 5, 2, 9])
    in_order = _BlockSystem(rows, 4, labels)
    heaviest_first = _BlockSystem(rows, 4, labels, priority=-weight)
    assert sorted(in_order.coordinate_columns().tolist()) == [1, 3]
    assert sorted(heaviest_first.coordinate_columns().tolist()) == [0, 2]


def test_every_zero_sum_set_is_found_when_not_only_the_smallest_are_asked_for():
    # The search by pivots needs sets that add up to zero in a trial even when a part of
    # them does too: 0 is zero alone, 1 + 2 is a pair, so 0 + 1 + 2 adds up to zero.
    from wellbeing.privacy.audit import zero_sum_subsets
    from wellbeing.privacy.span import _PRIME as p

    prints = np.array([[0, 0], [3, 7], [p - 3, p - 7], [5, 5]], dtype=np.int64)
    weight = np.ones(4, dtype=np.int64)
    assert sorted(zero_sum_subsets(prints, weight, 4, 3)) == [(0,), (1, 2)]
    assert sorted(zero_sum_subsets(prints, weight, 4, 3, minimal=False)) == [
        (0,),
        (0, 1, 2),
        (1, 2),
    ]


def test_pairs_listed_for_one_search_serve_another_only_for_the_same_weights():
    # The search by pivots lists the pairs of light rows once for a family's trials. A
    # list kept for other weights (rows 0 and 1 the only light ones) must not be taken
    # for rows all light: the triple 1 + 2 + 3 needs the pair (1, 2).
    from wellbeing.privacy.audit import zero_sum_subsets
    from wellbeing.privacy.span import _PRIME as p

    prints = np.array([[8, 9], [10, 20], [5, 1], [p - 15, p - 21]], dtype=np.int64)
    listed: dict = {}
    assert zero_sum_subsets(prints, np.array([1, 1, 2, 2]), 4, 3, listed=listed) == []
    assert len(listed) == 1
    every_light = np.ones(4, dtype=np.int64)
    assert zero_sum_subsets(prints, every_light, 3, 3, listed=listed) == [(1, 2, 3)]
    # Asked again with other lanes and the same weights, the pairs are the ones kept.
    (kept,) = listed.values()
    again = np.roll(prints, 1, axis=1)
    assert zero_sum_subsets(again, every_light, 3, 3, listed=listed) == [(1, 2, 3)]
    assert next(iter(listed.values())) is kept


def test_the_union_search_finds_every_zero_sum_of_up_to_four_within_the_weight():
    # Fingerprints made by hand (two lanes): a single that is zero, a pair, a triple of
    # weights 1, 1, 2 and a quadruple of weight 1 each; a quadruple with an atom of
    # weight 2 (5 people) and a pair over the weight are not groups of fewer than 5.
    from wellbeing.privacy.audit import zero_sum_subsets
    from wellbeing.privacy.span import _PRIME as p

    prints = np.array(
        [
            [0, 0],  # 0: alone
            [3, 7],  # 1 + 2: a pair
            [p - 3, p - 7],
            [10, 20],  # 3 + 4 + 5: a triple
            [5, 1],
            [p - 15, p - 21],
            [100, 1],  # 6 + 7 + 8 + 9: a quadruple
            [200, 2],
            [300, 3],
            [p - 600, p - 6],
            [1000, 9],  # 10 + 11 + 12 + 13: a quadruple, but 13 weighs 2
            [2000, 9],
            [3000, 9],
            [p - 6000, p - 27],
            [77, 77],  # 14 + 15: a pair, but 3 + 2 people
            [p - 77, p - 77],
        ],
        dtype=np.int64,
    )
    weight = np.array([1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 2, 3, 2])
    found = sorted(zero_sum_subsets(prints, weight, max_weight=4))
    assert found == [(0,), (1, 2), (3, 4, 5), (6, 7, 8, 9)]


@pytest.mark.parametrize("seed", range(12))
def test_the_union_search_agrees_with_trying_every_set_of_up_to_four(seed: int) -> None:
    # Fingerprints with zero sums planted among random ones, atoms of 1 to 4 people:
    # asked for every set, the search gives exactly the sets of up to four that add up
    # to zero within the weight, in order (by size, then by their rows); asked for the
    # smallest, it gives no other set and every one with no zero-sum part.
    import itertools

    from wellbeing.privacy.audit import zero_sum_subsets

    rng = np.random.default_rng(seed)
    n = 40
    prints = rng.integers(0, _PRIME, (n, 4))
    weight = rng.choice([1, 1, 1, 2, 2, 3, 4], n)
    max_weight = [3, 4, 4, 5, 6, 4][seed % 6]
    light = np.flatnonzero(weight == 1)
    for planted, size in enumerate([1, 2, 2, 3, 3, 3, 4, 4, 4, 4]):
        # Half among the lightest atoms, so that sets of three and four weigh little.
        pool = light if planted % 2 else np.arange(n)
        members = rng.choice(pool, size=size, replace=False)
        prints[members[-1]] = (-prints[members[:-1]].sum(axis=0)) % _PRIME
    every = [
        subset
        for size in range(1, 5)
        for subset in itertools.combinations(range(n), size)
        if weight[list(subset)].sum() <= max_weight
        and not (prints[list(subset)].sum(axis=0) % _PRIME).any()
    ]
    assert {len(subset) for subset in every} >= {3, 4} or max_weight < 4
    assert zero_sum_subsets(prints, weight, max_weight, minimal=False) == every
    smallest = zero_sum_subsets(prints, weight, max_weight)
    assert set(smallest) <= set(every)
    for subset in every:
        parts = [
            part
            for size in range(1, len(subset))
            for part in itertools.combinations(subset, size)
            if part in every
        ]
        if not parts:
            assert subset in smallest


@pytest.mark.parametrize("seed", range(4))
def test_the_matching_of_keys_gives_every_equal_pair_by_target_then_table(seed: int) -> None:
    # The union search joins pair sums to minus the thirds by their keys: every (target,
    # table) pair with equal keys, repeated keys on both sides included, in order.
    from wellbeing.privacy.audit import _matching

    rng = np.random.default_rng(seed)
    span = [4, 50, 2**40][seed % 3]
    table = rng.integers(0, span, int(rng.integers(0, 300)))
    targets = rng.integers(0, span, int(rng.integers(0, 3000)))
    expected = [(q, m) for q in range(len(targets)) for m in np.flatnonzero(table == targets[q])]
    query, match = _matching(table, targets)
    assert list(zip(query.tolist(), match.tolist(), strict=True)) == expected


@pytest.mark.parametrize("seed", range(3))
def test_distinct_rows_are_numbered_as_numpys_unique_numbers_them(seed: int) -> None:
    # The cube, the span and the atoms number distinct rows (privacy.arrays) by counting
    # the rows read as numbers (few values), sorting those numbers (more), or a lexsort
    # of the columns (numbers past 2^62); np.unique(axis=0) gives the same rows, order
    # and numbers. Grouped, each group's rows are those numbered so, in order.
    from wellbeing.privacy import arrays

    rng = np.random.default_rng(11 + seed)
    tables = [np.zeros((0, 2), dtype=np.int64), np.array([[3, -1], [3, -1], [-2, 5]])]
    tables += [rng.integers(-3, 7, size=(int(rng.integers(1, 300)), c)) for c in (1, 2, 3, 5)]
    tables.append(rng.integers(0, 10**6, size=(300, 2)))  # sorted as numbers
    tables.append(rng.integers(0, 2**62, size=(200, 2), dtype=np.int64).astype(np.uint64))
    tables.append(rng.integers(0, 8, size=(80_000, 6)))  # more groups than 16 bits hold
    tables.append(rng.integers(0, 9, size=(50, 0)))  # no columns: one group
    for number, table in enumerate(tables):
        uniques, inverse = np.unique(table, axis=0, return_inverse=True)
        ours_uniques, ours_inverse = arrays.distinct_rows(table)
        assert np.array_equal(ours_uniques, uniques), number
        assert ours_uniques.dtype == table.dtype
        assert np.array_equal(ours_inverse, inverse.reshape(-1)), number
        grouped, order, bounds = arrays.grouped_rows(table)
        assert np.array_equal(grouped, uniques)
        assert np.array_equal(order, np.argsort(inverse.reshape(-1), kind="stable"))
        sizes = np.bincount(inverse.reshape(-1), minlength=len(uniques))
        assert bounds.tolist() == [0, *np.cumsum(sizes).tolist()]


def test_free_atoms_sharing_their_first_two_lanes_are_both_looked_up():
    # The search by pivots looks a missing free atom up by its fingerprint's first two
    # lanes. Two free atoms may share them (about once in p^2); the one whose every
    # lane matches must still be found, whichever was listed last.
    from wellbeing.privacy.audit import _FreeAtoms
    from wellbeing.privacy.span import _PRIME as p

    trials = 3  # the whole prints, then two trials (each leaving out one block)
    prints = np.zeros((3, trials, 2 + 2), dtype=np.int64)
    prints[2] = [5, 7, 11, 13]  # the free atom the pivot needs
    prints[1] = [5, 7, 99, 98]  # another free atom, sharing the first two lanes
    prints[0] = (p - prints[2]) % p  # the pivot: minus atom 2 in every trial
    free_atoms = _FreeAtoms(prints, np.array([1, 2]), left_out=[(0,), (1,)])
    assert free_atoms.completing_each([(0,)], [1]) == [[2]]


def completing_one_by_one(prints, free_small, left_out, pivots, most):
    """The search for completing free atoms, one set at a time, as written first: the
    reference the search of every set at once is held to."""
    from wellbeing.privacy.span import _PRIME as p

    residual = prints[list(pivots)].sum(axis=0) % p
    members: list[int] = []
    while True:
        zero = ~residual.any(axis=1)
        if zero.all():
            return members
        if len(members) == most:
            return False
        hit = None
        for trial in np.flatnonzero(~zero).tolist():
            wanted = (p - residual[trial]) % p
            for atom in free_small.tolist():  # in order of (first two lanes, listing)
                lanes = prints[atom, trial]
                if lanes.any() and (lanes == wanted).all():
                    hit = atom if hit is None else hit
            if hit is not None:
                break
        if hit is None:
            break
        members.append(hit)
        residual = (residual + prints[hit]) % p
    from wellbeing.privacy.audit import _InOneBlock

    blocks = [
        b
        for b in range(max(b for out in left_out for b in out) + 1)
        if np.array_equal(zero[1:], [b in out for out in left_out])
    ]
    return _InOneBlock(members, blocks[0]) if not zero[0] and blocks else False


@pytest.mark.parametrize("seed", range(6))
def test_the_free_atoms_of_every_set_are_found_at_once_as_one_by_one(seed):
    # Sets of one to three pivots whose sums are minus some free atoms (in one block or
    # spread), or nothing found; free atoms sharing lanes: every set at once gets what
    # the search one set at a time gets.
    import itertools

    from wellbeing.privacy.audit import _FreeAtoms, _InOneBlock
    from wellbeing.privacy.span import _PRIME as p

    rng = np.random.default_rng(seed)
    blocks, n_free = 4, 24
    left_out = list(itertools.combinations(range(blocks), 2))
    free_small = rng.permutation(n_free)[: n_free - 4]  # four free atoms are not small
    block_of = np.arange(n_free) % blocks
    whole = rng.integers(0, p, (n_free, 4))
    trial_prints = np.zeros((n_free + 15, len(left_out) + 1, 4), dtype=np.int64)
    trial_prints[:n_free, 0] = whole
    for trial, out in enumerate(left_out, start=1):
        kept = ~np.isin(block_of, out)
        trial_prints[:n_free, trial] = np.where(kept[:, None], whole, 0)
    # Two free atoms sharing their first two lanes (looked up by those), the one listed
    # first not the one a set needs.
    trial_prints[free_small[1], :, :2] = trial_prints[free_small[0], :, :2]
    sets, most = [], []
    for pivot in range(n_free, n_free + 12):
        wanted = rng.choice(n_free, size=int(rng.integers(0, 3)), replace=False)
        trial_prints[pivot] = (-trial_prints[wanted].sum(axis=0)) % p
        if rng.random() < 0.3:
            trial_prints[pivot, 1:] = rng.integers(0, p, trial_prints[pivot, 1:].shape)
        sets.append((pivot,))
        most.append(int(rng.integers(0, 3)))
    # A pivot needing the second of the two; one zero in the whole prints and in the
    # trials leaving out block 0, but not in the others (no atom completes it).
    trial_prints[n_free + 12] = (-trial_prints[free_small[1]]) % p
    trial_prints[n_free + 13, 1:] = rng.integers(1, p, trial_prints[n_free + 13, 1:].shape)
    trial_prints[n_free + 13, 1:][[0 in out for out in left_out]] = 0
    sets += [(n_free, n_free + 1), (n_free + 2, n_free + 3, n_free + 4)]
    # A pivot needing two free atoms of block 1: never parted, so read off exactly.
    pair = free_small[block_of[free_small] == 1][:2]
    trial_prints[n_free + 14] = (-trial_prints[pair].sum(axis=0)) % p
    sets += [(n_free + 12,), (n_free + 13,), (n_free + 14,)]
    most += [2, 1, 1, 1, 2]
    free_atoms = _FreeAtoms(trial_prints, free_small, left_out)
    expected = [
        completing_one_by_one(trial_prints, np.sort(free_small), left_out, s, m)
        for s, m in zip(sets, most, strict=True)
    ]
    assert free_atoms.completing_each(sets, most) == expected
    assert expected[-3:] == [[free_small[1]], False, _InOneBlock([], 1)]


def _rows_within_teams(rng: np.random.Generator, team: np.ndarray, count: int) -> list:
    return [
        np.sort(rng.choice(np.flatnonzero(team == t), 2, replace=False))
        for t in rng.choice(np.unique(team), count)
        if (team == t).sum() >= 2
    ]


def test_the_equations_kept_between_audits_stay_within_their_budget() -> None:
    from wellbeing.privacy.span import KeptBlocks

    rng = np.random.default_rng(5)
    service, team = teams_in_services(rng, 60, services=3)
    labels = np.column_stack([service, team])

    def build(kept: KeptBlocks, family: str) -> None:
        rows = _rows_within_teams(rng, team, 20)
        _BlockSystem(rows, 60, labels, cache=kept.of(family))
        kept.built(family)

    roomy = KeptBlocks(budget=10**9)
    for family in ("count", "stress", "support"):
        build(roomy, family)
    assert roomy.families() == ["count", "stress", "support"]
    assert roomy.let_go == 0
    one_family = roomy.nbytes() // 3
    assert one_family > 0
    # Room for about two, and the audits going through the families in the same order
    # round after round: the family first audited last goes (never the one just built),
    # so that the first is found again at every round. Letting the family built longest
    # ago go instead would let each go just before its next audit, and find none again.
    tight = KeptBlocks(budget=int(roomy.nbytes() * 0.75))
    found_again = []
    for family in ("count", "stress", "support") * 3:
        if family in tight.families():
            found_again.append(family)
        build(tight, family)
        assert family in tight.families()
        assert tight.nbytes() <= tight.budget
    assert tight.families() == ["count", "support"]
    assert found_again == ["count", "count"]
    assert tight.let_go == 5
    # However small the budget, the family just built is kept for its next audit.
    none = KeptBlocks(budget=0)
    for family in ("count", "stress"):
        build(none, family)
    assert none.families() == ["stress"]
    assert len(none.of("stress")) > 0


def test_the_blocks_kept_for_the_next_audit_are_those_below_the_top() -> None:
    # The top block changes whenever anything below it or a cell of its own does, so the
    # next audit of the family builds it again: keeping it would only hold the largest
    # block in memory. Every block below it is kept, and reused when unchanged.
    rng = np.random.default_rng(8)
    service, team = teams_in_services(rng, 60, services=3)
    labels = np.column_stack([service, team])
    rows = _rows_within_teams(rng, team, 20) + [np.flatnonzero(service != service[0])]
    cache: dict = {}
    first = _BlockSystem(rows, 60, labels, cache=cache)
    assert first.root.children and first.root.cells.shape[0] == 1
    assert all(node is not first.root for node in cache.values())
    below = {id(node) for node in cache.values()}
    assert {id(child) for child in first.root.children} <= below
    again = _BlockSystem(rows, 60, labels, cache=cache)
    assert again.root is not first.root
    assert all(id(child) in below for child in again.root.children)
