"""The organisation's shares beside the national figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing.present.charts.common import (
    BETTER_BLUE,
    NATIONAL_COLOUR,
    drawn_once,
)


@drawn_once
def against_national(rows: pd.DataFrame) -> go.Figure:
    """The organisation's shares with 95% intervals, each beside its national figure.

    Args:
        rows: from ``figures.national_rows_frame`` (measure, value, low, high,
            respondents, national, national_citation).
    """
    shown = rows[rows["value"].notna()]
    figure = go.Figure(
        go.Bar(
            name="Organisation",
            orientation="h",
            x=shown["value"].tolist(),
            y=shown["measure"].tolist(),
            marker={"color": BETTER_BLUE},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["high"] - shown["value"]).tolist(),
                "arrayminus": (shown["value"] - shown["low"]).tolist(),
                "color": "#555555",
            },
            customdata=[
                [m, int(n), lo, hi]
                for m, n, lo, hi in zip(
                    shown["measure"], shown["respondents"], shown["low"], shown["high"], strict=True
                )
            ],
            hovertemplate=(
                "%{customdata[0]}: %{x:.0%}<br>95% interval %{customdata[2]:.0%} to "
                "%{customdata[3]:.0%}<br>%{customdata[1]} respondents<extra></extra>"
            ),
        )
    )
    national = rows[rows["national"].notna()]
    if not national.empty:
        figure.add_trace(
            go.Scatter(
                name="National figure",
                x=national["national"].tolist(),
                y=national["measure"].tolist(),
                mode="markers",
                marker={"symbol": "diamond", "size": 13, "color": NATIONAL_COLOUR},
                customdata=[[c] for c in national["national_citation"]],
                hovertemplate="National: %{x:.0%}<br>%{customdata[0]}<extra></extra>",
            )
        )
    measures = rows["measure"].tolist()
    figure.update_layout(
        xaxis={"title": {"text": "Share of staff"}, "tickformat": ".0%", "range": [0, 1]},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(measures))},
        height=max(220, 48 * len(measures) + 100),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return figure
