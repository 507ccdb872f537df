"""The default page's first figures, kept in the store for the next start of the server.

A session's first run of the default page (the Overview) asks for a few dozen
figures: on the sample data half a second of queries and decisions, which the
first leader after a restart waited for on top of Streamlit's own start. The
figures of such a run are kept in the store (``kept_first_view``), and a new
server process finds them before its first run (wellbeing.ui.run.warm_start), as
it finds the engine's verdicts.

They are served only where they are exactly what working them out again would
give: the same data version (queries/data_version.sql: any import, withdrawal,
restore, setting or change-log edit alters it), the same code (:func:`code_digest`:
this dashboard's source and the libraries that compute) and the same reader (a team
manager's figures are never a leader's). Figures worked out with today's date are
never kept, and a value that would not read back exactly is not written.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from queries import cache, sql
from wellbeing.store import kept_values

_ROOT = Path(__file__).resolve().parents[1]
_digest: list[str] = []


def code_digest() -> str:
    """A digest of what computes the figures: the query layer and the package (Python and
    SQL) and the libraries' versions. Figures kept by another build are not read."""
    if not _digest:
        digest = hashlib.sha256()
        for folder in ("queries", "wellbeing"):
            for source in sorted((_ROOT / folder).rglob("*")):
                if source.suffix in (".py", ".sql", ".csv") and source.is_file():
                    name = source.relative_to(_ROOT).as_posix()
                    digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
        versions = (duckdb.__version__, pd.__version__, np.__version__, pa.__version__)
        digest.update(repr(versions).encode())
        _digest.append(digest.hexdigest())
    return _digest[0]


def _version_text(con: duckdb.DuckDBPyConnection) -> str:
    return json.dumps(list(cache.data_version(con)))


def keep(con: duckdb.DuckDBPyConnection, whose: tuple, figures: dict) -> bool:
    """Keep a first run's figures (a :class:`cache.Recording`'s, each noted with its
    reader) as the first view of ``whose`` (the page's reader), on the data version
    ``con`` sees, and let go of those of other versions and builds.
    Returns whether they were written: not when one of them cannot be read back exactly
    (nothing half-kept)."""
    try:
        text, frames = kept_values.kept_exactly([[key, value] for key, value in figures.items()])
        reader_text, _ = kept_values.kept_exactly(whose)
    except kept_values.Unkeepable as refused:
        logging.getLogger(__name__).info("first view not kept: %s", refused)
        return False
    params = {"code": code_digest(), "data_version": _version_text(con)}
    con.execute(sql("prune_kept_first_view"), params)
    con.execute(
        sql("insert_kept_first_view"),
        {**params, "reader": reader_text, "figures": text, "frames": frames},
    )
    return True


def _figures(pairs: object) -> dict:
    """The figures of a kept view, each keyed as :func:`cache.preload` takes them:
    ((module, function), reader, arguments). Anything else is refused."""
    figures = {}
    try:
        for key, value in pairs:  # type: ignore[attr-defined]
            function, whose, arguments = key
            if not (
                isinstance(function, tuple)
                and len(function) == 2
                and all(isinstance(part, str) for part in function)
                and isinstance(whose, tuple)
            ):
                raise ValueError(f"not a figure's key: {key!r}")
            figures[(function, whose, arguments)] = value
    except (TypeError, ValueError) as problem:
        raise kept_values.Unkeepable(f"not a kept view: {problem}") from problem
    return figures


def load(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Keep in the memo every first view kept for this code and data version; returns
    whose they were (see :func:`keep`). One that cannot be read is passed over (and its
    figures worked out again)."""
    params = {"code": code_digest(), "data_version": _version_text(con)}
    rows = con.execute(sql("kept_first_view"), params).fetchall()
    loaded = []
    for reader_text, text, frames in rows:
        try:
            whose = kept_values.decode(reader_text, b"")
            if not isinstance(whose, tuple):
                raise kept_values.Unkeepable(f"not a reader: {whose!r}")
            figures = _figures(kept_values.decode(text, frames))
        except kept_values.Unkeepable as unreadable:
            logging.getLogger(__name__).warning("a kept first view is unreadable: %s", unreadable)
            continue
        cache.preload(con, figures)
        loaded.append(whose)
    return loaded
