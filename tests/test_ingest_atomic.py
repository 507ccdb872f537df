"""Imports are all or nothing, refuse a file seen before, and can be withdrawn and restored."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from queries import imports, survey
from tests.conftest import ROOT, load_survey
from wellbeing import store
from wellbeing.ingest import uploads
from wellbeing.ingest.reading import ImportProblem, read_export
from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every row of every table, sorted, so two snapshots compare content exactly."""
    tables = [row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()]
    return {
        table: sorted(con.execute(f'select * from "{table}"').fetchall(), key=repr)
        for table in sorted(tables)
    }


def test_an_error_mid_import_leaves_every_table_as_it_was(con, make_survey, monkeypatch):
    load_survey(con, make_survey([{"team": "North", "STR1": 3}] * 5), wave="Spring 2026")
    before = snapshot(con)
    reached = []

    def fail_after_responses_are_written(connection, **_):
        # By now the responses, answers and scores of the new upload are inserted.
        reached.append(connection.execute("select count(*) from responses").fetchall()[0][0])
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "upsert_teams", fail_after_responses_are_written)
    table = read_export((EXPORTS / "ms_forms.csv").read_bytes(), "ms_forms.csv")
    _, suggested = suggest_survey_mapping(con, table)
    with pytest.raises(RuntimeError, match="disk full"):
        import_survey(con, table, suggested, wave="Autumn 2026", uploaded_by="test")

    assert reached == [5 + 4]  # the 4 valid ms_forms rows were in, inside the transaction
    assert snapshot(con) == before


KILLED_IMPORT = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, {root!r})
    from queries import imports
    from wellbeing import store
    from wellbeing.ingest.reading import read_export
    from wellbeing.ingest.survey import import_survey, suggest_survey_mapping

    def die_inside_the_transaction(con, **_):
        print(con.execute("select count(*) from responses").fetchall()[0][0], flush=True)
        os._exit(17)  # no rollback, no close: as if the process were killed

    imports.upsert_teams = die_inside_the_transaction
    con = store.connect(sys.argv[1])
    table = read_export(open(sys.argv[2], "rb").read(), "ms_forms.csv")
    _, mapping = suggest_survey_mapping(con, table)
    import_survey(con, table, mapping, wave="Autumn 2026", uploaded_by="test")
    """
)


def test_a_process_killed_mid_import_leaves_the_store_file_as_it_was(tmp_path, make_survey):
    path = tmp_path / "store.duckdb"
    con = store.connect(path)
    load_survey(con, make_survey([{"team": "North", "STR1": 3}] * 5), wave="Spring 2026")
    before = snapshot(con)
    con.close()

    script = tmp_path / "killed_import.py"
    script.write_text(KILLED_IMPORT.format(root=str(ROOT)))
    result = subprocess.run(
        [sys.executable, str(script), str(path), str(EXPORTS / "ms_forms.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 17, result.stderr
    assert result.stdout.strip() == "9"  # 5 earlier + 4 new responses were written, uncommitted

    reopened = store.connect(path)
    try:
        assert snapshot(reopened) == before
    finally:
        reopened.close()


def test_the_same_file_again_is_refused_naming_when_and_by_whom(con):
    data = (EXPORTS / "tab_separated.tsv").read_bytes()
    table = read_export(data, "tab_separated.tsv")
    _, suggested = suggest_survey_mapping(con, table)
    import_survey(con, table, suggested, wave="W", uploaded_by="hr.person")
    again = read_export(data, "renamed copy.tsv")
    with pytest.raises(ImportProblem) as refused:
        import_survey(con, again, suggested, wave="W", uploaded_by="someone else")
    message = str(refused.value)
    assert "already uploaded on" in message
    assert "by hr.person as upload #1 (tab_separated.tsv" in message
    assert con.execute("select count(*) from uploads").fetchall()[0][0] == 1


def test_a_withdrawn_duplicate_points_to_restore_instead(con):
    data = (EXPORTS / "tab_separated.tsv").read_bytes()
    table = read_export(data, "tab_separated.tsv")
    _, suggested = suggest_survey_mapping(con, table)
    report = import_survey(con, table, suggested, wave="W", uploaded_by="test")
    uploads.withdraw(con, report.upload_id)
    with pytest.raises(ImportProblem, match="withdrawn: restore it from the upload history"):
        uploads.refuse_duplicate(con, sha256=table.sha256)


def organisation_stress(con: duckdb.DuckDBPyConnection, wave_id: int) -> tuple[int, float]:
    figures = survey.construct_for_organisation(con, filters=survey.Filters(wave_id=wave_id))
    stress = figures.set_index("construct").loc["stress"]
    return int(stress["respondents"]), round(float(stress["mean_score"]), 6)


def test_withdraw_and_restore_take_an_upload_out_of_the_figures_and_back(con, make_survey):
    # Upload 1: five respondents answering STR1 = 1, 1, 1, 3, 4 (stress 2.0).
    # Upload 2: five respondents answering STR1 = 2, 4, 4, 5, 5 (stress 4.0).
    # (Some high and some not: a small group all high or all not would be hidden as "all alike".)
    first = load_survey(
        con, make_survey([{"team": "North", "STR1": a} for a in (1, 1, 1, 3, 4)]), wave="W"
    )
    second = load_survey(
        con,
        make_survey([{"team": "North", "STR1": a} for a in (2, 4, 4, 5, 5)], first_id=6),
        wave="W",
    )
    wave_id = int(survey.waves(con)["id"].iloc[0])
    assert organisation_stress(con, wave_id) == (10, 3.0)  # (5 x 2 + 5 x 4) / 10

    uploads.withdraw(con, second.upload_id)
    assert organisation_stress(con, wave_id) == (5, 2.0)

    uploads.restore(con, second.upload_id)
    assert organisation_stress(con, wave_id) == (10, 3.0)

    uploads.withdraw(con, first.upload_id)
    uploads.withdraw(con, second.upload_id)
    assert survey.waves(con).empty  # a wave with no active upload is not offered


@pytest.mark.parametrize(
    ("action", "message"),
    [
        pytest.param(uploads.withdraw, "There is no upload #99", id="withdraw-unknown"),
        pytest.param(uploads.restore, "There is no upload #99", id="restore-unknown"),
    ],
)
def test_withdrawing_or_restoring_an_unknown_upload_says_so(con, action, message):
    with pytest.raises(ImportProblem, match=message):
        action(con, 99)


def test_restoring_an_active_upload_says_it_is_already_active(con, make_survey):
    report = load_survey(con, make_survey([{"team": "North", "STR1": 2}]))
    with pytest.raises(ImportProblem, match="already active"):
        uploads.restore(con, report.upload_id)


def test_rejected_cells_are_kept_with_the_upload(con):
    table = read_export((EXPORTS / "ms_forms.csv").read_bytes(), "ms_forms.csv")
    _, suggested = suggest_survey_mapping(con, table)
    report = import_survey(con, table, suggested, wave="W", uploaded_by="test")
    kept = imports.upload_rejects(con, upload_id=report.upload_id)
    assert kept[["row", "value"]].values.tolist() == [[6, "Sometimes"], [7, ""]]


def test_the_upload_size_limit_comes_from_settings_then_the_toml_then_50(
    con, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert uploads.max_upload_mb(con) == 50
    (tmp_path / "wellbeing.toml").write_text("max_upload_mb = 20\n")
    assert uploads.max_upload_mb(con) == 20
    con.execute("insert into settings values ('max_upload_mb', '5')")
    assert uploads.max_upload_mb(con) == 5
    with pytest.raises(ImportProblem, match=r"6\.0 MB, larger than the 5 MB limit"):
        uploads.refuse_oversized(6 * 1024 * 1024, limit_mb=5)
    uploads.refuse_oversized(5 * 1024 * 1024, limit_mb=5)  # exactly the limit is allowed


def test_the_rows_after_a_held_back_one_keep_their_own_answers(con, make_survey):
    # The stored responses are numbered without the rows held back: every answer must
    # go with its own respondent, not the one a row before it (hand-made: team Alpha's
    # row is held back for an out-of-range answer, Beta's and Gamma's are stored).
    data = make_survey(
        [
            {"team": "Alpha", "service": "S", "STR1": 9, "STR2": 1},
            {"team": "Beta", "service": "S", "STR1": 2, "STR2": 3},
            {"team": "Gamma", "service": "S", "STR1": 4},
        ]
    )
    report = load_survey(con, data)
    assert (report.rows_read, report.rows_stored) == (3, 2)
    stored = con.execute(
        "select r.team, i.code, a.value from answers as a "
        "join responses as r on r.id = a.response_id join items as i on i.id = a.item_id "
        "where i.code in ('STR1', 'STR2') order by r.team, i.code"
    ).fetchall()
    assert stored == [("Beta", "STR1", 2.0), ("Beta", "STR2", 3.0), ("Gamma", "STR1", 4.0)]
