"""All or nothing: the one place a transaction is begun, committed or rolled back."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator

import duckdb

# Connections inside a trial (see ``trial``): a transaction begun there joins it.
_in_trial: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit when the block finishes, roll back on any error (and raise it again).

    Inside a ``trial`` the block joins it: the trial's rollback undoes it too.

    Example:
        with transaction(con):
            con.execute(sql("insert_upload"), params)
    """
    if con in _in_trial:
        yield
        return
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextlib.contextmanager
def trial(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Make changes only to see what they would do: everything in the block is rolled back.

    Example:
        with trial(con):
            withdraw(con, upload_id)
            after = decision(con, wave_id=wave_id)
    """
    con.execute("begin transaction")
    _in_trial.add(con)
    try:
        yield
    finally:
        _in_trial.discard(con)
        con.execute("rollback")
