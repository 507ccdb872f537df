"""The router, a page's tabs, and the charts whose teams focus the page when clicked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import streamlit as st

from wellbeing.core import roles
from wellbeing.present import charts, figures, plain, readings
from wellbeing.ui import text
from wellbeing.ui.downloads import chart_download
from wellbeing.ui.filters import FILTER_KEYS


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
    """
    if user is None:
        return st.navigation(
            [st.Page(sign_in_page, title="Sign in", default=True)], position="hidden"
        )
    pages: dict[str, list[st.Page]] = {}
    for section, specs in sections.items():
        for spec in specs:
            visible = user.may(spec.allowed)
            pages.setdefault(section, []).append(
                st.Page(
                    spec.path,
                    title=spec.title,
                    icon=spec.icon,
                    default=spec.default,
                    visibility="visible" if visible else "hidden",
                )
            )
    return st.navigation(pages)


def _focus_team_from_chart(chart_key: str) -> None:
    """Chart-click callback: the clicked team becomes the shared team filter.

    Runs before the script, so the bound team selectbox (and the URL) take the
    value when the sidebar is drawn.
    """
    team = figures.team_from_selection(st.session_state.get(chart_key))
    if team is not None:
        st.session_state[FILTER_KEYS["team"]] = team


def team_chart(figure, *, key: str, title: str | None = None) -> None:
    """A Plotly chart whose team marks focus the page on that team when clicked.

    A PNG download sits under it, named after ``title`` (or the key).
    """
    st.plotly_chart(
        figure,
        key=key,
        width="stretch",
        on_select=lambda: _focus_team_from_chart(key),
        selection_mode="points",
    )
    chart_download(figure, key=key, title=title or key.replace("_", " "))


def _clear_team_focus() -> None:
    st.session_state[FILTER_KEYS["team"]] = None


def team_focus_note(team: str | None) -> None:
    """Under the title: which team the page is focused on, with a way back to every team."""
    if team is None:
        st.caption("Click a team in any chart to focus the page on it.")
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(
        f"Focused on **{plain.markdown(team)}**: its figures against the organisation.",
        icon=":material/center_focus_strong:",
    )
    right.button("Show all teams", key="clear_team_focus", on_click=_clear_team_focus)


def trend(
    organisation,
    *,
    team: str | None,
    team_trend,
    what: str,
    axis_title: str,
    key: str,
    breaks: tuple[tuple[str, str], ...] = (),
    kind: str = figures.SHARE,
    value_range: tuple[float, float] | None = None,
    actions=None,
):
    """The organisation's trend (and the focused team's) with its one-sentence reading.

    ``breaks``: (wave, why) where the measure's questions changed; marked on the chart
    and said under it (``present.measures.trend_breaks``). ``actions``:
    ``present.action_outcomes.markers`` rows, drawn as labelled triangles and listed in
    words under the chart.
    """
    text.reading(
        readings.trend_reading(organisation, what=what, kind=kind, team=team, team_trend=team_trend)
    )
    st.plotly_chart(
        charts.trend_lines(
            organisation,
            kind=kind,
            axis_title=axis_title,
            team=team,
            team_trend=team_trend,
            breaks=breaks,
            value_range=value_range,
            actions=actions,
        ),
        key=key,
        width="stretch",
    )
    if breaks:
        st.caption(
            plain.markdown(
                "Questions changed: "
                + " ".join(f"{why}." for _, why in breaks)
                + " Waves either side of a dashed line are not measured alike."
            )
        )
    if actions is not None and not actions.empty:
        st.caption("Triangles mark action plans, above the first wave after each started:")
        for line in actions["text"]:
            st.text(line)


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
