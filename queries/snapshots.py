"""What a reader process journals for the writer, and when the writer publishes anew.

The file mechanics (publish, open, journal, replay) are ``wellbeing.store.snapshots``;
this module names the statements involved, so that they stay named .sql files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from queries import decisions, sql
from wellbeing.store import snapshots

# The only statements a leader's session writes: what they were shown of a wave
# (queries.decisions.remember), sign-in attempts and audit events. A reader
# journals them and the writer stores them; any other write on a reader fails.
JOURNALED = ("insert_wave_publication", "insert_sign_in_attempt", "mark_sign_in_succeeded")
# Journaled as what happened, not as a statement: the writer gives the line its id
# and its place in the hash chain (wellbeing.access.audit_log.record).
AUDIT_EVENT = "audit_event"


def journaled_statements() -> dict[str, str]:
    """Each journaled statement's text -> its name, as a reader's cursor matches them."""
    return {sql(name): name for name in JOURNALED}


def snapshot_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """The store as readers would see it, read afresh: a new snapshot when this changes."""
    data = con.execute(sql("data_version")).fetchall()[0]
    rest = con.execute(sql("snapshot_version")).fetchall()[0]
    return (*data, *rest)


def replay_journal(
    con: duckdb.DuckDBPyConnection,
    where: Path,
    *,
    audit: Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], None] | None = None,
) -> int:
    """Store what readers journaled (oldest first); returns how many entries.

    ``audit`` stores an audit line a reader journaled (the writer's audit log).
    """

    def run(name: str, parameters: dict[str, Any]) -> None:
        if name == AUDIT_EVENT and audit is not None:
            audit(con, parameters)
            return
        if name not in JOURNALED:  # the journal names statements; it never carries SQL
            raise ValueError(f"not a journaled statement: {name!r}")
        con.execute(sql(name), parameters).fetchall()

    replayed = snapshots.replay(where, run)
    if replayed:
        decisions.forget_wave_versions()
    return replayed
