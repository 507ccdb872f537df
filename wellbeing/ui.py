"""The only Streamlit glue outside dashboard.py and pages/: the database and shared filters."""

from __future__ import annotations

import duckdb
import streamlit as st

from queries import survey
from wellbeing import config, demo, privacy, roles, store, views

FILTER_KEYS = {"wave": "wave", "service": "service", "team": "team", "role": "role",
               "career_stage": "stage"}


@st.cache_resource
def database(path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per server process, shared by every session.

    An empty store is given the sample data here, through the HR import code.
    """
    con = store.connect(path)
    demo.load_if_empty(con)
    return con


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of its own for this script run.

    A DuckDB connection is not thread-safe and Streamlit runs each session in
    its own thread, so each run takes a cursor on the shared connection.
    """
    return database(str(config.database_path())).cursor()


def shared_filters(con: duckdb.DuckDBPyConnection) -> None:
    """Wave, service, team, role and career stage in the sidebar, kept in the URL.

    Drawn by dashboard.py on every page, so a choice persists across pages and a
    copied link reproduces the view.
    """
    waves = survey.waves(con)
    labels = waves["label"].tolist()
    with st.sidebar:
        st.subheader("Filters")
        st.selectbox("Wave", labels, index=len(labels) - 1 if labels else None,
                     key=FILTER_KEYS["wave"], bind="query-params",
                     placeholder="No survey waves yet")
        service = st.selectbox("Service", survey.filter_options(con, field="service"), index=None,
                               placeholder="All services", key=FILTER_KEYS["service"],
                               bind="query-params")
        teams = survey.filter_options(con, field="team")
        if service is not None:
            hierarchy = survey.team_hierarchy(con)
            in_service = set(hierarchy.loc[hierarchy["service"] == service, "team"])
            teams = [team for team in teams if team in in_service]
        st.selectbox("Team", teams, index=None, placeholder="All teams",
                     key=FILTER_KEYS["team"], bind="query-params")
        st.selectbox("Role", survey.filter_options(con, field="role"), index=None,
                     placeholder="All roles", key=FILTER_KEYS["role"], bind="query-params")
        st.selectbox("Career stage", survey.filter_options(con, field="career_stage"), index=None,
                     placeholder="All career stages", key=FILTER_KEYS["career_stage"],
                     bind="query-params")


def filters(con: duckdb.DuckDBPyConnection) -> survey.Filters:
    """The shared filters as the query layer takes them."""
    waves = survey.waves(con)
    label = st.session_state.get(FILTER_KEYS["wave"])
    match = waves.loc[waves["label"] == label, "id"]
    wave_id = int(match.iloc[0]) if len(match) else (int(waves["id"].iloc[-1]) if len(waves) else None)
    return survey.Filters(
        wave_id=wave_id,
        service=st.session_state.get(FILTER_KEYS["service"]),
        team=st.session_state.get(FILTER_KEYS["team"]),
        role=st.session_state.get(FILTER_KEYS["role"]),
        career_stage=st.session_state.get(FILTER_KEYS["career_stage"]),
    )


def demo_notice(con: duckdb.DuckDBPyConnection) -> None:
    """On every page while the sample data is loaded: say so, and let HR remove it."""
    if not demo.is_loaded(con):
        return
    with st.container(border=True):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.warning(
            "**Demo data.** These figures come from the bundled sample exports of a fictional "
            "council, not from your staff. HR can remove them before loading real exports.",
            icon=":material/science:",
        )
        if right.button("Remove demo data", key="remove_demo", type="secondary"):
            demo.remove(con)
            st.rerun()


def hidden_note(k: int) -> str:
    """The caption under any chart of survey figures."""
    return (
        f"Groups with fewer than {k} respondents show no score or count "
        f"(\u201c{privacy.status_text(privacy.BELOW_K, k)}\u201d); others may be "
        f"\u201c{privacy.status_text(privacy.PROTECTS_SMALLER, k)}\u201d so that totals cannot be "
        "used to work them out. Grey cells are hidden; hover for why."
    )


def current_user() -> roles.User:
    """The user of this session (the local administrator until sign-in is configured)."""
    return roles.LOCAL_ADMIN


def require_role(*allowed: str) -> roles.User:
    """Stop the page with a refusal unless the current user has one of ``allowed`` roles.

    Every page calls this first, so typing a page's URL is no way round the navigation.
    """
    user = current_user()
    if not user.may(allowed):
        st.error("You do not have access to this page. Ask an HR administrator if you need it.")
        st.stop()
    return user


def _focus_team_from_chart(chart_key: str) -> None:
    """Chart-click callback: the clicked team becomes the shared team filter.

    Runs before the script, so the bound team selectbox (and the URL) take the
    value when the sidebar is drawn.
    """
    team = views.team_from_selection(st.session_state.get(chart_key))
    if team is not None:
        st.session_state[FILTER_KEYS["team"]] = team


def team_chart(figure, *, key: str) -> None:
    """A Plotly chart whose team marks focus the page on that team when clicked."""
    st.plotly_chart(
        figure,
        key=key,
        width="stretch",
        on_select=lambda: _focus_team_from_chart(key),
        selection_mode="points",
    )


def _clear_team_focus() -> None:
    st.session_state[FILTER_KEYS["team"]] = None


def team_focus_note(team: str | None) -> None:
    """Under the title: which team the page is focused on, with a way back to every team."""
    if team is None:
        st.caption("Click a team in any chart to focus the page on it.")
        return
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.info(f"Focused on **{team}**: its figures against the organisation.",
              icon=":material/center_focus_strong:")
    right.button("Show all teams", key="clear_team_focus", on_click=_clear_team_focus)
