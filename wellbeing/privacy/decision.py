"""The decision on one wave's cube: the rules applied to every cell at once, then audited.

:func:`decide` builds a :class:`_Cube` of every cell a leader can reach, runs
complementary suppression (``protect._suppress_complement``) over its
partitions until nothing changes, and audits the result with the span test of
``audit``; a :class:`Decision` then answers each cell's status.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from wellbeing.privacy.audit import _PRIME, _SAMPLES, _SEED, _BlockSystem, _eliminate, _mulmod
from wellbeing.privacy.cells import ALL, NOT_STATED, is_sensitive_key, view_patterns
from wellbeing.privacy.protect import _suppress_complement
from wellbeing.privacy.rules import (
    _CODES,
    _NAMES,
    BELOW_K,
    DIMENSIONS,
    NO_DATA,
    PROTECTS_SMALLER,
    SENSITIVE_ATTRIBUTES,
    SHOWN,
    SUB_FILTERS,
    Rules,
)


class Decision:
    """The engine's verdict on every cell of one wave's cube, for one set of respondents.

    Teams, services and their role and career-stage breakdowns are decided at
    once; the sensitive breakdowns only when first looked up (the team pages
    never need them), and they cannot change a team's verdict.
    """

    def __init__(self, rules: Rules, plain: _Cube, finest: pd.DataFrame, audit: bool) -> None:
        self.rules = rules
        self._plain = plain
        self._finest = finest
        self._audit = audit
        self._whole: _Cube | None = None
        self._whole_lock = threading.Lock()

    def _cube_for(self, key: tuple[str, ...]) -> _Cube:
        return self.whole() if is_sensitive_key(key) else self._plain

    def whole(self) -> _Cube:
        """The cube with the sensitive breakdowns decided too."""
        with self._whole_lock:  # a page and the background preparation may both ask
            if self._whole is None:
                whole = _Cube(self._finest, self.rules, view_patterns())
                locked = {key: self._plain.status[i] for i, key in enumerate(self._plain.keys)}
                whole.solve(audit=self._audit, locked=locked)
                self._whole = whole
        return self._whole

    def lookup(self, key: tuple[str, ...]) -> tuple[str, int]:
        """(status, distinct respondents) of a cell; a cell nobody is in has no data."""
        cube = self._cube_for(key)
        row = cube.index.get(key)
        if row is None:
            return NO_DATA, 0
        return _NAMES[int(cube.status[row])], int(cube.counts[row])

    def statuses(self, keys: list[tuple[str, ...]]) -> list[str]:
        """The status of many cells at once, as :meth:`lookup` gives them one by one."""
        sensitive = [DIMENSIONS.index(d) for d in SENSITIVE_ATTRIBUTES]
        out = []
        for key in keys:
            is_sensitive = any(key[p] != ALL for p in sensitive)
            cube = self.whole() if is_sensitive else self._plain
            row = cube.index.get(key)
            out.append(NO_DATA if row is None else _NAMES[int(cube.status[row])])
        return out

    def cells(self, *, sensitive: bool = True) -> pd.DataFrame:
        """Every cell: DIMENSIONS..., respondents, k, status."""
        return (self.whole() if sensitive else self._plain).frame()

    def hidden(self, *, sensitive: bool = True) -> pd.DataFrame:
        """The cells with respondents that may not be shown."""
        cells = self.cells(sensitive=sensitive)
        return cells[cells["status"] != SHOWN]


_DECISIONS: OrderedDict[str, Decision] = OrderedDict()
_DECISIONS_KEPT = 256
# Pages decide on their session's thread and wellbeing.ui prepares every wave on
# another: the cache is shared, the (pure) deciding is not locked.
_DECISIONS_LOCK = threading.Lock()


# The linear audit is exact. Over the team x role x career-stage cube its greedy
# repair hid whole organisations; with one sub-filter at a time (MAX_SUB_FILTERS)
# and a repair that hides breakdown cells (a role, a stage) before any team,
# service or the organisation, it closes what complementary suppression alone
# lets through (tests/test_privacy_attack.py) and keeps the teams of k or more.
AUDIT_BY_DEFAULT = True
# The audit works team by team, service by service (_BlockSystem), so its cost
# follows the number of teams rather than the finest groups cubed (the dense
# elimination took 2 s at 850 groups, 37 s at 1,400 and two minutes at 2,200).
# On this two-core machine, busy: a wave of the bench organisation's shape
# (400 teams, 25,000 respondents: 3,700 team x role x stage groups, 18,000
# with the sensitive attributes) under a second for the plain cube and about
# 4 s for the sensitive one (33 repairs in 2 audits; it was 22 to 40 s with
# one audit per repair); the 1m scale's sensitive cube (1,000 teams,
# 135,000 groups) 15 to 30 s and 1.6 GB.
# What still grows with the size is the organisation level: a few hundred
# organisation-wide cells (a sensitive group by role, by stage, by another
# attribute) against every team's free dimensions, kept as int64. Beyond this
# many finest groups that alone would take gigabytes, so such a cube (several
# times the largest organisation this tool is sized for) is decided by the
# rules alone.
AUDIT_MAX_FINEST_GROUPS = 200_000


_STR = pd.Series([], dtype="str").dtype  # what decide turns every dimension into


def decide(finest: pd.DataFrame, rules: Rules, *, audit: bool = AUDIT_BY_DEFAULT) -> Decision:
    """Apply every rule to one wave's cube and return each cell's status.

    Args:
        finest: distinct ``respondents`` per combination of DIMENSIONS (one
            wave, one set of respondents such as "scored on stress"); a blank
            attribute is ``NOT_STATED``.
        rules: the thresholds.
        audit: check the result against the linear attack and repair it (only
            turned off by tests that prove the audit is needed).

    Teams, services and their role and career-stage breakdowns are decided
    first; then the sensitive breakdowns, which may hide more of themselves
    but never a team (so adding an equity chart cannot blank the overview).
    The result depends only on the counts, so it is cached on them: the same
    data gives the same decision on every page without recomputing it.
    """
    frame = finest[[*DIMENSIONS, "respondents"]].copy()
    if all(frame[d].dtype == _STR for d in DIMENSIONS):  # already strings: no round trip
        frame[list(DIMENSIONS)] = frame[list(DIMENSIONS)].fillna(NOT_STATED)
    else:
        frame[list(DIMENSIONS)] = frame[list(DIMENSIONS)].astype("object").fillna(NOT_STATED)
    frame = (
        frame.astype({d: "str" for d in DIMENSIONS})
        .groupby(list(DIMENSIONS), as_index=False, sort=True)["respondents"]
        .sum()
    )
    frame = frame[frame["respondents"] > 0].reset_index(drop=True)
    digest = hashlib.sha256(
        pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
        + repr((rules, audit, id(_suppress_complement), id(_Cube.audit))).encode()
    ).hexdigest()
    with _DECISIONS_LOCK:
        if digest in _DECISIONS:
            _DECISIONS.move_to_end(digest)
            return _DECISIONS[digest]
    plain = [p for p in view_patterns() if not set(p) & set(SENSITIVE_ATTRIBUTES)]
    # The same groups, in the same order, as grouping by every dimension with the
    # sensitive ones set to ALL: those are constant, so they are added afterwards.
    coarse = frame.groupby(
        [d for d in DIMENSIONS if d not in SENSITIVE_ATTRIBUTES], as_index=False, sort=True
    )["respondents"].sum()
    for d in SENSITIVE_ATTRIBUTES:
        coarse[d] = ALL
    coarse = coarse[[*DIMENSIONS, "respondents"]]
    first = _Cube(coarse, rules, plain)
    first.solve(audit=audit)
    decision = Decision(rules, first, frame, audit)
    with _DECISIONS_LOCK:
        _DECISIONS[digest] = decision
        while len(_DECISIONS) > _DECISIONS_KEPT:
            _DECISIONS.popitem(last=False)
    return decision


# Repairs one audit makes one after another (the rules run after each), as many
# audits in a row would; the derivations are worked out this many targets at a
# time, and the cells hidden in between are taken out of them with this many
# random left null vectors, less a margin (see _Cube.audit).
_REPAIRS_PER_AUDIT = 64
_REPAIR_BATCH = 64
_LEFT_NULL_SAMPLES = 128
_LEFT_NULL_MARGIN = 8


class _Cube:
    """Cells, the equations between them, and the fixpoint + audit that decides them."""

    def __init__(self, finest: pd.DataFrame, rules: Rules, patterns: list[tuple[str, ...]]) -> None:
        self.rules = rules
        self.weights = finest["respondents"].to_numpy(dtype="int64")
        members: list[np.ndarray] = []
        cell_patterns: list[tuple[str, ...]] = []
        blocks: list[np.ndarray] = []
        values = finest[list(DIMENSIONS)].to_numpy(dtype=object)
        for pattern in patterns:
            columns = [DIMENSIONS.index(d) for d in pattern]
            if columns:
                groups = finest.groupby(list(pattern), sort=True).indices
            else:
                groups = {(): np.arange(len(finest))}
            rows = [np.asarray(group_rows) for group_rows in groups.values()]
            block = np.full((len(rows), len(DIMENSIONS)), ALL, dtype=object)
            if columns and rows:
                first = np.array([r[0] for r in rows], dtype=np.intp)
                block[:, columns] = values[first][:, columns]
            blocks.append(block)
            members.extend(rows)
            cell_patterns.extend([pattern] * len(rows))
        # One row per cell, a value per dimension (ALL where not named): the cell keys,
        # and the per-cell tests below done on all of them at once.
        table = np.concatenate(blocks) if blocks else np.empty((0, len(DIMENSIONS)), dtype=object)
        keys: list[tuple[str, ...]] = list(map(tuple, table.tolist()))
        self.keys = keys
        self.members = members
        self.index = {key: i for i, key in enumerate(keys)}
        sizes = np.array([len(m) for m in members], dtype=np.intp)
        if len(members) and len(self.weights):
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            sums = np.add.reduceat(self.weights[np.concatenate(members)], starts)
            self.counts = np.where(sizes > 0, sums, 0).astype("int64")
        else:
            self.counts = np.zeros(len(members), dtype="int64")
        is_all = table == ALL
        plain = is_all[:, [DIMENSIONS.index(d) for d in SENSITIVE_ATTRIBUTES]].all(axis=1)
        self.k = np.where(plain, rules.min_group_size, rules.sensitive_min_group_size).astype(
            "int64"
        )
        self.partitions = self._partitions(cell_patterns)
        self.partitions_of: list[list[int]] = [[] for _ in keys]
        for number, (parent, children) in enumerate(self.partitions):
            self.partitions_of[parent].append(number)
            for child in children:
                self.partitions_of[child].append(number)
        self.status = np.where(self.counts < self.k, _CODES[BELOW_K], _CODES[SHOWN])
        # Filter differencing depends on counts alone, so it is settled once. A cell
        # with a filter is never another's filter parent, so all are settled at once.
        filters = [DIMENSIONS.index(d) for d in SUB_FILTERS]
        filtered = np.flatnonzero(~is_all[:, filters].all(axis=1))
        if len(filtered):
            unfiltered = table[filtered].copy()
            unfiltered[:, filters] = ALL
            parents = np.array(
                [self.index.get(key, -1) for key in map(tuple, unfiltered.tolist())],
                dtype=np.intp,
            )
            cells, parents = filtered[parents >= 0], parents[parents >= 0]
            rest = self.counts[parents] - self.counts[cells]
            tighten = (self.status[cells] == _CODES[SHOWN]) & (rest > 0) & (rest < self.k[cells])
            self.status[cells[tighten]] = _CODES[PROTECTS_SMALLER]
        self.locked = np.zeros(len(keys), dtype=bool)
        breakdown = [DIMENSIONS.index(d) for d in (*SUB_FILTERS, *SENSITIVE_ATTRIBUTES)]
        self._is_unit_total = is_all[:, breakdown].all(axis=1)
        # Each finest group's service and team: the blocks the audit works in.
        service = finest["service"].astype(str)
        team = service + "\x00" + finest["team"].astype(str)
        self._blocks = np.column_stack([pd.factorize(service)[0], pd.factorize(team)[0]])
        self._audit_blocks: dict = {}  # the audit's reduced blocks, reused between repairs
        self._after_audit: tuple[tuple[int, ...], np.ndarray] | None = None

    def _partitions(self, patterns: list[tuple[str, ...]]) -> list[tuple[int, np.ndarray]]:
        """(parent, children): each parent cell is the sum of its children along one dimension.

        Along ``team`` the parent keeps the service (team -> service); along
        ``service`` (with no team named) it is the level above.
        """
        by_parent: dict[tuple[int, str], list[int]] = {}
        for i, (key, pattern) in enumerate(zip(self.keys, patterns, strict=True)):
            for dimension in pattern:
                if dimension == "service" and "team" in pattern:
                    continue  # a team's service is not a free choice: the team implies it
                parent = list(key)
                parent[DIMENSIONS.index(dimension)] = ALL
                by_parent.setdefault((self.index[tuple(parent)], dimension), []).append(i)
        return [(parent, np.array(children)) for (parent, _), children in by_parent.items()]

    def solve(self, *, audit: bool, locked: Mapping[tuple[str, ...], int] | None = None) -> None:
        """Decide every cell: primary rule, then fixpoint and audit until both are satisfied."""
        for key, code in (locked or {}).items():
            i = self.index.get(key)
            if i is not None:
                self.status[i] = code
                self.locked[i] = True
        pending = set(range(len(self.partitions)))
        while True:
            self._fixpoint(pending)
            if not audit or len(self.weights) > AUDIT_MAX_FINEST_GROUPS:
                return
            culprits = self.audit()
            if not culprits:
                self._audit_blocks.clear()  # a decided cube keeps no reduced blocks
                return
            pending = set()
            after = self._after_audit
            if after is not None and after[0] == tuple(culprits):
                self.status = after[1]  # the audit made the repairs and ran the rules
                continue
            for cell in culprits:  # one after another, the rules after each
                self.status[cell] = _CODES[PROTECTS_SMALLER]
                self._fixpoint(set(self.partitions_of[cell]))

    def _fixpoint(self, pending: set[int]) -> None:
        """Complementary suppression over the partitions, until none changes."""
        while pending:
            number = pending.pop()
            parent, children = self.partitions[number]
            for cell in _suppress_complement(
                self.status, self.counts, self.k, parent, children, self.locked
            ):
                pending.update(self.partitions_of[cell])

    def audit(self) -> list[int]:
        """Shown cells to hide because the shown cells reveal a small group (none: safe).

        Each shown cell is the 0/1 vector of the finest groups it adds up. A
        hidden group's count (and sum of scores) follows from the shown
        figures exactly when its vector lies in their span. For the first
        revealed group, one shown cell whose hiding breaks that derivation is
        returned: a breakdown cell (role, stage, sensitive group) before any
        team, service or the organisation, the smallest first.

        The span test runs team by team (:class:`_BlockSystem`), so it costs
        about the same per team whatever the organisation's size. A shown cell
        is needed for a derivation exactly when it is in no span of the other
        shown cells and the derivation's coefficient on it is non-zero (that
        coefficient is then the same in every derivation), so one derivation
        and one random left null vector settle every candidate at once.

        One audit makes up to _REPAIRS_PER_AUDIT repairs, one after another
        with the rules run after each, deciding each as a fresh audit would
        (the cells hidden so far are taken out of the derivations with random
        left null vectors), so a cube needs two or three audits rather than
        one per repair: the bench wave's sensitive cube went from 34 audits to
        2. The repairs are returned in order; the status they and the rules
        lead to is kept for :meth:`solve`, and ``self.status`` is left as it was.
        """
        self._after_audit = None
        status = self.status
        visible = np.flatnonzero((status == _CODES[SHOWN]) & (self.counts > 0))
        n_finest = len(self.weights)
        if len(visible) == 0 or n_finest == 0:
            return []
        # A hidden cell made of exactly the same people as a shown one (say,
        # everyone in a team left age blank) gives nothing away by being derived.
        shown_sets = {self.members[cell].tobytes() for cell in visible}
        targets: list[np.ndarray] = []
        for cell in np.flatnonzero(status != _CODES[SHOWN]):
            small = 0 < self.counts[cell] < self.k[cell]
            if small and self.members[cell].tobytes() not in shown_sets:
                targets.append(self.members[cell])
        for j in np.flatnonzero(self.weights < self.rules.min_group_size):
            targets.append(np.array([j]))
        if not targets:
            return []
        system = _BlockSystem(
            [self.members[cell] for cell in visible],
            n_finest,
            self._blocks,
            labels=visible,
            cache=self._audit_blocks,
        )
        rng = np.random.default_rng(_SEED)
        screened = np.flatnonzero(system.screen(targets, rng))
        if not len(screened):
            return []
        free = ~self.locked[visible]
        unit_total = self._is_unit_total[visible]
        flat = np.concatenate([self.members[cell] for cell in visible])
        owner = np.repeat(np.arange(len(visible)), [len(self.members[c]) for c in visible])
        # Hidden small cells left out of the targets because a shown cell has the same
        # people: hiding that shown cell makes them targets, and ends this audit.
        same_people: dict[bytes, int] = {}
        for cell in visible:
            key = self.members[cell].tobytes()
            same_people[key] = same_people.get(key, 0) + 1
        waiting = {
            self.members[cell].tobytes()
            for cell in np.flatnonzero(status != _CODES[SHOWN])
            if 0 < self.counts[cell] < self.k[cell] and self.members[cell].tobytes() in same_people
        }

        # Breakdown cells (a role, a career stage, a sensitive group) go before
        # whole teams, services and the organisation: hiding a team's "managers"
        # costs a reader far less than hiding the team.
        def cost(r: int) -> tuple[bool, int, int]:
            return (bool(unit_total[r]), int(self.counts[visible[r]]), r)

        # Derivations over the shown cells, _REPAIR_BATCH targets at a time, and (with the
        # first batch) _LEFT_NULL_SAMPLES random combinations of them adding up to nothing.
        derivations: dict[int, tuple[np.ndarray, bool]] = {}
        left_null = np.zeros((0, len(visible)), dtype="int64")

        def derivation(at: int) -> tuple[np.ndarray, bool]:
            nonlocal left_null
            if at not in derivations:
                batch = screened[at : at + _REPAIR_BATCH]
                extra = _LEFT_NULL_SAMPLES if not derivations else 0
                vectors = np.zeros((len(batch) + extra, n_finest), dtype="int64")
                for i, target in enumerate(batch.tolist()):
                    vectors[i, targets[target]] = 1
                noisy = np.arange(len(vectors)) >= len(batch)
                coefficients, exists = system.represent(vectors, rng if extra else None, noisy)
                if extra:
                    left_null = coefficients[len(batch) :]
                for i in range(len(batch)):
                    derivations[at + i] = (coefficients[i], bool(exists[i]))
            return derivations[at]

        # The repairs one audit after another would make, made here one after another:
        # each hides a cell and runs the rules (_fixpoint), and the next derivation is
        # worked out without the cells hidden so far (H) from the derivations above and
        # the random left null vectors, which span every combination of the shown cells
        # that adds up to nothing (their part on H included), but with chance about
        # p ** (|H| - _LEFT_NULL_SAMPLES). Targets before the one repaired were not
        # derivable and hiding cells keeps them so; a target is repaired until it is not.
        # The same cells are hidden as by one repair per audit; anything missed (a new
        # target, a rare unlucky sample) is found by the next audit, which is exact.
        saved = status.copy()
        hidden = np.zeros(len(visible), dtype=bool)
        culprits: list[int] = []
        at = 0
        while at < len(screened) and len(culprits) < _REPAIRS_PER_AUDIT:
            coefficients, exists = derivation(at)
            if not exists:  # checked exactly: the screen's rare false alarms stop here
                at += 1
                continue
            gone = np.flatnonzero(hidden)
            if len(gone):
                pivots, transform, rank = _eliminate(left_null[:, gone])
                wanted = (-coefficients[gone]) % _PRIME
                mix = wanted[pivots]
                echelon = _mulmod(transform[:rank], left_null[:, gone])
                if (_mulmod(mix[None, :], echelon)[0] != wanted).any():
                    at += 1  # no derivation avoids the hidden cells
                    continue
                coefficients = (
                    coefficients + _mulmod(_mulmod(mix[None, :], transform[:rank]), left_null)[0]
                ) % _PRIME
                kernel = transform[rank:]
            else:
                kernel = np.eye(len(left_null), dtype="int64")
            # A random combination of the shown cells adding up to nothing: a cell it
            # uses is in the span of the others, so hiding it alone loses nothing.
            draws = _mulmod(rng.integers(0, _PRIME, (_SAMPLES, len(kernel))), kernel)
            dependent = _mulmod(draws, left_null).any(axis=0)
            uses = coefficients != 0
            # Hiding a cell breaks this derivation exactly when the cell is needed: used
            # (non-zero coefficient) and outside the span of the other shown cells
            # (its coefficient is then the same in every derivation).
            needed = free & ~hidden & uses & ~dependent
            inside = np.zeros(n_finest, dtype=bool)
            inside[targets[screened[at]]] = True
            overlapping = np.zeros(len(visible), dtype=bool)
            overlapping[owner[inside[flat]]] = True
            overlapping &= ~hidden
            # A derivation may run through breakdown cells that do not contain the
            # group at all ("the organisation's social workers minus Children's"):
            # any shown breakdown cell, smallest first, before a total containing it.
            allowed = np.flatnonzero(needed & (~unit_total | overlapping))
            if len(allowed):
                row = min(allowed.tolist(), key=cost)
            else:
                pool = np.flatnonzero(free & overlapping).tolist()
                pool = pool or np.flatnonzero(free & ~hidden).tolist()
                if not pool:
                    at += 1
                    continue
                row = min(pool, key=cost)
            cell = int(visible[row])
            culprits.append(cell)
            before = status[visible].copy()
            status[cell] = _CODES[PROTECTS_SMALLER]
            self._fixpoint(set(self.partitions_of[cell]))
            now_hidden = np.flatnonzero(before != status[visible])
            hidden[now_hidden] = True
            appeared = False
            for r in now_hidden.tolist():
                key = self.members[visible[r]].tobytes()
                same_people[key] -= 1
                appeared = appeared or (same_people[key] == 0 and key in waiting)
            if appeared or hidden.sum() + _SAMPLES + _LEFT_NULL_MARGIN > len(left_null):
                break
        self._after_audit = (tuple(culprits), status.copy())
        status[:] = saved
        return culprits

    def frame(self) -> pd.DataFrame:
        cells = pd.DataFrame(self.keys, columns=list(DIMENSIONS))
        cells["respondents"] = self.counts
        cells["k"] = self.k
        cells["status"] = pd.Series([_NAMES[s] for s in self.status], dtype="str")
        return cells


def summarise_hidden(decisions: Iterable[Decision]) -> dict[str, int]:
    """How many teams (whole, unfiltered) and other breakdown cells are hidden."""
    teams = breakdowns = 0
    for decision in decisions:
        hidden = decision.hidden()
        hidden = hidden[hidden["respondents"] > 0]
        is_team = (hidden["team"] != ALL) & (
            hidden[[*SUB_FILTERS, *SENSITIVE_ATTRIBUTES]] == ALL
        ).all(axis=1)
        teams += int(is_team.sum())
        breakdowns += int((~is_team).sum())
    return {"teams": teams, "breakdowns": breakdowns}
