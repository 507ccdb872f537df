"""The confidentiality engine's decision for each wave, and what readers were shown of it.

For one wave, ``decision`` gathers its finest groups of respondents
(``wave_groups.sql``) for every set of respondents a figure can cover, adds
every earlier version of the wave that readers other than HR were shown
(``wave_publications``), and lets :func:`wellbeing.privacy.decide` decide every
cell together. Query functions look their rows up in its verdicts
(``queries.survey_gate``).

The verdicts are kept in memory and in the store (``wave_verdicts``), under a
digest of the wave's version and of the engine's source: a restart, another
server process or a reader of a snapshot looks a wave up instead of deciding
it again. A store opened read-only (a snapshot) only reads them; the writer
keeps them, and its next snapshot carries them to the readers.

``remember`` records what a reader other than HR is about to be shown, so that
a later import, withdrawal, restore or change of thresholds in that wave is
decided together with it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from queries import cache, settings, sql
from queries.cache import data_version
from wellbeing import privacy, store
from wellbeing.core import apart, roles
from wellbeing.core.measures import AGREE_MIN_VALUE, HIGH_SCORE_CUTOFF, REPORTED_MONTHLY_BAND
from wellbeing.store import snapshots

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
    breakdowns: bool = True,
) -> tuple[pd.DataFrame, list[privacy.SetSpec]]:
    """The wave's finest groups with a column per set, and the sets' specifications.

    A set's column says who is in it now; ``<set>@<publication id>`` who was in it
    in a version readers were shown (by the uploads active then). Without
    ``breakdowns``, the groups of the units alone: no column for the attributes
    their cells do not name (decided with :func:`wave_values`).
    """
    uploads = _uploads(current, history)
    long = wave_groups(con, wave_id=wave_id, uploads=uploads, breakdowns=breakdowns)
    frame, specs = frame_from_groups(long, current, history)
    if not breakdowns:
        frame = frame.drop(columns=[d for d in DIMENSIONS if d not in privacy.UNIT_DIMENSIONS])
    return frame, specs


def wave_values(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> tuple[tuple[str, ...], ...]:
    """Each attribute's values in the finest groups of the wave's active uploads
    (``wave_values.sql``), in the order of DIMENSIONS, as the engine codes them
    (``privacy.dimension_values``)."""
    rows = con.execute(sql("wave_values"), {"wave_id": wave_id}).fetchall()
    found: dict[str, list[object]] = {dimension: [] for dimension in DIMENSIONS}
    for attribute, value in rows:
        found[attribute].append(value)
    return tuple(privacy.dimension_values(found[dimension]) for dimension in DIMENSIONS)


def _uploads(current: Iterable[int], history: list[Published]) -> list[int]:
    """The uploads a wave's groups are gathered from: the active ones and those of every
    version readers were shown."""
    return sorted(set(current).union(*(p.uploads for p in history)))


def frame_from_groups(
    long: pd.DataFrame, current: Iterable[int], history: list[Published]
) -> tuple[pd.DataFrame, list[privacy.SetSpec]]:
    """:func:`wave_frame` from the rows of :func:`wave_groups`, in any order."""
    keys = [*DIMENSIONS, "upload_id"]
    if long.empty:
        return pd.DataFrame(columns=[*keys, "respondents"]), []
    # Rows come in no order: a group's number (1, 2, ...) puts each in its place, and its
    # first set's row, the one with its attributes, makes its row of the frame.
    position = long["finest_group"].to_numpy(dtype=np.int64) - 1
    first = np.flatnonzero(long["first_set"].to_numpy(dtype=bool))
    first = first[np.argsort(position[first], kind="stable")]
    groups = long.iloc[first][[*keys, "pattern"]].reset_index(drop=True)
    # A group's respondents: the same in every set it counts in (its first row's).
    groups["respondents"] = long["respondents"].to_numpy()[first]
    # Each row put in its place in a groups x sets table at once, per value: comparing
    # the set's name and converting a column for every set took 11 s of a million
    # respondents' wave (4.4 million rows, 26 sets), picking each set's rows 0.2 s of a
    # 100,000 respondents' one.
    codes, names = pd.factorize(long["universe"], sort=True)
    universes = [str(name) for name in names]
    member_table = np.zeros((len(groups), len(universes)), dtype=bool)
    member_table[position, codes] = True
    value_tables = {}
    for name in ("high", "low", "top"):
        table = np.full((len(groups), len(universes)), np.nan)
        table[position, codes] = long[name].to_numpy(dtype=float, na_value=np.nan)
        value_tables[name] = table
    columns: dict[str, np.ndarray] = {}
    for code, universe in enumerate(universes):
        columns[universe] = member_table[:, code].copy()
        for name in ("high", "low", "top"):
            columns[f"{universe}:{name}"] = value_tables[name][:, code].copy()
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


# Sets counted per number in wave_groups.sql: one number holds every set of a wave but
# one with more than this many measures and items (a smaller count is for tests).
SETS_PER_NUMBER = 127


def wave_groups(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    uploads: list[int],
    sets_per_number: int = SETS_PER_NUMBER,
    breakdowns: bool = True,
) -> pd.DataFrame:
    """One row per finest group and set it counts in (``wave_groups.sql``), unsorted; a
    group's attributes and pattern on its ``first_set`` row only. Without
    ``breakdowns``, the groups of the units alone (every other attribute null)."""
    params = {
        "wave_id": wave_id,
        "uploads": uploads,
        "breakdowns": breakdowns,
        "set_bits": sets_per_number,
        "high_cutoff": HIGH_SCORE_CUTOFF,
        "items": list(PUBLISHED_ITEMS),
        "agree_from": [float(v) for v in PUBLISHED_ITEMS.values()],
    }
    # Through Arrow: DuckDB's own conversion to pandas took 17 s for the 4.4 million rows
    # of a million respondents' wave, Arrow and then pandas 10 s, to the same frame.
    return con.sql(sql("wave_groups"), params=params).to_arrow_table().to_pandas()


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


_DECISIONS: OrderedDict[tuple, privacy.Verdicts] = OrderedDict()
# Every wave of a few dozen data versions.
_DECISIONS_KEPT = 64
# The engine of each decision made in this process, until its sensitive breakdowns are
# decided: they are decided on the same groups, with its plain cells fixed.
_ENGINES: dict[tuple, privacy.Decision] = {}
_LOCK = threading.Lock()
# Waves the preparation decides at once, a large one each in a process of its own: one per
# core this server may use (the machines this was built on have two; at 100,000
# respondents the four waves' steps are 60-75 core-seconds, so a third and fourth core
# shorten it), as a decision is pure computation and more at once than cores take no
# less time, in more memory. Never fewer than two, so that on one core a leader's page
# is decided beside the preparation's step rather than behind it; at most a council's
# waves of four years, twice a year, as each one at once keeps its inputs in memory
# (270 MB at a million respondents).
MOST_DECIDED_AT_ONCE = 8


def decided_at_once(cores: int) -> int:
    """Waves decided at once on a server that may use ``cores`` cores."""
    return min(max(2, cores), MOST_DECIDED_AT_ONCE)


DECIDED_AT_ONCE = decided_at_once(apart.usable_cores())
# A decision process's peak of memory: a base and an amount per finest group and set of
# its wave, fitted to the benchmark's newest wave at 100,000 respondents (21,250 groups,
# 26 sets: 0.68 GB for the plain cells, 0.70 GB for the equity breakdowns) and at a
# million (174,635 groups: 0.96 GB and 2.3 GB), and a quarter more for other data.
PEAK_BYTES = {"plain": (677_000_000, 73), "whole": (509_000_000, 415)}
PEAK_MARGIN = 1.25
# Of the machine's memory, what decision processes side by side may expect to take
# together: the rest is the server's (its figures, DuckDB's buffers) and the system's.
DECISIONS_SHARE_OF_MEMORY = 0.6
# Decision processes running at once, the preparation's and those begun for pages
# together: a page with a trend asks for every wave, and four processes on two cores
# take no less time than two, in twice the memory. As many as fit in memory together.
_machine_memory = apart.machine_memory()
_PROCESSES = apart.Admission(
    most=DECIDED_AT_ONCE,
    budget=None if _machine_memory is None else int(_machine_memory * DECISIONS_SHARE_OF_MEMORY),
)
# The inputs of the waves being decided, by version: a large wave's levels are decided one
# after the other, each in a process of its own, from the same inputs (1-2 s of queries
# at 100,000 respondents, 13 s at a million). The preparation decides every wave's units
# first, then each wave's breakdowns: the inputs of as many waves as fit in
# ``INPUTS_SHARE_OF_MEMORY`` of the machine's memory are kept meanwhile (30 MB a wave at
# 100,000 respondents, 270 MB at a million: four of those on a 24 GB machine), and
# always those of the waves decided at once.
_INPUTS: OrderedDict[tuple, tuple] = OrderedDict()
INPUTS_SHARE_OF_MEMORY = 0.05
INPUTS_KEPT_BYTES = (
    400_000_000 if _machine_memory is None else int(_machine_memory * INPUTS_SHARE_OF_MEMORY)
)
# The decisions being made now, by (key, part): a second caller waits for the first.
_DECIDING: dict[tuple, threading.Event] = {}
# Versions of a wave whose verdicts the store keeps: a withdrawal undone returns to one.
VERSIONS_KEPT_PER_WAVE = 4
_engine_digest: list[str] = []


def engine_digest() -> str:
    """A digest of the engine's source and constants: verdicts of another engine are not read."""
    if not _engine_digest:
        here = Path(__file__).resolve().parent
        sources = sorted(Path(privacy.__file__).resolve().parent.glob("*.py"))
        sources += [
            here / "decisions.py",
            here / "wave_groups.sql",
            here / "wave_values.sql",
            here / "wave_inputs.sql",
        ]
        digest = hashlib.sha256()
        for source in sources:
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
        digest.update(repr((PUBLISHED_ITEMS, HIGH_SCORE_CUTOFF, DIMENSIONS)).encode())
        _engine_digest.append(digest.hexdigest())
    return _engine_digest[0]


def verdicts_version(key: tuple) -> str:
    """The store's name for the verdicts of a version of a wave (see :func:`wave_version`)."""
    return hashlib.sha256((engine_digest() + repr(key)).encode()).hexdigest()


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
    # A version's records grow as readers are shown more of it (its units, then their
    # breakdowns): how many cells they hold tells each apart.
    earlier = sorted(
        {
            (p.uploads, p.rules, p.sensitive, sum(len(keys) for keys in p.shown.values()))
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


def level_needed(*, sensitive: bool = False, breakdowns: bool = True) -> str:
    """The level of a wave's decision (privacy.LEVELS) figures need: the whole for the
    sensitive breakdowns, the plain cells for a role or career-stage breakdown or
    filter, the units' alone for the rest."""
    return "whole" if sensitive else "plain" if breakdowns else "units"


def decision(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    rules: privacy.Rules | None = None,
    sensitive: bool = False,
    breakdowns: bool = True,
) -> privacy.Verdicts:
    """The engine's verdicts on the cells of the wave, kept per version of the wave.

    Decided as far as the figures need (:func:`level_needed`): with ``sensitive``
    the sensitive breakdowns (the equity view) too; without ``breakdowns``, only
    the organisation, services and teams, with no role or career-stage cell.
    """
    rules = rules or settings.rules(con)
    level = level_needed(sensitive=sensitive, breakdowns=breakdowns)
    key = wave_version(con, wave_id=wave_id, rules=rules)
    if _promptly.get():
        _at_hand_or_begun(con, key, wave_id=wave_id, rules=rules, level=level)
    return _decided(con, key, wave_id=wave_id, rules=rules, level=level)


def begin_deciding(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_ids: Iterable[int],
    rules: privacy.Rules | None = None,
    sensitive: bool = False,
    breakdowns: bool = True,
) -> None:
    """For a page that needs several waves (a change since the wave before, a trend):
    begin deciding every one of them not at hand, side by side, before waiting for any.

    Asked one by one, a page would meet the next undecided wave only when the one
    before was done: at 100,000 respondents a minute for two waves instead of half.
    Raises :class:`NotDecidedYet` for the first wave still being decided; outside a
    page's script run (a preview, a test, the preparation) it does nothing, and
    :func:`decision` decides each wave when asked.
    """
    waiting = still_being_decided(
        con, wave_ids=wave_ids, rules=rules, sensitive=sensitive, breakdowns=breakdowns
    )
    if waiting:
        raise next(iter(waiting.values()))


def still_being_decided(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_ids: Iterable[int],
    rules: privacy.Rules | None = None,
    sensitive: bool = False,
    breakdowns: bool = True,
) -> dict[int, NotDecidedYet]:
    """:func:`begin_deciding`, saying which waves are still being decided instead of
    raising: a page can show what is at hand and ask again for the rest. Empty outside a
    page's script run."""
    if not _promptly.get():
        return {}
    rules = rules or settings.rules(con)
    level = level_needed(sensitive=sensitive, breakdowns=breakdowns)
    waiting: dict[int, NotDecidedYet] = {}
    for wave_id in dict.fromkeys(int(w) for w in wave_ids):
        key = wave_version(con, wave_id=wave_id, rules=rules)
        try:
            _at_hand_or_begun(con, key, wave_id=wave_id, rules=rules, level=level)
        except NotDecidedYet as not_yet:
            waiting[wave_id] = not_yet
    return waiting


# A wave of at least this many respondents is decided in the background when a page
# asks for it and nothing is kept: at 100,000 respondents a decision takes a minute,
# which a page should not spend blocked (the sample data's waves take half a second).
DECIDED_IN_THE_BACKGROUND_FROM = 5_000
# Set for a page's script run (wellbeing.ui.run.begin_run): answer at once.
_promptly: ContextVar[bool] = ContextVar("decide_promptly", default=False)
_ON_DEMAND: dict[tuple, threading.Thread] = {}
# Figures of a wave that need no decision (the raw counts its gated figures are cut
# from), worked out beside the engine while a page waits for the wave: registered by
# the query modules (:func:`also_while_deciding`).
_WHILE_DECIDING: list[tuple[int, Callable[[duckdb.DuckDBPyConnection, int], object]]] = []
# In a thread deciding for a page: that page's context (its reader's role and teams,
# which the figures are kept under), until the figures beside the decision are begun.
_page_waiting: ContextVar[Context | None] = ContextVar("page_waiting", default=None)
_BESIDE: list[threading.Thread] = []
_FAILED: dict[tuple, Exception] = {}


class NotDecidedYet(Exception):
    """The wave is being decided in the background; its page says so and asks again."""

    def __init__(self, wave_id: int, token: tuple) -> None:
        super().__init__(f"wave {wave_id} is being decided")
        self.wave_id = wave_id
        self.token = token


def answer_promptly() -> None:
    """For this script run: a large wave not yet decided raises :class:`NotDecidedYet`
    while it is decided in the background, rather than holding the page."""
    _promptly.set(True)


@contextmanager
def patiently() -> Iterator[None]:
    """Wait for decisions (HR's previews, which decide a change tried and rolled back)."""
    token = _promptly.set(False)
    try:
        yield
    finally:
        _promptly.reset(token)


def being_decided(token: tuple) -> bool:
    """Whether the background decision a :class:`NotDecidedYet` named is still going on."""
    with _LOCK:
        thread = _ON_DEMAND.get(token)
    return thread is not None and thread.is_alive()


def finish_deciding(timeout: float = 60) -> None:
    """At exit: wait for decisions begun for pages and the figures worked out beside
    them (a thread killed in DuckDB aborts)."""
    with _LOCK:
        threads = list(_ON_DEMAND.values())
    for thread in threads:
        thread.join(timeout=timeout)
    with _LOCK:
        threads = list(_BESIDE)
    for thread in threads:
        thread.join(timeout=timeout)


def also_while_deciding(
    order: int,
) -> Callable[[Callable[[duckdb.DuckDBPyConnection, int], object]], Callable]:
    """Register ``figures(con, wave_id)``: a wave's figures that need no survey decision,
    worked out while the engine decides the wave for a page, so that the page's next run
    finds them kept instead of working them out after the decision (at 100,000
    respondents, most of the Overview's run after its wave's first decision). They are
    worked out one after another by ``order``, the order the Overview asks for them, so
    that what the page needs first is ready first. No survey figure that passes the gate:
    one worked out for nobody would be remembered as shown (supervision's decisions on
    staff remember nothing, and may be made)."""

    def register(
        figures: Callable[[duckdb.DuckDBPyConnection, int], object],
    ) -> Callable[[duckdb.DuckDBPyConnection, int], object]:
        _WHILE_DECIDING.append((order, figures))
        _WHILE_DECIDING.sort(key=lambda registered: registered[0])
        return figures

    return register


def _begin_figures_beside(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> None:
    """In a thread deciding for a page, once its wave's groups are gathered (the engine's
    process then takes one core): the registered figures of the wave, on a thread of
    their own, under the page's context."""
    page = _page_waiting.get()
    if page is None or not _WHILE_DECIDING:
        return
    _page_waiting.set(None)  # once per page's decision, not once per step
    cursor = con.cursor()

    def work_out() -> None:
        for _, figures in list(_WHILE_DECIDING):
            try:
                figures(cursor, wave_id)
            except Exception:  # the page works it out itself, and meets the error there
                logging.getLogger(__name__).info("figures beside wave %s", wave_id, exc_info=True)

    thread = threading.Thread(
        target=page.run, args=(work_out,), name="figures-beside-a-decision", daemon=True
    )
    with _LOCK:
        _BESIDE[:] = [t for t in _BESIDE if t.is_alive()] + [thread]
    thread.start()


def _at_hand_or_begun(
    con: duckdb.DuckDBPyConnection,
    key: tuple,
    *,
    wave_id: int,
    rules: privacy.Rules,
    level: str,
) -> None:
    """Return when the verdicts are in memory, kept in the store or quick to make;
    otherwise begin deciding them in the background and raise NotDecidedYet."""
    token = (key, level)
    with _LOCK:
        known = _DECISIONS.get(key)
        failed = _FAILED.pop(token, None)
    if known is not None and known.decided(level):
        return
    if failed is not None:
        raise failed  # once, on the page that asks next; the next visit tries again
    if not being_decided(token):
        kept = {
            row[0]
            for row in con.execute(
                sql("kept_verdict_parts"), {"version": verdicts_version(key)}
            ).fetchall()
        }
        if level in kept:
            return
        if _size(con, wave_id=wave_id) < DECIDED_IN_THE_BACKGROUND_FROM:
            return
        cursor = con.cursor()
        page = copy_context()

        def decide() -> None:
            _page_waiting.set(page)
            try:
                _decided(cursor, key, wave_id=wave_id, rules=rules, level=level)
            except Exception as error:  # the page that asks next shows it
                logging.getLogger(__name__).exception("deciding wave %s", wave_id)
                with _LOCK:
                    _FAILED[token] = error

        thread = threading.Thread(target=decide, name="decide-for-a-page", daemon=True)
        with _LOCK:
            running = _ON_DEMAND.get(token)
            if running is not None and running.is_alive():
                raise NotDecidedYet(wave_id, token)
            for done in [t for t, th in _ON_DEMAND.items() if not th.is_alive()]:
                del _ON_DEMAND[done]
            _ON_DEMAND[token] = thread
        thread.start()
    raise NotDecidedYet(wave_id, token)


def _once(key: tuple, level: str, make: Callable[[], privacy.Verdicts]) -> privacy.Verdicts:
    """The verdicts of ``key`` decided to ``level``: kept, or made by one thread alone."""
    while True:
        with _LOCK:
            known = _DECISIONS.get(key)
            if known is not None and known.decided(level):
                _DECISIONS.move_to_end(key)
                return known
            deciding = _DECIDING.get((key, level))
            if deciding is None:
                deciding = _DECIDING[(key, level)] = threading.Event()
                break
        # Another thread (the background preparation, or another leader's page) is
        # deciding this wave: wait for its decision rather than make a second one
        # beside it on the same two cores. Then look again (it may have failed).
        deciding.wait()
    try:
        made = make()
        with _LOCK:
            known = _DECISIONS.get(key)
            # Never a less decided copy over a more decided one another thread made.
            if known is None or _depth(known) <= _depth(made):
                _DECISIONS[key] = made
            _DECISIONS.move_to_end(key)
            while len(_DECISIONS) > _DECISIONS_KEPT:
                forgotten, _ = _DECISIONS.popitem(last=False)
                _ENGINES.pop(forgotten, None)
        return made
    finally:
        with _LOCK:
            _DECIDING.pop((key, level), None)
        deciding.set()


def _depth(made: privacy.Verdicts) -> int:
    return max(n for n, level in enumerate(privacy.LEVELS) if made.decided(level))


class Inputs(NamedTuple):
    """What the engine decides a version of a wave from."""

    frame: pd.DataFrame
    specs: list[privacy.SetSpec]
    history: list[privacy.Publication]
    # Each attribute's values, where the frame holds the units' groups alone.
    values: tuple[tuple[str, ...], ...] | None = None


def _inputs(
    con: duckdb.DuckDBPyConnection, key: tuple, *, wave_id: int, units_alone: bool = False
) -> Inputs:
    """What the engine decides a version of a wave from: its finest groups, sets and
    earlier versions; kept from one level's decision for the next one's.

    ``units_alone``, for a decision of the units' cells that goes no further now (a
    page's first visit), where readers were shown no earlier version (whose cells every
    level audits, breakdowns and all): unless the finest groups are kept, the groups of
    the units alone, with each attribute's values. At 100,000 respondents a fifth as many
    groups, gathered in 0.28 s instead of 0.41 s and decided in half the time, to the
    same verdicts. Not kept: the next level needs the finest groups.
    """
    with _LOCK:
        kept = _INPUTS.get(key)
    if kept is not None:
        return kept
    current = active_uploads(con, wave_id=wave_id)
    history = published(con, wave_id=wave_id)
    if units_alone and not history:
        frame, specs = wave_frame(
            con, wave_id=wave_id, current=current, history=[], breakdowns=False
        )
        values = wave_values(con, wave_id=wave_id)
        return Inputs(frame, specs, [], values)
    frame, specs = wave_frame(con, wave_id=wave_id, current=current, history=history)
    made = Inputs(frame, specs, [privacy.Publication(str(p.id), p.shown) for p in history])
    _keep_inputs(key, made)
    return made


def _keep_inputs(key: tuple, made: tuple) -> None:
    """Keep a wave's inputs, letting the oldest go past ``INPUTS_KEPT_BYTES``."""
    with _LOCK:
        _INPUTS[key] = made
        while len(_INPUTS) > DECIDED_AT_ONCE and _inputs_bytes() > INPUTS_KEPT_BYTES:
            _INPUTS.popitem(last=False)


def _inputs_bytes() -> int:
    return sum(int(kept.frame.memory_usage(index=False).sum()) for kept in _INPUTS.values())


def _decided_apart(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> bool:
    """Whether the wave is large enough to be decided in a process of its own.

    A large wave's decision is a minute of pure Python: in the server's own
    interpreter it would slow every leader's page, and two could not run on two
    cores. A small one (the sample data's: half a second) is quicker decided here.
    """
    return _size(con, wave_id=wave_id) >= DECIDED_IN_THE_BACKGROUND_FROM


def _size(con: duckdb.DuckDBPyConnection, *, wave_id: int) -> int:
    return int(con.execute(sql("wave_size"), {"wave_id": wave_id}).fetchall()[0][0])


def _engine(
    con: duckdb.DuckDBPyConnection,
    key: tuple,
    *,
    wave_id: int,
    rules: privacy.Rules,
    below: privacy.Verdicts | None,
) -> privacy.Decision:
    frame, specs, history, _ = _inputs(con, key, wave_id=wave_id)
    return privacy.decide(frame, specs, rules, history=history, **_given(below))


def _given(below: privacy.Verdicts | None) -> dict[str, privacy.Part | None]:
    """The parts a decision starts from: the plain cells where decided, else the units'."""
    if below is None:
        return {}
    return {"plain": below.plain} if below.plain is not None else {"units": below.units}


def _verdicts_apart(
    con: duckdb.DuckDBPyConnection,
    key: tuple,
    *,
    wave_id: int,
    rules: privacy.Rules,
    below: privacy.Verdicts | None,
    level: str,
    units_alone: bool = False,
) -> privacy.Verdicts:
    frame, specs, history, values = _inputs(con, key, wave_id=wave_id, units_alone=units_alone)
    _begin_figures_beside(con, wave_id=wave_id)
    # A step of a wave seen before with its equity breakdowns audits those too (see
    # privacy.decision): it takes the memory of an equity decision.
    heavy = level == "whole" or seen_with_equity(history)
    with _PROCESSES.admitted(expected_peak(frame, specs, sensitive=heavy)):
        return apart.run_apart(
            privacy.decide_verdicts,
            frame,
            specs,
            rules,
            history=history,
            level=level,
            values=values,
            preload=("wellbeing.privacy",),
            **_given(below),
        )


def seen_with_equity(history: list[privacy.Publication]) -> bool:
    """Whether readers were shown an earlier version's sensitive breakdowns."""
    return any(
        privacy.is_sensitive_key(tuple(key))
        for publication in history
        for keys in publication.shown.values()
        for key in keys
    )


def expected_peak(frame: pd.DataFrame, specs: list[privacy.SetSpec], *, sensitive: bool) -> int:
    """Bytes of memory a process deciding this wave may be expected to take at its peak."""
    base, per_group_and_set = PEAK_BYTES["whole" if sensitive else "plain"]
    return int(PEAK_MARGIN * (base + per_group_and_set * len(frame) * max(len(specs), 1)))


def _decided(
    con: duckdb.DuckDBPyConnection,
    key: tuple,
    *,
    wave_id: int,
    rules: privacy.Rules,
    level: str,
    further: bool = False,
) -> privacy.Verdicts:
    """The verdicts of ``key`` decided to ``level``, by one thread alone; ``further``: the
    next levels will be asked for next (the preparation), so the finest groups are
    gathered, and kept, from the first."""
    return _once(
        key,
        level,
        lambda: _make(con, key, wave_id=wave_id, rules=rules, level=level, further=further),
    )


def _make(
    con: duckdb.DuckDBPyConnection,
    key: tuple,
    *,
    wave_id: int,
    rules: privacy.Rules,
    level: str,
    further: bool = False,
) -> privacy.Verdicts:
    """The wave's verdicts to ``level`` as the store keeps them, or decided now with the
    level before as it was decided (``further``: see :func:`_decided`)."""
    version = verdicts_version(key)
    # Kept by this process before, by the writer (whose snapshot brought it), or by
    # another process on the same store.
    stored = _kept_verdicts(con, version, level)
    if stored is not None and stored.decided(level):
        return stored
    below = None
    if level != privacy.LEVELS[0]:
        before = privacy.LEVELS[privacy.LEVELS.index(level) - 1]
        below = _decided(con, key, wave_id=wave_id, rules=rules, level=before, further=True)
    with _LOCK:
        engine = _ENGINES.get(key)
    if engine is not None:
        made = engine.verdicts(level=level)
    elif _decided_apart(con, wave_id=wave_id):
        units_alone = level == privacy.LEVELS[0] and not further
        made = _verdicts_apart(
            con,
            key,
            wave_id=wave_id,
            rules=rules,
            below=below,
            level=level,
            units_alone=units_alone,
        )
    else:
        engine = _engine(con, key, wave_id=wave_id, rules=rules, below=below)
        with _LOCK:
            _ENGINES[key] = engine
        made = engine.verdicts(level=level)
    if level == privacy.LEVELS[-1]:
        with _LOCK:
            _ENGINES.pop(key, None)
            _INPUTS.pop(key, None)
    _keep(con, version, level, wave_id=wave_id, made=made)
    return made


def _kept_verdicts(
    con: duckdb.DuckDBPyConnection, version: str, level: str = privacy.LEVELS[-1]
) -> privacy.Verdicts | None:
    """The verdicts the store keeps for a version of a wave, read as far as ``level``."""
    parts = list(privacy.LEVELS[: privacy.LEVELS.index(level) + 1])
    rows = {
        part: (description, payload)
        for part, description, payload in con.execute(
            sql("kept_verdicts"), {"version": version, "parts": parts}
        ).fetchall()
    }
    if "units" not in rows and "plain" not in rows:
        return None
    description = next(iter(rows.values()))[0]
    try:
        return privacy.Verdicts.read(description, {part: row[1] for part, row in rows.items()})
    except privacy.VerdictsError:
        # Decided again, as if never kept: a damaged row costs time, never a wrong figure.
        logging.getLogger(__name__).warning("kept verdicts %s unreadable; deciding again", version)
        return None


def _keep(
    con: duckdb.DuckDBPyConnection,
    version: str,
    part: str,
    *,
    wave_id: int,
    made: privacy.Verdicts,
) -> None:
    """Keep the verdicts in the store, where this process may write it."""
    if not _writable(con):
        return
    payload = getattr(made, part).to_bytes()
    params = {
        "version": version,
        "part": part,
        "wave_id": wave_id,
        "description": made.describe(),
        "payload": payload,
    }
    try:
        con.execute(sql("insert_wave_verdicts"), params)
        con.execute(
            sql("prune_wave_verdicts"), {"wave_id": wave_id, "kept": VERSIONS_KEPT_PER_WAVE}
        )
    except (duckdb.TransactionException, duckdb.ConstraintException):
        # Another thread or process kept the same verdicts at the same moment.
        logging.getLogger(__name__).info("verdicts %s kept by another writer", version)
    except duckdb.Error:
        # Keeping them saves time later; failing to (a full disk, say) must not cost
        # the leader the page. The next process decides the wave again.
        logging.getLogger(__name__).warning("verdicts %s not kept", version, exc_info=True)


def _writable(con: duckdb.DuckDBPyConnection) -> bool:
    """False on a reader's snapshot or a store opened read-only: those only read verdicts."""
    if snapshots.journal_of(con) is not None:
        return False
    mode = con.execute(sql("access_mode")).fetchall()[0][0]
    return str(mode).lower() != "read_only"


# What this process has already recorded: (store, wave, version) to the deepest level
# (privacy.LEVELS) recorded.
_REMEMBERED: dict[tuple, int] = {}


def remember(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    sensitive: bool,
    rules: privacy.Rules | None = None,
    breakdowns: bool = True,
) -> None:
    """Record that a reader other than HR is shown this version of the wave, as far as
    its figures need (:func:`level_needed`).

    Nothing for HR (they see the data itself) or for work nobody sees (the
    background preparation). Once per version and level: a later call finds it
    recorded, or a deeper level recorded, which holds every cell of this one.
    """
    viewer = roles.viewer_role()
    if viewer is None or viewer == roles.HR_ADMIN:
        return
    rules = rules or settings.rules(con)
    level = level_needed(sensitive=sensitive, breakdowns=breakdowns)
    depth = privacy.LEVELS.index(level)
    # The data version covers the uploads and their status: a wave's version with it.
    key = (data_version(con), wave_id, rules)
    if _REMEMBERED.get(key, -1) >= depth:
        return
    uploads = ",".join(str(u) for u in active_uploads(con, wave_id=wave_id))
    made = decision(con, wave_id=wave_id, rules=rules, sensitive=sensitive, breakdowns=breakdowns)
    shown = made.shown_keys(level=level)
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
    _REMEMBERED[key] = depth


def forget_remembered() -> None:
    """Tests that start a store afresh start this process's record afresh too."""
    _REMEMBERED.clear()
    with _LOCK:
        _DECISIONS.clear()
        _ENGINES.clear()
        _INPUTS.clear()
        _WAVE_VERSIONS.clear()
        _FAILED.clear()


def preparation_steps(waves: list[int], at_once: int | None = None) -> list[tuple[int, str]]:
    """(wave, level) in the order the preparation takes them up.

    First every wave's units, newest first: a second each at 100,000
    respondents, and all that a page with no role or stage filter waits for.
    Then what the Overview compares: the newest wave and the one before it, their
    role and career-stage breakdowns, then their sensitive breakdowns (the Equity
    page); then the older waves two by two (``at_once`` by ``at_once``: by default
    ``DECIDED_AT_ONCE``), likewise. Taken up in this order by that many workers, a
    wave's levels are never decided side by side (the second would wait for the first).
    """
    at_once = DECIDED_AT_ONCE if at_once is None else at_once
    newest_first = list(reversed(waves))
    steps = [(w, "units") for w in newest_first]
    for at in range(0, len(newest_first), at_once):
        together = newest_first[at : at + at_once]
        steps += [(w, "plain") for w in together] + [(w, "whole") for w in together]
    return steps


# Waves decided at once where every one is decided in the server's own interpreter (small
# ones: see _decided_apart). They take turns with its lock however many cores the
# machine has, so more threads than two would only slow the leaders' pages beside them.
DECIDED_HERE_AT_ONCE = 2


def _workers(con: duckdb.DuckDBPyConnection, waves: list[int]) -> int:
    """Waves the preparation decides at once: one per core where a wave is decided in a
    process of its own, else :data:`DECIDED_HERE_AT_ONCE`."""
    if any(_decided_apart(con, wave_id=wave_id) for wave_id in waves):
        return DECIDED_AT_ONCE
    return min(DECIDED_HERE_AT_ONCE, DECIDED_AT_ONCE)


def prepare(con: duckdb.DuckDBPyConnection, *, waves: list[int], stop: threading.Event) -> int:
    """Decide every wave now (the sensitive breakdowns too); returns how many.

    Run in the background after the data changes, so that the first reader to
    open a wave does not wait for the engine. The steps (:func:`preparation_steps`)
    are taken up in order by as many threads as :func:`_workers` says, each with a
    cursor of its own; a large wave is decided in a process of its own, so two run
    on two cores. ``stop`` ends the work between steps; a failed step stops the rest
    and is raised.
    """
    rules = settings.rules(con)
    at_once = _workers(con, waves)
    steps = preparation_steps(waves, at_once)
    decided: set[int] = set()
    failures: list[BaseException] = []
    taking = threading.Lock()

    def work() -> None:
        cursor = con.cursor()
        while True:
            with taking:
                if stop.is_set() or failures or not steps:
                    return
                wave_id, level = steps.pop(0)
            try:
                key = wave_version(cursor, wave_id=wave_id, rules=rules)
                _decided(cursor, key, wave_id=wave_id, rules=rules, level=level, further=True)
            except BaseException as error:
                with taking:
                    failures.append(error)
                return
            with taking:
                decided.add(wave_id)

    workers = [
        threading.Thread(target=work, name=f"prepare-decisions-{n}", daemon=True)
        for n in range(at_once)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise failures[0]
    return len(decided)


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
    with patiently():
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
