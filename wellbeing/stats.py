"""Honest uncertainty: 95% intervals and the rule for calling a team different.

Vectorised over pandas Series so a page computes every team's interval at once.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from wellbeing.measures import CONFIDENCE, MIN_MEANINGFUL_GAP_SCALE, MIN_MEANINGFUL_GAP_SHARE

HIGHER = "higher"
LOWER = "lower"
COULD_BE_CHANCE = "could be chance"


# scipy's quantile functions cost about a millisecond a call; pages ask for
# hundreds of intervals per click, over a few hundred distinct team sizes.
_Z = float(scipy_stats.norm.ppf(0.5 + CONFIDENCE / 2))


@functools.lru_cache(maxsize=4096)
def _t_quantile(degrees_of_freedom: int) -> float:
    return float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, degrees_of_freedom))


def mean_interval(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Student-t interval for a mean: mean ± t(n-1) · sd / √n; null where n < 2."""
    n = pd.to_numeric(n, errors="coerce").astype("float64")
    mean = pd.to_numeric(mean, errors="coerce").astype("float64")
    sd = pd.to_numeric(sd, errors="coerce").astype("float64").fillna(0.0)
    valid = n >= 2
    t = pd.Series(np.nan, index=n.index)
    t[valid] = [_t_quantile(int(df)) for df in (n[valid] - 1)]
    half = t * sd / np.sqrt(n)
    return mean - half, mean + half


def wilson_interval(share: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wilson score interval for a proportion; stays inside [0, 1] for small n."""
    n = pd.to_numeric(n, errors="coerce").astype("float64")
    p = pd.to_numeric(share, errors="coerce").astype("float64")
    z = _Z
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


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
    value = pd.to_numeric(value, errors="coerce").astype("float64")
    verdict = pd.Series(COULD_BE_CHANCE, index=value.index, dtype="object")
    above = (low > organisation) & (value - organisation >= gap)
    below = (high < organisation) & (organisation - value >= gap)
    verdict[above.fillna(False).astype(bool)] = HIGHER
    verdict[below.fillna(False).astype(bool)] = LOWER
    verdict[value.isna()] = None
    return verdict
