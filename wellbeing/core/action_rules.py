"""Action plans: their scopes, statuses, the measures they can aim at, and who may change them.

The rules live here once; ``wellbeing.access.action_plans`` enforces them on
every write and the Action plans page asks them before drawing a form.
"""

from __future__ import annotations

from wellbeing.core import roles

TEAM = "team"
SERVICE = "service"
ORGANISATION = "organisation"
SCOPES = (TEAM, SERVICE, ORGANISATION)
SCOPE_NAMES = {TEAM: "A team", SERVICE: "A service", ORGANISATION: "The whole organisation"}

STATUSES = ("planned", "in progress", "done", "stopped")
OPEN_STATUSES = ("planned", "in progress")

# The default instrument's 1-5 scales an action can aim to move: each has a mean
# per wave for a team, a service and the organisation, so "before and after" is
# defined. Yes/no and band constructs are left out: their change is a share.
MEASURES = {
    "stress": "Stress",
    "support": "Support",
    "challenge": "Challenge",
    "psychological_safety": "Psychological safety",
    "change_fatigue": "Change fatigue",
    "intention_to_leave": "Intention to leave",
    "workload": "Workload pressure",
    "unfair_scrutiny": "Unfair scrutiny",
    "supervision_usefulness": "Supervision usefulness",
}

# Who may create actions and change any of them; team managers change only
# their own teams' team actions (and cannot create or re-scope one).
PLANNERS = roles.LEADERS


def may_plan(user: roles.User) -> bool:
    """HR and senior leaders record actions for any team, service or the organisation."""
    return user.may(PLANNERS)


def may_see(user: roles.User, *, scope: str, unit: str | None) -> bool:
    """A team manager sees their own teams' actions and the organisation's; others see all.

    A service's action names no team, but a manager is not told which services
    exist beyond their own teams' figures, so service actions stay with leaders.
    """
    if user.sees_every_team:
        return True
    if scope == ORGANISATION:
        return True
    return scope == TEAM and unit in user.teams


def may_update(user: roles.User, *, scope: str, unit: str | None) -> bool:
    """Who may change an action: planners any; a team manager only their own team's."""
    if may_plan(user):
        return True
    return user.role == roles.TEAM_MANAGER and scope == TEAM and unit in user.teams
