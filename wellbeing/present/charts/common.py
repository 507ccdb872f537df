"""What every chart shares: the kept figure, which teams are drawn, and their labels.

The look (colours, marks, fonts, margins) is ``style``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core import kept
from wellbeing.present import plain, words
from wellbeing.present.charts import style


class KeptFigure(go.Figure):
    """A chart kept between reruns, which nobody changes after it is drawn.

    ``st.plotly_chart`` turns its figure into a dict on every rerun that shows
    it: a deep copy of every label and value. For a figure that never changes,
    that dict is worked out once.
    """

    def to_dict(self) -> dict:
        if "_dict_once" not in self.__dict__:
            self._dict_once = super().to_dict()
        return self._dict_once


def drawn_once(draw: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """:func:`kept.drawn_once` (wellbeing.core.kept) for a chart, as a :class:`KeptFigure`.

    Every text in the chart's arguments (team names, titles, labels) is escaped on
    the way in (``plain.html_data``), so a name such as ``<a href=...>`` is drawn as
    typed, never as Plotly markup; the chart's own ``<br>`` and ``<b>`` still work.
    """

    @functools.wraps(draw)
    def drawn(*arguments, **keywords) -> go.Figure:
        figure = draw(
            *(plain.html_data(a) for a in arguments),
            **{name: plain.html_data(value) for name, value in keywords.items()},
        )
        figure.__class__ = KeptFigure  # same fields; only to_dict is kept
        return figure

    return kept.drawn_once(drawn)


# px under a heatmap, besides its key, before the figure's edge.
HEATMAP_NOTE_ROOM = 8


MOST_TEAMS_DRAWN = 40
"""A team chart draws at most this many teams: the ones that stand out.

Hundreds of teams make a chart nobody can read, and the browser redraws it on
every click. The readings beside each chart still count every team, and
filtering by service draws that service's teams.
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


def distance_from(values: pd.Series, centre: float | None) -> pd.Series:
    """How far each value lies from the organisation's (from the median when it is hidden)."""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    if centre is None or pd.isna(centre):
        centre = values.median()
    return (values - float(centre)).abs()


def team_labels(teams) -> dict[str, str]:
    """Each team's label on an axis: wrapped or shortened (``style.wrap_label``), each unique.

    The full name stays on hover, in the table and in ``customdata`` for a click.
    """
    labels: dict[str, str] = {}
    used: set[str] = set()
    for team in teams:
        team = str(team)
        label = style.wrap_label(team)
        if label in used:  # two long names that shorten alike keep their full names
            label = team
        labels[team] = label
        used.add(label)
    return labels


def say_which_teams_are_drawn(figure: go.Figure, note: str | None) -> None:
    """Put ``most_notable``'s note above the chart (under any title), making room for it."""
    if note is None:
        return
    title = figure.layout.title.text
    lines = note.count("<br>") + 1
    room = 18 * lines + 8
    styled = f'<span style="font-size:{style.SMALL_SIZE}px;color:{style.MUTED_TEXT}">{note}</span>'
    figure.update_layout(
        title={
            "text": f"{title}<br>{styled}" if title else styled,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 6, "l": 4},
        },
        margin={"t": figure.layout.margin.t + room + (18 if title else 0)},
        height=figure.layout.height + room,
    )
    if figure.layout.legend.yref == "container":
        figure.update_layout(legend={"y": 1 - room / figure.layout.height})


# Plot widths a scatter's labels must fit at: the narrowest a chart is drawn (a page
# at 1024 px, the board pack) to the widest (a wide screen); its height is fixed.
LABEL_PLOT_WIDTHS = (420, 520, 640, 760, 900, 1080, 1260, 1420)
_LABEL_POSITIONS = ("middle right", "middle left", "top center", "bottom center")


def _label_box(
    x: float, y: float, width: float, height: float, radius: float, position: str
) -> tuple[float, float, float, float]:
    gap = radius + 4
    if position == "middle right":
        return x + gap, y - height / 2, x + gap + width, y + height / 2
    if position == "middle left":
        return x - gap - width, y - height / 2, x - gap, y + height / 2
    if position == "top center":
        return x - width / 2, y - gap - height, x + width / 2, y - gap
    return x - width / 2, y + gap, x + width / 2, y + gap + height


def _apart(a: tuple[float, ...], b: tuple[float, ...], pad: float = 3) -> bool:
    return a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1]


def point_mode(texts: list[str]) -> str:
    """Markers with their names where any name was placed, markers alone otherwise."""
    return "markers+text" if any(texts) else "markers"


def place_labels(
    x: list[float],
    y: list[float],
    names: list[str],
    *,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    plot_height: float,
    radii: list[float],
    size: float = style.SMALL_SIZE,
) -> tuple[list[str], list[str]]:
    """Text and text position for each point: its name where that fits, else nothing.

    Points are taken in order (most notable first). A name goes right, left,
    above or below its point, the first place where, at every plot width in
    ``LABEL_PLOT_WIDTHS``, it stays inside the plot and clear of every name
    already placed; a point with no such place is named on hover and in the
    table only. The height is fixed, so only the width can move points apart.
    """
    if len(names) > MOST_TEAMS_DRAWN:  # hundreds of names: on hover only (50 ms a chart)
        return [""] * len(names), ["middle right"] * len(names)
    height = size * 1.25
    widths = [style.text_width(name, size) for name in names]
    placed: list[dict[int, tuple[float, float, float, float]]] = []
    texts, positions = [""] * len(names), ["middle right"] * len(names)
    (x0, x1), (y0, y1) = x_range, y_range
    for i in range(len(names)):
        for position in _LABEL_POSITIONS:
            boxes = {}
            for plot_width in LABEL_PLOT_WIDTHS:
                px = (x[i] - x0) / (x1 - x0) * plot_width
                py = (1 - (y[i] - y0) / (y1 - y0)) * plot_height
                box = _label_box(px, py, widths[i], height, radii[i], position)
                inside = box[0] >= 2 and box[2] <= plot_width - 2 and box[1] >= 2
                if not inside or box[3] > plot_height - 2:
                    break
                if any(not _apart(box, other[plot_width]) for other in placed):
                    break
                boxes[plot_width] = box
            else:
                placed.append(boxes)
                texts[i], positions[i] = names[i], position
                break
    return texts, positions


ROW_PLOT_WIDTH = style.ROW_PLOT_WIDTH


def hidden_rows(
    figure: go.Figure,
    hidden: pd.DataFrame,
    *,
    labels: dict[str, str],
    order: list[str],
    k: int | list[int],
    x: float,
    texts: list[str] | None = None,
    unit: str = "responses",
) -> None:
    """Hidden groups as every row chart draws them: a grey band across the row, the reason in words.

    Args:
        hidden: rows with ``team`` and the gate ``status``.
        labels: each team's axis label; ``order`` the axis's categories, bottom first.
        k: the threshold the rows were gated with (one per row where they differ).
        x: where the words start (the start of the value axis).
        texts: the words for each row, when they say more than the status (a headcount).
        unit: what the threshold counts ("responses", or "staff due" for records).
    """
    if hidden.empty:
        return
    thresholds = [k] * len(hidden) if isinstance(k, int) else list(k)
    statuses = hidden["status"].tolist()
    for team in hidden["team"].astype("str"):
        row = order.index(labels[team])
        figure.add_shape(
            type="rect",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=row - 0.4,
            y1=row + 0.4,
            fillcolor=style.HIDDEN.colour,
            line={"width": 0},
            layer="below",
        )
    figure.add_trace(
        go.Scatter(
            name="Hidden",
            x=[x] * len(hidden),
            y=[labels[t] for t in hidden["team"].astype("str")],
            mode="text",
            text=texts
            or [
                words.hidden_because(s, t, unit=unit)
                for s, t in zip(statuses, thresholds, strict=True)
            ],
            textposition="middle right",
            textfont={"color": style.MUTED_TEXT, "size": style.SMALL_SIZE},
            customdata=[[team] for team in hidden["team"]],
            hovertext=[
                privacy.status_explanation(s, t) for s, t in zip(statuses, thresholds, strict=True)
            ],
            hovertemplate="%{customdata[0]}<br>%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
