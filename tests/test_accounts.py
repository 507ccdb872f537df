"""Accounts, password sign-in, throttling, idle sessions, single sign-on grants, audit log."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from queries import accounts as account_queries
from wellbeing import store
from wellbeing.access import accounts, audit_log, auth
from wellbeing.cli.main import main
from wellbeing.core import roles, spreadsheets
from wellbeing.ingest import uploads

T0 = dt.datetime(2026, 3, 2, 9, 0, 0)
PASSWORD = "correct horse battery staple"


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


@pytest.fixture
def ann(con) -> int:
    """An HR admin called ann."""
    return accounts.create_account(
        con,
        username="Ann",
        display_name="Ann Admin",
        role=roles.HR_ADMIN,
        password=PASSWORD,
        by="test",
    )


@pytest.fixture(autouse=True)
def teams_north_and_south(con) -> None:
    """Team managers may only be given teams the store knows (issue 18)."""
    con.execute("insert into teams (name, service) values ('North', 'A'), ('South', 'A')")


def sign_in(con, *, username="ann", password=PASSWORD, client="10.0.0.1", at=T0):
    return auth.sign_in(con, username=username, password=password, client=client, now=at)


def test_the_database_holds_an_argon2id_hash_never_the_password(con, ann):
    (stored,) = con.execute("select password_hash from accounts").fetchall()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    everything = con.execute("select * from accounts").df().to_string()
    assert PASSWORD not in everything


def test_a_right_password_signs_in_whatever_the_case_of_the_user_name(con, ann):
    result = sign_in(con, username="  ANN ")
    assert result.user == roles.User(
        name="Ann Admin", role=roles.HR_ADMIN, username="ann", signed_in_with=roles.ACCOUNT
    )
    assert result.account_id == ann


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("ann", "wrong password here", id="wrong-password"),
        pytest.param("nobody", PASSWORD, id="unknown-name"),
        pytest.param("", PASSWORD, id="empty-name"),
    ],
)
def test_a_failed_sign_in_says_the_same_thing_whether_or_not_the_name_exists(
    con, ann, username, password
):
    result = sign_in(con, username=username, password=password)
    assert result.user is None
    assert result.message == auth.WRONG_PASSWORD


def test_a_disabled_account_cannot_sign_in_even_with_its_password(con, ann):
    accounts.create_account(
        con, username="bea", display_name="Bea", role=roles.HR_ADMIN, password=PASSWORD, by="t"
    )
    accounts.set_active(con, account_id=ann, active=False, by="test")
    assert sign_in(con).user is None
    assert auth.user_for_account(con, account_id=ann) is None


def test_sign_ins_and_failures_are_audited_without_the_password(con, ann):
    sign_in(con, password="not the password", at=T0)
    sign_in(con, at=T0 + seconds(1))
    everything = account_queries.audit_events(con)
    log = everything[everything["action"] != audit_log.ACCOUNTS].reset_index(drop=True)
    assert list(log["action"]) == [audit_log.SIGN_IN, audit_log.SIGN_IN_FAILED]
    assert list(log["username"]) == ["ann", "ann"]
    assert list(log["happened_at"]) == [T0 + seconds(1), T0]
    assert "10.0.0.1" in log["detail"][0]
    log = everything
    assert not log.to_string().count(PASSWORD) and "not the password" not in log.to_string()


@pytest.mark.parametrize(
    ("failures", "expected_seconds"),
    [
        pytest.param(3, 0, id="three-free"),
        pytest.param(4, 30, id="fourth-waits-30s"),
        pytest.param(5, 60, id="fifth-doubles"),
        pytest.param(8, 480, id="eighth-8-minutes"),
        pytest.param(9, 900, id="capped-at-15-minutes"),  # 30 * 2**5 = 960 > 900
    ],
)
def test_the_delay_doubles_after_the_free_failures_up_to_the_cap(failures, expected_seconds):
    assert auth.delay_after(failures, free=3) == seconds(expected_seconds)


def test_an_account_is_locked_for_30_seconds_after_its_fourth_failure(con, ann):
    for n in range(4):
        assert sign_in(con, password="wrong", at=T0 + seconds(n)).user is None
    # Last failure at T0+3s; 4 failures, 3 free: wait 30 s, until T0+33s.
    locked = sign_in(con, at=T0 + seconds(32))
    assert locked.user is None
    assert locked.message.startswith("Too many failed attempts. Wait 2 seconds")
    # The refused attempt is not checked or counted, so the wait does not grow.
    assert sign_in(con, at=T0 + seconds(34)).user is not None


def test_a_success_restarts_the_count_for_the_account(con, ann):
    for n in range(3):
        sign_in(con, password="wrong", at=T0 + seconds(n))
    assert sign_in(con, at=T0 + seconds(3)).user is not None
    # Three more failures are free again after the success.
    for n in range(4, 7):
        sign_in(con, password="wrong", at=T0 + seconds(n))
    assert auth.throttle_wait(con, username="ann", client="10.0.0.1", now=T0 + seconds(7)) == (
        dt.timedelta(0)
    )


def test_one_client_guessing_many_names_is_throttled_too(con, ann):
    # Ten free failures per client, spread over ten names (one each: no account lock).
    for n in range(11):
        sign_in(con, username=f"guess{n}", password="x", client="10.9.9.9", at=T0 + seconds(n))
    # 11 failures, 10 free: 30 s after the last (T0+10s), so 25 s left at T0+15s.
    wait = auth.throttle_wait(con, username="ann", client="10.9.9.9", now=T0 + seconds(15))
    assert wait == seconds(25)
    assert sign_in(con, client="10.9.9.9", at=T0 + seconds(15)).user is None
    # Another client is not held back by it.
    assert sign_in(con, client="10.0.0.2", at=T0 + seconds(15)).user is not None


def test_failures_older_than_the_window_are_forgotten(con, ann):
    for n in range(6):
        sign_in(con, password="wrong", at=T0 + seconds(n))
    later = T0 + auth.THROTTLE_WINDOW + seconds(6)
    assert auth.throttle_wait(con, username="ann", client="10.0.0.1", now=later) == dt.timedelta(0)


@pytest.mark.parametrize(
    ("idle", "expired"),
    [
        pytest.param(dt.timedelta(minutes=29, seconds=59), False, id="29m59s"),
        pytest.param(dt.timedelta(minutes=30), False, id="exactly-30m"),
        pytest.param(dt.timedelta(minutes=30, seconds=1), True, id="30m01s"),
    ],
)
def test_a_session_expires_after_the_default_30_idle_minutes(con, idle, expired):
    timeout = auth.session_timeout(con)
    assert timeout == dt.timedelta(minutes=30)
    assert auth.session_expired(last_active=T0, now=T0 + idle, timeout=timeout) is expired


def test_hr_can_change_the_idle_timeout_within_limits_and_it_is_audited(con):
    auth.set_session_timeout(con, minutes=10, by="ann")
    assert auth.session_timeout(con) == dt.timedelta(minutes=10)
    assert "from 30 to 10 minutes" in account_queries.audit_events(con)["detail"][0]
    with pytest.raises(ValueError, match="between 5 and 480"):
        auth.set_session_timeout(con, minutes=1, by="ann")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"username": "a b"}, "A user name is", id="space-in-name"),
        pytest.param({"password": "short"}, "at least 15 characters", id="short-password"),
        pytest.param(
            {"username": "bobby-tables-1234", "password": "Bobby-Tables-1234"},
            "must not be the user name",
            id="name-as-pw",
        ),
        pytest.param({"password": "aaaaaaaaaaaaaaa"}, "too few different", id="one-character"),
        pytest.param({"role": "admin"}, "is not a role", id="unknown-role"),
        pytest.param({"role": roles.TEAM_MANAGER}, "at least one team", id="manager-no-team"),
    ],
)
def test_a_bad_new_account_is_refused_with_a_reason(con, changes, message):
    fields = {
        "username": "bobby-tables",
        "display_name": "Bobby",
        "role": roles.LEADER,
        "password": PASSWORD,
    } | changes
    with pytest.raises(accounts.AccountProblem, match=message):
        accounts.create_account(con, by="test", **fields)
    assert account_queries.accounts(con).empty


def test_two_accounts_cannot_share_a_name(con, ann):
    with pytest.raises(accounts.AccountProblem, match="already an account called ann"):
        accounts.create_account(
            con, username="ANN", display_name="", role=roles.LEADER, password=PASSWORD, by="t"
        )


def test_the_last_active_hr_admin_can_be_neither_disabled_nor_demoted(con, ann):
    with pytest.raises(accounts.AccountProblem, match="only active HR admin"):
        accounts.set_active(con, account_id=ann, active=False, by="test")
    with pytest.raises(accounts.AccountProblem, match="only active HR admin"):
        accounts.change_access(con, account_id=ann, role=roles.LEADER, by="test")
    assert auth.user_for_account(con, account_id=ann).role == roles.HR_ADMIN


def test_a_role_change_applies_to_a_signed_in_session_at_its_next_click(con, ann):
    leader = accounts.create_account(
        con, username="lee", display_name="Lee", role=roles.LEADER, password=PASSWORD, by="t"
    )
    accounts.change_access(
        con, account_id=leader, role=roles.TEAM_MANAGER, teams=["North", " South "], by="ann"
    )
    user = auth.user_for_account(con, account_id=leader)
    assert (user.role, user.teams, user.visible_teams) == (
        roles.TEAM_MANAGER,
        ("North", "South"),
        ("North", "South"),
    )
    assert "Changed lee to Team manager (North, South)" in set(
        account_queries.audit_events(con)["detail"]
    )


def test_a_new_password_replaces_the_old_one(con, ann):
    accounts.reset_password(con, account_id=ann, password="another long passphrase", by="test")
    assert sign_in(con).user is None
    assert sign_in(con, password="another long passphrase", at=T0 + seconds(1)).user is not None


GRANTS = [
    ("email", "dana@council.gov.uk", roles.LEADER, []),
    ("group", "hr-group-id", roles.HR_ADMIN, []),
    ("group", "north-managers", roles.TEAM_MANAGER, ["North"]),
    ("group", "south-managers", roles.TEAM_MANAGER, ["South"]),
]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param(
            {"email": "Dana@Council.gov.uk", "groups": ["hr-group-id"]},
            (roles.LEADER, ()),
            id="own-address-beats-group",
        ),
        pytest.param(
            {"preferred_username": "eve@council.gov.uk", "groups": ["HR-GROUP-ID"]},
            (roles.HR_ADMIN, ()),
            id="entra-upn-and-group",
        ),
        pytest.param(
            {"email": "fay@council.gov.uk", "groups": ["north-managers", "south-managers"]},
            (roles.TEAM_MANAGER, ("North", "South")),
            id="manager-teams-add-up",
        ),
        pytest.param(
            {"email": "gus@council.gov.uk", "groups": ["north-managers", "hr-group-id"]},
            (roles.HR_ADMIN, ()),
            id="widest-role-wins",
        ),
        pytest.param(
            {"email": "hal@council.gov.uk", "roles": ["south-managers"]},
            (roles.TEAM_MANAGER, ("South",)),
            id="app-roles-claim",
        ),
        pytest.param(
            {"email": "ivy@council.gov.uk", "groups": ["other"]}, None, id="no-grant-no-access"
        ),
    ],
)
def test_a_single_sign_on_identity_maps_to_the_role_hr_granted(con, claims, expected):
    for claim, value, role, teams in GRANTS:
        accounts.grant_sso(con, claim=claim, value=value, role=role, teams=teams, by="test")
    user = auth.user_for_identity(con, claims=claims)
    assert (None if user is None else (user.role, user.teams)) == expected


def test_sign_in_is_configured_by_an_account_or_by_single_sign_on_with_a_grant(con):
    assert not auth.sign_in_configured(con, single_sign_on=False)
    accounts.grant_sso(con, claim="group", value="g", role=roles.LEADER, by="test")
    assert not auth.sign_in_configured(con, single_sign_on=False)
    assert auth.sign_in_configured(con, single_sign_on=True)
    accounts.revoke_sso(con, claim="group", value="g", by="test")
    accounts.create_account(
        con, username="ann", display_name="", role=roles.HR_ADMIN, password=PASSWORD, by="t"
    )
    assert auth.sign_in_configured(con, single_sign_on=False)


def test_the_audit_log_refuses_an_unknown_action_and_shows_uk_time(con):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_log.record(con, user="ann", action="deleted everything", detail="")
    audit_log.record(
        con,
        user="ann",
        action=audit_log.DOWNLOAD,
        detail="x.csv",
        now=dt.datetime(2026, 7, 1, 12, 0),
    )
    shown = audit_log.events(con)
    # 12:00 UTC on 1 July is 13:00 British Summer Time.
    assert shown["happened_at"][0] == pd.Timestamp(2026, 7, 1, 13, 0)
    assert shown["action"][0] == "Download"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        '=HYPERLINK("http://evil.example","x")',
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return", "hyperlink"],
)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value):
    safe = spreadsheets.neutralise_formulas(pd.DataFrame({"team": [value, "North"], "n": [-3, 4]}))
    assert safe["team"].tolist() == ["'" + value, "North"]
    assert safe["n"].tolist() == [-3, 4]  # numbers stay numbers


def test_the_rejected_cells_download_neutralises_the_files_own_text(con):
    rejects = pd.DataFrame(
        {
            "row": [2],
            "column": ["Team"],
            "value": ['=HYPERLINK("http://x","y")'],
            "reason": ["unknown team"],
        }
    )
    text = uploads.rejects_csv(rejects.reindex(columns=uploads.REJECT_COLUMNS)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def run_cli(monkeypatch, capsys, db, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(["accounts", *args, "--db", str(db)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_first_admin_is_created_from_the_command_line(tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.duckdb"
    with store.connect(db) as known:
        known.execute("insert into teams (name, service) values ('North', 'A'), ('South', 'A')")
    status, out, _ = run_cli(
        monkeypatch,
        capsys,
        db,
        "create-admin",
        "j.smith",
        "--name",
        "Jo Smith",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert status == 0 and "Created j.smith (HR admin)" in out
    status, out, _ = run_cli(
        monkeypatch,
        capsys,
        db,
        "create",
        "lee",
        "team_manager",
        "--teams",
        "North, South",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert status == 0
    status, out, _ = run_cli(monkeypatch, capsys, db, "sso-grant", "group", "abc-123", "leader")
    status, out, _ = run_cli(monkeypatch, capsys, db, "list")
    assert "j.smith" in out and "lee" in out and "[teams: North, South]" in out
    assert "single sign-on group abc-123: Senior leader" in out
    assert PASSWORD not in out


def test_the_command_line_refuses_a_short_password_and_disabling_the_last_admin(
    tmp_path, monkeypatch, capsys
):
    db = tmp_path / "cli.duckdb"
    status, _, err = run_cli(
        monkeypatch, capsys, db, "create-admin", "ann", "--password-stdin", stdin="short\n"
    )
    assert status == 2 and "at least 15 characters" in err
    run_cli(
        monkeypatch, capsys, db, "create-admin", "ann", "--password-stdin", stdin=PASSWORD + "\n"
    )
    status, _, err = run_cli(monkeypatch, capsys, db, "disable", "ann")
    assert status == 2 and "only active HR admin" in err


def test_command_line_changes_are_audited_with_the_operator(tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.duckdb"
    monkeypatch.setattr("getpass.getuser", lambda: "hrclerk")
    run_cli(
        monkeypatch, capsys, db, "create-admin", "ann", "--password-stdin", stdin=PASSWORD + "\n"
    )
    from wellbeing import store

    connection = store.connect(db)
    try:
        log = account_queries.audit_events(connection)
    finally:
        connection.close()
    assert log["username"].tolist() == ["hrclerk (command line)"]
    assert log["detail"].tolist() == ["Created account ann as HR admin"]


def test_the_repository_tracks_no_secrets_file_and_no_database():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert tracked, "expected a git checkout"
    # secrets.toml holds the single sign-on client secret; a store holds the salt and hashes.
    assert not [path for path in tracked if path.endswith(("secrets.toml", ".duckdb", ".wal"))]
