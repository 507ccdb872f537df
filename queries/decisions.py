"""The confidentiality engine's decision for each wave, and what readers were shown of it.

For one wave, ``decision`` gathers its finest groups of respondents
(``wave_groups.sql``) for every set of respondents a figure can cover, adds
every earlier version of the wave that readers other than HR were shown
(``wave_publications``), and lets :func:`wellbeing.privacy.decide` decide every
cell together. Query functions look their rows up in it (``queries.survey.gate``).

``remember`` records what a reader other than HR is about to be shown, so that
a later import, withdrawal, restore or change of thresholds in that wave is
decided together with it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from queries import cache, settings, sql
from queries.cache import data_version
from wellbeing import privacy, store
from wellbeing.core import roles
from wellbeing.core.measures import AGREE_MIN_VALUE, HIGH_SCORE_CUTOFF, REPORTED_MONTHLY_BAND

RESPONDENTS_UNIVERSE = "respondents:{instrument}"
CONSTRUCT_UNIVERSE = "construct:{instrument}:{code}"
ITEM_UNIVERSE = "item:{code}"
SUPPORT_CHALLENGE_UNIVERSE = "support_challenge"
SUPPORT_CHALLENGE = ("support", "challenge")
# The items whose agreement a page shows, with the answer from which each counts
# as agreeing: the only items that are sets of their own.
PUBLISHED_ITEMS = {
    "STR2": AGREE_MIN_VALUE,
    "STR3": AGREE_MIN_VALUE,
    "SVF1": REPORTED_MONTHLY_BAND,
}
DIMENSIONS = list(privacy.DIMENSIONS)


@dataclass(frozen=True)
class Published:
    """One version of a wave as readers other than HR were shown it."""

    id: int
    uploads: tuple[int, ...]
    rules: privacy.Rules
    sensitive: bool
    shown: dict[str, list[tuple[str, ...]]]


def active_uploads(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> tuple[int, ...]:
    """The wave's active survey uploads: with the thresholds, what makes a version of it."""
    rows = con.execute(sql("wave_uploads"), {"wave_id": wave_id}).fetchall()
    return tuple(int(r[0]) for r in rows)


def published(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> list[Published]:
    """Every version of the wave readers other than HR were shown, oldest first."""
    rows = con.execute(sql("wave_publications"), {"wave_id": wave_id}).fetchall()
    out = []
    for number, uploads, k, sensitive_k, alike, sensitive, shown in rows:
        out.append(
            Published(
                id=int(number),
                uploads=tuple(int(u) for u in uploads.split(",") if u),
                rules=privacy.Rules(int(k), int(sensitive_k), int(alike)),
                sensitive=bool(sensitive),
                shown={
                    name: [tuple(key) for key in keys] for name, keys in json.loads(shown).items()
                },
            )
        )
    return out


def wave_frame(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    current: tuple[int, ...],
    history: list[Published],
) -> tuple[pd.DataFrame, list[privacy.SetSpec]]:
    """The wave's finest groups with a column per set, and the sets' specifications.

    A set's column says who is in it now; ``<set>@<publication id>`` who was in it
    in a version readers were shown (by the uploads active then).
    """
    uploads = sorted(set(current).union(*(p.uploads for p in history)))
    params = {
        "wave_id": wave_id,
        "uploads": uploads,
        "high_cutoff": HIGH_SCORE_CUTOFF,
        "items": list(PUBLISHED_ITEMS),
        "agree_from": [float(v) for v in PUBLISHED_ITEMS.values()],
    }
    long = con.execute(sql("wave_groups"), params).df()
    keys = [*DIMENSIONS, "upload_id"]
    if long.empty:
        return pd.DataFrame(columns=[*keys, "respondents"]), []
    long["pattern"] = long["universes"].map(tuple)
    groups = long.drop_duplicates([*keys, "pattern"])[[*keys, "pattern", "respondents"]]
    groups = groups.reset_index(drop=True)
    index = pd.MultiIndex.from_frame(groups[[*keys, "pattern"]])
    position = index.get_indexer(pd.MultiIndex.from_frame(long[[*keys, "pattern"]]))
    universes = sorted(long["universe"].unique())
    columns: dict[str, np.ndarray] = {}
    for universe in universes:
        rows = (long["universe"] == universe).to_numpy()
        member = np.zeros(len(groups), dtype=bool)
        member[position[rows]] = True
        columns[universe] = member
        for name, values in (("high", long["high"]), ("low", long["low"]), ("top", long["top"])):
            column = np.full(len(groups), np.nan)
            column[position[rows]] = values.to_numpy(dtype=float, na_value=np.nan)[rows]
            columns[f"{universe}:{name}"] = column
    upload = groups["upload_id"].to_numpy()
    now = np.isin(upload, list(current))
    for universe in universes:
        member = columns[universe]
        columns[universe] = member & now
        for past in history:
            columns[f"{universe}@{past.id}"] = member & np.isin(upload, list(past.uploads))
    frame = pd.concat([groups, pd.DataFrame(columns)], axis=1)
    specs = [_spec(universe) for universe in universes]
    return frame, specs


def _spec(universe: str) -> privacy.SetSpec:
    """What a set's figures carry: the measure (or item) it scores, its breakdowns."""
    if universe.startswith("respondents:"):
        return privacy.SetSpec(universe, breakdowns=True)
    if universe == SUPPORT_CHALLENGE_UNIVERSE:
        reveals = tuple(
            CONSTRUCT_UNIVERSE.format(instrument="default", code=c) for c in SUPPORT_CHALLENGE
        )
        return privacy.SetSpec(universe, reveals=reveals, answers=(universe,))
    if universe.startswith("item:"):
        return privacy.SetSpec(universe, reveals=(universe,), answers=(universe,))
    return privacy.SetSpec(universe, reveals=(universe,), breakdowns=True, answers=(universe,))


_DECISIONS: OrderedDict[tuple, privacy.Decision] = OrderedDict()
# Every wave of a few dozen data versions.
_DECISIONS_KEPT = 64
_LOCK = threading.Lock()
# The decisions being made now, by key: a second caller waits for the first.
_DECIDING: dict[tuple, threading.Event] = {}


# Per (data version, wave, rules): the wave's own version (see wave_version).
_WAVE_VERSIONS: dict[tuple, tuple] = {}


def wave_version(con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules) -> tuple:
    """Everything the wave's decision depends on, so that a change elsewhere keeps it.

    Its active uploads, its own hierarchy, the measure versions, the thresholds
    and the earlier versions of it readers were shown. A record of the version
    in force itself is left out: it fixes what that same decision shows, so
    recording it (the first time a reader opens the wave) does not change it.
    """
    outer = (data_version(con), wave_id, rules)
    with _LOCK:
        known = _WAVE_VERSIONS.get(outer)
    if known is not None:
        return known
    current = active_uploads(con, wave_id=wave_id)
    earlier = sorted(
        {
            (p.uploads, p.rules, p.sensitive)
            for p in published(con, wave_id=wave_id)
            if (p.uploads, p.rules) != (current, rules)
        },
        key=repr,
    )
    inputs = tuple(con.execute(sql("wave_inputs"), {"wave_id": wave_id}).fetchall()[0])
    version = (wave_id, rules, current, tuple(earlier), inputs)
    with _LOCK:
        if len(_WAVE_VERSIONS) > 4 * _DECISIONS_KEPT:
            _WAVE_VERSIONS.clear()
        _WAVE_VERSIONS[outer] = version
    return version


def forget_wave_versions() -> None:
    """After a reader's record of what it showed reaches the store (the writer's journal):
    the records are not part of the data version, and one of an earlier version of a
    wave changes what that wave's decision must hold to."""
    with _LOCK:
        _WAVE_VERSIONS.clear()


def decision(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, rules: privacy.Rules | None = None
) -> privacy.Decision:
    """The engine's decision on every cell of the wave, kept per version of the wave."""
    rules = rules or settings.rules(con)
    key = wave_version(con, wave_id=wave_id, rules=rules)
    while True:
        with _LOCK:
            if key in _DECISIONS:
                _DECISIONS.move_to_end(key)
                return _DECISIONS[key]
            deciding = _DECIDING.get(key)
            if deciding is None:
                deciding = _DECIDING[key] = threading.Event()
                break
        # Another thread (the background preparation, or another leader's page) is
        # deciding this wave: wait for its decision rather than make a second one
        # beside it on the same two cores. Then look again (it may have failed).
        deciding.wait()
    try:
        current = active_uploads(con, wave_id=wave_id)
        history = published(con, wave_id=wave_id)
        frame, specs = wave_frame(con, wave_id=wave_id, current=current, history=history)
        made = privacy.decide(
            frame,
            specs,
            rules,
            history=[privacy.Publication(str(p.id), p.shown) for p in history],
        )
        with _LOCK:
            _DECISIONS[key] = made
            while len(_DECISIONS) > _DECISIONS_KEPT:
                _DECISIONS.popitem(last=False)
        return made
    finally:
        with _LOCK:
            _DECIDING.pop(key, None)
        deciding.set()


# What this process has already recorded: (store, wave, version, sensitive).
_REMEMBERED: set[tuple] = set()


def remember(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    sensitive: bool,
    rules: privacy.Rules | None = None,
) -> None:
    """Record that a reader other than HR is shown this version of the wave.

    Nothing for HR (they see the data itself) or for work nobody sees (the
    background preparation). Once per version: a later call finds it recorded.
    """
    viewer = roles.viewer_role()
    if viewer is None or viewer == roles.HR_ADMIN:
        return
    rules = rules or settings.rules(con)
    # The data version covers the uploads and their status: a wave's version with it.
    key = (data_version(con), wave_id, rules, sensitive)
    if key in _REMEMBERED:
        return
    uploads = ",".join(str(u) for u in active_uploads(con, wave_id=wave_id))
    made = decision(con, wave_id=wave_id, rules=rules)
    shown = made.shown_keys(sensitive=sensitive)
    text = json.dumps({name: [list(k) for k in keys] for name, keys in shown.items()})
    params = {
        "wave_id": wave_id,
        "uploads": uploads,
        "min_group_size": rules.min_group_size,
        "sensitive_min_group_size": rules.sensitive_min_group_size,
        "alike_group_size": rules.alike_group_size,
        "sensitive": sensitive,
        "shown": text,
    }
    con.execute(sql("insert_wave_publication"), params).fetchall()
    _REMEMBERED.add(key)


def forget_remembered() -> None:
    """Tests that start a store afresh start this process's record afresh too."""
    _REMEMBERED.clear()
    with _LOCK:
        _DECISIONS.clear()
        _WAVE_VERSIONS.clear()


def prepare(con: duckdb.DuckDBPyConnection, *, waves: list[int], stop: threading.Event) -> int:
    """Decide every wave now (the sensitive breakdowns too), newest first; returns how many.

    Run in the background after the data changes, so that the first reader to
    open a wave does not wait for the engine. The newest wave is finished, its
    sensitive breakdowns included, before the next is begun: it is the one every
    page opens on. ``stop`` ends the work between steps.
    """
    rules = settings.rules(con)
    made = 0
    for wave_id in reversed(waves):
        if stop.is_set():
            break
        one = decision(con, wave_id=wave_id, rules=rules)
        made += 1
        if stop.is_set():
            break
        one.whole()
    return made


def shown_now(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> pd.DataFrame:
    """The cells of the wave shown now, as readers see them (set and cell key per row)."""
    cells = decision(con, wave_id=wave_id).cells(sensitive=False)
    return cells[cells["status"] == privacy.SHOWN][["set", *DIMENSIONS, "respondents"]]


def consequences(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, change: Callable[[], object]
) -> pd.DataFrame:
    """The cells readers see now that ``change`` would hide, tried and rolled back.

    For HR before an import, withdrawal, restore or new threshold touches a wave
    readers have seen: the change is decided together with what they were shown,
    so some figures may have to go. Rows: set, the cell's dimensions, respondents.
    """
    before = shown_now(con, wave_id=wave_id)
    with store.trial(con):
        cache.forget_version(con)
        change()
        cache.forget_version(con)
        after = shown_now(con, wave_id=wave_id)
    cache.forget_version(con)
    keys = ["set", *DIMENSIONS]
    merged = before.merge(after[keys], on=keys, how="left", indicator=True)
    return merged[merged["_merge"] == "left_only"].drop(columns="_merge").reset_index(drop=True)


def readable_consequences(hidden: pd.DataFrame) -> list[str]:
    """What a change would hide, in words: the whole groups first, then how many breakdowns."""
    if hidden.empty:
        return []
    named = hidden[DIMENSIONS] != privacy.ALL
    breakdown = named[[*privacy.SUB_FILTERS, *privacy.SENSITIVE_ATTRIBUTES]].any(axis=1)
    units = hidden[~breakdown]
    lines = []
    for (service, team), rows in units.groupby(["service", "team"], sort=True):
        where = (
            "the organisation"
            if service == privacy.ALL
            else service
            if team == privacy.ALL
            else f"{team} ({service})"
        )
        lines.append(f"{where}: {_plural(rows['set'].nunique(), 'figure')} hidden")
    if breakdown.any():
        lines.append(f"{_plural(int(breakdown.sum()), 'breakdown')} by role or career stage hidden")
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
