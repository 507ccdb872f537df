"""All or nothing: the one place a transaction is begun, committed or rolled back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit when the block finishes, roll back on any error (and raise it again).

    Example:
        with transaction(con):
            con.execute(sql("insert_upload"), params)
    """
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
