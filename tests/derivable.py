"""An attacker's arithmetic, independent of the engine: which groups do the figures give away?

The engine (``wellbeing.privacy``) searches for derivable groups with modular
fingerprints team by team. The tests check it another way, over *people* rather
than finest groups, in floating point and by integer programming (HiGHS through
scipy), so that a mistake in the engine's own arithmetic cannot hide itself.

Each figure a reader sees is the set of people it adds up (for a count, a sum
of scores, a sum of squares): one row of 0/1 over people. A group of people is
given away when its 0/1 vector is a combination of the rows.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, hstack, identity


def derivable(targets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each 0/1 row of ``targets``: is it a combination of ``rows`` (least squares)?"""
    targets = np.atleast_2d(np.asarray(targets, dtype=float))
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    if rows.size == 0 or not rows.any():
        return ~targets.any(axis=1)
    solution, *_ = np.linalg.lstsq(rows.T, targets.T, rcond=None)
    residual = np.abs(rows.T @ solution - targets.T).max(axis=0)
    return residual < 1e-6


def smallest_derivable(rows: np.ndarray, k: int, *, time_limit: float = 120.0) -> np.ndarray | None:
    """People (column indices) of a group of 1 to k-1 that ``rows`` give away, or None.

    Integer programming: x over people is 0/1, y over rows is free, rows.T y = x,
    and 1 <= sum(x) <= k - 1. Any answer is checked again by least squares.
    """
    rows = np.atleast_2d(np.asarray(rows, dtype=float))
    if rows.size == 0 or not rows.any():
        return None
    # People no figure tells apart can only be given away together: merge them.
    _, first, inverse = np.unique(rows.T, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    weight = np.bincount(inverse).astype(float)
    merged = rows[:, first]
    seen = merged.any(axis=0)
    m, n = merged.shape
    equality = hstack([csr_matrix(merged.T), -identity(n, format="csr")])
    size = hstack([csr_matrix((1, m)), csr_matrix(weight[None, :])])
    upper = np.where(seen, 1.0, 0.0)  # a person in no figure is never given away
    result = milp(
        np.concatenate([np.zeros(m), weight]),
        constraints=[LinearConstraint(equality, 0, 0), LinearConstraint(size, 1, k - 1)],
        integrality=np.concatenate([np.zeros(m), np.ones(n)]),
        bounds=Bounds(
            np.concatenate([np.full(m, -np.inf), np.zeros(n)]),
            np.concatenate([np.full(m, np.inf), upper]),
        ),
        options={"time_limit": time_limit},
    )
    if result.status == 2:  # infeasible: nothing smaller than k follows from the rows
        return None
    if result.x is None:
        raise AssertionError(f"the integer program did not finish: {result.message}")
    chosen = np.flatnonzero(result.x[m:] > 0.5)
    people = np.flatnonzero(np.isin(inverse, chosen))
    vector = np.zeros(rows.shape[1])
    vector[people] = 1.0
    if not derivable(vector[None, :], rows)[0]:
        raise AssertionError("the integer program's group does not follow exactly")
    return people
