"""Drawing a page section (``present.panels.Panel``): reading, chart, table, notes, downloads.

Pages build panels from gated rows and hand them here, so every chart on every
page comes with its one-sentence reading and a "Show as table" view of the same
figures, and downloads named ``<measure>-<scope>-<wave>``. Titles, readings,
notes and table cells may name teams, waves and measures typed by people, so
each reaches Streamlit's Markdown through ``plain.markdown`` (st.table reads
Markdown in its cells too).
"""

from __future__ import annotations

import streamlit as st

from wellbeing.present import figures, plain
from wellbeing.present.panels import Panel
from wellbeing.present.tables import Table
from wellbeing.ui.downloads import chart_download, table_downloads
from wellbeing.ui.sidebar import FILTER_KEYS
from wellbeing.ui.text import reading

# No plotly toolbar: its image button saved "newplot.png" with no title or source
# (the PNG button under each chart does), and its zoom tools trap keyboard users.
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
# Longer tables are drawn as a scrolling grid rather than a page of rows.
ROWS_AS_PAGE_TABLE = 60


def _focus_team_from_chart(chart_key: str) -> None:
    """Chart-click callback: the clicked team becomes the shared team filter.

    Runs before the script, so the bound team selectbox (and the URL) take the
    value when the sidebar is drawn. The team filter does the same by keyboard.
    """
    team = figures.team_from_selection(st.session_state.get(chart_key))
    if team is not None:
        st.session_state[FILTER_KEYS["team"]] = team


def chart(figure, *, key: str, alt: str, clickable: bool) -> None:
    """A Plotly chart; when ``clickable``, a click on a team's mark focuses the page on it."""
    if clickable:
        st.plotly_chart(
            figure,
            key=key,
            width="stretch",
            config=CHART_CONFIG,
            theme=None,
            alt=alt,
            on_select=lambda: _focus_team_from_chart(key),
            selection_mode="points",
        )
    else:
        st.plotly_chart(figure, key=key, width="stretch", config=CHART_CONFIG, theme=None, alt=alt)


def table(rows: Table, *, key: str, title: str) -> None:
    """A table as the screen shows it: shares as percentages, hidden figures as a dash."""
    shown = rows.on_screen()
    if len(shown) <= ROWS_AS_PAGE_TABLE:
        # st.table draws its cells and headings as Markdown: a name is shown as typed.
        as_text = shown.map(plain.markdown).rename(columns=plain.markdown)
        st.table(as_text, hide_index=True, alt=title)
    else:
        st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_grid")


def panel(section: Panel) -> None:
    """One section: its heading, reading, chart, "Show as table", notes and downloads."""
    if section.heading:
        st.subheader(plain.markdown(section.title))
    if section.reading:
        reading(section.reading)
    if section.figure is not None:
        chart(section.figure, key=section.key, alt=section.alt, clickable=section.clickable)
        if section.table is not None:
            with st.expander("Show as table", key=f"{section.key}_as_table"):
                table(section.table, key=section.key, title=section.title)
    elif section.table is not None:
        table(section.table, key=section.key, title=section.title)
    for note in section.notes:
        st.caption(plain.markdown(note))
    downloads(section)


def downloads(section: Panel) -> None:
    """PNG (with title and source), CSV and XLSX buttons for one section, side by side."""
    row = st.container(horizontal=True, gap="small")
    if section.figure is not None:
        with row:
            chart_download(
                section.figure,
                key=section.key,
                file_stem=section.file_stem,
                title=f"{section.title}, {section.scope.wave}",
                source=section.scope.source_line,
            )
    if section.table is not None and not section.table.empty:
        table_downloads(
            section.table, key=f"{section.key}_table", file_stem=section.file_stem, row=row
        )
