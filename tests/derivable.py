"""The dense span test that the engine's audit (``wellbeing.privacy.audit``) is checked against.

Test-only: the engine decides with the block-by-block test; this one eliminates
the whole system at once, which is exact and simple but costs the columns cubed.
"""

from __future__ import annotations

import numpy as np

from wellbeing.privacy.audit import _PRIME, _SEED, _BlockSystem


def derivable_rows(
    targets: np.ndarray, visible: np.ndarray, *, groups: np.ndarray | None = None
) -> np.ndarray:
    """For each 0/1 row of ``targets``: is it a linear combination of the rows of ``visible``?

    Both are over the same columns (finest groups or respondents). Columns no
    visible row tells apart are merged first (a derivable set must take all
    of such a block or none of it). A vector lies in the row space exactly
    when it is orthogonal to the null space, which is one matrix product.

    ``groups`` (columns x levels, such as each column's service and team)
    takes the block-by-block path the audit uses (:class:`_BlockSystem`):
    the same answers, at a cost that grows with the number of blocks rather
    than with the columns cubed. Every derivation it reports is checked exactly.
    """
    targets = np.asarray(targets, dtype=bool)
    visible = np.asarray(visible, dtype=bool)
    if len(targets) == 0:
        return np.zeros(0, dtype=bool)
    if groups is not None:
        n_columns = targets.shape[1]
        system = _BlockSystem([np.flatnonzero(row) for row in visible], n_columns, groups)
        rng = np.random.default_rng(_SEED)
        found = system.screen([np.flatnonzero(t) for t in targets], rng)
        if found.any():
            _, exists = system.represent(targets[found].astype("int64"))
            found[np.flatnonzero(found)] = exists
        return found
    if len(visible) == 0 or not visible.any():
        return ~targets.any(axis=1)
    signatures, atom_of = np.unique(visible.T, axis=0, return_inverse=True)
    atom_of = atom_of.reshape(-1)
    n_atoms = len(signatures)
    per_atom = np.zeros((n_atoms, len(targets)), dtype="int64")
    np.add.at(per_atom, atom_of, targets.T.astype("int64"))
    atom_sizes = np.bincount(atom_of, minlength=n_atoms)[:, None]
    whole = ((per_atom == 0) | (per_atom == atom_sizes)).all(axis=0)
    reduced = (per_atom == atom_sizes).astype("int64").T  # targets over atoms
    null_space = _null_space_mod_p(np.unique(signatures.T.astype("int64"), axis=0))
    if null_space.shape[1] == 0:
        return whole
    return whole & ~((reduced @ null_space) % _PRIME).any(axis=1)


def _null_space_mod_p(rows: np.ndarray) -> np.ndarray:
    """A basis (as columns) of {x : rows @ x = 0} modulo the prime."""
    rows = rows % _PRIME
    n_columns = rows.shape[1]
    pivot_columns: list[int] = []
    rank = 0
    for column in range(n_columns):
        if rank == len(rows):
            break
        candidates = np.flatnonzero(rows[rank:, column]) + rank
        if len(candidates) == 0:
            continue
        chosen = candidates[0]
        rows[[rank, chosen]] = rows[[chosen, rank]]
        inverse = pow(int(rows[rank, column]), _PRIME - 2, _PRIME)
        rows[rank] = (rows[rank] * inverse) % _PRIME
        factors = rows[:, column].copy()
        factors[rank] = 0
        touched = np.flatnonzero(factors)
        if len(touched):
            rows[touched] = (rows[touched] - np.outer(factors[touched], rows[rank])) % _PRIME
        pivot_columns.append(column)
        rank += 1
    free = [c for c in range(n_columns) if c not in set(pivot_columns)]
    basis = np.zeros((n_columns, len(free)), dtype="int64")
    for position, column in enumerate(free):
        basis[column, position] = 1
        for row, pivot in enumerate(pivot_columns):
            basis[pivot, position] = (-rows[row, column]) % _PRIME
    return basis
