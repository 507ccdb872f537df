"""Drivers: how much of an outcome's variation goes with each other measure (association only).

Relative importance by the Shapley decomposition of R² (also called LMG, after
Lindeman, Merenda and Gold, and "general dominance" in Budescu's dominance
analysis): each measure's share of the outcome's R², averaged over every order
in which the measures could enter an ordinary least-squares regression. The
shares add up to the full model's R², and, unlike coefficients or simple
correlations, they split what correlated measures explain between them instead
of crediting it twice or not at all.

The arithmetic is numpy's (``numpy.linalg``, batched): a subset's R² is
``r' R⁻¹ r`` over the correlation matrix, so all 2^p subset regressions are a
handful of stacked solves, and a few hundred bootstrap resamples take well
under a second for the eight or nine measures a survey has. No extra package
is needed: numpy is already a dependency, maintained, and exact here; the
definition is the one R's ``relaimpo`` (``type="lmg"``) computes. The tests
check it against hand-worked two-measure cases and against data generated
with known weights (tests/test_drivers.py).

No DuckDB and no Streamlit: ``queries.drivers`` hands in respondents' scores
and hands out only the importances.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from dataclasses import dataclass
from math import factorial

import numpy as np
import pandas as pd

from wellbeing.core import kept

# The three outcomes the issue asks about, and the measures that may explain them.
OUTCOMES = ("stress", "intention_to_leave", "change_fatigue")
MEASURES = (
    "stress",
    "intention_to_leave",
    "change_fatigue",
    "support",
    "challenge",
    "psychological_safety",
    "workload",
    "unfair_scrutiny",
    "supervision_usefulness",
)
# A team-level measure from the records, joined to each respondent by team: every
# respondent of a team has the team's figure, so its importance is how much of the
# outcome's variation lies between teams that differ on it.
SUPERVISION_COMPLIANCE = "supervision_compliance"
# A team-level measure enters a scope's model only with at least this many teams
# carrying it: with fewer, its importance is little more than a comparison of a
# handful of teams' means, and it says nothing general (docs/drivers.md).
MIN_TEAMS_FOR_TEAM_MEASURE = 5

# The fewest respondents (with every measure scored) a scope needs before its
# drivers are shown: at least 30, and at least 10 per measure in the model (the
# usual rule of thumb for stable regression estimates; with 8 measures, 80).
# Below it the bootstrap intervals are wide and unstable and the ranking
# changes from wave to wave by chance. docs/drivers.md says why.
MIN_RESPONDENTS_FLOOR = 30
RESPONDENTS_PER_MEASURE = 10

BOOTSTRAP_RESAMPLES = 300
CONFIDENCE = 0.95


def min_respondents(measures: int) -> int:
    """The fewest complete respondents for drivers over ``measures`` explanatory measures."""
    return max(MIN_RESPONDENTS_FLOOR, RESPONDENTS_PER_MEASURE * measures)


@functools.cache
def _plan(p: int) -> tuple[list[np.ndarray], np.ndarray]:
    """For ``p`` predictors: every subset as index arrays grouped by size, and the Shapley
    weights turning the subsets' R² (in that order, the empty set first) into shares."""
    by_size = [
        np.array(list(itertools.combinations(range(p), size)), dtype=np.intp)
        for size in range(1, p + 1)
    ]
    position = {frozenset(): 0}
    for subsets in by_size:
        for subset in subsets:
            position[frozenset(subset.tolist())] = len(position)
    weights = np.zeros((p, len(position)))
    for members, at in position.items():
        size = len(members)
        for j in range(p):
            if j in members:
                # j's marginal gain: + R²(S) for S containing j, - R²(S \ {j})
                weight = factorial(size - 1) * factorial(p - size) / factorial(p)
                weights[j, at] += weight
                weights[j, position[members - {j}]] -= weight
    return by_size, weights


def _subset_r_squared(correlations: np.ndarray, by_size: list[np.ndarray]) -> np.ndarray:
    """R² of the outcome (row 0) on every non-empty subset of the predictors, by size, for
    each of a stack of correlation matrices: stack x subsets (the empty one first)."""
    predictors = correlations[:, 1:, 1:]
    with_outcome = correlations[:, 1:, 0]
    found = [np.zeros((len(correlations), 1))]
    for subsets in by_size:
        within = predictors[:, subsets[:, :, None], subsets[:, None, :]]
        target = with_outcome[:, subsets]
        # A whisker of ridge: two measures that move together exactly must not fail.
        within = within + 1e-9 * np.eye(subsets.shape[1])
        weights = np.linalg.solve(within, target[..., None])[..., 0]
        found.append(np.einsum("rsi,rsi->rs", target, weights))
    return np.concatenate(found, axis=1)


def shapley_r_squared(outcome: np.ndarray, predictors: np.ndarray) -> np.ndarray:
    """Each predictor's Shapley share of the R² of ``outcome`` on ``predictors`` (columns).

    The shares add up to the full regression's R².

    Example:
        shapley_r_squared(y, np.column_stack([x1, x2]))  # array([0.36, 0.09])
    """
    data = np.column_stack([outcome, predictors])
    return _shapley_from_correlations(np.corrcoef(data, rowvar=False)[np.newaxis])[0]


def _shapley_from_correlations(correlations: np.ndarray) -> np.ndarray:
    """Shapley shares from a stack of correlation matrices of (outcome, predictors...): one
    row of shares per matrix. All at once: a resample at a time, the bootstrap's 300 were
    3,000 small solves (0.085 s of ten measures' drivers, against 0.05 s), each a turn of
    the interpreter that other leaders' pages wait for."""
    correlations = np.nan_to_num(correlations, nan=0.0)
    diagonal = np.arange(correlations.shape[-1])
    correlations[:, diagonal, diagonal] = 1.0
    by_size, weights = _plan(correlations.shape[-1] - 1)
    return _subset_r_squared(correlations, by_size) @ weights.T


# Resamples whose weights are built at once: 25 x 100,000 respondents is 20 MB.
RESAMPLES_AT_ONCE = 25


def _resampled_correlations(
    data: np.ndarray, *, resamples: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """The correlation matrix of each bootstrap resample of ``data``'s rows.

    A resample is the count of times each row was drawn, so its moments are
    weighted sums: two matrix products per batch of resamples, not a copy of the
    data per resample (a page over 100,000 respondents took 20 s the other way).
    """
    n, width = data.shape
    centred = data - data.mean(axis=0)  # moments about the mean: no cancellation
    upper = np.triu_indices(width)
    # One measure (or product of two) per row, contiguous, for the sums below.
    centred_rows = np.ascontiguousarray(centred.T)
    products = np.ascontiguousarray((centred[:, upper[0]] * centred[:, upper[1]]).T)
    found = []
    for start in range(0, resamples, RESAMPLES_AT_ONCE):
        batch = min(RESAMPLES_AT_ONCE, resamples - start)
        counts = np.stack(
            [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(batch)]
        ).astype("float64")
        # Through BLAS, which the server runs on one thread (serving.launch): a pool of
        # threads ran these seven times slower on a busy two-core server, and a plain
        # loop (einsum) three to four times slower than one thread.
        means = counts @ centred_rows.T / n
        seconds = counts @ products.T / n
        for b in range(batch):
            covariance = np.zeros((width, width))
            covariance[upper] = seconds[b] - means[b][upper[0]] * means[b][upper[1]]
            covariance = covariance + np.triu(covariance, 1).T
            spread = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
            with np.errstate(divide="ignore", invalid="ignore"):
                found.append(covariance / np.outer(spread, spread))
    return found


# Resampled correlation matrices kept for the next outcome of the same scope (each a few
# hundred kilobytes): a scope's outcomes are modelled over the same respondents and measures.
_RESAMPLED = kept.Kept(entries=8)


def _resampled_in_order(
    complete: pd.DataFrame, order: list[str], *, resamples: int, seed: int
) -> np.ndarray:
    """:func:`_resampled_correlations` of ``complete``'s columns in ``order`` (a stack),
    drawn from ``seed``.

    Every outcome of a scope is modelled over the same respondents and the same measures
    in another order, and draws the same resamples from the same seed, so one stack in
    the measures' sorted order serves them all, its rows and columns put in each order:
    the same sums of the same products, in the order BLAS adds them up for the sorted
    columns (within 1e-12 of each outcome's own order), whichever outcome comes first.
    Drawn for each outcome, the resamples took two thirds of a scope's drivers again.
    """
    names = sorted(order)
    data = complete[names].to_numpy(dtype="float64")
    key = hashlib.blake2b(
        data.tobytes() + repr((names, data.shape, resamples, seed)).encode()
    ).digest()
    stack = _RESAMPLED.get(key)
    if stack is None:
        rng = np.random.default_rng(seed)
        stack = np.array(_resampled_correlations(data, resamples=resamples, rng=rng))
        _RESAMPLED.put(key, stack)
    at = np.array([names.index(name) for name in order])
    return stack[:, at[:, None], at[None, :]]


@dataclass(frozen=True)
class Drivers:
    """One outcome's drivers in one scope: importances with 95% bootstrap intervals."""

    outcome: str
    r_squared: float
    table: pd.DataFrame  # measure, importance, low, high, rank


def drivers(
    scores: pd.DataFrame,
    *,
    outcome: str,
    measures: list[str] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 20261205,
) -> Drivers | None:
    """The Shapley R² importance of each measure for ``outcome``, with bootstrap intervals.

    ``scores``: one row per respondent, one column per measure (NaN where not
    scored); only respondents with every measure count. None when fewer than
    ``min_respondents`` remain. Intervals are bootstrap percentiles over
    ``resamples`` resamples of respondents, drawn from a fixed seed so the same
    data always gives the same figures.
    """
    explaining = [m for m in (measures or MEASURES) if m != outcome and m in scores.columns]
    complete = scores[[outcome, *explaining]].dropna()
    if len(complete) < min_respondents(len(explaining)) or not explaining:
        return None
    y = complete[outcome].to_numpy(dtype="float64")
    x = complete[explaining].to_numpy(dtype="float64")
    importance = shapley_r_squared(y, x)
    draws = _shapley_from_correlations(
        _resampled_in_order(complete, [outcome, *explaining], resamples=resamples, seed=seed)
    )
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
    table = pd.DataFrame(
        {"measure": explaining, "importance": importance, "low": low, "high": high}
    ).sort_values("importance", ascending=False, ignore_index=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return Drivers(outcome=outcome, r_squared=float(importance.sum()), table=table)


def drivers_with_team_measure(
    scores: pd.DataFrame,
    *,
    outcome: str,
    teams: pd.Series,
    team_measure: str = SUPERVISION_COMPLIANCE,
    measures: list[str] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 20261205,
) -> tuple[Drivers | None, bool]:
    """:func:`drivers` with a team-level measure among the explanatory ones, where it can be.

    ``scores`` has a ``team_measure`` column (the respondent's team's figure, NaN
    where there is none) and ``teams`` the respondent's team (same index). The
    measure is included when at least ``MIN_TEAMS_FOR_TEAM_MEASURE`` teams carry
    it among respondents with every measure, and enough respondents have every
    measure with it; the drivers are then
    over those respondents. Otherwise it is left out and the drivers are over the
    survey measures alone. Returns the drivers and whether the measure is in them.

    Example:
        found, included = drivers_with_team_measure(scores, outcome="stress", teams=team_of)
    """
    survey_measures = [m for m in (measures or MEASURES) if m != team_measure]
    if team_measure in scores.columns:
        wanted = [m for m in [outcome, *survey_measures, team_measure] if m in scores.columns]
        carried = teams.reindex(scores[wanted].dropna().index).nunique()
        if carried >= MIN_TEAMS_FOR_TEAM_MEASURE:
            found = drivers(
                scores,
                outcome=outcome,
                measures=[*survey_measures, team_measure],
                resamples=resamples,
                seed=seed,
            )
            if found is not None:
                return found, True
    found = drivers(
        scores.drop(columns=[team_measure], errors="ignore"),
        outcome=outcome,
        measures=survey_measures,
        resamples=resamples,
        seed=seed,
    )
    return found, False
