"""The supervision cadence of LGA Standard 5, stated once.

Source: ../shared/reference/supervision_standard.md. Every supervision figure
(the queries in ``queries/supervision.py`` and the SQL they run) takes these
constants as bound parameters from :func:`cadence_parameters`, and every text
that states the duration rule uses :data:`LONG_ENOUGH`, :data:`DURATION_RULE`
or :data:`MIN_SESSION_MINUTES`; nothing else repeats them.

How a worker and a calendar month are judged (the SQL in
``queries/supervision_worker_months.sql`` does the arithmetic):

- The cadence is cut into *windows*, each needing at least one counting session:
  newly qualified workers (an ASYE start date is known) have a window every
  week for the first 6 weeks of the ASYE, then every 2 weeks until the first
  calendar month that starts on or after the 6-month mark (the last fortnight
  runs on to that month, so it lasts 14 to 27 days), then one per calendar
  month. Everyone else has one window per calendar month. Windows never
  overlap and leave no gaps, so each session falls in exactly one.
- A window belongs to the month in which it starts, and is *required* only
  when the worker was in post for the whole window and it had ended by the
  data date: a joiner's or leaver's part month, and a month still running,
  are not held against anyone.
- A window is *met* by a session that was held and, when its duration is
  known, lasted at least 90 minutes. Compliance is also reported ignoring the
  duration rule (any held session), because many records carry no duration.
- A worker is compliant in a month when every required window in it was met.
  Workers with nothing required in a month (joined or left part-way) are in
  post but not in the compliance denominator.
- Students, and staff who are not qualified social workers, are outside the
  standard (it covers social workers) and are left out of compliance.
- Overdue: in post on the data date and no held session (any duration) for
  more than 31 days; a worker who started within 31 days is not overdue.
"""

from __future__ import annotations

# A session counts towards the cadence only if it lasted at least this long
# (when its duration is recorded).
MIN_SESSION_MINUTES = 90
# The duration rule as labels and notes name it ("90+ minutes", "the 90-minute
# rule"): every text that states it is built from MIN_SESSION_MINUTES.
LONG_ENOUGH = f"{MIN_SESSION_MINUTES}+ minutes"
DURATION_RULE = f"{MIN_SESSION_MINUTES}-minute rule"

# Newly qualified social workers: weekly for the first 6 weeks of the ASYE...
WEEKLY_WINDOW_DAYS = 7
WEEKLY_WINDOWS = 6
# ...then fortnightly until 6 months after the ASYE started...
FORTNIGHTLY_WINDOW_DAYS = 14
FORTNIGHTLY_UNTIL_MONTHS = 6
# ...then monthly, like everyone else. The ASYE lasts a year: workers are
# reported as "newly qualified" in months that overlap it.
ASYE_MONTHS = 12

# No held session for more than this many days as of the data date = overdue.
OVERDUE_AFTER_DAYS = 31

# Supervisors seen per worker are counted over this many months up to the period.
CONTINUITY_MONTHS = 6

# Career stages (matched case-insensitively as regular expressions) outside the
# standard: students follow their placement agreement, and staff who are not
# qualified social workers are not covered by the social work standard.
EXCLUDED_STAGE_PATTERN = r"student|not (a )?qualified|unqualified|non-qualified"
# Career stages that mean newly qualified when no ASYE start date is given (the
# start date in post is then taken as the ASYE start).
NEWLY_QUALIFIED_STAGE_PATTERN = r"newly qualified|\basye\b|\bnqsw\b"

# Types and statuses as stored (supervision_sessions.kind / .status).
KINDS = ("reflective", "case", "group", "other")
KIND_NAMES = {
    "reflective": "Reflective",
    "case": "Case management",
    "group": "Group",
    "other": "Other",
}
STATUSES = ("held", "cancelled", "rescheduled")


def cadence_parameters() -> dict[str, object]:
    """The rule constants as the bound parameters the supervision SQL expects."""
    return {
        "min_minutes": MIN_SESSION_MINUTES,
        "weekly_days": WEEKLY_WINDOW_DAYS,
        "weekly_windows": WEEKLY_WINDOWS,
        "fortnightly_days": FORTNIGHTLY_WINDOW_DAYS,
        "fortnightly_until_months": FORTNIGHTLY_UNTIL_MONTHS,
        "asye_months": ASYE_MONTHS,
        "excluded_stage_pattern": EXCLUDED_STAGE_PATTERN,
        "newly_qualified_stage_pattern": NEWLY_QUALIFIED_STAGE_PATTERN,
    }
