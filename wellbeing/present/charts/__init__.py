"""Charts: a DataFrame in, a Plotly Figure out. No Streamlit, no queries.

One module per subject; ``charts.team_intervals(...)`` and the rest read the same
at every call site. ``common`` holds what they share: colours, number formats,
the kept figure, and which teams a chart of many draws.
"""

from wellbeing.present.charts.change import change_timeline, events_against_score
from wellbeing.present.charts.common import (
    BETTER_BLUE,
    CHANCE_GREY,
    FOCUS_COLOUR,
    HIDDEN_GREY,
    MOST_TEAMS_DRAWN,
    NATIONAL_COLOUR,
    ORGANISATION_COLOUR,
    WORSE_RED,
    KeptFigure,
    plain_label,
)
from wellbeing.present.charts.drivers import driver_bars
from wellbeing.present.charts.equity import respondent_profile_bars
from wellbeing.present.charts.national import against_national
from wellbeing.present.charts.response_rates import response_rate_bars
from wellbeing.present.charts.supervision import reported_against_records, team_scatter
from wellbeing.present.charts.support_challenge import quadrant_bars, support_challenge_scatter
from wellbeing.present.charts.teams import construct_heatmap, hse_heatmap, team_intervals
from wellbeing.present.charts.trends import trend_lines

__all__ = [
    "BETTER_BLUE",
    "CHANCE_GREY",
    "FOCUS_COLOUR",
    "HIDDEN_GREY",
    "MOST_TEAMS_DRAWN",
    "NATIONAL_COLOUR",
    "ORGANISATION_COLOUR",
    "WORSE_RED",
    "KeptFigure",
    "against_national",
    "change_timeline",
    "driver_bars",
    "construct_heatmap",
    "events_against_score",
    "hse_heatmap",
    "plain_label",
    "quadrant_bars",
    "reported_against_records",
    "respondent_profile_bars",
    "response_rate_bars",
    "support_challenge_scatter",
    "team_intervals",
    "team_scatter",
    "trend_lines",
]
