"""The confidentiality engine: every survey and supervision figure passes here before it is shown.

The threat it answers and the guarantee it gives are in docs/anonymity.md. In
short: for each wave, every figure a non-HR reader can reach (every page, tab,
filter, download and the board pack, across every set of respondents and every
version of the wave readers have seen) is one linear equation over finest
groups of people; the engine decides all of them together so that no group of
fewer than k can be worked out from them, and no small shown group shows
everyone answering alike.

One module per job:

- ``rules``: the thresholds (the only home of k, the stricter k of the
  sensitive attributes and the "all alike" size) and the list of sensitive
  attributes; statuses and what they say;
- ``cells``: sets, cells and their keys, the layouts (survey, staff);
- ``decision``: the rules, the audit's repairs and :class:`Decision`;
- ``verdicts``: what a decision shows, to look cells up in and to keep;
- ``audit``: looking for derivable small groups, unions included;
- ``span``: exact linear algebra modulo a prime, team by team;
- ``protect``: blanking query rows as decided.

No DuckDB and no queries here: ``queries.survey`` gathers a wave's groups and
looks every row up in its decision (``gate``); HR's thresholds are read and
saved by ``queries.settings``.
"""

from wellbeing.privacy.cells import (
    ALL,
    LEVELS,
    NOT_STATED,
    STAFF,
    SURVEY,
    Layout,
    cell_key,
    dimension_values,
    is_sensitive_key,
    view_patterns,
)
from wellbeing.privacy.decision import (
    Decision,
    Publication,
    SetSpec,
    decide,
    decide_verdicts,
    information_lost,
)
from wellbeing.privacy.protect import protect
from wellbeing.privacy.rules import (
    BELOW_K,
    DEFAULT_ALIKE_GROUP_SIZE,
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_SENSITIVE_MIN_GROUP_SIZE,
    DIMENSIONS,
    HIGHEST_ALLOWED_ALIKE_GROUP_SIZE,
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
from wellbeing.privacy.verdicts import Part, Verdicts, VerdictsError

__all__ = [
    "ALL",
    "BELOW_K",
    "DEFAULT_ALIKE_GROUP_SIZE",
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_SENSITIVE_MIN_GROUP_SIZE",
    "DIMENSIONS",
    "HIGHEST_ALLOWED_ALIKE_GROUP_SIZE",
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
    "STAFF",
    "STATUSES",
    "SUB_FILTERS",
    "SURVEY",
    "UNIT_DIMENSIONS",
    "Decision",
    "Layout",
    "Part",
    "Publication",
    "Rules",
    "SetSpec",
    "Verdicts",
    "VerdictsError",
    "cell_key",
    "check_crossing",
    "crossed_attributes",
    "decide",
    "decide_verdicts",
    "dimension_values",
    "information_lost",
    "is_sensitive_key",
    "LEVELS",
    "protect",
    "rules_problem",
    "status_explanation",
    "status_text",
    "sub_filter_problem",
    "view_patterns",
]
