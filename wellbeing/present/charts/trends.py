"""The organisation's figure (and a focused team's) wave by wave."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts.common import (
    FOCUS_COLOUR,
    ORGANISATION_COLOUR,
    drawn_once,
    number_format,
    plain_label,
)


@drawn_once
def trend_lines(
    organisation: pd.DataFrame,
    *,
    kind: str,
    axis_title: str,
    team: str | None = None,
    team_trend: pd.DataFrame | None = None,
    breaks: tuple[tuple[str, str], ...] = (),
    value_range: tuple[float, float] | None = None,
    actions: pd.DataFrame | None = None,
) -> go.Figure:
    """The organisation's figure wave by wave, and one team's beside it, with 95% intervals.

    Args:
        organisation: rows from ``figures.trend`` for the organisation.
        team, team_trend: the focused team and its ``figures.trend`` rows, if any.
        breaks: (wave, why) for each wave whose measure asked other questions than the
            wave before: a dashed line before that wave, saying so (its hover says why).
        value_range: the value axis (default 0-1 for shares, 1-5 for scores).
        actions: ``present.action_outcomes.markers`` rows: each action is a labelled
            triangle ("A3") above the first wave after it started, so the mark
            is told apart by its shape and label, not its colour.
    """
    number = number_format(kind)
    figure = go.Figure()
    series = [("Organisation", organisation, ORGANISATION_COLOUR)]
    if team is not None and team_trend is not None:
        series.append((team, team_trend, FOCUS_COLOUR))
    for name, frame, colour in series:
        shown = frame[frame["status"] == privacy.SHOWN]
        figure.add_trace(
            go.Scatter(
                name=name,
                x=shown["wave"].tolist(),
                y=shown["value"].tolist(),
                mode="lines+markers",
                line={"color": colour},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (shown["high"] - shown["value"]).tolist(),
                    "arrayminus": (shown["value"] - shown["low"]).tolist(),
                },
                customdata=[
                    [name, int(n), lo, hi]
                    for n, lo, hi in zip(
                        shown["respondents"], shown["low"], shown["high"], strict=True
                    )
                ],
                hovertemplate=(
                    "%{customdata[0]}, %{x}: %{y:"
                    + number
                    + "}<br>95% interval %{customdata[2]:"
                    + number
                    + "} to %{customdata[3]:"
                    + number
                    + "}<br>%{customdata[1]} respondents<extra></extra>"
                ),
            )
        )
    waves = organisation["wave"].tolist()
    for wave, why in breaks:
        if wave not in waves:
            continue
        # On a category axis a number is a position: half-way before the wave's own.
        at = waves.index(wave) - 0.5
        figure.add_vline(x=at, line={"dash": "dash", "color": "#555555", "width": 1})
        figure.add_annotation(
            x=at,
            y=1,
            yref="paper",
            text="questions changed",
            hovertext=plain_label(why),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 11},
        )
    top = value_range[1] if value_range else (1.0 if kind == "share" else 5.0)
    if actions is not None and not actions.empty:
        placed = actions[actions["wave"].isin(waves)]
        grouped = placed.groupby("wave", sort=False).agg(
            label=("label", ", ".join), text=("text", "<br>".join)
        )
        figure.add_trace(
            go.Scatter(
                name="Action started before this wave",
                x=grouped.index.tolist(),
                y=[top] * len(grouped),
                mode="markers+text",
                marker={"symbol": "triangle-down", "size": 12, "color": ORGANISATION_COLOUR},
                text=grouped["label"].tolist(),
                textposition="bottom center",
                customdata=grouped["text"].tolist(),
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    figure.update_layout(
        xaxis={"title": {"text": "Survey wave"}, "categoryorder": "array", "categoryarray": waves},
        yaxis={
            "title": {"text": axis_title},
            "tickformat": number,
            "range": list(value_range or ((0, 1) if kind == "share" else (1, 5))),
        },
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return figure
