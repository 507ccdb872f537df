"""Cells: every figure a reader can see, as a set of respondents crossed with attribute values.

A *set* is a group of respondents figures can cover: everyone who responded,
those with a score on one measure, those with both support and challenge
scores, each as it stood in one published version of the wave. A *cell* is a
set crossed with one combination of attribute values (a *pattern*: the
organisation, a service, a team, a team's managers, a service's women...).
Each cell is the sum of the finest groups of respondents it contains, so the
engine can treat every figure as one equation over those groups.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellbeing.privacy.arrays import grouped_rows
from wellbeing.privacy.rules import (
    DIMENSIONS,
    MAX_CROSSED_ATTRIBUTES,
    MAX_SUB_FILTERS,
    SENSITIVE_ATTRIBUTES,
    SUB_FILTERS,
    UNIT_DIMENSIONS,
    Rules,
)

# "Every value" in a cell key. Not a string a survey export can contain.
ALL = "\x00all"
NOT_STATED = "Not stated"

# What a suppression hides first is the cheapest to lose: a sensitive breakdown
# cell, then a role or career-stage one, then a team, a service, the organisation.
TIER_SENSITIVE = 0
TIER_BREAKDOWN = 1
TIER_TEAM = 2
TIER_SERVICE = 3
TIER_ORGANISATION = 4

# What a wave's decision is made of, in the order it is made, each with the one before
# fixed: the units (organisation, services, teams), then their role and career-stage
# breakdowns ("plain": the units and the breakdowns), then the sensitive breakdowns
# ("whole"). A page with no role or stage filter needs only the first, which is decided
# in a fraction of the time of the rest.
LEVELS = ("units", "plain", "whole")


@dataclass(frozen=True)
class Layout:
    """The dimensions of a cube and which of them are units, filters and sensitive."""

    dimensions: tuple[str, ...]
    sub_filters: tuple[str, ...]
    sensitive: tuple[str, ...]
    units: tuple[str, ...] = UNIT_DIMENSIONS

    def plain_patterns(self) -> list[tuple[str, ...]]:
        """Units (organisation, service, team) alone or with one filter (MAX_SUB_FILTERS)."""
        units: list[tuple[str, ...]] = [(), ("service",), ("service", "team")]
        found = [
            unit + subs
            for unit in units
            for size in range(MAX_SUB_FILTERS + 1)
            for subs in itertools.combinations(self.sub_filters, size)
        ]
        return [self.ordered(p) for p in found]

    def unit_patterns(self) -> list[tuple[str, ...]]:
        """The units alone: the plain patterns that name no filter."""
        return [p for p in self.plain_patterns() if not set(p) & set(self.sub_filters)]

    def patterns(self, level: str, *, breakdowns: bool = True) -> list[tuple[str, ...]]:
        """The patterns of a level (LEVELS); the sensitive ones only for a set that has
        ``breakdowns``."""
        if level == "units":
            return self.unit_patterns()
        if level == "plain" or not breakdowns:
            return self.plain_patterns()
        return self.plain_patterns() + self.sensitive_patterns()

    def level_of(self, key: tuple[str, ...]) -> str:
        """The level whose decision holds a cell of this key."""
        named = np.array([[value != ALL for value in key]], dtype=bool)
        return LEVELS[int(self.level_numbers(named)[0])]

    def level_numbers(self, named: np.ndarray) -> np.ndarray:
        """Per key (a row of ``named``: which dimensions it names), the number in LEVELS
        of the level whose decision holds its cell: a sensitive attribute's the whole's,
        a role's or career stage's the plain cells', else the units'."""

        def naming(dimensions: tuple[str, ...]) -> np.ndarray:
            columns = [self.dimensions.index(d) for d in dimensions]
            return named[:, columns].any(axis=1) if columns else np.zeros(len(named), bool)

        return np.where(naming(self.sensitive), 2, np.where(naming(self.sub_filters), 1, 0))

    def sensitive_patterns(self) -> list[tuple[str, ...]]:
        """A sensitive attribute alone or crossed with one other attribute or unit."""
        others: list[tuple[str, ...]] = [(), ("service",), ("service", "team")]
        others += [(d,) for d in (*self.sub_filters, *self.sensitive)]
        found: set[tuple[str, ...]] = set()
        for attribute in self.sensitive:
            for other in others:
                if attribute not in other:
                    pattern = self.ordered((attribute, *other))
                    if crossed(pattern) <= MAX_CROSSED_ATTRIBUTES:
                        found.add(pattern)
        return sorted(found, key=lambda p: (len(p), p))

    def ordered(self, dimensions: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d for d in self.dimensions if d in dimensions)

    def tier(self, pattern: tuple[str, ...]) -> int:
        if set(pattern) & set(self.sensitive):
            return TIER_SENSITIVE
        if set(pattern) & set(self.sub_filters):
            return TIER_BREAKDOWN
        if "team" in pattern:
            return TIER_TEAM
        if "service" in pattern:
            return TIER_SERVICE
        return TIER_ORGANISATION


# Survey respondents; supervision's staff by team and career stage.
SURVEY = Layout(DIMENSIONS, SUB_FILTERS, SENSITIVE_ATTRIBUTES)
STAFF = Layout(("service", "team", "career_stage"), ("career_stage",), ())


def crossed(pattern: tuple[str, ...]) -> int:
    """How many attributes a pattern crosses: a team or service counts as one."""
    named = set(pattern)
    return len(named - set(UNIT_DIMENSIONS)) + bool(named & set(UNIT_DIMENSIONS))


def view_patterns(layout: Layout = SURVEY) -> list[tuple[str, ...]]:
    """Every combination of dimensions a reader can see a figure for."""
    return sorted(
        {*layout.plain_patterns(), *layout.sensitive_patterns()}, key=lambda p: (len(p), p)
    )


def cell_key(layout: Layout = SURVEY, **values: object) -> tuple[str, ...]:
    """The key of a cell: a value per dimension, ALL where a dimension is not named or None."""
    unknown = set(values) - set(layout.dimensions)
    if unknown:
        raise ValueError(f"unknown dimension {sorted(unknown)[0]!r}")
    return tuple(ALL if values.get(d) is None else str(values[d]) for d in layout.dimensions)


def is_sensitive_key(key: tuple[str, ...], layout: Layout = SURVEY) -> bool:
    return any(key[layout.dimensions.index(d)] != ALL for d in layout.sensitive)


@dataclass(frozen=True)
class Values:
    """Per finest group, what tells whether a cell's members all answered alike.

    ``high``: members whose answer is "high" (a score at the cut-off, agree, yes);
    ``low`` and ``top``: the lowest and highest score among them (NaN: no score).
    """

    high: np.ndarray
    low: np.ndarray
    top: np.ndarray


@dataclass(frozen=True)
class Groups:
    """The finest groups of a wave, never shown: codes per dimension, weight, set membership."""

    layout: Layout
    codes: np.ndarray
    values: tuple[tuple[str, ...], ...]
    weight: np.ndarray
    member: np.ndarray
    set_names: tuple[str, ...]
    answers: tuple[tuple[Values, ...], ...] = field(default=())

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        set_names: list[str],
        layout: Layout = SURVEY,
        answers: dict[str, list[str]] | None = None,
        values: Sequence[Sequence[str]] | None = None,
    ) -> Groups:
        """From rows of the layout's dimensions, one boolean column per set, ``respondents``.

        ``answers`` maps a set to the value columns of its figures: for a column
        ``c``, the frame holds ``c:high``, ``c:low`` and ``c:top``.

        ``values``: each dimension's values in the wave (as :func:`_coded` gives them),
        for groups that do not tell every dimension apart: a dimension the frame has no
        column for is then coded -1 in every group (see :meth:`tells_apart`), and no
        cell may name it. Cells are coded by these values, so a decision made from
        such groups reads as one made from the finest groups.
        """
        codes = np.zeros((len(frame), len(layout.dimensions)), dtype=np.int64)
        found: list[tuple[str, ...]] = []
        for i, dimension in enumerate(layout.dimensions):
            if values is None:
                codes[:, i], distinct = _coded(frame[dimension])
            else:
                distinct = tuple(values[i])
                codes[:, i] = (
                    _coded_by(frame[dimension], distinct) if dimension in frame.columns else -1
                )
            found.append(distinct)
        member = (
            frame[list(set_names)].fillna(False).astype(bool).to_numpy()
            if set_names
            else np.zeros((len(frame), 0), dtype=bool)
        )
        per_set = []
        for name in set_names:
            triples = []
            for column in (answers or {}).get(name, []):
                triples.append(
                    Values(
                        frame[f"{column}:high"].fillna(0).to_numpy(dtype=np.int64),
                        frame[f"{column}:low"].to_numpy(dtype=float),
                        frame[f"{column}:top"].to_numpy(dtype=float),
                    )
                )
            per_set.append(tuple(triples))
        return cls(
            layout=layout,
            codes=codes,
            values=tuple(found),
            weight=frame["respondents"].to_numpy(dtype=np.int64),
            member=member,
            set_names=tuple(set_names),
            answers=tuple(per_set),
        )

    def tells_apart(self, dimension: str) -> bool:
        """Whether the groups hold one value of ``dimension`` each (see :meth:`from_frame`)."""
        column = self.layout.dimensions.index(dimension)
        return not len(self.codes) or bool(self.codes[0, column] >= 0)

    def key_codes(self, key: tuple[str, ...]) -> np.ndarray | None:
        """A text key (ALL where not named) as codes (-1 for ALL), or None for an unknown value."""
        codes = np.full(len(self.layout.dimensions), -1, dtype=np.int64)
        for i, value in enumerate(key):
            if value == ALL:
                continue
            try:
                codes[i] = self.values[i].index(str(value))
            except ValueError:
                return None
        return codes


def _coded(column: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's value as its number among the column's distinct values, as text in
    sorted order (a missing value is NOT_STATED): what ``np.unique`` of the rows' text
    gives, with only the few distinct values sorted rather than every row's text (a
    fifth of a 100,000-respondent wave's first step)."""
    found, distinct = pd.factorize(column, use_na_sentinel=True)
    texts = [str(value) for value in distinct]
    missing = found < 0
    if missing.any():
        found = np.where(missing, len(texts), found)
        texts.append(NOT_STATED)
    uniques, number = np.unique(np.array(texts, dtype=str), return_inverse=True)
    return number.reshape(-1)[found], tuple(uniques.tolist())


def dimension_values(values: Iterable[object]) -> tuple[str, ...]:
    """The values of a dimension (each once, a missing one None) as the engine codes the
    finest groups by them: for :meth:`Groups.from_frame`'s ``values``."""
    return _coded(pd.Series(list(values), dtype=object))[1]


def _coded_by(column: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """Each row's value as its number among ``values`` (as :func:`_coded` gives them for
    the finest groups: a missing value is NOT_STATED); every one must be among them."""
    texts = column.astype(object).where(column.notna(), NOT_STATED).astype(str).to_numpy()
    if not len(texts):
        return np.zeros(0, dtype=np.int64)
    known = np.array(values, dtype=str)
    number = np.minimum(np.searchsorted(known, texts), len(known) - 1)
    if not len(known) or (known[number] != texts).any():
        raise ValueError(f"a value of {column.name} is not among the values given for it")
    return number.astype(np.int64)


class CellIndex:
    """Finds cells by (set, key codes): each key in mixed radix, ALL as each digit's top value."""

    def __init__(self, radix: np.ndarray, set_of: np.ndarray, keys: np.ndarray) -> None:
        self._radix = np.asarray(radix, dtype=np.int64)
        self._place = np.concatenate([[1], np.cumprod(self._radix[::-1])[:-1]])[::-1]
        code = self._encode(np.asarray(set_of, dtype=np.int64), np.asarray(keys, dtype=np.int64))
        self._order = np.argsort(code, kind="stable")
        self._sorted = code[self._order]

    @classmethod
    def for_values(cls, values, set_of: np.ndarray, keys: np.ndarray) -> CellIndex:
        """For keys coded by position in ``values`` (a tuple of values per dimension)."""
        return cls(np.array([len(v) + 1 for v in values], dtype=np.int64), set_of, keys)

    def _encode(self, set_of: np.ndarray, keys: np.ndarray) -> np.ndarray:
        digits = np.where(keys < 0, self._radix - 1, keys)
        return set_of * int(np.prod(self._radix)) + digits @ self._place

    def find(self, set_of, keys) -> np.ndarray:
        """The cell of each (set, key codes), or -1 where no such cell exists."""
        keys = np.asarray(keys, dtype=np.int64).reshape(-1, len(self._radix))
        codes = self._encode(np.asarray(set_of, dtype=np.int64), keys)
        if not len(self._sorted):
            return np.full(len(codes), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, codes), len(self._sorted) - 1)
        return np.where(self._sorted[at] == codes, self._order[at], -1)


class Cube:
    """Every cell of the given sets and patterns, with its members, count, k and partitions.

    Arrays are indexed by cell: ``set_of``, ``pattern_of``, ``keys`` (cells x
    dimensions, -1 where not named), ``count``, ``k``, ``tier``, ``alike``.
    ``members(i)`` are a cell's finest groups. ``partitions`` lists (parent,
    children): the parent is the sum of its children along one dimension.
    """

    def __init__(
        self, groups: Groups, rules: Rules, patterns_of_set: list[list[tuple[str, ...]]]
    ) -> None:
        self.groups = groups
        self.rules = rules
        layout = groups.layout
        n_dims = len(layout.dimensions)
        self.patterns: list[tuple[str, ...]] = []
        numbers: dict[tuple[str, ...], int] = {}
        set_of, pattern_of, key_blocks = [], [], []
        size_blocks, count_blocks = [], []
        # Group numbers in 32 bits where they fit: at a million respondents the cube lists
        # 122 million members, and each gigabyte taken from the system cost seconds.
        number_type = np.int32 if len(groups.weight) < 2**31 else np.int64
        # Each pattern of a set lists every group of the set once, so the members are
        # written where they go: listed block by block and then joined, they took twice
        # the memory (a gigabyte at a million respondents) and a copy of it all.
        in_sets = groups.member.sum(axis=0)
        total = sum(int(in_sets[s]) * len(p) for s, p in enumerate(patterns_of_set))
        self.indices = np.empty(total, dtype=number_type)
        written = 0
        for s, patterns in enumerate(patterns_of_set):
            in_set = np.flatnonzero(groups.member[:, s]).astype(number_type)
            codes = groups.codes[in_set]
            for pattern in patterns:
                if pattern not in numbers:
                    numbers[pattern] = len(self.patterns)
                    self.patterns.append(pattern)
                if not len(in_set):
                    continue
                columns = [layout.dimensions.index(d) for d in pattern]
                # Each cell's groups, one cell after another in the order of their keys.
                uniques, order, bounds = grouped_rows(codes[:, columns])
                keys = np.full((len(uniques), n_dims), -1, dtype=np.int64)
                keys[:, columns] = uniques
                key_blocks.append(keys)
                members = self.indices[written : written + len(in_set)]
                np.take(in_set, order, out=members)
                written += len(in_set)
                size_blocks.append(np.diff(bounds))
                # Counted block by block: over the whole cube at once, the members' weights
                # side by side took a gigabyte at a million respondents.
                count_blocks.append(np.add.reduceat(groups.weight[members], bounds[:-1]))
                set_of.append(np.full(len(uniques), s, dtype=np.int64))
                pattern_of.append(np.full(len(uniques), numbers[pattern], dtype=np.int64))
        assert written == total
        empty = np.zeros(0, dtype=np.int64)
        self.set_of = np.concatenate(set_of) if set_of else empty
        self.pattern_of = np.concatenate(pattern_of) if pattern_of else empty
        self.keys = np.concatenate(key_blocks) if key_blocks else np.zeros((0, n_dims), np.int64)
        sizes = np.concatenate(size_blocks) if size_blocks else empty
        self.indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.count = np.concatenate(count_blocks) if count_blocks else groups.weight[:0]
        sensitive = np.array([bool(set(p) & set(layout.sensitive)) for p in self.patterns])
        is_sensitive = sensitive[self.pattern_of] if len(self.patterns) else empty.astype(bool)
        self.k = np.where(is_sensitive, rules.sensitive_min_group_size, rules.min_group_size)
        tiers = np.array([layout.tier(p) for p in self.patterns], dtype=np.int64)
        self.tier = tiers[self.pattern_of] if len(self.patterns) else empty
        self.alike = self._alike(rules)
        self._index = CellIndex.for_values(groups.values, self.set_of, self.keys)
        self.partitions = self._partitions()
        self.partitions_of: list[list[int]] = [[] for _ in range(len(self.count))]
        for number, (parent, children) in enumerate(self.partitions):
            self.partitions_of[parent].append(number)
            for child in children.tolist():
                self.partitions_of[child].append(number)

    def __len__(self) -> int:
        return len(self.count)

    def members(self, cell: int) -> np.ndarray:
        return self.indices[self.indptr[cell] : self.indptr[cell + 1]]

    def _alike(self, rules: Rules) -> np.ndarray:
        """Cells small enough to be hidden when their members all answered alike, and are."""
        alike = np.zeros(len(self.count), dtype=bool)
        small = (self.count < rules.alike_group_size) & (self.count > 0)
        if not small.any() or not len(self.indices):
            return alike
        for s, triples in enumerate(self.groups.answers):
            cells = np.flatnonzero(small & (self.set_of == s))
            if not len(cells) or not triples:
                continue
            # Only the small cells' members are read: at 100,000 respondents a reduction
            # over every cell's members, per set and value, took 5 s of a decision.
            members, starts = self.members_of(cells)
            every = self.count[cells]
            for triple in triples:
                high = np.add.reduceat(triple.high[members], starts)
                low = np.minimum.reduceat(np.nan_to_num(triple.low, nan=np.inf)[members], starts)
                top = np.maximum.reduceat(np.nan_to_num(triple.top, nan=-np.inf)[members], starts)
                same = (high == 0) | (high == every) | (low == top)
                alike[cells[same]] = True
        return alike

    def members_of(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The finest groups of ``cells``, one after another, and where each cell's begin
        (for ``np.ufunc.reduceat`` over cells with at least one)."""
        first, sizes = self.indptr[cells], self.indptr[cells + 1] - self.indptr[cells]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        offsets = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(starts, sizes)
        return self.indices[np.repeat(first, sizes) + offsets], starts

    def find(self, set_of, keys) -> np.ndarray:
        """The cell of each (set, key codes), or -1 where no such cell exists."""
        return self._index.find(set_of, keys)

    def _partitions(self) -> list[tuple[int, np.ndarray]]:
        """(parent, children) along each named dimension of each cell.

        Along ``team`` the parent keeps the service (a team implies its service);
        along ``service`` with no team named, the parent is the level above.
        """
        dimensions = self.groups.layout.dimensions
        by_parent: dict[tuple[int, int], list[int]] = {}
        for number, pattern in enumerate(self.patterns):
            cells = np.flatnonzero(self.pattern_of == number)
            if not len(cells):
                continue
            for dimension in pattern:
                if dimension == "service" and "team" in pattern:
                    continue
                column = dimensions.index(dimension)
                keys = self.keys[cells].copy()
                keys[:, column] = -1
                parents = self.find(self.set_of[cells], keys)
                for child, parent in zip(cells.tolist(), parents.tolist(), strict=True):
                    if parent >= 0:
                        by_parent.setdefault((parent, column), []).append(child)
        return [(p, np.array(c, dtype=np.int64)) for (p, _), c in by_parent.items()]

    def key_text(self, cell: int) -> tuple[str, ...]:
        """A cell's key as text, ALL where a dimension is not named."""
        return tuple(
            self.groups.values[i][code] if code >= 0 else ALL
            for i, code in enumerate(self.keys[cell].tolist())
        )
