"""The confidentiality engine: every survey figure passes here before it is shown.

Rules (DESIGN.md section 4):

1. Minimum group size ``k`` on distinct respondents: below it, neither the
   score nor the count is shown ("fewer than k"), distinct from "no data".
2. Complementary suppression: within any breakdown a reader can see the total
   of, the hidden remainder is either empty or at least ``k`` respondents, so
   nobody can subtract their way to a hidden group. This includes the
   team -> service -> organisation hierarchy and the breakdown of a group by a
   filter's values (the role filter's values add up to the team).
3. Filter differencing: with filters applied, the filtered group and its
   complement inside the unfiltered parent are each empty or at least ``k``.
4. Sensitive attributes (ethnicity, gender, disability, age band) use the
   stricter ``k``, and at most two attributes are crossed at once.
5. Waves are decided one at a time: a team below ``k`` in a wave is hidden in
   that wave whatever it showed before.

How. Every figure a leader can reach is a *cell* of one wave's cube: a unit
(organisation, a service or a team) crossed with at most one of the role and
career-stage filters, or with at most two attributes when one is sensitive. The
engine (:func:`decide`) takes the distinct respondents of every finest group
of a wave, applies rules 1-4 to the whole cube at once until nothing changes,
and then audits the result the way an attacker would: every figure shown is a
linear equation over the finest groups, and a hidden group with fewer than k
respondents must not lie in the span of the shown ones. Where it does, a
cell that derivation needs is hidden (a breakdown cell before any whole
team) and the rules run again. Because the decision is made on the whole
cube, the same cell has the same status on every page, filter and download.
Query functions then look their rows up in the decision and blank them
through :func:`protect`.

The thresholds live here and in the store's settings table, nowhere else.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from queries import cache
from wellbeing import store
from wellbeing.core import roles

DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_SENSITIVE_MIN_GROUP_SIZE = 10
LOWEST_ALLOWED_MIN_GROUP_SIZE = 3
HIGHEST_ALLOWED_MIN_GROUP_SIZE = 10
# The stricter k may not be laxer than k itself, and above this it would hide
# every breakdown of all but the largest organisations.
HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE = 20
MAX_CROSSED_ATTRIBUTES = 2
# A leader filters by role OR by career stage, never both: the role x stage
# table of every team, service and the organisation, next to each of its
# margins, let small groups be solved for (tests/privacy_attack.py found 1-person
# groups such as "role not stated, newly qualified"). Commercial platforms limit
# crossing the same way (Viva Glint: one filter; Peakon: no overlapping segments).
MAX_SUB_FILTERS = 1

SHOWN = "shown"
BELOW_K = "below_k"
PROTECTS_SMALLER = "protects_smaller"
NO_DATA = "no_data"
STATUSES = (SHOWN, BELOW_K, PROTECTS_SMALLER, NO_DATA)

# Respondent attributes a figure can be broken down or filtered by. ``team``
# always comes with its ``service`` (the hierarchy), so a cell naming a team
# names its service too.
UNIT_DIMENSIONS = ("service", "team")
SUB_FILTERS = ("role", "career_stage")
SENSITIVE_ATTRIBUTES = ("ethnicity", "gender", "disability", "age_band")
DIMENSIONS = (*UNIT_DIMENSIONS, *SUB_FILTERS, *SENSITIVE_ATTRIBUTES)
# "Every value" in a cell key. Not a string a survey export can contain.
ALL = "\x00all"
NOT_STATED = "Not stated"


@dataclass(frozen=True)
class Rules:
    """The thresholds in force for this installation."""

    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    sensitive_min_group_size: int = DEFAULT_SENSITIVE_MIN_GROUP_SIZE

    def __post_init__(self) -> None:
        problem = rules_problem(self)
        if problem:
            raise ValueError(problem)


def rules_problem(rules: Rules) -> str | None:
    """Why these thresholds cannot be used, in one sentence, or None when they can."""
    k, sensitive = rules.min_group_size, rules.sensitive_min_group_size
    if not LOWEST_ALLOWED_MIN_GROUP_SIZE <= k <= HIGHEST_ALLOWED_MIN_GROUP_SIZE:
        return (
            f"The minimum group size must be between {LOWEST_ALLOWED_MIN_GROUP_SIZE} and "
            f"{HIGHEST_ALLOWED_MIN_GROUP_SIZE} respondents (you asked for {k}): below "
            f"{LOWEST_ALLOWED_MIN_GROUP_SIZE} individual answers can be recognised, above "
            f"{HIGHEST_ALLOWED_MIN_GROUP_SIZE} most teams would vanish."
        )
    if not k <= sensitive <= HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE:
        return (
            f"The minimum group size for sensitive attributes must be between the ordinary one "
            f"({k}) and {HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE} respondents (you asked for "
            f"{sensitive}): it protects ethnicity, gender, disability and age at least as "
            "strictly as teams."
        )
    return None


def rules(con: duckdb.DuckDBPyConnection) -> Rules:
    """The thresholds HR has set, or the defaults."""
    rows = dict(
        con.execute(
            "select key, value from settings where key in "
            "('min_group_size', 'sensitive_min_group_size')"
        ).fetchall()
    )
    return Rules(
        min_group_size=int(rows.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
        sensitive_min_group_size=int(
            rows.get("sensitive_min_group_size", DEFAULT_SENSITIVE_MIN_GROUP_SIZE)
        ),
    )


def save_rules(con: duckdb.DuckDBPyConnection, new: Rules) -> None:
    """Store HR's thresholds (validated when ``new`` was built), both or neither."""
    with store.transaction(con):
        for key, value in (
            ("min_group_size", new.min_group_size),
            ("sensitive_min_group_size", new.sensitive_min_group_size),
        ):
            con.execute(
                "insert or replace into settings (key, value) values ($key, $value)",
                {"key": key, "value": str(value)},
            )
    cache.forget_version(con)


def status_text(status: str, k: int) -> str:
    """What a hidden or empty cell says on screen."""
    return {
        SHOWN: "",
        BELOW_K: f"fewer than {k} responses",
        PROTECTS_SMALLER: "hidden to protect a smaller group",
        NO_DATA: "no data",
    }[status]


def status_explanation(status: str, k: int) -> str:
    """The hover text that explains a hidden cell."""
    return {
        SHOWN: "",
        BELOW_K: (
            f"Fewer than {k} people answered, so no score or count is shown: "
            "with so few, individual answers could be recognised."
        ),
        PROTECTS_SMALLER: (
            f"Hidden so that a smaller group (fewer than {k}) cannot be worked out by "
            "subtracting the figures that are shown from a total."
        ),
        NO_DATA: "Nobody in this group answered these questions.",
    }[status]


def crossed_attributes(dimensions: Iterable[str]) -> tuple[str, ...]:
    """The attributes a cell crosses: a team or service counts as one, like any attribute."""
    named = set(dimensions)
    crossed = [d for d in (*SUB_FILTERS, *SENSITIVE_ATTRIBUTES) if d in named]
    if named & set(UNIT_DIMENSIONS):
        crossed.insert(0, "team" if "team" in named else "service")
    return tuple(crossed)


def sub_filter_problem(*, role: object, career_stage: object) -> str | None:
    """Why these role and career-stage filters cannot be applied together, or None."""
    if role is not None and career_stage is not None:
        return (
            "Filter by role or by career stage, not both at once: crossing the two "
            "would let small groups (a single newly qualified manager, say) be worked out "
            "from the totals. Clear one of the two filters."
        )
    return None


def check_crossing(dimensions: Iterable[str]) -> None:
    """Refuse a breakdown that crosses a sensitive attribute with more than one other."""
    crossed = crossed_attributes(dimensions)
    if any(d in SENSITIVE_ATTRIBUTES for d in crossed) and len(crossed) > MAX_CROSSED_ATTRIBUTES:
        raise ValueError(
            f"At most {MAX_CROSSED_ATTRIBUTES} attributes can be crossed at once when one of "
            f"them is sensitive, so that small groups cannot be singled out "
            f"({', '.join(crossed)} were asked for). Clear a filter or an attribute."
        )


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


_CODES = {SHOWN: 0, BELOW_K: 1, PROTECTS_SMALLER: 2}
_NAMES = {code: name for name, code in _CODES.items()}
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


# Arithmetic modulo a prime keeps the rank test exact and free of the
# multithreaded floating-point linear algebra that crawls on a busy two-core
# server. The prime is small enough that a product of two residues summed over
# thousands of columns stays inside int64, so the final test is one integer
# matrix product. A figure derivable over the rationals stays derivable modulo
# p unless p divides a denominator of the solution (a chance of about one in
# a million per system); the reverse error only hides more than needed.
_PRIME = 1_048_573


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


# --- The audit at scale: the same span test, one team at a time --------------
#
# Every finest group belongs to one team, every team to one service. A shown
# cell whose groups all lie in one team is that team's equation; one spanning
# teams of a service is the service's; the rest (the organisation, its roles
# and stages, a sensitive group across services) are the organisation's. The
# shown cells' null space is then built bottom-up: a team's null space N_t
# (its groups minus its local rank, a handful of dimensions), a service's as
# N_t applied to the null space of its own equations written in the teams'
# null-space coordinates, and the organisation's likewise. A group is
# derivable exactly when it is orthogonal to that null space. Nothing larger
# than (a level's own equations) x (its children's null-space dimensions) is
# ever eliminated, so a cube of 400 teams is a few hundred small eliminations
# and one of a few hundred rows, where the dense test was one of thousands.

# Columns of one elimination step: E (rows x rows) times this many columns of
# the equations at a time (left-looking), so a wide level costs matrix products.
_ELIMINATION_CHUNK = 512
# Float64 products of residues stay exact while (p - 1)^2 times the terms summed
# is below 2^53: sum at most this many at once, then reduce.
_EXACT_TERMS = (1 << 53) // ((_PRIME - 1) ** 2)
# Below this many multiply-adds, numpy's int64 product beats converting to float.
_SMALL_PRODUCT = 5_000_000
# A node's reduced equations with more entries than this are kept as two factors.
_FACTORED_REDUCED = 2_000_000
# Random null-space and left-null-space vectors per audit. A group that is not
# derivable is orthogonal to one by chance once in p (about one in a million),
# to all of them once in p ** _SAMPLES; a cell in the span of the others is
# missed by all the left null vectors as rarely. Either error errs one way
# only: a group that looks derivable gets its derivation worked out exactly
# before anything is hidden for it, and a dependency missed makes the repair
# hide a cell in vain (the next audit sees the group again). No derivable
# group is ever missed. The seed is fixed, so the same counts give the same
# decision everywhere.
_SAMPLES = 3
_SEED = 20261125
# Repairs one audit makes one after another (the rules run after each), as many
# audits in a row would; the derivations are worked out this many targets at a
# time, and the cells hidden in between are taken out of them with this many
# random left null vectors, less a margin (see _Cube.audit).
_REPAIRS_PER_AUDIT = 64
_REPAIR_BATCH = 64
_LEFT_NULL_SAMPLES = 128
_LEFT_NULL_MARGIN = 8


def _mulmod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b modulo the prime, exactly, for residues a and b.

    In int64 a sum of up to 2^63 / p^2 (millions of) products is exact, which is
    quickest for small blocks; a large product goes to float64 (BLAS) in chunks
    of terms whose sums stay exact.
    """
    inner = a.shape[1]
    if inner == 0:
        return np.zeros((a.shape[0], b.shape[1]), dtype="int64")
    if a.shape[0] * inner * b.shape[1] < _SMALL_PRODUCT:
        return (a.astype("int64", copy=False) @ b.astype("int64", copy=False)) % _PRIME
    total = np.zeros((a.shape[0], b.shape[1]), dtype="float64")
    for start in range(0, inner, _EXACT_TERMS - 1):
        part = a[:, start : start + _EXACT_TERMS - 1].astype("float64") @ b[
            start : start + _EXACT_TERMS - 1
        ].astype("float64")
        total = np.fmod(total + np.fmod(part, _PRIME), _PRIME)
    return total.astype("int64")


def _eliminate(equations: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(pivot columns, E, rank) with E @ equations in reduced row echelon form mod p.

    E is invertible; its first ``rank`` rows give the pivot rows (identity on
    the pivot columns), the others span the left null space (combinations of
    the equations that add up to nothing).
    """
    n_rows, n_columns = equations.shape
    transform = np.eye(n_rows, dtype="int64")
    pivots: list[int] = []
    rank = 0
    for start in range(0, n_columns, _ELIMINATION_CHUNK):
        if rank == n_rows:
            break
        block = _mulmod(transform, equations[:, start : start + _ELIMINATION_CHUNK])
        for column in range(block.shape[1]):
            if rank == n_rows:
                break
            candidates = np.flatnonzero(block[rank:, column])
            if len(candidates) == 0:
                continue
            chosen = rank + int(candidates[0])
            if chosen != rank:
                transform[[rank, chosen]] = transform[[chosen, rank]]
                block[[rank, chosen]] = block[[chosen, rank]]
            inverse = pow(int(block[rank, column]), _PRIME - 2, _PRIME)
            transform[rank] = (transform[rank] * inverse) % _PRIME
            block[rank] = (block[rank] * inverse) % _PRIME
            factors = block[:, column].copy()
            factors[rank] = 0
            touched = np.flatnonzero(factors)
            if len(touched):
                transform[touched] = (
                    transform[touched] - np.outer(factors[touched], transform[rank])
                ) % _PRIME
                block[touched] = (block[touched] - np.outer(factors[touched], block[rank])) % _PRIME
            pivots.append(start + column)
            rank += 1
    return np.array(pivots, dtype=np.intp), transform, rank


class _Node:
    """One team, service or the organisation: its own equations, reduced.

    Columns ``lo:hi`` (in the system's order) are its finest groups. Its
    *coordinates* are its finest groups (a team) or its children's null-space
    coordinates side by side (a service, the organisation). Its equations are
    its own shown cells (``cells``) in those coordinates; ``transform`` (E)
    brings them to reduced echelon form, whose pivot rows restricted to the
    ``free`` (non-pivot) coordinates are ``reduced``. The free coordinates are
    its null-space coordinates: a null-space vector with free part y has
    -reduced @ y on the pivots.
    """

    def __init__(
        self,
        lo: int,
        hi: int,
        children: list[_Node],
        cells: np.ndarray,
        labels: np.ndarray | None = None,
    ) -> None:
        self.lo, self.hi = lo, hi
        self.children = children
        self.cells = cells  # its own rows (shown cells), 0/1 over lo:hi
        self.rows = np.arange(len(cells))  # their numbers in the system (set by the system)
        # Rows of the parent's equations already projected here, by cell (label): a
        # repair rebuilds the organisation, whose other children stay as they were.
        self._projected: dict[int, np.ndarray] = {}
        if children:
            equations = np.concatenate(
                [c._project_rows(cells[:, c.lo - lo : c.hi - lo], labels) for c in children],
                axis=1,
            )
        else:
            equations = cells.astype("int64")
        self.pivots, self.transform, self.rank = _eliminate(equations)
        self.width = width = equations.shape[1]
        is_free = np.ones(width, dtype=bool)
        is_free[self.pivots] = False
        self.free = np.flatnonzero(is_free)
        self.dimension = len(self.free)
        # Some combination of the rows below adds up to nothing (a random left
        # null vector has something to draw here).
        self.slack = self.rank < len(cells) or any(c.slack for c in children)
        # reduced = transform[:rank] @ equations[:, free]; kept as those two factors
        # where it would be large (the organisation: a few hundred rows by thousands
        # of coordinates), since it is only ever multiplied by a few vectors.
        self.reduced: np.ndarray | None = None
        self._factors: tuple[np.ndarray, np.ndarray] | None = None
        if self.rank * self.dimension > _FACTORED_REDUCED:
            self._factors = (self.transform[: self.rank], equations[:, self.free])
        else:
            self.reduced = _mulmod(self.transform[: self.rank], equations[:, self.free])

    def _times_reduced(self, z: np.ndarray) -> np.ndarray:
        """z (batch x rank) @ reduced."""
        if self._factors is None:
            return _mulmod(z, self.reduced)
        transform, free_equations = self._factors
        return _mulmod(_mulmod(z, transform), free_equations)

    def _reduced_times(self, y: np.ndarray) -> np.ndarray:
        """reduced @ y (dimension x batch)."""
        if self._factors is None:
            return _mulmod(self.reduced, y)
        transform, free_equations = self._factors
        return _mulmod(transform, _mulmod(free_equations, y))

    def _project_rows(self, rows: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
        """:meth:`project` of a parent's rows, reusing those (by label) projected before."""
        if labels is None:
            return self.project(rows)
        keys = labels.tolist()
        missing = [i for i, key in enumerate(keys) if key not in self._projected]
        if missing:
            for i, row in zip(missing, self.project(rows[missing]), strict=True):
                self._projected[keys[i]] = row
        if not keys:
            return np.zeros((0, self.dimension), dtype="int64")
        return np.stack([self._projected[key] for key in keys])

    def _coordinates(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors over lo:hi in this node's coordinates (batch x coordinates)."""
        if not self.children:
            return vectors.astype("int64") % _PRIME
        return np.concatenate(
            [c.project(vectors[:, c.lo - self.lo : c.hi - self.lo]) for c in self.children],
            axis=1,
        )

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Vectors over lo:hi times this node's null-space basis (batch x dimension)."""
        z = self._coordinates(vectors)
        if self.rank == 0:
            return z
        return (z[:, self.free] - self._times_reduced(z[:, self.pivots])) % _PRIME

    def lift(self, free_part: np.ndarray) -> np.ndarray:
        """Null-space vectors over lo:hi (columns) from their free coordinates."""
        z = np.zeros((self.width, free_part.shape[1]), dtype="int64")
        z[self.free] = free_part
        if self.rank:
            z[self.pivots] = (-self._reduced_times(free_part)) % _PRIME
        if not self.children:
            return z
        parts, at = [], 0
        for child in self.children:
            parts.append(child.lift(z[at : at + child.dimension]))
            at += child.dimension
        return np.concatenate(parts, axis=0)

    def represent(
        self,
        vectors: np.ndarray,
        out: np.ndarray,
        rng: np.random.Generator | None,
        noisy: np.ndarray,
    ) -> np.ndarray:
        """Write into ``out`` (batch x system rows) coefficients of this subtree's rows that add
        up to each vector; True where they exist. For the ``noisy`` vectors, a uniformly
        random such combination (of the zero vector: a random left null vector)."""
        if not (self.slack and rng is not None and noisy.any()) and not vectors.any():
            return np.ones(len(vectors), dtype=bool)
        z = self._coordinates(vectors)
        if self.rank:
            residual = (z[:, self.free] - self._times_reduced(z[:, self.pivots])) % _PRIME
            coefficients = _mulmod(z[:, self.pivots], self.transform[: self.rank])
        else:
            residual = z
            coefficients = np.zeros((len(vectors), len(self.rows)), dtype="int64")
        ok = ~residual.any(axis=1)
        if rng is not None and self.rank < len(self.rows) and noisy.any():
            noise = rng.integers(0, _PRIME, (len(vectors), len(self.rows) - self.rank))
            noise[~noisy] = 0
            coefficients = (coefficients + _mulmod(noise, self.transform[self.rank :])) % _PRIME
        out[:, self.rows] = coefficients
        if self.children:
            rest = (vectors - _mulmod(coefficients, self.cells)) % _PRIME
            for child in self.children:
                part = rest[:, child.lo - self.lo : child.hi - self.lo]
                ok &= child.represent(part, out, rng, noisy)
        return ok


class _BlockSystem:
    """The span of some 0/1 rows over columns grouped in nested blocks (service, team).

    ``groups`` (columns x levels) labels each column, outermost level first; a
    row belongs to the deepest block holding all of its columns. ``labels``
    name the rows (the cube's cell numbers) so that ``cache`` (a dict kept
    between audits of one cube) can reuse every block whose rows did not
    change: a repair hides one cell, so the next audit redoes one team, its
    service and the organisation.
    """

    def __init__(
        self,
        rows: list[np.ndarray],
        n_columns: int,
        groups: np.ndarray,
        *,
        labels: np.ndarray | None = None,
        cache: dict | None = None,
    ) -> None:
        groups = np.asarray(groups).reshape(n_columns, -1)
        levels = groups.shape[1]
        # Each level's blocks numbered 0.. (a team code says its service too), and the
        # columns put block by block, so that every block is a contiguous range.
        codes = np.zeros((n_columns, levels + 1), dtype="int64")
        numbered = np.zeros((n_columns, levels), dtype="int64")
        for level in range(levels):
            numbered[:, level] = np.unique(groups[:, level], return_inverse=True)[1].reshape(-1)
        for level in range(levels):
            _, inverse = np.unique(numbered[:, : level + 1], axis=0, return_inverse=True)
            codes[:, level + 1] = inverse.reshape(-1)
        self.order = np.lexsort(codes[:, ::-1].T) if n_columns else np.zeros(0, dtype=np.intp)
        self.position = np.empty(n_columns, dtype=np.intp)
        self.position[self.order] = np.arange(n_columns)
        codes = codes[self.order]
        self.n_columns = n_columns
        self.n_rows = len(rows)
        positions = [self.position[np.asarray(r, dtype=np.intp)] for r in rows]
        # The block owning each row: the deepest level at which its columns agree.
        owner_level = np.zeros(len(rows), dtype="int64")
        owner_code = np.zeros(len(rows), dtype="int64")
        sizes = np.array([len(p) for p in positions], dtype="int64")
        filled = np.flatnonzero(sizes)
        if len(filled):
            flat = np.concatenate([positions[i] for i in filled])
            starts = np.r_[0, np.cumsum(sizes[filled])[:-1]]
            for level in range(1, levels + 1):
                low = np.minimum.reduceat(codes[flat, level], starts)
                high = np.maximum.reduceat(codes[flat, level], starts)
                same = low == high
                owner_level[filled[same]] = level
                owner_code[filled[same]] = low[same]
        self._owned: dict[tuple[int, int], list[int]] = {}
        for i, key in enumerate(zip(owner_level.tolist(), owner_code.tolist(), strict=True)):
            self._owned.setdefault(key, []).append(i)
        self._labels = np.arange(len(rows)) if labels is None else np.asarray(labels)
        self._old = cache if cache is not None else {}
        self._new: dict = {}
        self.root = self._build(0, 0, n_columns, codes, positions, levels)
        if cache is not None:  # keep only the blocks in use: a wide block is megabytes
            cache.clear()
            cache.update(self._new)

    def _build(self, level, lo, hi, codes, positions, levels) -> _Node:
        children = []
        if level < levels and hi > lo:
            column = codes[lo:hi, level + 1]
            starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]]) + lo
            ends = np.r_[starts[1:], hi]
            children = [
                self._build(level + 1, a, b, codes, positions, levels)
                for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
            ]
        code = int(codes[lo, level]) if hi > lo else 0
        mine = np.array(self._owned.get((level, code), []), dtype=np.intp)
        key = (level, lo, hi, self._labels[mine].tobytes(), tuple(id(c) for c in children))
        node = self._old.get(key)
        if node is None:
            cells = np.zeros((len(mine), hi - lo), dtype="int8")
            for row, i in enumerate(mine):
                cells[row, positions[i] - lo] = 1
            node = _Node(lo, hi, children, cells, self._labels[mine])
        node.rows = mine  # this system's numbering of the same rows
        self._new[key] = node
        return node

    def null_vectors(self, rng: np.random.Generator, count: int = _SAMPLES) -> np.ndarray:
        """Uniformly random vectors of the null space (columns x count, original column order)."""
        free_part = rng.integers(0, _PRIME, (self.root.dimension, count))
        return self.root.lift(free_part)[self.position]

    def screen(self, targets: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """Which targets (arrays of columns) may be derivable: every derivable one, and a
        non-derivable one with chance p ** -_SAMPLES."""
        x = self.null_vectors(rng)
        if not targets:
            return np.zeros(0, dtype=bool)
        ends = np.cumsum([len(t) for t in targets])
        running = np.cumsum(x[np.concatenate(targets).astype(np.intp)], axis=0)
        running = np.concatenate([np.zeros((1, x.shape[1]), dtype="int64"), running])
        sums = (running[ends] - running[np.r_[0, ends[:-1]]]) % _PRIME
        return ~sums.any(axis=1)

    def represent(
        self,
        vectors: np.ndarray,
        rng: np.random.Generator | None = None,
        noisy: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(coefficients over the rows, exists) for each vector (batch x original columns).

        Exact: ``exists`` is False unless the coefficients add up to the vector. With
        ``rng``, the ``noisy`` vectors (default all) get a uniformly random combination
        among all that add up to them; for the zero vector that is a random left null
        vector, non-zero on a row in the span of the others but with chance 1 / p.
        """
        vectors = np.asarray(vectors, dtype="int64")[:, self.order] % _PRIME
        out = np.zeros((len(vectors), self.n_rows), dtype="int64")
        if noisy is None:
            noisy = np.full(len(vectors), rng is not None)
        ok = self.root.represent(vectors, out, rng, np.asarray(noisy, dtype=bool))
        return out, ok


def _suppress_complement(
    status: np.ndarray,
    counts: np.ndarray,
    k: np.ndarray,
    parent: int,
    children: np.ndarray,
    locked: np.ndarray,
) -> list[int]:
    """Hide the smallest shown children until the hidden remainder is 0 or >= k.

    Also: a hidden parent whose children are all shown would be their sum, so
    one child is hidden with it; and under a shown parent a lone hidden child
    is the parent minus the rest, so a second is hidden with it (otherwise a
    cell hidden to protect a group in one breakdown is worked out in another,
    and the group with it: "Business, social workers" from the organisation's
    social workers minus the other services'). Returns the cells hidden.
    """
    hidden_now: list[int] = []
    shown = _CODES[SHOWN]
    threshold = int(k[children].max()) if len(children) else 0
    while True:
        occupied = children[counts[children] > 0]
        hidden = occupied[status[occupied] != shown]
        visible = occupied[(status[occupied] == shown) & ~locked[occupied]]
        remainder = int(counts[hidden].sum())
        parent_needs_cover = status[parent] != shown and counts[parent] > 0 and remainder == 0
        lone_hidden = status[parent] == shown and len(hidden) == 1
        if not (0 < remainder < threshold or parent_needs_cover or lone_hidden) or not len(visible):
            return hidden_now
        smallest = min(visible.tolist(), key=lambda c: (counts[c], c))
        status[smallest] = _CODES[PROTECTS_SMALLER]
        hidden_now.append(smallest)


def protect(
    frame: pd.DataFrame,
    *,
    k: int,
    value_columns: list[str],
    count_column: str = "respondents",
    parent_count_column: str | None = None,
    partitions: list[list[str]] | None = None,
    statuses: pd.Series | None = None,
) -> pd.DataFrame:
    """Apply the rules to aggregated rows and blank everything that may not be shown.

    Args:
        frame: one row per group, with its distinct-respondent count.
        k: the minimum group size in force.
        value_columns: the figures to blank when a row is hidden.
        count_column: distinct respondents behind each row.
        parent_count_column: respondents in the same group without the
            sub-filters (role, career stage...), for the differencing rule.
        partitions: lists of columns; rows sharing their values form a set
            whose total a reader can see (e.g. ``[["construct"], ["construct",
            "service"]]``), so the hidden part of each set must be 0 or >= k.
        statuses: the engine's verdict per row (from :func:`decide`, looked up
            by ``queries.survey.gate``). A row is shown only when the engine
            and the rules above both allow it: hiding more is always safe.

    Returns a copy with a ``status`` column (shown, below_k, protects_smaller,
    no_data); counts and values are null wherever status is not ``shown``.
    """
    out = frame.copy()
    # numpy arrays throughout: pages gate thousands of rows per click, and
    # pandas' per-operation overhead cost more than the rules.
    counts = out[count_column].fillna(0).astype("int64").to_numpy()
    status = np.full(len(out), SHOWN, dtype="object")
    status[counts < k] = BELOW_K
    if statuses is not None:
        engine = statuses.reindex(out.index).fillna(BELOW_K).astype("str").to_numpy(dtype="object")
        overruled = (status == SHOWN) & (engine != SHOWN)
        status[overruled] = engine[overruled]
        status[(status == SHOWN) & (engine == NO_DATA)] = BELOW_K
    status[counts == 0] = NO_DATA
    if parent_count_column is not None:
        rest = out[parent_count_column].fillna(0).astype("int64").to_numpy() - counts
        status[(status == SHOWN) & (rest > 0) & (rest < k)] = PROTECTS_SMALLER
    codes = np.array([_CODES.get(s, -1) for s in status], dtype="int64")
    k_array = np.full(len(out), k, dtype="int64")
    groups = [
        np.asarray(members)
        for columns in partitions or []
        for members in out.groupby(columns, dropna=False, sort=False).indices.values()
    ]
    changed = True
    while changed:  # one partition's suppression can break another's: repeat until stable
        changed = False
        for members in groups:
            occupied = members[codes[members] >= 0]
            before = codes.copy()
            _suppress_complement_rows(codes, counts, k_array, occupied)
            changed = changed or bool((before != codes).any())
    status[(codes == _CODES[PROTECTS_SMALLER]) & (status == SHOWN)] = PROTECTS_SMALLER
    status = pd.Series(status, index=out.index, dtype="str")
    counts = pd.Series(counts, index=out.index)
    hidden = status != SHOWN
    out["status"] = status
    out[count_column] = counts.astype("Int64").mask(hidden)
    for column in value_columns:
        out[column] = out[column].astype("Float64").mask(hidden)
    if parent_count_column is not None:
        out = out.drop(columns=[parent_count_column])
    # Last, after the rules ran on every team: a team manager keeps only their teams.
    return roles.only_visible_teams(out)


def _suppress_complement_rows(
    codes: np.ndarray, counts: np.ndarray, k: np.ndarray, members: np.ndarray
) -> None:
    """Within one set of rows, hide the smallest shown ones until the remainder is 0 or >= k."""
    while True:
        hidden = members[(codes[members] != _CODES[SHOWN]) & (counts[members] > 0)]
        visible = members[(codes[members] == _CODES[SHOWN]) & (counts[members] > 0)]
        remainder = int(counts[hidden].sum())
        if not 0 < remainder < int(k[members].max()) or len(visible) == 0:
            return
        smallest = min(visible.tolist(), key=lambda m: (counts[m], m))
        codes[smallest] = _CODES[PROTECTS_SMALLER]


def lookup_statuses(
    decision: Decision, keys: Iterable[tuple[str, ...]]
) -> tuple[list[str], list[int]]:
    """Statuses and engine counts for many cell keys."""
    found = [decision.lookup(key) for key in keys]
    return [s for s, _ in found], [n for _, n in found]


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
