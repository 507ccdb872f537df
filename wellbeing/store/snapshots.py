"""Read-only snapshots of the store, for several dashboard processes on one or more machines.

DuckDB lets one process open a database file for writing and no other process
open it at all while it does; several processes may open a file read-only when
nobody writes it (../shared/STACK.md; DuckDB 2.0 "Concurrency"). So one
*writer* process keeps the store (HR's imports and settings go there) and
publishes a copy of it after each change; any number of *reader* processes
serve leaders from the newest copy.

A folder (``WELLBEING_SNAPSHOTS``) holds them::

    CURRENT                       the name of the newest complete snapshot
    snapshot-<utc>-<id>.duckdb    complete copies, never written after publishing
    journal/<ns>-<id>.json        what readers recorded, for the writer to store

Publishing writes the copy under a temporary name inside one transaction (so it
is one consistent version of the data), fsyncs it, renames it into place and
only then replaces ``CURRENT`` the same way (write, fsync, atomic rename, fsync
the folder). A reader that reads ``CURRENT`` either finds the old snapshot or
the new one, each complete. A script run takes one snapshot's cursor and keeps
it to its end, so a session never sees half of one; the next run takes the
newest. Old snapshots are deleted after newer ones exist; a reader still
reading one keeps its open file until it lets go (POSIX unlink semantics).

Readers cannot write, but a few things a leader does must be stored: what they
were shown of each wave (the confidentiality engine decides later versions
together with it), sign-in attempts and audit events. A reader's cursor
(:class:`ReaderCursor`) writes those statements to the journal instead, one
file each, fsynced before the page goes on, and the writer stores them
(:func:`replay`) before it next publishes. Killing a reader loses none of them.
No Streamlit and no query layer here: the caller names the journaled statements.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

SNAPSHOTS_ENV = "WELLBEING_SNAPSHOTS"
READ_ONLY_ENV = "WELLBEING_READ_ONLY"
CURRENT = "CURRENT"
JOURNAL = "journal"
PREFIX, SUFFIX = "snapshot-", ".duckdb"
# Snapshots kept besides the current one: a run that began on one a moment ago can finish.
KEPT = 2
_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
# The name the snapshot being written is attached under; one publish at a time uses it.
ALIAS = "wellbeing_snapshot"
_publishing = threading.Lock()


def folder() -> Path | None:
    """The snapshot folder this process publishes to or reads from, if any."""
    value = os.environ.get(SNAPSHOTS_ENV)
    return Path(value) if value else None


def reading() -> bool:
    """True in a reader process: it serves snapshots and never opens the store itself."""
    return folder() is not None and os.environ.get(READ_ONLY_ENV, "").lower() in {
        "1",
        "true",
        "yes",
    }


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    _fsync_dir(path.parent)


def _copy_into_snapshot(source: str) -> str:
    """The statement that copies the database ``source`` into the attached snapshot.

    COPY FROM DATABASE names databases, and identifiers cannot be bound
    parameters: ``source`` is DuckDB's own name for the store
    (``current_database()``), quoted as an identifier. No value goes in.
    """
    return 'copy from database "' + source.replace('"', '""') + '" to ' + ALIAS


def publish(con: duckdb.DuckDBPyConnection, where: Path, *, kept: int = KEPT) -> Path:
    """Copy the store ``con`` holds into a new snapshot and make it the current one.

    Example:
        publish(con.cursor(), Path("/srv/wellbeing/snapshots"))
    """
    where.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{PREFIX}{stamp}-{uuid.uuid4().hex[:8]}{SUFFIX}"
    partial = where / f".{name}.partial"
    with _publishing:
        source = con.execute("select current_database()").fetchall()[0][0]
        con.execute("attach $path as wellbeing_snapshot", {"path": str(partial)})
        try:
            # One statement, one transaction: the copy is one version of the data.
            con.execute(_copy_into_snapshot(source))
        finally:
            con.execute("detach wellbeing_snapshot")
    _fsync_file(partial)
    os.replace(partial, where / name)
    _fsync_dir(where)
    _write_atomically(where / CURRENT, name)
    _prune(where, keep=name, kept=kept)
    return where / name


def _prune(where: Path, *, keep: str, kept: int) -> None:
    older = sorted(p for p in where.glob(f"{PREFIX}*{SUFFIX}") if p.name != keep)
    for path in older[: max(0, len(older) - kept)]:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)


def current(where: Path) -> Path | None:
    """The newest complete snapshot, or None before the writer has published one."""
    try:
        name = (where / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return where / name if name else None


def wait_for_current(where: Path, *, timeout: float = 300.0) -> Path:
    """The current snapshot, waiting for the writer's first one (a reader started first)."""
    deadline = time.monotonic() + timeout
    while (found := current(where)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no snapshot in {where} after {timeout:.0f} s: is the writer up?")
        time.sleep(0.2)
    return found


class Snapshots:
    """A reader's open snapshots: the newest on demand, a few older ones still open."""

    def __init__(self, where: Path, statements: Mapping[str, str], *, kept: int = KEPT) -> None:
        self.where = where
        self.statements = dict(statements)
        self.kept = kept
        self._open: OrderedDict[Path, duckdb.DuckDBPyConnection] = OrderedDict()
        self._lock = threading.Lock()

    def newest(self) -> ReaderCursor:
        """A cursor on the newest snapshot, for one script run (or one thread)."""
        path = wait_for_current(self.where)
        with self._lock:
            con = self._open.get(path)
            if con is None:
                con = duckdb.connect(str(path), read_only=True, config=_CONFIG)
                self._open[path] = con
                # Older connections stay open for a while: a run may still be using one.
                while len(self._open) > self.kept + 1:
                    _, oldest = self._open.popitem(last=False)
                    oldest.close()
            return ReaderCursor(con.cursor(), self.where, self.statements, snapshot=path.name)


class _Journaled:
    """What a journaled statement returns: nothing, in every form a caller may ask for."""

    def fetchall(self) -> list:
        return []

    def fetchone(self) -> None:
        return None


class ReaderCursor:
    """A snapshot cursor that journals the statements the writer must store, runs the rest.

    Anything else a caller asks of it is the DuckDB cursor's own.
    """

    def __init__(
        self,
        inner: duckdb.DuckDBPyConnection,
        where: Path,
        statements: Mapping[str, str],
        *,
        snapshot: str,
    ) -> None:
        self._inner = inner
        self._where = where
        self._statements = statements
        self.snapshot = snapshot

    def execute(self, query: str, parameters: Any = None, *args: Any, **kwargs: Any) -> Any:
        name = self._statements.get(query)
        if name is not None:
            record(self._where, name, parameters or {})
            return _Journaled()
        if parameters is None:
            self._inner.execute(query, *args, **kwargs)
        else:
            self._inner.execute(query, parameters, *args, **kwargs)
        return self

    def cursor(self) -> ReaderCursor:
        return ReaderCursor(
            self._inner.cursor(), self._where, self._statements, snapshot=self.snapshot
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _encoded(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict) and "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if isinstance(value, dict) and "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    return value


def journal_of(con: Any) -> Path | None:
    """Where a reader's cursor journals what the writer must store; None for the writer.

    For what cannot be a statement run later as it is: an audit line's id and hash
    are the writer's to give (``wellbeing.access.audit_log.record``).
    """
    return con._where if isinstance(con, ReaderCursor) else None


def record(where: Path, statement: str, parameters: Mapping[str, Any]) -> Path:
    """Journal one statement for the writer; on disk (fsynced) when this returns."""
    folder_ = where / JOURNAL
    folder_.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"statement": statement, "parameters": {k: _encoded(v) for k, v in parameters.items()}}
    )
    path = folder_ / f"{time.time_ns():020d}-{uuid.uuid4().hex}.json"
    _write_atomically(path, text)
    return path


def replay(where: Path, run: Callable[[str, dict[str, Any]], None]) -> int:
    """The writer stores every journaled statement, oldest first; returns how many.

    Each file is deleted once ``run`` has returned, so a crash in between stores
    that one statement twice at worst (an audit line or a publication repeated),
    never loses it.
    """
    folder_ = where / JOURNAL
    if not folder_.is_dir():
        return 0
    done = 0
    for path in sorted(folder_.glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        parameters = {k: _decoded(v) for k, v in entry["parameters"].items()}
        run(entry["statement"], parameters)
        path.unlink()
        done += 1
    return done
