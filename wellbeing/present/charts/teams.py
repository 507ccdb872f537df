"""Every team against the organisation: dots with 95% intervals, and heatmaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.measures import runs_higher_is_better
from wellbeing.present.charts import style
from wellbeing.present.charts.common import (
    HEATMAP_NOTE_ROOM,
    ROW_PLOT_WIDTH,
    distance_from,
    drawn_once,
    hidden_rows,
    most_notable,
    say_which_teams_are_drawn,
    team_labels,
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
    """Teams (rows) by constructs (columns): each cell a team's figure against the organisation.

    A cell is orange when the team is worse than the organisation beyond chance,
    blue when better, light grey when the gap could be chance, whichever way the
    construct runs; its mark (up or down) says whether it is higher or lower.
    Yes/no constructs read as shares. Hidden cells are grey with a short mark
    keyed in words under the chart. Of many teams, those furthest from the
    organisation on average are drawn (``most_notable``).

    Args:
        scores: gated rows from ``queries.survey.construct_by_team`` (with ``sd``).
        constructs: code, name and (optionally) kind of the constructs to draw, in order.
        organisation: the organisation's mean per construct code.
        k: the minimum group size in force, for the hidden-cell marks.
    """
    return _team_heatmap(scores, constructs, organisation, k=k, instrument=instrument)


def _cell_verdicts(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, organisation: float, *, is_share: bool
) -> np.ndarray:
    """Each cell's verdict against the organisation (higher, lower, could be chance)."""
    verdicts = np.full(mean.shape, None, dtype=object)
    known = np.isfinite(mean) & np.isfinite(n) & (n > 0)
    if not known.any() or not np.isfinite(organisation):
        return verdicts
    if is_share:
        low, high = stats.wilson_interval(mean[known], n[known])
    else:
        low, high = stats.mean_interval(mean[known], np.nan_to_num(sd[known]), n[known])
    verdicts[known] = stats.compare_with_organisation(
        mean[known], np.asarray(low), np.asarray(high), organisation, is_share=is_share
    )
    return verdicts


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
    kinds = (
        dict(zip(constructs["code"], constructs["kind"], strict=True))
        if "kind" in constructs.columns
        else {}
    )
    is_share = [kinds.get(code) == "yes_no" for code in codes]
    # HR says which way an own measure runs (higher_is_better); built-in ones run as defined.
    stated = (
        dict(zip(constructs["code"], constructs["higher_is_better"], strict=True))
        if "higher_is_better" in constructs
        else {}
    )
    direction_good = [runs_higher_is_better(instrument, c, stated.get(c)) for c in codes]
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

    def grid(column: str, fill: object = np.nan) -> pd.DataFrame:
        return (
            scores.pivot(index="team", columns="construct", values=column)
            .reindex(index=teams, columns=codes)
            .fillna(fill)
        )

    mean = grid("mean_score").to_numpy(dtype="float64", na_value=np.nan)
    count = grid("respondents").to_numpy(dtype="float64", na_value=np.nan)
    sd = (
        grid("sd").to_numpy(dtype="float64", na_value=np.nan)
        if "sd" in scores.columns
        else np.zeros_like(mean)
    )
    status = grid("status", privacy.NO_DATA).to_numpy(dtype=object)
    shown = status == privacy.SHOWN
    verdicts = np.column_stack(
        [
            _cell_verdicts(mean[:, j], sd[:, j], count[:, j], org[j], is_share=is_share[j])
            for j in range(len(codes))
        ]
    ) if codes else np.empty((len(teams), 0), dtype=object)  # fmt: skip
    # z: 1 better beyond chance, -1 worse, 0 could be chance, NaN hidden (grey background).
    z = np.full(mean.shape, np.nan)
    text = np.full(mean.shape, "", dtype=object)
    hover = np.full(mean.shape, "", dtype=object)
    labels = [names[code] for code in codes]
    for i, team in enumerate(teams):
        for j in range(len(codes)):
            value = f"{mean[i, j]:.0%}" if is_share[j] and shown[i, j] else f"{mean[i, j]:.2f}"
            org_text = f"{org[j]:.0%}" if is_share[j] else f"{org[j]:.2f}"
            if not shown[i, j]:
                text[i, j] = style.hidden_mark(status[i, j], k)
                hover[i, j] = (
                    f"{team}<br>{labels[j]}<br>{privacy.status_explanation(status[i, j], k)}"
                )
                continue
            verdict = verdicts[i, j]
            mark = style.DIRECTION_MARKS.get(verdict, "")
            worse = (verdict == stats.HIGHER) != direction_good[j]
            z[i, j] = 0.0 if not mark else (-1.0 if worse else 1.0)
            text[i, j] = f"{mark}{value}"
            quality = "worse" if worse else "better"
            reading = (
                "could be chance"
                if not mark
                else f"{verdict} than the organisation beyond chance ({quality})"
            )
            hover[i, j] = (
                f"{team}<br>{labels[j]}: {value} (organisation {org_text})<br>{reading}"
                f"<br>{int(count[i, j])} respondents"
            )
    row_labels = team_labels(teams)
    fills = style.CELL_FILLS
    name_room = int(max((style.text_width(label, style.SMALL_SIZE) for label in labels), default=0))
    left, right = style.label_margin(row_labels.values()), int(name_room * 0.71) + 8
    text, text_size, figures_in_cells = _cell_text_that_fits(text, shown, left + right)
    figure = style.new_figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=np.array([row_labels[t] for t in teams], dtype=str),
            # numpy string arrays: plotly checks a list cell by cell (80 ms at 400 teams).
            text=np.array(text, dtype=str),
            texttemplate="%{text}",
            textfont={"size": text_size, "color": style.TEXT_COLOUR},
            hovertext=np.array(hover, dtype=str),
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=[
                [0.0, fills["worse"]],
                [1 / 3, fills["worse"]],
                [1 / 3, fills["same"]],
                [2 / 3, fills["same"]],
                [2 / 3, fills["better"]],
                [1.0, fills["better"]],
            ],
            zmin=-1.5,
            zmax=1.5,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    for role, fill in ((style.WORSE, fills["worse"]), (style.BETTER, fills["better"])):
        style.legend_entry(figure, style.Role(role.words, fill), symbol="square", words=role.words)
    style.legend_entry(figure, style.Role(style.SAME.words, fills["same"]), symbol="square-open")
    key = style.hidden_key(status.ravel().tolist(), k)
    marks = "\u25b2 higher, \u25bc lower than the organisation, beyond chance" + (
        "" if figures_in_cells else "; each figure is on hover and in the table"
    )
    bottom_note = style.note_lines(f"{marks}.   {key}" if key else marks, width=ROW_PLOT_WIDTH)
    style.note_under(figure, bottom_note, below=8)
    title_room = 30 if title is not None else 0
    legend_room = style.legend_height(
        [style.WORSE.words, style.BETTER.words, style.SAME.words], width=ROW_PLOT_WIDTH
    )
    top = title_room + legend_room + int(name_room * 0.71) + 18
    bottom = 20 * (bottom_note.count("<br>") + 1) + HEATMAP_NOTE_ROOM
    rows = style.row_height(row_labels.values())
    height = rows * len(teams) + top + bottom
    style.base_layout(
        figure,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
    )
    style.legend_layout(figure)
    figure.update_layout(
        plot_bgcolor=style.HIDDEN.colour,
        legend={"y": 1 - title_room / height, "yref": "container", "yanchor": "top"},
        xaxis={
            "side": "top",
            "tickangle": -45,
            "tickfont": {"size": style.SMALL_SIZE},
            "automargin": False,
        },
        yaxis={"automargin": False},
    )
    if title is not None:
        figure.update_layout(title=style.top_title(title))
    say_which_teams_are_drawn(figure, note)
    return figure


# The narrowest a page-wide chart is drawn (a page at 1024 px), margins included.
PAGE_CHART_WIDTH = style.ROW_PLOT_WIDTH + 88
CELL_TEXT_SIZES = (10, 9, 8)


def _cell_text_that_fits(
    text: np.ndarray, shown: np.ndarray, margins: int
) -> tuple[np.ndarray, int, bool]:
    """Cell texts at the largest size at which the widest fits its column on the
    narrowest page; else only the direction marks and hidden marks (the figures stay
    on hover and in the table). Returns (texts, size, whether figures are in cells)."""
    columns = text.shape[1] if text.ndim == 2 else 0
    if not columns:
        return text, CELL_TEXT_SIZES[0], True
    room = (PAGE_CHART_WIDTH - margins) / columns - 6  # the gap and a little air
    for size in CELL_TEXT_SIZES:
        if max(style.text_width(str(t), size) for t in text.ravel()) <= room:
            return text, size, True
    marks_only = text.copy()
    for i, j in zip(*np.nonzero(shown), strict=True):
        marks_only[i, j] = "".join(
            c for c in str(text[i, j]) if c in style.DIRECTION_MARKS.values()
        )
    return marks_only, CELL_TEXT_SIZES[0], False


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
    scale: tuple[float, float] = (1.0, 5.0),
) -> go.Figure:
    """Each team's figure as a dot with its 95% interval; organisation and national as lines.

    A dot is orange when the team is worse than the organisation beyond chance,
    blue when better, grey when the gap could be chance; beyond chance it points
    the way it differs (right when higher, left when lower), so the meaning
    never rests on colour. Hidden teams are a grey row with the reason. Every
    team mark carries the team name first in ``customdata``, so a click can
    focus the page on it; the reference lines are shapes, which no click selects.

    Args:
        figures: rows from ``figures.team_figures`` (highest value first).
        kind: "share" (0-1, Wilson interval) or "score" (1-5, t interval).
        axis_title: what the value axis measures.
        k: the minimum group size in force, for the hidden-team labels.
        organisation: the organisation's figure, drawn as a line across every row.
        national: a ``reference.NationalFigure`` drawn likewise, with source and year.
        worse: which verdict ("higher" or "lower") is bad for this measure.
        count_label: what the count is ("respondents", or "staff due" for records).
        scale: a score's whole scale (1-5, or an own measure's); the axis is fitted inside it.
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
    labels = team_labels(teams)
    shown = figures[figures["status"] == privacy.SHOWN]
    hidden = figures[figures["status"] != privacy.SHOWN]
    number = style.number_format(kind)
    axis = style.fitted_axis(
        [
            *shown["low"],
            *shown["high"],
            *shown["value"],
            organisation,
            national.share if national is not None else None,
        ],
        kind=kind,
        scale=scale,
    )
    roles = [style.verdict_role(v, worse=worse) for v in shown["verdict"]]
    better = stats.LOWER if worse == stats.HIGHER else stats.HIGHER
    figure = style.new_figure()
    figure.add_trace(
        go.Scatter(
            name="Team",
            mode="markers",
            x=shown["value"].tolist(),
            y=[labels[t] for t in shown["team"]],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["high"] - shown["value"]).tolist(),
                "arrayminus": (shown["value"] - shown["low"]).tolist(),
                "color": style.MUTED_TEXT,
                "thickness": 1.5,
                "width": 4,
            },
            marker={
                "color": [role.colour for role in roles],
                "symbol": [style.verdict_symbol(v) for v in shown["verdict"]],
                "size": 13,
                "line": {"width": 1, "color": "#ffffff"},
            },
            customdata=list(
                zip(
                    shown["team"],
                    shown["respondents"].astype("int64"),
                    shown["low"],
                    shown["high"],
                    [role.words.lower() for role in roles],
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
                + "<br>%{customdata[4]}<extra></extra>"
            ),
            showlegend=False,
        )
    )
    order = list(reversed([labels[t] for t in teams]))
    unit = "responses" if count_label == "respondents" else count_label
    hidden_rows(figure, hidden, labels=labels, order=order, k=k, x=axis.low, unit=unit)
    shapes = []
    legend = []
    for role, direction in ((style.WORSE, worse), (style.BETTER, better)):
        if role in roles:
            words = style.role_words(role, direction=direction)
            style.legend_entry(figure, role, words=words, symbol=style.verdict_symbol(direction))
            legend.append(words)
    if style.SAME in roles:
        style.legend_entry(figure, style.SAME)
        legend.append(style.SAME.words)
    for role, value, dash in (
        (style.ORGANISATION, organisation, "solid"),
        (style.NATIONAL, national.share if national is not None else None, "dot"),
    ):
        if value is None or not teams:
            continue
        words = f"{role.words} {style.format_number(value, kind)}"
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": value,
                "x1": value,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": role.colour, "width": 2, "dash": dash},
                # over the grey rows, under the dots and the words of a hidden row
                "layer": "below",
                "name": words,
            }
        )
        style.legend_entry(figure, role, words=words, line={"color": role.colour, "dash": dash})
        legend.append(words)
    title = axis_title
    if axis.scale_note():
        title = f"{axis_title}<br>({axis.scale_note()})"
    top = style.legend_height(legend, width=ROW_PLOT_WIDTH) if legend else 12
    bottom = style.axis_room(title)
    rows = style.row_height(labels.values())
    style.base_layout(
        figure,
        plot_height=max(160, rows * len(teams)),
        left=style.label_margin(labels.values()),
        right=axis.overhang,
        top=top,
        bottom=bottom,
    )
    style.legend_layout(figure)
    figure.update_layout(
        xaxis=axis.layout(title),
        yaxis={
            "categoryorder": "array",
            "categoryarray": order,
            "range": [-0.5, len(order) - 0.5],
            "automargin": False,
            "showgrid": False,
        },
        shapes=[*figure.layout.shapes, *shapes],
        clickmode="event+select",
        dragmode=False,
    )
    say_which_teams_are_drawn(figure, note)
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
    labels = team_labels(scores["team"].unique())
    by_label = {label: team for team, label in labels.items()}
    shown = scores[(scores["status"] == privacy.SHOWN)]
    low, high = stats.mean_interval(shown["mean_score"], shown["sd"], shown["respondents"])
    intervals = {
        (team, names.get(code)): (lo, hi)
        for team, code, lo, hi in zip(shown["team"], shown["construct"], low, high, strict=True)
    }
    hover = [list(row) for row in heatmap.hovertext]
    for i, label in enumerate(heatmap.y):
        for j, name in enumerate(heatmap.x):
            team = by_label.get(label, label)
            if (team, name) in intervals:
                lo, hi = intervals[(team, name)]
                hover[i][j] += f"<br>95% interval {lo:.2f} to {hi:.2f}"
    heatmap.hovertext = np.array(hover, dtype=str)
    return figure
