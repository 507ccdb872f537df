"""Honest uncertainty: 95% intervals and the rule for calling a team different.

Vectorised over pandas Series so a page computes every team's interval at once.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from wellbeing.core.measures import CONFIDENCE, MIN_MEANINGFUL_GAP_SCALE, MIN_MEANINGFUL_GAP_SHARE

HIGHER = "higher"
LOWER = "lower"
COULD_BE_CHANCE = "could be chance"


# scipy's quantile functions are slow per call; pages ask for hundreds of
# intervals per click, over a few hundred distinct team sizes.
_Z = float(scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2))


@functools.lru_cache(maxsize=4096)
def _t_quantile(degrees_of_freedom: int) -> float:
    return float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, degrees_of_freedom))


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
    z = _Z
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
