"""Charts and tables kept by the content of what they are drawn from. No queries, no Streamlit.

A page reruns its whole script on every click and mostly draws what it drew
before. :func:`drawn_once` keeps a drawing per content of its arguments, so the
same figures give back the same chart without drawing it again. The query
layer's memo (``queries.cache``) keeps the figures themselves per data version;
its ``clear`` empties this one too.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

import numpy as np
import pandas as pd

Function = TypeVar("Function", bound=Callable[..., Any])


def frozen(value: object) -> Hashable:
    """A hashable stand-in for an argument: lists, dicts and sets by their contents."""
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return frozenset(value)
    hash(value)  # an unhashable argument is a bug in the caller, not a cache miss
    return value


# Containers nested deeper than this are counted as a small object each: enough for
# a chart's data and layout, and no walk can run away on objects that refer back.
_SIZED_DEPTH = 12


def size_in_bytes(value: object) -> int:
    """About how much memory ``value`` holds: frames, Arrow tables, arrays, charts, containers.

    An estimate for bounding what is kept, not an account: small scalars count
    a fixed amount, objects of other kinds are sized by their attributes, and
    an object met twice counts once.
    """
    return _sized(value, seen=set(), depth=0)


def _sized(value: object, *, seen: set[int], depth: int) -> int:
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        usage = value.memory_usage(deep=True)
        return int(usage.sum() if isinstance(usage, pd.Series) else usage)
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, str | bytes):
        return len(value) + 50
    if hasattr(value, "nbytes") and not isinstance(value, type):  # an Arrow table or array
        return int(value.nbytes)
    if depth > _SIZED_DEPTH or id(value) in seen:
        return 32
    seen.add(id(value))
    deeper = {"seen": seen, "depth": depth + 1}
    if hasattr(value, "to_plotly_json"):  # a chart: its data and layout
        return _sized(value.to_plotly_json(), **deeper)
    if isinstance(value, dict):
        return 100 + sum(_sized(k, **deeper) + _sized(v, **deeper) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return 60 + sum(_sized(item, **deeper) for item in value)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return 100 + _sized(vars(value), **deeper)
    return 32


class Kept:
    """Values by key, the least recently used dropped once over a budget of bytes or entries.

    Figures are kept within a budget of bytes rather than a number of entries: a
    few figures of a whole wave are large, hundreds of a team or a service small,
    and many leaders together click through thousands of those.
    """

    def __init__(self, budget_bytes: int | None = None, *, entries: int | None = None) -> None:
        self.budget_bytes = budget_bytes
        self.entries = entries
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            return iter(list(self._entries))

    def __delitem__(self, key: Hashable) -> None:
        with self._lock:
            self._held -= self._entries.pop(key)[1]

    @property
    def held_bytes(self) -> int:
        return self._held

    def get(self, key: Hashable, missing: Any = None) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return missing
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, value: Any) -> None:
        size = size_in_bytes(value)
        with self._lock:
            if key in self._entries:
                self._held -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._held += size
            # The newest entry stays even when it alone is over budget: it is what
            # the rerun under way is drawing.
            while len(self._entries) > 1 and self._over():
                self._held -= self._entries.popitem(last=False)[1][1]

    def _over(self) -> bool:
        return (self.budget_bytes is not None and self._held > self.budget_bytes) or (
            self.entries is not None and len(self._entries) > self.entries
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0


# A chart of 400 teams holds about 0.4 MB and a page draws up to ten per view;
# 256 MB keep every view of every page that 25 leaders click through at 100k.
DRAWINGS_BUDGET_BYTES = 256 * 2**20
_drawings = Kept(DRAWINGS_BUDGET_BYTES)
MISSING = object()


def clear() -> None:
    """Drop every kept drawing."""
    _drawings.clear()


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
    return frozen(value)


def _column_bytes(column: pd.Index | pd.Series) -> bytes:
    """A column's values as bytes: numbers as they are stored, anything else hashed.

    Not pandas' hash_pandas_object, which hashes every column row by row: a rerun
    keys dozens of kept tables and charts (bench/README.md, "Performance history").
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
        found = _drawings.get(key, MISSING)
        if found is not MISSING:
            return _shared_or_copied(found)
        drawing = function(*arguments, **keywords)
        _drawings.put(key, _shared_or_copied(drawing))
        return drawing

    return kept  # type: ignore[return-value]
