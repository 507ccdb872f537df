"""Issue 18: weak passwords, team managers of teams that do not exist (NIST SP 800-63B)."""

from __future__ import annotations

import pytest

from wellbeing.access import accounts, passwords
from wellbeing.core import roles

GOOD = "correct horse battery staple"


def add_team(con, name: str) -> None:
    con.execute("insert into teams (name, service) values ($name, 'Adults')", {"name": name})


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        pytest.param("password1234", "at least 15 characters", id="short-and-common"),
        pytest.param("password12345678", "most common passwords", id="common-with-digits"),
        pytest.param("passwordpassword", "most common passwords", id="common-said-twice"),
        pytest.param("1qaz2wsx3edc4rfv", "most common passwords", id="on-the-list"),
        pytest.param("  Wellbeing2026!!!! ", "name of this service", id="service-name"),
        pytest.param("x" * 257, "at most 256", id="too-long"),
    ],
)
def test_a_weak_password_is_refused_with_its_reason(con, password, reason):
    with pytest.raises(accounts.AccountProblem, match=reason):
        accounts.create_account(
            con, username="ann", display_name="Ann", role=roles.HR_ADMIN, password=password, by="t"
        )


def test_the_common_password_list_is_shipped_as_a_file_of_thousands():
    common = passwords.common_passwords()
    assert len(common) >= 10_000
    assert {"password", "123456", "qwerty", "letmein"} <= common


@pytest.mark.parametrize(
    "password", [GOOD, "another long passphrase", "Tea at four, then the bus home"]
)
def test_a_long_uncommon_passphrase_is_accepted(con, password):
    accounts.create_account(
        con, username="ann", display_name="Ann", role=roles.HR_ADMIN, password=password, by="t"
    )


def test_a_team_manager_for_a_team_that_does_not_exist_is_refused(con):
    add_team(con, "North")
    with pytest.raises(accounts.AccountProblem, match="no team called Nowhere"):
        accounts.create_account(
            con,
            username="tess",
            display_name="Tess",
            role=roles.TEAM_MANAGER,
            teams=["North", "Nowhere"],
            password=GOOD,
            by="t",
        )
    accounts.create_account(
        con,
        username="tess",
        display_name="Tess",
        role=roles.TEAM_MANAGER,
        teams=["North"],
        password=GOOD,
        by="t",
    )


def test_a_single_sign_on_grant_to_a_team_that_does_not_exist_is_refused(con):
    with pytest.raises(accounts.AccountProblem, match="no team called Nowhere"):
        accounts.grant_sso(
            con, claim="group", value="g1", role=roles.TEAM_MANAGER, teams=["Nowhere"], by="t"
        )
