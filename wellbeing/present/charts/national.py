"""The organisation's shares beside the national figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing.present.charts import style
from wellbeing.present.charts.common import ROW_PLOT_WIDTH, drawn_once, team_labels


@drawn_once
def against_national(rows: pd.DataFrame) -> go.Figure:
    """The organisation's shares as dots with 95% intervals, each beside its national figure.

    Args:
        rows: from ``figures.national_rows_frame`` (measure, value, low, high,
            respondents, national, national_citation).
    """
    shown = rows[rows["value"].notna()]
    measures = rows["measure"].astype("str").tolist()
    labels = team_labels(measures)
    axis = style.fitted_axis([*shown["high"], *rows["national"].dropna()], kind=style.SHARE)
    figure = style.new_figure(
        go.Scatter(
            name=style.ORGANISATION.words,
            mode="markers",
            x=shown["value"].tolist(),
            y=[labels[m] for m in shown["measure"]],
            marker={"symbol": "circle", "size": 13, "color": style.ORGANISATION.colour},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["high"] - shown["value"]).tolist(),
                "arrayminus": (shown["value"] - shown["low"]).tolist(),
                "color": style.MUTED_TEXT,
                "thickness": 1.5,
                "width": 4,
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
                name=style.NATIONAL.words,
                x=national["national"].tolist(),
                y=[labels[m] for m in national["measure"]],
                mode="markers",
                marker={
                    "symbol": style.NATIONAL.symbol,
                    "size": 13,
                    "color": style.NATIONAL.colour,
                },
                customdata=[[c] for c in national["national_citation"]],
                hovertemplate="National: %{x:.0%}<br>%{customdata[0]}<extra></extra>",
            )
        )
    top = style.legend_height(
        [style.ORGANISATION.words, style.NATIONAL.words], width=ROW_PLOT_WIDTH
    )
    style.base_layout(
        figure,
        plot_height=max(100, 48 * len(measures)),
        left=style.label_margin(labels.values()),
        right=axis.overhang,
        top=top,
        bottom=style.axis_room("Share of staff (95% interval)"),
    )
    style.legend_layout(figure)
    figure.update_layout(
        xaxis=axis.layout("Share of staff (95% interval)"),
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed([labels[m] for m in measures])),
            "range": [-0.5, len(measures) - 0.5],
            "automargin": False,
        },
        dragmode=False,
    )
    return figure
