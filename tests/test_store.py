"""The store: migrations are idempotent and versioned (identifier keys: test_security_keys.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wellbeing import store
from wellbeing.store import config, database


def table_contents(con) -> dict[str, list]:
    names = [
        row[0]
        for row in con.execute("select table_name from duckdb_tables() order by 1").fetchall()
    ]
    return {
        name: sorted(map(repr, con.execute(f'select * from "{name}"').fetchall())) for name in names
    }


def test_a_new_store_is_at_the_latest_migration(con):
    latest = max(version for version, _, _ in database.migrations())
    assert database.schema_version(con) == latest


def test_migrations_are_numbered_uniquely_in_order():
    # Numbers may be reserved for work in progress (003 and 005 when 004 was written).
    versions = [version for version, _, _ in database.migrations()]
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_a_migration_numbered_below_one_already_applied_is_still_applied(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    con.execute("insert into schema_migrations (version, name) values (1000, 'a_later_one')")
    con.close()
    late = (999, "reserved_number", "create table arrived_late (x integer)")
    shipped = database.migrations()
    monkeypatch.setattr(database, "migrations", lambda: sorted([*shipped, late]))
    con = store.connect(path)
    assert con.execute("select count(*) from arrived_late").fetchall() == [(0,)]
    con.close()


def test_applying_migrations_twice_changes_nothing(tmp_path: Path):
    path = tmp_path / "store.duckdb"
    first = store.connect(path)
    before = table_contents(first)
    assert database.migrate(first) == 0
    first.close()
    second = store.connect(path)
    assert database.migrate(second) == 0
    assert table_contents(second) == before
    second.close()


def test_a_missing_migration_numbered_below_the_latest_is_still_applied(tmp_path, monkeypatch):
    # A store that ran a later branch's migration first (006) must still get 004 when it
    # lands. Version 0 stands in for it: below every real one, and never shipped.
    path = tmp_path / "store.duckdb"
    store.connect(path).close()
    late = (0, "late_branch", "create table late_branch_table (id integer);")
    shipped = database.migrations()
    monkeypatch.setattr(database, "migrations", lambda: [late, *shipped])
    con = store.connect(path)
    try:
        tables = con.execute("select table_name from duckdb_tables()").fetchall()
        assert ("late_branch_table",) in tables
        assert database.migrate(con) == 0
    finally:
        con.close()


def test_opening_a_store_brings_its_instruments_back_to_the_csvs(tmp_path: Path):
    # Opening an up-to-date store only reads them; a changed one is written again.
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    before = table_contents(con)
    con.execute("update items set text = 'changed' where id = (select min(id) from items)")
    # A built-in id the CSVs do not have (HR's own questions start at 1000 and are kept).
    con.execute(
        "insert into items select * replace (999 as id, code || 'x' as code) from items limit 1"
    )
    con.execute("update label_sets set value = 99 where value is not null")
    con.execute("update constructs set name = 'changed'")
    con.close()
    reopened = store.connect(path)
    assert table_contents(reopened) == before
    reopened.close()


def test_a_second_process_is_told_the_dashboard_holds_the_file(tmp_path: Path):
    import subprocess
    import sys

    path = tmp_path / "store.duckdb"
    holder = store.connect(path)
    code = (
        "import sys; from wellbeing import store\n"
        "try:\n    store.connect(sys.argv[1])\n"
        "except store.StoreLocked as error:\n    print(error); sys.exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    holder.close()
    assert result.returncode == 3, result.stderr
    assert "in use by another program" in result.stdout


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(
            lambda folder: (folder / "w.duckdb").write_bytes(b"PK\x03\x04 a spreadsheet"),
            "not a valid DuckDB database file",
            id="another-kind-of-file",
        ),
        pytest.param(lambda folder: (folder / "w.duckdb").mkdir(), "Is a directory", id="a-folder"),
    ],
)
def test_a_path_that_holds_no_database_is_refused_with_what_to_check(tmp_path, make, reason):
    make(tmp_path)
    path = tmp_path / "w.duckdb"
    before = sorted(p.name for p in tmp_path.iterdir())
    content = path.read_bytes() if path.is_file() else None
    with pytest.raises(store.StoreUnreadable) as refused:
        store.connect(path)
    message = str(refused.value)
    assert message.startswith(f"The database {path} cannot be opened: ")
    assert reason in message
    assert "names the dashboard's database file" in message
    assert isinstance(refused.value, store.StoreUnavailable)
    # Nothing written beside it or over it.
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (path.read_bytes() if path.is_file() else None) == content


def test_a_folder_that_cannot_be_made_is_refused_with_what_to_check(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    refusal = r"The database's folder .*data/wellbeing cannot be made or used \(Not a directory\)"
    with pytest.raises(store.StoreUnreadable, match=refusal):
        store.connect(blocker / "wellbeing" / "wellbeing.duckdb")


@pytest.mark.parametrize(
    ("env", "settings", "expected"),
    [
        pytest.param(
            "/srv/x.duckdb", 'database = "/other.duckdb"', "/srv/x.duckdb", id="environment-wins"
        ),
        pytest.param(None, 'database = "/other.duckdb"', "/other.duckdb", id="settings-file"),
        pytest.param(None, None, "data/wellbeing.duckdb", id="default-in-data-folder"),
    ],
)
def test_the_database_path_comes_from_env_then_settings_then_default(
    tmp_path, monkeypatch, env, settings, expected
):
    monkeypatch.chdir(tmp_path)
    if env:
        monkeypatch.setenv(config.DB_ENV_VAR, env)
    else:
        monkeypatch.delenv(config.DB_ENV_VAR, raising=False)
    if settings:
        (tmp_path / "wellbeing.toml").write_text(settings)
    assert config.database_path() == Path(expected)
