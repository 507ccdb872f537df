"""One decision over everything a wave publishes.

Every set of respondents a figure can cover (everyone who responded, each
measure's scored respondents, the quadrants' respondents with both scores), in
this version of the wave and in every earlier version leaders were shown, is
decided together:

1. *primary*: a cell with fewer than its k respondents shows nothing; nor does
   a shown group smaller than ``alike_group_size`` whose members all answered
   alike (a share of 0% or 100%, an interval of zero width);
2. *complementary*: within every breakdown a reader can see the total of, the
   hidden remainder is empty or at least k; a filter's complement likewise;
3. *audit* (:mod:`wellbeing.privacy.audit`): no group of fewer than k is
   derivable from everything shown, per per-person quantity, across sets and
   versions, unions included; a cell a derivation needs is hidden, the
   cheapest first (a sensitive or role breakdown before a team, a team before
   a service, the organisation last), and the rules run again;
4. *give back*: each team or service hidden along the way is shown again when
   the rules and the audit still hold, so that no more is lost than needed.

Cells of earlier versions are fixed: what was shown stays known to readers.
A wave is decided in three stages (cells.LEVELS), each with the one before
fixed: the organisation, services and teams first; their role and career-stage
breakdowns next; the sensitive breakdowns (the equity view) last. So a
breakdown, and an equity chart, can never hide a team; and a page with no role
or stage filter waits only for the first stage (a second at 100,000
respondents, where the rest takes a minute). Each stage audits everything
readers were shown of earlier versions (their sensitive cells too, where any was
shown), so what a stage fixes cannot be left leaking by what the next one adds:
with every cell the next one adds hidden, what is shown is what the stage audited.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellbeing.privacy import audit
from wellbeing.privacy.cells import (
    ALL,
    LEVELS,
    SURVEY,
    TIER_TEAM,
    Cube,
    Groups,
    Layout,
    is_sensitive_key,
)
from wellbeing.privacy.rules import SHOWN, Rules
from wellbeing.privacy.span import KeptBlocks
from wellbeing.privacy.verdicts import CODE_BELOW_K as _BELOW_K
from wellbeing.privacy.verdicts import CODE_PROTECTS as _PROTECTS
from wellbeing.privacy.verdicts import CODE_SHOWN as _SHOWN
from wellbeing.privacy.verdicts import Part, Verdicts

# Unions matched by fingerprints: up to four atoms (every group of fewer than 5),
# while there are few enough small atoms to pair up (audit.MATCHED_ATOMS);
# larger unions are solved for (audit.smallest_union).
LARGEST_UNION = audit.LARGEST_UNION
# A family the audit cannot settle in time loses first its cells of the cheapest tier
# under this many times their k: the small cells are what make small groups.
UNSETTLED_SMALL_CELL = 4
# The families' equations kept between audits (so that an audit after a repair rebuilds
# only what changed) take at most this much memory. The plain cells' fit (10 MB at
# 100,000 respondents, half their audits finding them: 0.6 s of that step's 6 s); the
# equity breakdowns' do not (21 MB a family at 100,000 respondents, 190 MB at a million):
# memory a process takes afresh costs more than the rebuilding it saves. Kept whole, they
# made each 100,000-respondent wave's equity step 0.7-3 s slower and the newest
# million-respondent wave's 11-15 s slower, at a peak 2.1 GB higher.
KEPT_EQUATIONS_BYTES = 100_000_000


class Solver:
    """The rules, the audit and the repairs, on one cube."""

    def __init__(
        self,
        cube: Cube,
        families: dict[str, np.ndarray],
        *,
        locked: np.ndarray,
        locked_status: np.ndarray,
        largest_union: int,
    ) -> None:
        self.cube = cube
        self.families = families
        self.locked = locked
        self.largest_union = largest_union
        status = np.where(cube.count < cube.k, _BELOW_K, _SHOWN).astype(np.int8)
        status[(status == _SHOWN) & cube.alike] = _PROTECTS
        status[locked] = locked_status[locked]
        self.status = status
        self.rounds = 0
        self.unresolved: list[audit.Leak] = []
        # Families found clean, by the statuses of their cells then: audited again only
        # when one of those changes.
        self._clean: dict[str, bytes] = {}
        # Each family's equations, team by team, as last built: reused where unchanged.
        self._spans = KeptBlocks(KEPT_EQUATIONS_BYTES)
        self._cells_of: dict[bytes, np.ndarray] = {}
        # Each cell's place in the order cells are hidden, cheapest first: breakdown
        # cells before teams before services, then the smaller first. -1 for a cell
        # readers were shown before, which may not be taken back.
        order = np.lexsort((np.arange(len(cube)), cube.count, cube.tier))
        self._repair_rank = np.empty(len(cube), dtype=np.int64)
        self._repair_rank[order] = np.arange(len(cube))
        self._repair_rank[locked] = -1
        layout = cube.groups.layout
        columns = [layout.dimensions.index(d) for d in layout.sub_filters]
        self._filter_parent = np.full(len(cube), -1, dtype=np.int64)
        filtered = np.flatnonzero((cube.keys[:, columns] >= 0).any(axis=1)) if columns else []
        if len(filtered):
            keys = cube.keys[filtered].copy()
            keys[:, columns] = -1
            self._filter_parent[filtered] = cube.find(cube.set_of[filtered], keys)

    # --- the rules -----------------------------------------------------------------

    def fixpoint(self, status: np.ndarray, pending: set[int] | None = None) -> None:
        """Filter differencing, then complementary suppression until nothing changes."""
        cube = self.cube
        if pending is None:
            cells = np.flatnonzero(self._filter_parent >= 0)
            parents = self._filter_parent[cells]
            rest = cube.count[parents] - cube.count[cells]
            tighten = (status[cells] == _SHOWN) & (rest > 0) & (rest < cube.k[cells])
            status[cells[tighten & ~self.locked[cells]]] = _PROTECTS
            pending = set(range(len(cube.partitions)))
        while pending:
            parent, children = cube.partitions[pending.pop()]
            for cell in _suppress_complement(status, cube, parent, children, self._repair_rank):
                pending.update(cube.partitions_of[cell])

    # --- the audit and its repairs -------------------------------------------------

    def _hidden_targets(self, status: np.ndarray) -> np.ndarray:
        cube = self.cube
        return np.flatnonzero((status != _SHOWN) & (cube.count > 0) & (cube.count < cube.k))

    def leaks(
        self,
        status: np.ndarray,
        limit: int | None = None,
        known: dict[str, list[np.ndarray]] | None = None,
        derivations: dict[str, audit.RememberedDerivations] | None = None,
    ) -> list[audit.Leak]:
        """Leaks in the families whose cells changed since they were last found clean.

        ``known``, ``derivations``: see :func:`audit.find_leaks`; only while cells are
        being hidden.
        """
        cube = self.cube
        changed = {
            family: sets
            for family, sets in self.families.items()
            if self._clean.get(family) != self._signature(status, sets)
        }
        audited: list[str] = []
        found = audit.find_leaks(
            cube,
            status == _SHOWN,
            changed,
            union_k=cube.rules.min_group_size,
            hidden_targets=self._hidden_targets(status),
            largest_union=self.largest_union,
            limit=limit,
            audited=audited,
            known=known,
            derivations=derivations,
            spans=self._spans,
            repair_rank=self._repair_rank,
        )
        leaking = {leak.family for leak in found}
        for family in audited:
            if family not in leaking:
                self._clean[family] = self._signature(status, self.families[family])
        return found

    def _signature(self, status: np.ndarray, sets: np.ndarray) -> bytes:
        """What a family's audit depends on: the statuses of its sets' cells."""
        key = sets.tobytes()
        if key not in self._cells_of:
            self._cells_of[key] = np.flatnonzero(np.isin(self.cube.set_of, sets))
        return status[self._cells_of[key]].tobytes()

    def _repair(self, status: np.ndarray, leak: audit.Leak) -> bool:
        """Hide the cheapest cells that break every derivation of the leak together.

        A cell every derivation needs breaks them all, alone. When each has a stand-in
        (it follows from other shown cells), the audit's cut hides the cheapest one
        used, lets the rules hide what must go with it, then the cheapest cell the
        remaining derivations use, and so on, so what is hidden grows from breakdown
        cells up and reaches a team or a service only when nothing cheaper can stop
        the leak. Without a cut (the cells that could make one were shown before), the
        cheapest cell used is hidden and the next audit tells. Returns whether it hid
        anything: a leak an earlier repair of the round broke needs nothing more.
        """
        free = ~self.locked & (status == _SHOWN)
        if not leak.settled:
            return self._hide_cheapest_tier(status, leak.rows[free[leak.rows]])
        if leak.cut is not None:
            hidden = False
            while (cell := leak.cut.next_cell(status == _SHOWN)) is not None:
                self._hide(status, cell)
                hidden = True
            # Broken with nothing hidden here: an earlier repair of this round did it.
            if hidden or leak.cut.broken:
                return hidden
        choices = [c for c in leak.needed.tolist() if free[c]]
        if not choices:
            choices = [c for c in leak.rows.tolist() if free[c]]
        if not choices:
            return False
        self._hide(status, min(choices, key=lambda cell: self._repair_rank[cell]))
        return True

    def _hide(self, status: np.ndarray, cell: int) -> None:
        status[cell] = _PROTECTS
        self.fixpoint(status, set(self.cube.partitions_of[cell]))

    def _hide_cheapest_tier(self, status: np.ndarray, cells: np.ndarray) -> bool:
        """For a family the audit could not settle: hide its small cells of the cheapest
        tier (under 4k), else all of that tier, so that the next audit has fewer, larger
        groups to search (the sensitive breakdowns of a large organisation go first)."""
        if not len(cells):
            return False
        cube = self.cube
        cheapest = cells[cube.tier[cells] == cube.tier[cells].min()]
        small = cheapest[cube.count[cheapest] < UNSETTLED_SMALL_CELL * cube.k[cheapest]]
        chosen = small if len(small) else cheapest
        status[chosen] = _PROTECTS
        self.fixpoint(status, {p for c in chosen.tolist() for p in cube.partitions_of[c]})
        return True

    def solve(self) -> np.ndarray:
        status = self.status
        self.fixpoint(status)
        # Every group derivable as the repairs go on was derivable at the first audit.
        known: dict[str, list[np.ndarray]] = {}
        # And how each was derived: a family is often cleared after a repair from that
        # alone, where building its equations again took a quarter of a wave's step.
        derivations: dict[str, audit.RememberedDerivations] = {}
        while True:
            leaks = self.leaks(status, known=known, derivations=derivations)
            if not leaks:
                break
            self.rounds += 1
            touched: set[int] = set()
            repaired = False
            for leak in leaks:
                # One repair may close several leaks. A cut tells whether this one still
                # stands (and hides nothing if not); without one, the next audit tells.
                if leak.cut is None and touched & set(leak.rows.tolist()):
                    continue
                if self._repair(status, leak):
                    repaired = True
                    touched |= set(leak.rows.tolist())
            if not repaired:
                # Only cells readers were shown before give it away: nothing shown now
                # can take that back. Kept, so that the caller can say so.
                self.unresolved = leaks
                break
        self._give_back(status)
        self.status = status
        return status

    def _give_back(self, status: np.ndarray) -> None:
        """Show again each team or service hidden to protect others, where that is safe."""
        cube = self.cube
        hidden = np.flatnonzero(
            (status == _PROTECTS) & ~self.locked & (cube.tier >= TIER_TEAM) & ~cube.alike
        )
        for cell in sorted(hidden.tolist(), key=lambda c: (-cube.tier[c], -cube.count[c], c)):
            if status[cell] != _PROTECTS:
                continue
            trial = status.copy()
            trial[cell] = _SHOWN
            before = trial.copy()
            self.fixpoint(trial, set(cube.partitions_of[cell]))
            changed = np.flatnonzero(before != trial)
            # The rules may hide cheaper cells instead, never one of its rank or above.
            if trial[cell] != _SHOWN or (cube.tier[changed] >= cube.tier[cell]).any():
                continue
            if not self.leaks(trial, limit=1):
                status[:] = trial


def _suppress_complement(
    status: np.ndarray, cube: Cube, parent: int, children: np.ndarray, rank: np.ndarray
) -> list[int]:
    """Hide the cheapest shown children (``rank``: the Solver's order, -1 for a cell
    that may not be hidden) until the hidden remainder is 0 or at least k.

    Also: a hidden parent whose children are all shown would be their sum, so
    one child is hidden with it; and under a shown parent a lone hidden child
    is the parent minus the rest, so a second is hidden with it.
    """
    counts = cube.count
    threshold = int(cube.k[children].max()) if len(children) else 0
    hidden_now: list[int] = []
    while True:
        occupied = children[counts[children] > 0]
        hidden = occupied[status[occupied] != _SHOWN]
        visible = occupied[(status[occupied] == _SHOWN) & (rank[occupied] >= 0)]
        remainder = int(counts[hidden].sum())
        parent_needs_cover = status[parent] != _SHOWN and counts[parent] > 0 and remainder == 0
        lone_hidden = status[parent] == _SHOWN and len(hidden) == 1
        if not (0 < remainder < threshold or parent_needs_cover or lone_hidden) or not len(visible):
            return hidden_now
        cheapest = int(visible[np.argmin(rank[visible])])
        status[cheapest] = _PROTECTS
        hidden_now.append(cheapest)


@dataclass(frozen=True)
class SetSpec:
    """A set of respondents figures are published for.

    ``reveals``: the per-person quantities its figures carry besides the count
    (a measure's score; the quadrants carry support and challenge).
    ``breakdowns``: whether its figures are also broken down by the sensitive
    attributes. ``answers``: the value columns that tell whether a cell's
    members all answered alike (see :class:`cells.Groups`).
    """

    name: str
    reveals: tuple[str, ...] = ()
    breakdowns: bool = False
    answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publication:
    """What readers were shown of an earlier version of the wave.

    The frame given to :func:`decide` has a membership column ``<set>@<tag>``
    for each set of that version; ``shown`` lists, per set, the keys of the
    cells that were shown.
    """

    tag: str
    shown: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)


class Decision:
    """Every cell of every set of one wave: shown, or hidden and why.

    The plain cells are decided on construction (or taken as given: ``plain``,
    verdicts kept from an earlier run of the same engine on the same data); the
    sensitive breakdowns when first asked for. What it decided reads as
    :class:`Verdicts` (:meth:`verdicts`), as the store keeps it.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        specs: Sequence[SetSpec],
        rules: Rules,
        *,
        history: Sequence[Publication] = (),
        layout: Layout = SURVEY,
        units: Part | None = None,
        plain: Part | None = None,
        values: Sequence[Sequence[str]] | None = None,
    ) -> None:
        self.rules = rules
        self.layout = layout
        past = [
            SetSpec(f"{spec.name}@{p.tag}", spec.reveals, spec.breakdowns)
            for p in history
            for spec in specs
            if f"{spec.name}@{p.tag}" in frame.columns
        ]
        current = [spec.name for spec in specs]
        shown_before = {f"{n}@{p.tag}": keys for p in history for n, keys in p.shown.items()}
        everything = [*specs, *past]
        # Sets of exactly the same people are one set, decided once. The current
        # version is never merged with an earlier one: it is decided afresh (a lower
        # k may show more), with what was shown before as fixed equations.
        representative: dict[bytes, int] = {}
        self._alias: dict[str, int] = {}
        kept: list[str] = []
        for spec in everything:
            is_past = spec.name not in current
            people = frame[spec.name].fillna(False).astype(bool).to_numpy()
            # A set of counts only is never merged with one of answers: it would take on
            # their "all alike" cells, which say nothing about how many responded.
            signature = bytes([is_past, bool(spec.answers)]) + np.packbits(people).tobytes()
            if signature not in representative:
                representative[signature] = len(kept)
                kept.append(spec.name)
            self._alias[spec.name] = representative[signature]
        answers: dict[str, list[str]] = {}
        breakdowns = [False] * len(kept)
        families: dict[str, set[int]] = {}
        for spec in everything:
            rep = self._alias[spec.name]
            breakdowns[rep] |= spec.breakdowns
            answers.setdefault(kept[rep], []).extend(
                a for a in spec.answers if a not in answers.get(kept[rep], [])
            )
            # A set's count, in this version and every earlier one, is one quantity.
            base = spec.name.split("@")[0]
            families.setdefault(f"count of {base}", set()).add(rep)
            for family in spec.reveals:
                families.setdefault(family, set()).add(rep)
        # Families over the same sets are one system, audited once.
        unique: dict[tuple[int, ...], str] = {}
        for family, sets in families.items():
            unique.setdefault(tuple(sorted(sets)), family)
        self._families = {family: np.array(sets) for sets, family in unique.items()}
        self._groups = Groups.from_frame(frame, kept, layout, answers, values)
        self._kept = kept
        self._breakdowns = breakdowns
        self._past = {self._alias[s.name] for s in past}
        self._shown_before = shown_before
        self._current_sets = sorted({self._alias[name] for name in current})
        if plain is None and units is None:
            units = Part.of(*self._solve(self._patterns("units"), None), self._current_sets)
        self._verdicts = Verdicts(
            layout=layout,
            values=self._groups.values,
            aliases={name: self._alias[name] for name in current},
            services=self._services(),
            units=units,
            plain=plain,
        )
        self._lock = threading.RLock()

    def _patterns(self, level: str) -> list[list[tuple[str, ...]]]:
        """Each set's patterns at a level. An earlier version's set has, at every level,
        the patterns of every cell readers were shown of it: its plain ones, and its
        sensitive ones too where any of those was shown."""
        seen_sensitive = {
            self._alias[name]
            for name, keys in self._shown_before.items()
            if name in self._alias and any(is_sensitive_key(tuple(k), self.layout) for k in keys)
        }
        patterns = []
        for s in range(len(self._kept)):
            if s in self._past:
                at = "whole" if s in seen_sensitive else "plain"
                at = at if LEVELS.index(at) > LEVELS.index(level) else level
            else:
                at = level
            patterns.append(self.layout.patterns(at, breakdowns=self._breakdowns[s]))
        return patterns

    def _services(self) -> dict[str, str]:
        """Each team's service in this wave (a team belongs to one: see wave_teams)."""
        groups, dimensions = self._groups, self.layout.dimensions
        if "team" not in dimensions or "service" not in dimensions:
            return {}
        team, service = dimensions.index("team"), dimensions.index("service")
        services: dict[str, str] = {}
        for t, s in groups.codes[:, [team, service]].tolist():
            services.setdefault(groups.values[team][t], groups.values[service][s])
        return services

    def _solve(self, patterns, fixed: Part | None) -> tuple[Cube, np.ndarray]:
        untold = {
            d
            for d in self.layout.dimensions
            if not self._groups.tells_apart(d)
            and any(d in pattern for pattern in itertools.chain(*patterns))
        }
        if untold:
            raise ValueError(
                f"these groups do not tell {', '.join(sorted(untold))} apart: "
                "decide these cells from the finest groups"
            )
        cube = Cube(self._groups, self.rules, patterns)
        locked = np.isin(cube.set_of, sorted(self._past))
        locked_status = np.where(locked, _PROTECTS, _SHOWN).astype(np.int8)
        for name, keys in self._shown_before.items():
            if name not in self._alias or not keys:
                continue
            codes = [self._groups.key_codes(tuple(key)) for key in keys]
            codes = [c for c in codes if c is not None]
            if codes:
                found = cube.find(np.full(len(codes), self._alias[name]), np.array(codes))
                locked_status[found[found >= 0]] = _SHOWN
        if fixed is not None:
            found = cube.find(fixed.set_of, fixed.keys)
            locked[found[found >= 0]] = True
            locked_status[found[found >= 0]] = fixed.status[found >= 0]
        solver = Solver(
            cube,
            self._families,
            locked=locked,
            locked_status=locked_status,
            largest_union=LARGEST_UNION,
        )
        return cube, solver.solve()

    def plain(self) -> Part:
        """The role and career-stage breakdowns decided too, every unit as first decided."""
        with self._lock:
            if self._verdicts.plain is None:
                units = self._verdicts.units
                if self.layout.unit_patterns() == self.layout.plain_patterns():
                    plain = units
                else:
                    cube, status = self._solve(self._patterns("plain"), units)
                    plain = Part.of(cube, status, self._current_sets)
                self._verdicts = self._verdicts.with_part("plain", plain)
            return self._verdicts.plain

    def whole(self) -> Part:
        """The sensitive breakdowns decided too, every plain cell as first decided."""
        with self._lock:
            if self._verdicts.whole is None:
                cube, status = self._solve(self._patterns("whole"), self.plain())
                whole = Part.of(cube, status, self._current_sets)
                self._verdicts = self._verdicts.with_part("whole", whole)
            return self._verdicts.whole

    def verdicts(self, *, sensitive: bool = False, level: str | None = None) -> Verdicts:
        """What was decided, at least to ``level`` (cells.LEVELS): by default the plain
        cells, the whole with ``sensitive``."""
        level = level or ("whole" if sensitive else "plain")
        if level == "whole":
            self.whole()
        elif level == "plain":
            self.plain()
        return self._verdicts

    def lookup(self, set_name: str, key: tuple[str, ...]) -> tuple[str, int]:
        """See :meth:`Verdicts.lookup`; the key's level is decided first."""
        key = tuple(key)
        return self.verdicts(level=self.layout.level_of(key)).lookup(set_name, key)

    def service_of(self, team: str) -> str | None:
        return self._verdicts.service_of(team)

    def statuses(self, set_names: Iterable[str], keys: Iterable[tuple[str, ...]]) -> list[str]:
        """See :meth:`Verdicts.statuses`; the keys' levels are decided first."""
        keys = [tuple(key) for key in keys]
        # All at once: key by key, a supervision month's 800 keys took 8 ms.
        named = np.array([[value != ALL for value in key] for key in keys], dtype=bool)
        deepest = int(self.layout.level_numbers(named).max()) if keys else 0
        return self.verdicts(level=LEVELS[deepest]).statuses(set_names, keys)

    def cells(self, *, sensitive: bool = True, level: str | None = None) -> pd.DataFrame:
        level = level or ("whole" if sensitive else "plain")
        return self.verdicts(level=level).cells(level=level)

    def shown_keys(
        self, *, sensitive: bool = False, level: str | None = None
    ) -> dict[str, list[tuple[str, ...]]]:
        level = level or ("whole" if sensitive else "plain")
        return self.verdicts(level=level).shown_keys(level=level)


def decide(
    frame: pd.DataFrame,
    specs: Sequence[SetSpec],
    rules: Rules,
    *,
    history: Sequence[Publication] = (),
    layout: Layout = SURVEY,
    units: Part | None = None,
    plain: Part | None = None,
    values: Sequence[Sequence[str]] | None = None,
) -> Decision:
    """Decide every cell of a wave's sets (see the module docstring).

    Args:
        frame: the wave's finest groups: the layout's dimensions (a blank value
            is ``NOT_STATED``), a boolean column per set (and per set of each
            earlier version, ``<set>@<tag>``), ``respondents``, and the value
            columns the specs name.
        specs: the sets figures are published for.
        rules: the thresholds in force.
        history: what readers were shown of earlier versions.
        units, plain: the units' or the plain cells' verdicts, when kept from an
            earlier decision of the same frame by the same engine: only the rest
            is decided, and only when asked for.
        values: each dimension's values in the wave, where the frame's groups leave
            out the dimensions the units' cells do not name (the groups of the units
            alone: far fewer than the finest, and quicker to decide and to gather).
            Such a decision goes no further than the units, and with no history;
            its verdicts read as those decided from the finest groups.
    """
    return Decision(
        frame,
        specs,
        rules,
        history=history,
        layout=layout,
        units=units,
        plain=plain,
        values=values,
    )


def decide_verdicts(
    frame: pd.DataFrame,
    specs: Sequence[SetSpec],
    rules: Rules,
    *,
    history: Sequence[Publication] = (),
    units: Part | None = None,
    plain: Part | None = None,
    level: str = "plain",
    values: Sequence[Sequence[str]] | None = None,
) -> Verdicts:
    """:func:`decide`'s verdicts to ``level`` (cells.LEVELS): what a process deciding a
    wave for the server hands back (queries/decisions.py)."""
    made = decide(frame, specs, rules, history=history, units=units, plain=plain, values=values)
    return made.verdicts(level=level)


def information_lost(decision: Decision | Verdicts) -> dict[str, int]:
    """Cells hidden and respondents in hidden cells, by kind of cell, over every set."""
    cells = decision.cells()
    layout = decision.layout
    hidden = cells[(cells["status"] != SHOWN) & (cells["respondents"] > 0)]
    named = hidden[list(layout.dimensions)] != ALL
    breakdown = named[[*layout.sub_filters, *layout.sensitive]].any(axis=1)
    kind = np.where(
        breakdown,
        "breakdowns",
        np.where(named["team"], "teams", np.where(named["service"], "services", "organisation")),
    )
    out: dict[str, int] = {}
    for name in ("teams", "services", "organisation", "breakdowns"):
        chosen = hidden[kind == name]
        out[f"{name}_hidden"] = len(chosen)
        out[f"{name}_respondents_hidden"] = int(chosen["respondents"].sum())
    return out
