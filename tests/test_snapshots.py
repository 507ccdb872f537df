"""Read-only snapshots: one writer publishes whole copies, readers read them and journal."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from queries import settings
from queries import snapshots as snapshot_queries
from wellbeing import store
from wellbeing.access import accounts, action_plans, audit_log, auth
from wellbeing.core import roles
from wellbeing.store import snapshots
from wellbeing.ui import replicas


@pytest.fixture
def writer(demo_db: Path, tmp_path: Path):
    """The writer's store: a private copy of the sample data, held open as the writer holds it."""
    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db, path)
    con = store.connect(path)
    yield con
    con.close()


def reader_cursor(where: Path) -> snapshots.ReaderCursor:
    return snapshots.Snapshots(where, snapshot_queries.journaled_statements()).newest()


def count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def test_a_published_snapshot_holds_the_store_and_becomes_current(writer, tmp_path):
    where = tmp_path / "snapshots"
    published = snapshots.publish(writer.cursor(), where)
    assert snapshots.current(where) == published
    assert not list(where.glob(".*partial")), "no half-written file is left behind"
    reader = reader_cursor(where)
    for table in ("responses", "answers", "waves", "accounts", "settings"):
        assert count(reader, table) == count(writer, table), table


def test_another_process_reads_the_snapshot_while_the_writer_holds_the_store(writer, tmp_path):
    """DuckDB refuses a second process on the store itself, even read-only; not on a snapshot."""
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    code = (
        "import sys, duckdb; from pathlib import Path; from wellbeing.store import snapshots; "
        "path = snapshots.current(Path(sys.argv[1])); "
        "con = duckdb.connect(str(path), read_only=True); "
        "print(con.execute('select count(*) from waves').fetchall()[0][0])"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(where)], capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert {r.stdout.strip() for r in runs} == {str(count(writer, "waves"))}


def test_a_run_keeps_its_snapshot_whole_while_a_newer_one_is_published(writer, tmp_path):
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    during_the_run = reader_cursor(where)
    before = count(during_the_run, "settings")
    settings.upsert_setting(writer, key="bench_marker", value="1")
    snapshots.publish(writer.cursor(), where)
    # The run that began on the old snapshot still reads it, the next run the new one.
    assert count(during_the_run, "settings") == before
    assert count(reader_cursor(where), "settings") == before + 1


def test_old_snapshots_are_deleted_once_newer_ones_exist(writer, tmp_path):
    where = tmp_path / "snapshots"
    made = [snapshots.publish(writer.cursor(), where, kept=2) for _ in range(5)]
    assert sorted(where.glob("snapshot-*.duckdb")) == made[-3:]


def test_a_reader_journals_what_a_leader_does_and_the_writer_stores_it(writer, tmp_path):
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    reader = reader_cursor(where)
    audit_log.record(
        reader,
        user="leader",
        action=audit_log.DOWNLOAD,
        detail="overview.png",
        now=dt.datetime(2026, 12, 4, 9, 30),
    )
    # The snapshot cannot be written; what happened went to the journal instead.
    assert len(list((where / snapshots.JOURNAL).glob("*.json"))) == 1
    before = count(writer, "audit_log")
    assert replicas.publish_now(writer, where, None) is not None  # the writer's own step
    assert count(writer, "audit_log") == before + 1
    stored = writer.execute(
        "select username, detail, happened_at from audit_log order by id desc limit 1"
    ).fetchall()[0]
    assert stored == ("leader", "overview.png", dt.datetime(2026, 12, 4, 9, 30))
    assert not list((where / snapshots.JOURNAL).glob("*.json"))
    # The writer gave the line its id and its place in the hash chain.
    assert audit_log.verify(writer).broken_at is None


def test_a_leader_signs_in_on_a_reader_and_the_writer_records_the_attempt(writer, tmp_path):
    accounts.create_account(
        writer,
        username="leo",
        display_name="Leo",
        role=roles.LEADER,
        password="a long uncommon passphrase",
        by="test",
    )
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    result = auth.sign_in(
        reader_cursor(where),
        username="leo",
        password="a long uncommon passphrase",
        client="203.0.113.9",
        now=dt.datetime(2026, 12, 4, 9, 30),
    )
    assert result.user is not None and result.user.role == roles.LEADER
    replicas.publish_now(writer, where, None)
    attempts = writer.execute(
        "select username, succeeded from sign_in_attempts where username = 'leo'"
    ).fetchall()
    assert attempts == [("leo", True)]


def test_an_action_is_not_recorded_on_a_reader_and_says_where_it_can_be(writer, tmp_path):
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    leader = roles.User(name="Leo", role=roles.LEADER, username="leo")
    with pytest.raises(action_plans.ActionProblem, match="the writer's address"):
        action_plans.create_action(
            reader_cursor(where),
            user=leader,
            scope="organisation",
            unit=None,
            what="Fortnightly reflective group",
            measure="stress",
            owner="Leo",
            started_on=dt.date(2026, 12, 1),
            review_on=None,
        )
    assert not list((where / snapshots.JOURNAL).glob("*.json"))


def test_any_other_write_on_a_reader_fails(writer, tmp_path):
    where = tmp_path / "snapshots"
    snapshots.publish(writer.cursor(), where)
    with pytest.raises(duckdb.Error, match="read-only"):
        settings.upsert_setting(reader_cursor(where), key="min_group_size", value="3")


def test_the_snapshot_version_changes_with_what_readers_see(writer):
    before = snapshot_queries.snapshot_version(writer)
    assert snapshot_queries.snapshot_version(writer) == before
    settings.upsert_setting(writer, key="bench_marker", value="2")
    assert snapshot_queries.snapshot_version(writer) != before


def test_a_journal_entry_naming_another_statement_is_refused(writer, tmp_path):
    where = tmp_path / "snapshots"
    snapshots.record(where, "delete_demo_data", {})
    with pytest.raises(ValueError, match="not a journaled statement"):
        snapshot_queries.replay_journal(writer, where)


def earlier_version_record(writer, wave_id: int) -> dict:
    """What a reader records having shown of a version of the wave with one more upload
    than it has now (one the writer has since withdrawn)."""
    from queries import decisions, settings

    rules = settings.rules(writer)
    uploads = ",".join(str(u) for u in decisions.active_uploads(writer, wave_id=wave_id))
    return {
        "wave_id": wave_id,
        "uploads": uploads + ",999",
        "min_group_size": rules.min_group_size,
        "sensitive_min_group_size": rules.sensitive_min_group_size,
        "alike_group_size": rules.alike_group_size,
        "sensitive": False,
        "shown": "{}",
    }


def test_a_readers_record_of_an_earlier_version_reaches_the_writers_next_decision(writer, tmp_path):
    # A reader on the previous snapshot can show a leader the wave as it was before
    # the writer's last import. Once its record reaches the writer, the wave is
    # decided again with it: the data version alone does not say so.
    from queries import decisions, survey

    decisions.forget_remembered()
    wave_id = int(survey.waves(writer)["id"].iloc[-1])
    before = decisions.decision(writer, wave_id=wave_id)
    where = tmp_path / "snapshots"
    snapshots.record(where, "insert_wave_publication", earlier_version_record(writer, wave_id))
    assert decisions.decision(writer, wave_id=wave_id) is before
    assert snapshot_queries.replay_journal(writer, where) == 1
    after = decisions.decision(writer, wave_id=wave_id)
    assert after is not before
    decisions.forget_remembered()


def reading_snapshots_of(writer, tmp_path: Path, monkeypatch) -> Path:
    """This process as a reader of the writer's snapshots, the first one published."""
    from queries import decisions

    where = tmp_path / "snapshots"
    monkeypatch.setenv("WELLBEING_SNAPSHOTS", str(where))
    opened = snapshots.Snapshots(where, snapshot_queries.journaled_statements())
    monkeypatch.setattr(replicas, "reader_snapshots", lambda folder: opened)
    decisions.forget_remembered()
    snapshots.publish(writer.cursor(), where)
    return where


def test_a_reader_on_a_new_snapshot_decides_with_what_other_readers_showed(
    writer, tmp_path, monkeypatch
):
    # Another reader's record of an earlier version reaches this reader in the next
    # snapshot, whose data version is the same: its decisions must hold to it too.
    from queries import decisions, survey
    from wellbeing.ui import replicas

    where = reading_snapshots_of(writer, tmp_path, monkeypatch)
    wave_id = int(survey.waves(writer)["id"].iloc[-1])
    first = decisions.decision(replicas.reader_cursor(), wave_id=wave_id)
    writer.execute(
        snapshot_queries.sql("insert_wave_publication"), earlier_version_record(writer, wave_id)
    ).fetchall()
    assert decisions.decision(replicas.reader_cursor(), wave_id=wave_id) is first
    snapshots.publish(writer.cursor(), where)
    assert decisions.decision(replicas.reader_cursor(), wave_id=wave_id) is not first
    decisions.forget_remembered()


def test_a_reader_looks_up_the_verdicts_the_writer_kept_and_decides_nothing(
    writer, tmp_path, monkeypatch
):
    # At 100,000 respondents a wave takes a minute to decide: every reader deciding it
    # again, each on the same two cores, would multiply that minute.
    from queries import decisions, survey
    from wellbeing.privacy import decision as engine

    where = reading_snapshots_of(writer, tmp_path, monkeypatch)
    last = snapshot_queries.snapshot_version(writer)
    wave_id = int(survey.waves(writer)["id"].iloc[-1])
    made = decisions.decision(writer, wave_id=wave_id, sensitive=True)
    # Keeping verdicts is a change readers need: the writer publishes again.
    assert snapshot_queries.snapshot_version(writer) != last
    assert replicas.publish_now(writer, where, last) != last

    decisions.forget_remembered()  # the reader is another process
    monkeypatch.setattr(engine.Solver, "solve", lambda self: pytest.fail("the reader decided"))
    reader = replicas.reader_cursor()
    found = decisions.decision(reader, wave_id=wave_id, sensitive=True)
    assert found.cells().equals(made.cells())
    decisions.forget_remembered()
