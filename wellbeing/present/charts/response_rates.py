"""Response rates by team against staff in post."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts.common import (
    BETTER_BLUE,
    LEGEND_ROOM,
    WORSE_RED,
    drawn_once,
    most_notable,
    say_which_teams_are_drawn,
)


@drawn_once
def response_rate_bars(rates: pd.DataFrame, *, k: int, low_rate: float) -> go.Figure:
    """Response rate by team against staff in post, with the low-response line.

    Bars under ``low_rate`` are red. Teams whose respondents are hidden show
    the reason instead of a bar; teams missing from the staff list say so.

    Args:
        rates: rows from ``queries.response_rates.response_rates_by_team``.
    """
    rates, note = most_notable(
        rates,
        pd.DataFrame(
            {
                "team": rates["team"],
                "low_response": rates["low_response"].astype(bool).astype("int64"),
                # teams off the staff list have no rate and come last
                "lowness": -pd.to_numeric(rates["response_rate"], errors="coerce")
                .astype("float64")
                .fillna(np.inf),
            }
        ),
        why=f"under {low_rate:.0%} first, then the lowest rates",
    )
    teams = rates["team"].tolist()
    shown = rates["status"] == privacy.SHOWN
    has_headcount = rates["headcount"].notna()
    figure = go.Figure(
        go.Bar(
            orientation="h",
            name="Response rate",
            x=[
                None if pd.isna(v) else float(v)
                for v in rates["response_rate"].where(shown & has_headcount)
            ],
            y=np.array(teams, dtype=str),
            marker={"color": [WORSE_RED if low else BETTER_BLUE for low in rates["low_response"]]},
            text=[
                (
                    "not in the staff list"
                    if pd.isna(headcount)
                    else f"{rate:.0%} ({int(n)} of {int(headcount)})"
                    if status == privacy.SHOWN
                    else f"{privacy.status_text(status, k)} of {int(headcount)}"
                )
                for rate, n, headcount, status in zip(
                    rates["response_rate"],
                    rates["respondents"],
                    rates["headcount"],
                    rates["status"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=[[team] for team in teams],
            hovertemplate="%{customdata[0]}: %{text}<extra></extra>",
        )
    )
    figure.add_vline(
        x=low_rate,
        line={"color": "#555555", "dash": "dot"},
        annotation_text=f"{low_rate:.0%}",
        annotation_position="top",
    )
    figure.update_layout(
        xaxis={
            "title": {"text": "Respondents as a share of staff in post"},
            "tickformat": ".0%",
            "range": [0, 1.3],
        },
        yaxis={"autorange": "reversed"},
        height=max(300, 24 * len(teams) + 110),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
    )
    say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure
