"""Who may see what. The role names live here and nowhere else."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

import pandas as pd

HR_ADMIN = "hr_admin"
LEADER = "leader"
TEAM_MANAGER = "team_manager"
ROLES = (HR_ADMIN, LEADER, TEAM_MANAGER)
ROLE_NAMES = {HR_ADMIN: "HR admin", LEADER: "Senior leader", TEAM_MANAGER: "Team manager"}

# Pages every signed-in role may open; HR-only pages pass (HR_ADMIN,).
EVERYONE = ROLES
# Pages of figures for every team, which a team manager may not open.
LEADERS = (HR_ADMIN, LEADER)

# When one single sign-on identity matches several role mappings, the widest wins.
ROLE_RANK = {HR_ADMIN: 3, LEADER: 2, TEAM_MANAGER: 1}

# How the person signed in, for the sidebar and the audit log.
LOCAL = "local"
ACCOUNT = "account"
SINGLE_SIGN_ON = "single sign-on"


@dataclass(frozen=True)
class User:
    """The person using this session.

    ``teams`` only matters for a team manager: the teams whose figures they may
    see beside the organisation's.
    """

    name: str
    role: str
    teams: tuple[str, ...] = field(default_factory=tuple)
    username: str = ""
    signed_in_with: str = LOCAL

    def may(self, allowed: tuple[str, ...]) -> bool:
        return self.role in allowed

    @property
    def sees_every_team(self) -> bool:
        return self.role != TEAM_MANAGER

    @property
    def visible_teams(self) -> tuple[str, ...] | None:
        """The teams this user may see, or None for every team."""
        return None if self.sees_every_team else self.teams

    @property
    def audit_name(self) -> str:
        """Who did it, as the audit log records it."""
        return self.username or self.name


# With no accounts configured the dashboard only serves 127.0.0.1, and whoever
# sits at that machine is its administrator.
LOCAL_ADMIN = User(name="local administrator", role=HR_ADMIN, username="local administrator")


# The teams a team manager may see, set for each script run by ui.require_role
# (None: every team). privacy.protect applies it as its last step, after the
# rules have run on the whole breakdown, so a manager's rows are hidden or shown
# exactly as a leader sees them and no survey figure can skip the restriction.
# A ContextVar because Streamlit runs each session's script in its own thread.
_visible_teams: ContextVar[frozenset[str] | None] = ContextVar("visible_teams", default=None)


def restrict_to_teams(teams: tuple[str, ...] | None) -> None:
    """Limit the team rows this thread's gated queries return to ``teams`` (None: all)."""
    _visible_teams.set(None if teams is None else frozenset(teams))


def visible_team_restriction() -> frozenset[str] | None:
    """The teams this thread's gated queries are limited to (None: every team)."""
    return _visible_teams.get()


def only_visible_teams(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows of teams outside the restriction.

    Rows with no team (the organisation's) and frames without a team column pass.
    """
    teams = _visible_teams.get()
    if teams is None or "team" not in frame.columns:
        return frame
    return frame[frame["team"].isna() | frame["team"].isin(teams)]


# Whose eyes this thread's figures are for: a role, or None for work nobody
# sees (the background preparation). Set per script run by ui.require_role.
# The confidentiality engine remembers what readers other than HR were shown
# (queries.decisions.remember); figures made for nobody are not remembered.
_viewer_role: ContextVar[str | None] = ContextVar("viewer_role", default=None)


def view_as(role: str | None) -> None:
    """Whose eyes this thread's figures are for from now on (None: nobody's)."""
    _viewer_role.set(role)


def viewer_role() -> str | None:
    """The role this thread's figures are for, or None."""
    return _viewer_role.get()
