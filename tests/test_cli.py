"""The `wellbeing` command: the same import as the Upload page, for scheduled jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import copy_store

from tests.conftest import ROOT
from wellbeing import store
from wellbeing.cli.main import build_parser, main
from wellbeing.ingest import kinds, mapping

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
VALID = str(EXPORTS / "tab_separated.tsv")  # 3 rows, all valid
WITH_REJECTS = str(EXPORTS / "ms_forms.csv")  # 6 rows: rows 6 and 7 of the file are bad


@pytest.fixture
def db(migrated_db: Path, tmp_path: Path) -> str:
    """An empty store file (tests/test_accounts.py has the command create one)."""
    return str(copy_store(migrated_db, tmp_path / "store.duckdb", new_identity=True))


def count(db: str, sql: str) -> int:
    con = store.connect(db)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def test_a_clean_file_is_imported_and_summarised_like_the_page(db, capsys):
    status = main(["import", "survey", VALID, "--wave", "Autumn 2026", "--db", db])
    out = capsys.readouterr().out
    assert status == 0
    assert "Upload #1 (survey, tab_separated.tsv): 3 rows read, 3 stored, 0 rejected." in out
    assert "Plain table layout, tab-separated" in out
    assert count(db, "select count(*) from responses") == 3


def test_rejected_rows_exit_1_list_every_bad_cell_and_store_nothing(db, capsys):
    status = main(["import", "survey", WITH_REJECTS, "--wave", "W", "--db", db])
    out = capsys.readouterr().out
    assert status == 1
    assert "2 cell(s) in 2 of 6 rows have problems" in out
    assert "row 6, Stress at work affects my ability to do my job well: 'Sometimes'" in out
    assert "row 7, Which team do you work in?: '': no team" in out
    assert "Nothing was stored" in out
    assert count(db, "select count(*) from uploads") == 0


def test_import_valid_rows_stores_the_rest_and_exits_0(db, capsys, tmp_path):
    problems = tmp_path / "problems.csv"
    status = main(
        [
            "import", "survey", WITH_REJECTS, "--wave", "W", "--db", db,
            "--import-valid-rows", "--rejects-csv", str(problems), "--user", "nightly job",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    assert "6 rows read, 4 stored, 2 rejected." in out
    assert problems.read_text(encoding="utf-8-sig").splitlines()[0] == "row,column,value,reason"
    assert count(db, "select count(*) from uploads where uploaded_by = 'nightly job'") == 1
    assert count(db, "select count(*) from upload_rejects") == 2


def test_personal_columns_are_said_to_be_dropped(db, capsys):
    main(["import", "survey", WITH_REJECTS, "--wave", "W", "--db", db])
    out = capsys.readouterr().out
    assert "Email -> personal data, dropped" in out
    assert "dropped and never stored: Email, Name" in out


def test_the_same_file_twice_exits_2_naming_the_first_upload(db, capsys):
    assert main(["import", "survey", VALID, "--wave", "W", "--db", db, "--user", "ann"]) == 0
    capsys.readouterr()
    assert main(["import", "survey", VALID, "--wave", "W", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "already uploaded on" in err and "by ann as upload #1" in err


def test_a_saved_mapping_is_used_by_name(db, capsys):
    con = store.connect(db)
    saved = {"Team": "field:team", "How stressed does your work make you feel?": "item:STR1"}
    mapping.save_mapping(con, name="Tab export", kind="survey", mapping=saved)
    con.close()
    status = main(["import", "survey", VALID, "--wave", "W", "--db", db, "--mapping", "Tab export"])
    out = capsys.readouterr().out
    assert status == 0
    assert "Using saved mapping 'Tab export'." in out
    # STR2 is not in the saved mapping, so it is ignored: 3 rows x 1 item.
    assert "Columns not in that mapping were ignored: Stress at work" in out
    assert count(db, "select count(*) from answers") == 3


def test_an_unknown_mapping_name_exits_2_listing_the_saved_ones(db, capsys):
    status = main(["import", "survey", VALID, "--wave", "W", "--db", db, "--mapping", "Nope"])
    assert status == 2
    assert "no saved survey mapping called 'Nope' (saved: none yet)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["missing.csv"], "There is no file missing.csv", id="missing-file"),
        pytest.param(
            [str(EXPORTS / "surveymonkey.csv"), "--encoding", "utf-8"],
            "is not UTF-8",
            id="wrong-encoding",
        ),
        pytest.param(
            [str(EXPORTS / "semicolon_excel.csv"), "--delimiter", "tab"],
            "Only one column was found",
            id="wrong-delimiter",
        ),
    ],
)
def test_file_problems_exit_2_with_one_sentence(db, capsys, arguments, message):
    assert main(["import", "survey", *arguments, "--wave", "W", "--db", db]) == 2
    assert message in capsys.readouterr().err


def test_us_dates_in_a_uk_import_are_left_blank_and_said_without_blocking(db, capsys):
    # The submitted time feeds no figure (issue 16).
    monkey = str(EXPORTS / "surveymonkey.csv")
    assert main(["import", "survey", monkey, "--wave", "W", "--db", db]) == 0
    assert "they read as month first (US)" in capsys.readouterr().out
    assert count(db, "select count(submitted_at) from responses") == 0


def test_us_dates_import_with_month_first(tmp_path):
    monkey = str(EXPORTS / "surveymonkey.csv")
    db = str(tmp_path / "us.duckdb")
    assert main(["import", "survey", monkey, "--wave", "W", "--db", db, "--month-first"]) == 0
    assert count(db, "select count(submitted_at) from responses") == 4


def test_uploads_withdraw_restore_and_rejects(db, capsys):
    main(["import", "survey", WITH_REJECTS, "--wave", "W", "--db", db, "--import-valid-rows"])
    capsys.readouterr()
    assert main(["uploads", "--db", db]) == 0
    assert "#1 active" in capsys.readouterr().out

    assert main(["withdraw", "1", "--db", db]) == 0
    assert "withdrawn: its rows no longer count" in capsys.readouterr().out
    assert count(db, "select count(*) from uploads where status = 'withdrawn'") == 1
    assert main(["withdraw", "1", "--db", db]) == 2
    assert "already withdrawn" in capsys.readouterr().err

    assert main(["restore", "1", "--db", db]) == 0
    assert count(db, "select count(*) from uploads where status = 'active'") == 1

    assert main(["rejects", "1", "--db", db]) == 0
    assert "row 7, Which team do you work in?: '': no team" in capsys.readouterr().out
    assert main(["restore", "42", "--db", db]) == 2


def test_a_database_held_by_another_process_is_named_clearly(db, capsys):
    store.connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(60)", db],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["uploads", "--db", db]) == 2
        assert "is in use by another program (usually the running dashboard)" in (
            capsys.readouterr().err
        )
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_file_that_is_no_database_is_named_clearly_and_left_as_it_was(tmp_path, capsys):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("not a database\n")
    assert main(["uploads", "--db", str(notes)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"Not done: The database {notes} cannot be opened: ")
    assert "not a valid DuckDB database file" in error
    assert "Check that WELLBEING_DB, or database in wellbeing.toml, names" in error
    assert notes.read_text() == "not a database\n"


def test_every_registered_kind_has_an_import_command():
    parser = build_parser()
    for kind in kinds.all_kinds():
        arguments = ["import", kind.name, "f.csv"]
        arguments += ["--wave", "W"] if kind.needs_wave else []
        arguments += ["--data-date", "2026-01-31"] if kind.needs_data_date else []
        assert parser.parse_args(arguments).kind == kind.name


def test_the_module_runs_as_a_command_and_documents_its_exit_status():
    result = subprocess.run(
        [sys.executable, "-m", "wellbeing.cli", "import", "survey", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0
    assert "--import-valid-rows" in result.stdout
    assert "1  some rows were rejected, so nothing was stored" in result.stdout


def test_uploads_piped_into_head_ends_quietly_without_broken_pipe(db):
    """Issue 18: `wellbeing uploads | head -3` printed a BrokenPipeError traceback."""
    con = store.connect(db)
    con.execute(
        "insert into uploads (kind, file_name, sha256, uploaded_by, rows_read, rows_stored, "
        "rows_rejected) select 'changes', 'change_log_' || i || '.csv', 'h' || i, 'ann', 1, 1, 0 "
        "from range(3000) t(i)"
    )
    con.close()
    command = f"{sys.executable} -m wellbeing.cli uploads --limit 3000 --db {db} | head -3"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True
    )
    assert len(result.stdout.splitlines()) == 3
    assert "BrokenPipeError" not in result.stderr and "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
