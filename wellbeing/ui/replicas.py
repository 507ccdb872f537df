"""Several dashboard processes: readers serve snapshots, the one writer publishes them.

Set ``WELLBEING_SNAPSHOTS`` to a folder and this process publishes a snapshot
of its store there after every change (the writer: HR's imports and settings).
Set ``WELLBEING_READ_ONLY=1`` too and it never opens the store: each script run
reads the newest snapshot instead (a reader). docs/deployment.md shows the
layouts; ``wellbeing.store.snapshots`` how a snapshot is published and read.
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

import duckdb
import streamlit as st

from queries import decisions
from queries import snapshots as snapshot_queries
from wellbeing.access import audit_log
from wellbeing.store import snapshots

# How often the writer looks for a change (its own, or journaled by readers).
PUBLISH_EVERY_SECONDS = 1.0


@st.cache_resource
def reader_snapshots(where: str) -> snapshots.Snapshots:
    """The snapshots this reader process has open, shared by every session."""
    return snapshots.Snapshots(Path(where), snapshot_queries.journaled_statements())


# The snapshot this process last opened a cursor on.
_last_snapshot: list[str] = []


def reader_cursor() -> snapshots.ReaderCursor:
    """A cursor on the newest snapshot: one script run sees one snapshot, whole.

    A new snapshot may hold what other readers showed of an earlier version of a
    wave, which the data version does not cover: the wave's next decision holds to it.
    """
    where = snapshots.folder()
    assert where is not None, "a reader needs WELLBEING_SNAPSHOTS"
    cursor = reader_snapshots(str(where)).newest()
    if _last_snapshot != [cursor.snapshot]:
        decisions.forget_wave_versions()
        _last_snapshot[:] = [cursor.snapshot]
    return cursor


_stop = threading.Event()
_publisher: list[threading.Thread] = []
_publisher_lock = threading.Lock()


def _store_audit_line(con: duckdb.DuckDBPyConnection, line: dict) -> None:
    audit_log.record(
        con, user=line["user"], action=line["action"], detail=line["detail"], now=line["now"]
    )


def publish_now(shared: duckdb.DuckDBPyConnection, where: Path, last: tuple | None) -> tuple:
    """Store what readers journaled, then publish if the store changed; the version published."""
    cursor = shared.cursor()
    snapshot_queries.replay_journal(cursor, where, audit=_store_audit_line)
    version = snapshot_queries.snapshot_version(cursor)
    if version != last or snapshots.current(where) is None:
        snapshots.publish(cursor, where)
    return version


def start_publishing(shared: duckdb.DuckDBPyConnection) -> None:
    """In the writer, once per process: publish now, then after every change."""
    where = snapshots.folder()
    if where is None:
        return
    with _publisher_lock:
        if _publisher:
            return
        # The first snapshot before any reader needs it, then a thread for the rest.
        last = publish_now(shared, where, None)

        def publish_changes() -> None:
            version = last
            while not _stop.wait(PUBLISH_EVERY_SECONDS):
                try:
                    version = publish_now(shared, where, version)
                except Exception:  # logged; the next turn tries again
                    logging.getLogger(__name__).exception("publishing a snapshot")

        thread = threading.Thread(target=publish_changes, name="publish-snapshots", daemon=True)
        _publisher.append(thread)
        thread.start()


@atexit.register
def _stop_publishing() -> None:
    """Let a publish in progress finish: a thread killed inside DuckDB aborts the process."""
    _stop.set()
    for thread in _publisher:
        thread.join(timeout=60)
