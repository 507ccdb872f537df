"""The organisation's figure (and a focused team's) wave by wave."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present import plain
from wellbeing.present.charts import style
from wellbeing.present.charts.common import ROW_PLOT_WIDTH, drawn_once


@drawn_once
def trend_lines(
    organisation: pd.DataFrame,
    *,
    kind: str,
    axis_title: str,
    team: str | None = None,
    team_trend: pd.DataFrame | None = None,
    x_title: str = "Survey wave",
    breaks: tuple[tuple[str, str], ...] = (),
    value_range: tuple[float, float] | None = None,
    actions: pd.DataFrame | None = None,
) -> go.Figure:
    """The organisation's figure wave by wave, and one team's beside it, with 95% intervals.

    Args:
        organisation: rows from ``figures.trend`` for the organisation.
        team, team_trend: the focused team and its ``figures.trend`` rows, if any.
        x_title: what the points along the axis are (survey waves, or months of records).
        breaks: (wave, why) for each wave whose measure asked other questions than the
            wave before: a dashed line before that wave, saying so (its hover says why).
        value_range: the scale of a score (default 1-5); the axis is fitted inside it.
        actions: ``present.action_outcomes.markers`` rows: each action is a labelled
            triangle ("A3") at the top of the axis above the first wave after it
            started, so the mark is told apart by its shape and label, not its colour.
    """
    number = style.number_format(kind)
    figure = style.new_figure()
    series = [("Organisation", organisation, style.ORGANISATION.colour)]
    if team is not None and team_trend is not None:
        series.append((team, team_trend, style.FOCUS.colour))
    values = []
    for name, frame, colour in series:
        shown = frame[frame["status"] == privacy.SHOWN]
        values += [*shown["low"], *shown["high"]]
        figure.add_trace(
            go.Scatter(
                name=name,
                x=shown["wave"].tolist(),
                y=shown["value"].tolist(),
                mode="lines+markers",
                line={"color": colour, "width": 2.5},
                marker={
                    "size": 8,
                    "symbol": "circle" if colour == style.ORGANISATION.colour else "square",
                },
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (shown["high"] - shown["value"]).tolist(),
                    "arrayminus": (shown["value"] - shown["low"]).tolist(),
                    "color": colour,
                    "thickness": 1.5,
                    "width": 4,
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
    axis = style.fitted_axis(
        values,
        kind=kind,
        scale=value_range or (1.0, 5.0),
        pad=0.02 if kind == style.SHARE else 0.05,
    )
    # As many labels as fit side by side at the narrowest plot; the rest on hover.
    widest = max((style.text_width(str(w)) for w in waves), default=0) + 12
    every = max(1, -(-len(waves) * int(widest) // ROW_PLOT_WIDTH))
    title = axis_title if not axis.scale_note() else f"{axis_title}<br>({axis.scale_note()})"
    top = style.legend_height([name for name, _, _ in series], width=ROW_PLOT_WIDTH)
    style.base_layout(
        figure,
        plot_height=280,
        left=72,
        right=16,
        top=top,
        bottom=style.axis_room(x_title),
    )
    style.legend_layout(figure)
    for wave, why in breaks:
        # The waves came in escaped (drawn_once); a break's own texts are nested, so not.
        wave = plain.html(wave)
        if wave not in waves:
            continue
        # On a category axis a number is a position: half-way before the wave's own.
        at = waves.index(wave) - 0.5
        figure.add_vline(x=at, line={"dash": "dash", "color": style.EVENT.colour, "width": 1})
        figure.add_annotation(
            x=at,
            y=1,
            yref="paper",
            text="questions changed",
            hovertext=plain.html(why),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": style.SMALL_SIZE, "color": style.MUTED_TEXT},
        )
    if actions is not None and not actions.empty:
        placed = actions[actions["wave"].isin(waves)]
        grouped = placed.groupby("wave", sort=False).agg(
            label=("label", ", ".join), text=("text", "<br>".join)
        )
        figure.add_trace(
            go.Scatter(
                name="Action started before this wave",
                x=grouped.index.tolist(),
                y=[axis.high] * len(grouped),
                mode="markers+text",
                marker={
                    "symbol": "triangle-down",
                    "size": 12,
                    "color": style.ORGANISATION.colour,
                },
                text=grouped["label"].tolist(),
                textposition="bottom center",
                customdata=grouped["text"].tolist(),
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    figure.update_layout(
        xaxis={
            "title": {"text": style.wrap_title(x_title), "standoff": 8},
            "categoryorder": "array",
            "categoryarray": waves,
            "range": [-0.5, len(waves) - 0.5],
            "tickmode": "array",
            "tickvals": waves[::every],
            "ticklabelstandoff": 6,
            "automargin": False,
        },
        yaxis=axis.layout(title),
        dragmode=False,
    )
    return figure
