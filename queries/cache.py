"""Figures kept between reruns for as long as the data behind them is unchanged.

Streamlit reruns a page's whole script on every click, and most of what a page
asks for (the organisation's figures, a supervision month, the wave list) is the
same as on the previous click. A query function decorated with :func:`memoised`
is run once per distinct arguments *and data version*: the row of
``data_version.sql``, which any import, withdrawal, restore, demo removal,
change-log edit or settings change alters. So an import can never leave a stale
chart, and nothing has to remember to clear a cache.

The data version is read once per connection (Streamlit gives each script run
a cursor of its own, so once per run); code that writes calls
:func:`forget_version` so that reads later in the same run see the new data.
The team manager's restriction (wellbeing.core.roles) is part of every key, so
a figure kept for a leader is never handed to a manager. Charts and tables
worked out from these figures are kept by content in ``wellbeing.core.kept``.

A script run can note the figures it asks for (:func:`start_recording`): a session's
first view of the Overview is kept in the store that way, and put back here by the
next server process (:func:`preload`, queries/first_view.py). A figure worked out
with a question that reads today's date is marked, so that it is never kept beyond
the process.
"""

from __future__ import annotations

import copy
import functools
import threading
import weakref
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from queries import clock_reads, note_clock_read, sql
from wellbeing.core import kept, roles
from wellbeing.core.kept import frozen

# Mostly aggregated frames of a few thousand rows, and a period's worker-months
# (tens of thousands of rows at 100k): 256 MB keep every figure of every view
# that 25 leaders click through at 100k, each wave by each service.
MEMO_BUDGET_BYTES = 256 * 2**20
# The few row tables that figures are counted from (every worker-month of the
# supervision records, 150 MB at 100k): kept by number, apart from the figures,
# so that one of them never pushes every figure out, nor the figures it.
ROW_TABLES_KEPT = 6

_lock = threading.Lock()
_versions: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple] = weakref.WeakKeyDictionary()
_results = kept.Kept(MEMO_BUDGET_BYTES)
_rows = kept.Kept(entries=ROW_TABLES_KEPT)
# Figures being worked out now, by key, with the thread working each out: another thread
# asking for one waits for it rather than working it out again beside it on the same
# cores. A page's run after its wave's first decision asks for the very figures being
# worked out beside the decision (queries.decisions.also_while_deciding): at 100,000
# respondents it worked out a supervision month and every team's figures a second time.
_working: dict[tuple, tuple[threading.Event, int]] = {}
# Past this, a figure another thread is still working out is worked out again.
WAIT_FOR_ANOTHER_SECONDS = 60.0

Function = TypeVar("Function", bound=Callable[..., Any])


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """The data version this connection sees, read once until :func:`forget_version`."""
    with _lock:
        known = _versions.get(con)
    if known is not None:
        return known
    version = tuple(con.execute(sql("data_version")).fetchall()[0])
    with _lock:
        _versions[con] = version
    return version


def forget_version(con: duckdb.DuckDBPyConnection) -> None:
    """Called after a write: the next figure read on ``con`` looks at the data again."""
    with _lock:
        _versions.pop(con, None)


def clear() -> None:
    """Drop every kept figure (tests that time or count queries start cold)."""
    _results.clear()
    _rows.clear()
    with _lock:
        _versions.clear()
    kept.clear()


def _copied(result: Any) -> Any:
    # A caller that adds a column must not change what the next caller gets.
    if isinstance(result, pa.Table):  # immutable
        return result
    if isinstance(result, pd.DataFrame | pd.Series):
        return result.copy()
    return copy.deepcopy(result)


def memoised(function: Function) -> Function:
    """Keep ``function(con, **keywords)``'s result per data version and arguments."""
    return _kept_in(_results, function, per_reader=True)


def memoised_rows(function: Function) -> Function:
    """As :func:`memoised`, for a large table of rows that figures are counted from.

    Such rows are never shown as they are (the figures counted from them pass
    the gate), so one table serves every reader.
    """
    return _kept_in(_rows, function, per_reader=False)


class _Figure(NamedTuple):
    """A kept result, and whether working it out read today's date (queries.sql)."""

    value: Any
    reads_clock: bool


class Recording:
    """The figures a script run's outermost memoised calls returned (see
    :func:`start_recording`)."""

    def __init__(self) -> None:
        # (module, function), reader, arguments -> the figure kept.
        self.figures: dict[tuple[tuple[str, str], tuple, Hashable], Any] = {}
        self._clock_at = clock_reads()

    @property
    def reads_clock(self) -> bool:
        """Whether any of them was worked out with today's date: not for another day."""
        return clock_reads() != self._clock_at


_recording: ContextVar[Recording | None] = ContextVar("memo_recording", default=None)
# How deep in memoised calls this thread is: only the outermost are recorded, since
# they alone are asked for again when their figures are found.
_nesting = threading.local()


def start_recording() -> None:
    """From now on, note each figure this thread's outermost memoised calls (not the
    rows tables) return, as a first run's figures are kept for a restart
    (queries/first_view.py)."""
    _recording.set(Recording())


def stop_recording() -> Recording | None:
    """Stop noting; what was noted since :func:`start_recording` (None: nothing was)."""
    noted = _recording.get()
    _recording.set(None)
    return noted


def reader() -> tuple:
    """Whose figures this thread's calls are: part of every key (see :func:`memoised`)."""
    return (
        roles.visible_team_restriction(),
        # Figures for a reader other than HR pass the gate once themselves, so
        # that what they are shown is remembered (queries.decisions.remember).
        roles.viewer_role() not in (None, roles.HR_ADMIN),
    )


def _key(function: tuple[str, str], version: tuple, whose: tuple, arguments: Hashable) -> tuple:
    return (*function, version, *whose, arguments)


def preload(con: duckdb.DuckDBPyConnection, figures: dict) -> None:
    """Keep ``figures`` (as a :class:`Recording` noted them, each for its reader) as if
    worked out now, on the data version ``con`` sees."""
    version = data_version(con)
    for (function, whose, arguments), value in figures.items():
        _results.put(_key(function, version, whose, arguments), _Figure(value, False))


def _kept_in(store: kept.Kept, function: Function, *, per_reader: bool) -> Function:
    name = (function.__module__, function.__qualname__)

    def key_of(con: duckdb.DuckDBPyConnection, keywords: dict[str, Any]) -> tuple:
        return _key(name, data_version(con), reader() if per_reader else (), frozen(keywords))

    def worked_out(con: duckdb.DuckDBPyConnection, keywords: dict) -> _Figure:
        reads = clock_reads()
        value = function(con, **keywords)
        return _Figure(value, clock_reads() != reads)

    def found_or_worked_out(
        con: duckdb.DuckDBPyConnection, key: tuple, keywords: dict
    ) -> tuple[_Figure, Any]:
        """(the figure as kept, the value to hand back: a copy of what is kept)."""
        found = store.get(key, kept.MISSING)
        if found is not kept.MISSING:
            return found, _copied(found.value)
        me = threading.get_ident()
        with _lock:
            other = _working.get(key)
            if other is None:
                done = threading.Event()
                _working[key] = (done, me)
        if other is not None and other[1] != me:
            other[0].wait(timeout=WAIT_FOR_ANOTHER_SECONDS)
            found = store.get(key, kept.MISSING)
            if found is not kept.MISSING:
                return found, _copied(found.value)
            figure = worked_out(con, keywords)  # it failed there, or was let go since
            return figure, figure.value
        if other is not None:
            figure = worked_out(con, keywords)  # asked again within its own working out
            return figure, figure.value
        try:
            figure = worked_out(con, keywords)
            keeping = _Figure(_copied(figure.value), figure.reads_clock)
            store.put(key, keeping)
            return keeping, figure.value
        finally:
            with _lock:
                _working.pop(key, None)
            done.set()

    @functools.wraps(function)
    def memo(con: duckdb.DuckDBPyConnection, /, **keywords: Any) -> Any:
        key = key_of(con, keywords)
        depth = getattr(_nesting, "depth", 0)
        _nesting.depth = depth + 1
        try:
            figure, value = found_or_worked_out(con, key, keywords)
        finally:
            _nesting.depth = depth
        if figure.reads_clock:
            note_clock_read()  # whatever is worked out from it reads the clock too
        noting = _recording.get()
        if noting is not None and per_reader and depth == 0:
            noting.figures[(name, key[3:-1], key[-1])] = figure.value
        return value

    def is_kept(con: duckdb.DuckDBPyConnection, /, **keywords: Any) -> bool:
        """Whether a call with these arguments would be answered from what is kept."""
        return store.get(key_of(con, keywords), kept.MISSING) is not kept.MISSING

    memo.is_kept = is_kept  # type: ignore[attr-defined]
    return memo  # type: ignore[return-value]
