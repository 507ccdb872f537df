"""Honest uncertainty: 95% intervals and the rule for calling a team different.

Vectorised over pandas Series so a page computes every team's interval at once.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from wellbeing.core.measures import CONFIDENCE, MIN_MEANINGFUL_GAP_SCALE, MIN_MEANINGFUL_GAP_SHARE

HIGHER = "higher"
LOWER = "lower"
COULD_BE_CHANCE = "could be chance"


# scipy.special, not scipy.stats: the same quantiles, and a third of the import time
# (scipy.stats took 1.3 s of every server start). Imported on first use: a restart's
# first page, drawn from the figures kept for it (queries/first_view.py), needs none,
# and its 0.15 s of imports slowed the browser loading that page on two cores.
def _special():
    from scipy import special

    return special


# scipy's quantile functions are slow per call; pages ask for hundreds of
# intervals per click, over a few hundred distinct team sizes.
@functools.cache
def _z() -> float:
    return float(_special().ndtri(0.5 + CONFIDENCE / 2))


@functools.lru_cache(maxsize=4096)
def _t_quantile(degrees_of_freedom: int) -> float:
    return float(_special().stdtrit(degrees_of_freedom, 0.5 + CONFIDENCE / 2))


def as_floats(values: pd.Series | np.ndarray | list) -> np.ndarray:
    """Values as float64, anything not a number as NaN."""
    if isinstance(values, pd.Series):
        if values.dtype == "float64":
            return values.to_numpy()
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values, dtype="float64")


def _index(*values: object) -> pd.Index | None:
    """The index of the first Series among ``values`` (the answer keeps its rows' labels)."""
    return next((v.index for v in values if isinstance(v, pd.Series)), None)


# The arithmetic runs on numpy arrays: a page works out dozens of intervals per
# click, and pandas' per-operation overhead cost more than the numbers.


def mean_interval(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Student-t interval for a mean: mean ± t(n-1) · sd / √n; null where n < 2."""
    counts, means = as_floats(n), as_floats(mean)
    spread = np.nan_to_num(as_floats(sd), nan=0.0)
    valid = counts >= 2
    t = np.full(counts.shape, np.nan)
    t[valid] = [_t_quantile(int(df)) for df in counts[valid] - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        half = t * spread / np.sqrt(counts)
    index = _index(n, mean, sd)
    return pd.Series(means - half, index=index), pd.Series(means + half, index=index)


def wilson_interval(share: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval for a proportion; stays inside [0, 1] for small n."""
    counts, p = as_floats(n), as_floats(share)
    z = _z()
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = 1 + z**2 / counts
        centre = (p + z**2 / (2 * counts)) / denominator
        half = z * np.sqrt(p * (1 - p) / counts + z**2 / (4 * counts**2)) / denominator
    index = _index(n, share)
    return pd.Series(centre - half, index=index), pd.Series(centre + half, index=index)


def compare_with_organisation(
    value: pd.Series,
    low: pd.Series,
    high: pd.Series,
    organisation: float,
    *,
    is_share: bool,
) -> pd.Series:
    """'higher', 'lower' or 'could be chance' for each team against the organisation.

    Different only when the interval excludes the organisation's figure and the
    gap is at least 0.25 on a 1-5 scale or 5 percentage points.
    """
    gap = MIN_MEANINGFUL_GAP_SHARE if is_share else MIN_MEANINGFUL_GAP_SCALE
    values, lows, highs = as_floats(value), as_floats(low), as_floats(high)
    verdict = np.full(values.shape, COULD_BE_CHANCE, dtype=object)
    verdict[(lows > organisation) & (values - organisation >= gap)] = HIGHER
    verdict[(highs < organisation) & (organisation - values >= gap)] = LOWER
    verdict[np.isnan(values)] = None
    return pd.Series(verdict, index=_index(value, low, high), dtype="object")


def difference_interval(
    groups: list[tuple[float, float, float, int]],
) -> tuple[float, float, float]:
    """A sum of signed means with its 95% Welch-Satterthwaite interval.

    ``groups`` holds ``(sign, mean, sd, n)`` for each independent mean, so the
    change of a team against the organisation's over the same two waves is
    ``[(+1, after), (-1, before), (-1, org_after), (+1, org_before)]``. The
    variance is the sum of each mean's ``sd² / n``; its degrees of freedom are
    Welch-Satterthwaite's. A team is part of the organisation, so the two are
    positively correlated and treating them as independent makes the interval a
    little wider than it need be: an honest, cautious choice.

    Returns ``(difference, low, high)``; NaN throughout when any group has n < 2.

    Example:
        difference_interval([(1, 3.2, 0.8, 20), (-1, 3.6, 0.9, 22)])
    """
    if any(n < 2 for _, _, _, n in groups):
        return (float("nan"),) * 3
    difference = float(sum(sign * mean for sign, mean, _, _ in groups))
    parts = [sd**2 / n for _, _, sd, n in groups]
    variance = float(sum(parts))
    if variance == 0:
        return difference, difference, difference
    denominator = sum(part**2 / (n - 1) for part, (_, _, _, n) in zip(parts, groups, strict=True))
    degrees = variance**2 / denominator
    half = float(_special().stdtrit(degrees, 0.5 + CONFIDENCE / 2)) * np.sqrt(variance)
    return difference, difference - half, difference + half


def change_verdict(low: float, high: float, *, higher_is_better: bool) -> str:
    """'better', 'worse' or 'could be chance' for a change whose interval is ``low``-``high``.

    Any interval that includes 0 could be chance, however large the change.
    """
    if np.isnan(low) or np.isnan(high) or low <= 0 <= high:
        return COULD_BE_CHANCE
    rose = low > 0
    return "better" if rose == higher_is_better else "worse"
