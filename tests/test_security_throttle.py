"""Issue 18: sign-in throttling that strangers cannot turn against others, and that parallel
attempts cannot slip past."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from wellbeing import store
from wellbeing.access import accounts, auth
from wellbeing.core import roles

T0 = dt.datetime(2026, 3, 2, 9, 0, 0)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def three_accounts(con) -> None:
    for name in ("ann", "bea", "cat"):
        accounts.create_account(
            con, username=name, display_name=name, role=roles.HR_ADMIN, password=PASSWORD, by="t"
        )


def test_strangers_typos_behind_one_unknown_address_do_not_hold_back_another_account(
    con, three_accounts
):
    """Every loopback client (a local reverse proxy too) used to be one client, 'local':
    wrong guesses at two names, each made when its account's wait allowed it, made the
    right password of a third account wait once they passed the ten a client may make."""
    now = T0
    for _ in range(6):
        for name in ("ann", "bea"):
            wait = auth.throttle_wait(con, username=name, client=auth.UNKNOWN_CLIENT, now=now)
            now += max(wait, dt.timedelta(0)) + dt.timedelta(seconds=1)
            auth.sign_in(
                con, username=name, password="wrong guess", client=auth.UNKNOWN_CLIENT, now=now
            )
    assert con.execute("select count(*) from sign_in_attempts").fetchall()[0][0] == 12
    later = now + dt.timedelta(seconds=1)
    result = auth.sign_in(
        con, username="cat", password=PASSWORD, client=auth.UNKNOWN_CLIENT, now=later
    )
    assert result.user is not None, result.message
    # The guessed accounts themselves are still held back.
    guessed = auth.sign_in(
        con, username="ann", password=PASSWORD, client=auth.UNKNOWN_CLIENT, now=later
    )
    assert guessed.user is None


def test_ten_parallel_guesses_at_one_account_are_checked_no_more_than_four_times(
    tmp_path, monkeypatch
):
    """The throttle was read before the ~200 ms password check and written after it."""
    shared = store.connect(tmp_path / "store.duckdb")
    accounts.create_account(
        shared, username="ann", display_name="Ann", role=roles.HR_ADMIN, password=PASSWORD, by="t"
    )
    checked = []
    original = auth.password_matches

    def slow_check(password_hash: str, password: str) -> bool:
        checked.append(password)
        return original(password_hash, password)

    monkeypatch.setattr(auth, "password_matches", slow_check)
    start = threading.Barrier(10)
    results = []

    def guess(n: int) -> None:
        cursor = shared.cursor()
        start.wait()
        results.append(
            auth.sign_in(
                cursor,
                username="ann",
                password=f"wrong guess {n}",
                client="10.1.1.1",
                now=T0 + dt.timedelta(milliseconds=n),
            )
        )

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Three failures are free; the fourth is allowed and starts the 30 s wait.
    assert len(checked) == auth.FREE_FAILURES_PER_ACCOUNT + 1, [r.message for r in results]
    assert sum(r.message.startswith("Too many failed attempts") for r in results) == 6
    shared.close()


def test_a_right_password_after_the_attempt_was_recorded_counts_as_a_success(con, three_accounts):
    for _ in range(3):
        auth.sign_in(con, username="ann", password="nope nope", client="10.0.0.9", now=T0)
    ok = auth.sign_in(
        con, username="ann", password=PASSWORD, client="10.0.0.9", now=T0 + dt.timedelta(1)
    )
    assert ok.user is not None
    rows = con.execute("select succeeded from sign_in_attempts order by attempted_at").fetchall()
    assert [row[0] for row in rows] == [False, False, False, True]


def test_a_megabyte_user_name_is_cut_before_it_is_stored(con):
    auth.sign_in(con, username="x" * 1_000_000, password="p", client="10.0.0.1", now=T0)
    stored = con.execute("select max(length(username)) from sign_in_attempts").fetchall()[0][0]
    logged = con.execute("select max(length(username)) from audit_log").fetchall()[0][0]
    assert stored <= auth.MAX_USERNAME_CHARS and logged <= auth.MAX_USERNAME_CHARS
