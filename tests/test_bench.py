"""The benchmark generator: its store has the real schema and the promised shape.

No timings here: the figures are printed by ``python -m bench.run``, not asserted.
"""

from __future__ import annotations

import csv
import io
import urllib.request
from pathlib import Path

import duckdb
import pytest

from bench import generate
from wellbeing import store
from wellbeing.core import instruments
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.survey import suggest_survey_mapping
from wellbeing.store import database

SCALE = generate.Scale("test", respondents=400, teams=20, sessions=2_000, csv_rows=120, waves=4)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> generate.Generated:
    return generate.generate(SCALE, tmp_path_factory.mktemp("bench"))


@pytest.fixture
def bench_con(generated: generate.Generated):
    con = duckdb.connect(str(generated.store), read_only=True)
    yield con
    con.close()


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def test_the_store_is_at_the_schema_version_store_connect_gives(bench_con, tmp_path: Path):
    fresh = store.connect(tmp_path / "fresh.duckdb")
    assert database.schema_version(bench_con) == database.schema_version(fresh)
    tables = "select table_name from information_schema.tables order by 1"
    assert bench_con.execute(tables).fetchall() == fresh.execute(tables).fetchall()
    fresh.close()


def test_the_store_holds_every_respondent_wave_team_session_and_staff_member(bench_con):
    assert count(bench_con, "responses") == SCALE.respondents
    assert count(bench_con, "waves") == SCALE.waves
    assert count(bench_con, "teams") == SCALE.teams
    assert count(bench_con, "supervision_sessions") == SCALE.sessions
    # Staff: a wave's respondents at a 65% response rate (400 / 4 / 0.65 = 153.8 -> 154).
    assert count(bench_con, "staff") == 154
    assert count(bench_con, "change_events") > generate.ORGANISATION_WIDE_CHANGES
    uploads = bench_con.execute("select kind, count(*) from uploads group by kind order by kind")
    assert uploads.fetchall() == [("changes", 1), ("staff", 1), ("supervision", 1), ("survey", 4)]


def test_about_fifty_answers_per_respondent_as_the_design_target_asks(bench_con):
    # 37 default items in every wave, 35 HSE items too in the last two: (37 * 2 + 72 * 2) / 4
    # = 54.5 asked on average; 5% skipped leaves about 51.8 stored per respondent.
    per_respondent = count(bench_con, "answers") / SCALE.respondents
    assert 50 <= per_respondent <= 53.5
    asked = bench_con.execute(
        "select count(*) from upload_items group by upload_id order by upload_id"
    ).fetchall()
    default, hse = len(instruments.default_items()), len(instruments.hse_items())
    assert asked == [(default,), (default,), (default + hse,), (default + hse,)]


def test_every_answer_is_on_its_items_scale(bench_con):
    outside = bench_con.execute(
        "select count(*) from answers as a join items as i on i.id = a.item_id "
        "where a.value < i.scale_min or a.value > i.scale_max or a.value is null"
    ).fetchall()[0][0]
    assert outside == 0


def test_construct_scores_are_what_the_real_scoring_sql_gives(bench_con, generated, tmp_path):
    """Re-score every upload with queries/score_responses.sql on a copy and compare row for row."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(generated.store.read_bytes())
    con = duckdb.connect(str(copy))
    from queries import sql

    stored = "select * from construct_scores order by response_id, instrument, construct"
    expected = con.execute(stored).fetchall()
    con.execute("delete from construct_scores")
    for (upload_id,) in con.execute("select id from uploads where kind = 'survey'").fetchall():
        con.execute(sql("score_responses"), {"upload_id": upload_id})
    assert con.execute(stored).fetchall() == expected
    con.close()
    assert len(expected) > SCALE.respondents * 10


def test_construct_scores_follow_the_half_answered_rule_by_hand(bench_con):
    """Recompute one respondent's scores in Python from their answers and the item keys."""
    response_id = bench_con.execute(
        "select min(id) from responses where wave_id = (select max(id) from waves)"
    ).fetchall()[0][0]
    items = {item.id: item for item in instruments.all_items()}
    answers = bench_con.execute(
        "select item_id, value from answers where response_id = $id", {"id": response_id}
    ).fetchall()
    asked: dict[tuple[str, str], int] = {}
    for item in items.values():  # the last wave asked every item of both instruments
        key = (item.instrument, item.construct)
        asked[key] = asked.get(key, 0) + 1
    by_construct: dict[tuple[str, str], list[float]] = {}
    for item_id, value in answers:
        item = items[item_id]
        keyed = item.scale_min + item.scale_max - value if item.reverse else value
        by_construct.setdefault((item.instrument, item.construct), []).append(keyed)
    expected = {
        key: pytest.approx(sum(values) / len(values))
        for key, values in by_construct.items()
        if len(values) * 2 >= asked[key]
    }
    stored = {
        (instrument, construct): score
        for instrument, construct, score in bench_con.execute(
            "select instrument, construct, score from construct_scores where response_id = $id",
            {"id": response_id},
        ).fetchall()
    }
    assert stored == expected


def test_some_teams_are_too_small_to_show_so_the_gate_works_at_scale_too(bench_con):
    smallest = bench_con.execute(
        "select min(n) from (select count(*) as n from responses group by wave_id, team)"
    ).fetchall()[0][0]
    assert smallest < 5


def test_the_export_has_sixty_columns_and_every_row(generated):
    text = generated.survey_csv.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows[0]) == 60
    assert len(rows) == SCALE.csv_rows + 1
    assert rows[0][:3] == ["ID", "Start time", "Completion time"]
    assert generated.survey_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Forms writes a BOM


def test_the_export_maps_onto_every_default_item_and_imports(generated):
    con = store.connect(None)
    table = read_export(generated.survey_csv.read_bytes(), generated.survey_csv.name)
    assert table.layout == "ms_forms"
    _, mapping = suggest_survey_mapping(con, table)
    mapped = {target.split(":", 1)[1] for target in mapping.values() if target.startswith("item:")}
    assert mapped == {item.code for item in instruments.default_items()}
    assert "field:team" in mapping.values()
    con.close()


def test_the_same_seed_writes_the_same_store(generated, tmp_path):
    again = generate.write_store(tmp_path / "again.duckdb", SCALE)
    query = "select * from construct_scores order by response_id, instrument, construct"
    first = duckdb.connect(str(generated.store), read_only=True)
    second = duckdb.connect(str(again), read_only=True)
    assert first.execute(query).fetchall() == second.execute(query).fetchall()
    first.close()
    second.close()


def test_a_store_written_with_a_key_file_of_its_own_opens_afterwards(tmp_path, monkeypatch):
    # On a machine with no keys set (a fresh clone running the benchmark), the store is
    # written beside its own key file and moved into place when finished: the key file
    # must move with it, or the store would not open.
    from wellbeing import store
    from wellbeing.store import keys

    monkeypatch.delenv(keys.KEYS_ENV_VAR, raising=False)
    monkeypatch.delenv(keys.KEY_FILE_ENV_VAR, raising=False)
    path = generate.write_store(tmp_path / "fresh.duckdb", SCALE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.duckdb", "fresh.keys"]
    con = store.connect(path)
    assert con.execute("select count(*) from responses").fetchall()[0][0] > 0
    con.close()


def test_each_tab_of_a_page_that_runs_one_tab_at_a_time_is_timed_as_a_view(
    demo_app_db, monkeypatch
):
    from bench import pages

    monkeypatch.chdir(pages.ROOT)
    stress = pages.benchmark_page(
        pages.PageInfo("pages/stress.py", "Stress", "stress"), reruns=2, raw_repeats=1
    )
    assert [(view.title, view.url_path, view.charts) for view in stress] == [
        ("Stress \u203a By team", "stress", 2),
        ("Stress \u203a Across waves", "stress?view=Across+waves", 1),
        ("Stress \u203a Against national figures", "stress?view=Against+national+figures", 2),
        ("Stress \u203a HSE Management Standards", "stress?view=HSE+Management+Standards", 1),
    ]
    assert all(len(view.reruns_ms) == 2 and view.error is None for view in stress)
    # The Accounts page's tabs all run on every click: one view.
    accounts = pages.benchmark_page(
        pages.PageInfo("pages/accounts.py", "Accounts", "accounts"), reruns=2, raw_repeats=1
    )
    assert [(view.title, view.section) for view in accounts] == [("Accounts", None)]


@pytest.mark.slow  # decides every wave of the test store, sensitive breakdowns too
def test_the_information_lost_figures_open_a_copy_of_a_store_with_its_key_file(
    generated: generate.Generated, tmp_path: Path, monkeypatch, capsys
):
    # bench.anonymity copied a store without the key file beside it, so the copy of
    # a store hashed with one would not open (as the 100k bench store's did not).
    import os

    from bench import anonymity
    from wellbeing.store import keys

    kept = tmp_path / "kept.duckdb"
    store.copy_store(generated.store, kept)
    keys.write_private(kept.with_suffix(".keys"), os.environ[keys.KEYS_ENV_VAR])
    monkeypatch.delenv(keys.KEYS_ENV_VAR)  # as outside the tests: the key file beside it
    keys.forget_loaded()
    try:
        assert anonymity.main(["--store", str(kept)]) == 0
    finally:
        keys.forget_loaded()
    printed = capsys.readouterr().out
    waves = [line for line in printed.splitlines() if "decided in" in line]
    assert len(waves) == SCALE.waves
    assert "stress view: organisation 0 of 1 hidden" in printed


def test_the_servers_cpu_time_counts_the_processes_under_it():
    # The server decides a large wave in a child of its fork server: the bench waits
    # for the preparation by the CPU time of the server and every process under it.
    import os
    import signal
    import subprocess
    import sys
    import time

    from bench import browser

    busy = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'while True: pass'])"
    parent = subprocess.Popen([sys.executable, "-c", busy])
    try:
        time.sleep(0.5)
        before = browser._cpu_seconds(parent.pid)
        time.sleep(1.5)
        assert browser._cpu_seconds(parent.pid) - before > 0.5  # the grandchild's loop
    finally:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent.pid:
                    os.kill(int(stat.parent.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue  # ended meanwhile
        parent.kill()
        parent.wait()


def test_a_first_paint_is_taken_apart_on_the_server_starts_clock():
    # bench.cold prints where a cold start's time goes: the page's own clock starts as it
    # is requested (0.55 s after the server's start here). A rerun before the page was
    # ready ends the script later than its first run did.
    from bench import cold

    timeline = [
        ["loaded", 700.0],
        ["running", 780.0],
        ["notRunning", 1500.0],
        ["running", 1510.0],
        ["notRunning", 1600.0],
    ]
    parts = cold.first_paint(timeline, healthy=0.5, requested=0.55, painted=2.2)
    assert (parts.healthy, parts.requested, parts.painted) == (0.5, 0.55, 2.2)
    assert parts.loaded == pytest.approx(1.25)
    assert parts.run_started == pytest.approx(1.33)
    assert parts.run_ended == pytest.approx(2.15)
    assert parts.describe() == (
        "healthy 0.50 s, Streamlit's page loaded 1.25 s, the script ran 1.33 s to 2.15 s, "
        "painted 2.20 s"
    )
    # A page whose script never ran (the browser saw no change of state) says so.
    assert (
        "the script ran - to -"
        in cold.first_paint(
            [["loaded", 700.0]], healthy=0.5, requested=0.55, painted=2.2
        ).describe()
    )


def test_a_restart_is_served_on_the_same_address_so_a_browser_keeps_its_cache():
    # bench.cold times a second restart in the same browser, as a leader who has used the
    # dashboard meets one: the browser keeps Streamlit's scripts per address, so both
    # servers listen on one port, the second once the first has stopped.
    from bench import browser, cold

    port = browser.free_port()
    for _ in range(2):
        with cold.started_server(cold.FLOOR_APP, None, port) as (url, started, healthy):
            assert url == f"http://127.0.0.1:{port}"
            assert healthy > 0
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                assert response.read().decode().strip() == "ok"
