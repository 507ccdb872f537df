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

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack

from wellbeing.privacy.span import _PRIME, _BlockSystem

_SEED = 20261204
# Random null vectors per audit: a false alarm about once in p ** FINGERPRINTS.
FINGERPRINTS = 4
# Random dependencies among the shown cells, to tell which cells a derivation needs.
LEFT_NULL_SAMPLES = 16
# Atoms per union searched: every derivable group of fewer than 5 people.
LARGEST_UNION = 4
# Above this many small atoms (the sensitive breakdowns of a large organisation),
# only pairs are matched so, and the rest is left to integer programming.
MATCHED_ATOMS = 3000
# Beyond what is matched (a k above 5, or many small atoms), integer programming
# finds any union (HiGHS, through scipy); seconds it may take per family.
MILP_SECONDS = 120.0


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


@dataclass
class System:
    """The shown cells of one family as equations over its atoms."""

    rows: np.ndarray  # cube cell of each equation
    atom_of_group: np.ndarray  # per finest group: its atom, -1 outside the family
    atom_weight: np.ndarray
    atom_groups: list[np.ndarray]
    span: _BlockSystem
    row_atoms: list[np.ndarray]


def build_system(cube, shown: np.ndarray, sets: np.ndarray) -> System | None:
    """The equations of one family: its shown cells over the groups of its sets, as atoms."""
    rows = np.flatnonzero(np.isin(cube.set_of, sets) & shown & (cube.count > 0))
    if not len(rows):
        return None
    n_groups = len(cube.groups.weight)
    starts, ends = cube.indptr[rows], cube.indptr[rows + 1]
    sizes = ends - starts
    row_of = np.repeat(np.arange(len(rows)), sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    flat = cube.indices[np.repeat(starts, sizes) + offsets]
    # Atoms: groups every shown cell holds together or leaves alone (a derivable
    # group takes all of an atom or none of it). Two random 64-bit lanes per row.
    rng = np.random.default_rng(_SEED)
    lanes = rng.integers(1, 2**62, size=(len(rows), 2), dtype=np.int64).astype(np.uint64)
    signature = np.zeros((n_groups, 2), dtype=np.uint64)
    np.add.at(signature, flat, lanes[row_of])
    seen = np.zeros(n_groups, dtype=bool)
    seen[flat] = True
    groups = np.flatnonzero(seen)
    _, inverse = np.unique(signature[groups], axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    n_atoms = int(inverse.max()) + 1
    atom_of_group = np.full(n_groups, -1, dtype=np.int64)
    atom_of_group[groups] = inverse
    atom_weight = np.bincount(inverse, weights=cube.groups.weight[groups], minlength=n_atoms)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(n_atoms + 1))
    atom_groups = [groups[order[bounds[a] : bounds[a + 1]]] for a in range(n_atoms)]
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
    pairs = np.unique(np.column_stack([row_of, atom_of_group[flat]]), axis=0)
    cut = np.searchsorted(pairs[:, 0], np.arange(len(rows) + 1))
    row_atoms = [pairs[cut[r] : cut[r + 1], 1] for r in range(len(rows))]
    span = _BlockSystem(row_atoms, n_atoms, labels)
    return System(rows, atom_of_group, atom_weight.astype(np.int64), atom_groups, span, row_atoms)


def zero_sum_subsets(
    prints: np.ndarray, weight: np.ndarray, max_weight: int, largest: int = LARGEST_UNION
) -> list[tuple[int, ...]]:
    """Sets of up to ``largest`` rows of ``prints`` adding up to zero mod p, of weight <= max.

    Pairs, triples and quadruples are matched by sorting: every set a < b < c < d
    is the pair (a, b) plus the pair (c, d) with b < c.
    """
    if max_weight < 1 or not len(prints):
        return []
    p = _PRIME

    def key(vectors: np.ndarray) -> np.ndarray:
        return vectors[:, 0] * p + vectors[:, 1]

    def matching(sorted_keys, order, targets):
        """(query, match) index pairs whose keys are equal."""
        lo = np.searchsorted(sorted_keys, targets, side="left")
        hi = np.searchsorted(sorted_keys, targets, side="right")
        counts = hi - lo
        query = np.repeat(np.arange(len(targets)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return query, order[np.repeat(lo, counts) + offsets]

    zero = ~prints.any(axis=1)
    found: list[tuple[int, ...]] = [
        (int(i),) for i in np.flatnonzero(zero & (weight <= max_weight))
    ]
    if largest < 2 or max_weight < 2:
        return found
    keys = key(prints)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    negative = (p - prints) % p
    query, other = matching(sorted_keys, order, key(negative))
    ok = (
        (other > query)
        & ~zero[query]
        & (weight[query] + weight[other] <= max_weight)
        & (negative[query] == prints[other]).all(axis=1)
    )
    found += [(int(a), int(b)) for a, b in zip(query[ok], other[ok], strict=True)]
    if largest < 3 or max_weight < 3:
        return found
    # Pairs light enough to take a third member.
    light = np.flatnonzero((weight <= max_weight - 1) & ~zero)
    first, second = np.triu_indices(len(light), k=1)
    pair_a, pair_b = light[first], light[second]
    keep = weight[pair_a] + weight[pair_b] <= max_weight - 1
    pair_a, pair_b = pair_a[keep], pair_b[keep]
    pair_sum = (prints[pair_a] + prints[pair_b]) % p
    keep = pair_sum.any(axis=1)  # a pair adding to zero was found as a pair
    pair_a, pair_b, pair_sum = pair_a[keep], pair_b[keep], pair_sum[keep]
    if not len(pair_a):
        return found
    pair_weight = weight[pair_a] + weight[pair_b]
    negative_pairs = (p - pair_sum) % p
    query, other = matching(sorted_keys, order, key(negative_pairs))
    ok = (
        (other > pair_b[query])
        & (pair_weight[query] + weight[other] <= max_weight)
        & (negative_pairs[query] == prints[other]).all(axis=1)
    )
    found += [
        (int(pair_a[q]), int(pair_b[q]), int(o)) for q, o in zip(query[ok], other[ok], strict=True)
    ]
    if largest < 4 or max_weight < 4:
        return found
    pair_keys = key(pair_sum)
    pair_order = np.argsort(pair_keys, kind="stable")
    query, other = matching(pair_keys[pair_order], pair_order, key(negative_pairs))
    ok = (
        (pair_a[other] > pair_b[query])
        & (pair_weight[query] + pair_weight[other] <= max_weight)
        & (negative_pairs[query] == pair_sum[other]).all(axis=1)
    )
    found += [
        (int(pair_a[q]), int(pair_b[q]), int(pair_a[o]), int(pair_b[o]))
        for q, o in zip(query[ok], other[ok], strict=True)
    ]
    return found


def find_leaks(
    cube,
    shown: np.ndarray,
    families: dict[str, np.ndarray],
    *,
    union_k: int,
    hidden_targets: np.ndarray,
    largest_union: int = LARGEST_UNION,
    limit: int = 64,
    audited: list[str] | None = None,
) -> list[Leak]:
    """Groups of fewer than k that the shown cells give away, family by family.

    ``families`` maps each family to the sets whose figures carry it;
    ``hidden_targets`` are the hidden cells smaller than their own k. Stops
    after ``limit`` leaks.
    """
    rng = np.random.default_rng(_SEED)
    leaks: list[Leak] = []
    for family, sets in families.items():
        system = build_system(cube, shown, sets)
        if audited is not None:
            audited.append(family)
        if system is None:
            continue
        prints = system.span.null_vectors(rng, FINGERPRINTS)
        candidates: list[tuple[int, ...]] = []
        small = np.flatnonzero((system.atom_weight > 0) & (system.atom_weight < union_k))
        largest = largest_union if len(small) <= MATCHED_ATOMS else min(largest_union, 2)
        for subset in zero_sum_subsets(
            prints[small], system.atom_weight[small], union_k - 1, largest
        ):
            candidates.append(tuple(sorted(small[list(subset)].tolist())))
        if not candidates and union_k - 1 > largest:
            # Unions of more atoms than the search above pairs up: solved for instead.
            found = smallest_union(system, union_k)
            if found is not None:
                candidates.append(tuple(sorted(found.tolist())))
        for cell in hidden_targets[np.isin(cube.set_of[hidden_targets], sets)].tolist():
            atoms = system.atom_of_group[cube.members(cell)]
            if (atoms < 0).any():
                continue  # someone no shown cell covers: never derivable
            atoms = np.unique(atoms)
            # A derivable group takes whole atoms: the cell must be exactly their union.
            if system.atom_weight[atoms].sum() != cube.count[cell]:
                continue
            if not (prints[atoms].sum(axis=0) % _PRIME).any():
                candidates.append(tuple(atoms.tolist()))
        if not candidates:
            continue
        candidates = sorted(set(candidates), key=lambda c: (len(c), c))
        vectors = np.zeros((len(candidates), len(system.atom_weight)), dtype=np.int64)
        for i, atoms in enumerate(candidates):
            vectors[i, list(atoms)] = 1
        coefficients, exists = system.span.represent(vectors)
        if not exists.any():
            continue
        dependent = _dependent_rows(system, rng)
        for i in np.flatnonzero(exists).tolist():
            used = np.flatnonzero(coefficients[i] % _PRIME)
            atoms = list(candidates[i])
            leaks.append(
                Leak(
                    family=family,
                    people=int(system.atom_weight[atoms].sum()),
                    rows=system.rows[used],
                    needed=system.rows[used[~dependent[used]]],
                    groups=np.concatenate([system.atom_groups[a] for a in atoms]),
                )
            )
            if len(leaks) >= limit:
                return leaks
    return leaks


def smallest_union(system: System, union_k: int) -> np.ndarray | None:
    """Atoms of a group of 1 to k-1 people the family's shown cells give away, or None.

    Integer programming: x over the atoms smaller than k is 0/1, y over the
    shown cells is free, and every atom's coefficient of y equals its x (0 for
    the others): the combination y of shown cells adds up to exactly the group x.
    """
    small = np.flatnonzero((system.atom_weight > 0) & (system.atom_weight < union_k))
    if not len(small):
        return None
    n_atoms, n_rows = len(system.atom_weight), len(system.rows)
    sizes = np.array([len(a) for a in system.row_atoms], dtype=np.int64)
    cells = csr_matrix(
        (
            np.ones(int(sizes.sum())),
            (np.concatenate(system.row_atoms), np.repeat(np.arange(n_rows), sizes)),
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


def _dependent_rows(system: System, rng: np.random.Generator) -> np.ndarray:
    """Rows in the span of the other rows: hiding one alone loses nothing of the span."""
    zeros = np.zeros((LEFT_NULL_SAMPLES, len(system.atom_weight)), dtype=np.int64)
    combos, _ = system.span.represent(zeros, rng, np.ones(LEFT_NULL_SAMPLES, dtype=bool))
    return (combos % _PRIME).any(axis=0)
