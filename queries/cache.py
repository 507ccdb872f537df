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
The team manager's restriction (wellbeing.roles) is part of every key, so a
figure kept for a leader is never handed to a manager.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from queries import sql
from wellbeing import roles

# Aggregated frames of a few thousand rows at most: a few hundred kept cost
# tens of MB and cover every filter a handful of leaders click through.
ENTRIES_KEPT = 512

_lock = threading.Lock()
_versions: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, tuple] = weakref.WeakKeyDictionary()
_results: OrderedDict[Hashable, Any] = OrderedDict()

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
    with _lock:
        _results.clear()
        _versions.clear()
        _drawings.clear()


def _frozen(value: object) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return frozenset(value)
    hash(value)  # an unhashable argument is a bug in the caller, not a cache miss
    return value


def _copied(result: Any) -> Any:
    # A caller that adds a column must not change what the next caller gets.
    if isinstance(result, pa.Table):  # immutable
        return result
    if isinstance(result, pd.DataFrame | pd.Series):
        return result.copy()
    return copy.deepcopy(result)


def memoised(function: Function) -> Function:
    """Keep ``function(con, **keywords)``'s result per data version and arguments."""

    @functools.wraps(function)
    def kept(con: duckdb.DuckDBPyConnection, /, **keywords: Any) -> Any:
        key = (
            function.__module__,
            function.__qualname__,
            data_version(con),
            roles.visible_team_restriction(),
            _frozen(keywords),
        )
        with _lock:
            if key in _results:
                _results.move_to_end(key)
                return _copied(_results[key])
        result = function(con, **keywords)
        with _lock:
            _results[key] = _copied(result)
            while len(_results) > ENTRIES_KEPT:
                _results.popitem(last=False)
        return result

    kept.uncached = function  # type: ignore[attr-defined]
    return kept  # type: ignore[return-value]


# A chart of 400 teams holds about 0.4 MB; a page draws up to ten per view, so
# 256 cover the views a leader clicks through on every page (~100 MB at most).
DRAWINGS_KEPT = 256
_drawings: OrderedDict[Hashable, Any] = OrderedDict()


def _content(value: object) -> Hashable:
    # Values, not a pickle: a frame's pickle also records how pandas laid out its
    # blocks, so a kept frame and its copy would never share a key.
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        digest = hashlib.sha256()
        for column in (frame.index, *(frame.iloc[:, i] for i in range(frame.shape[1]))):
            digest.update(_column_bytes(column))
        return (
            type(value).__name__,
            tuple(map(str, frame.columns)),
            tuple(map(str, frame.dtypes)),
            digest.hexdigest(),
        )
    return _frozen(value)


def _column_bytes(column: pd.Index | pd.Series) -> bytes:
    """A column's values as bytes: numbers as they are stored, anything else hashed.

    Hashing every column row by row (pandas' hash_pandas_object) cost a Supervision
    rerun 25 ms over its 88 kept tables and charts.
    """
    if isinstance(column, pd.RangeIndex):
        return f"range({column.start},{column.stop},{column.step})".encode()
    values = column.to_numpy()
    if values.dtype.kind in "biufcmM":
        return len(values).to_bytes(8, "little") + np.ascontiguousarray(values).tobytes()
    return pd.util.hash_array(values.astype("object"), categorize=False).tobytes()


def _shared_or_copied(result: Any) -> Any:
    return result.copy() if isinstance(result, pd.DataFrame | pd.Series) else result


def drawn_once(function: Function) -> Function:
    """Keep a chart, or a table worked out from frames, per content of its arguments.

    Frames are hashed, not compared. A rerun that shows the same figures again
    (every click back to a view seen before, every click that changes another
    chart) then skips plotly's validation and the intervals, which at hundreds
    of teams cost more than the queries. A frame comes back as a copy; a figure
    is shared: callers draw it and offer it for download, and never change it.
    """

    @functools.wraps(function)
    def kept(*arguments: Any, **keywords: Any) -> Any:
        try:
            key = (
                function.__qualname__,
                tuple(_content(a) for a in arguments),
                tuple(sorted((k, _content(v)) for k, v in keywords.items())),
            )
        except TypeError:  # an argument with no content hash: draw it afresh
            return function(*arguments, **keywords)
        with _lock:
            if key in _drawings:
                _drawings.move_to_end(key)
                return _shared_or_copied(_drawings[key])
        drawing = function(*arguments, **keywords)
        with _lock:
            _drawings[key] = _shared_or_copied(drawing)
            while len(_drawings) > DRAWINGS_KEPT:
                _drawings.popitem(last=False)
        return drawing

    return kept  # type: ignore[return-value]
