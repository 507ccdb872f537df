"""Support and challenge: teams in four quadrants, and each team's quadrant shares."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts.common import (
    BETTER_BLUE,
    LEGEND_ROOM,
    ORGANISATION_COLOUR,
    distance_from,
    drawn_once,
    most_notable,
    point_mode,
    say_which_teams_are_drawn,
)
from wellbeing.present.figures import QUADRANTS

QUADRANT_COLOURS = {
    "share_high_support_high_challenge": "#1a9850",
    "share_high_support_low_challenge": "#91bfdb",
    "share_low_support_high_challenge": "#fdae61",
    "share_low_support_low_challenge": "#d73027",
}


@drawn_once
def support_challenge_scatter(
    teams: pd.DataFrame, *, cutoff: float, organisation: pd.Series | None = None
) -> go.Figure:
    """Each team as a point (mean support, mean challenge) sized by respondents, in four quadrants.

    Every team is drawn; teams are named beside their points unless there are
    more than ``MOST_TEAMS_DRAWN`` (then on hover only).

    Args:
        teams: gated rows from ``queries.survey.support_challenge_by_wave`` for one wave.
        cutoff: the "high" cut-off (``measures.HIGH_SCORE_CUTOFF``), drawn on both axes.
        organisation: the organisation's row from the same query, drawn as a cross.
    """
    shown = teams[teams["status"] == privacy.SHOWN]
    sizes = shown["respondents"].astype("float64")
    figure = go.Figure(
        go.Scatter(
            name="Team",
            x=shown["mean_support"].astype("float64").tolist(),
            y=shown["mean_challenge"].astype("float64").tolist(),
            mode=point_mode(len(shown)),
            text=shown["team"].tolist(),
            textposition="top center",
            textfont={"size": 10},
            marker={
                "size": sizes.tolist(),
                "sizemode": "area",
                "sizeref": 2.0 * float(sizes.max() if len(sizes) else 1) / 40**2,
                "sizemin": 6,
                "color": BETTER_BLUE,
                "opacity": 0.7,
            },
            customdata=[
                [team, int(n)] for team, n in zip(shown["team"], shown["respondents"], strict=True)
            ],
            hovertemplate=(
                "%{customdata[0]}<br>support %{x:.2f}, challenge %{y:.2f}"
                "<br>%{customdata[1]} respondents<extra></extra>"
            ),
        )
    )
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        figure.add_trace(
            go.Scatter(
                name="Organisation",
                x=[float(organisation["mean_support"])],
                y=[float(organisation["mean_challenge"])],
                mode="markers",
                marker={"symbol": "x", "size": 14, "color": ORGANISATION_COLOUR},
                hovertemplate=(
                    "Organisation<br>support %{x:.2f}, challenge %{y:.2f}<extra></extra>"
                ),
            )
        )
    figure.add_vline(x=cutoff, line={"dash": "dash", "color": "#888888"})
    figure.add_hline(y=cutoff, line={"dash": "dash", "color": "#888888"})
    for x, y, label in [
        (4.5, 4.9, "High support, high challenge"),
        (2.5, 4.9, "Low support, high challenge"),
        (4.5, 1.1, "High support, low challenge"),
        (2.5, 1.1, "Low support, low challenge"),
    ]:
        figure.add_annotation(
            x=x, y=y, text=label, showarrow=False, font={"size": 11, "color": "#666666"}
        )
    figure.update_layout(
        xaxis={"title": {"text": "Mean support (1-5)"}, "range": [1, 5]},
        yaxis={"title": {"text": "Mean challenge (1-5)"}, "range": [1, 5]},
        height=520,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        clickmode="event+select",
    )
    return figure


@drawn_once
def quadrant_bars(
    teams: pd.DataFrame, *, k: int, organisation: pd.Series | None = None
) -> go.Figure:
    """The share of staff in each support/challenge quadrant, stacked, one bar per team.

    Args:
        teams: gated rows from ``queries.survey.support_challenge_by_wave`` for one wave.
        k: the minimum group size, for hidden-team labels.
        organisation: the organisation's row, drawn as the top bar.
    """
    centre = None
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        centre = organisation["share_high_support_high_challenge"]
    frame, note = most_notable(
        teams,
        pd.DataFrame(
            {
                "team": teams["team"],
                "distance": distance_from(teams["share_high_support_high_challenge"], centre),
            }
        ),
        why=("those furthest from the organisation's share with high support and high challenge"),
    )
    frame = frame.sort_values(
        ["share_high_support_high_challenge", "team"], ascending=[False, True], na_position="last"
    )
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        org_row = organisation.to_frame().T.assign(team="Organisation")
        frame = pd.concat([org_row, frame], ignore_index=True)
    order = frame["team"].tolist()
    shown = frame[frame["status"] == privacy.SHOWN]
    hidden = frame[frame["status"] != privacy.SHOWN]
    figure = go.Figure()
    for column, label in QUADRANTS.items():
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                x=shown[column].astype("float64").tolist(),
                y=shown["team"].tolist(),
                marker={"color": QUADRANT_COLOURS[column]},
                customdata=[
                    [team, int(n)]
                    for team, n in zip(shown["team"], shown["respondents"], strict=True)
                ],
                hovertemplate=(
                    "%{customdata[0]}<br>" + label + ": %{x:.0%}<br>of %{customdata[1]} "
                    "respondents<extra></extra>"
                ),
            )
        )
    if not hidden.empty:
        figure.add_trace(
            go.Scatter(
                name="Hidden",
                x=[0] * len(hidden),
                y=hidden["team"].tolist(),
                mode="text",
                text=[privacy.status_text(s, k) for s in hidden["status"]],
                textposition="middle right",
                textfont={"color": "#777777", "size": 11},
                customdata=[[team] for team in hidden["team"]],
                hovertemplate="%{customdata[0]}<extra></extra>",
                showlegend=False,
            )
        )
    figure.update_layout(
        barmode="stack",
        xaxis={"title": {"text": "Share of staff"}, "tickformat": ".0%", "range": [0, 1]},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(order))},
        height=max(260, 26 * len(order) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        clickmode="event+select",
    )
    say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure
