"""The audit: can the shown cells be combined to give away a group smaller than k?

Every shown cell is a sum over the finest groups it contains, so every figure
a reader has is one linear equation. For each *family* (one per-person
quantity, such as a measure's score, or one set's count) the audit takes every
shown cell whose figures carry it, in every set and every published version of
the wave, and looks for a group of fewer than k people whose total those
equations pin down exactly: its count, its sum, and (from an interval) its sum
of squares, hence its mean and spread. It looks for

- *unions*: every combination of up to ``largest_union`` atoms (groups no
  shown cell tells apart) with fewer than k people between them. A group of
  fewer than k has at most k - 1 atoms, so four covers every such group when
  k is 5;
- *hidden cells*: every hidden cell smaller than its own k (the stricter k of
  the sensitive attributes included).

A group is a candidate when random vectors of the equations' null space add up
to zero over it (a derivable group always does; another does about once in
p^4) and a leak once an exact combination of shown cells giving it is found.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from wellbeing.privacy.arrays import distinct_rows
from wellbeing.privacy.span import _PRIME, KeptBlocks, _BlockSystem, _eliminate, _mulmod

_SEED = 20261204
# Random null vectors per audit: a false alarm about once in p ** FINGERPRINTS.
FINGERPRINTS = 4
# Random dependencies among the shown cells, to tell which cells a derivation needs.
LEFT_NULL_SAMPLES = 16
# Atoms per union searched: every derivable group of fewer than 5 people.
LARGEST_UNION = 4
# Above this many small atoms (the sensitive breakdowns of a large organisation),
# unions are matched among the pivots alone (see _unions_by_pivots), a few thousand
# where the atoms are many thousand.
MATCHED_ATOMS = 3000
# Above this many small pivots (a million respondents' equity cells), their pairs
# (N^2 / 2, about 48 bytes each: 860 MB at 6,000) are too many to hold; the family is
# left unsettled and the engine hides its cheapest cells instead.
MATCHED_PIVOTS = 6000
# Random dependencies to spare, beyond the dimensions they span on the cells hidden since
# a family's first search, for RememberedDerivations to trust that they span every
# dependency there: it would err about once in p ** this (10^-24).
SPARE_DEPENDENCIES = 4
# Sets of pivots whose rows the search by pivots adds up exactly at once.
_ROWS_AT_ONCE = 256
# Beyond what is matched (a k above 5, or many small atoms), integer programming
# finds any union (HiGHS, through scipy); seconds it may take per family. A family
# it cannot settle in time is treated as leaking (see Leak.settled).
MILP_SECONDS = 30.0
# Above this many small atoms the integer program does not finish in its time (at
# 18,000, the equity cells of 400 teams, HiGHS's first relaxation alone takes 20 s and
# its time limit is not looked at until then), so the family is left unsettled at once.
MILP_ATOMS = 6000


class AuditUnfinished(RuntimeError):
    """The integer program could neither find a derivable group nor rule one out in time."""


@dataclass
class Leak:
    """A group of fewer than k people that the shown cells give away."""

    family: str
    people: int
    rows: np.ndarray  # the shown cells (cube indices) of one derivation of it
    needed: np.ndarray  # of those, the ones every derivation needs
    groups: np.ndarray  # the finest groups it is made of
    # Which cells to hide, one after another, to break every derivation of it (see Cut);
    # None when the audit was not asked for one.
    cut: Cut | None = None
    # False: the audit could not tell in time whether the family gives anyone away;
    # ``rows`` are then all its shown cells, and the repair hides the cheapest of them.
    settled: bool = True


@dataclass
class System:
    """The shown cells of one family as equations over its atoms."""

    rows: np.ndarray  # cube cell of each equation
    atom_of_group: np.ndarray  # per finest group: its atom, -1 outside the family
    atom_weight: np.ndarray
    # Each atom's finest groups, one atom after another, and where each atom's groups
    # begin (and the last's end); each row's atoms likewise. As lists of arrays, a family's 130,000
    # atoms and 20,000 rows took 0.1 s to list at a million respondents.
    atom_members: np.ndarray
    atom_starts: np.ndarray
    span: _BlockSystem
    row_members: np.ndarray
    row_starts: np.ndarray
    span_labels: np.ndarray  # per atom: its service and team block (see _BlockSystem)

    def atom_groups(self, atom: int) -> np.ndarray:
        """The atom's finest groups."""
        return self.atom_members[self.atom_starts[atom] : self.atom_starts[atom + 1]]

    def row_atoms(self, row: int) -> np.ndarray:
        """The atoms of the shown cell ``row`` (the equation's number)."""
        return self.row_members[self.row_starts[row] : self.row_starts[row + 1]]


def build_system(
    cube,
    shown: np.ndarray,
    sets: np.ndarray,
    cache: dict | None = None,
    eliminations: dict | None = None,
) -> System | None:
    """The equations of one family: its shown cells over the groups of its sets, as atoms.

    ``cache``: kept between audits of one family on one cube; the span reuses each team
    and service whose cells and atoms are as they were (see :class:`_BlockSystem`).
    ``eliminations``: kept between the audits of every family of one cube (ditto).
    """
    rows = np.flatnonzero(np.isin(cube.set_of, sets) & shown & (cube.count > 0))
    if not len(rows):
        return None
    n_groups = len(cube.groups.weight)
    sizes = cube.indptr[rows + 1] - cube.indptr[rows]
    flat, _ = cube.members_of(rows)
    # Atoms: groups every shown cell holds together or leaves alone (a derivable
    # group takes all of an atom or none of it). Two random 64-bit lanes per row.
    rng = np.random.default_rng(_SEED)
    lanes = rng.integers(1, 2**62, size=(len(rows), 2), dtype=np.int64).astype(np.uint64)
    signature = _summed_by(flat, lanes, n_groups, repeats=sizes)
    seen = np.zeros(n_groups, dtype=bool)
    seen[flat] = True
    groups = np.flatnonzero(seen)
    inverse = distinct_rows(signature[groups])[1]
    n_atoms = int(inverse.max()) + 1
    atom_of_group = np.full(n_groups, -1, dtype=np.int64)
    atom_of_group[groups] = inverse
    atom_weight = np.bincount(inverse, weights=cube.groups.weight[groups], minlength=n_atoms)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(n_atoms + 1))
    atom_members = groups[order]
    # The span test works team by team: an atom's service and team where all its
    # groups share them, else a block of its own.
    codes = cube.groups.codes[groups]
    labels = np.zeros((n_atoms, 2), dtype=np.int64)
    own = np.int64(1) << np.int64(40)
    for level in (0, 1):
        low = np.full(n_atoms, np.iinfo(np.int64).max, dtype=np.int64)
        high = np.full(n_atoms, -1, dtype=np.int64)
        np.minimum.at(low, inverse, codes[:, level])
        np.maximum.at(high, inverse, codes[:, level])
        labels[:, level] = np.where(low == high, low, own + np.arange(n_atoms))
    labels[:, 1] = np.where(
        labels[:, 0] < own, labels[:, 0] * (1 << 20) + labels[:, 1], labels[:, 1]
    )
    # A row holds an atom exactly when it holds the atom's first group (every shown cell
    # holds an atom's groups together), so each row lists its atoms once without a sort
    # of all its groups.
    first_group = np.zeros(n_groups, dtype=bool)
    first_group[groups[order[bounds[:-1]]]] = True
    held = first_group[flat]
    cut = np.searchsorted(np.flatnonzero(held), np.r_[0, np.cumsum(sizes)])
    atoms_held = atom_of_group[flat[held]]
    # The larger atoms first: each equation's pivot is then a large atom where it can be,
    # and the search by pivots has fewer small ones to pair up (at 100k a quarter of the
    # time of a wave's sensitive breakdowns went on pairs of light pivots).
    # An atom's identity from one system to the next: its groups, by random lanes.
    group_lanes = (
        np.random.default_rng(_SEED + 1)
        .integers(1, 2**62, size=(n_groups, 2), dtype=np.int64)
        .astype(np.uint64)
    )
    atom_ids = _summed_by(inverse, group_lanes[groups], n_atoms)
    span = _BlockSystem(
        (atoms_held, cut),
        n_atoms,
        labels,
        labels=rows,
        cache=cache,
        priority=-atom_weight,
        column_ids=atom_ids,
        eliminations=eliminations,
    )
    return System(
        rows,
        atom_of_group,
        atom_weight.astype(np.int64),
        atom_members,
        bounds,
        span,
        atoms_held,
        cut,
        labels,
    )


def _summed_by(
    index: np.ndarray, lanes: np.ndarray, size: int, repeats: np.ndarray | None = None
) -> np.ndarray:
    """The rows of ``lanes`` (integers; sums of uint64 wrap past 2^64), each repeated
    ``repeats`` times where given, summed by ``index`` into ``size`` rows, a lane at a
    time: ``np.add.at`` of a single column takes its fast path, and of two columns at
    once did not (0.22 s against 0.05 s for a family's 6 million entries at a million
    respondents)."""
    summed = np.zeros((size, lanes.shape[1]), dtype=lanes.dtype)
    for lane in range(lanes.shape[1]):
        values = lanes[:, lane] if repeats is None else np.repeat(lanes[:, lane], repeats)
        column = np.zeros(size, dtype=lanes.dtype)
        np.add.at(column, index, np.ascontiguousarray(values))
        summed[:, lane] = column
    return summed


def _matching(table_keys: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(target, table) index pairs whose keys are equal, by target then table.

    Matches are rare among millions of pairs, so both sides are first cut down to the
    keys whose slot in a bitmap the other side also fills; only those are joined.
    """
    empty = np.zeros(0, dtype=np.int64)
    if not len(table_keys) or not len(targets):
        return empty, empty
    bits = int(np.clip(np.ceil(np.log2(16 * min(len(table_keys), len(targets)))), 16, 26))
    slot_mask = np.int64((1 << bits) - 1)
    table_slots, target_slots = table_keys & slot_mask, targets & slot_mask
    filled = np.zeros(1 << bits, dtype=bool)
    filled[table_slots] = True
    queries = np.flatnonzero(filled[target_slots])
    filled[:] = False
    filled[target_slots[queries]] = True
    rows = np.flatnonzero(filled[table_slots])
    if not len(queries) or not len(rows):
        return empty, empty
    # A sort-merge join: each query's run of equal keys in the table, rows in order.
    by_key = rows[np.argsort(table_keys[rows], kind="stable")]
    keys = table_keys[by_key]
    wanted = targets[queries]
    first = np.searchsorted(keys, wanted, "left")
    counts = np.searchsorted(keys, wanted, "right") - first
    runs = np.cumsum(counts) - counts
    within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(runs, counts)
    matches = by_key[np.repeat(first, counts) + within]
    return np.repeat(queries, counts).astype(np.int64), matches.astype(np.int64)


def zero_sum_subsets(
    prints: np.ndarray,
    weight: np.ndarray,
    max_weight: int,
    largest: int = LARGEST_UNION,
    *,
    minimal: bool = True,
    listed: dict | None = None,
) -> list[tuple[int, ...]]:
    """Sets of up to ``largest`` rows of ``prints`` adding up to zero mod p, of weight <= max.

    ``minimal``: leave out most sets made of smaller ones that add up to zero (every
    set of a family is then a union of the sets found); otherwise every set. Sets come
    by size, then in the order of their rows, each as its rows in order. Weights are at
    least 1. ``listed``: see :func:`_light_pairs`, for calls on rows of the same weights.

    Pairs, triples and quadruples are matched by sorting, with the rows put lightest
    first: every set a < b < c < d (in that order) is the pair (a, b) plus the pair
    (c, d) with b < c, or the pair (a, b) plus c > b. As c weighs at least as much as
    b, only pairs with w(a) + 2 w(b) within the weight can start a triple (of groups
    of fewer than 5: the pairs of two single people, a quarter of those light enough
    to take a third). Sums of pairs are keyed on their first two lanes (a false match
    about once in p^2) and only the matches are checked on every lane.
    """
    if max_weight < 1 or not len(prints):
        return []
    p = _PRIME
    order = np.argsort(weight, kind="stable")
    prints, weight = prints[order], weight[order]

    def key(first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return first * p + second

    def rows(*members: np.ndarray) -> list[tuple[int, ...]]:
        """Sets (one array per member) as the rows they are, in order."""
        sets = np.sort(order[np.column_stack(members)], axis=1)
        return sorted(map(tuple, sets.tolist()))

    zero = ~prints.any(axis=1)
    found = rows(np.flatnonzero(zero & (weight <= max_weight)))
    if largest < 2 or max_weight < 2:
        return found
    lane0, lane1 = prints[:, 0], prints[:, 1]
    keys = key(lane0, lane1)
    negative = (p - prints) % p
    negative_keys = key(negative[:, 0], negative[:, 1])
    query, other = _matching(keys, negative_keys)
    ok = (
        (other > query)
        & ~(zero[query] & minimal)
        & (weight[query] + weight[other] <= max_weight)
        & (negative[query] == prints[other]).all(axis=1)
    )
    found += rows(query[ok], other[ok])
    if largest < 3 or max_weight < 3:
        return found
    # The first pair of a triple, and either pair of a quadruple (the other weighs at
    # least 2): see _light_pairs.
    pair_a, pair_b = _light_pairs(
        weight, max_weight, ~(zero & minimal), quadruples=largest >= 4, listed=listed
    )
    sum0 = _plus(lane0[pair_a], lane0[pair_b])
    # A pair adding up to zero was found as a pair: not a part of a larger set.
    maybe_zero = np.flatnonzero(sum0 == 0)
    if len(maybe_zero) and minimal:
        whole = ~((prints[pair_a[maybe_zero]] + prints[pair_b[maybe_zero]]) % p).any(axis=1)
        if whole.any():
            keep = np.ones(len(pair_a), dtype=bool)
            keep[maybe_zero[whole]] = False
            pair_a, pair_b, sum0 = pair_a[keep], pair_b[keep], sum0[keep]
    if not len(pair_a):
        return found
    # A pair and a third adding up to zero: the pair's sum is minus the third. Only the
    # pairs whose first lane is minus some row's (a few in a thousand) are keyed on two.
    is_minus_a_row = np.zeros(p, dtype=bool)
    is_minus_a_row[negative[:, 0]] = True
    near = np.flatnonzero(is_minus_a_row[sum0])
    near_keys = key(sum0[near], _plus(lane1[pair_a[near]], lane1[pair_b[near]]))
    query, other = _matching(negative_keys, near_keys)
    query = near[query]
    query, other = query[other > pair_b[query]], other[other > pair_b[query]]
    ok = (weight[pair_a[query]] + weight[pair_b[query]] + weight[other] <= max_weight) & ~(
        (prints[pair_a[query]] + prints[pair_b[query]] + prints[other]) % p
    ).any(axis=1)
    found += rows(pair_a[query[ok]], pair_b[query[ok]], other[ok])
    if largest < 4 or max_weight < 4:
        return found
    # Two pairs of a quadruple weigh at least 2 each, so each at most max_weight - 2.
    pair_weight = weight[pair_a] + weight[pair_b]
    if (pair_weight > max_weight - 2).any():
        halves = np.flatnonzero(pair_weight <= max_weight - 2)
        pair_a, pair_b, pair_weight, sum0 = (
            pair_a[halves],
            pair_b[halves],
            pair_weight[halves],
            sum0[halves],
        )
    sum1 = _plus(lane1[pair_a], lane1[pair_b])
    query, other = _matching(key(sum0, sum1), key(_minus(sum0), _minus(sum1)))
    valid = pair_a[other] > pair_b[query]
    query, other = query[valid], other[valid]
    ok = (pair_weight[query] + pair_weight[other] <= max_weight) & ~(
        (
            prints[pair_a[query]]
            + prints[pair_b[query]]
            + prints[pair_a[other]]
            + prints[pair_b[other]]
        )
        % p
    ).any(axis=1)
    query, other = query[ok], other[ok]
    found += rows(pair_a[query], pair_b[query], pair_a[other], pair_b[other])
    return found


def _plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b modulo the prime, for residues (millions of pairs: quicker than ``%``)."""
    total = a + b
    np.subtract(total, _PRIME, out=total, where=total >= _PRIME)
    return total


def _minus(a: np.ndarray) -> np.ndarray:
    """-a modulo the prime, for residues."""
    return np.where(a > 0, _PRIME - a, 0)


def _light_pairs(
    weight: np.ndarray,
    max_weight: int,
    allowed: np.ndarray,
    *,
    quadruples: bool,
    listed: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) with a < b, for the pairs of allowed rows (in ascending order of weight)
    that can start a set of three within ``max_weight`` (w(a) + 2 w(b) at most it, as
    the third weighs at least w(b)) or, with ``quadruples``, be either half of a set of
    four (w(a) + w(b) at most max_weight - 2), listed weight class by weight class.

    Of a few thousand small atoms most pairs weigh too much (at 100,000 respondents, 5.4
    million pairs of which 0.6 million can start a triple): listing every pair first,
    to drop those, took most of the search.

    ``listed``: kept by a caller that asks again for rows of the same weights (the
    search by pivots, three times a family), by the rows allowed, their weights and the
    weight classes paired: the same pairs, listed once.
    """

    def light_enough(first: int, second: int) -> bool:
        return first + 2 * second <= max_weight or (quadruples and first + second <= max_weight - 2)

    rows = np.flatnonzero(allowed)
    weights = weight[rows]
    classes = np.unique(weights).tolist()
    paired = tuple(
        (light, heavier)
        for i, light in enumerate(classes)
        for heavier in classes[i:]
        if light_enough(light, heavier)
    )
    key = (rows.tobytes(), weights.tobytes(), paired)
    if listed is not None and key in listed:
        return listed[key]
    members = {w: rows[weights == w] for w in classes}
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for light, heavier in paired:
        mine, theirs = members[light], members[heavier]
        if light == heavier:
            first, second = np.triu_indices(len(mine), k=1)
            firsts.append(mine[first])
            seconds.append(mine[second])
        else:
            firsts.append(np.repeat(mine, len(theirs)))
            seconds.append(np.tile(theirs, len(mine)))
    if not firsts:
        empty = np.zeros(0, dtype=np.intp)
        made = empty, empty
    elif len(firsts) == 1:
        made = firsts[0], seconds[0]
    else:
        made = np.concatenate(firsts), np.concatenate(seconds)
    if listed is not None:
        listed.clear()  # the newest only: a family's calls ask for the same pairs
        listed[key] = made
    return made


def find_leaks(
    cube,
    shown: np.ndarray,
    families: dict[str, np.ndarray],
    *,
    union_k: int,
    hidden_targets: np.ndarray,
    largest_union: int = LARGEST_UNION,
    limit: int | None = None,
    audited: list[str] | None = None,
    known: dict[str, list[np.ndarray]] | None = None,
    spans: KeptBlocks | None = None,
    repair_rank: np.ndarray | None = None,
    derivations: dict[str, RememberedDerivations] | None = None,
) -> list[Leak]:
    """Groups of fewer than k that the shown cells give away, family by family.

    ``families`` maps each family to the sets whose figures carry it;
    ``hidden_targets`` are the hidden cells smaller than their own k. Stops
    after ``limit`` leaks (None: finds them all).

    ``known``, while cells are only ever hidden (the repairs), saves searching
    again: hiding a cell takes equations away, so every group derivable after
    it was derivable before. A family searched completely (every union of
    fewer than ``union_k`` people, every target) leaves there the groups it
    found derivable: every smallest derivable group of fewer than ``union_k``
    people and every derivable target. A derivable group is a disjoint union of
    smallest ones (take a derivable part away and the rest is derivable too), so
    after a repair the family is checked on those groups and on their unions of
    fewer than ``union_k`` people alone, which is the complete search of the new
    equations.

    ``spans``: each family's blocks kept between audits of one cube (see
    :func:`build_system`), so that an audit after a repair rebuilds only the teams and
    services the repair changed, within a budget of memory.

    ``repair_rank``: per cube cell, its place in the order the repairs hide cells
    (cheapest first), -1 for a cell they may not hide; with it each leak carries a
    ``cut`` (see :class:`Cut`).

    ``derivations``, beside ``known``: how the first complete search derived each group
    (see :class:`RememberedDerivations`). A family whose groups none of the cells hidden
    since leaves derivable is then cleared without building its equations again.
    """
    leaks: list[Leak] = []
    # A hidden cell of exactly the people of a shown cell gives nothing away. Such a
    # shown cell is smaller than the target's own k, so only small shown cells count.
    small_shown = np.flatnonzero(shown & (cube.count > 0) & (cube.count < cube.k.max(initial=0)))
    shown_people = {_people(cube.members(c)) for c in small_shown.tolist()}
    for family, sets in families.items():
        if audited is not None:
            audited.append(family)
        pooled = None if known is None else known.get(family)
        if pooled is not None and not pooled:
            continue  # nothing was derivable, so nothing is now
        remembered = None if pooled is None or derivations is None else derivations.get(family)
        if remembered is not None and remembered.none_left(
            cube, shown, sets, shown_people=shown_people, union_k=union_k
        ):
            continue  # what was derivable is not now, alone or in unions
        # The family before's equations let go before these are built: held until then,
        # two organisations' were in memory at once (280 MB each at a million
        # respondents), and a decision's peak was 0.7 GB higher.
        system = None
        system = build_system(
            cube,
            shown,
            sets,
            None if spans is None else spans.of(family),
            None if spans is None else spans.eliminations,
        )
        if spans is not None:
            spans.built(family)
        if system is None:
            if known is not None:
                known[family] = []
            continue
        # Each family its own random stream: its audit does not depend on the others'.
        rng = np.random.default_rng([_SEED, zlib.crc32(family.encode())])
        derivable = None
        if pooled is not None:
            again = _known_and_their_unions(cube, system, pooled, rng, union_k)
            derivable = _derivable(system, again, rng, repair_rank, _identities(cube, system))
        candidates: list | AuditUnfinished = []
        complete = True
        if derivable is None:
            candidates, complete = _search(
                cube, system, sets, rng, union_k, hidden_targets, largest_union
            )
        unsettled = isinstance(candidates, AuditUnfinished)
        if unsettled:
            leaks.append(
                Leak(
                    family=family,
                    people=0,
                    rows=system.rows,
                    needed=system.rows[:0],
                    groups=np.zeros(0, dtype=np.int64),
                    settled=False,
                )
            )
            candidates = []
        if derivable is None:
            derivable = _derivable(system, candidates, rng, repair_rank, _identities(cube, system))
        if known is not None and pooled is None:
            if complete and not unsettled:
                known[family] = [np.sort(found.groups) for found in derivable]
                if derivations is not None and derivable:
                    derivations[family] = RememberedDerivations(cube, system.rows, derivable)
            else:
                known.pop(family, None)
        for found in derivable:
            if _people(found.groups) in shown_people:
                continue
            leaks.append(
                Leak(
                    family=family,
                    people=int(cube.groups.weight[found.groups].sum()),
                    rows=found.cells,
                    needed=found.needed,
                    groups=found.groups,
                    cut=found.cut,
                )
            )
        if limit is not None and len(leaks) >= limit:
            return leaks[:limit]
    return leaks


class RememberedDerivations:
    """How a family's first complete search derived each group it found: kept while the
    repairs go on, so that the family can be cleared without its equations.

    The repairs only hide cells, so every group derivable later is one of these or a
    disjoint union of them (see :func:`find_leaks`), and a union's combination is the sum
    of its members'. A group is still derivable exactly when some combination giving it
    uses none of the rows hidden since (H): when its combination's part on H is the part
    on H of a dependency among the rows (a combination adding up to nothing), since
    every combination giving it is the one found plus a dependency. Those parts form a
    subspace, which the search's random dependencies span on H whenever they span fewer
    dimensions there than their number less ``SPARE_DEPENDENCIES`` (with chance
    p ** -SPARE_DEPENDENCIES they fall short of it, and only then is this wrong). Each
    combination's part on H is reduced modulo that subspace, and a group or union is
    derivable exactly when its members' reductions add up to zero.
    """

    def __init__(self, cube, rows: np.ndarray, derivable: list[Derivation]) -> None:
        self.rows = rows  # the family's shown cells when it was searched (cube indices)
        # Each combination by the few cells it uses; the dependencies, over every cell,
        # as 32-bit residues: at a million respondents a family has 100,000 shown cells,
        # and these are kept for every family until the repairs are done.
        self.used = [np.flatnonzero(found.combination) for found in derivable]
        self.coefficients = [
            found.combination[used] for found, used in zip(derivable, self.used, strict=True)
        ]
        self.dependencies = derivable[0].dependencies.astype(np.int32)
        self.people = [_people(found.groups) for found in derivable]
        self.weight = np.array(
            [int(cube.groups.weight[found.groups].sum()) for found in derivable], dtype=np.int64
        )

    def none_left(
        self, cube, shown: np.ndarray, sets: np.ndarray, *, shown_people: set, union_k: int
    ) -> bool:
        """True when no group found then, nor any union of up to ``LARGEST_UNION`` of them
        of fewer than ``union_k`` people, is derivable from the ``shown`` cells now (bar a
        group of exactly a shown cell's people: ``shown_people``, as find_leaks has it).
        False when one may be, or when this cannot tell: the family is searched then."""
        still = shown[self.rows]
        now = np.flatnonzero(np.isin(cube.set_of, sets) & shown & (cube.count > 0))
        if not np.array_equal(now, self.rows[still]):
            return False  # a cell of the family shown since: not a repair's doing
        hidden = np.flatnonzero(~still)
        spread = self.dependencies[:, hidden].astype(np.int64)
        pivots, transform, rank = _eliminate(spread)
        if rank > len(self.dependencies) - SPARE_DEPENDENCIES:
            return False
        basis = _mulmod(transform[:rank], spread)  # identity on the pivot columns
        # Each combination's part on the hidden cells.
        column = np.full(len(self.rows), -1, dtype=np.int64)
        column[hidden] = np.arange(len(hidden))
        parts = np.zeros((len(self.used), len(hidden)), dtype=np.int64)
        for part, used, coefficients in zip(parts, self.used, self.coefficients, strict=True):
            at = column[used]
            part[at[at >= 0]] = coefficients[at >= 0]
        reduced = (parts - _mulmod(parts[:, pivots], basis)) % _PRIME
        alone = (~reduced.any(axis=1)).tolist()
        if any(
            zero and people not in shown_people
            for people, zero in zip(self.people, alone, strict=True)
        ):
            return False
        # Unions: as the search after a repair takes them (_known_and_their_unions),
        # overlapping ones and those of groups shown as a cell included, to be safe.
        lanes = np.zeros((len(reduced), max(2, reduced.shape[1])), dtype=np.int64)
        lanes[:, : reduced.shape[1]] = reduced
        unions = zero_sum_subsets(lanes, self.weight, union_k - 1, LARGEST_UNION, minimal=False)
        return all(len(union) < 2 for union in unions)


def _people(groups: np.ndarray) -> bytes:
    """The groups, as a key to compare sets of them by (whatever their integer type)."""
    return np.sort(groups).astype(np.int64, copy=False).tobytes()


def _search(cube, system, sets, rng, union_k, hidden_targets, largest_union):
    """Candidate groups (tuples of atoms) of one family, and whether the search was complete.

    Complete: every union of fewer than ``union_k`` people and every hidden
    target was tried. Returns an :class:`AuditUnfinished` as the candidates when
    integer programming could not settle the family in time.
    """
    prints = system.span.null_vectors(rng, FINGERPRINTS)
    candidates: list[tuple[int, ...]] = []
    small = np.flatnonzero((system.atom_weight > 0) & (system.atom_weight < union_k))
    if len(small) <= MATCHED_ATOMS:
        found = zero_sum_subsets(
            prints[small], system.atom_weight[small], union_k - 1, largest_union
        )
        candidates += [tuple(sorted(small[list(subset)].tolist())) for subset in found]
    else:
        try:
            candidates += _unions_by_pivots(system, prints, small, rng, union_k - 1, largest_union)
        except AuditUnfinished as unfinished:
            return unfinished, False  # not known to be safe: the caller hides and asks again
    complete = union_k - 1 <= largest_union
    if not candidates and not complete:
        # Unions of more atoms than the search above pairs up: solved for instead.
        try:
            found = smallest_union(system, union_k)
        except AuditUnfinished as unfinished:
            # Not known to be safe, so not shown as if it were: the caller hides
            # the cheapest of these cells and asks again.
            return unfinished, False
        if found is not None:
            candidates.append(tuple(sorted(found.tolist())))
    targets = hidden_targets[np.isin(cube.set_of[hidden_targets], sets)]
    candidates += _hidden_targets_that_add_up(cube, system, prints, targets)
    return candidates, complete


def _hidden_targets_that_add_up(
    cube, system: System, prints: np.ndarray, cells: np.ndarray
) -> list[tuple[int, ...]]:
    """The hidden cells made of whole atoms (see :func:`_whole_atoms`) whose atoms'
    fingerprints add up to zero, as their atoms, cell by cell: all at once, where one by
    one took a second of a 100,000-respondent wave's equity step (4,000 cells a measure)."""
    if not len(cells):
        return []
    groups, _ = cube.members_of(cells)
    sizes = cube.indptr[cells + 1] - cube.indptr[cells]
    cell_of = np.repeat(np.arange(len(cells)), sizes)
    atom_of = system.atom_of_group[groups]
    outside = np.bincount(cell_of[atom_of < 0], minlength=len(cells)) > 0
    inside = ~outside[cell_of]
    n_atoms = len(system.atom_weight)
    # Each cell's atoms, once each, in order.
    pairs = np.unique(cell_of[inside] * n_atoms + atom_of[inside])
    pair_cell, pair_atom = pairs // n_atoms, pairs % n_atoms
    groups_per_atom = np.bincount(
        system.atom_of_group[system.atom_of_group >= 0], minlength=n_atoms
    )
    covered = np.bincount(pair_cell, weights=groups_per_atom[pair_atom], minlength=len(cells))
    whole = ~outside & (covered == sizes)
    if not whole.any():
        return []
    starts = np.searchsorted(pair_cell, np.arange(len(cells) + 1))
    counts = np.diff(starts)[whole]
    sums = np.add.reduceat(
        prints[pair_atom[whole[pair_cell]]], np.r_[0, np.cumsum(counts)[:-1]], axis=0
    )
    return [
        tuple(pair_atom[starts[cell] : starts[cell + 1]].tolist())
        for cell in np.flatnonzero(whole)[~(sums % _PRIME).any(axis=1)].tolist()
    ]


def _unions_by_pivots(
    system: System,
    prints: np.ndarray,
    small: np.ndarray,
    rng: np.random.Generator,
    max_weight: int,
    largest: int,
) -> list[tuple[int, ...]]:
    """Every union of up to ``largest`` small atoms, of weight <= ``max_weight``, whose
    fingerprints add up to zero, where there are too many small atoms to pair them all.

    The null space's free coordinates stand for atoms (``coordinate_columns``); the
    other atoms are *pivots*, whose value in a null vector follows from the
    coordinates. An atom's row of the null basis is a unit vector for a free atom,
    and any vector for a pivot. A group is derivable when its rows add up to zero,
    so it holds at least one pivot (unit vectors alone never cancel), and its pivots
    P add up to minus the unit vectors of its free atoms F, fewer than ``largest``.
    Restricted to coordinates that avoid F, the pivots' fingerprints add up to
    zero: P is a zero-sum set of pivots there, and F is then read off the exact sum
    of P's rows. The coordinates are dealt into 2(largest - 1) blocks; leaving out
    any largest - 1 of them avoids any F in some trial. So the pivots (a few thousand
    where the atoms are many thousand: the equity cells of a large organisation) are
    searched instead of every atom: whole, for sets of pivots alone; without each
    half of the blocks, for sets of largest - 1 pivots with one free atom; and without
    each choice of largest - 1 blocks, for smaller sets of pivots.
    """
    span = system.span
    weight = system.atom_weight
    is_small = np.zeros(len(weight), dtype=bool)
    is_small[small] = True
    coordinate_atoms = span.coordinate_columns()
    pivots = small[~np.isin(small, coordinate_atoms)]
    if len(pivots) > MATCHED_PIVOTS:
        raise AuditUnfinished(
            f"{len(pivots):,} pivots among the small groups are too many to pair up in memory."
        )
    listed: dict = {}  # the pairs of light pivots, the same in every trial
    found: set[tuple[int, ...]] = {
        tuple(sorted(pivots[list(subset)].tolist()))
        for subset in zero_sum_subsets(
            prints[pivots], weight[pivots], max_weight, largest, listed=listed
        )
    }
    if largest < 2 or max_weight < 2 or not len(pivots):
        return sorted(found)
    blocks = 2 * (largest - 1)
    block_of = np.arange(len(coordinate_atoms)) % blocks
    left_out = list(itertools.combinations(range(blocks), largest - 1))
    halves = {tuple(range(largest - 1)), tuple(range(largest - 1, blocks))}
    free_part = rng.integers(0, _PRIME, (len(coordinate_atoms), FINGERPRINTS * len(left_out)))
    for trial, out in enumerate(left_out):
        free_part[np.isin(block_of, out), trial * FINGERPRINTS : (trial + 1) * FINGERPRINTS] = 0
    # Every small atom's fingerprints: whole (trial 0), then in each trial.
    lifted = span.lift(free_part)
    trial_prints = np.concatenate([prints, lifted], axis=1).reshape(
        len(weight), len(left_out) + 1, FINGERPRINTS
    )
    pivot_sets: set[tuple[int, ...]] = set()
    for trial, out in enumerate(left_out):
        size = largest - 1 if out in halves else largest - 2
        lanes = lifted[pivots, trial * FINGERPRINTS : (trial + 1) * FINGERPRINTS]
        for subset in zero_sum_subsets(
            lanes, weight[pivots], max_weight - 1, size, minimal=False, listed=listed
        ):
            pivot_sets.add(tuple(sorted(pivots[list(subset)].tolist())))
    free_atoms = _FreeAtoms(trial_prints, coordinate_atoms[is_small[coordinate_atoms]], left_out)
    exact: dict[int, list[tuple[tuple[int, ...], list[int]]]] = {}
    sought = sorted(pivot_sets - found)
    completions = free_atoms.completing_each(sought, [largest - len(a) for a in sought])
    for atoms, members in zip(sought, completions, strict=True):
        if isinstance(members, _InOneBlock):
            exact.setdefault(members.block, []).append((atoms, members.found))
        elif members is not False:
            group = np.array([*atoms, *members])
            if weight[group].sum() <= max_weight:
                found.add(tuple(sorted(group.tolist())))
    # Free atoms all in one block cannot be told apart by the trials: read off exactly on
    # that block's coordinates alone (the rest of the sum is the atoms found already), a
    # sixth of the organisation's product with its equations.
    for block, sets in sorted(exact.items()):
        only = np.flatnonzero(block_of == block)
        for start in range(0, len(sets), _ROWS_AT_ONCE):
            chunk = sets[start : start + _ROWS_AT_ONCE]
            indicator = np.zeros((len(chunk), len(weight)), dtype=np.int64)
            for row, (atoms, _) in enumerate(chunk):
                indicator[row, list(atoms)] = 1
            sums = span.null_rows(indicator, only)
            for row, (atoms, so_far) in enumerate(chunk):
                rest = np.flatnonzero(sums[row])
                if (
                    len(atoms) + len(so_far) + len(rest) > largest
                    or (sums[row, rest] != _PRIME - 1).any()
                ):
                    continue
                group = np.concatenate(
                    [
                        np.asarray(atoms),
                        np.asarray(so_far, dtype=np.int64),
                        coordinate_atoms[only[rest]],
                    ]
                )
                if is_small[group].all() and weight[group].sum() <= max_weight:
                    found.add(tuple(sorted(group.tolist())))
    return sorted(found)


class _InOneBlock(NamedTuple):
    """A set of pivots whose missing free atoms may all lie in one block of coordinates,
    which no trial tells apart: those found so far, and the block."""

    found: list[int]
    block: int


class _FreeAtoms:
    """The free atoms that complete a set of pivots to a zero sum, read off fingerprints.

    In a trial whose kept blocks hold exactly one of the missing free atoms, the
    pivots' sum (with those found so far) is minus that atom's fingerprint: looked
    up, added, and the next one sought. Missing atoms in two or more blocks always
    leave one alone in its block, which some trial keeps without the others' blocks;
    atoms all in one block are never parted, and are read off the exact sum instead.
    """

    def __init__(self, trial_prints: np.ndarray, free_small: np.ndarray, left_out: list) -> None:
        self.trial_prints = trial_prints
        # Per trial, the free atoms sorted by their first two lanes (two may share them:
        # then in their order), looked up by binary search for every set at once.
        self.keys: list[np.ndarray] = []
        self.atoms: list[np.ndarray] = []
        for trial in range(trial_prints.shape[1]):
            lanes = trial_prints[free_small, trial]
            keep = lanes.any(axis=1)
            keys = lanes[keep, 0] * _PRIME + lanes[keep, 1]
            order = np.argsort(keys, kind="stable")
            self.keys.append(keys[order])
            self.atoms.append(free_small[keep][order])
        blocks = max((b for out in left_out for b in out), default=-1) + 1
        # Trials (after the whole one) whose prints leave out each block.
        self.leaving_out = np.array(
            [[b in out for out in left_out] for b in range(blocks)], dtype=bool
        ).reshape(blocks, len(left_out))

    def completing_each(
        self, sets: list[tuple[int, ...]], most: list[int]
    ) -> list[list[int] | Literal[False] | _InOneBlock]:
        """For each set of pivots, the free atoms (at most its ``most``) whose fingerprints
        bring the pivots' to zero; :class:`_InOneBlock` when the rest may lie all in one
        block (read them off exactly); False when no such atoms exist. All sets at once:
        an atom at a time for every set still short of zero, sought in the trials in
        order, the first that finds one."""
        prints = self.trial_prints
        trials = prints.shape[1]
        count = len(sets)
        limit = np.array(most, dtype=np.int64)
        residual = np.zeros((count, trials, prints.shape[2]), dtype=np.int64)
        for i, pivots in enumerate(sets):
            residual[i] = prints[list(pivots)].sum(axis=0) % _PRIME
        members = np.full((count, int(limit.max(initial=0)) + 1), -1, dtype=np.int64)
        found = np.zeros(count, dtype=np.int64)
        results: list = [False] * count
        active = np.arange(count)
        while len(active):
            zero = ~residual[active].any(axis=2)
            done = zero.all(axis=1)
            for i in active[done].tolist():
                results[i] = members[i, : found[i]].tolist()
            seeking = ~done & (found[active] < limit[active])
            active, zero = active[seeking], zero[seeking]
            wanted = (_PRIME - residual[active]) % _PRIME
            hit = self._first_hits(wanted, zero)
            lost = hit < 0
            # No atom found: all in one block (its trials alone zero) or none at all.
            blocks = (zero[lost, None, 1:] == self.leaving_out).all(axis=2)
            one_block = ~zero[lost, 0] & blocks.any(axis=1)
            for i, alone, block in zip(
                active[lost].tolist(),
                one_block.tolist(),
                blocks.argmax(axis=1).tolist(),
                strict=True,
            ):
                results[i] = _InOneBlock(members[i, : found[i]].tolist(), block) if alone else False
            active, hit = active[~lost], hit[~lost]
            members[active, found[active]] = hit
            found[active] += 1
            residual[active] = (residual[active] + prints[hit]) % _PRIME
        return results

    def _first_hits(self, wanted: np.ndarray, zero: np.ndarray) -> np.ndarray:
        """Per set, the first free atom (trial by trial, then in the trial's order) whose
        fingerprint in a trial where the set is not zero is ``wanted`` there; -1 if none."""
        hit = np.full(len(wanted), -1, dtype=np.int64)
        for trial, (keys, atoms) in enumerate(zip(self.keys, self.atoms, strict=True)):
            sought = np.flatnonzero((hit < 0) & ~zero[:, trial])
            if not len(sought) or not len(keys):
                continue
            lanes = wanted[sought, trial]
            key = lanes[:, 0] * _PRIME + lanes[:, 1]
            at = np.searchsorted(keys, key)
            while len(sought):
                inside = at < len(keys)
                sought, lanes, key, at = sought[inside], lanes[inside], key[inside], at[inside]
                same = keys[at] == key
                sought, lanes, key, at = sought[same], lanes[same], key[same], at[same]
                match = (self.trial_prints[atoms[at], trial] == lanes).all(axis=1)
                hit[sought[match]] = atoms[at[match]]
                # Atoms sharing the key: the next one, for the sets not matched yet.
                rest = ~match
                sought, lanes, key, at = sought[rest], lanes[rest], key[rest], at[rest] + 1
        return hit


def _whole_atoms(system: System, groups: np.ndarray) -> np.ndarray | None:
    """The atoms a group of people is exactly the union of, or None: a derivable group
    takes whole atoms, and someone no shown cell covers is never derivable."""
    atoms = system.atom_of_group[groups]
    if (atoms < 0).any():
        return None
    atoms = np.unique(atoms)
    if (system.atom_starts[atoms + 1] - system.atom_starts[atoms]).sum() != len(groups):
        return None
    return atoms


def _known_and_their_unions(
    cube, system: System, pooled: list[np.ndarray], rng: np.random.Generator, union_k: int
) -> list[tuple[int, ...]]:
    """Groups of people found derivable before, and every disjoint union of up to
    ``LARGEST_UNION`` of them with fewer than ``union_k`` people, as this system's atoms
    where they are whole (a group that splits an atom is never derivable).

    Unions are matched on random null vectors of the groups: each atom's value is shared
    out at random among its groups, so a union adds up to zero when it is derivable, and
    about once in p^4 otherwise (a union that splits an atom never does).
    """
    candidates = []
    for groups in pooled:
        atoms = _whole_atoms(system, groups)
        if atoms is not None:
            candidates.append(tuple(atoms.tolist()))
    if len(pooled) < 2:
        return candidates
    prints = system.span.null_vectors(rng, FINGERPRINTS)
    shares = rng.integers(0, _PRIME, (len(system.atom_of_group), FINGERPRINTS))
    covered = np.flatnonzero(system.atom_of_group >= 0)
    totals = _summed_by(system.atom_of_group[covered], shares[covered], len(prints))
    first = system.atom_members[system.atom_starts[:-1]].astype(np.int64)
    shares[first] = (shares[first] + prints - totals) % _PRIME
    item_prints = np.stack([shares[groups].sum(axis=0) % _PRIME for groups in pooled])
    weight = np.array([int(cube.groups.weight[groups].sum()) for groups in pooled])
    for subset in zero_sum_subsets(item_prints, weight, union_k - 1):
        if len(subset) < 2:
            continue
        groups = np.concatenate([pooled[i] for i in subset])
        if len(np.unique(groups)) < len(groups):
            continue  # overlapping: a sum, not a union
        atoms = _whole_atoms(system, groups)
        if atoms is not None:
            candidates.append(tuple(atoms.tolist()))
    return candidates


def _identities(cube, system: System):
    """Per row (equation) of the system, the dependencies the cube's partitions make
    among its rows: a parent cell minus its children is nothing, wherever the parent and
    every child with people in it are rows. Each is (rows, coefficients); worked out for
    a row when first asked for."""
    position: list[np.ndarray] = []  # each cell's row, -1 if none: made when first needed
    known: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    # The rows alone: the leaks' cuts keep this until the repairs are done, and the
    # system's equations are gigabytes at a million respondents.
    system_rows = system.rows

    def of(row: int) -> list[tuple[np.ndarray, np.ndarray]]:
        if not position:
            position.append(np.full(len(cube.count), -1, dtype=np.int64))
            position[0][system_rows] = np.arange(len(system_rows))
        if row not in known:
            found = []
            for number in cube.partitions_of[int(system_rows[row])]:
                parent, children = cube.partitions[number]
                members = np.concatenate([[parent], children[cube.count[children] > 0]])
                rows = position[0][members]
                if (rows >= 0).all():
                    coefficients = np.full(len(rows), _PRIME - 1, dtype=np.int64)
                    coefficients[0] = 1
                    found.append((rows, coefficients))
            known[row] = sorted(found, key=lambda identity: len(identity[0]))
        return known[row]

    return of


class Derivation(NamedTuple):
    """A group the shown cells give exactly, and how."""

    cells: np.ndarray  # the shown cells (cube indices) one combination of them uses
    needed: np.ndarray  # of those, the ones every combination needs
    groups: np.ndarray  # the finest groups it is made of
    cut: Cut | None  # see Cut; None when not asked for
    combination: np.ndarray  # that combination's coefficients, over the system's rows
    dependencies: np.ndarray  # random dependencies among the rows (see _derivable)


def _derivable(
    system: System,
    candidates,
    rng,
    repair_rank: np.ndarray | None = None,
    identities=None,
) -> list[Derivation]:
    """Of the candidates, those the shown cells give exactly (see :class:`Derivation`),
    smallest unions first."""
    if not candidates:
        return []
    candidates = sorted(set(candidates), key=lambda c: (len(c), c))
    # The candidates, after LEFT_NULL_SAMPLES zero vectors whose random combinations are
    # dependencies among the rows (left null vectors: combinations adding up to nothing;
    # a row none of them touches is, but with chance p ** -samples, in the span of no
    # others, so hiding it alone loses something). One pass down the blocks for both.
    samples = LEFT_NULL_SAMPLES
    vectors = np.zeros((samples + len(candidates), len(system.atom_weight)), dtype=np.int64)
    for i, atoms in enumerate(candidates):
        vectors[samples + i, list(atoms)] = 1
    combinations, found = system.span.represent(vectors, rng, np.arange(len(vectors)) < samples)
    coefficients, exists = combinations[samples:], found[samples:]
    if not exists.any():
        return []
    dependencies = combinations[:samples] % _PRIME
    dependent = dependencies.any(axis=0)
    rank = None if repair_rank is None else repair_rank[system.rows]
    out = []
    for i in np.flatnonzero(exists).tolist():
        used = np.flatnonzero(coefficients[i] % _PRIME)
        groups = np.concatenate([system.atom_groups(a) for a in candidates[i]])
        cut = (
            None
            if rank is None
            else Cut(system.rows, coefficients[i], dependencies, rank, identities)
        )
        out.append(
            Derivation(
                system.rows[used],
                system.rows[used[~dependent[used]]],
                groups,
                cut,
                coefficients[i] % _PRIME,
                dependencies,
            )
        )
    return out


class Cut:
    """The cells to hide, one after another, until no combination of the shown cells
    gives what one derivation gave (``combination``, over the system's rows).

    Every combination giving the same is ``combination`` plus a dependency among the
    rows (a left null vector; ``dependencies`` are random ones). As cells are hidden
    (those :meth:`next_cell` chose, and those the rules hid with them), the combination
    is moved, by a dependency touching each, to one that does without it; the random
    dependencies are moved likewise to those without it. When a hidden cell was one the
    combination used and no dependency touches it, every derivation needed it: the
    leak is broken. The next cell is the cheapest (``rank``; -1 for a cell that may not
    be hidden) of those the combination uses that no dependency touches, else of all it
    uses. One hiding after another with an audit each would find the same cells (a
    group derivable in many ways took eight audits).

    The move is by a partition's identity where one touches the row and no row gone
    (``identities``): it changes few rows, so the combination stays one a reader could
    follow, and the random dependencies stay random. Otherwise a random dependency is
    used up. A row every random dependency leaves out is needed but with chance
    p ** -samples; when they run out, the next audit checks what is left.
    """

    def __init__(
        self,
        cells: np.ndarray,
        combination: np.ndarray,
        dependencies: np.ndarray,
        rank: np.ndarray,
        identities=None,
    ) -> None:
        self.cells = cells
        # Shared with the audit's other leaks until moved: each move makes new arrays.
        self._combination = combination
        self._dependencies = dependencies
        self._rank = rank
        self._identities = identities
        self._gone: set[int] = set()
        # True once a cell hidden (by this cut or another repair) broke the derivation.
        self.broken = False

    def next_cell(self, shown: np.ndarray) -> int | None:
        """The cheapest cell to hide next, given what is ``shown`` now (per cube cell);
        None once the derivation is broken (:attr:`broken`), or when no cell that may be
        hidden is left in it."""
        if self.broken:
            return None
        for row in np.flatnonzero(~shown[self.cells]).tolist():
            if row not in self._gone and not self._take_away(row):
                self.broken = True
                return None
        combination = self._combination % _PRIME
        used = np.flatnonzero(combination)
        hideable = used[self._rank[used] >= 0]
        if not len(hideable):
            return None
        # A cell every derivation needs breaks them all alone: the cheapest of those
        # first, however cheap the others.
        needed = hideable[~(self._dependencies[:, hideable] % _PRIME).any(axis=0)]
        if len(needed):
            hideable = needed
        return int(self.cells[hideable[np.argmin(self._rank[hideable])]])

    def _take_away(self, row: int) -> bool:
        """Move the combination and the dependencies off a hidden row; False when the
        combination needs it (the derivation is broken)."""
        self._gone.add(row)
        move = self._sparse_move(row)
        if move is None:
            touching = np.flatnonzero(self._dependencies[:, row] % _PRIME)
            if not len(touching):
                return not self._combination[row] % _PRIME
            move = self._dependencies[touching[0]] % _PRIME
            self._dependencies = np.delete(self._dependencies, touching[0], axis=0)
        unit = (move * pow(int(move[row]), _PRIME - 2, _PRIME)) % _PRIME
        self._combination = (self._combination - (self._combination[row] % _PRIME) * unit) % _PRIME
        self._dependencies = (
            self._dependencies - np.outer(self._dependencies[:, row] % _PRIME, unit)
        ) % _PRIME
        return True

    def _sparse_move(self, row: int) -> np.ndarray | None:
        """A partition's identity touching ``row`` and no other row gone, over all rows."""
        if self._identities is None:
            return None
        for rows, coefficients in self._identities(row):
            if all(r == row or r not in self._gone for r in rows.tolist()):
                move = np.zeros(len(self.cells), dtype=np.int64)
                move[rows] = coefficients
                return move
        return None


def smallest_union(system: System, union_k: int) -> np.ndarray | None:
    """Atoms of a group of 1 to k-1 people the family's shown cells give away, or None.

    Raises AuditUnfinished when it cannot tell in time, or has too many atoms to try.

    Integer programming: x over the atoms smaller than k is 0/1, y over the
    shown cells is free, and every atom's coefficient of y equals its x (0 for
    the others): the combination y of shown cells adds up to exactly the group x.
    """
    small = np.flatnonzero((system.atom_weight > 0) & (system.atom_weight < union_k))
    if not len(small):
        return None
    if len(small) > MILP_ATOMS:
        raise AuditUnfinished(
            f"{len(small):,} groups of fewer than {union_k} people are too many to search in time."
        )
    # Imported here: scipy.optimize and scipy.sparse add half a second to every start of
    # the dashboard, and most organisations' audits never need them.
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, hstack

    n_atoms, n_rows = len(system.atom_weight), len(system.rows)
    sizes = np.diff(system.row_starts)
    cells = csr_matrix(
        (
            np.ones(int(sizes.sum())),
            (system.row_members, np.repeat(np.arange(n_rows), sizes)),
        ),
        shape=(n_atoms, n_rows),
    )
    picked = csr_matrix(
        (-np.ones(len(small)), (small, np.arange(len(small)))), shape=(n_atoms, len(small))
    )
    weight = system.atom_weight[small].astype(float)
    size = csr_matrix(np.concatenate([weight, np.zeros(n_rows)])[None, :])
    result = milp(
        np.concatenate([weight, np.zeros(n_rows)]),
        constraints=[
            LinearConstraint(hstack([picked, cells]).tocsr(), 0, 0),
            LinearConstraint(size, 1, union_k - 1),
        ],
        integrality=np.concatenate([np.ones(len(small)), np.zeros(n_rows)]),
        bounds=Bounds(
            np.concatenate([np.zeros(len(small)), np.full(n_rows, -np.inf)]),
            np.concatenate([np.ones(len(small)), np.full(n_rows, np.inf)]),
        ),
        options={"time_limit": MILP_SECONDS},
    )
    if result.status == 2:  # infeasible: no such group
        return None
    if result.x is None:
        raise AuditUnfinished(
            f"The audit could not settle within {MILP_SECONDS:.0f} s whether the figures give a "
            f"group away ({result.message})."
        )
    return small[result.x[: len(small)] > 0.5]
