"""Supervision records as tables: per team, and beside the survey. No Streamlit, no queries.

Each joins gated rows only where every side shows the team, so a join never
reveals a figure either gate withheld.
"""

from __future__ import annotations

import pandas as pd

from wellbeing import privacy
from wellbeing.core import cadence
from wellbeing.core.kept import drawn_once
from wellbeing.present import words
from wellbeing.present.figures import floats

# The records table's column of sessions long enough to count (its name states the rule).
SESSIONS_LONG_ENOUGH = f"Sessions of {cadence.LONG_ENOUGH}"


@drawn_once
def records_table(sessions: pd.DataFrame, overdue: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """One row per team: what the records show, hidden teams saying why.

    Args:
        sessions: ``queries.supervision.sessions_by_team`` rows for one month.
        overdue: ``queries.supervision.overdue_by_team`` team rows on the data date.
    """
    left = sessions[
        [
            "team",
            "status",
            "workers",
            "median_days_between",
            "reflective_share",
            "long_enough_share",
            "cancellation_rate",
            "mean_supervisors",
        ]
    ]
    right = overdue[overdue["team"].notna()][["team", "status", "overdue_staff", "overdue_share"]]
    table = left.merge(right, on="team", how="outer", suffixes=("", "_overdue"))
    note = (
        table["status"]
        .fillna(privacy.NO_DATA)
        .map(lambda s: words.hidden_because(s, k, unit="staff"))
    )
    note_overdue = (
        table["status_overdue"]
        .fillna(privacy.NO_DATA)
        .map(lambda s: words.hidden_because(s, k, unit="staff"))
    )
    return (
        pd.DataFrame(
            {
                "Team": table["team"].astype("str"),
                "Staff with a record": floats(table["workers"]),
                "Median days between sessions": floats(table["median_days_between"]),
                "Reflective share of sessions": floats(table["reflective_share"]),
                SESSIONS_LONG_ENOUGH: floats(table["long_enough_share"]),
                "Cancellation rate": floats(table["cancellation_rate"]),
                "Supervisors per worker (6 months)": floats(table["mean_supervisors"]),
                "Staff overdue": floats(table["overdue_staff"]),
                "Share overdue": floats(table["overdue_share"]),
                "Hidden (sessions)": note,
                "Hidden (overdue)": note_overdue,
            }
        )
        .sort_values("Team")
        .reset_index(drop=True)
    )


@drawn_once
def team_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    x: str,
    x_count: str,
    y: str,
    y_count: str,
) -> pd.DataFrame:
    """Teams shown on both sides joined into points: team, x, x_count, y, y_count.

    Only teams whose figure is shown on both sides become points, so the join
    never reveals a figure either gate withheld.
    """
    a = left[(left["status"] == privacy.SHOWN) & left["team"].notna()][["team", x, x_count]]
    b = right[(right["status"] == privacy.SHOWN) & right["team"].notna()][["team", y, y_count]]
    joined = a.rename(columns={x: "x", x_count: "x_count"}).merge(
        b.rename(columns={y: "y", y_count: "y_count"}), on="team", how="inner"
    )
    return (
        pd.DataFrame(
            {
                "team": joined["team"].astype("str"),
                "x": floats(joined["x"]),
                "x_count": joined["x_count"].astype("int64"),
                "y": floats(joined["y"]),
                "y_count": joined["y_count"].astype("int64"),
            }
        )
        .sort_values("team")
        .reset_index(drop=True)
    )


@drawn_once
def reported_against_recorded(
    reported: pd.DataFrame,
    recorded: pd.DataFrame,
    *,
    reported_value: str,
    recorded_value: str,
    recorded_count: str,
) -> pd.DataFrame:
    """Per team, a survey share beside a records share (each null where its gate hides it)."""
    survey = reported[reported["team"].notna()][["team", "status", reported_value, "respondents"]]
    records = recorded[recorded["team"].notna()][["team", "status", recorded_value, recorded_count]]
    joined = survey.merge(records, on="team", how="outer", suffixes=("_survey", "_records"))
    shown_survey = joined["status_survey"] == privacy.SHOWN
    shown_records = joined["status_records"] == privacy.SHOWN
    return (
        pd.DataFrame(
            {
                "team": joined["team"].astype("str"),
                "reported": floats(joined[reported_value]).where(shown_survey),
                "reported_n": floats(joined["respondents"]).where(shown_survey),
                "recorded": floats(joined[recorded_value]).where(shown_records),
                "recorded_n": floats(joined[recorded_count]).where(shown_records),
            }
        )
        .sort_values("team")
        .reset_index(drop=True)
    )
