"""The confidentiality engine: every survey figure passes here before it is shown.

Rules (DESIGN.md section 4):

1. Minimum group size ``k`` on distinct respondents: below it, neither the
   score nor the count is shown ("fewer than k"), distinct from "no data".
2. Complementary suppression: within any breakdown a reader can see the total
   of, the hidden remainder is either empty or at least ``k`` respondents, so
   nobody can subtract their way to a hidden group. This includes the
   team -> service -> organisation hierarchy and the breakdown of a group by a
   filter's values (the role filter's values add up to the team).
3. Filter differencing: with filters applied, the filtered group and its
   complement inside the unfiltered parent are each empty or at least ``k``.
4. Sensitive attributes (ethnicity, gender, disability, age band) use the
   stricter ``k``, and at most two attributes are crossed at once.
5. Waves are decided one at a time: a team below ``k`` in a wave is hidden in
   that wave whatever it showed before.

How. Every figure a leader can reach is a *cell* of one wave's cube: a unit
(organisation, a service or a team) crossed with at most one of the role and
career-stage filters, or with at most two attributes when one is sensitive. The
engine (:func:`decide`) takes the distinct respondents of every finest group
of a wave, applies rules 1-4 to the whole cube at once until nothing changes,
and then audits the result the way an attacker would: every figure shown is a
linear equation over the finest groups, and a hidden group with fewer than k
respondents must not lie in the span of the shown ones. Where it does, a
cell that derivation needs is hidden (a breakdown cell before any whole
team) and the rules run again. Because the decision is made on the whole
cube, the same cell has the same status on every page, filter and download.
Query functions then look their rows up in the decision and blank them
through :func:`protect`.

One module per job: ``rules`` (thresholds, statuses, dimensions, crossing
limits), ``cells`` (cell keys), ``decision`` (the cube, its fixpoint and
:class:`Decision`), ``audit`` (the modular linear algebra of the span test)
and ``protect`` (complementary suppression and blanking query rows). No
DuckDB, no queries: HR's thresholds are read and saved by ``queries.settings``,
and the defaults and limits live in ``rules``, nowhere else.
"""

from wellbeing.privacy.audit import _BlockSystem
from wellbeing.privacy.cells import ALL, NOT_STATED, cell_key, is_sensitive_key, view_patterns
from wellbeing.privacy.decision import (
    _DECISIONS,
    _STR,
    AUDIT_BY_DEFAULT,
    AUDIT_MAX_FINEST_GROUPS,
    Decision,
    _Cube,
    decide,
    summarise_hidden,
)
from wellbeing.privacy.protect import protect
from wellbeing.privacy.rules import (
    _CODES,
    BELOW_K,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_SENSITIVE_MIN_GROUP_SIZE,
    DIMENSIONS,
    HIGHEST_ALLOWED_MIN_GROUP_SIZE,
    HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE,
    LOWEST_ALLOWED_MIN_GROUP_SIZE,
    MAX_CROSSED_ATTRIBUTES,
    MAX_SUB_FILTERS,
    NO_DATA,
    PROTECTS_SMALLER,
    SENSITIVE_ATTRIBUTES,
    SHOWN,
    STATUSES,
    SUB_FILTERS,
    UNIT_DIMENSIONS,
    Rules,
    check_crossing,
    crossed_attributes,
    rules_problem,
    status_explanation,
    status_text,
    sub_filter_problem,
)

__all__ = [
    "ALL",
    "AUDIT_BY_DEFAULT",
    "AUDIT_MAX_FINEST_GROUPS",
    "BELOW_K",
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_SENSITIVE_MIN_GROUP_SIZE",
    "DIMENSIONS",
    "HIGHEST_ALLOWED_MIN_GROUP_SIZE",
    "HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE",
    "LOWEST_ALLOWED_MIN_GROUP_SIZE",
    "MAX_CROSSED_ATTRIBUTES",
    "MAX_SUB_FILTERS",
    "NOT_STATED",
    "NO_DATA",
    "PROTECTS_SMALLER",
    "SENSITIVE_ATTRIBUTES",
    "SHOWN",
    "STATUSES",
    "SUB_FILTERS",
    "UNIT_DIMENSIONS",
    "Decision",
    "Rules",
    "_BlockSystem",
    "_CODES",
    "_Cube",
    "_DECISIONS",
    "_STR",
    "cell_key",
    "check_crossing",
    "crossed_attributes",
    "decide",
    "is_sensitive_key",
    "protect",
    "rules_problem",
    "status_explanation",
    "status_text",
    "sub_filter_problem",
    "summarise_hidden",
    "view_patterns",
]
