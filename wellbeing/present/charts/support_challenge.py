"""Support and challenge: teams against the "high" cut-off, and each team's quadrant shares."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present import words
from wellbeing.present.charts import style
from wellbeing.present.charts.common import (
    ROW_PLOT_WIDTH,
    distance_from,
    drawn_once,
    hidden_rows,
    most_notable,
    place_labels,
    point_mode,
    say_which_teams_are_drawn,
    team_labels,
)
from wellbeing.present.figures import QUADRANTS

SCATTER_PLOT_HEIGHT = 380
SCATTER_TOP = 40  # the legend


def hidden_summary(statuses: pd.Series, k: int, *, noun: str = "team") -> str:
    """ "2 teams not drawn: 1 fewer than 5 responses, 1 hidden to protect a smaller group"."""
    hidden = statuses[statuses != privacy.SHOWN]
    if hidden.empty:
        return ""
    parts = [
        f"{count} {privacy.status_text(status, k)}"
        for status, count in hidden.value_counts().sort_index().items()
    ]
    return f"{words.count(len(hidden), noun)} not drawn: {', '.join(parts)}"


@drawn_once
def support_challenge_scatter(
    teams: pd.DataFrame, *, cutoff: float, k: int = 5, organisation: pd.Series | None = None
) -> go.Figure:
    """Each team as a point (mean support, mean challenge) sized by respondents.

    The region where both means reach the "high" cut-off is shaded; axes are
    fitted to the teams (the scale stated), and a team is named beside its point
    wherever the name fits clear of the others (``place_labels``), else on hover
    and in the table. Hidden teams are counted, with their reasons, under the chart.

    Args:
        teams: gated rows from ``queries.survey.support_challenge_by_wave`` for one wave.
        cutoff: the "high" cut-off (``measures.HIGH_SCORE_CUTOFF``), drawn on both axes.
        k: the minimum group size, for the words on hidden teams.
        organisation: the organisation's row from the same query, drawn as a cross.
    """
    shown = teams[teams["status"] == privacy.SHOWN].copy()
    support = shown["mean_support"].astype("float64")
    challenge = shown["mean_challenge"].astype("float64")
    org_shown = organisation is not None and organisation.get("status") == privacy.SHOWN
    org_x = float(organisation["mean_support"]) if org_shown else None
    org_y = float(organisation["mean_challenge"]) if org_shown else None
    x_axis = style.fitted_axis([*support, cutoff, org_x], kind=style.SCORE, pad=0.1)
    y_axis = style.fitted_axis([*challenge, cutoff, org_y], kind=style.SCORE, pad=0.1)
    counts = shown["respondents"].astype("float64")
    largest = float(counts.max()) if len(counts) else 1.0
    diameters = [10 + 18 * math.sqrt(n / largest) for n in counts]
    # the teams furthest from the organisation are named first
    centre_x = org_x if org_x is not None else float(support.median() if len(support) else 0)
    centre_y = org_y if org_y is not None else float(challenge.median() if len(challenge) else 0)
    priority = ((support - centre_x) ** 2 + (challenge - centre_y) ** 2).to_numpy().argsort()[::-1]
    ordered = shown.iloc[priority]
    texts, positions = place_labels(
        ordered["mean_support"].astype("float64").tolist(),
        ordered["mean_challenge"].astype("float64").tolist(),
        ordered["team"].astype("str").tolist(),
        x_range=(x_axis.low, x_axis.high),
        y_range=(y_axis.low, y_axis.high),
        plot_height=SCATTER_PLOT_HEIGHT,
        radii=[diameters[i] / 2 for i in priority],
    )
    figure = style.new_figure()
    figure.add_shape(
        type="rect",
        x0=cutoff,
        x1=x_axis.high,
        y0=cutoff,
        y1=y_axis.high,
        fillcolor=style.SEQUENCE[3],
        opacity=0.6,
        line={"width": 0},
        layer="below",
    )
    figure.add_trace(
        go.Scatter(
            name="Team",
            x=ordered["mean_support"].astype("float64").tolist(),
            y=ordered["mean_challenge"].astype("float64").tolist(),
            mode=point_mode(texts),
            text=texts,
            textposition=positions,
            textfont={"size": style.SMALL_SIZE, "color": style.TEXT_COLOUR},
            marker={
                "size": [diameters[i] for i in priority],
                "color": style.TEAM.colour,
                "opacity": 0.75,
                "line": {"width": 1, "color": "#ffffff"},
            },
            customdata=[
                [team, int(n)]
                for team, n in zip(ordered["team"], ordered["respondents"], strict=True)
            ],
            hovertemplate=(
                "%{customdata[0]}<br>support %{x:.2f}, challenge %{y:.2f}"
                "<br>%{customdata[1]} respondents<extra></extra>"
            ),
            showlegend=False,
        )
    )
    style.legend_entry(figure, style.TEAM, words="Team (sized by respondents)")
    if org_shown:
        figure.add_trace(
            go.Scatter(
                name="Organisation",
                x=[org_x],
                y=[org_y],
                mode="markers",
                marker={"symbol": "x-thin", "size": 14, "line": {"width": 3, "color": "#000000"}},
                hovertemplate=(
                    "Organisation<br>support %{x:.2f}, challenge %{y:.2f}<extra></extra>"
                ),
            )
        )
    style.legend_entry(
        figure,
        style.Role("", style.SEQUENCE[3]),
        words=f"Both at least {cutoff:g} (agree on average)",
        symbol="square",
    )
    for axis_name in ("x", "y"):
        line = {"dash": "dash", "color": style.MUTED_TEXT, "width": 1}
        if axis_name == "x":
            figure.add_vline(x=cutoff, line=line)
        else:
            figure.add_hline(y=cutoff, line=line)
    note = hidden_summary(teams["status"], k)
    x_title = f"Mean support ({x_axis.scale_note() or '1-5 scale'})"
    axis_room = style.axis_room(x_title)
    if note:
        style.note_under(figure, note, below=axis_room)
    style.base_layout(
        figure,
        plot_height=SCATTER_PLOT_HEIGHT,
        left=64,
        right=x_axis.overhang,
        top=SCATTER_TOP,
        bottom=axis_room + (22 if note else 0),
    )
    style.legend_layout(figure)
    figure.update_layout(
        xaxis=x_axis.layout(x_title),
        yaxis=y_axis.layout("Mean challenge"),
        clickmode="event+select",
        dragmode=False,
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
        why="those furthest from the organisation's share with high support and high challenge",
    )
    frame = frame.sort_values(
        ["share_high_support_high_challenge", "team"], ascending=[False, True], na_position="last"
    )
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        org_row = organisation.to_frame().T.assign(team="Organisation")
        frame = pd.concat([org_row, frame], ignore_index=True)
    order = frame["team"].astype("str").tolist()
    labels = team_labels(order)
    shown = frame[frame["status"] == privacy.SHOWN]
    hidden = frame[frame["status"] != privacy.SHOWN]
    axis = style.fitted_axis([1.0], kind=style.SHARE)
    figure = style.new_figure()
    for (column, label), colour, pattern in zip(
        QUADRANTS.items(), style.SEQUENCE, style.SEQUENCE_PATTERNS, strict=True
    ):
        figure.add_trace(
            go.Bar(
                name=label,
                orientation="h",
                x=shown[column].astype("float64").tolist(),
                y=[labels[t] for t in shown["team"]],
                marker={
                    "color": colour,
                    "pattern": {"shape": pattern, "fgcolor": "#ffffff", "size": 6},
                    "line": {"width": 0.5, "color": "#ffffff"},
                },
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
    category_order = list(reversed([labels[t] for t in order]))
    hidden_rows(figure, hidden, labels=labels, order=category_order, k=k, x=axis.low)
    legend = list(QUADRANTS.values())
    top = style.legend_height(legend, width=ROW_PLOT_WIDTH)
    rows = style.row_height(labels.values())
    style.base_layout(
        figure,
        plot_height=rows * len(order),
        left=style.label_margin(labels.values()),
        right=axis.overhang,
        top=top,
        bottom=style.axis_room("Share of respondents"),
    )
    style.legend_layout(figure)
    figure.update_layout(
        barmode="stack",
        xaxis=axis.layout("Share of respondents"),
        yaxis={
            "categoryorder": "array",
            "categoryarray": category_order,
            "range": [-0.5, len(order) - 0.5],
            "automargin": False,
        },
        clickmode="event+select",
        dragmode=False,
    )
    say_which_teams_are_drawn(figure, note)
    return figure
