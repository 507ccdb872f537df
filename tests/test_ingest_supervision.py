"""Supervision records, staff lists and change logs through the real import path."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from queries import supervision as queries
from tests.conftest import ROOT
from tests.supervision_fixtures import (
    Session,
    Worker,
    key,
    load_sessions,
    load_staff,
    sessions_csv,
    staff_csv,
)
from wellbeing import store
from wellbeing.core import roles
from wellbeing.ingest import changes, records, staff, supervision, uploads
from wellbeing.ingest.reading import ImportProblem, read_export
from wellbeing.privacy import LOWEST_ALLOWED_MIN_GROUP_SIZE, Rules

D = dt.date
SMALLEST_K = Rules(min_group_size=LOWEST_ALLOWED_MIN_GROUP_SIZE)


def prepared_sessions(con, sessions: list[Session], *, day_first: bool = True):
    table = read_export(sessions_csv(sessions), "supervision.csv")
    _, mapping = supervision.suggest_supervision_mapping(con, table)
    return supervision.prepare_supervision(table, mapping, salt="salt", day_first=day_first)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        pytest.param("31/01/2026", D(2026, 1, 31), id="uk"),
        pytest.param("2026-01-31", D(2026, 1, 31), id="iso"),
        pytest.param("46053", D(2026, 1, 31), id="excel-serial"),
        pytest.param("46053.625", D(2026, 1, 31), id="excel-serial-with-time"),
        pytest.param("31/01/2026 14:30", D(2026, 1, 31), id="uk-with-time"),
        pytest.param("31/01/2026 14:30:00", D(2026, 1, 31), id="uk-with-seconds"),
        pytest.param("2026-01-31T09:00:00", D(2026, 1, 31), id="iso-with-time"),
        pytest.param("03/04/2026", D(2026, 4, 3), id="ambiguous-read-day-first"),
    ],
)
def test_session_dates_are_read_in_every_format_systems_write(con, written, expected):
    prepared = prepared_sessions(con, [Session("W1", written)])
    assert prepared.rejects.empty
    assert prepared.sessions["held_on"].iloc[0].date() == expected


def test_ambiguous_dates_follow_the_day_first_setting_and_the_preview_says_how_many(con):
    rows = [Session("W1", "03/04/2026"), Session("W2", "05/06/2026"), Session("W3", "13/04/2026")]
    uk = prepared_sessions(con, rows)
    assert [d.date() for d in uk.sessions["held_on"]] == [
        D(2026, 4, 3),
        D(2026, 6, 5),
        D(2026, 4, 13),
    ]
    assert any("2 date(s)" in note and "day first" in note for note in uk.notes)

    us = prepared_sessions(con, rows[:2], day_first=False)
    assert [d.date() for d in us.sessions["held_on"]] == [D(2026, 3, 4), D(2026, 5, 6)]
    assert any("2 date(s)" in note and "month first" in note for note in us.notes)


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        pytest.param("90", 90, id="minutes"),
        pytest.param("90.0", 90, id="minutes-as-decimal"),
        pytest.param("1h 30m", 90, id="hours-and-minutes"),
        pytest.param("1hr 30mins", 90, id="hr-and-mins"),
        pytest.param("1:30", 90, id="clock"),
        pytest.param("01:30:00", 90, id="clock-with-seconds"),
        pytest.param("90 mins", 90, id="mins"),
        pytest.param("90 minutes", 90, id="minutes-word"),
        pytest.param("1.5 hours", 90, id="decimal-hours"),
        pytest.param("2 hours", 120, id="whole-hours"),
        pytest.param("45m", 45, id="minutes-only"),
        pytest.param("", None, id="blank-is-unknown"),
    ],
)
def test_durations_are_read_in_every_format_systems_write(con, written, minutes):
    prepared = prepared_sessions(con, [Session("W1", "10/03/2026", written)])
    assert prepared.rejects.empty
    value = prepared.sessions["minutes"].iloc[0]
    assert (None if pd.isna(value) else int(value)) == minutes


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        pytest.param("Reflective supervision", "reflective", id="reflective-supervision"),
        pytest.param("Case management supervision", "case", id="case-management-supervision"),
        pytest.param("case-management", "case", id="hyphenated"),
        pytest.param("Group supervision", "group", id="group"),
        pytest.param("Group reflective session", "group", id="group-wins-over-reflective"),
        pytest.param("Peer supervision", "group", id="peer"),
        pytest.param("Other", "other", id="other"),
        pytest.param("", None, id="blank-is-unknown"),
    ],
)
def test_supervision_types_are_matched_from_the_systems_labels(con, label, kind):
    prepared = prepared_sessions(con, [Session("W1", "10/03/2026", kind=label)])
    assert prepared.rejects.empty
    assert prepared.sessions["kind"].iloc[0] == kind


@pytest.mark.parametrize(
    ("label", "status"),
    [
        pytest.param("Held", "held", id="held"),
        pytest.param("Completed", "held", id="completed"),
        pytest.param("attended", "held", id="attended"),
        pytest.param("Cancelled", "cancelled", id="cancelled"),
        pytest.param("Canceled", "cancelled", id="us-spelling"),
        pytest.param("Did not attend", "cancelled", id="did-not-attend"),
        pytest.param("DNA", "cancelled", id="dna"),
        pytest.param("Rescheduled", "rescheduled", id="rescheduled"),
        pytest.param("Postponed", "rescheduled", id="postponed"),
    ],
)
def test_session_statuses_and_their_synonyms(con, label, status):
    prepared = prepared_sessions(con, [Session("W1", "10/03/2026", status=label)])
    assert prepared.rejects.empty
    assert prepared.sessions["status"].iloc[0] == status


def test_a_systems_own_labels_can_be_mapped_and_are_used_by_later_imports(con):
    rows = [Session("W1", "10/03/2026", kind="PSW practice forum", status="Went ahead")]
    table = read_export(sessions_csv(rows), "supervision.csv")
    _, mapping = supervision.suggest_supervision_mapping(con, table)
    before = supervision.prepare(con, table, mapping, options=Options())
    assert before.rejects["reason"].str.startswith("unknown").sum() == 2
    supervision.save_labels(
        con, types={"PSW practice forum": "reflective"}, statuses={"Went ahead": "held"}
    )
    after = supervision.prepare(con, table, mapping, options=Options())
    assert after.rejects.empty
    assert after.sessions[["kind", "status"]].iloc[0].tolist() == ["reflective", "held"]
    with pytest.raises(ValueError, match="not a supervision type"):
        supervision.save_labels(con, types={"x": "pastoral"})


class Options:
    day_first = True
    data_date = None


def test_every_bad_cell_is_listed_with_row_column_value_and_reason(con):
    rows = [
        Session("W1", "10/03/2026"),
        Session("", "32/13/2026", "about an hour", kind="Coffee", status="Maybe"),
        Session("W3", "", "900"),
    ]
    prepared = prepared_sessions(con, rows)
    problems = set(prepared.rejects.itertuples(index=False, name=None))
    assert problems == {
        (3, "Worker ID", "", "no worker id"),
        (3, "Supervision Date", "32/13/2026",
         "unreadable date (use 31/01/2026, 2026-01-31 or an Excel date)"),
        (3, "Duration (mins)", "about an hour",
         "unreadable duration (use minutes such as 90, or 1h 30m, or 1:30)"),
        (3, "Supervision Type", "Coffee",
         "unknown supervision type (expected reflective, case management, group, other)"),
        (3, "Status", "Maybe", "unknown status (expected held, cancelled or rescheduled)"),
        (4, "Supervision Date", "", "no date"),
        (4, "Duration (mins)", "900", "duration over 10 hours"),
    }  # fmt: skip
    assert len(prepared.sessions) == 1
    assert prepared.rows_rejected == 2


def test_rejects_are_stored_with_the_upload(con):
    report = load_sessions(
        con, [Session("W1", "10/03/2026"), Session("W2", "someday")], data_date=D(2026, 3, 31)
    )
    assert (report.rows_read, report.rows_stored, report.rows_rejected) == (2, 1, 1)
    stored = con.execute(
        "select row_number, column_name, value from upload_rejects where upload_id = $id",
        {"id": report.upload_id},
    ).fetchall()
    assert stored == [(3, "Supervision Date", "someday")]


def test_the_sample_exports_import_cleanly_and_map_themselves(con):
    for file_name, suggest, load, options in (
        ("staff_list.csv", staff.suggest_staff_mapping, staff.import_staff,
         {"data_date": D(2026, 10, 31)}),
        ("supervision_records.csv", supervision.suggest_supervision_mapping,
         supervision.import_supervision, {}),
        ("change_log.csv", changes.suggest_changes_mapping, changes.import_changes, {}),
    ):  # fmt: skip
        table = read_export((ROOT / "sample_data" / file_name).read_bytes(), file_name)
        _, mapping = suggest(con, table)
        report = load(con, table, mapping, uploaded_by="test", **options)
        assert report.rows_rejected == 0, file_name
        assert report.rows_stored == len(table.frame)
    names = {"Full Name", "Worker Name", "Supervisor Name"}
    assert names <= {
        column
        for file_name in ("staff_list.csv", "supervision_records.csv")
        for column, target in _suggested(con, file_name).items()
        if target == "personal"
    }


def _suggested(con, file_name: str) -> dict[str, str]:
    table = read_export((ROOT / "sample_data" / file_name).read_bytes(), file_name)
    suggest = (
        staff.suggest_staff_mapping
        if "staff" in file_name
        else (supervision.suggest_supervision_mapping)
    )
    return suggest(con, table)[1]


def test_names_are_never_stored_anywhere_and_ids_only_as_salted_hashes(con):
    workers = [Worker("SW100", name="Ada Lovelace"), Worker("SW101", name="Grace Hopper")]
    load_staff(con, workers, data_date=D(2026, 3, 31))
    load_sessions(
        con,
        [Session("SW100", "10/03/2026", supervisor="SW101", worker_name="Ada Lovelace",
                 supervisor_name="Grace Hopper")],
        data_date=D(2026, 3, 31),
    )  # fmt: skip
    secrets = ["Ada Lovelace", "Grace Hopper", "Lovelace", "Hopper", "SW100", "SW101"]
    tables = [row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()]
    for table in tables:
        text = con.execute(f'select * from "{table}"').df().astype("str").to_csv()  # noqa: S608
        for secret in secrets:
            assert secret not in text, f"{secret!r} found in {table}"
    assert con.execute("select worker_key from staff order by worker_key").fetchall() == sorted(
        [(key(con, "SW100"),), (key(con, "SW101"),)]
    )
    assert con.execute("select supervisor_key from supervision_sessions").fetchall() == [
        (key(con, "SW101"),)
    ]


def test_the_same_file_twice_is_refused_and_nothing_more_is_stored(con):
    rows = [Session("W1", "10/03/2026")]
    load_sessions(con, rows, data_date=D(2026, 3, 31))
    with pytest.raises(ImportProblem, match="already uploaded .* as upload #1"):
        load_sessions(con, rows, data_date=D(2026, 3, 31))
    assert con.execute("select count(*) from supervision_sessions").fetchall() == [(1,)]
    assert con.execute("select count(*) from uploads").fetchall() == [(1,)]


def test_a_failure_mid_import_leaves_the_store_as_it_was(con, monkeypatch):
    load_sessions(con, [Session("W1", "10/03/2026")], data_date=D(2026, 3, 31))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(supervision.imports, "insert_upload_rejects", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load_sessions(con, [Session("W2", "11/03/2026")], data_date=D(2026, 3, 31))
    assert con.execute("select count(*) from supervision_sessions").fetchall() == [(1,)]
    assert con.execute("select count(*) from uploads").fetchall() == [(1,)]
    assert con.execute("select count(*) from teams").fetchall() == [(1,)]


def test_withdrawing_an_upload_changes_the_compliance_figure_and_restoring_brings_it_back(con):
    # Three workers; the March sessions of two of them come in a second upload.
    # With it: 3 of 3 compliant. Withdrawn: 1 of 3. Restored: 3 of 3.
    as_of = D(2026, 3, 31)
    load_staff(con, [Worker("W1"), Worker("W2"), Worker("W3")], data_date=as_of)
    load_sessions(con, [Session("W1", D(2026, 3, 2))], data_date=as_of)
    second = load_sessions(
        con,
        [Session("W2", D(2026, 3, 9)), Session("W3", D(2026, 3, 16))],
        data_date=as_of,
        file_name="supervision_more.csv",
    )

    def compliant() -> int:
        row = queries.compliance_for_organisation(
            con, month=D(2026, 3, 1), as_of=as_of, rules=SMALLEST_K
        ).iloc[0]
        return int(row["compliant"])

    assert compliant() == 3
    uploads.withdraw(con, second.upload_id)
    assert compliant() == 1
    uploads.restore(con, second.upload_id)
    assert compliant() == 3


def test_a_newer_staff_list_supersedes_the_older_from_its_date_and_history_is_kept(con):
    # March list: W1-W3 in North. July list: W3 has moved to South, W4 joined South.
    # Figures for April use the March list; for July the July list; both are stored.
    march, july = D(2026, 3, 31), D(2026, 7, 31)
    load_staff(
        con,
        [Worker("W1"), Worker("W2"), Worker("W3")],
        data_date=march,
        file_name="staff_list_2026-03-31.csv",
    )
    report = load_staff(
        con,
        [Worker("W1"), Worker("W2"), Worker("W3", team="South"),
         Worker("W4", team="South", start=D(2026, 6, 1))],
        data_date=None,
        file_name="staff_list_2026-07-31.csv",
    )  # fmt: skip
    assert any("supersedes the list as at 31/03/2026" in note for note in report.notes)
    load_sessions(con, [Session("W1", D(2026, 4, 1))], data_date=july)
    dates = con.execute("select data_date from uploads where kind = 'staff' order by id").fetchall()
    assert [row[0] for row in dates] == [march, july]

    def teams_in(month: dt.date) -> dict[str, int]:
        frame = queries.worker_months(
            con, role=roles.HR_ADMIN, month_from=month, month_to=month, as_of=july
        )
        return frame.groupby("team").size().to_dict()

    assert teams_in(D(2026, 4, 1)) == {"North": 3}
    assert teams_in(D(2026, 7, 1)) == {"North": 2, "South": 2}


def test_a_staff_list_without_a_date_anywhere_is_refused_with_a_question(con):
    table = read_export(staff_csv([Worker("W1")]), "staff.csv")
    _, mapping = staff.suggest_staff_mapping(con, table)
    with pytest.raises(ImportProblem, match="Say which date this staff list is as at"):
        staff.import_staff(con, table, mapping, uploaded_by="test")
    assert con.execute("select count(*) from uploads").fetchall() == [(0,)]


def test_a_date_in_the_staff_lists_file_name_wins_over_the_date_offered_on_the_page(con):
    table = read_export(staff_csv([Worker("W1")]), "staff_list_2026-10-31.csv")
    _, mapping = staff.suggest_staff_mapping(con, table)
    prepared = staff.prepare(con, table, mapping, options=PageOptions())
    assert prepared.data_date == D(2026, 10, 31)
    assert any("that date is used rather than 25/11/2026" in note for note in prepared.notes)


class PageOptions:
    day_first = True
    data_date = D(2026, 11, 25)


def test_staff_list_cells_are_checked(con):
    workers = [
        Worker("W1"),
        Worker("W1"),
        Worker("W2", team=""),
        Worker("W3", start=D(2026, 5, 1), leaving=D(2026, 4, 1)),
        Worker("W4", contract="Zero hours?"),
    ]
    table = read_export(staff_csv(workers), "staff.csv")
    _, mapping = staff.suggest_staff_mapping(con, table)
    prepared = staff.prepare_staff(table, mapping, salt="s", data_date=D(2026, 6, 30))
    problems = {(row, column, reason) for row, column, _, reason in
                prepared.rejects.itertuples(index=False, name=None)}  # fmt: skip
    assert problems == {
        (3, "Employee No", "worker id already listed at row 2"),
        (4, "Team", "no team"),
        (5, "Leaving Date", "leaving date is before the start date"),
        (6, "Contract Type", "unknown contract type (expected agency or permanent)"),
    }
    assert prepared.staff["agency"].tolist() == [False]


@pytest.mark.parametrize(
    ("label", "agency"),
    [
        pytest.param("Agency", True, id="agency"),
        pytest.param("Locum", True, id="locum"),
        pytest.param("Permanent", False, id="permanent"),
        pytest.param("Fixed term", False, id="fixed-term"),
    ],
)
def test_contract_types(label, agency):
    assert staff.is_agency(label) is agency


@pytest.mark.parametrize(
    ("team", "stored"),
    [
        pytest.param("North", "North", id="a-team"),
        pytest.param("", None, id="blank-is-organisation-wide"),
        pytest.param("All", None, id="all"),
        pytest.param("Organisation-wide", None, id="organisation-wide"),
        pytest.param("All teams", None, id="all-teams"),
    ],
)
def test_change_log_rows_for_a_team_or_the_whole_organisation(con, team, stored):
    data = f"Team,Date,Change,Type\n{team},04/08/2025,New manager,manager change\n".encode()
    table = read_export(data, "changes.csv")
    _, mapping = changes.suggest_changes_mapping(con, table)
    report = changes.import_changes(con, table, mapping, uploaded_by="test")
    assert report.rows_rejected == 0
    assert con.execute("select team, started_on, kind from change_events").fetchall() == [
        (stored, D(2025, 8, 4), "manager change")
    ]


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        pytest.param("Restructure", "restructure", id="restructure"),
        pytest.param("Reorganisation", "restructure", id="reorganisation"),
        pytest.param("New IT system", "new system", id="new-it-system"),
        pytest.param("Manager change", "manager change", id="manager-change"),
        pytest.param("Policy change", "policy", id="policy"),
        pytest.param("other", "other", id="other"),
    ],
)
def test_change_kinds_are_matched_from_labels(label, kind):
    assert changes.kind_of(label) == kind


def test_change_log_cells_are_checked(con):
    data = b"Team,Date,Change,Type\nNorth,someday,Moved office,other\nNorth,01/02/2026,,policy\n"
    data += b"North,01/03/2026,Awayday,party\n"
    table = read_export(data, "changes.csv")
    _, mapping = changes.suggest_changes_mapping(con, table)
    prepared = changes.prepare_changes(table, mapping)
    assert {(row, column) for row, column, *_ in prepared.rejects.itertuples(index=False)} == {
        (2, "Date"),
        (3, "Change"),
        (4, "Type"),
    }


def test_dates_in_file_names():
    assert records.data_date_from_file_name("staff_list_2026-10-31.csv") == D(2026, 10, 31)
    assert records.data_date_from_file_name("Staff 20261031.xlsx") == D(2026, 10, 31)
    assert records.data_date_from_file_name("staff_list.csv") is None


def test_the_three_kinds_are_registered_for_the_upload_page_and_the_command_line():
    from wellbeing.ingest import kinds

    registered = {kind.name: kind for kind in kinds.all_kinds()}
    assert {"supervision", "staff", "changes"} <= set(registered)
    assert registered["staff"].needs_data_date


def test_the_command_line_imports_a_supervision_export(tmp_path, capsys):
    from wellbeing.cli.main import main

    path = tmp_path / "supervision_2026-03-31.csv"
    path.write_bytes(sessions_csv([Session("W1", "10/03/2026"), Session("W2", "11/03/2026")]))
    database = tmp_path / "store.duckdb"
    assert main(["import", "supervision", "--db", str(database), str(path)]) == 0
    assert "2 stored, 0 rejected" in capsys.readouterr().out
    con = store.connect(database)
    try:
        assert con.execute("select data_date from uploads").fetchall() == [(D(2026, 3, 31),)]
    finally:
        con.close()


def test_an_export_overlapping_an_earlier_one_says_how_many_sessions_repeat(con):
    january = [Session("W1", "05/01/2026"), Session("W2", "06/01/2026", None)]
    load_sessions(con, january, data_date=D(2026, 1, 31), file_name="january.csv")
    report = load_sessions(
        con,
        january + [Session("W1", "02/02/2026")],
        data_date=D(2026, 2, 28),
        file_name="january_and_february.csv",
    )
    assert any(note.startswith("2 of these sessions are already stored") for note in report.notes)
