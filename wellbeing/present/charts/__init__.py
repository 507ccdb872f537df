"""Charts: a DataFrame in, a Plotly Figure out. No Streamlit, no queries.

One module per subject; ``charts.team_intervals(...)`` and the rest read the same
at every call site. ``style`` is the visual language (roles and their colours and
marks, fonts, the layout rule; docs/charts.md); ``common`` what the charts share
besides: the kept figure, which teams a chart of many draws, labels and hidden rows.
"""

from wellbeing.present.charts import style
from wellbeing.present.charts.change import change_timeline, events_against_score
from wellbeing.present.charts.common import MOST_TEAMS_DRAWN, KeptFigure
from wellbeing.present.charts.drivers import driver_bars
from wellbeing.present.charts.equity import respondent_profile_bars
from wellbeing.present.charts.national import against_national
from wellbeing.present.charts.response_rates import response_rate_bars
from wellbeing.present.charts.supervision import reported_against_records, team_scatter
from wellbeing.present.charts.support_challenge import quadrant_bars, support_challenge_scatter
from wellbeing.present.charts.teams import construct_heatmap, hse_heatmap, team_intervals
from wellbeing.present.charts.trends import trend_lines

__all__ = [
    "MOST_TEAMS_DRAWN",
    "KeptFigure",
    "against_national",
    "change_timeline",
    "driver_bars",
    "construct_heatmap",
    "events_against_score",
    "hse_heatmap",
    "quadrant_bars",
    "reported_against_records",
    "respondent_profile_bars",
    "response_rate_bars",
    "style",
    "support_challenge_scatter",
    "team_intervals",
    "team_scatter",
    "trend_lines",
]
