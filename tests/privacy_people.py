"""Small organisations of people for the engine's tests, and what a reader sees of them.

The engine decides from finest groups; the checks here work from the people
themselves, so that a mistake in how the engine groups them cannot hide itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.derivable import smallest_derivable
from wellbeing import privacy

DIMENSIONS = list(privacy.DIMENSIONS)


def person(team: str, service: str = "S", **fields: object) -> dict[str, object]:
    """One respondent: a team, its service, attributes (blank: not stated) and set flags."""
    row: dict[str, object] = {d: privacy.NOT_STATED for d in DIMENSIONS}
    row.update({"team": team, "service": service})
    row.update(fields)
    return row


def finest(people: pd.DataFrame, sets: list[str]) -> pd.DataFrame:
    """The finest groups the engine decides from: people counted by attributes and sets."""
    frame = people[[*DIMENSIONS, *sets]].copy()
    frame["respondents"] = 1
    return frame.groupby([*DIMENSIONS, *sets], as_index=False)["respondents"].sum()


def members(people: pd.DataFrame, set_name: str, key: tuple[str, ...]) -> np.ndarray:
    """Which people a cell of a set adds up (a 0/1 row over people)."""
    chosen = people[set_name].fillna(False).astype(bool).to_numpy().copy()
    for dimension, value in zip(DIMENSIONS, key, strict=True):
        if value != privacy.ALL:
            chosen &= (people[dimension] == value).to_numpy()
    return chosen


def shown_rows(decision: privacy.Decision, people: pd.DataFrame, sets: list[str]) -> np.ndarray:
    """Every shown cell of ``sets`` as a row over people (plain and sensitive cells)."""
    cells = decision.cells()
    cells = cells[(cells["status"] == privacy.SHOWN) & cells["set"].isin(sets)]
    rows = [
        members(people, row["set"], tuple(row[d] for d in DIMENSIONS))
        for _, row in cells.iterrows()
    ]
    return np.array(rows, dtype=float).reshape(len(rows), len(people))


def given_away(
    decision: privacy.Decision, people: pd.DataFrame, families: dict[str, list[str]], k: int
) -> dict[str, list[int]]:
    """Per family (the sets whose figures carry one quantity), a group below k it gives away."""
    found = {}
    for family, sets in families.items():
        rows = shown_rows(decision, people, sets)
        group = smallest_derivable(rows, k)
        if group is not None:
            found[family] = group.tolist()
    return found
