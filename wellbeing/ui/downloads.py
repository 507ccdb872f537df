"""Download buttons for charts and gated tables, each press written to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.present import plain, tables
from wellbeing.present.exports import csv_bytes, figure_png, xlsx_bytes
from wellbeing.ui import run, session


def audited_download(make: Callable[[], bytes], *, file_name: str) -> Callable[[], bytes]:
    """Wrap a deferred download so that pressing the button is written to the audit log.

    Streamlit calls ``make`` when the button is pressed, outside the script run,
    so the user and the shared connection are taken now and used then.
    """
    user = session.current_user() or roles.User(name="unknown", role="")
    shared = run.shared_database()

    def make_and_record() -> bytes:
        data = make()
        audit_log.record(shared.cursor(), user=user, action=audit_log.DOWNLOAD, detail=file_name)
        return data

    return make_and_record


def chart_download(figure, *, key: str, file_stem: str, title: str, source: str) -> None:
    """A 'PNG' download button for a chart: the image carries its title and source.

    The image is rendered only when the button is pressed (Streamlit runs the
    callable then), so pages stay fast.
    """
    file_name = f"{file_stem}.png"
    st.download_button(
        "PNG",
        data=audited_download(
            lambda: figure_png(figure, title=title, source=source), file_name=file_name
        ),
        file_name=file_name,
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
        help=f"Download \u201c{plain.markdown(title)}\u201d as an image",
    )


def table_downloads(rows: tables.Table, *, key: str, file_stem: str, row=None) -> None:
    """CSV and XLSX download buttons for a table that has passed the confidentiality engine.

    The table is the one on screen: readable headings, typed numbers, hidden
    rows saying why and carrying no figure (``present.tables``). The buttons go
    side by side into ``row`` (a horizontal container), or a row of their own.
    """
    row = row or st.container(horizontal=True, gap="small")
    row.download_button(
        "CSV",
        data=audited_download(lambda: csv_bytes(rows), file_name=f"{file_stem}.csv"),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
        help="Download the table as CSV",
    )
    row.download_button(
        "XLSX",
        data=audited_download(lambda: xlsx_bytes(rows), file_name=f"{file_stem}.xlsx"),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
        help="Download the table as an Excel workbook",
    )
