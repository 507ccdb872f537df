"""Recording and changing action plans, with the role rules checked and every change audited.

The only writer of the actions table: the Action plans page (and any script)
call these, so that a team manager can never save an action outside their own
teams, whatever a form sends.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from queries import actions as action_queries
from queries import survey
from wellbeing.access import audit_log
from wellbeing.core import action_rules, roles
from wellbeing.store import snapshots


class ActionProblem(ValueError):
    """An action that cannot be saved, in one sentence saying what to fix."""


class NotAllowed(PermissionError):
    """The user's role does not let them make this change."""


def visible_actions(con: duckdb.DuckDBPyConnection, *, user: roles.User) -> pd.DataFrame:
    """The actions ``user`` may see: all, or a team manager's teams' and the organisation's."""
    teams = None if user.sees_every_team else list(user.teams)
    return action_queries.actions(con, teams=teams)


def _checked(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: str,
    unit: str | None,
    what: str,
    measure: str,
    owner: str,
    started_on: dt.date | None,
    review_on: dt.date | None,
    status: str,
) -> dict[str, object]:
    if scope not in action_rules.SCOPES:
        raise ActionProblem("Choose whether the action is for a team, a service or everyone.")
    unit = (unit or "").strip() or None
    hierarchy = survey.team_hierarchy(con)
    if scope == action_rules.ORGANISATION:
        unit = None
    elif scope == action_rules.TEAM and unit not in set(hierarchy["team"]):
        raise ActionProblem("Choose the team the action is for.")
    elif scope == action_rules.SERVICE and unit not in set(hierarchy["service"].dropna()):
        raise ActionProblem("Choose the service the action is for.")
    if not what or not what.strip():
        raise ActionProblem("Say what will be done, e.g. 'Fortnightly reflective group'.")
    if measure not in action_rules.MEASURES:
        raise ActionProblem("Choose the measure the action is meant to move.")
    if not owner or not owner.strip():
        raise ActionProblem("Name who owns the action.")
    if started_on is None or review_on is None:
        raise ActionProblem("Give the start date and the review date.")
    if review_on < started_on:
        raise ActionProblem("The review date cannot be before the start date.")
    if status not in action_rules.STATUSES:
        raise ActionProblem(f"Choose a status: {', '.join(action_rules.STATUSES)}.")
    return {
        "scope": scope,
        "unit": unit,
        "what": what.strip(),
        "measure": measure,
        "owner": owner.strip(),
        "started_on": started_on,
        "review_on": review_on,
        "status": status,
    }


def _where(scope: str, unit: str | None) -> str:
    return "the organisation" if scope == action_rules.ORGANISATION else f"{scope} {unit}"


def _refuse_on_a_reader(con: duckdb.DuckDBPyConnection) -> None:
    # A reader serves a read-only snapshot; an action's number is the writer's to give.
    if snapshots.journal_of(con) is not None:
        raise ActionProblem(
            "This server shows a read-only copy of the data, so actions are recorded at "
            "the writer's address (the one HR uses; docs/deployment.md)."
        )


def create_action(
    con: duckdb.DuckDBPyConnection,
    *,
    user: roles.User,
    scope: str,
    unit: str | None,
    what: str,
    measure: str,
    owner: str,
    started_on: dt.date | None,
    review_on: dt.date | None,
    status: str = "planned",
) -> int:
    """Record an action (HR and leaders only) and audit it; returns its id."""
    if not action_rules.may_plan(user):
        raise NotAllowed("Only HR and senior leaders record new actions.")
    _refuse_on_a_reader(con)
    fields = _checked(
        con,
        scope=scope,
        unit=unit,
        what=what,
        measure=measure,
        owner=owner,
        started_on=started_on,
        review_on=review_on,
        status=status,
    )
    action_id = action_queries.insert_action(con, **fields, created_by=user.audit_name)
    audit_log.record(
        con,
        user=user,
        action=audit_log.ACTION_PLAN,
        detail=(
            f"Created action #{action_id} for {_where(fields['scope'], fields['unit'])} "
            f"on {action_rules.MEASURES[measure].lower()}, status {fields['status']}"
        ),
    )
    return action_id


def update_action(
    con: duckdb.DuckDBPyConnection,
    *,
    user: roles.User,
    action_id: int,
    scope: str,
    unit: str | None,
    what: str,
    measure: str,
    owner: str,
    started_on: dt.date | None,
    review_on: dt.date | None,
    status: str,
) -> None:
    """Change an action and audit it.

    HR and leaders may change any action; a team manager only one of their own
    teams', and it must stay one of their own teams'.
    """
    _refuse_on_a_reader(con)
    existing = action_queries.action_by_id(con, action_id=action_id)
    if existing is None or not action_rules.may_see(
        user, scope=str(existing["scope"]), unit=existing["unit"]
    ):
        raise ActionProblem(f"There is no action #{action_id}.")
    if not action_rules.may_update(user, scope=str(existing["scope"]), unit=existing["unit"]):
        raise NotAllowed("Only HR, senior leaders and the team's own manager change this action.")
    fields = _checked(
        con,
        scope=scope,
        unit=unit,
        what=what,
        measure=measure,
        owner=owner,
        started_on=started_on,
        review_on=review_on,
        status=status,
    )
    if not action_rules.may_update(user, scope=str(fields["scope"]), unit=fields["unit"]):
        raise NotAllowed("A team manager keeps their actions on their own teams.")
    action_queries.update_action(con, action_id=action_id, **fields, updated_at=audit_log.utc_now())
    changed = sorted(k for k, v in fields.items() if existing.get(k) != v)
    audit_log.record(
        con,
        user=user,
        action=audit_log.ACTION_PLAN,
        detail=(
            f"Changed action #{action_id} for {_where(fields['scope'], fields['unit'])}: "
            + (", ".join(changed) if changed else "nothing changed")
        ),
    )
