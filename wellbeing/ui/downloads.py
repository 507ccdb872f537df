"""Download buttons for charts and gated tables, each press written to the audit log."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from wellbeing import privacy
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.present import plain
from wellbeing.present.exports import csv_bytes, figure_png, file_stem, readable, xlsx_bytes
from wellbeing.ui import run, session


def hidden_note(k: int) -> str:
    """The caption under any chart of survey figures."""
    return (
        f"Groups with fewer than {k} respondents show no score or count "
        f"(\u201c{privacy.status_text(privacy.BELOW_K, k)}\u201d); others may be "
        f"\u201c{privacy.status_text(privacy.PROTECTS_SMALLER, k)}\u201d so that totals cannot be "
        "used to work them out. Grey cells are hidden; hover for why."
    )


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


def chart_download(figure, *, key: str, title: str) -> None:
    """A 'PNG' download button for a chart, drawn under it.

    The image is rendered only when the button is pressed (Streamlit runs the
    callable then), so pages stay fast.
    """
    st.download_button(
        "PNG",
        data=audited_download(lambda: figure_png(figure), file_name=f"{file_stem(title)}.png"),
        file_name=f"{file_stem(title)}.png",
        mime="image/png",
        key=f"{key}_png",
        on_click="ignore",
        icon=":material/image:",
        help=f"Download \u201c{plain.markdown(title)}\u201d as an image",
    )


def table_downloads(frame, *, key: str, title: str, k: int | None = None) -> None:
    """CSV and XLSX download buttons for a table that has passed the confidentiality engine.

    With ``k`` (the minimum group size the table was gated with), its gate
    ``status`` column is written as a reader sees it: hidden cells say why and
    carry no figure. Text a spreadsheet would run as a formula is neutralised.
    """
    table = readable(frame, k=k) if k is not None else frame
    stem = file_stem(title)
    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        "CSV",
        data=audited_download(lambda: csv_bytes(table), file_name=f"{stem}.csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "XLSX",
        data=audited_download(lambda: xlsx_bytes(table), file_name=f"{stem}.xlsx"),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


# --- Sign-in, sessions and access (issue 7) -------------------------------------------
