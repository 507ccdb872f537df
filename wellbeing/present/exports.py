"""Downloads: tables as CSV and XLSX, charts as PNG. No Streamlit.

Tables handed here have already been through the confidentiality engine
(their ``status`` column says so); this module writes hidden cells as words,
never as numbers, and neutralises text a spreadsheet would run as a formula
(``wellbeing.core.spreadsheets``, which the imports' rejected-cells CSV uses too).
"""

from __future__ import annotations

import io
import threading

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core.spreadsheets import neutralise_formulas

STATUS_COLUMN = "status"
PNG_SCALE = 2  # sharp enough to paste into a board paper
DEFAULT_WIDTH = 1000
DEFAULT_HEIGHT = 560


def readable(frame: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """A gated table as a reader sees it: the status code replaced by what it means.

    ``k`` is the threshold the table was gated with; a ``min_group_size``
    column, where present, gives each row's own (sensitive groups use a
    stricter one).

    Raises ValueError for a table with no gate status, so that survey figures
    cannot be exported without passing the engine first.
    """
    if STATUS_COLUMN not in frame.columns:
        raise ValueError(
            "this table has not been through the confidentiality engine (no status column)"
        )
    out = frame.copy()
    thresholds = out["min_group_size"] if "min_group_size" in out.columns else [k] * len(out)
    out[STATUS_COLUMN] = [
        privacy.status_text(status, int(row_k)) or "shown"
        for status, row_k in zip(out[STATUS_COLUMN], thresholds, strict=True)
    ]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (Excel then reads accents correctly)."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, *, sheet_name: str = "Data") -> bytes:
    """The table as an Excel workbook with one sheet."""
    buffer = io.BytesIO()
    safe = neutralise_formulas(frame)
    # openpyxl writes pandas' missing markers as empty cells only when they are None.
    safe = safe.astype(object).where(safe.notna(), None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()


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


def figure_png(figure: go.Figure) -> bytes:
    """The chart as a PNG for a board paper."""
    return figure_image(figure, image_format="png")


def file_stem(title: str) -> str:
    """A safe file name from a title: 'High stress by team' -> 'high-stress-by-team'."""
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in title)
    return "-".join(part for part in cleaned.split("-") if part) or "export"
