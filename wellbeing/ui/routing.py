"""The router, a page's tabs, and the charts whose teams focus the page when clicked."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from wellbeing.core import roles
from wellbeing.present import plain
from wellbeing.ui.sidebar import FILTER_KEYS


@dataclass(frozen=True)
class PageSpec:
    """One page of the navigation and the roles that may open it (declared in dashboard.py)."""

    path: str
    title: str
    icon: str
    allowed: tuple[str, ...]
    default: bool = False


def navigation(
    sections: dict[str, list[PageSpec]], user: roles.User | None, *, sign_in_page: str
) -> st.navigation:
    """The router for this user.

    Nobody signed in: the sign-in page only, whatever URL was typed. Signed in:
    every page is registered, so a typed URL reaches the page itself and its own
    refusal, but only pages the role may open appear in the menu.

    The menu is one list, in the order of ``sections``, always fully open. With
    section headings Streamlit puts each heading and its links in a ``<div>``
    inside the menu's ``<ul>``, which assistive technology cannot read as a list
    (axe-core: list, listitem; docs/accessibility.md).
    """
    if user is None:
        return st.navigation(
            [st.Page(sign_in_page, title="Sign in", default=True)], position="hidden"
        )
    pages = [
        st.Page(
            spec.path,
            title=spec.title,
            icon=spec.icon,
            default=spec.default,
            visibility="visible" if user.may(spec.allowed) else "hidden",
        )
        for specs in sections.values()
        for spec in specs
    ]
    return st.navigation(pages, expanded=True)


FOCUS_STYLE = Path(__file__).with_name("focus.css")


def focus_style() -> None:
    """A visible keyboard focus on every control, on every page (``focus.css``)."""
    st.html(FOCUS_STYLE)


CHARTS_PRELOADED_KEY = "charts_preloaded"
# Streamlit's own code for Plotly charts, which the browser loads the first time a
# page draws one: 4.7 MB of JavaScript. The first page with a chart in a session took
# 1.4 s longer than the same page later; loading the code while the leader reads the
# Overview takes about 0.7 s of that off (the rest is Plotly's first drawing). Its
# name carries a content hash: looked up in the installed Streamlit, never written here.
_STREAMLIT_JS = Path(st.__file__).parent / "static" / "static" / "js"


@functools.cache
def _plotly_chart_module() -> str | None:
    found = sorted(_STREAMLIT_JS.glob("PlotlyChart.*.js"))
    return found[0].name if len(found) == 1 else None


_plotly_chart_module()  # with the module, which a server imports at start, not in a run


def preload_charts() -> None:
    """Once per session, after its first page: load Streamlit's chart code while the
    leader reads, so that their first page with a chart does not wait for it.

    The browser imports the very module Streamlit would (same URL, beside
    Streamlit's own index script, so behind a proxy's path too) when it is next
    idle; the later import by Streamlit finds it loaded. Same origin only.
    """
    if st.session_state.get(CHARTS_PRELOADED_KEY):
        return
    st.session_state[CHARTS_PRELOADED_KEY] = True
    module = _plotly_chart_module()
    if module is None:  # another Streamlit's layout: nothing to preload
        return
    st.html(
        "<script>(() => {"
        "const index = document.querySelector('script[type=module][src*=\"/static/js/index.\"]');"
        "if (!index) return;"
        f"const url = new URL({json.dumps('./' + module)}, index.src);"
        "const later = window.requestIdleCallback || ((run) => setTimeout(run, 200));"
        "later(() => import(url.href).catch(() => {}), {timeout: 2000});"
        "})();</script>",
        unsafe_allow_javascript=True,
    )


def _clear_team_focus() -> None:
    st.session_state[FILTER_KEYS["team"]] = None


def team_focus_note(team: str | None) -> None:
    """Under the title: which team the page is focused on, with a way back to every team."""
    if team is None:
        st.caption(
            "Choose a team in the Team filter, or click one in a chart, to focus the page on it."
        )
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(
        f"Focused on **{plain.markdown(team)}**: its figures against the organisation.",
        icon=":material/center_focus_strong:",
    )
    right.button("Show all teams", key="clear_team_focus", on_click=_clear_team_focus)


# The query parameter of a page's open tab, as in ``/stress?view=Across+waves``.
SECTION_KEY = "view"


def sections(views_by_label: Mapping[str, Callable[[], None]]) -> str:
    """A page's tabs, of which only the open one runs: returns its label.

    A page of six or eight charts would redraw them all on every click; a tab
    draws two at most, and its queries run only while it is open. The open tab
    is in the address, so a link keeps it.
    """
    labels = list(views_by_label)
    tabs = st.tabs(labels, key=SECTION_KEY, bind="query-params", on_change="rerun")
    chosen = next((i for i, tab in enumerate(tabs) if tab.open), 0)
    with tabs[chosen]:
        views_by_label[labels[chosen]]()
    return labels[chosen]
