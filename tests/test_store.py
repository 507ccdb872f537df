"""The store: migrations are idempotent and versioned, the salt is per installation."""

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


def test_migrations_are_numbered_without_gaps():
    versions = [version for version, _, _ in database.migrations()]
    assert versions == list(range(1, len(versions) + 1))


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


def test_the_identifier_salt_is_created_once_and_kept(tmp_path: Path):
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    salt = store.ensure_salt(con)
    con.close()
    assert len(salt) == 64
    assert store.ensure_salt(store.connect(path)) == salt


def test_two_installations_get_different_salts():
    assert store.ensure_salt(store.connect(None)) != store.ensure_salt(store.connect(None))


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
