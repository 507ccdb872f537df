"""Cells: the key of every figure a reader can see, a value per dimension."""

from __future__ import annotations

import itertools

from wellbeing.privacy.rules import (
    DIMENSIONS,
    MAX_CROSSED_ATTRIBUTES,
    MAX_SUB_FILTERS,
    SENSITIVE_ATTRIBUTES,
    SUB_FILTERS,
    crossed_attributes,
)

# "Every value" in a cell key. Not a string a survey export can contain.
ALL = "\x00all"
NOT_STATED = "Not stated"


def view_patterns() -> list[tuple[str, ...]]:
    """Every combination of dimensions a reader can see a figure for, in DIMENSIONS order.

    Units (organisation, service, team) with at most one of the role and
    career-stage filters (MAX_SUB_FILTERS); and, for sensitive attributes, at
    most two crossed attributes.
    """
    units: list[tuple[str, ...]] = [(), ("service",), ("service", "team")]
    found: set[frozenset[str]] = set()
    for unit in units:
        for size in range(MAX_SUB_FILTERS + 1):
            for subs in itertools.combinations(SUB_FILTERS, size):
                found.add(frozenset(unit + subs))
    others: list[tuple[str, ...]] = [(), *units[1:], *((d,) for d in DIMENSIONS[2:])]
    for sensitive in SENSITIVE_ATTRIBUTES:
        for other in others:
            if sensitive in other:
                continue
            pattern = frozenset((sensitive, *other))
            if len(crossed_attributes(pattern)) <= MAX_CROSSED_ATTRIBUTES:
                found.add(pattern)
    return sorted(
        (tuple(d for d in DIMENSIONS if d in p) for p in found), key=lambda p: (len(p), p)
    )


def cell_key(**values: object) -> tuple[str, ...]:
    """The key of a cell: a value per dimension, ALL where a dimension is not named or None."""
    unknown = set(values) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown dimension {sorted(unknown)[0]!r}")
    return tuple(ALL if values.get(d) is None else str(values[d]) for d in DIMENSIONS)


def is_sensitive_key(key: tuple[str, ...]) -> bool:
    return any(key[DIMENSIONS.index(d)] != ALL for d in SENSITIVE_ATTRIBUTES)
