"""Downloads: tables as CSV and XLSX, charts as PNG. No Streamlit.

Tables handed here have already been through the confidentiality engine
(``tables.Table``, whose "Hidden because" column says why a row has no figure);
this module writes hidden cells as empty, never as numbers, keeps numbers
typed, and never lets text run as a formula (``wellbeing.core.spreadsheets``,
which the imports' rejected-cells CSV uses too). A chart's PNG carries its
title and source (``titled_figure``).
"""

from __future__ import annotations

import io
import threading

import pandas as pd
import plotly.graph_objects as go

from wellbeing.core.spreadsheets import FORMULA_PREFIXES, neutralise_formulas
from wellbeing.present import plain, tables
from wellbeing.present.charts import style

PNG_SCALE = 2  # sharp enough to paste into a board paper
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 560
# A workbook's number formats by the kind of value a column holds.
EXCEL_FORMATS = {
    tables.SHARE: "0%",
    tables.SCORE: "0.00",
    tables.COUNT: "#,##0",
    tables.NUMBER: "0.00",
    tables.DATE: "d mmm yyyy",
    tables.DATETIME: "d mmm yyyy hh:mm",
}


def readable(frame: pd.DataFrame, *, k: int) -> tables.Table:
    """A gated query table as a reader sees it: readable headings, hidden cells saying why.

    Every column keeps its values (numbers stay numbers) under a heading made
    from its name ("mean_score" reads "Mean score"); the gate's status becomes
    "Hidden because". ``k`` is the threshold the rows were gated with (a
    ``min_group_size`` column gives each row its own).

    Raises ValueError for a table with no gate status, so that survey figures
    cannot be exported without passing the engine first.
    """
    columns = {}
    for column in frame.columns:
        if column in ("status", "min_group_size"):
            continue
        values = frame[column]
        kind = (
            tables.SHARE
            if column.startswith("share") or column.endswith(("_share", "_rate"))
            else tables.COUNT
            if column in ("respondents", "headcount", "staff_due", "workers")
            or pd.api.types.is_integer_dtype(values)
            else tables.SCORE
            if pd.api.types.is_float_dtype(values)
            else tables.TEXT
        )
        columns[column] = (heading(column), kind)
    return tables.gated_table(frame, columns=columns, k=k)


def heading(column: str) -> str:
    """A column name as a heading: "mean_score" -> "Mean score"."""
    words = str(column).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _as_table(table: tables.Table | pd.DataFrame) -> tables.Table:
    return table if isinstance(table, tables.Table) else tables.Table(table, {})


def csv_bytes(table: tables.Table | pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (Excel then reads accents correctly).

    Shares are written as percentages ("35.2%"), which spreadsheets read as
    numbers; scores with two decimals, counts as whole numbers. Text a
    spreadsheet would run as a formula starts with an apostrophe: a CSV cell
    cannot be marked as text any other way.
    """
    table = _as_table(table)
    out = pd.DataFrame(index=table.frame.index)
    for column in table.frame.columns:
        values = table.frame[column]
        kind = table.kind(column)
        if kind == tables.SHARE:
            out[column] = values.map(lambda v: "" if tables.missing(v) else f"{float(v):.1%}")
        elif kind == tables.SCORE:
            out[column] = values.map(lambda v: "" if tables.missing(v) else f"{float(v):.2f}")
        elif kind == tables.COUNT:
            out[column] = values.map(lambda v: "" if tables.missing(v) else str(int(v)))
        elif kind == tables.DATE:
            out[column] = values.map(lambda v: "" if tables.missing(v) else f"{v:%Y-%m-%d}")
        elif kind == tables.DATETIME:
            out[column] = values.map(lambda v: "" if tables.missing(v) else f"{v:%Y-%m-%d %H:%M}")
        else:
            out[column] = values.map(lambda v: "" if tables.missing(v) else v)
    return neutralise_formulas(out).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(table: tables.Table | pd.DataFrame, *, sheet_name: str = "Data") -> bytes:
    """The table as an Excel workbook: typed numbers with formats, text kept as text.

    A text cell is written as text (never a formula, however it starts), so it
    needs no visible apostrophe; a hidden figure is an empty cell.
    """
    # Imported here: openpyxl takes a quarter of a second to import, and every page
    # imports this module, but only a click on "Excel" needs it.
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    table = _as_table(table)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    columns = list(table.frame.columns)
    for number, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=number)
        _text_cell(cell, str(column))
        cell.font = Font(bold=True)
    for row_number, row in enumerate(table.frame.itertuples(index=False), start=2):
        for number, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = sheet.cell(row=row_number, column=number)
            kind = table.kind(column)
            if tables.missing(value):
                continue
            if kind in (tables.DATE, tables.DATETIME):
                cell.value = pd.Timestamp(value).tz_localize(None).to_pydatetime()
            elif kind in EXCEL_FORMATS or isinstance(value, int | float) and kind != tables.TEXT:
                cell.value = float(value)
            else:
                _text_cell(cell, str(value))
                continue
            cell.number_format = EXCEL_FORMATS.get(kind, "General")
    for number, column in enumerate(columns, start=1):
        longest = max(
            [len(str(column))]
            + [
                len(tables.screen_value(v, table.kind(column)))
                for v in table.frame[column].head(500)
            ]  # fmt: skip
        )
        sheet.column_dimensions[get_column_letter(number)].width = min(60, longest + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(cell, text: str) -> None:
    """Text as text: never a formula, and marked so that editing it keeps it text."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


_kaleido_lock = threading.Lock()
_kaleido_started = False


def _start_kaleido() -> None:
    """Start kaleido's browser once per process (~2 s), then reuse it (~0.3 s a chart).

    Kaleido finds Debian's /usr/bin/chromium by itself and closes its browser
    at exit; :func:`stop_image_server` closes it earlier (tests do, so that the
    browser's temporary profile is removed before the interpreter shuts down).
    """
    global _kaleido_started
    with _kaleido_lock:
        if _kaleido_started:
            return
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        _kaleido_started = True


def stop_image_server() -> None:
    """Close kaleido's browser if this process started it."""
    global _kaleido_started
    with _kaleido_lock:
        if not _kaleido_started:
            return
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _kaleido_started = False


def figure_image(
    figure: go.Figure,
    *,
    image_format: str = "png",
    width: int | None = None,
    height: int | None = None,
    scale: float = PNG_SCALE,
) -> bytes:
    """The chart rendered as PNG (or SVG, or PDF) bytes, in the size it is drawn on screen."""
    import kaleido

    _start_kaleido()
    layout = figure.layout
    return kaleido.calc_fig_sync(
        figure.to_dict(),
        opts={
            "format": image_format,
            "width": width or layout.width or DEFAULT_WIDTH,
            "height": height or layout.height or DEFAULT_HEIGHT,
            "scale": scale,
        },
    )


def titled_figure(figure: go.Figure, *, title: str, source: str) -> go.Figure:
    """A copy of a chart with its title above and its source under it, for an image on its own."""
    copy = go.Figure(figure)
    margin = copy.layout.margin
    height = copy.layout.height or DEFAULT_HEIGHT
    note = copy.layout.title.text
    heading = f"<b>{plain.html(title)}</b>" + (f"<br>{note}" if note else "")
    title_room = 34 + 18 * (note.count("<br>") + 1 if note else 0)
    copy.update_layout(
        title=style.top_title(heading, size=16),
        margin={"t": (margin.t or 0) + title_room, "b": (margin.b or 0) + 28},
        height=height + title_room + 28,
    )
    if copy.layout.legend.yref == "container":
        copy.update_layout(legend={"y": 1 - title_room / (height + title_room + 28)})
    style.note_under(copy, plain.html(source), below=(margin.b or 0) + 6)
    return copy


def figure_png(figure: go.Figure, *, title: str | None = None, source: str | None = None) -> bytes:
    """The chart as a PNG for a board paper, with its title and source when given."""
    if title is not None:
        figure = titled_figure(figure, title=title, source=source or "")
    return figure_image(figure, image_format="png", width=DEFAULT_WIDTH)


def file_stem(title: str) -> str:
    """A safe file name from a title: "Children's services" -> "childrens-services"."""
    cleaned = "".join(ch.lower() if ch.isalnum() else "" if ch in "'’" else "-" for ch in title)
    return "-".join(part for part in cleaned.split("-") if part) or "export"
