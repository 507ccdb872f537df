"""The identifier keys: kept apart from the database, in a file only the service account reads.

Respondent and worker identifiers are stored only as keyed hashes (HMAC-SHA256),
so a copy of the database alone does not let anyone recompute them from a list
of employee numbers. The keys live in a key file (``<database>.keys`` beside the
database by default, ``key_file = "..."`` in wellbeing.toml or the
``WELLBEING_KEY_FILE`` variable to put it elsewhere), created readable by its
owner only, or in the ``WELLBEING_KEYS`` variable (the file's JSON text) from a
secret store. docs/security.md says how to back them up and rotate them.

- Workers and respondents have separate keys, so a survey whose respondent id is
  the employee number never joins onto staff rows.
- A respondent's hash is keyed by its wave too: it can tell the same person
  twice in one wave (duplicate answers) and nothing else, not even across waves.
- A key can be rotated: every stored hash is hashed again with the new key, and
  new identifiers go through the whole chain of keys.
- A store made before keys (up to migration 003) held ``sha256(salt:id)`` with
  the salt in its settings table. Opening it moves the salt into the key file
  and re-keys every stored hash (migration 004); the database no longer holds it.

The database keeps a fingerprint of the newest key of each kind, so starting
with a missing or different key file is refused instead of silently making
hashes that match nothing already stored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from wellbeing.store import config
from wellbeing.store.transaction import transaction

KEYS_ENV_VAR = "WELLBEING_KEYS"
KEY_FILE_ENV_VAR = "WELLBEING_KEY_FILE"
KEY_FILE_SETTING = "key_file"
WORKER = "worker"
RESPONDENT = "respondent"
DOMAINS = (WORKER, RESPONDENT)
# A wave label and an identifier are joined with a unit separator, which no
# cleaned cell holds (control characters are removed at import).
_SEPARATOR = "\x1f"
FILE_FORMAT = 1


class KeyProblem(RuntimeError):
    """The key file is missing, unreadable or not the one this database was hashed with."""


@dataclass(frozen=True)
class IdentifierKeys:
    """The keys of one installation: a chain per kind of identifier, and any legacy salt."""

    worker: tuple[bytes, ...]
    respondent: tuple[bytes, ...]
    audit: bytes = b""
    legacy_salt: str | None = None
    source: str = "memory"

    @classmethod
    def new(cls, *, legacy_salt: str | None = None, source: str = "memory") -> IdentifierKeys:
        return cls(
            worker=(secrets.token_bytes(32),),
            respondent=(secrets.token_bytes(32),),
            audit=secrets.token_bytes(32),
            legacy_salt=legacy_salt,
            source=source,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str) -> IdentifierKeys:
        try:
            data = json.loads(text)
            keys = cls(
                worker=tuple(bytes.fromhex(k) for k in data[WORKER]),
                respondent=tuple(bytes.fromhex(k) for k in data[RESPONDENT]),
                audit=bytes.fromhex(data["audit"]),
                legacy_salt=data.get("legacy_salt"),
                source=source,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise KeyProblem(f"The identifier keys in {source} cannot be read ({error}).") from None
        if not keys.worker or not keys.respondent or len(keys.audit) < 16:
            raise KeyProblem(f"The identifier keys in {source} are empty.")
        return keys

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FILE_FORMAT,
                "about": "Identifier keys of the wellbeing dashboard. Back up apart from the "
                "database; without this file new uploads cannot be matched to stored ones.",
                WORKER: [k.hex() for k in self.worker],
                RESPONDENT: [k.hex() for k in self.respondent],
                "audit": self.audit.hex(),
                "legacy_salt": self.legacy_salt,
            },
            indent=2,
        )

    def chain(self, domain: str) -> tuple[bytes, ...]:
        return self.worker if domain == WORKER else self.respondent

    def fingerprint(self, domain: str) -> str:
        """A short value that names the newest key of a kind without revealing it."""
        return hmac.new(
            self.chain(domain)[-1], b"fingerprint:" + domain.encode(), "sha256"
        ).hexdigest()[:16]

    def _inner(self, identifier: str) -> str:
        # Stores from before keys hashed sha256(salt:id)[:32]; keep that as the first step.
        if self.legacy_salt is None:
            return identifier
        return hashlib.sha256(f"{self.legacy_salt}:{identifier}".encode()).hexdigest()[:32]

    def worker_hash(self, identifier: str) -> str:
        """The stored form of a worker or supervisor id (the same in every upload)."""
        return _chain_from(self.worker, 0, self._inner(identifier))

    def respondent_hash(self, identifier: str, *, wave: str) -> str:
        """The stored form of a respondent id within one wave."""
        return _chain_from(self.respondent, 0, f"{wave}{_SEPARATOR}{self._inner(identifier)}")

    def for_workers(self) -> Callable[[str], str]:
        """The worker hash as a one-argument function (``ingest.values.hash_identifier``)."""
        return self.worker_hash

    def for_respondents(self, wave: str | None) -> Callable[[str], str]:
        """The respondent hash for one wave as a one-argument function."""
        return functools.partial(self.respondent_hash, wave=(wave or "").strip())


# 128 bits of HMAC-SHA256, as hex: the width the stored hashes always had.
HASH_CHARS = 32


def _chain_from(chain: tuple[bytes, ...], start: int, value: str) -> str:
    for key in chain[start:]:
        value = hmac.new(key, value.encode(), "sha256").hexdigest()[:HASH_CHARS]
    return value


def key_file_for(database: Path) -> Path:
    """Where this database's key file is: configured, else beside the database."""
    configured = os.environ.get(KEY_FILE_ENV_VAR) or config.settings_file_values().get(
        KEY_FILE_SETTING
    )
    if configured:
        return Path(configured)
    return database.with_suffix(".keys")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by the owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)


_lock = threading.Lock()
# Keys per database file (None: an in-memory store, whose keys live as long as the process).
_loaded: dict[str | None, IdentifierKeys] = {}


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file this connection's database lives in, or None in memory."""
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows else None
    return Path(path).resolve() if path else None


def identifier_keys(con: duckdb.DuckDBPyConnection) -> IdentifierKeys:
    """The keys of the database ``con`` is open on (loaded, or made and saved, once)."""
    database = database_file(con)
    name = str(database) if database else None
    with _lock:
        if name in _loaded:
            return _loaded[name]
    keys = _load_or_create(con, database)
    with _lock:
        return _loaded.setdefault(name, keys)


def forget_loaded() -> None:
    """Read key files again on next use (after a rotation by another process, and in tests)."""
    with _lock:
        _loaded.clear()


def _load_or_create(con: duckdb.DuckDBPyConnection, database: Path | None) -> IdentifierKeys:
    from_env = os.environ.get(KEYS_ENV_VAR)
    if from_env:
        keys = IdentifierKeys.from_json(from_env, source=f"the {KEYS_ENV_VAR} variable")
    elif database is None:
        keys = IdentifierKeys.new(source="memory")
    else:
        path = key_file_for(database)
        pending = path.with_name(path.name + ".new")
        if path.exists():
            keys = IdentifierKeys.from_json(path.read_text(), source=str(path))
            if pending.exists() and not _matches(con, keys):
                # A rotation stopped after its database commit: finish it.
                newer = IdentifierKeys.from_json(pending.read_text(), source=str(path))
                if _matches(con, newer):
                    os.replace(pending, path)
                    keys = newer
        else:
            if _fingerprints(con):
                raise KeyProblem(
                    f"The identifier key file {path} is missing, but the database "
                    f"{database} was hashed with one. Restore it from your backup (or set "
                    f"{KEY_FILE_ENV_VAR} to where it is): without it, new uploads could not be "
                    "matched to the people already stored. See docs/security.md."
                )
            keys = IdentifierKeys.new(source=str(path))
            write_private(path, keys.to_json())
    if _fingerprints(con) and not _matches(con, keys):
        raise KeyProblem(
            f"The identifier keys in {keys.source} are not the ones the database was hashed "
            "with. Use the key file that belongs to this database (see docs/security.md)."
        )
    return keys


def _fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute("select domain, fingerprint from identifier_keys").fetchall()
    return dict(rows)


def _matches(con: duckdb.DuckDBPyConnection, keys: IdentifierKeys) -> bool:
    stored = _fingerprints(con)
    return all(stored.get(domain) in (None, keys.fingerprint(domain)) for domain in DOMAINS)


def _record_fingerprints(con: duckdb.DuckDBPyConnection, keys: IdentifierKeys) -> None:
    for domain in DOMAINS:
        con.execute(
            "insert or replace into identifier_keys (domain, fingerprint, keys_in_chain) "
            "values ($domain, $fingerprint, $length)",
            {
                "domain": domain,
                "fingerprint": keys.fingerprint(domain),
                "length": len(keys.chain(domain)),
            },
        )


def settle(con: duckdb.DuckDBPyConnection) -> IdentifierKeys:
    """On every start (``store.migrate``): load the keys, upgrade a store from before keys.

    A store that still holds the old identifier salt has it moved into the key
    file, and every stored hash re-keyed, in one transaction (migration 004).
    """
    # Not secret: makes every store's figures its own in the data version
    # (queries/data_version.sql), as the salt in the settings table once did.
    con.execute(
        "insert into settings (key, value) values ('store_id', $id) on conflict do nothing",
        {"id": secrets.token_hex(16)},
    )
    salt_rows = con.execute("select value from settings where key = 'identifier_salt'").fetchall()
    if not salt_rows:
        keys = identifier_keys(con)
        if not _fingerprints(con):
            _record_fingerprints(con, keys)
        return keys
    salt = salt_rows[0][0]
    database = database_file(con)
    from_env = os.environ.get(KEYS_ENV_VAR)
    if from_env:
        keys = IdentifierKeys.from_json(from_env, source=f"the {KEYS_ENV_VAR} variable")
        if keys.legacy_salt != salt:
            raise KeyProblem(
                f"This database still holds its old identifier salt, and the keys in "
                f"{KEYS_ENV_VAR} do not carry it: start once with a key file so that the "
                "salt can be moved into it (docs/security.md, 'Upgrading')."
            )
    elif database is None:
        keys = IdentifierKeys.new(legacy_salt=salt)
    else:
        path = key_file_for(database)
        keys = (
            IdentifierKeys.from_json(path.read_text(), source=str(path))
            if path.exists()
            else IdentifierKeys.new(legacy_salt=salt, source=str(path))
        )
        if keys.legacy_salt is None:
            keys = replace(keys, legacy_salt=salt)
        if keys.legacy_salt != salt:
            raise KeyProblem(
                f"The key file {path} belongs to another database (its old salt differs)."
            )
        # The key file first: if the database commit below fails, the next start
        # finds the salt in both and simply does this again.
        write_private(path, keys.to_json())
    with transaction(con):
        _rehash_stored(con, lambda old: _chain_from(keys.worker, 0, old), _legacy_respondent(keys))
        con.execute("delete from settings where key = 'identifier_salt'")
        _record_fingerprints(con, keys)
    with _lock:
        _loaded[str(database) if database else None] = keys
    con.execute("checkpoint")
    return keys


def _legacy_respondent(keys: IdentifierKeys) -> Callable[[str, str], str]:
    def rehash(old: str, wave: str) -> str:
        return _chain_from(keys.respondent, 0, f"{wave}{_SEPARATOR}{old}")

    return rehash


def _rehash_stored(
    con: duckdb.DuckDBPyConnection,
    worker: Callable[[str], str],
    respondent: Callable[[str, str], str],
) -> None:
    """Replace every stored worker, supervisor and respondent hash by its re-keyed form.

    Each distinct hash is worked out once in Python, then joined back in SQL.
    """
    # Here, not with the module: the web server reads the store's settings before it
    # listens (serve.py), and pandas would add 0.3 s to every start.
    import pandas as pd

    workers = con.execute(
        "select worker_key from staff union select worker_key from supervision_sessions "
        "union select supervisor_key from supervision_sessions where supervisor_key is not null"
    ).fetchall()
    mapping = pd.DataFrame(
        {"old": [row[0] for row in workers], "new": [worker(row[0]) for row in workers]},
        dtype="str",
    )
    con.register("rekeyed_workers", mapping)
    try:
        for statement in (
            "update staff set worker_key = m.new from rekeyed_workers m "
            "where staff.worker_key = m.old",
            "update supervision_sessions set worker_key = m.new from rekeyed_workers m "
            "where supervision_sessions.worker_key = m.old",
            "update supervision_sessions set supervisor_key = m.new from rekeyed_workers m "
            "where supervision_sessions.supervisor_key = m.old",
        ):
            con.execute(statement)
    finally:
        con.unregister("rekeyed_workers")
    respondents = con.execute(
        "select distinct r.respondent_hash, w.label from responses r join waves w "
        "on w.id = r.wave_id where r.respondent_hash is not null"
    ).fetchall()
    mapping = pd.DataFrame(
        {
            "old": [row[0] for row in respondents],
            "wave": [row[1] for row in respondents],
            "new": [respondent(row[0], row[1]) for row in respondents],
        },
        dtype="str",
    )
    con.register("rekeyed_respondents", mapping)
    try:
        con.execute(
            "update responses set respondent_hash = m.new from rekeyed_respondents m, waves w "
            "where w.id = responses.wave_id and m.wave = w.label "
            "and m.old = responses.respondent_hash"
        )
    finally:
        con.unregister("rekeyed_respondents")


def rotate(con: duckdb.DuckDBPyConnection, *, domains: tuple[str, ...] = DOMAINS) -> IdentifierKeys:
    """Add a new key to each chain and re-key every stored hash with it.

    The database then matches only the new key file: whoever holds an old copy of
    the key file and a new copy of the database can no longer recompute a hash.
    The old keys stay in the chain (new identifiers go through it too), since the
    stored hashes cannot be undone to the original ids.
    """
    if os.environ.get(KEYS_ENV_VAR):
        raise KeyProblem(
            f"The keys come from the {KEYS_ENV_VAR} variable: rotate them with a key file "
            "(docs/security.md, 'Rotating the keys')."
        )
    database = database_file(con)
    if database is None:
        raise KeyProblem("An in-memory store has no key file to rotate.")
    old = identifier_keys(con)
    new = replace(
        old,
        worker=old.worker + ((secrets.token_bytes(32),) if WORKER in domains else ()),
        respondent=old.respondent + ((secrets.token_bytes(32),) if RESPONDENT in domains else ()),
    )
    path = key_file_for(database)
    pending = path.with_name(path.name + ".new")
    write_private(pending, new.to_json())
    last_worker = len(new.worker) - 1
    last_respondent = len(new.respondent) - 1
    with transaction(con):
        _rehash_stored(
            con,
            lambda value: (
                _chain_from(new.worker, last_worker, value) if WORKER in domains else value
            ),
            lambda value, wave: (
                _chain_from(new.respondent, last_respondent, value)
                if RESPONDENT in domains
                else value
            ),
        )
        _record_fingerprints(con, new)
    os.replace(pending, path)
    with _lock:
        _loaded[str(database)] = new
    with contextlib.suppress(duckdb.Error):
        con.execute("checkpoint")
    return new


def copy_store(source: Path, target: Path) -> None:
    """Copy a closed store and its key file (beside it) to ``target``, for a working copy.

    Backups are different: keep the key file's backup apart from the database's
    (docs/security.md).
    """
    import shutil

    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    key_file = source.with_suffix(".keys")
    if key_file.exists():
        write_private(target.with_suffix(".keys"), key_file.read_text())
