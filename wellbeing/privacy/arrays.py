"""Numpy helpers the engine shares."""

from __future__ import annotations

import numpy as np


def distinct_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(table, axis=0, return_inverse=True)`` for an integer table: the distinct
    rows in sorted order and each row's number among them, by one lexsort of the columns
    instead of numpy's much slower sort of whole rows."""
    table = np.asarray(table)
    if not len(table):
        return table[:0], np.zeros(0, dtype=np.int64)
    order = np.lexsort(table.T[::-1])
    ordered = table[order]
    new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    numbers = np.empty(len(table), dtype=np.int64)
    numbers[order] = np.cumsum(new) - 1
    return ordered[new], numbers
