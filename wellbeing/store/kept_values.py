"""Figures written into the store and read back exactly as they were: JSON and Arrow, never pickles.

A restart finds the figures its first page drew last time (queries/first_view.py)
instead of working them out again. Reading a pickle back would run whatever code
the file names, so values are written as JSON, with each data frame or Arrow table
as an Arrow IPC stream beside it, and read back only as the kinds listed here:
plain values, dates, containers, numpy scalars, frames, and dataclasses defined in
this project's own packages. A value that would not come back exactly the same
(:func:`same`) is refused when written (:class:`Unkeepable`), so what a reader is
served from the store is always what working it out would have given.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

# Dataclasses are made again only from these packages: a stored name can never reach
# an arbitrary callable.
_OWN_PACKAGES = ("wellbeing.", "queries.")


class Unkeepable(ValueError):
    """A value that cannot be written and read back exactly the same."""


def encode(value: Any) -> tuple[str, bytes]:
    """``value`` as (JSON text, the Arrow streams of its frames one after another)."""
    frames: list[bytes] = []
    encoded = _encoded(value, frames)
    offsets = np.cumsum([0, *map(len, frames)]).tolist()
    spans = [[start, end - start] for start, end in zip(offsets, offsets[1:], strict=False)]
    text = json.dumps({"value": encoded, "frames": spans}, allow_nan=False, separators=(",", ":"))
    return text, b"".join(frames)


def decode(text: str, frames: bytes) -> Any:
    """The value :func:`encode` wrote. Raises :class:`Unkeepable` for anything else."""
    try:
        document = json.loads(text)
        streams = [frames[start : start + length] for start, length in document["frames"]]
        return _decoded(document["value"], streams)
    except Unkeepable:
        raise
    except (KeyError, TypeError, ValueError, IndexError, pa.ArrowException) as problem:
        raise Unkeepable(f"not a kept value: {problem}") from problem


def kept_exactly(value: Any) -> tuple[str, bytes]:
    """:func:`encode`, refusing a value that would not come back the :func:`same`."""
    try:
        text, frames = encode(value)
    except (pa.ArrowException, TypeError, ValueError) as problem:
        if isinstance(problem, Unkeepable):
            raise
        raise Unkeepable(f"a {type(value).__name__} cannot be written: {problem}") from problem
    if not same(decode(text, frames), value):
        raise Unkeepable(f"a {type(value).__name__} would not come back the same")
    return text, frames


def _encoded(value: Any, frames: list[bytes]) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        return {"np": value.dtype.str, "v": _encoded(value.item(), frames)}
    if isinstance(value, int):
        return value if type(value) is int else _refused(value)
    if isinstance(value, float):
        if type(value) is not float:
            _refused(value)
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if type(value) is tuple:
        return {"tuple": [_encoded(v, frames) for v in value]}
    if type(value) is list:
        return {"list": [_encoded(v, frames) for v in value]}
    if type(value) is frozenset:
        return {"frozenset": [_encoded(v, frames) for v in _ordered(value)]}
    if type(value) is dict:
        return {"dict": [[_encoded(k, frames), _encoded(v, frames)] for k, v in value.items()]}
    if isinstance(value, pd.DataFrame) and type(value) is pd.DataFrame:
        frames.append(_stream(pa.Table.from_pandas(value)))
        return {"frame": len(frames) - 1}
    if isinstance(value, pa.Table):
        frames.append(_stream(value))
        return {"table": len(frames) - 1}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith(_OWN_PACKAGES) or "<locals>" in kind.__qualname__:
            _refused(value)
        fields = dataclasses.fields(value)
        encoded = {f.name: _encoded(getattr(value, f.name), frames) for f in fields}
        return {"dataclass": f"{kind.__module__}:{kind.__qualname__}", "fields": encoded}
    return _refused(value)


def _refused(value: Any) -> Any:
    raise Unkeepable(f"a {type(value).__module__}.{type(value).__qualname__} is not kept")


def _ordered(values: frozenset) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def _stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table(stream: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(stream)).read_all()


def _decoded(value: Any, streams: list[bytes]) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise Unkeepable("not a kept value")
    if "np" in value:
        return np.dtype(value["np"]).type(_decoded(value["v"], streams))
    if "fields" in value:
        return _dataclass(value["dataclass"], value["fields"], streams)
    ((tag, inner),) = value.items()
    if tag == "float":
        return float(inner)
    if tag == "datetime":
        return dt.datetime.fromisoformat(inner)
    if tag == "date":
        return dt.date.fromisoformat(inner)
    if tag == "tuple":
        return tuple(_decoded(v, streams) for v in inner)
    if tag == "list":
        return [_decoded(v, streams) for v in inner]
    if tag == "frozenset":
        return frozenset(_decoded(v, streams) for v in inner)
    if tag == "dict":
        return {_decoded(k, streams): _decoded(v, streams) for k, v in inner}
    if tag == "frame":
        return _table(streams[inner]).to_pandas()
    if tag == "table":
        return _table(streams[inner])
    raise Unkeepable(f"not a kept value: {tag!r}")


def _dataclass(name: str, fields: dict, streams: list[bytes]) -> Any:
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(_OWN_PACKAGES) or not qualname.isidentifier():
        raise Unkeepable(f"not a dataclass of this project: {name!r}")
    try:
        kind = getattr(importlib.import_module(module_name), qualname, None)
    except ImportError as missing:
        raise Unkeepable(f"not a dataclass of this project: {name!r}") from missing
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise Unkeepable(f"not a dataclass of this project: {name!r}")
    made = {f.name for f in dataclasses.fields(kind) if f.init}
    if set(fields) != {f.name for f in dataclasses.fields(kind)} or set(fields) != made:
        raise Unkeepable(f"{name} has other fields now")
    return kind(**{key: _decoded(v, streams) for key, v in fields.items()})


def same(a: Any, b: Any) -> bool:
    """Whether two values are the same to whoever reads them: type, dtypes and contents."""
    if type(a) is not type(b):
        return False
    if isinstance(a, pd.DataFrame):
        return (
            a.shape == b.shape
            and a.columns.equals(b.columns)
            and list(a.columns) == list(b.columns)
            and a.dtypes.tolist() == b.dtypes.tolist()
            and a.index.equals(b.index)
            and type(a.index) is type(b.index)
            and a.index.dtype == b.index.dtype
            and a.index.names == b.index.names
            and a.columns.names == b.columns.names
            and a.equals(b)
            and all(same(a.attrs.get(k), b.attrs.get(k)) for k in {*a.attrs, *b.attrs})
        )
    if isinstance(a, pa.Table):
        return a.equals(b, check_metadata=True)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, float | np.floating) and math.isnan(a):
        return bool(math.isnan(b))
    return bool(a == b)
