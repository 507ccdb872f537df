"""Cut-offs that define the measures (DESIGN.md section 3), each stated once."""

import pandas as pd

# A score at or above this on a 1-5 scale is "high" (high stress; high support
# or high challenge for the quadrants): agreeing on average.
HIGH_SCORE_CUTOFF = 4.0

# An item answer at or above this on the 1-5 agreement scale is "agree or
# strongly agree" (label_sets: Agree = 4), for item-level shares such as
# "stress affects my ability to do my job".
AGREE_MIN_VALUE = 4.0

# A reported supervision frequency at or above this band is "at least monthly"
# (label_sets supervision_band: Monthly = 3), to set against the records.
REPORTED_MONTHLY_BAND = 3.0

# A team differs from the organisation only when its 95% interval excludes the
# organisation's figure and the gap is at least this large.
MIN_MEANINGFUL_GAP_SCALE = 0.25
MIN_MEANINGFUL_GAP_SHARE = 0.05

CONFIDENCE = 0.95

# Change fatigue is set against the change events a team had in this many
# months before each survey wave opened (DESIGN.md section 3).
CHANGE_WINDOW_MONTHS = 12

# Constructs where a higher score is the better outcome; for the rest (stress,
# change fatigue, intention to leave...) higher is worse. Used to colour
# comparisons so that red always means "worse than the organisation".
HIGHER_IS_BETTER = frozenset(
    {
        "support",
        "challenge",
        "psychological_safety",
        "supervision_frequency",
        "supervision_reflective",
        "supervision_usefulness",
        "offered_stress_training",
        "offered_counselling",
    }
)


def higher_is_better(instrument: str, construct: str) -> bool:
    """HSE domains are all scored so that higher is better."""
    return instrument == "hse" or construct in HIGHER_IS_BETTER


def runs_higher_is_better(instrument: str, construct: str, stated: object = None) -> bool:
    """Which way a measure runs: what HR said of one of their own (``stated``), else the rule.

    ``stated`` is the ``higher_is_better`` column of ``queries.survey.constructs``: null
    (None or NaN) for a built-in construct.
    """
    if stated is None or pd.isna(stated):
        return higher_is_better(instrument, construct)
    return bool(stated)
