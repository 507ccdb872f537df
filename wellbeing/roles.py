"""Who may see what. The role names live here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field

HR_ADMIN = "hr_admin"
LEADER = "leader"
TEAM_MANAGER = "team_manager"
ROLES = (HR_ADMIN, LEADER, TEAM_MANAGER)
ROLE_NAMES = {HR_ADMIN: "HR admin", LEADER: "Senior leader", TEAM_MANAGER: "Team manager"}

# Pages every signed-in role may open; HR-only pages pass (HR_ADMIN,).
EVERYONE = ROLES


@dataclass(frozen=True)
class User:
    """The person using this session."""

    name: str
    role: str
    teams: tuple[str, ...] = field(default_factory=tuple)

    def may(self, allowed: tuple[str, ...]) -> bool:
        return self.role in allowed


# With no accounts configured the dashboard only serves 127.0.0.1, and whoever
# sits at that machine is its administrator.
LOCAL_ADMIN = User(name="local administrator", role=HR_ADMIN)
