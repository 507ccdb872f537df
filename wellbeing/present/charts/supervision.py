"""Supervision records against the survey: team points, and reported beside recorded."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing.present.charts import style
from wellbeing.present.charts.common import (
    ROW_PLOT_WIDTH,
    drawn_once,
    most_notable,
    place_labels,
    point_mode,
    say_which_teams_are_drawn,
    team_labels,
)

SCATTER_PLOT_HEIGHT = 340
SCATTER_TOP = 16


@drawn_once
def team_scatter(
    points: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    x_kind: str,
    y_kind: str,
) -> go.Figure:
    """One point per team (team name first in ``customdata``), e.g. records against survey.

    Every team is drawn, on axes fitted to the points; a team is named beside
    its point wherever the name fits clear of the others (``place_labels``),
    else on hover and in the table.

    Args:
        points: one row per team with ``team``, the ``x`` and ``y`` columns and
            ``x_count``/``y_count`` (staff or respondents behind each figure).
        x_kind, y_kind: "share" or "score", for the axis format and range.
    """
    xs = points[x].astype("float64").tolist()
    ys = points[y].astype("float64").tolist()
    x_axis = style.fitted_axis(xs, kind=x_kind, pad=0.04 if x_kind == style.SHARE else 0.1)
    y_axis = style.fitted_axis(ys, kind=y_kind, pad=0.04 if y_kind == style.SHARE else 0.1)
    texts, positions = place_labels(
        xs,
        ys,
        points["team"].astype("str").tolist(),
        x_range=(x_axis.low, x_axis.high),
        y_range=(y_axis.low, y_axis.high),
        plot_height=SCATTER_PLOT_HEIGHT,
        radii=[6.0] * len(points),
    )
    figure = style.new_figure(
        go.Scatter(
            name="Team",
            x=xs,
            y=ys,
            mode=point_mode(texts),
            text=texts,
            textposition=positions,
            textfont={"size": style.SMALL_SIZE, "color": style.TEXT_COLOUR},
            marker={"size": 11, "color": style.TEAM.colour, "opacity": 0.85},
            customdata=[
                [team, int(nx), int(ny)]
                for team, nx, ny in zip(
                    points["team"], points["x_count"], points["y_count"], strict=True
                )
            ],
            hovertemplate=(
                "%{customdata[0]}<br>"
                + x_title
                + ": %{x:"
                + style.number_format(x_kind)
                + "} (%{customdata[1]})"
                "<br>"
                + y_title
                + ": %{y:"
                + style.number_format(y_kind)
                + "} (%{customdata[2]})<extra></extra>"
            ),
            showlegend=False,
        )
    )

    def titled(title: str, axis: style.Axis) -> str:
        return f"{title} ({axis.scale_note()})" if axis.scale_note() else title

    style.base_layout(
        figure,
        plot_height=SCATTER_PLOT_HEIGHT,
        left=64,
        right=x_axis.overhang,
        top=SCATTER_TOP,
        bottom=style.axis_room(titled(x_title, x_axis)),
    )
    figure.update_layout(
        xaxis=x_axis.layout(titled(x_title, x_axis)),
        yaxis=y_axis.layout(titled(y_title, y_axis)),
        showlegend=False,
        clickmode="event+select",
        dragmode=False,
    )
    return figure


@drawn_once
def reported_against_records(
    frame: pd.DataFrame, *, reported_label: str, recorded_label: str, k: int
) -> go.Figure:
    """Per team, what staff report in the survey beside what the records show (two shares).

    Args:
        frame: one row per team: ``team``, ``reported`` and ``reported_n``
            (respondents), ``recorded`` and ``recorded_n`` (staff), each null
            when its source hides the team.
    """
    frame, note = most_notable(
        frame,
        pd.DataFrame(
            {
                "team": frame["team"],
                "both_shown": (frame["reported"].notna() & frame["recorded"].notna()).astype(
                    "int64"
                ),
                "gap": (
                    pd.to_numeric(frame["reported"], errors="coerce")
                    - pd.to_numeric(frame["recorded"], errors="coerce")
                )
                .abs()
                .fillna(0.0),
            }
        ),
        why="those where the survey and the records differ most",
    )
    teams = frame["team"].astype("str").tolist()
    labels = team_labels(teams)
    axis = style.fitted_axis([1.0], kind=style.SHARE)
    figure = style.new_figure()
    for column, label, role, unit in [
        ("reported", reported_label, style.SOURCES["survey"], "respondents"),
        ("recorded", recorded_label, style.SOURCES["records"], "staff"),
    ]:
        shown = frame[frame[column].notna()]
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                x=shown[column].astype("float64").tolist(),
                y=[labels[t] for t in shown["team"].astype("str")],
                marker={
                    "color": role.colour,
                    "pattern": {"shape": role.pattern, "fgcolor": "#ffffff", "size": 6},
                },
                customdata=[
                    [team, int(n)]
                    for team, n in zip(shown["team"], shown[f"{column}_n"], strict=True)
                ],
                hovertemplate=(
                    "%{customdata[0]}<br>"
                    + label
                    + ": %{x:.0%}<br>%{customdata[1]} "
                    + unit
                    + "<extra></extra>"
                ),
            )
        )
    one_side = (
        f"A team with fewer than {k} respondents or staff due has one bar or none (see the table)."
    )
    style.note_under(figure, style.note_lines(one_side, width=ROW_PLOT_WIDTH + 100), below=40)
    top = style.legend_height([reported_label, recorded_label], width=ROW_PLOT_WIDTH)
    rows = max(34, style.row_height(labels.values()))
    style.base_layout(
        figure,
        plot_height=rows * len(teams),
        left=style.label_margin(labels.values()),
        right=axis.overhang,
        top=top,
        bottom=84,
    )
    style.legend_layout(figure)
    figure.update_layout(
        barmode="group",
        xaxis=axis.layout("Share of staff"),
        yaxis={
            "categoryorder": "array",
            "categoryarray": list(reversed([labels[t] for t in teams])),
            "range": [-0.5, len(teams) - 0.5],
            "automargin": False,
        },
        clickmode="event+select",
        dragmode=False,
    )
    say_which_teams_are_drawn(figure, note)
    return figure
