"""Issue 18: identifiers are keyed hashes whose keys are kept apart from the database.

The pen test recomputed sha256(salt:id) for SW10000-SW19999 with the salt read from
the database (464 of 758 worker keys in 0.02 s); data/ was 755 and the file 644.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pandas as pd
import pytest

from wellbeing import store
from wellbeing.cli.main import main
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.staff import import_staff, suggest_staff_mapping
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping
from wellbeing.store import audit_chain, database, keys

STAFF = (
    "Employee No,Team,Service,Job Title,Career Stage,Start Date\n"
    "SW10001,North,Adults,Social worker,Newly qualified,01/01/2020\n"
    "SW10002,North,Adults,Social worker,Newly qualified,01/01/2020\n"
)
SURVEY = "ID,Team,Service,How stressed does your work make you feel?\n" + "".join(
    f"SW1000{n},North,Adults,Very\n" for n in range(1, 4)
)


@pytest.fixture(autouse=True)
def fresh_keys(monkeypatch):
    monkeypatch.delenv(keys.KEYS_ENV_VAR, raising=False)
    monkeypatch.delenv(keys.KEY_FILE_ENV_VAR, raising=False)
    keys.forget_loaded()
    yield
    keys.forget_loaded()


@pytest.fixture
def con(fresh_keys):
    """A new store with keys of its own (the suite's templates hold its shared keys' marks)."""
    connection = store.connect(None)
    yield connection
    connection.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load_staff(con, text: str = STAFF, name: str = "staff_list_2026-06-30.csv") -> None:
    table = read_export(text.encode(), name)
    _, mapping = suggest_staff_mapping(con, table)
    import_staff(con, table, mapping, uploaded_by="test")


def load_survey(con, wave: str, text: str = SURVEY, name: str = "survey.csv") -> None:
    table = read_export(text.encode(), name)
    _, mapping = suggest_survey_mapping(con, table)
    mapping = {**mapping, "ID": "field:respondent_id"}
    import_survey(con, table, mapping, wave=wave, uploaded_by="test")


def worker_keys(con) -> list[str]:
    return [row[0] for row in con.execute("select worker_key from staff order by 1").fetchall()]


def test_a_new_store_is_private_and_its_keys_are_in_a_private_file_beside_it(tmp_path):
    path = tmp_path / "data" / "wellbeing.duckdb"
    con = store.connect(path)
    load_staff(con)
    con.close()
    key_file = path.with_suffix(".keys")
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    assert mode(key_file) == 0o600


def test_the_database_alone_cannot_recompute_a_worker_key(tmp_path):
    path = tmp_path / "data" / "wellbeing.duckdb"
    con = store.connect(path)
    load_staff(con)
    settings = dict(con.execute("select key, value from settings").fetchall())
    stored = set(worker_keys(con))
    con.close()
    assert "identifier_salt" not in settings
    # Everything in the database, tried as a salt and as a key, recomputes nothing.
    for secret in settings.values():
        for n in range(10_000, 10_010):
            ident = f"SW{n}"
            assert hashlib.sha256(f"{secret}:{ident}".encode()).hexdigest()[:32] not in stored
            keyed = hmac.new(secret.encode(), ident.encode(), "sha256").hexdigest()[:32]
            assert keyed not in stored
    # The key file does.
    worker_key = bytes.fromhex(json.loads(path.with_suffix(".keys").read_text())["worker"][0])
    assert hmac.new(worker_key, b"SW10001", "sha256").hexdigest()[:32] in stored


def test_respondent_and_worker_ids_never_join_and_a_respondent_is_known_only_in_its_wave(con):
    load_staff(con)
    load_survey(con, "Autumn 2026")
    load_survey(con, "Spring 2027", name="survey2.csv", text=SURVEY + "SW10009,North,Adults,Very\n")
    workers = set(worker_keys(con))
    respondents = con.execute(
        "select w.label, r.respondent_hash from responses r join waves w on w.id = r.wave_id"
    ).fetchall()
    assert not workers & {h for _, h in respondents}
    autumn = {h for label, h in respondents if label == "Autumn 2026"}
    spring = {h for label, h in respondents if label == "Spring 2027"}
    assert len(autumn) == 3 and len(spring) == 4 and not autumn & spring
    # The same person twice in one wave hashes alike: duplicates can still be refused.
    again = store.identifier_keys(con).for_respondents("Autumn 2026")("SW10001")
    assert again in autumn


def make_legacy_store(path: Path) -> str:
    """A store as main left it before keys: migrations up to 003 and sha256(salt:id)."""
    shipped = database.migrations()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database, "migrations", lambda: [m for m in shipped if m[0] < 4])
        patch.setattr(keys, "settle", lambda con: None)
        patch.setattr(audit_chain, "chain_unhashed", lambda con: 0)
        con = store.connect(path)
    salt = "a" * 64
    con.execute("insert into settings values ('identifier_salt', $salt)", {"salt": salt})
    old = {n: hashlib.sha256(f"{salt}:SW1000{n}".encode()).hexdigest()[:32] for n in (1, 2)}
    for hashed in old.values():
        con.execute(
            "insert into staff (upload_id, worker_key, team) values (1, $key, 'North')",
            {"key": hashed},
        )
        con.execute(
            "insert into supervision_sessions (upload_id, worker_key, supervisor_key, held_on, "
            "status) values (2, $key, $key, date '2026-01-05', 'held')",
            {"key": hashed},
        )
    con.execute("insert into waves (label) values ('Autumn 2026')")
    con.execute(
        "insert into responses (id, wave_id, upload_id, respondent_hash, team) "
        "values (1, 1, 3, $hash, 'North')",
        {"hash": old[1]},
    )
    con.close()
    return salt


def test_an_old_store_is_upgraded_the_salt_leaves_it_and_old_rows_match_new_uploads(tmp_path):
    path = tmp_path / "data" / "wellbeing.duckdb"
    salt = make_legacy_store(path)
    con = store.connect(path)  # migration 004 and the re-keying
    assert (
        con.execute("select count(*) from settings where key = 'identifier_salt'").fetchall()[0][0]
        == 0
    )
    assert json.loads(path.with_suffix(".keys").read_text())["legacy_salt"] == salt
    installed = store.identifier_keys(con)
    expected = sorted(installed.worker_hash(f"SW1000{n}") for n in (1, 2))
    assert worker_keys(con) == expected
    sessions = con.execute(
        "select distinct worker_key from supervision_sessions "
        "union select supervisor_key from supervision_sessions order by 1"
    ).fetchall()
    assert [row[0] for row in sessions] == expected
    respondent = con.execute("select respondent_hash from responses").fetchall()[0][0]
    assert respondent == installed.respondent_hash("SW10001", wave="Autumn 2026")
    # A staff list uploaded after the upgrade names the same workers with the same keys.
    load_staff(con, name="staff_list_2026-09-30.csv", text=STAFF.replace("2020", "2021"))
    assert set(worker_keys(con)) == set(expected)
    con.close()


def test_a_missing_key_file_is_refused_rather_than_starting_new_keys(tmp_path):
    path = tmp_path / "data" / "wellbeing.duckdb"
    con = store.connect(path)
    load_staff(con)
    con.close()
    path.with_suffix(".keys").unlink()
    keys.forget_loaded()
    with pytest.raises(store.KeyProblem, match="is missing"):
        store.connect(path)


def test_a_key_file_of_another_store_is_refused(tmp_path):
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    store.connect(one).close()
    store.connect(two).close()
    one.with_suffix(".keys").replace(two.with_suffix(".keys"))
    keys.forget_loaded()
    with pytest.raises(store.KeyProblem, match="not the ones"):
        store.connect(two)


def test_keys_can_come_from_an_environment_variable_with_no_file(tmp_path, monkeypatch):
    given = keys.IdentifierKeys.new()
    monkeypatch.setenv(keys.KEYS_ENV_VAR, given.to_json())
    path = tmp_path / "wellbeing.duckdb"
    con = store.connect(path)
    load_staff(con)
    assert worker_keys(con) == sorted(given.worker_hash(f"SW1000{n}") for n in (1, 2))
    con.close()
    assert not path.with_suffix(".keys").exists()


def test_rotating_the_keys_rehashes_every_stored_id_and_the_old_key_file_stops_working(
    tmp_path, capsys
):
    path = tmp_path / "data" / "wellbeing.duckdb"
    con = store.connect(path)
    load_staff(con)
    load_survey(con, "Autumn 2026")
    before = set(worker_keys(con))
    con.close()
    old_file = path.with_suffix(".keys").read_text()
    keys.forget_loaded()
    assert main(["keys", "rotate", "--db", str(path)]) == 0
    assert "Rotated" in capsys.readouterr().out
    keys.forget_loaded()
    con = store.connect(path)
    rotated = store.identifier_keys(con)
    after = set(worker_keys(con))
    assert not before & after
    assert after == {rotated.worker_hash(f"SW1000{n}") for n in (1, 2)}
    respondents = {
        row[0] for row in con.execute("select respondent_hash from responses").fetchall()
    }
    assert rotated.for_respondents("Autumn 2026")("SW10001") in respondents
    con.close()
    path.with_suffix(".keys").write_text(old_file)
    keys.forget_loaded()
    with pytest.raises(store.KeyProblem):
        store.connect(path)


def test_hashing_a_hundred_thousand_ids_takes_each_distinct_id_once():
    ids = pd.Series([f"SW{n % 1000}" for n in range(100_000)])
    calls = []

    def key(value: str) -> str:
        calls.append(value)
        return value[::-1]

    from wellbeing.ingest.values import hash_identifier

    hashed = hash_identifier(ids, key)
    assert len(calls) == 1000 and hashed.iloc[1001] == "1WS"
