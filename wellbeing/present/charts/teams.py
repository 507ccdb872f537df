"""Every team against the organisation: bars with 95% intervals, and heatmaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.measures import runs_higher_is_better
from wellbeing.present.charts.common import (
    BETTER_BLUE,
    CONSTRUCT_NAMES_ROOM,
    HIDDEN_GREY,
    LEGEND_ROOM,
    NATIONAL_COLOUR,
    NEUTRAL,
    ORGANISATION_COLOUR,
    WORSE_RED,
    distance_from,
    drawn_once,
    most_notable,
    number_format,
    plain_label,
    say_which_teams_are_drawn,
    verdict_colour,
)


@drawn_once
def construct_heatmap(
    scores: pd.DataFrame,
    constructs: pd.DataFrame,
    organisation: pd.Series,
    *,
    k: int,
    instrument: str = "default",
) -> go.Figure:
    """Teams (rows) by constructs (columns), coloured by the gap from the organisation.

    Red means worse than the organisation whichever way the construct runs;
    hidden cells are grey and say why. Of many teams, those furthest from the
    organisation on average are drawn (``most_notable``).

    Args:
        scores: gated rows from ``queries.survey.construct_by_team``.
        constructs: code and name of the constructs to draw, in order.
        organisation: the organisation's mean per construct code.
        k: the minimum group size in force, for the hidden-cell labels.
    """
    return _team_heatmap(scores, constructs, organisation, k=k, instrument=instrument)


def _team_heatmap(
    scores: pd.DataFrame,
    constructs: pd.DataFrame,
    organisation: pd.Series,
    *,
    k: int,
    instrument: str,
    title: str | None = None,
) -> go.Figure:
    present = set(scores["construct"])
    codes = [code for code in constructs["code"] if code in present]
    names = dict(zip(constructs["code"], constructs["name"], strict=True))
    stated = (
        dict(zip(constructs["code"], constructs["higher_is_better"], strict=True))
        if "higher_is_better" in constructs
        else {}
    )
    direction = np.array(
        [1.0 if runs_higher_is_better(instrument, c, stated.get(c)) else -1.0 for c in codes]
    )
    org = organisation.reindex(codes).to_numpy(dtype="float64")
    every_mean = scores.pivot(index="team", columns="construct", values="mean_score").reindex(
        columns=codes
    )
    gaps = pd.DataFrame(
        np.abs(every_mean.to_numpy(dtype="float64", na_value=np.nan) - org),
        index=every_mean.index,
    )
    scores, note = most_notable(
        scores,
        pd.DataFrame({"team": gaps.index, "distance": gaps.mean(axis=1, skipna=True).to_numpy()}),
        why="those furthest from the organisation across these measures",
    )
    teams = sorted(scores["team"].unique(), reverse=True)
    mean = every_mean.reindex(index=teams)
    count = scores.pivot(index="team", columns="construct", values="respondents").reindex(
        index=teams, columns=codes
    )
    status = (
        scores.pivot(index="team", columns="construct", values="status")
        .reindex(index=teams, columns=codes)
        .fillna(privacy.NO_DATA)
    )
    goodness = (mean.to_numpy(dtype="float64", na_value=np.nan) - org) * direction
    # Built as plain lists: a national organisation draws thousands of cells per rerun.
    means = mean.to_numpy(dtype="float64", na_value=np.nan).tolist()
    counts = count.to_numpy(dtype="float64", na_value=np.nan).tolist()
    statuses = status.to_numpy(dtype=object).tolist()
    hidden_text = {s: privacy.status_text(s, k) for s in privacy.STATUSES}
    hidden_hover = {s: privacy.status_explanation(s, k) for s in privacy.STATUSES}
    # Measure names may be HR's own words: shown as written, never as markup.
    labels = [plain_label(names[code]) for code in codes]
    text, hover = [], []
    for team, team_means, team_counts, team_statuses in zip(
        teams, means, counts, statuses, strict=True
    ):
        text_row, hover_row = [], []
        for j, cell_status in enumerate(team_statuses):
            if cell_status == privacy.SHOWN:
                text_row.append(f"{team_means[j]:.2f}")
                hover_row.append(
                    f"{team}<br>{labels[j]}: {team_means[j]:.2f} "
                    f"(organisation {org[j]:.2f})<br>{int(team_counts[j])} respondents"
                )
            else:
                text_row.append(hidden_text[cell_status])
                hover_row.append(f"{team}<br>{labels[j]}<br>{hidden_hover[cell_status]}")
        text.append(text_row)
        hover.append(hover_row)
    limit = max(0.5, float(np.nanmax(np.abs(goodness))) if np.isfinite(goodness).any() else 0.5)
    figure = go.Figure(
        go.Heatmap(
            z=goodness,
            x=labels,
            y=np.array(teams, dtype=str),
            # numpy string arrays: plotly checks a list cell by cell.
            text=np.array(text, dtype=str),
            texttemplate="%{text}",
            textfont={"size": 10},
            hovertext=np.array(hover, dtype=str),
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=[[0, WORSE_RED], [0.5, NEUTRAL], [1, BETTER_BLUE]],
            zmin=-limit,
            zmax=limit,
            colorbar={
                "title": {"text": "vs organisation"},
                "tickvals": [-limit, 0, limit],
                "ticktext": ["worse", "same", "better"],
            },
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(
        plot_bgcolor=HIDDEN_GREY,
        height=max(320, 28 * len(teams) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"side": "top", "tickangle": -30},
    )
    if title is not None:
        figure.update_layout(title={"text": title}, margin={"t": 110})
    say_which_teams_are_drawn(figure, note, room_above_plot=CONSTRUCT_NAMES_ROOM)
    return figure


@drawn_once
def team_intervals(
    figures: pd.DataFrame,
    *,
    kind: str,
    axis_title: str,
    k: int,
    organisation: float | None,
    national: object | None = None,
    worse: str = "higher",
    count_label: str = "respondents",
) -> go.Figure:
    """Each team's figure as a bar with its 95% interval; organisation and national as references.

    Bars are red when worse than the organisation beyond chance, blue when
    better, grey when the gap could be chance. Hidden teams are listed with the
    reason instead of a bar. Every team mark carries the team name first in
    ``customdata``, so a click can focus the page on it.

    Args:
        figures: rows from ``figures.team_figures`` (highest value first).
        kind: "share" (0-1, Wilson interval) or "score" (1-5, t interval).
        axis_title: what the value axis measures.
        k: the minimum group size in force, for the hidden-team labels.
        organisation: the organisation's figure, drawn on every team row.
        national: a ``reference.NationalFigure`` drawn likewise, with source and year.
        worse: which verdict ("higher" or "lower") is bad for this measure.
        count_label: what the count is ("respondents", or "staff" for records).
    """
    figures, note = most_notable(
        figures,
        pd.DataFrame(
            {
                "team": figures["team"],
                "beyond_chance": figures["verdict"].isin(["higher", "lower"]).astype("int64"),
                "distance": distance_from(figures["value"], organisation),
            }
        ),
        why="those furthest from the organisation, gaps beyond chance first",
    )
    teams = figures["team"].tolist()
    shown = figures[figures["status"] == privacy.SHOWN]
    hidden = figures[figures["status"] != privacy.SHOWN]
    number = number_format(kind)
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            name="Team",
            orientation="h",
            x=shown["value"].tolist(),
            y=shown["team"].tolist(),
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["high"] - shown["value"]).tolist(),
                "arrayminus": (shown["value"] - shown["low"]).tolist(),
                "color": "#555555",
            },
            marker={"color": [verdict_colour(v, worse=worse) for v in shown["verdict"]]},
            customdata=list(
                zip(
                    shown["team"],
                    shown["respondents"].astype("int64"),
                    shown["low"],
                    shown["high"],
                    shown["verdict"].fillna(""),
                    strict=True,
                )
            ),
            hovertemplate=(
                "%{customdata[0]}: %{x:"
                + number
                + "}<br>95% interval %{customdata[2]:"
                + number
                + "} to %{customdata[3]:"
                + number
                + "}<br>%{customdata[1]} "
                + count_label
                + "<br>vs organisation: %{customdata[4]}<extra></extra>"
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
                hovertext=[privacy.status_explanation(s, k) for s in hidden["status"]],
                hovertemplate="%{customdata[0]}<br>%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )
    if organisation is not None and teams:
        figure.add_trace(
            go.Scatter(
                name=f"Organisation {format(organisation, number)}",
                x=[organisation] * len(teams),
                y=teams,
                mode="markers",
                marker={
                    "symbol": "line-ns",
                    "size": 22,
                    "line": {"width": 2, "color": ORGANISATION_COLOUR},
                },
                hovertemplate=f"Organisation: {format(organisation, number)}<extra></extra>",
            )
        )
    if national is not None and teams:
        figure.add_trace(
            go.Scatter(
                name=f"National {format(national.share, '.0%')}",
                x=[national.share] * len(teams),
                y=teams,
                mode="markers",
                marker={
                    "symbol": "line-ns",
                    "size": 22,
                    "line": {"width": 2, "color": NATIONAL_COLOUR, "dash": "dot"},
                },
                hovertemplate=(
                    f"National: {format(national.share, '.0%')}<br>{national.figure}<br>"
                    f"{national.citation}<extra></extra>"
                ),
            )
        )
    axis = {"title": {"text": axis_title}, "tickformat": number}
    if kind == "share":
        axis["range"] = [0, 1]
    else:
        axis["range"] = [1, 5]
    figure.update_layout(
        xaxis=axis,
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(teams))},
        height=max(260, 26 * len(teams) + 120),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        clickmode="event+select",
    )
    say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure


@drawn_once
def hse_heatmap(
    scores: pd.DataFrame, domains: pd.DataFrame, organisation: pd.Series, *, k: int
) -> go.Figure:
    """The HSE Indicator Tool domains by team, labelled with the HSE's scoring direction."""
    figure = _team_heatmap(
        scores,
        domains,
        organisation,
        k=k,
        instrument="hse",
        title="HSE scoring: higher is better (1-5, after reverse keying)",
    )
    # Add each shown cell's 95% interval to its hover, as every team figure must show.
    names = dict(zip(domains["code"], domains["name"], strict=True))
    heatmap = figure.data[0]
    shown = scores[(scores["status"] == privacy.SHOWN) & scores["team"].isin(heatmap.y)]
    low, high = stats.mean_interval(shown["mean_score"], shown["sd"], shown["respondents"])
    intervals = {
        (team, names.get(code)): (lo, hi)
        for team, code, lo, hi in zip(shown["team"], shown["construct"], low, high, strict=True)
    }
    hover = [list(row) for row in heatmap.hovertext]
    for i, team in enumerate(heatmap.y):
        for j, name in enumerate(heatmap.x):
            if (team, name) in intervals:
                lo, hi = intervals[(team, name)]
                hover[i][j] += f"<br>95% interval {lo:.2f} to {hi:.2f}"
    heatmap.hovertext = np.array(hover, dtype=str)
    return figure
