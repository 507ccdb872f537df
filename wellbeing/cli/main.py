"""The ``wellbeing`` console command: imports for scheduled jobs, and the upload history.

Runs the same import code as the Upload page and prints the same summary. One
``import <kind>`` subcommand is made for every kind in ``wellbeing.ingest.kinds``,
so registering a kind there is all a new kind of export needs.

Exit status: 0 when everything asked for was done; 1 when rows were rejected and
nothing was stored (fix the file, or pass ``--import-valid-rows``); 2 for any
other problem (unreadable file, duplicate upload, bad mapping, database in use).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from queries import imports
from wellbeing import store
from wellbeing.access import audit_log
from wellbeing.cli import accounts
from wellbeing.ingest import kinds, mapping, reading, uploads
from wellbeing.ingest.reading import ImportProblem
from wellbeing.store import config, keys

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_PROBLEM = 2
REJECTS_SHOWN = 20

ENCODINGS = {"auto": None, "utf-8": "utf-8-sig", "windows-1252": "cp1252"}
DELIMITERS = {"auto": None, "comma": ",", "semicolon": ";", "tab": "\t"}

EPILOG = """\
exit status:
  0  done (for an import: every row stored, or the valid ones with --import-valid-rows)
  1  some rows were rejected, so nothing was stored; the bad cells are listed
  2  any other problem: unreadable file, duplicate upload, unknown mapping, or the
     database is held by the running dashboard (stop it, or use its Upload page)
"""


class CommandProblem(Exception):
    """A problem the command reports in one sentence and exits 2 for."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; ``import`` gets one subcommand per registered import kind."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help="the database file (default: WELLBEING_DB, wellbeing.toml, or data/wellbeing.duckdb)",
    )
    parser = argparse.ArgumentParser(
        prog="wellbeing",
        description="Import exports into the wellbeing dashboard's store, and manage uploads.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    importing = commands.add_parser(
        "import",
        help="validate and import an export file (all valid rows in one transaction)",
        description="Validate an export and import it in one transaction.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    by_kind = importing.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind in kinds.all_kinds():
        _add_import_command(by_kind, kind, common)

    history = commands.add_parser(
        "uploads", help="list every upload, newest first", parents=[common]
    )
    history.add_argument("--limit", type=int, default=50, help="show at most this many (50)")

    for name, text in (
        ("withdraw", "hide an upload's rows from every figure (undo with restore)"),
        ("restore", "bring a withdrawn upload's rows back into every figure"),
        ("rejects", "list the cells an upload held back"),
    ):
        command = commands.add_parser(name, help=text, description=text, parents=[common])
        command.add_argument("upload_id", type=int, metavar="ID", help="the upload's number")
    accounts.add_commands(commands, common)
    identifier_keys = commands.add_parser(
        "keys",
        help="the identifier keys kept outside the database (docs/security.md)",
        parents=[common],
    )
    actions = identifier_keys.add_subparsers(dest="keys_action", required=True, metavar="ACTION")
    actions.add_parser(
        "where",
        help="say where the key file is (back it up apart from the database)",
        parents=[common],
    )
    actions.add_parser(
        "rotate",
        help="add a new key and re-key every stored identifier hash (keep the new file)",
        parents=[common],
    )
    return parser


def _add_import_command(
    by_kind: argparse._SubParsersAction, kind: kinds.ImportKind, common: argparse.ArgumentParser
) -> None:
    command = by_kind.add_parser(
        kind.name,
        help=kind.label,
        description=f"{kind.label}: {kind.description}",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    command.add_argument("file", type=Path, metavar="FILE", help="the CSV or .xlsx export")
    if kind.needs_wave:
        command.add_argument(
            "--wave",
            required=True,
            help="the survey wave, e.g. 'Autumn 2026' (created if new)",
        )
    if kind.needs_data_date:
        command.add_argument(
            "--data-date",
            type=_date,
            required=True,
            help="the date the export describes, as YYYY-MM-DD",
        )
    command.add_argument(
        "--mapping",
        metavar="NAME",
        help="a mapping saved on the Upload page; columns it does not name are ignored "
        "(default: the saved mapping that fits best, else suggested from the headers)",
    )
    command.add_argument(
        "--encoding", choices=list(ENCODINGS), default="auto", help="the file's text encoding"
    )
    command.add_argument(
        "--delimiter", choices=list(DELIMITERS), default="auto", help="the CSV delimiter"
    )
    command.add_argument(
        "--month-first",
        action="store_true",
        help="dates are US style, month first (default: UK style, 31/01/2026)",
    )
    command.add_argument(
        "--import-valid-rows",
        action="store_true",
        help="store the valid rows even when some are rejected, and exit 0; the rejected "
        "cells are kept with the upload (see 'wellbeing rejects ID')",
    )
    command.add_argument(
        "--rejects-csv",
        type=Path,
        metavar="PATH",
        help="also write every rejected cell (row, column, value, reason) to this CSV",
    )
    command.add_argument(
        "--user",
        default=None,
        help="who is importing, for the upload history (default: your login name)",
    )


def _open(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    path = getattr(args, "db", None) or config.database_path()
    return store.connect(path)


def _choose_mapping(
    con: duckdb.DuckDBPyConnection,
    kind: kinds.ImportKind,
    table: reading.Table,
    name: str | None,
) -> tuple[str | None, dict[str, str], list[str]]:
    """(mapping name, mapping, lines to print) for this file."""
    if name is None:
        saved_name, suggested = kind.suggest(con, table)
        how = (
            f"Using saved mapping '{saved_name}'."
            if saved_name
            else "Using the mapping suggested from the headers (no saved mapping fits)."
        )
        return saved_name, suggested, [how]
    saved = mapping.saved_mapping(con, name=name, kind=kind.name)
    if saved is None:
        known = mapping.saved_mapping_names(con, kind=kind.name)
        listed = ", ".join(f"'{n}'" for n in known) if known else "none yet"
        raise CommandProblem(
            f"There is no saved {kind.name} mapping called '{name}' (saved: {listed}). "
            "Save one on the Upload page first."
        )
    chosen = {column: saved.get(column, mapping.IGNORE) for column in table.frame.columns}
    missing = [column for column in saved if column not in table.frame.columns]
    if missing:
        raise CommandProblem(
            f"Mapping '{name}' names column(s) this file does not have: "
            f"{', '.join(missing[:5])}. Check that this is the right export."
        )
    lines = [f"Using saved mapping '{name}'."]
    unnamed = [column for column in table.frame.columns if column not in saved]
    if unnamed:
        lines.append(f"Columns not in that mapping were ignored: {', '.join(unnamed)}.")
    return name, chosen, lines


def _mapping_lines(kind: kinds.ImportKind, chosen: dict[str, str]) -> list[str]:
    labels = {f"field:{field.name}": field.label for field in kind.fields}
    lines = []
    for column, target in chosen.items():
        if target == mapping.IGNORE:
            continue
        shown = (
            "personal data, dropped"
            if target == mapping.PERSONAL
            else "a measure of its own (this question alone)"
            if target == "single"
            else labels.get(
                target, target.replace("item:", "question ").replace("measure:", "measure ")
            )
        )
        lines.append(f"  {column} -> {shown}")
    return lines


def _rejects_lines(rejects: pd.DataFrame, *, limit: int = REJECTS_SHOWN) -> list[str]:
    lines = [
        f"  row {row.row}, {row.column}: {row.value!r}: {row.reason}"
        for row in rejects.head(limit).itertuples(index=False)
    ]
    if len(rejects) > limit:
        lines.append(f"  ... and {len(rejects) - limit:,} more (use --rejects-csv PATH for all)")
    return lines


def run_import(args: argparse.Namespace) -> int:
    kind = kinds.get(args.kind)
    path: Path = args.file
    if not path.is_file():
        raise CommandProblem(f"There is no file {path}.")
    data = path.read_bytes()
    con = _open(args)
    try:
        uploads.refuse_oversized(len(data), limit_mb=uploads.max_upload_mb(con))
        table = reading.read_export(
            data,
            path.name,
            encoding=ENCODINGS[args.encoding],
            delimiter=DELIMITERS[args.delimiter],
        )
        print(f"Read {path.name}: {table.describe()}.")
        uploads.refuse_duplicate(con, sha256=table.sha256)
        name, chosen, lines = _choose_mapping(con, kind, table, args.mapping)
        for line in lines + _mapping_lines(kind, chosen):
            print(line)
        options = kinds.ImportOptions(
            wave=getattr(args, "wave", None),
            day_first=not args.month_first,
            data_date=getattr(args, "data_date", None),
        )
        prepared = kind.prepare(con, table, chosen, options=options)
        for note in table.notes + prepared.notes:
            print(f"Note: {note}")
        rejected = kind.rows_rejected(prepared)
        if args.rejects_csv is not None and len(prepared.rejects):
            args.rejects_csv.write_bytes(uploads.rejects_csv(prepared.rejects))
            print(f"Wrote {len(prepared.rejects):,} rejected cell(s) to {args.rejects_csv}.")
        if rejected:
            print(
                f"{len(prepared.rejects):,} cell(s) in {rejected:,} of "
                f"{prepared.rows_read:,} rows have problems:"
            )
            for line in _rejects_lines(prepared.rejects):
                print(line)
            if not args.import_valid_rows:
                print(
                    "Nothing was stored. Fix the file and run again, or pass "
                    "--import-valid-rows to store the other rows."
                )
                return EXIT_REJECTED
        report = kind.import_file(
            con,
            table,
            chosen,
            uploaded_by=args.user or getpass.getuser(),
            mapping_name=name,
            options=options,
        )
        print(report.summary())
        audit_log.record(
            con,
            user=accounts.operator(),
            action=audit_log.IMPORT,
            detail=f"{kind.name} {path.name}: {report.summary()}",
        )
        return EXIT_OK
    finally:
        con.close()


def run_uploads(args: argparse.Namespace) -> int:
    con = _open(args)
    try:
        history = imports.upload_history(con).head(args.limit)
    finally:
        con.close()
    if history.empty:
        print("No uploads yet.")
        return EXIT_OK
    for row in history.itertuples(index=False):
        when = pd.Timestamp(row.uploaded_at).strftime("%d %b %Y %H:%M")
        wave = f", wave {row.wave}" if isinstance(row.wave, str) else ""
        print(
            f"#{row.id} {row.status:<9} {row.kind:<11} {row.file_name}{wave}: "
            f"{row.rows_read:,} read, {row.rows_stored:,} stored, {row.rows_rejected:,} "
            f"rejected; {when} by {row.uploaded_by}"
        )
    return EXIT_OK


def run_status_change(args: argparse.Namespace) -> int:
    con = _open(args)
    try:
        change = uploads.withdraw if args.command == "withdraw" else uploads.restore
        upload = change(con, args.upload_id)
        audit_log.record(
            con,
            user=accounts.operator(),
            action=audit_log.WITHDRAW if args.command == "withdraw" else audit_log.RESTORE,
            detail=f"Upload #{args.upload_id} ({upload['file_name']})",
        )
    finally:
        con.close()
    done = (
        "withdrawn: its rows no longer count in any figure"
        if args.command == "withdraw"
        else "restored: its rows count in every figure again"
    )
    print(f"Upload #{args.upload_id} ({upload['file_name']}) {done}.")
    return EXIT_OK


def run_accounts(args: argparse.Namespace) -> int:
    con = _open(args)
    try:
        return accounts.run(args, con)
    finally:
        con.close()


def run_keys(args: argparse.Namespace) -> int:
    path = Path(getattr(args, "db", None) or config.database_path())
    con = _open(args)
    try:
        if args.keys_action == "rotate":
            rotated = keys.rotate(con)
            print(
                f"Rotated: every stored worker and respondent hash is re-keyed; "
                f"{rotated.source} now holds {len(rotated.worker)} worker and "
                f"{len(rotated.respondent)} respondent key(s). Back it up now: older "
                "backups of the key file no longer match this database."
            )
        else:
            print(f"Identifier keys: {store.identifier_keys(con).source} (database {path}).")
    finally:
        con.close()
    return EXIT_OK


def run_rejects(args: argparse.Namespace) -> int:
    con = _open(args)
    try:
        if imports.upload_by_id(con, upload_id=args.upload_id) is None:
            raise ImportProblem(f"There is no upload #{args.upload_id}.")
        rejects = imports.upload_rejects(con, upload_id=args.upload_id)
    finally:
        con.close()
    if rejects.empty:
        print(f"Upload #{args.upload_id} rejected no cells.")
        return EXIT_OK
    for line in _rejects_lines(rejects, limit=len(rejects)):
        print(line)
    return EXIT_OK


COMMANDS = {
    "import": run_import,
    "uploads": run_uploads,
    "withdraw": run_status_change,
    "restore": run_status_change,
    "rejects": run_rejects,
    "accounts": run_accounts,
    "keys": run_keys,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ImportProblem, CommandProblem, store.StoreUnavailable, store.KeyProblem) as problem:
        print(f"Not done: {problem}", file=sys.stderr)
        return EXIT_PROBLEM
    except BrokenPipeError:
        # The reader stopped early (`wellbeing uploads | head -3`): that is no error of
        # ours. Point stdout at /dev/null so the flush at exit cannot raise it again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
