"""The audit log's hash chain: each entry's hash covers the entry and the hash before it.

The hash is keyed (HMAC-SHA256) with the audit key from the key file
(``wellbeing.store.keys``), so whoever can write to the database but does not
hold the key file cannot edit, remove or insert an entry and hash the chain
again. ``wellbeing.access.audit_log`` adds entries and checks the chain (the
Audit log page shows the result). Removing the newest entries leaves a chain
that still holds: docs/security.md says what is and is not detected.
"""

from __future__ import annotations

import datetime as dt
import hmac

import duckdb

from wellbeing.store import keys

# The hash before the first entry.
GENESIS = "0" * 64
_SEPARATOR = "\x1f"


def entry_hash(
    key: bytes,
    *,
    previous: str,
    entry_id: int,
    happened_at: dt.datetime,
    username: str,
    action: str,
    detail: str,
) -> str:
    """The hash of one entry, chained to the hash of the entry before it."""
    text = _SEPARATOR.join(
        (
            previous,
            str(int(entry_id)),
            happened_at.isoformat(sep=" ", timespec="microseconds"),
            username,
            action,
            detail,
        )
    )
    return hmac.new(key, text.encode(), "sha256").hexdigest()


def chained(key: bytes, previous: str, row: tuple) -> str:
    """The hash of an audit row ``(id, happened_at, username, action, detail, ...)``."""
    entry_id, happened_at, username, action, detail = row[:5]
    return entry_hash(
        key,
        previous=previous,
        entry_id=entry_id,
        happened_at=happened_at,
        username=username,
        action=action,
        detail=detail,
    )


def audit_key(con: duckdb.DuckDBPyConnection) -> bytes:
    return keys.identifier_keys(con).audit


def chain_unhashed(con: duckdb.DuckDBPyConnection) -> int:
    """Hash entries written before the chain existed (migration 004), in id order.

    Only a run of unhashed entries at the end of the log is chained; an unhashed
    entry before a hashed one stays unhashed, and the check reports it.
    """
    rows = con.execute(
        "select id, happened_at, username, action, detail, entry_hash from audit_log order by id"
    ).fetchall()
    start = len(rows)
    while start > 0 and rows[start - 1][5] is None:
        start -= 1
    if start == len(rows):
        return 0
    key = audit_key(con)
    previous = rows[start - 1][5] if start > 0 else GENESIS
    for row in rows[start:]:
        previous = chained(key, previous, row)
        con.execute(
            "update audit_log set entry_hash = $hash where id = $id",
            {"hash": previous, "id": row[0]},
        )
    return len(rows) - start
