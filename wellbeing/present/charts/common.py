"""What every chart shares: colours, number formats, the kept figure, and which teams are drawn."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from wellbeing.core import kept
from wellbeing.present import plain


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


HIDDEN_GREY = "#d9d9d9"
WORSE_RED = "#c0392b"
BETTER_BLUE = "#2e6da4"
NEUTRAL = "#f7f7f7"
CHANCE_GREY = "#8c9bab"
ORGANISATION_COLOUR = "#222222"
NATIONAL_COLOUR = "#7b3294"
FOCUS_COLOUR = "#e67e22"

CONSTRUCT_NAMES_ROOM = 90  # px above a heatmap for its slanted construct names
LEGEND_ROOM = 50  # px above a chart for a legend in one row


def number_format(kind: str) -> str:
    """Plotly number format for a share (35%) or a 1-5 score (3.58)."""
    return ".0%" if kind == "share" else ".2f"


def verdict_colour(verdict: object, *, worse: str) -> str:
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


def point_mode(points: int) -> str:
    """Teams named beside their points, unless there are too many names to read.

    Hovering a point still names its team; hundreds of names overlap and slow the browser.
    """
    return "markers+text" if points <= MOST_TEAMS_DRAWN else "markers"


def distance_from(values: pd.Series, centre: float | None) -> pd.Series:
    """How far each value lies from the organisation's (from the median when it is hidden)."""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    if centre is None or pd.isna(centre):
        centre = values.median()
    return (values - float(centre)).abs()


def say_which_teams_are_drawn(
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


def plain_label(text: str) -> str:
    """Text from a file or a form (a question, a measure HR named) as Plotly shows it:
    as written, never read as Plotly's HTML tags (<b>, <a href=...>, <br>)."""
    return html.escape(str(text), quote=False)
