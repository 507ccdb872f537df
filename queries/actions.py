"""Action plans: reading and writing the actions table, and the gated figures of their measure.

Writes are called only by ``wellbeing.access.action_plans``, which checks the
role rules (``wellbeing.core.action_rules``) and writes the audit log.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import settings, sql, survey
from wellbeing import privacy
from wellbeing.core import action_rules

ACTION_COLUMNS = [
    "id",
    "scope",
    "unit",
    "what",
    "measure",
    "owner",
    "started_on",
    "review_on",
    "status",
]


def actions(con: duckdb.DuckDBPyConnection, *, teams: list[str] | None = None) -> pd.DataFrame:
    """Action plans, soonest review first: every one, or (``teams``) a team manager's.

    With ``teams``: those teams' actions and the organisation's, no service's.
    """
    params = {"teams": None if teams is None else list(teams)}
    frame = con.execute(sql("actions"), params).df()
    # The organisation's actions have no unit: None, not NaN, so that it compares equal.
    frame["unit"] = frame["unit"].astype("object").where(frame["unit"].notna(), None)
    return frame


def action_by_id(con: duckdb.DuckDBPyConnection, *, action_id: int) -> dict[str, object] | None:
    """One action as a dict of ``ACTION_COLUMNS``, or None."""
    rows = con.execute(sql("action_by_id"), {"id": action_id}).fetchall()
    return dict(zip(ACTION_COLUMNS, rows[0], strict=True)) if rows else None


def insert_action(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: str,
    unit: str | None,
    what: str,
    measure: str,
    owner: str,
    started_on: dt.date,
    review_on: dt.date,
    status: str,
    created_by: str,
    is_demo: bool = False,
) -> int:
    """Store one action (already checked); returns its id."""
    params = {
        "scope": scope,
        "unit": unit,
        "what": what,
        "measure": measure,
        "owner": owner,
        "started_on": started_on,
        "review_on": review_on,
        "status": status,
        "created_by": created_by,
        "is_demo": is_demo,
    }
    return int(con.execute(sql("insert_action"), params).fetchall()[0][0])


def update_action(
    con: duckdb.DuckDBPyConnection,
    *,
    action_id: int,
    scope: str,
    unit: str | None,
    what: str,
    measure: str,
    owner: str,
    started_on: dt.date,
    review_on: dt.date,
    status: str,
    updated_at: dt.datetime,
) -> bool:
    """Change one action (already checked); False when there is no such action."""
    params = {
        "id": action_id,
        "scope": scope,
        "unit": unit,
        "what": what,
        "measure": measure,
        "owner": owner,
        "started_on": started_on,
        "review_on": review_on,
        "status": status,
        "updated_at": updated_at,
    }
    return bool(con.execute(sql("update_action"), params).fetchall())


def measure_by_wave(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: str,
    unit: str | None,
    measure: str,
    rules: privacy.Rules | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An action's measure wave by wave for its team, service or organisation, and the
    organisation's, both through the confidentiality gate (``queries.survey``).

    Each frame has wave_id, wave, wave_opened_on, respondents, mean_score, sd,
    share_high and status; hidden waves carry no figures.
    """
    rules = rules or settings.rules(con)
    constructs = [measure]
    organisation = survey.construct_by_wave_for_organisation(
        con, filters=survey.Filters(), constructs=constructs, rules=rules
    )
    if scope == action_rules.ORGANISATION:
        return organisation, organisation
    if scope == action_rules.SERVICE:
        scoped = survey.construct_by_wave_for_service(
            con, filters=survey.Filters(service=unit), constructs=constructs, rules=rules
        )
    elif scope == action_rules.TEAM:
        scoped = survey.construct_by_wave(
            con, filters=survey.Filters(team=unit), constructs=constructs, rules=rules
        )
        scoped = scoped[scoped["team"] == unit]
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return scoped.reset_index(drop=True), organisation
