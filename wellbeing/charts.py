"""Charts: a DataFrame in, a Plotly Figure out. No Streamlit, no queries."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core import kept, stats
from wellbeing.core.measures import higher_is_better


class KeptFigure(go.Figure):
    """A chart kept between reruns, which nobody changes after it is drawn.

    ``st.plotly_chart`` turns its figure into a dict on every rerun that shows
    it: a deep copy of every label and value, 10-15 ms for a chart of hundreds
    of teams. For a figure that never changes, that dict is worked out once.
    """

    def to_dict(self) -> dict:
        if "_dict_once" not in self.__dict__:
            self._dict_once = super().to_dict()
        return self._dict_once


def drawn_once(draw: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """:func:`kept.drawn_once` (wellbeing.core.kept) for a chart, as a :class:`KeptFigure`."""

    @functools.wraps(draw)
    def drawn(*arguments, **keywords) -> go.Figure:
        figure = draw(*arguments, **keywords)
        figure.__class__ = KeptFigure  # same fields; only to_dict is kept
        return figure

    return kept.drawn_once(drawn)


HIDDEN_GREY = "#d9d9d9"
WORSE_RED = "#c0392b"
BETTER_BLUE = "#2e6da4"
NEUTRAL = "#f7f7f7"


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


CONSTRUCT_NAMES_ROOM = 90  # px above a heatmap for its slanted construct names
LEGEND_ROOM = 50  # px above a chart for a legend in one row


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
    direction = np.array([1.0 if higher_is_better(instrument, c) else -1.0 for c in codes])
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
    labels = [names[code] for code in codes]
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
            # numpy string arrays: plotly checks a list cell by cell (80 ms at 400 teams).
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
    _say_which_teams_are_drawn(figure, note, room_above_plot=CONSTRUCT_NAMES_ROOM)
    return figure


CHANCE_GREY = "#8c9bab"
ORGANISATION_COLOUR = "#222222"
NATIONAL_COLOUR = "#7b3294"
FOCUS_COLOUR = "#e67e22"
QUADRANT_COLOURS = {
    "share_high_support_high_challenge": "#1a9850",
    "share_high_support_low_challenge": "#91bfdb",
    "share_low_support_high_challenge": "#fdae61",
    "share_low_support_low_challenge": "#d73027",
}


def _fmt(kind: str) -> str:
    """Plotly number format for a share (35%) or a 1-5 score (3.58)."""
    return ".0%" if kind == "share" else ".2f"


def _verdict_colour(verdict: object, *, worse: str) -> str:
    """Red when worse beyond chance, blue when better beyond chance, grey when it could be chance.

    Colour names, not numbers on a colour scale: plotly.js checks numbers as
    colours for hover and selection and logs a warning with a stack trace for
    every bar on every redraw (190 a click on Stress).
    """
    if verdict == worse:
        return WORSE_RED
    if verdict in ("higher", "lower"):
        return BETTER_BLUE
    return CHANCE_GREY


MOST_TEAMS_DRAWN = 40
"""A team chart draws at most this many teams: the ones that stand out.

Hundreds of teams pooled nationally made charts 10,000 pixels tall that nobody
could read and that took the browser seconds to draw on every click. The
readings beside each chart still count every team, and filtering by service
draws that service's teams.
"""


def most_notable(
    frame: pd.DataFrame, rank: pd.DataFrame, *, why: str
) -> tuple[pd.DataFrame, str | None]:
    """The rows of ``frame`` for at most :data:`MOST_TEAMS_DRAWN` teams, and a note saying which.

    Args:
        frame: the chart's rows, with a ``team`` column (a team may have several rows).
        rank: one row per team: ``team`` and the columns to rank by, larger first,
            the first column deciding; a team missing a rank is left out once
            there are too many to draw.
        why: which teams are drawn, for the note ("those furthest from ...").

    Returns:
        Every row and no note when there are not too many teams.
    """
    total = frame["team"].nunique()
    if total <= MOST_TEAMS_DRAWN:
        return frame, None
    columns = [column for column in rank.columns if column != "team"]
    drawn = (
        rank.dropna(subset=columns)
        .sort_values([*columns, "team"], ascending=[*([False] * len(columns)), True])["team"]
        .head(MOST_TEAMS_DRAWN)
    )
    note = (
        f"{len(drawn)} of {total} teams drawn: {why}.<br>"
        "The dashboard shows the others when filtered by service."
    )
    return frame[frame["team"].isin(drawn)], note


def _point_mode(points: int) -> str:
    """Teams named beside their points, unless there are too many names to read.

    Hovering a point still names its team; 400 names cost the browser 50 ms a chart.
    """
    return "markers+text" if points <= MOST_TEAMS_DRAWN else "markers"


def _distance_from(values: pd.Series, centre: float | None) -> pd.Series:
    """How far each value lies from the organisation's (from the median when it is hidden)."""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    if centre is None or pd.isna(centre):
        centre = values.median()
    return (values - float(centre)).abs()


def _say_which_teams_are_drawn(
    figure: go.Figure, note: str | None, *, room_above_plot: int = 30
) -> None:
    """Put ``most_notable``'s note above the chart, under any title it has.

    ``room_above_plot`` is what the chart needs above its plot area besides
    its title (a legend, or a heatmap's slanted construct names).
    """
    if note is None:
        return
    title = figure.layout.title.text
    styled = f'<span style="font-size:12px;color:#555555">{note}</span>'
    text = f"{title}<br>{styled}" if title else styled
    lines = text.count("<br>") + 1
    figure.update_layout(
        title={
            "text": text,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            # plotly centres a title's lines on where its first would sit
            "pad": {"t": 8 + 10 * (lines - 1), "l": 10},
        },
        margin={"t": room_above_plot + 20 * lines + 10},
    )


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
        figures: rows from ``views.team_figures`` (highest value first).
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
                "distance": _distance_from(figures["value"], organisation),
            }
        ),
        why="those furthest from the organisation, gaps beyond chance first",
    )
    teams = figures["team"].tolist()
    shown = figures[figures["status"] == privacy.SHOWN]
    hidden = figures[figures["status"] != privacy.SHOWN]
    number = _fmt(kind)
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
            marker={"color": [_verdict_colour(v, worse=worse) for v in shown["verdict"]]},
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
    _say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure


@drawn_once
def trend_lines(
    organisation: pd.DataFrame,
    *,
    kind: str,
    axis_title: str,
    team: str | None = None,
    team_trend: pd.DataFrame | None = None,
) -> go.Figure:
    """The organisation's figure wave by wave, and one team's beside it, with 95% intervals.

    Args:
        organisation: rows from ``views.trend`` for the organisation.
        team, team_trend: the focused team and its ``views.trend`` rows, if any.
    """
    number = _fmt(kind)
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
    figure.update_layout(
        xaxis={"title": {"text": "Survey wave"}, "categoryorder": "array", "categoryarray": waves},
        yaxis={
            "title": {"text": axis_title},
            "tickformat": number,
            "range": [0, 1] if kind == "share" else [1, 5],
        },
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return figure


@drawn_once
def against_national(rows: pd.DataFrame) -> go.Figure:
    """The organisation's shares with 95% intervals, each beside its national figure.

    Args:
        rows: from ``views.national_rows_frame`` (measure, value, low, high,
            respondents, national, national_citation).
    """
    shown = rows[rows["value"].notna()]
    figure = go.Figure(
        go.Bar(
            name="Organisation",
            orientation="h",
            x=shown["value"].tolist(),
            y=shown["measure"].tolist(),
            marker={"color": BETTER_BLUE},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["high"] - shown["value"]).tolist(),
                "arrayminus": (shown["value"] - shown["low"]).tolist(),
                "color": "#555555",
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
                name="National figure",
                x=national["national"].tolist(),
                y=national["measure"].tolist(),
                mode="markers",
                marker={"symbol": "diamond", "size": 13, "color": NATIONAL_COLOUR},
                customdata=[[c] for c in national["national_citation"]],
                hovertemplate="National: %{x:.0%}<br>%{customdata[0]}<extra></extra>",
            )
        )
    measures = rows["measure"].tolist()
    figure.update_layout(
        xaxis={"title": {"text": "Share of staff"}, "tickformat": ".0%", "range": [0, 1]},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(measures))},
        height=max(220, 48 * len(measures) + 100),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
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
            mode=_point_mode(len(shown)),
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
    from wellbeing.views import QUADRANTS

    centre = None
    if organisation is not None and organisation.get("status") == privacy.SHOWN:
        centre = organisation["share_high_support_high_challenge"]
    frame, note = most_notable(
        teams,
        pd.DataFrame(
            {
                "team": teams["team"],
                "distance": _distance_from(teams["share_high_support_high_challenge"], centre),
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
    _say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure


@drawn_once
def change_timeline(
    teams: pd.DataFrame,
    organisation: pd.DataFrame,
    events: pd.DataFrame,
    *,
    axis_title: str,
    focus: str | None = None,
) -> go.Figure:
    """Team scores across waves on a date axis, with the change log drawn on the timeline.

    Args:
        teams: gated rows from ``queries.survey.construct_by_wave`` for one construct.
        organisation: the organisation's ``views.trend`` rows for it.
        events: ``queries.change_fatigue.change_events`` rows.
        focus: a team to draw in the focus colour; others are drawn faint.
    """
    figure = go.Figure()
    shown = teams[teams["status"] == privacy.SHOWN].sort_values(["team", "wave_opened_on"])
    # Every other team in one trace, its lines broken by gaps: hundreds of teams
    # drawn as a trace each cost plotly seconds and the browser more.
    others = shown[shown["team"] != focus]
    if not others.empty:
        x, y, custom = _lines_with_gaps(others)
        figure.add_trace(
            go.Scatter(
                name="Teams",
                x=x,
                y=y,
                mode="lines+markers",
                line={"color": "#b8c4d0", "width": 1},
                opacity=1.0 if focus is None else 0.6,
                showlegend=False,
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
                line={"color": FOCUS_COLOUR, "width": 3},
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
            line={"color": ORGANISATION_COLOUR, "width": 3},
            customdata=[[w, int(n)] for w, n in zip(org["wave"], org["respondents"], strict=True)],
            hovertemplate=(
                "Organisation, %{customdata[0]}: %{y:.2f}<br>%{customdata[1]} respondents"
                "<extra></extra>"
            ),
        )
    )
    if not events.empty:
        dates = pd.to_datetime(events["started_on"]).dt.strftime("%Y-%m-%d")
        # One trace of vertical lines per kind (add_vline per event is quadratic in
        # plotly: 560 events took minutes); the axis is fixed at 1-5, so they span it.
        wide = events["organisation_wide"].astype(bool).to_numpy()
        for organisation_wide, dash, colour in (
            (True, "dash", NATIONAL_COLOUR),
            (False, "dot", "#999999"),
        ):
            line_dates = sorted(set(dates[wide == organisation_wide]))
            if not line_dates:
                continue
            figure.add_trace(
                go.Scatter(
                    x=[d for date in line_dates for d in (date, date, None)],
                    y=[v for _ in line_dates for v in (1, 5, None)],
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
                y=[4.85] * len(events),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 11, "color": NATIONAL_COLOUR},
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
    figure.update_layout(
        xaxis={"title": {"text": "Date (survey waves and change events)"}, "type": "date"},
        yaxis={"title": {"text": axis_title}, "range": [1, 5]},
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        clickmode="event+select",
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
    figure = go.Figure(
        go.Scatter(
            name="Team in a wave",
            x=points["change_events"].astype("float64").tolist(),
            y=points["mean_score"].astype("float64").tolist(),
            mode="markers",
            marker={"size": 10, "color": BETTER_BLUE, "opacity": 0.7},
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
    figure.update_layout(
        xaxis={
            "title": {"text": f"Change events in the {window_months} months before the wave"},
            "dtick": 1,
            "rangemode": "tozero",
        },
        yaxis={"title": {"text": axis_title}, "range": [1, 5]},
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        clickmode="event+select",
    )
    return figure


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
            mode=_point_mode(len(points)),
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
                "%{customdata[0]}<br>" + x_title + ": %{x:" + _fmt(x_kind) + "} (%{customdata[1]})"
                "<br>" + y_title + ": %{y:" + _fmt(y_kind) + "} (%{customdata[2]})<extra></extra>"
            ),
        )
    )

    def axis(title: str, kind: str) -> dict:
        return {
            "title": {"text": title},
            "tickformat": _fmt(kind),
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
    _say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure


@drawn_once
def respondent_profile_bars(profile: pd.DataFrame, *, names: dict[str, str]) -> go.Figure:
    """Who responded: each group's share of respondents, attribute by attribute.

    Hidden groups carry no bar, only the reason, stated with the threshold
    their attribute was gated with (``min_group_size``: the stricter one for
    ethnicity, gender, disability and age band).

    Args:
        profile: gated rows from ``queries.equity.respondent_profile``.
        names: attribute code -> label (e.g. "age_band" -> "Age band").
    """
    labels = [
        f"{names.get(attribute, attribute)}: {group}"
        for attribute, group in zip(profile["attribute"], profile["group_name"], strict=True)
    ]
    shown = (profile["status"] == privacy.SHOWN).to_numpy()
    figure = go.Figure(
        go.Bar(
            orientation="h",
            x=[float(v) if s else 0.0 for v, s in zip(profile["share"], shown, strict=True)],
            y=labels,
            marker={"color": BETTER_BLUE},
            text=[
                f"{v:.0%} ({int(n)})" if s else privacy.status_text(status, int(k))
                for v, n, s, status, k in zip(
                    profile["share"],
                    profile["respondents"],
                    shown,
                    profile["status"],
                    profile["min_group_size"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": {"text": "Share of respondents"}, "tickformat": ".0%", "range": [0, 1.15]},
        yaxis={"autorange": "reversed"},
        height=max(300, 22 * len(labels) + 100),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
    )
    return figure


@drawn_once
def response_rate_bars(rates: pd.DataFrame, *, k: int, low_rate: float) -> go.Figure:
    """Response rate by team against staff in post, with the low-response line.

    Bars under ``low_rate`` are red. Teams whose respondents are hidden show
    the reason instead of a bar; teams missing from the staff list say so.

    Args:
        rates: rows from ``queries.response_rates.response_rates_by_team``.
    """
    rates, note = most_notable(
        rates,
        pd.DataFrame(
            {
                "team": rates["team"],
                "low_response": rates["low_response"].astype(bool).astype("int64"),
                # teams off the staff list have no rate and come last
                "lowness": -pd.to_numeric(rates["response_rate"], errors="coerce")
                .astype("float64")
                .fillna(np.inf),
            }
        ),
        why=f"under {low_rate:.0%} first, then the lowest rates",
    )
    teams = rates["team"].tolist()
    shown = rates["status"] == privacy.SHOWN
    has_headcount = rates["headcount"].notna()
    figure = go.Figure(
        go.Bar(
            orientation="h",
            name="Response rate",
            x=[
                None if pd.isna(v) else float(v)
                for v in rates["response_rate"].where(shown & has_headcount)
            ],
            y=np.array(teams, dtype=str),
            marker={"color": [WORSE_RED if low else BETTER_BLUE for low in rates["low_response"]]},
            text=[
                (
                    "not in the staff list"
                    if pd.isna(headcount)
                    else f"{rate:.0%} ({int(n)} of {int(headcount)})"
                    if status == privacy.SHOWN
                    else f"{privacy.status_text(status, k)} of {int(headcount)}"
                )
                for rate, n, headcount, status in zip(
                    rates["response_rate"],
                    rates["respondents"],
                    rates["headcount"],
                    rates["status"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=[[team] for team in teams],
            hovertemplate="%{customdata[0]}: %{text}<extra></extra>",
        )
    )
    figure.add_vline(
        x=low_rate,
        line={"color": "#555555", "dash": "dot"},
        annotation_text=f"{low_rate:.0%}",
        annotation_position="top",
    )
    figure.update_layout(
        xaxis={
            "title": {"text": "Respondents as a share of staff in post"},
            "tickformat": ".0%",
            "range": [0, 1.3],
        },
        yaxis={"autorange": "reversed"},
        height=max(300, 24 * len(teams) + 110),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
    )
    _say_which_teams_are_drawn(figure, note, room_above_plot=LEGEND_ROOM)
    return figure
