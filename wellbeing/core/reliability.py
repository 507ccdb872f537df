"""Reliability of a measure: Cronbach's alpha and each question's item-rest correlation.

A few lines of numpy rather than a statistics package: pingouin's
``cronbach_alpha`` is the same formula but brings matplotlib, seaborn,
scikit-learn and statsmodels with it, and statsmodels has no alpha at all.
Checked against the worked example in Denis (2021), *Applied Univariate,
Bivariate, and Multivariate Statistics*, its five-item example (alpha 0.633; corrected
item-total correlations 0.712, 0.558, 0.512, 0.796, -0.228), in
tests/test_reliability.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Below this, a measure's questions may not be measuring one thing (a common
# rule of thumb for staff surveys: Nunnally's 0.7).
MIN_ALPHA = 0.7
# Fewer respondents with every question answered than this, and no figure is given.
MIN_COMPLETE_RESPONDENTS = 10


@dataclass(frozen=True)
class Reliability:
    """Alpha over respondents who answered every question, and each question's item-rest r."""

    alpha: float | None
    item_rest: dict[str, float]
    respondents: int

    @property
    def low(self) -> bool:
        return self.alpha is not None and self.alpha < MIN_ALPHA


def cronbach_alpha(answers: pd.DataFrame) -> float | None:
    """Cronbach's alpha of the columns of ``answers`` (one row a respondent).

    alpha = k / (k - 1) * (1 - sum of item variances / variance of the total),
    sample variances (n - 1), over the rows with every question answered
    (listwise, as SPSS and pingouin do). None for fewer than two questions or
    when the total does not vary.
    """
    complete = answers.dropna().to_numpy(dtype="float64")
    k = complete.shape[1] if complete.ndim == 2 else 0
    if k < 2 or len(complete) < 2:
        return None
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_variance))


def item_rest(answers: pd.DataFrame) -> dict[str, float]:
    """Each column's Pearson correlation with the sum of the other columns (listwise).

    SPSS calls it the "corrected item-total correlation". A question that runs
    the other way from the rest of its measure shows a negative figure: a sign
    that it should be reverse keyed.
    """
    complete = answers.dropna()
    values = complete.to_numpy(dtype="float64")
    if values.shape[1] < 2 or len(values) < 3:
        return {}
    total = values.sum(axis=1)
    result = {}
    for position, column in enumerate(complete.columns):
        rest = total - values[:, position]
        item = values[:, position]
        if item.std() == 0 or rest.std() == 0:
            continue
        result[str(column)] = float(np.corrcoef(item, rest)[0, 1])
    return result


def reliability(answers: pd.DataFrame) -> Reliability:
    """Alpha and item-rest correlations, or no figures below MIN_COMPLETE_RESPONDENTS."""
    respondents = int(len(answers.dropna()))
    if respondents < MIN_COMPLETE_RESPONDENTS:
        return Reliability(alpha=None, item_rest={}, respondents=respondents)
    return Reliability(
        alpha=cronbach_alpha(answers), item_rest=item_rest(answers), respondents=respondents
    )
