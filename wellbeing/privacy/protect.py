"""Complementary suppression, and the gate's last step: blanking query rows not to be shown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wellbeing.core import roles
from wellbeing.privacy.rules import _CODES, BELOW_K, NO_DATA, PROTECTS_SMALLER, SHOWN


def _suppress_complement(
    status: np.ndarray,
    counts: np.ndarray,
    k: np.ndarray,
    parent: int,
    children: np.ndarray,
    locked: np.ndarray,
) -> list[int]:
    """Hide the smallest shown children until the hidden remainder is 0 or >= k.

    Also: a hidden parent whose children are all shown would be their sum, so
    one child is hidden with it; and under a shown parent a lone hidden child
    is the parent minus the rest, so a second is hidden with it (otherwise a
    cell hidden to protect a group in one breakdown is worked out in another,
    and the group with it: "Business, social workers" from the organisation's
    social workers minus the other services'). Returns the cells hidden.
    """
    hidden_now: list[int] = []
    shown = _CODES[SHOWN]
    threshold = int(k[children].max()) if len(children) else 0
    while True:
        occupied = children[counts[children] > 0]
        hidden = occupied[status[occupied] != shown]
        visible = occupied[(status[occupied] == shown) & ~locked[occupied]]
        remainder = int(counts[hidden].sum())
        parent_needs_cover = status[parent] != shown and counts[parent] > 0 and remainder == 0
        lone_hidden = status[parent] == shown and len(hidden) == 1
        if not (0 < remainder < threshold or parent_needs_cover or lone_hidden) or not len(visible):
            return hidden_now
        smallest = min(visible.tolist(), key=lambda c: (counts[c], c))
        status[smallest] = _CODES[PROTECTS_SMALLER]
        hidden_now.append(smallest)


def protect(
    frame: pd.DataFrame,
    *,
    k: int,
    value_columns: list[str],
    count_column: str = "respondents",
    parent_count_column: str | None = None,
    partitions: list[list[str]] | None = None,
    statuses: pd.Series | None = None,
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
        statuses: the engine's verdict per row (from :func:`decide`, looked up
            by ``queries.survey.gate``). A row is shown only when the engine
            and the rules above both allow it: hiding more is always safe.

    Returns a copy with a ``status`` column (shown, below_k, protects_smaller,
    no_data); counts and values are null wherever status is not ``shown``.
    """
    out = frame.copy()
    # numpy arrays throughout: pages gate thousands of rows per click, and
    # pandas' per-operation overhead cost more than the rules.
    counts = out[count_column].fillna(0).astype("int64").to_numpy()
    status = np.full(len(out), SHOWN, dtype="object")
    status[counts < k] = BELOW_K
    if statuses is not None:
        engine = statuses.reindex(out.index).fillna(BELOW_K).astype("str").to_numpy(dtype="object")
        overruled = (status == SHOWN) & (engine != SHOWN)
        status[overruled] = engine[overruled]
        status[(status == SHOWN) & (engine == NO_DATA)] = BELOW_K
    status[counts == 0] = NO_DATA
    if parent_count_column is not None:
        rest = out[parent_count_column].fillna(0).astype("int64").to_numpy() - counts
        status[(status == SHOWN) & (rest > 0) & (rest < k)] = PROTECTS_SMALLER
    codes = np.array([_CODES.get(s, -1) for s in status], dtype="int64")
    k_array = np.full(len(out), k, dtype="int64")
    groups = [
        np.asarray(members)
        for columns in partitions or []
        for members in out.groupby(columns, dropna=False, sort=False).indices.values()
    ]
    changed = True
    while changed:  # one partition's suppression can break another's: repeat until stable
        changed = False
        for members in groups:
            occupied = members[codes[members] >= 0]
            before = codes.copy()
            _suppress_complement_rows(codes, counts, k_array, occupied)
            changed = changed or bool((before != codes).any())
    status[(codes == _CODES[PROTECTS_SMALLER]) & (status == SHOWN)] = PROTECTS_SMALLER
    status = pd.Series(status, index=out.index, dtype="str")
    counts = pd.Series(counts, index=out.index)
    hidden = status != SHOWN
    out["status"] = status
    out[count_column] = counts.astype("Int64").mask(hidden)
    for column in value_columns:
        out[column] = out[column].astype("Float64").mask(hidden)
    if parent_count_column is not None:
        out = out.drop(columns=[parent_count_column])
    # Last, after the rules ran on every team: a team manager keeps only their teams.
    return roles.only_visible_teams(out)


def _suppress_complement_rows(
    codes: np.ndarray, counts: np.ndarray, k: np.ndarray, members: np.ndarray
) -> None:
    """Within one set of rows, hide the smallest shown ones until the remainder is 0 or >= k."""
    while True:
        hidden = members[(codes[members] != _CODES[SHOWN]) & (counts[members] > 0)]
        visible = members[(codes[members] == _CODES[SHOWN]) & (counts[members] > 0)]
        remainder = int(counts[hidden].sum())
        if not 0 < remainder < int(k[members].max()) or len(visible) == 0:
            return
        smallest = min(visible.tolist(), key=lambda m: (counts[m], m))
        codes[smallest] = _CODES[PROTECTS_SMALLER]
