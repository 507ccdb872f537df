"""Change fatigue against the change log: the timeline, and events before each wave."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts import style
from wellbeing.present.charts.common import MOST_TEAMS_DRAWN, ROW_PLOT_WIDTH, drawn_once


@drawn_once
def change_timeline(
    teams: pd.DataFrame,
    organisation: pd.DataFrame,
    events: pd.DataFrame,
    *,
    axis_title: str,
    focus: str | None = None,
    actions: pd.DataFrame | None = None,
) -> go.Figure:
    """Team scores across waves on a date axis, with the change log drawn on the timeline.

    Args:
        teams: gated rows from ``queries.survey.construct_by_wave`` for one construct.
        organisation: the organisation's ``figures.trend`` rows for it.
        events: ``queries.change_fatigue.change_events`` rows.
        focus: a team to draw in the focus colour; others are drawn faint.
        actions: ``present.action_outcomes.on_timeline`` rows, drawn as stars labelled
            "A3" at their start dates (a shape and a label, not a colour, tell them apart).
    """
    figure = style.new_figure()
    shown = teams[teams["status"] == privacy.SHOWN].sort_values(["team", "wave_opened_on"])
    # Every other team in one trace, its lines broken by gaps: a trace per team is
    # slow to build and to draw at hundreds of teams.
    others = shown[shown["team"] != focus]
    if not others.empty:
        x, y, custom = _lines_with_gaps(others)
        figure.add_trace(
            go.Scatter(
                name="Teams" if focus is None else style.OTHER_TEAMS.words,
                x=x,
                y=y,
                # A marker is a shape for the browser to draw: at 400 teams, 1,600 of them
                # took Chromium most of this page's repaint. Beyond the teams a team chart
                # draws, each line's points are hovered without one.
                mode=("lines" if others["team"].nunique() > MOST_TEAMS_DRAWN else "lines+markers"),
                line={"color": style.OTHER_TEAMS.colour, "width": 1},
                marker={"size": 5},
                opacity=1.0 if focus is None else 0.6,
                showlegend=True,
                customdata=custom,
                hovertemplate=TEAM_WAVE_HOVER,
            )
        )
    focused = shown[shown["team"] == focus]
    if not focused.empty:
        x, y, custom = _lines_with_gaps(focused)
        figure.add_trace(
            go.Scatter(
                name=str(focus),
                x=x,
                y=y,
                mode="lines+markers",
                line={"color": style.FOCUS.colour, "width": 3},
                customdata=custom,
                hovertemplate=TEAM_WAVE_HOVER,
            )
        )
    org = organisation[organisation["status"] == privacy.SHOWN]
    figure.add_trace(
        go.Scatter(
            name="Organisation",
            x=org["wave_opened_on"].dt.strftime("%Y-%m-%d").tolist(),
            y=org["value"].tolist(),
            mode="lines+markers",
            line={"color": style.ORGANISATION.colour, "width": 3},
            customdata=[[w, int(n)] for w, n in zip(org["wave"], org["respondents"], strict=True)],
            hovertemplate=(
                "Organisation, %{customdata[0]}: %{y:.2f}<br>%{customdata[1]} respondents"
                "<extra></extra>"
            ),
        )
    )
    values = [*shown["mean_score"].astype("float64"), *org["value"].astype("float64")]
    axis = style.fitted_axis(values, kind=style.SCORE)
    if not events.empty:
        dates = pd.to_datetime(events["started_on"]).dt.strftime("%Y-%m-%d")
        # One trace of vertical lines per kind (add_vline per event is quadratic in
        # plotly: 560 events took minutes); they span the value axis.
        wide = events["organisation_wide"].astype(bool).to_numpy()
        for organisation_wide, dash, colour in (
            (True, "dash", style.EVENT.colour),
            (False, "dot", style.OTHER_TEAMS.colour),
        ):
            line_dates = sorted(set(dates[wide == organisation_wide]))
            if not line_dates:
                continue
            figure.add_trace(
                go.Scatter(
                    x=[d for date in line_dates for d in (date, date, None)],
                    y=[v for _ in line_dates for v in (axis.low, axis.high, None)],
                    mode="lines",
                    line={"dash": dash, "color": colour, "width": 1},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        figure.add_trace(
            go.Scatter(
                name="Change event",
                x=dates.tolist(),
                y=[axis.high - (axis.high - axis.low) * 0.03] * len(events),
                mode="markers",
                marker={"symbol": style.EVENT.symbol, "size": 11, "color": style.EVENT.colour},
                customdata=[
                    [title, kind, "organisation-wide" if wide else str(team)]
                    for title, kind, wide, team in zip(
                        events["title"],
                        events["kind"],
                        events["organisation_wide"],
                        events["team"],
                        strict=True,
                    )
                ],
                hovertemplate=(
                    "%{x|%d %b %Y}: %{customdata[0]}<br>%{customdata[1]}, %{customdata[2]}"
                    "<extra></extra>"
                ),
            )
        )
    if actions is not None and not actions.empty:
        figure.add_trace(
            go.Scatter(
                name="Action plan started",
                x=actions["started_on"].tolist(),
                y=[axis.high] * len(actions),
                mode="markers+text",
                marker={"symbol": "star", "size": 13, "color": style.ORGANISATION.colour},
                text=actions["label"].tolist(),
                textposition="bottom center",
                customdata=actions["text"].tolist(),
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    legend = [trace.name for trace in figure.data if trace.showlegend is not False and trace.name]
    top = style.legend_height(legend, width=ROW_PLOT_WIDTH)
    title = axis_title if not axis.scale_note() else f"{axis_title}<br>({axis.scale_note()})"
    style.base_layout(
        figure,
        height=440,
        left=72,
        right=24,
        top=top,
        bottom=style.axis_room("Date (survey waves and change events)"),
    )
    style.legend_layout(figure)
    figure.update_layout(
        xaxis={
            "title": {"text": "Date (survey waves and change events)", "standoff": 8},
            "ticklabelstandoff": 6,
            "type": "date",
            "gridcolor": style.GRID_COLOUR,
            "automargin": False,
        },
        yaxis=axis.layout(title),
        clickmode="event+select",
        dragmode=False,
    )
    return figure


TEAM_WAVE_HOVER = (
    "%{customdata[0]}, %{customdata[1]}: %{y:.2f}<br>%{customdata[2]} respondents<extra></extra>"
)


def _lines_with_gaps(rows: pd.DataFrame) -> tuple[list, list, list]:
    """x, y and hover data of one line per team, separated by gaps (rows sorted by team, date)."""
    x: list = []
    y: list = []
    custom: list = []
    dates = pd.to_datetime(rows["wave_opened_on"]).dt.strftime("%Y-%m-%d").tolist()
    scores = rows["mean_score"].astype("float64").tolist()
    previous = None
    for team, date, score, wave, n in zip(
        rows["team"].astype("str"), dates, scores, rows["wave"], rows["respondents"], strict=True
    ):
        if previous is not None and team != previous:
            x.append(None)
            y.append(None)
            custom.append([None, None, None])
        x.append(date)
        y.append(score)
        custom.append([team, str(wave), int(n)])
        previous = team
    return x, y, custom


@drawn_once
def events_against_score(points: pd.DataFrame, *, axis_title: str, window_months: int) -> go.Figure:
    """One point per team and wave: change events in the window before the wave vs its score.

    Args:
        points: columns team, wave, change_events, mean_score, respondents (shown rows only).
    """
    axis = style.fitted_axis(points["mean_score"].astype("float64").tolist(), kind=style.SCORE)
    most = int(points["change_events"].max()) if len(points) else 1
    figure = style.new_figure(
        go.Scatter(
            name="Team in a wave",
            x=points["change_events"].astype("float64").tolist(),
            y=points["mean_score"].astype("float64").tolist(),
            mode="markers",
            marker={"size": 10, "color": style.TEAM.colour, "opacity": 0.7},
            customdata=[
                [team, wave, int(n)]
                for team, wave, n in zip(
                    points["team"], points["wave"], points["respondents"], strict=True
                )
            ],
            hovertemplate=(
                "%{customdata[0]}, %{customdata[1]}<br>%{x} change events in the "
                f"{window_months} months before<br>score %{{y:.2f}}, %{{customdata[2]}} "
                "respondents<extra></extra>"
            ),
        )
    )
    title = axis_title if not axis.scale_note() else f"{axis_title}<br>({axis.scale_note()})"
    step = max(1, -(-most // 8))
    x_title = f"Change events in the {window_months} months before the wave"
    style.base_layout(
        figure, height=380, left=72, right=16, top=16, bottom=style.axis_room(x_title)
    )
    figure.update_layout(
        xaxis={
            "title": {"text": style.wrap_title(x_title), "standoff": 8},
            "ticklabelstandoff": 6,
            "tickmode": "array",
            "tickvals": list(range(0, most + 1, step)),
            "range": [-0.5, most + 0.5],
            "gridcolor": style.GRID_COLOUR,
            "zeroline": False,
            "automargin": False,
        },
        yaxis=axis.layout(title),
        showlegend=False,
        clickmode="event+select",
        dragmode=False,
    )
    return figure
