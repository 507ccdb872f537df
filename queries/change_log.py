"""HR's change log: list, add, correct and delete change events (the change-log page).

Events come from change-log uploads or are entered on the page. Validation
lives here so that the page and any script get the same answers.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd

from queries import cache, sql
from queries.records import team_names
from wellbeing.core.vocabulary import CHANGE_KINDS, MAX_TEXT_CHARS, ORGANISATION_WIDE


class ChangeProblem(ValueError):
    """An event that cannot be saved, in one sentence saying what to fix."""


def change_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every event, newest first: id, started_on, team ('Organisation-wide' when it
    applies to all), title, kind, source (upload file name or entered on the page),
    withdrawn."""
    return con.execute(sql("change_log")).df()


def _checked(
    *, team: str | None, started_on: dt.date | None, title: str, kind: str
) -> dict[str, object]:
    if started_on is None:
        raise ChangeProblem("Give the date the change started.")
    title = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", title or "")
    if not title.strip():
        raise ChangeProblem("Say what changed, e.g. 'New case recording system went live'.")
    if len(title.strip()) > MAX_TEXT_CHARS:
        raise ChangeProblem(
            f"Say what changed in at most {MAX_TEXT_CHARS} characters "
            f"(this is {len(title.strip()):,})."
        )
    if kind not in CHANGE_KINDS:
        raise ChangeProblem(f"Choose the kind of change: {', '.join(CHANGE_KINDS)}.")
    team = (team or "").strip()
    return {
        "team": None if not team or team == ORGANISATION_WIDE else team,
        "started_on": started_on,
        "title": title.strip(),
        "kind": kind,
    }


def add_change(
    con: duckdb.DuckDBPyConnection,
    *,
    team: str | None,
    started_on: dt.date | None,
    title: str,
    kind: str,
) -> int:
    """Add an event; ``team`` None or 'Organisation-wide' means every team. Returns its id."""
    params = _checked(team=team, started_on=started_on, title=title, kind=kind)
    change_id = int(con.execute(sql("insert_change_event"), params).fetchall()[0][0])
    cache.forget_version(con)
    return change_id


def update_change(
    con: duckdb.DuckDBPyConnection,
    *,
    change_id: int,
    team: str | None,
    started_on: dt.date | None,
    title: str,
    kind: str,
) -> None:
    """Correct an event; ChangeProblem if it does not exist or the values are not valid."""
    params = _checked(team=team, started_on=started_on, title=title, kind=kind)
    updated = con.execute(sql("update_change_event"), params | {"id": change_id}).fetchall()
    cache.forget_version(con)
    if not updated:
        raise ChangeProblem(f"There is no change event #{change_id}: it may have been deleted.")


def delete_change(con: duckdb.DuckDBPyConnection, *, change_id: int) -> None:
    """Delete an event; ChangeProblem if it does not exist."""
    deleted = con.execute(sql("delete_change_event"), {"id": change_id}).fetchall()
    cache.forget_version(con)
    if not deleted:
        raise ChangeProblem(f"There is no change event #{change_id}: it may have been deleted.")


def teams(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every known team name, alphabetically."""
    return team_names(con)
