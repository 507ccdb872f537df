"""The DuckDB store: opening the file, numbered migrations, the instruments, the salt.

One connection per process; callers take ``con.cursor()`` per thread or script
run, because a DuckDB connection refuses to be shared between threads.
"""

from __future__ import annotations

import re
import secrets
from importlib import resources
from pathlib import Path

import duckdb

from wellbeing.core import instruments
from wellbeing.store.transaction import transaction

MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class StoreLocked(RuntimeError):
    """Another process (usually the running dashboard) holds the database file."""


def migrations() -> list[tuple[int, str, str]]:
    """Every migration shipped with the package as (version, name, sql), in order."""
    found = []
    for entry in resources.files("wellbeing.store.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    row = con.execute("select coalesce(max(version), 0) from schema_migrations").fetchall()
    return int(row[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations this database lacks, each in its own transaction.

    Safe to call on every start: applied versions are recorded and skipped.
    A version below the highest applied one is still applied if it is missing:
    branches number their migrations ahead of each other's (006 before 004 and
    005 are merged), and a store that ran 006 first must not skip them.
    Returns the number of migrations applied.
    """
    con.execute(
        """
        create table if not exists schema_migrations (
            version integer primary key,
            name varchar not null,
            applied_at timestamp not null default current_timestamp
        )
        """
    )
    done = {row[0] for row in con.execute("select version from schema_migrations").fetchall()}
    applied = 0
    for version, name, sql in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "insert into schema_migrations (version, name) values ($version, $name)",
                {"version": version, "name": name},
            )
        applied += 1
    sync_instruments(con)
    ensure_salt(con)
    return applied


def sync_instruments(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the instrument CSVs (``wellbeing.core.instruments``) into the store; idempotent."""
    items = instruments.all_items()
    with transaction(con):
        for row in instruments.csv_rows("instruments.csv"):
            con.execute(
                "insert or replace into instruments values ($code, $name, $description, $better)",
                {
                    "code": row["code"],
                    "name": row["name"],
                    "description": row["description"],
                    "better": instruments.is_true(row["higher_is_better"]),
                },
            )
        for row in instruments.csv_rows("constructs.csv"):
            con.execute(
                "insert or replace into constructs values "
                "($instrument, $code, $name, $description, $kind, $min, $max)",
                {
                    "instrument": row["instrument"],
                    "code": row["code"],
                    "name": row["name"],
                    "description": row["description"],
                    "kind": row["kind"],
                    "min": float(row["scale_min"]),
                    "max": float(row["scale_max"]),
                },
            )
        for row in instruments.csv_rows("label_sets.csv"):
            value = row["value"].strip()
            con.execute(
                "insert or replace into label_sets values ($name, $label, $value)",
                {
                    "name": row["name"],
                    "label": row["label"],
                    "value": float(value) if value else None,
                },
            )
        con.execute("delete from items")
        for item in items:
            con.execute(
                "insert into items values "
                "($id, $instrument, $code, $construct, $text, $label_set, $min, $max, $reverse)",
                {
                    "id": item.id,
                    "instrument": item.instrument,
                    "code": item.code,
                    "construct": item.construct,
                    "text": item.text,
                    "label_set": item.label_set,
                    "min": item.scale_min,
                    "max": item.scale_max,
                    "reverse": item.reverse,
                },
            )


def ensure_salt(con: duckdb.DuckDBPyConnection) -> str:
    """The per-installation salt for identifier hashes, created on first use.

    It lives only inside this database, so it is never in the repository, and
    hashes stay comparable across every upload into the same store.
    """
    con.execute(
        "insert into settings (key, value) values ('identifier_salt', $salt) "
        "on conflict do nothing",
        {"salt": secrets.token_hex(32)},
    )
    return con.execute("select value from settings where key = 'identifier_salt'").fetchall()[0][0]


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date.

    ``None`` or ``":memory:"`` opens an in-memory store, for tests.
    """
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    if path is None or str(path) == ":memory:":
        con = duckdb.connect(":memory:", config=config)
    else:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), config=config)
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise StoreLocked(
                    f"The database {path} is in use by another program (usually the running "
                    "dashboard). Stop the dashboard, or import through its Upload page."
                ) from error
            raise
    migrate(con)
    return con
