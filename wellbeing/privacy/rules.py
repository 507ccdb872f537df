"""The rules in force: thresholds, statuses and what they say, the dimensions and crossing limits.

Everything here is a plain value or a check on one; the engine that applies
them is ``decision`` (every cell of a wave) and ``protect`` (query rows). This
is the only home of the thresholds and of the list of sensitive attributes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_SENSITIVE_MIN_GROUP_SIZE = 10
LOWEST_ALLOWED_MIN_GROUP_SIZE = 3
HIGHEST_ALLOWED_MIN_GROUP_SIZE = 10
# The stricter k may not be laxer than k itself, and above this it would hide
# every breakdown of all but the largest organisations.
HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE = 20
MAX_CROSSED_ATTRIBUTES = 2
# A leader filters by role OR by career stage, never both: the role x stage
# table of every team, service and the organisation, next to each of its
# margins, let small groups be solved for (tests/privacy_attack.py found 1-person
# groups such as "role not stated, newly qualified"). Commercial platforms limit
# crossing the same way (Viva Glint: one filter; Peakon: no overlapping segments).
MAX_SUB_FILTERS = 1
# A shown group smaller than this may not be all alike: a share of 0% or 100%, or
# an interval of zero width, would tell every member's answer. HR sets it (from k up).
DEFAULT_ALIKE_GROUP_SIZE = 10
HIGHEST_ALLOWED_ALIKE_GROUP_SIZE = 50

SHOWN = "shown"
BELOW_K = "below_k"
PROTECTS_SMALLER = "protects_smaller"
NO_DATA = "no_data"
STATUSES = (SHOWN, BELOW_K, PROTECTS_SMALLER, NO_DATA)

# Respondent attributes a figure can be broken down or filtered by. ``team``
# always comes with its ``service`` (the hierarchy), so a cell naming a team
# names its service too.
UNIT_DIMENSIONS = ("service", "team")
SUB_FILTERS = ("role", "career_stage")
SENSITIVE_ATTRIBUTES = ("ethnicity", "gender", "disability", "age_band")
DIMENSIONS = (*UNIT_DIMENSIONS, *SUB_FILTERS, *SENSITIVE_ATTRIBUTES)


@dataclass(frozen=True)
class Rules:
    """The thresholds in force for this installation."""

    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    sensitive_min_group_size: int = DEFAULT_SENSITIVE_MIN_GROUP_SIZE
    alike_group_size: int = DEFAULT_ALIKE_GROUP_SIZE

    def __post_init__(self) -> None:
        problem = rules_problem(self)
        if problem:
            raise ValueError(problem)


def rules_problem(rules: Rules) -> str | None:
    """Why these thresholds cannot be used, in one sentence, or None when they can."""
    k, sensitive = rules.min_group_size, rules.sensitive_min_group_size
    if not LOWEST_ALLOWED_MIN_GROUP_SIZE <= k <= HIGHEST_ALLOWED_MIN_GROUP_SIZE:
        return (
            f"The minimum group size must be between {LOWEST_ALLOWED_MIN_GROUP_SIZE} and "
            f"{HIGHEST_ALLOWED_MIN_GROUP_SIZE} respondents (you asked for {k}): below "
            f"{LOWEST_ALLOWED_MIN_GROUP_SIZE} individual answers can be recognised, above "
            f"{HIGHEST_ALLOWED_MIN_GROUP_SIZE} most teams would vanish."
        )
    if not k <= sensitive <= HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE:
        return (
            f"The minimum group size for sensitive attributes must be between the ordinary one "
            f"({k}) and {HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE} respondents (you asked for "
            f"{sensitive}): it protects ethnicity, gender, disability and age at least as "
            "strictly as teams."
        )
    alike = rules.alike_group_size
    if not k <= alike <= HIGHEST_ALLOWED_ALIKE_GROUP_SIZE:
        return (
            f"The size below which a group may not show everyone answering alike must be "
            f"between the minimum group size ({k}) and {HIGHEST_ALLOWED_ALIKE_GROUP_SIZE} "
            f"respondents (you asked for {alike}): a share of 0% or 100% in a small group "
            "tells every member's answer."
        )
    return None


def status_text(status: str, k: int) -> str:
    """What a hidden or empty cell says on screen."""
    return {
        SHOWN: "",
        BELOW_K: f"fewer than {k} responses",
        PROTECTS_SMALLER: "hidden to protect individuals",
        NO_DATA: "no data",
    }[status]


def status_explanation(status: str, k: int) -> str:
    """The hover text that explains a hidden cell."""
    return {
        SHOWN: "",
        BELOW_K: (
            f"Fewer than {k} people answered, so no score or count is shown: "
            "with so few, individual answers could be recognised."
        ),
        PROTECTS_SMALLER: (
            f"Hidden so that no group of fewer than {k} can be worked out by combining "
            "the figures that are shown, and no small group shows everyone answering alike."
        ),
        NO_DATA: "Nobody in this group answered these questions.",
    }[status]


def crossed_attributes(dimensions: Iterable[str]) -> tuple[str, ...]:
    """The attributes a cell crosses: a team or service counts as one, like any attribute."""
    named = set(dimensions)
    crossed = [d for d in (*SUB_FILTERS, *SENSITIVE_ATTRIBUTES) if d in named]
    if named & set(UNIT_DIMENSIONS):
        crossed.insert(0, "team" if "team" in named else "service")
    return tuple(crossed)


def sub_filter_problem(*, role: object, career_stage: object) -> str | None:
    """Why these role and career-stage filters cannot be applied together, or None."""
    if role is not None and career_stage is not None:
        return (
            "Filter by role or by career stage, not both at once: crossing the two "
            "would let small groups (a single newly qualified manager, say) be worked out "
            "from the totals. Clear one of the two filters."
        )
    return None


def check_crossing(dimensions: Iterable[str]) -> None:
    """Refuse a breakdown that crosses a sensitive attribute with more than one other."""
    crossed = crossed_attributes(dimensions)
    if any(d in SENSITIVE_ATTRIBUTES for d in crossed) and len(crossed) > MAX_CROSSED_ATTRIBUTES:
        raise ValueError(
            f"At most {MAX_CROSSED_ATTRIBUTES} attributes can be crossed at once when one of "
            f"them is sensitive, so that small groups cannot be singled out "
            f"({', '.join(crossed)} were asked for). Clear a filter or an attribute."
        )
