"""The confidentiality engine: every survey figure passes here before it is shown.

Rules (DESIGN.md section 4):

1. Minimum group size ``k`` on distinct respondents: below it, neither the
   score nor the count is shown ("fewer than k"), distinct from "no data".
2. Complementary suppression: within any partition a reader can see the total
   of, the hidden remainder is either empty or at least ``k`` respondents, so
   nobody can subtract their way to a hidden group.
3. Filter differencing: with filters applied, the filtered group and its
   complement inside the unfiltered parent are each empty or at least ``k``.

The thresholds live here and in the store's settings table, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_SENSITIVE_MIN_GROUP_SIZE = 10
LOWEST_ALLOWED_MIN_GROUP_SIZE = 3
HIGHEST_ALLOWED_MIN_GROUP_SIZE = 10

SHOWN = "shown"
BELOW_K = "below_k"
PROTECTS_SMALLER = "protects_smaller"
NO_DATA = "no_data"


@dataclass(frozen=True)
class Rules:
    """The thresholds in force for this installation."""

    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    sensitive_min_group_size: int = DEFAULT_SENSITIVE_MIN_GROUP_SIZE


def rules(con: duckdb.DuckDBPyConnection) -> Rules:
    """The thresholds HR has set, or the defaults."""
    rows = dict(
        con.execute(
            "select key, value from settings where key in "
            "('min_group_size', 'sensitive_min_group_size')"
        ).fetchall()
    )
    return Rules(
        min_group_size=int(rows.get("min_group_size", DEFAULT_MIN_GROUP_SIZE)),
        sensitive_min_group_size=int(
            rows.get("sensitive_min_group_size", DEFAULT_SENSITIVE_MIN_GROUP_SIZE)
        ),
    )


def status_text(status: str, k: int) -> str:
    """What a hidden or empty cell says on screen."""
    return {
        SHOWN: "",
        BELOW_K: f"fewer than {k} responses",
        PROTECTS_SMALLER: "hidden to protect a smaller group",
        NO_DATA: "no data",
    }[status]


def status_explanation(status: str, k: int) -> str:
    """The hover text that explains a hidden cell."""
    return {
        SHOWN: "",
        BELOW_K: (
            f"Fewer than {k} people answered, so no score or count is shown: "
            "with so few, individual answers could be recognised."
        ),
        PROTECTS_SMALLER: (
            f"Hidden so that a smaller group (fewer than {k}) cannot be worked out by "
            "subtracting the figures that are shown from a total."
        ),
        NO_DATA: "Nobody in this group answered these questions.",
    }[status]


def protect(
    frame: pd.DataFrame,
    *,
    k: int,
    value_columns: list[str],
    count_column: str = "respondents",
    parent_count_column: str | None = None,
    partitions: list[list[str]] | None = None,
) -> pd.DataFrame:
    """Apply the rules to aggregated rows and blank everything that may not be shown.

    Args:
        frame: one row per group, with its distinct-respondent count.
        k: the minimum group size in force.
        value_columns: the figures to blank when a row is hidden.
        count_column: distinct respondents behind each row.
        parent_count_column: respondents in the same group without the
            sub-filters (role, career stage...), for the differencing rule.
        partitions: lists of columns; rows sharing their values form a set
            whose total a reader can see (e.g. ``[["construct"], ["construct",
            "service"]]``), so the hidden part of each set must be 0 or >= k.

    Returns a copy with a ``status`` column (shown, below_k, protects_smaller,
    no_data); counts and values are null wherever status is not ``shown``.
    """
    out = frame.copy()
    counts = out[count_column].fillna(0).astype("int64")
    status = pd.Series(SHOWN, index=out.index, dtype="str")
    status[counts < k] = BELOW_K
    status[counts == 0] = NO_DATA
    if parent_count_column is not None:
        rest = out[parent_count_column].fillna(0).astype("int64") - counts
        status[(status == SHOWN) & (rest > 0) & (rest < k)] = PROTECTS_SMALLER
    for columns in partitions or []:
        for members in out.groupby(columns, dropna=False, sort=False).indices.values():
            _suppress_complement(status, counts, list(out.index[members]), k)
    hidden = status != SHOWN
    out["status"] = status
    out[count_column] = counts.astype("Int64").mask(hidden)
    for column in value_columns:
        out[column] = out[column].astype("Float64").mask(hidden)
    if parent_count_column is not None:
        out = out.drop(columns=[parent_count_column])
    return out


def _suppress_complement(status: pd.Series, counts: pd.Series, members: list, k: int) -> None:
    """Hide the smallest visible rows until the hidden remainder is 0 or >= k."""
    while True:
        hidden_total = int(counts[[m for m in members if status[m] in (BELOW_K, PROTECTS_SMALLER)]].sum())
        if hidden_total == 0 or hidden_total >= k:
            return
        visible = [m for m in members if status[m] == SHOWN]
        if not visible:
            return
        smallest = min(visible, key=lambda m: (counts[m], str(m)))
        status[smallest] = PROTECTS_SMALLER
