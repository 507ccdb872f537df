"""Numpy helpers the engine shares."""

from __future__ import annotations

import numpy as np

# Rows read as numbers taking at most this many values (or four per row, where more) are
# counted, not sorted: the cube numbers each pattern's cells this way, 700 patterns of
# 170,000 groups at a million respondents, where a lexsort of the columns took 25 s.
_COUNTED = 1 << 16
# Group numbers up to this many sort as 16-bit integers, which numpy's stable sort does by
# radix (eight times quicker than the timsort it gives 64-bit ones).
_SHORT = 1 << 16


def _as_numbers(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
    """Each row as one number in mixed radix, the first column most significant, so that
    the numbers sort as the rows do: (numbers, each column's least value, each column's
    place, how many numbers there could be). None where that could pass 2^62."""
    low = table.min(axis=0)
    high = table.max(axis=0)
    sizes = [int(b) - int(a) + 1 for a, b in zip(low.tolist(), high.tolist(), strict=True)]
    places, total = [], 1
    for size in reversed(sizes):
        places.append(total)
        total *= size
    if total > 1 << 62:
        return None
    place = np.array(places[::-1], dtype=np.int64)
    numbers = (table - low).astype(np.int64) @ place if sizes else np.zeros(len(table), np.int64)
    return numbers, low, place, total


def distinct_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(table, axis=0, return_inverse=True)`` for an integer table: the distinct
    rows in sorted order and each row's number among them. Rows read as numbers are
    counted (few possible values) or sorted as one column; otherwise one lexsort of the
    columns, still much quicker than numpy's sort of whole rows."""
    table = np.asarray(table)
    if not len(table):
        return table[:0], np.zeros(0, dtype=np.int64)
    as_numbers = _as_numbers(table)
    if as_numbers is None:
        order = np.lexsort(table.T[::-1])
        ordered = table[order]
        new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
        numbers = np.empty(len(table), dtype=np.int64)
        numbers[order] = np.cumsum(new) - 1
        return ordered[new], numbers
    values, low, place, total = as_numbers
    if total <= max(_COUNTED, 4 * len(table)):
        present = np.bincount(values, minlength=total) > 0
        distinct = np.flatnonzero(present)
        numbers = (np.cumsum(present) - 1)[values]
    else:
        distinct, numbers = np.unique(values, return_inverse=True)
    digits = np.empty((len(distinct), table.shape[1]), dtype=np.int64)
    left = distinct.copy()
    for column in range(table.shape[1]):
        digits[:, column], left = np.divmod(left, place[column])
    return (digits + low).astype(table.dtype, copy=False), numbers.reshape(-1).astype(np.int64)


def grouped_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The table's rows grouped by value: (the distinct rows in sorted order, the row
    numbers group by group and in order within each, where each group begins in them and
    where the last ends)."""
    distinct, numbers = distinct_rows(table)
    keys = numbers.astype(np.uint16) if len(distinct) <= _SHORT else numbers
    order = np.argsort(keys, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(numbers, minlength=len(distinct)))]
    return distinct, order, bounds.astype(np.int64)
