"""The visual language of every chart, in one place (docs/charts.md writes it down).

- **Roles**: one colour, one mark and one phrase per role (worse than the
  organisation, better, could be chance, the organisation, the national figure,
  a focused team, hidden). Colour never carries a meaning alone: a worse team's
  mark points the way it differs (higher or lower), and the legend says which.
- **Hidden groups**: one look everywhere, a light grey row or cell with its
  reason in words (privacy.status_text), or a short mark keyed in words where
  a heatmap cell has no room; hover and the table say more.
- **Numbers**: shares as percentages, scores with two decimals.
- **Layout**: margins from the longest label in the chart's own font, long
  names wrapped (the full name on hover and in the table), axes fitted to the
  figures with the scale stated. The same figure goes to the page, the PNG and
  the board pack, so it is sized here, not by the renderer.

No Streamlit, no queries.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

from wellbeing import privacy

# DejaVu Sans is Debian's own and what Chromium prints with here; on other
# machines Verdana (its metrics' cousin) or Arial stand in, which are no wider,
# so margins worked out for DejaVu Sans always fit.
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
FONT_SIZE = 12
SMALL_SIZE = 11
TEXT_COLOUR = "#222222"
MUTED_TEXT = "#4a4a4a"  # 8.9:1 on white, 5:1 on a hidden row or a heatmap cell
GRID_COLOUR = "#e5e5e5"


@dataclass(frozen=True)
class Role:
    """What a mark means, how it looks, and the words for it in a legend."""

    words: str
    colour: str
    symbol: str = "circle"
    pattern: str = ""


# Every colour has at least 3:1 contrast with white (WCAG 2.2, 1.4.11), and the
# roles that meet in one chart stay apart for protanopia, deuteranopia and
# tritanopia (tests/test_colour_vision.py simulates them).
WORSE = Role("Worse than the organisation", "#c44e00", pattern="/")
BETTER = Role("Better than the organisation", "#0b64a0", pattern=".")
SAME = Role("Could be chance", "#6e6e6e")
ORGANISATION = Role("Organisation", "#000000")
NATIONAL = Role("National figure", "#3f007d", symbol="diamond")
FOCUS = Role("Focused team", "#1b7837")
TEAM = Role("Team", "#1d8a7e")
OTHER_TEAMS = Role("Other teams", "#a9a9a9")
EVENT = Role("Change event", "#4d4d4d", symbol="triangle-down")
HIDDEN = Role("Hidden", "#d9d9d9")
# A heatmap cell's fill: light enough for black text (at least 7:1) and still apart.
CELL_FILLS = {"worse": "#f6bf9b", "better": "#a9cde8", "same": "#ffffff"}

# Parts of a whole in a fixed order (the support/challenge quadrants): one hue,
# dark to light, with patterns, so the order reads without colour.
SEQUENCE = ("#014d40", "#1d8a7e", "#6db8ae", "#c2e2dd")
SEQUENCE_PATTERNS = ("", "/", "\\", ".")
# Two sources of the same figure side by side (the survey against the records).
SOURCES = {
    "survey": Role("Survey", TEAM.colour),
    "records": Role("Records", "#4d4d4d", pattern="/"),
}

HIGHER, LOWER = "higher", "lower"
DIRECTION_SYMBOLS = {HIGHER: "triangle-right", LOWER: "triangle-left"}
# In a heatmap cell (read up and down the column): the direction of a gap beyond chance.
DIRECTION_MARKS = {HIGHER: "\u25b2", LOWER: "\u25bc"}


def verdict_role(verdict: object, *, worse: str) -> Role:
    """The role of a team's verdict against the organisation (``worse`` is the bad direction)."""
    if verdict == worse:
        return WORSE
    if verdict in (HIGHER, LOWER):
        return BETTER
    return SAME


def verdict_symbol(verdict: object) -> str:
    """Which way the mark points: right when higher beyond chance, left when lower."""
    return DIRECTION_SYMBOLS.get(verdict, "circle")


def role_words(role: Role, *, direction: str | None = None) -> str:
    """The legend's words for a role, with the direction it means on this chart."""
    if direction is None:
        return role.words
    return f"{role.words} ({direction})"


# Short marks for a hidden heatmap cell, keyed in words under the chart.
def hidden_mark(status: str, k: int) -> str:
    return {privacy.BELOW_K: f"<{k}", privacy.PROTECTS_SMALLER: "\u2020"}.get(status, "\u2013")


def hidden_key(statuses: Iterable[str], k: int) -> str:
    """The words for the hidden marks a heatmap uses, e.g. "<5: fewer than 5 responses"."""
    present = [s for s in privacy.STATUSES if s != privacy.SHOWN and s in set(statuses)]
    return "   ".join(f"{hidden_mark(s, k)} {privacy.status_text(s, k)}" for s in present)


# --- Numbers -------------------------------------------------------------------------

SHARE, SCORE = "share", "score"


def number_format(kind: str) -> str:
    """Plotly number format for a share (35%) or a score (3.58)."""
    return ".0%" if kind == SHARE else ".2f"


def format_number(value: float, kind: str) -> str:
    return f"{value:.0%}" if kind == SHARE else f"{value:.2f}"


# --- Text and layout -------------------------------------------------------------------

# Advance widths of DejaVu Sans, in thousandths of the font size, for characters
# 32-126 (measured from Debian's DejaVuSans.ttf). Other characters count as an "M".
_ADVANCE = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698,
    770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732,
    684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635,
    634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592,
    525, 636, 337, 636, 838,
)  # fmt: skip
_WIDEST = 1000


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width of one line of text in pixels, in the charts' font at ``size``."""
    total = 0
    for character in text:
        code = ord(character)
        total += _ADVANCE[code - 32] if 32 <= code < 127 else _WIDEST
    return total * size / 1000


def lines_width(text: str, size: float = FONT_SIZE) -> float:
    """The width of the widest line of a label broken with ``<br>``."""
    return max((text_width(line, size) for line in text.split("<br>")), default=0.0)


# The narrowest plot a row chart is drawn at (a page at 1024 px): legends, notes and
# words after bars are laid out for it, and wider plots fit them in fewer lines.
ROW_PLOT_WIDTH = 420
LABEL_CHARACTERS = 22  # a team name wraps after about this many characters
LABEL_LINES = 2  # and is shortened (full name on hover and in the table) beyond this


def wrap_label(name: str, *, characters: int = LABEL_CHARACTERS, lines: int = LABEL_LINES) -> str:
    """A long name on at most ``lines`` lines (``<br>``-joined), shortened with an ellipsis."""
    wrapped = textwrap.wrap(str(name), width=characters, break_long_words=True) or [""]
    if len(wrapped) > lines:
        last = " ".join(wrapped[lines - 1 :])
        wrapped = [*wrapped[: lines - 1], last[: characters - 1].rstrip() + "\u2026"]
    return "<br>".join(wrapped)


def label_margin(labels: Iterable[str], *, size: float = FONT_SIZE, gap: int = 14) -> int:
    """Room for the longest (wrapped) label beside an axis, in pixels."""
    return math.ceil(max((lines_width(label, size) for label in labels), default=0.0)) + gap


def row_height(labels: Iterable[str]) -> int:
    """Height of one category row: two-line labels need more room than one-line ones."""
    most = max((label.count("<br>") + 1 for label in labels), default=1)
    return 26 if most == 1 else 36


@dataclass(frozen=True)
class Axis:
    """A value axis fitted to the figures: its range, ticks and the words saying its scale."""

    low: float
    high: float
    ticks: tuple[float, ...]
    kind: str
    scale: tuple[float, float] = (1.0, 5.0)  # a score's whole scale (HR's own may differ)

    @property
    def tick_text(self) -> list[str]:
        if self.kind == SHARE:
            return [f"{t:.0%}" for t in self.ticks]
        whole = all(float(t).is_integer() for t in self.ticks)
        return [f"{t:.0f}" if whole else f"{t:.1f}" for t in self.ticks]

    def scale_note(self) -> str:
        """For a score axis cut to the figures: what the whole scale is."""
        scale = self.scale
        if self.kind == SHARE or (self.low, self.high) == scale:
            return ""
        return f"{scale[0]:g}\u2013{scale[1]:g} scale, axis from {self.low:g} to {self.high:g}"

    def layout(self, title: str) -> dict:
        """The axis's layout; a long title is wrapped to the narrowest plot."""
        return {
            "title": {"text": wrap_title(title), "standoff": 8},
            "range": [self.low, self.high],
            "tickmode": "array",
            "tickvals": list(self.ticks),
            "ticktext": self.tick_text,
            "zeroline": False,
            "gridcolor": GRID_COLOUR,
            "tickfont": {"color": TEXT_COLOUR},
            # clear of the other axis's first label where the two meet in a corner
            "ticklabelstandoff": 6,
            "automargin": False,
        }

    @property
    def overhang(self) -> int:
        """How far the last tick label reaches past the end of the axis (half its width)."""
        return math.ceil(text_width(self.tick_text[-1]) / 2) + 4 if self.ticks else 0


def fitted_axis(
    values: Iterable[float | None],
    *,
    kind: str,
    scale: tuple[float, float] = (1.0, 5.0),
    pad: float = 0.0,
) -> Axis:
    """An axis that holds every value (``pad`` beyond them, for a mark's size), with round ticks.

    Shares run from 0 to a round share at or above the largest (100% at most);
    scores from a half point at or below the smallest to one at or above the
    largest, inside the scale.
    """
    numbers = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if kind == SHARE:
        top = max(numbers, default=1.0) + pad
        step = 0.1 if top <= 0.5 else 0.2
        high = min(1.0, math.ceil(top / step - 1e-9) * step) if top > 0 else step
        ticks = tuple(round(i * step, 10) for i in range(int(round(high / step)) + 1))
        return Axis(0.0, round(high, 10), ticks, SHARE)
    lowest, highest = scale
    if numbers:
        lowest = max(scale[0], math.floor((min(numbers) - pad) * 2 + 1e-9) / 2)
        highest = min(scale[1], math.ceil((max(numbers) + pad) * 2 - 1e-9) / 2)
        if highest - lowest < 1:
            highest = min(scale[1], lowest + 1)
            lowest = max(scale[0], highest - 1)
    step = 0.5 if highest - lowest <= 2 else 1.0
    first = math.ceil(lowest / step - 1e-9) * step
    count = int(math.floor((highest - first) / step + 1e-9))
    ticks = tuple(round(first + i * step, 10) for i in range(count + 1))
    return Axis(lowest, highest, ticks, SCORE, (float(scale[0]), float(scale[1])))


# Plotly's plain white look, not Streamlit's theme: the page, the PNG and the board pack
# then draw the same figure (pages pass theme=None).
TEMPLATE = "plotly_white"


def new_figure(data=None) -> go.Figure:
    """A figure in the house template: every chart starts here.

    Plotly gives a new figure its *default* template as it stands, where setting
    ``template=`` validates the whole template again (18 ms a chart). Streamlit
    makes its own theme the default when it is imported, so the house template is
    made the default here, before each figure, whatever was imported since.
    """
    if pio.templates.default != TEMPLATE:
        pio.templates.default = TEMPLATE
    return go.Figure(data)


def base_layout(
    figure: go.Figure,
    *,
    left: int,
    top: int,
    bottom: int,
    right: int = 16,
    height: int | None = None,
    plot_height: int | None = None,
) -> None:
    """The layout every chart shares: its font, white background and explicit margins.

    Give the whole ``height``, or the ``plot_height`` and let the margins add to it.
    """
    figure.update_layout(
        font={"family": FONT_FAMILY, "size": FONT_SIZE, "color": TEXT_COLOUR},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        height=height if height is not None else (plot_height or 0) + top + bottom,
        margin={"l": left, "r": right, "t": top, "b": bottom, "pad": 4},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )


def legend_layout(figure: go.Figure) -> None:
    """A legend in one horizontal row under the title, where it cannot cover a mark."""
    figure.update_layout(
        showlegend=True,
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yanchor": "bottom",
            "yref": "paper",
            "font": {"size": SMALL_SIZE},
            "itemclick": False,
            "itemdoubleclick": False,
        },
    )


def legend_height(entries: Iterable[str], *, width: float) -> int:
    """Room a horizontal legend of these entries needs above the plot at ``width`` pixels."""
    rows, used = 1, 0.0
    for entry in entries:
        item = text_width(entry, SMALL_SIZE) + 48  # the mark, its gap and the spacing after
        if used and used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows * 22 + 6


def legend_entry(figure: go.Figure, role: Role, *, words: str | None = None,
                 symbol: str | None = None, line: dict | None = None) -> None:  # fmt: skip
    """A legend item for a role drawn by shapes or by marks spread over several traces."""
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines" if line else "markers",
            name=words or role.words,
            marker={
                "symbol": symbol or role.symbol,
                "color": role.colour,
                "size": 11,
                "line": {"color": role.colour, "width": 1.5},
            },
            line=line or {},
            hoverinfo="skip",
            showlegend=True,
        )
    )


def note_under(figure: go.Figure, text: str, *, below: int) -> None:
    """A note in small muted text under the plot, ``below`` pixels down from its bottom edge."""
    figure.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-below,
        showarrow=False,
        align="left",
        font={"size": SMALL_SIZE, "color": MUTED_TEXT},
    )


def top_title(text: str, *, size: int = 13) -> dict:
    """A title at the figure's top left (container coordinates), above any legend."""
    return {
        "text": text,
        "x": 0,
        "xanchor": "left",
        "xref": "container",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 8, "l": 6},
        "font": {"size": size},
    }


def words_overhang(texts: Iterable[str], values: Iterable[float], axis: Axis) -> int:
    """Room right of a bar axis for words printed after each bar, at the narrowest plot."""
    return max(
        [axis.overhang]
        + [
            int(text_width(text, SMALL_SIZE) - ROW_PLOT_WIDTH * (1 - value / axis.high)) + 16
            for text, value in zip(texts, values, strict=True)
        ]
    )


TITLE_WIDTH = 400  # px: axis titles wrap to fit the narrowest plot


def wrap_title(title: str, *, width: float = TITLE_WIDTH) -> str:
    """An axis title whose every line fits ``width`` pixels (existing ``<br>`` kept)."""
    return "<br>".join(
        note_lines(line, width=width, size=FONT_SIZE) for line in title.split("<br>")
    )


def title_lines(title: str) -> int:
    """How many lines :func:`wrap_title` makes of ``title``."""
    return wrap_title(title).count("<br>") + 1


def axis_room(title: str) -> int:
    """Room under a plot for the bottom axis's tick labels and its (wrapped) title."""
    return 52 + 17 * (title_lines(title) - 1)


def note_lines(text: str, *, width: float, size: float = SMALL_SIZE) -> str:
    """A note wrapped (``<br>``) to fit ``width`` pixels in the chart's font."""
    per_line = max(20, int(width / (text_width("n", size) * 1.05)))
    return "<br>".join(textwrap.wrap(text, width=per_line))


def warm_up() -> None:
    """Build and serialise one throwaway figure using every kind of trace and layout part
    the charts use.

    Plotly imports its validators the first time each property is set: a process's
    first chart took 0.4 s to build and later ones under 0.1 s. Run at server start
    (wellbeing.ui.run.warm_start), so the first leader's first chart does not pay it.
    """
    figure = new_figure()
    figure.add_trace(
        go.Scatter(
            x=[1.0, 2.0],
            y=["a", "b"],
            mode="markers+text+lines",
            marker={"symbol": "diamond", "color": TEXT_COLOUR, "size": 9, "line": {"width": 1}},
            line={"dash": "dot", "width": 2, "color": TEXT_COLOUR},
            error_x={"type": "data", "array": [0.1, 0.1], "visible": True},
            error_y={"type": "data", "array": [0.1, 0.1], "visible": True},
            text=["1", "2"],
            textposition="middle right",
            texttemplate="%{text}",
            customdata=[["a"], ["b"]],
            hovertemplate="%{customdata[0]}<extra></extra>",
            showlegend=False,
        )
    )
    figure.add_trace(
        go.Bar(
            x=[1.0, 2.0],
            y=["a", "b"],
            orientation="h",
            marker={"color": [TEXT_COLOUR, TEXT_COLOUR], "pattern": {"shape": "/"}},
            error_x={"type": "data", "array": [0.1, 0.1]},
            text=["1", "2"],
            textposition="outside",
            customdata=[["a"], ["b"]],
            hovertemplate="%{customdata[0]}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Heatmap(
            z=[[1.0, 2.0], [3.0, None]],
            x=["a", "b"],
            y=["c", "d"],
            colorscale=[[0, "#ffffff"], [1, TEXT_COLOUR]],
            zmin=0,
            zmax=4,
            showscale=False,
            xgap=2,
            ygap=2,
            text=[["1", "2"], ["3", ""]],
            texttemplate="%{text}",
            customdata=[["a", "b"], ["c", "d"]],
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    base_layout(figure, left=100, top=40, bottom=40, plot_height=200)
    legend_layout(figure)
    legend_entry(figure, Role("warm", TEXT_COLOUR))
    note_under(figure, "note", below=20)
    figure.add_shape(type="rect", x0=0, x1=1, y0=0, y1=1, xref="paper", yref="paper")
    figure.add_vline(x=1.0, line={"dash": "dash", "color": TEXT_COLOUR})
    figure.add_hline(y=1.0, line={"dash": "dash", "color": TEXT_COLOUR})
    figure.update_xaxes(
        title={"text": "x", "font": {"size": SMALL_SIZE}},
        range=[0, 3],
        tickformat=".0%",
        tickfont={"size": SMALL_SIZE},
        showgrid=True,
    )
    figure.update_yaxes(
        autorange="reversed",
        automargin=False,
        ticklabelposition="outside",
        tickfont={"size": SMALL_SIZE},
        title={"text": "y", "font": {"size": SMALL_SIZE}},
    )
    figure.update_layout(title=top_title("title"), bargap=0.3, barmode="overlay")
    figure.to_dict()
    figure.to_json()
