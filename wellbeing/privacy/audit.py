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

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellbeing.privacy.arrays import distinct_rows
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
    # False: the audit could not tell in time whether the family gives anyone away;
    # ``rows`` are then all its shown cells, and the repair hides the cheapest of them.
    settled: bool = True


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
    inverse = distinct_rows(signature[groups])[1]
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
    # A row holds an atom exactly when it holds the atom's first group (every shown cell
    # holds an atom's groups together), so each row lists its atoms once without a sort
    # of all its groups.
    first_group = np.zeros(n_groups, dtype=bool)
    first_group[groups[order[bounds[:-1]]]] = True
    held = first_group[flat]
    cut = np.searchsorted(np.flatnonzero(held), np.r_[0, np.cumsum(sizes)])
    atoms_held = atom_of_group[flat[held]]
    row_atoms = [np.sort(atoms_held[cut[r] : cut[r + 1]]) for r in range(len(rows))]
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

    def matching(table_keys: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(target, table) index pairs whose keys are equal: a hash join, as matches are rare."""
        joined = pd.DataFrame({"key": targets, "query": np.arange(len(targets))}).merge(
            pd.DataFrame({"key": table_keys, "match": np.arange(len(table_keys))}), on="key"
        )
        joined = joined.sort_values(["query", "match"], kind="stable")
        return joined["query"].to_numpy(np.int64), joined["match"].to_numpy(np.int64)

    zero = ~prints.any(axis=1)
    found: list[tuple[int, ...]] = [
        (int(i),) for i in np.flatnonzero(zero & (weight <= max_weight))
    ]
    if largest < 2 or max_weight < 2:
        return found
    keys = key(prints)
    negative = (p - prints) % p
    query, other = matching(keys, key(negative))
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
    query, other = matching(keys, key(negative_pairs))
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
    # Two pairs of a quadruple weigh at least 2 each, so each at most max_weight - 2.
    halves = np.flatnonzero(pair_weight <= max_weight - 2)
    pair_a, pair_b, pair_weight = pair_a[halves], pair_b[halves], pair_weight[halves]
    pair_sum, negative_pairs = pair_sum[halves], negative_pairs[halves]
    query, other = matching(key(pair_sum), key(negative_pairs))
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
    limit: int | None = None,
    audited: list[str] | None = None,
    known: dict[str, list[np.ndarray]] | None = None,
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
    """
    leaks: list[Leak] = []
    # A hidden cell of exactly the people of a shown cell gives nothing away. Such a
    # shown cell is smaller than the target's own k, so only small shown cells count.
    small_shown = np.flatnonzero(shown & (cube.count > 0) & (cube.count < cube.k.max(initial=0)))
    shown_people = {cube.members(c).tobytes() for c in small_shown.tolist()}
    for family, sets in families.items():
        if audited is not None:
            audited.append(family)
        pooled = None if known is None else known.get(family)
        if pooled is not None and not pooled:
            continue  # nothing was derivable, so nothing is now
        system = build_system(cube, shown, sets)
        if system is None:
            if known is not None:
                known[family] = []
            continue
        # Each family its own random stream: its audit does not depend on the others'.
        rng = np.random.default_rng([_SEED, zlib.crc32(family.encode())])
        derivable = None
        if pooled is not None:
            again = _known_and_their_unions(cube, system, pooled, rng, union_k)
            derivable = _derivable(system, again, rng)
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
            derivable = _derivable(system, candidates, rng)
        if known is not None and pooled is None:
            if complete and not unsettled:
                known[family] = [np.sort(groups) for _, _, groups in derivable]
            else:
                known.pop(family, None)
        for used, needed, groups in derivable:
            if _people(groups) in shown_people:
                continue
            leaks.append(
                Leak(
                    family=family,
                    people=int(cube.groups.weight[groups].sum()),
                    rows=used,
                    needed=needed,
                    groups=groups,
                )
            )
        if limit is not None and len(leaks) >= limit:
            return leaks[:limit]
    return leaks


def _people(groups: np.ndarray) -> bytes:
    return np.sort(groups).tobytes()


def _search(cube, system, sets, rng, union_k, hidden_targets, largest_union):
    """Candidate groups (tuples of atoms) of one family, and whether the search was complete.

    Complete: every union of fewer than ``union_k`` people and every hidden
    target was tried. Returns an :class:`AuditUnfinished` as the candidates when
    integer programming could not settle the family in time.
    """
    prints = system.span.null_vectors(rng, FINGERPRINTS)
    candidates: list[tuple[int, ...]] = []
    small = np.flatnonzero((system.atom_weight > 0) & (system.atom_weight < union_k))
    largest = largest_union if len(small) <= MATCHED_ATOMS else min(largest_union, 2)
    for subset in zero_sum_subsets(prints[small], system.atom_weight[small], union_k - 1, largest):
        candidates.append(tuple(sorted(small[list(subset)].tolist())))
    complete = union_k - 1 <= largest
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
    for cell in hidden_targets[np.isin(cube.set_of[hidden_targets], sets)].tolist():
        atoms = _whole_atoms(system, cube.members(cell))
        if atoms is None:
            continue
        if not (prints[atoms].sum(axis=0) % _PRIME).any():
            candidates.append(tuple(atoms.tolist()))
    return candidates, complete


def _whole_atoms(system: System, groups: np.ndarray) -> np.ndarray | None:
    """The atoms a group of people is exactly the union of, or None: a derivable group
    takes whole atoms, and someone no shown cell covers is never derivable."""
    atoms = system.atom_of_group[groups]
    if (atoms < 0).any():
        return None
    atoms = np.unique(atoms)
    if sum(len(system.atom_groups[a]) for a in atoms.tolist()) != len(groups):
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
    totals = np.zeros_like(prints)
    np.add.at(totals, system.atom_of_group[covered], shares[covered])
    first = np.array([groups[0] for groups in system.atom_groups], dtype=np.int64)
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


def _derivable(system: System, candidates, rng) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Of the candidates, those the shown cells give exactly: (cells used, cells every
    derivation needs, finest groups), smallest unions first."""
    if not candidates:
        return []
    candidates = sorted(set(candidates), key=lambda c: (len(c), c))
    vectors = np.zeros((len(candidates), len(system.atom_weight)), dtype=np.int64)
    for i, atoms in enumerate(candidates):
        vectors[i, list(atoms)] = 1
    coefficients, exists = system.span.represent(vectors)
    if not exists.any():
        return []
    dependent = _dependent_rows(system, rng)
    out = []
    for i in np.flatnonzero(exists).tolist():
        used = np.flatnonzero(coefficients[i] % _PRIME)
        groups = np.concatenate([system.atom_groups[a] for a in candidates[i]])
        out.append((system.rows[used], system.rows[used[~dependent[used]]], groups))
    return out


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
