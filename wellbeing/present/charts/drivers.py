"""Drivers: each measure's share of an outcome's variation, with its 95% interval."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing.present.charts import style
from wellbeing.present.charts.common import drawn_once


@drawn_once
def driver_bars(table: pd.DataFrame, *, names: dict[str, str], outcome_name: str) -> go.Figure:
    """Horizontal bars, strongest first, each labelled with its share; whiskers show the interval.

    Args:
        table: shown rows of ``queries.drivers.drivers`` for one outcome.
        names: measure code -> the name people read.
    """
    ordered = table.sort_values("importance", ascending=True)
    labels = [names.get(m, m) for m in ordered["measure"]]
    figure = style.new_figure(
        go.Bar(
            x=ordered["importance"].tolist(),
            y=labels,
            orientation="h",
            marker={"color": style.ORGANISATION.colour},
            text=[f"{v:.0%}" for v in ordered["importance"]],
            textposition="outside",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (ordered["high"] - ordered["importance"]).tolist(),
                "arrayminus": (ordered["importance"] - ordered["low"]).tolist(),
            },
            customdata=list(zip(ordered["low"], ordered["high"], strict=True)),
            hovertemplate=(
                "%{y}: %{x:.1%} of the variation in "
                + outcome_name
                + "<br>95% interval %{customdata[0]:.1%} to %{customdata[1]:.1%}<extra></extra>"
            ),
            name="Share of the variation",
        )
    )
    figure.update_layout(
        xaxis={"title": {"text": f"Share of the variation in {outcome_name}"}, "tickformat": ".0%"},
        height=60 + 32 * len(ordered),
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
        showlegend=False,
    )
    return figure
