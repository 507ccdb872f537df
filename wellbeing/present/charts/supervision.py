"""Supervision records against the survey: team points, and reported beside recorded."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing.present.charts.common import (
    BETTER_BLUE,
    FOCUS_COLOUR,
    LEGEND_ROOM,
    drawn_once,
    most_notable,
    number_format,
    point_mode,
    say_which_teams_are_drawn,
)


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

    Every team is drawn; named beside its point unless there are more than
    ``MOST_TEAMS_DRAWN`` teams (then on hover only).

    Args:
        points: one row per team with ``team``, the ``x`` and ``y`` columns and
            ``x_count``/``y_count`` (staff or respondents behind each figure).
        x_kind, y_kind: "share" or "score", for the axis format and range.
    """
    figure = go.Figure(
        go.Scatter(
            name="Team",
            x=points[x].astype("float64").tolist(),
            y=points[y].astype("float64").tolist(),
            mode=point_mode(len(points)),
            text=points["team"].tolist(),
            textposition="top center",
            textfont={"size": 10},
            marker={"size": 11, "color": BETTER_BLUE, "opacity": 0.75},
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
                + number_format(x_kind)
                + "} (%{customdata[1]})"
                "<br>"
                + y_title
                + ": %{y:"
                + number_format(y_kind)
                + "} (%{customdata[2]})<extra></extra>"
            ),
        )
    )

    def axis(title: str, kind: str) -> dict:
        return {
            "title": {"text": title},
            "tickformat": number_format(kind),
            "range": [0, 1.05] if kind == "share" else [1, 5],
        }

    figure.update_layout(
        xaxis=axis(x_title, x_kind),
        yaxis=axis(y_title, y_kind),
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        clickmode="event+select",
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
    teams = frame["team"].tolist()
    figure = go.Figure()
    for column, label, colour, unit in [
        ("reported", reported_label, FOCUS_COLOUR, "respondents"),
        ("recorded", recorded_label, BETTER_BLUE, "staff"),
    ]:
        shown = frame[frame[column].notna()]
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                x=shown[column].astype("float64").tolist(),
                y=shown["team"].tolist(),
                marker={"color": colour},
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
    figure.update_layout(
        barmode="group",
        xaxis={"title": {"text": "Share of staff"}, "tickformat": ".0%", "range": [0, 1]},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(teams))},
        height=max(260, 34 * len(teams) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        clickmode="event+select",
        annotations=[
            {
                "text": f"Teams with fewer than {k} respondents or staff show one bar or none.",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.12,
                "font": {"size": 10, "color": "#777777"},
            }
        ],
    )
    say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure
