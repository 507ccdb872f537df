"""What a reader process journals for the writer, and when the writer publishes anew.

The file mechanics (publish, open, journal, replay) are ``wellbeing.store.snapshots``;
this module names the statements involved, so that they stay named .sql files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from queries import sql
from wellbeing.store import snapshots

# The only statements a leader's session writes: what they were shown of a wave
# (queries.decisions.remember), sign-in attempts and audit events. A reader
# journals them and the writer stores them; any other write on a reader fails.
JOURNALED = ("insert_wave_publication", "insert_sign_in_attempt", "insert_audit_event")


def journaled_statements() -> dict[str, str]:
    """Each journaled statement's text -> its name, as a reader's cursor matches them."""
    return {sql(name): name for name in JOURNALED}


def snapshot_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """The store as readers would see it, read afresh: a new snapshot when this changes."""
    data = con.execute(sql("data_version")).fetchall()[0]
    rest = con.execute(sql("snapshot_version")).fetchall()[0]
    return (*data, *rest)


def replay_journal(con: duckdb.DuckDBPyConnection, where: Path) -> int:
    """Store what readers journaled (oldest first); returns how many statements."""

    def run(name: str, parameters: dict[str, Any]) -> None:
        if name not in JOURNALED:  # the journal names statements; it never carries SQL
            raise ValueError(f"not a journaled statement: {name!r}")
        con.execute(sql(name), parameters).fetchall()

    return snapshots.replay(where, run)
