"""``wellbeing accounts ...``: accounts and single sign-on grants from the command line.

Creating the first HR admin here is how sign-in is switched on. Passwords are
asked for without echo (or read from standard input with ``--password-stdin``),
never taken as an argument, so they stay out of shell history and process lists.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

import duckdb

from wellbeing.access import accounts
from wellbeing.core import roles

EXIT_OK = 0
EXIT_PROBLEM = 2


def operator() -> str:
    """Who ran the command, for the audit log."""
    return f"{getpass.getuser()} (command line)"


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``accounts`` and its subcommands to the ``wellbeing`` parser."""
    group = commands.add_parser(
        "accounts",
        help="create the first HR admin, and manage accounts and single sign-on grants",
        description="Manage who may sign in to the dashboard. Every change is audited.",
        parents=[common],
    )
    actions = group.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")

    def action(name: str, text: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, help=text, description=text, parents=[common])

    def password_source(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input instead of asking",
        )

    def teams_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--teams", default="", help="comma-separated teams a team manager may see"
        )

    create_admin = action("create-admin", "create an HR admin account (switches sign-in on)")
    create_admin.add_argument("username", help="the sign-in name, e.g. j.smith")
    create_admin.add_argument("--name", default="", help="the person's name as shown")
    password_source(create_admin)

    create = action("create", "create an account with any role")
    create.add_argument("username")
    create.add_argument("role", choices=roles.ROLES)
    create.add_argument("--name", default="")
    teams_option(create)
    password_source(create)

    action("list", "list accounts and single sign-on grants")

    set_role = action("set-role", "change an account's role (and teams)")
    set_role.add_argument("username")
    set_role.add_argument("role", choices=roles.ROLES)
    teams_option(set_role)

    reset = action("reset-password", "give an account a new password")
    reset.add_argument("username")
    password_source(reset)

    for name, text in (("disable", "stop an account signing in"), ("enable", "let it again")):
        action(name, text).add_argument("username")

    grant = action("sso-grant", "grant a role to a single sign-on email address or group id")
    grant.add_argument("claim", choices=accounts.SSO_CLAIMS)
    grant.add_argument("value", help="the email address or the group's object id")
    grant.add_argument("role", choices=roles.ROLES)
    teams_option(grant)

    revoke = action("sso-revoke", "remove a single sign-on grant")
    revoke.add_argument("claim", choices=accounts.SSO_CLAIMS)
    revoke.add_argument("value")


def run(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    """Run one ``accounts`` action on an open store; returns the exit status."""
    try:
        for line in ACTIONS[args.accounts_command](con, args):
            print(line)
    except accounts.AccountProblem as problem:
        print(f"Not done: {problem}", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


def _teams(args: argparse.Namespace) -> list[str]:
    return [team.strip() for team in args.teams.split(",") if team.strip()]


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise accounts.AccountProblem("The two passwords differ; nothing was changed.")
    return first


def _create(con: duckdb.DuckDBPyConnection, args: argparse.Namespace, role: str) -> list[str]:
    accounts.create_account(
        con,
        username=args.username,
        display_name=args.name,
        role=role,
        teams=_teams(args) if role == roles.TEAM_MANAGER else [],
        password=_new_password(args),
        by=operator(),
    )
    return [
        f"Created {args.username.strip().lower()} ({roles.ROLE_NAMES[role]}). "
        "From now on everyone signs in, and the dashboard may be served beyond this computer."
    ]


def _list(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
    table = accounts.accounts(con)
    lines = [
        f"{row.username:<24} {roles.ROLE_NAMES[row.role]:<14} "
        f"{'active' if row.active else 'disabled':<9} {row.display_name}"
        + (f" [teams: {row.teams}]" if row.teams else "")
        for row in table.itertuples(index=False)
    ] or ["No accounts: sign-in is off and the dashboard serves 127.0.0.1 only."]
    for row in accounts.sso_mappings(con).itertuples(index=False):
        teams = f" [teams: {row.teams}]" if row.teams else ""
        lines.append(f"single sign-on {row.claim} {row.value}: {roles.ROLE_NAMES[row.role]}{teams}")
    return lines


def _set_role(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
    account_id = accounts.account_id(con, username=args.username)
    accounts.change_access(
        con, account_id=account_id, role=args.role, teams=_teams(args), by=operator()
    )
    return [f"{args.username} is now {roles.ROLE_NAMES[args.role]}."]


def _reset(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
    account_id = accounts.account_id(con, username=args.username)
    accounts.reset_password(con, account_id=account_id, password=_new_password(args), by=operator())
    return [f"New password set for {args.username}."]


def _set_active(active: bool) -> Callable[[duckdb.DuckDBPyConnection, argparse.Namespace], list]:
    def change(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
        account_id = accounts.account_id(con, username=args.username)
        accounts.set_active(con, account_id=account_id, active=active, by=operator())
        return [f"{args.username} is {'enabled' if active else 'disabled'}."]

    return change


def _grant(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
    accounts.grant_sso(
        con,
        claim=args.claim,
        value=args.value,
        role=args.role,
        teams=_teams(args),
        by=operator(),
    )
    return [f"Single sign-on {args.claim} {args.value}: {roles.ROLE_NAMES[args.role]}."]


def _revoke(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> list[str]:
    accounts.revoke_sso(con, claim=args.claim, value=args.value, by=operator())
    return [f"Single sign-on {args.claim} {args.value} revoked."]


ACTIONS = {
    "create-admin": lambda con, args: _create(con, args, roles.HR_ADMIN),
    "create": lambda con, args: _create(con, args, args.role),
    "list": _list,
    "set-role": _set_role,
    "reset-password": _reset,
    "disable": _set_active(False),
    "enable": _set_active(True),
    "sso-grant": _grant,
    "sso-revoke": _revoke,
}
