"""The shared filters: wave, service, team, role or career stage, kept in the URL."""

from __future__ import annotations

import duckdb
import streamlit as st

from queries import survey
from wellbeing.present.panels import Scope
from wellbeing.ui import session

FILTER_KEYS = {
    "wave": "wave",
    "service": "service",
    "team": "team",
    "role": "role",
    "career_stage": "stage",
    "combine_small_teams": "combine",
}


def shared_filters(con: duckdb.DuckDBPyConnection) -> None:
    """Wave, service, team, role and career stage in the sidebar, kept in the URL.

    Drawn by dashboard.py on every page, so a choice persists across pages and a
    copied link reproduces the view.
    """
    waves = survey.waves(con)
    labels = waves["label"].tolist()
    with st.sidebar:
        st.subheader("Filters")
        st.selectbox(
            "Wave",
            labels,
            index=len(labels) - 1 if labels else None,
            key=FILTER_KEYS["wave"],
            bind="query-params",
            placeholder="No survey waves yet",
        )
        # Each filter lists only values held by at least k of the wave's respondents.
        wave_id = _chosen_wave(waves)
        visible = _visible_teams()
        # A team manager sees their teams and the organisation, never a service's
        # figures (which cover other teams): no service filter, and a service typed
        # into the URL is dropped (see filters).
        service = None
        if visible is None:
            service = st.selectbox(
                "Service",
                survey.filter_options(con, field="service", wave_id=wave_id),
                index=None,
                placeholder="All services",
                key=FILTER_KEYS["service"],
                bind="query-params",
            )
        teams = survey.filter_options(con, field="team", wave_id=wave_id, service=service)
        if visible is not None:
            teams = [team for team in teams if team in visible]
        st.selectbox(
            "Team",
            teams,
            index=None,
            placeholder="All teams" if visible is None else "All my teams",
            key=FILTER_KEYS["team"],
            bind="query-params",
        )
        # Role OR career stage, never both (privacy.MAX_SUB_FILTERS): the two
        # crossed single people out. A link carrying both keeps the role; the
        # rerun comes before the widgets, whose first run would take the URL's.
        role_key, stage_key = FILTER_KEYS["role"], FILTER_KEYS["career_stage"]
        if st.query_params.get(role_key) and st.query_params.get(stage_key):
            del st.query_params[stage_key]
            st.rerun()
        # Before its widget runs, the stage is in session state, or on a first
        # load only in the URL.
        stage_before = (
            st.session_state.get(stage_key)
            if stage_key in st.session_state
            else st.query_params.get(stage_key)
        )
        role = st.selectbox(
            "Role",
            survey.filter_options(con, field="role", wave_id=wave_id),
            index=None,
            placeholder="All roles",
            key=role_key,
            bind="query-params",
            disabled=stage_before is not None,
        )
        stage = st.selectbox(
            "Career stage",
            survey.filter_options(con, field="career_stage", wave_id=wave_id),
            index=None,
            placeholder="All career stages",
            key=stage_key,
            bind="query-params",
            disabled=role is not None,
        )
        if role is not None or stage is not None:
            st.caption(
                "Filter by role or by career stage, one at a time: together they "
                "could single out a small group. Clear one to choose the other."
            )
        combining = st.toggle(
            "Combine small teams into their service",
            key=FILTER_KEYS["combine_small_teams"],
            bind="query-params",
            help="Teams too small to show on their own are shown together as "
            "\u201cOther teams in <service>\u201d, where that cannot reveal any one of them.",
        )
        if combining:
            st.caption(
                "Combined on the Overview (every measure by team, and the teams to look at "
                "first); the note under the heatmap says whether any teams could be combined."
            )


def _chosen_wave(waves) -> int | None:
    """The wave chosen in the sidebar, else the latest."""
    label = st.session_state.get(FILTER_KEYS["wave"])
    match = waves.loc[waves["label"] == label, "id"]
    if len(match):
        return int(match.iloc[0])
    return int(waves["id"].iloc[-1]) if len(waves) else None


def filters(con: duckdb.DuckDBPyConnection) -> survey.Filters:
    """The shared filters as the query layer takes them.

    A value the wave's filter does not list (typed into the URL, or left over
    from another wave) is dropped, as if it had not been chosen.
    """
    wave_id = _chosen_wave(survey.waves(con))

    def listed(field: str, value: str | None, **scope: object) -> str | None:
        options = survey.filter_options(con, field=field, wave_id=wave_id, **scope)
        return value if value in options else None

    service = visible_service(listed("service", st.session_state.get(FILTER_KEYS["service"])))
    role = listed("role", st.session_state.get(FILTER_KEYS["role"]))
    return survey.Filters(
        wave_id=wave_id,
        service=service,
        team=_visible_team(
            listed("team", st.session_state.get(FILTER_KEYS["team"]), service=service)
        ),
        role=role,
        # Never both (see shared_filters): the role wins, as in the sidebar.
        career_stage=None
        if role is not None
        else listed("career_stage", st.session_state.get(FILTER_KEYS["career_stage"])),
        combine_small_teams=bool(st.session_state.get(FILTER_KEYS["combine_small_teams"])),
    )


def scope(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, *, k: int, subgroups: bool = True
) -> Scope:
    """Whose figures the filters choose, and the wave, as panels name their downloads.

    ``subgroups`` False for figures the role and career-stage filters do not apply to.
    """
    waves = survey.waves(con).set_index("id")
    wave = str(waves.loc[filters.wave_id, "label"]) if filters.wave_id in waves.index else ""
    return Scope.of(
        wave,
        k=k,
        service=filters.service,
        team=filters.team,
        subgroup=(filters.role or filters.career_stage) if subgroups else None,
    )


def visible_service(service: str | None) -> str | None:
    """The chosen service, or None for a user limited to some teams (a team manager)."""
    return service if _visible_teams() is None else None


def services(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The services this user may choose a figure for (none for a team manager)."""
    if _visible_teams() is not None:
        return []
    return survey.team_hierarchy(con)["service"].dropna().unique().tolist()


def _visible_teams() -> tuple[str, ...] | None:
    user = session.current_user()
    return () if user is None else user.visible_teams


def _visible_team(team: str | None) -> str | None:
    """The chosen team, unless it is one this user may not see (e.g. typed into the URL)."""
    visible = _visible_teams()
    return team if visible is None or team in visible else None
