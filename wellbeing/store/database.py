"""The DuckDB store: opening the file, numbered migrations, the instruments, private files.

One connection per process; callers take ``con.cursor()`` per thread or script
run, because a DuckDB connection refuses to be shared between threads.
"""

from __future__ import annotations

import contextlib
import os
import re
from importlib import resources
from pathlib import Path

import duckdb

from wellbeing.core import instruments
from wellbeing.store import audit_chain, config, keys
from wellbeing.store.transaction import transaction

MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class StoreUnavailable(RuntimeError):
    """The database file cannot be opened; the message says why and what to do."""


class StoreLocked(StoreUnavailable):
    """Another process (usually the running dashboard) holds the database file."""


class StoreUnreadable(StoreUnavailable):
    """The path names no database this can open: not a DuckDB file, a folder, a damaged
    file, or a folder it may not create."""


_WHERE_THE_DATABASE_IS = (
    "Check that WELLBEING_DB, or database in wellbeing.toml, names the dashboard's database "
    "file (a new name starts an empty one), and restore the file from a backup if it is "
    "damaged."
)


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
    Numbers are reserved for work in progress (003 and 005 while 004 was written),
    so a number is applied whenever it is missing, even below the highest applied.
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
    keys.settle(con)
    audit_chain.chain_unhashed(con)
    return applied


def sync_instruments(con: duckdb.DuckDBPyConnection) -> None:
    """Copy the instrument CSVs (``wellbeing.core.instruments``) into the store; idempotent.

    Every start calls it, so it only reads when the store already holds them.
    """
    wanted = _instrument_rows()
    if _instruments_in_store(con, wanted):
        return
    with transaction(con):
        for row in wanted["instruments"]:
            con.execute("insert or replace into instruments values (?, ?, ?, ?)", list(row))
        for row in wanted["constructs"]:
            con.execute("insert or replace into constructs values (?, ?, ?, ?, ?, ?, ?)", list(row))
        for row in wanted["label_sets"]:
            con.execute("insert or replace into label_sets values (?, ?, ?)", list(row))
        # HR's own questions (ids from COUNCIL_ITEM_ID_START) live only in the store.
        con.execute(
            "delete from items where id < $first", {"first": instruments.COUNCIL_ITEM_ID_START}
        )
        for row in wanted["items"]:
            con.execute("insert into items values (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row))


def _instrument_rows() -> dict[str, list[tuple]]:
    """The rows of the four instrument tables as the CSVs give them, in column order."""
    return {
        "instruments": [
            (
                row["code"],
                row["name"],
                row["description"],
                instruments.is_true(row["higher_is_better"]),
            )
            for row in instruments.csv_rows("instruments.csv")
        ],
        "constructs": [
            (
                row["instrument"],
                row["code"],
                row["name"],
                row["description"],
                row["kind"],
                float(row["scale_min"]),
                float(row["scale_max"]),
            )
            for row in instruments.csv_rows("constructs.csv")
        ],
        "label_sets": [
            (
                row["name"],
                row["label"],
                float(row["value"].strip()) if row["value"].strip() else None,
            )
            for row in instruments.csv_rows("label_sets.csv")
        ],
        "items": [
            (
                item.id,
                item.instrument,
                item.code,
                item.construct,
                item.text,
                item.label_set,
                item.scale_min,
                item.scale_max,
                item.reverse,
            )
            for item in instruments.all_items()
        ],
    }


_STORED = {
    "instruments": "select * from instruments",
    "constructs": "select * from constructs",
    "label_sets": "select * from label_sets",
    "items": "select * from items where id < $first",
}


def _instruments_in_store(con: duckdb.DuckDBPyConnection, wanted: dict[str, list[tuple]]) -> bool:
    """Whether writing ``wanted`` would change nothing: every row already there as it is,
    and the built-in items exactly these (they are replaced whole; HR's own are kept)."""
    for table, rows in wanted.items():
        first = {"first": instruments.COUNCIL_ITEM_ID_START} if table == "items" else None
        stored = con.execute(_STORED[table], first).fetchall()
        if table == "items":
            if sorted(stored) != sorted(rows):
                return False
        elif not set(rows) <= set(stored):
            return False
    return True


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date.

    ``None`` or ``":memory:"`` opens an in-memory store, for tests.
    """
    options = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    if path is None or str(path) == ":memory:":
        con = duckdb.connect(":memory:", config=options)
    else:
        path = Path(path)
        try:
            make_private_folder(path.parent)
        except OSError as error:
            raise StoreUnreadable(
                f"The database's folder {path.parent} cannot be made or used "
                f"({error.strerror or error}). {_WHERE_THE_DATABASE_IS}"
            ) from error
        try:
            con = duckdb.connect(str(path), config=options)
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise StoreLocked(
                    f"The database {path} is in use by another program (usually the running "
                    "dashboard). Stop the dashboard, or import through its Upload page."
                ) from error
            reason = str(error).removeprefix("IO Error: ").rstrip()
            reason += "" if reason.endswith((".", "!")) else "."
            raise StoreUnreadable(
                f"The database {path} cannot be opened: {reason} {_WHERE_THE_DATABASE_IS}"
            ) from error
        keep_private(path)
    migrate(con)
    return con


def make_private_folder(folder: Path) -> None:
    """Create the data folder readable by its owner only (0700).

    An existing folder is made private too when it is the default ``data/``;
    a folder chosen by the administrator is left as they set it.
    """
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    elif folder.resolve() == config.DEFAULT_DB_PATH.parent.resolve():
        os.chmod(folder, 0o700)


def keep_private(path: Path) -> None:
    """The database file and its write-ahead log: readable and writable by the owner only."""
    for file in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(file, 0o600)
