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
respondents must not lie in the span of the shown ones. Where it does, one
more cell is hidden (a breakdown cell before any whole team) and the rules
run again. Because the decision is made on
the whole cube, the same cell has the same status on every page, filter and
download. Query functions then look their rows up in the decision and blank
them through :func:`protect`.

The thresholds live here and in the store's settings table, nowhere else.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from queries import cache
from wellbeing import roles

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
    con.execute("begin transaction")
    try:
        for key, value in (
            ("min_group_size", new.min_group_size),
            ("sensitive_min_group_size", new.sensitive_min_group_size),
        ):
            con.execute(
                "insert or replace into settings (key, value) values ($key, $value)",
                {"key": key, "value": str(value)},
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
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

    def _cube_for(self, key: tuple[str, ...]) -> _Cube:
        return self.whole() if is_sensitive_key(key) else self._plain

    def whole(self) -> _Cube:
        """The cube with the sensitive breakdowns decided too."""
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


# The linear audit is exact. Over the team x role x career-stage cube its greedy
# repair hid whole organisations; with one sub-filter at a time (MAX_SUB_FILTERS)
# and a repair that hides breakdown cells (a role, a stage) before any team,
# service or the organisation, it closes what complementary suppression alone
# lets through (tests/test_privacy_attack.py) and keeps the teams of k or more.
AUDIT_BY_DEFAULT = True
# Its exact arithmetic grows with the cube's finest groups cubed: about 2 s at
# 850 groups (150 teams), 37 s at 1,400, two minutes at 2,200 on this machine.
# Larger cubes (an organisation of several hundred teams) are decided by the
# rules alone until the audit is made incremental; see the issue 6 notes.
AUDIT_MAX_FINEST_GROUPS = 1_000


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
    if digest in _DECISIONS:
        _DECISIONS.move_to_end(digest)
        return _DECISIONS[digest]
    plain = [p for p in view_patterns() if not set(p) & set(SENSITIVE_ATTRIBUTES)]
    coarse = frame.copy()
    coarse[list(SENSITIVE_ATTRIBUTES)] = ALL
    coarse = coarse.groupby(list(DIMENSIONS), as_index=False, sort=True)["respondents"].sum()
    first = _Cube(coarse, rules, plain)
    first.solve(audit=audit)
    decision = Decision(rules, first, frame, audit)
    _DECISIONS[digest] = decision
    while len(_DECISIONS) > _DECISIONS_KEPT:
        _DECISIONS.popitem(last=False)
    return decision


class _Cube:
    """Cells, the equations between them, and the fixpoint + audit that decides them."""

    def __init__(self, finest: pd.DataFrame, rules: Rules, patterns: list[tuple[str, ...]]) -> None:
        self.rules = rules
        self.weights = finest["respondents"].to_numpy(dtype="int64")
        keys: list[tuple[str, ...]] = []
        members: list[np.ndarray] = []
        cell_patterns: list[tuple[str, ...]] = []
        values = finest[list(DIMENSIONS)].to_numpy(dtype=object)
        for pattern in patterns:
            columns = [DIMENSIONS.index(d) for d in pattern]
            if columns:
                groups = finest.groupby(list(pattern), sort=True).indices
            else:
                groups = {(): np.arange(len(finest))}
            for group_rows in groups.values():
                key = [ALL] * len(DIMENSIONS)
                for c in columns:
                    key[c] = values[group_rows[0], c]
                keys.append(tuple(key))
                members.append(np.asarray(group_rows))
                cell_patterns.append(pattern)
        self.keys = keys
        self.members = members
        self.index = {key: i for i, key in enumerate(keys)}
        self.counts = np.array([int(self.weights[m].sum()) for m in members], dtype="int64")
        self.k = np.array(
            [
                rules.sensitive_min_group_size if is_sensitive_key(key) else rules.min_group_size
                for key in keys
            ],
            dtype="int64",
        )
        self.partitions = self._partitions(cell_patterns)
        self.partitions_of: list[list[int]] = [[] for _ in keys]
        for number, (parent, children) in enumerate(self.partitions):
            self.partitions_of[parent].append(number)
            for child in children:
                self.partitions_of[child].append(number)
        self.status = np.where(self.counts < self.k, _CODES[BELOW_K], _CODES[SHOWN])
        # Filter differencing depends on counts alone, so it is settled once.
        for i, key in enumerate(keys):
            parent = self._filter_parent(key)
            if parent >= 0 and self.status[i] == _CODES[SHOWN]:
                rest = self.counts[parent] - self.counts[i]
                if 0 < rest < self.k[i]:
                    self.status[i] = _CODES[PROTECTS_SMALLER]
        self.locked = np.zeros(len(keys), dtype=bool)
        breakdown = [DIMENSIONS.index(d) for d in (*SUB_FILTERS, *SENSITIVE_ATTRIBUTES)]
        self._is_unit_total = np.array(
            [all(key[p] == ALL for p in breakdown) for key in keys], dtype=bool
        )

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

    def _filter_parent(self, key: tuple[str, ...]) -> int:
        """The same cell without the role and career-stage filters, or -1."""
        positions = [DIMENSIONS.index(d) for d in SUB_FILTERS]
        if all(key[p] == ALL for p in positions):
            return -1
        parent = list(key)
        for p in positions:
            parent[p] = ALL
        return self.index.get(tuple(parent), -1)

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
                return
            pending = set()
            for cell in culprits:
                self.status[cell] = _CODES[PROTECTS_SMALLER]
                pending.update(self.partitions_of[cell])

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
        figures exactly when its vector lies in their span. For each revealed
        group, the smallest shown cell overlapping it is returned.
        """
        status = self.status
        visible = np.flatnonzero((status == _CODES[SHOWN]) & (self.counts > 0))
        n_finest = len(self.weights)
        if len(visible) == 0 or n_finest == 0:
            return []
        matrix = np.zeros((len(visible), n_finest), dtype=bool)
        for row, cell in enumerate(visible):
            matrix[row, self.members[cell]] = True
        # A hidden cell made of exactly the same people as a shown one (say,
        # everyone in a team left age blank) gives nothing away by being derived.
        shown_sets = {tuple(self.members[cell].tolist()) for cell in visible}
        targets: list[np.ndarray] = []
        for cell in np.flatnonzero(status != _CODES[SHOWN]):
            small = 0 < self.counts[cell] < self.k[cell]
            if small and tuple(self.members[cell].tolist()) not in shown_sets:
                targets.append(self.members[cell])
        for j in np.flatnonzero(self.weights < self.rules.min_group_size):
            targets.append(np.array([j]))
        if not targets:
            return []
        vectors = np.zeros((len(targets), n_finest), dtype=bool)
        for row, finest_members in enumerate(targets):
            vectors[row, finest_members] = True
        derivable = derivable_rows(vectors, matrix)
        if not derivable.any():
            return []
        # Hide a shown cell whose removal actually breaks the derivation of the
        # first revealed group: the smallest such. Hiding merely the smallest
        # overlapping cell can leave the derivation intact and cascade upwards.
        first = int(np.flatnonzero(derivable)[0])
        free = ~self.locked[visible]
        overlapping = np.flatnonzero(free & matrix[:, targets[first]].any(axis=1))

        # Breakdown cells (a role, a career stage, a sensitive group) go before
        # whole teams, services and the organisation: hiding a team's "managers"
        # costs a reader far less than hiding the team.
        def cost(r: int) -> tuple[bool, int, int]:
            return (self._is_unit_total[visible[r]], int(self.counts[visible[r]]), r)

        candidates = sorted(overlapping.tolist(), key=cost)
        # A derivation may run through breakdown cells that do not contain the
        # group at all ("the organisation's social workers minus Children's"):
        # try every shown breakdown cell, smallest first, before any total.
        breakdowns = sorted(
            (r for r in np.flatnonzero(free).tolist() if not self._is_unit_total[visible[r]]),
            key=cost,
        )
        for row in [*breakdowns, *(r for r in candidates if self._is_unit_total[visible[r]])]:
            without = np.delete(matrix, row, axis=0)
            if not derivable_rows(vectors[first : first + 1], without)[0]:
                return [int(visible[row])]
        pool = candidates or np.flatnonzero(free).tolist()
        if not pool:
            return []
        culprits = {int(visible[min(pool, key=cost)])}
        return sorted(culprits)

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


def derivable_rows(targets: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """For each 0/1 row of ``targets``: is it a linear combination of the rows of ``visible``?

    Both are over the same columns (finest groups or respondents). Columns no
    visible row tells apart are merged first (a derivable set must take all
    of such a block or none of it). A vector lies in the row space exactly
    when it is orthogonal to the null space, which is one matrix product.
    """
    targets = np.asarray(targets, dtype=bool)
    visible = np.asarray(visible, dtype=bool)
    if len(targets) == 0:
        return np.zeros(0, dtype=bool)
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
    counts = out[count_column].fillna(0).astype("int64")
    status = pd.Series(SHOWN, index=out.index, dtype="str")
    status[counts < k] = BELOW_K
    if statuses is not None:
        engine = statuses.reindex(out.index).fillna(BELOW_K).astype("str")
        status[(status == SHOWN) & (engine != SHOWN)] = engine[
            (status == SHOWN) & (engine != SHOWN)
        ]
        status[(status == SHOWN) & (engine == NO_DATA)] = BELOW_K
    status[counts == 0] = NO_DATA
    if parent_count_column is not None:
        rest = out[parent_count_column].fillna(0).astype("int64") - counts
        status[(status == SHOWN) & (rest > 0) & (rest < k)] = PROTECTS_SMALLER
    codes = status.map(lambda s: _CODES.get(s, -1)).to_numpy(dtype="int64", copy=True)
    count_array = counts.to_numpy(dtype="int64")
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
            _suppress_complement_rows(codes, count_array, k_array, occupied)
            changed = changed or bool((before != codes).any())
    for position, code in enumerate(codes):
        if code == _CODES[PROTECTS_SMALLER] and status.iat[position] == SHOWN:
            status.iat[position] = PROTECTS_SMALLER
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
