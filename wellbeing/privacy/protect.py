"""Blanking query rows as the engine decided, before anything is shown or downloaded."""

from __future__ import annotations

import pandas as pd

from wellbeing.core import roles
from wellbeing.privacy.rules import BELOW_K, NO_DATA, SHOWN


def protect(
    frame: pd.DataFrame,
    *,
    statuses: pd.Series,
    value_columns: list[str],
    count_column: str = "respondents",
) -> pd.DataFrame:
    """A copy of ``frame`` with a ``status`` column, and no count or figure where it is not shown.

    ``statuses`` holds the engine's verdict per row (looked up by
    ``queries.survey.gate``). A row with no respondents reads "fewer than k"
    unless the engine says "no data" (the organisation only). Last, after the
    rules ran on every team: a team manager keeps only their own teams' rows.
    """
    out = frame.copy()
    status = statuses.reindex(out.index).fillna(BELOW_K).astype("str")
    counts = out[count_column].fillna(0)
    status = status.mask((counts <= 0) & (status == SHOWN), BELOW_K)
    hidden = status != SHOWN
    out["status"] = pd.Series(status.to_numpy(), index=out.index, dtype="str")
    out[count_column] = out[count_column].astype("Int64").mask(hidden)
    for column in value_columns:
        if column in out.columns:
            out[column] = out[column].astype("Float64").mask(hidden)
    return roles.only_visible_teams(out)


__all__ = ["protect", "NO_DATA"]
