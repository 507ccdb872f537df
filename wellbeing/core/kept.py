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
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

Function = TypeVar("Function", bound=Callable[..., Any])

_lock = threading.Lock()


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


# A chart of 400 teams holds about 0.4 MB; a page draws up to ten per view, so
# 256 cover the views a leader clicks through on every page (~100 MB at most).
DRAWINGS_KEPT = 256
_drawings: OrderedDict[Hashable, Any] = OrderedDict()


def clear() -> None:
    """Drop every kept drawing."""
    with _lock:
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
