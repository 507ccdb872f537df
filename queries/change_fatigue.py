"""The change log as the change-fatigue view reads it: events and counts before each wave.

The change log is not survey data and names no respondent, so it needs no
confidentiality gate; it is joined to gated survey figures at team level.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import sql
from queries.cache import memoised
from wellbeing.core import roles
from wellbeing.core.measures import CHANGE_WINDOW_MONTHS


@memoised
def change_events(
    con: duckdb.DuckDBPyConnection,
    *,
    service: str | None = None,
    team: str | None = None,
) -> pd.DataFrame:
    """Organisation-wide events and those of the teams in scope, oldest first.

    Columns: started_on, title, kind, team (null = organisation-wide), organisation_wide.
    """
    events = con.execute(sql("change_events"), {"service": service, "team": team}).df()
    return roles.only_visible_teams(events)  # a team manager: their teams and the organisation's


@memoised
def change_events_before_waves(
    con: duckdb.DuckDBPyConnection,
    *,
    service: str | None = None,
    team: str | None = None,
    months: int = CHANGE_WINDOW_MONTHS,
) -> pd.DataFrame:
    """Per wave and team: change events in the ``months`` before the wave opened.

    Columns: wave_id, wave, wave_opened_on, team, team_events, organisation_events,
    change_events (the two added together).
    """
    params = {"service": service, "team": team, "months": months}
    return roles.only_visible_teams(con.execute(sql("change_events_before_waves"), params).df())
