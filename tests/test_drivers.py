"""Drivers: Shapley R² arithmetic, data with known weights, the minimum, the gate, the sample."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
from support import load_survey, survey_csv

from queries import drivers, survey
from wellbeing import privacy
from wellbeing.core import drivers as importance
from wellbeing.core import instruments


def r_squared(y: np.ndarray, *columns: np.ndarray) -> float:
    """R² of an ordinary least-squares fit with an intercept, the long way."""
    design = np.column_stack([np.ones(len(y)), *columns])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def test_two_measures_split_r_squared_as_the_shapley_formula_says():
    rng = np.random.default_rng(3)
    a = rng.normal(size=500)
    b = 0.5 * a + rng.normal(size=500)  # correlated with a
    y = a + 0.5 * b + rng.normal(size=500)
    # With two measures, a's share is the mean of its gain entering first and second:
    # (R²(a) + R²(a, b) - R²(b)) / 2, and b's likewise; the two add up to R²(a, b).
    shares = importance.shapley_r_squared(y, np.column_stack([a, b]))
    both = r_squared(y, a, b)
    assert shares[0] == pytest.approx((r_squared(y, a) + both - r_squared(y, b)) / 2)
    assert shares[1] == pytest.approx((r_squared(y, b) + both - r_squared(y, a)) / 2)
    assert shares.sum() == pytest.approx(both)


def test_a_measure_entered_twice_shares_the_credit_equally_instead_of_failing():
    rng = np.random.default_rng(4)
    a = rng.normal(size=400)
    y = a + rng.normal(size=400)
    shares = importance.shapley_r_squared(y, np.column_stack([a, a.copy()]))
    assert shares[0] == pytest.approx(shares[1])
    assert shares.sum() == pytest.approx(r_squared(y, a))


def known_weights(n: int, seed: int) -> pd.DataFrame:
    """Independent standard-normal measures; y = 0.6 x1 + 0.3 x2 + 0 x3 + noise of variance 0.55.

    So var(y) = 0.36 + 0.09 + 0.55 = 1 and, the measures being independent, each
    one's Shapley share of R² is its weight squared: 0.36, 0.09 and 0.
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = 0.6 * x[:, 0] + 0.3 * x[:, 1] + rng.normal(scale=np.sqrt(0.55), size=n)
    return pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]})


def test_drivers_rank_measures_by_their_known_weights_and_the_intervals_cover_them():
    found = importance.drivers(
        known_weights(1500, seed=11), outcome="y", measures=["y", "x1", "x2", "x3"]
    )
    table = found.table.set_index("measure")
    assert list(found.table["measure"]) == ["x1", "x2", "x3"]
    for measure, truth in {"x1": 0.36, "x2": 0.09, "x3": 0.0}.items():
        low, high = table.loc[measure, ["low", "high"]]
        assert low - 0.002 <= truth <= high, (measure, low, high)
    assert table.loc["x1", "low"] > table.loc["x2", "high"], "x1 is clearly first"
    assert table.loc["x3", "high"] < 0.01, "a measure with no weight gets next to nothing"
    assert found.r_squared == pytest.approx(0.45, abs=0.04)


def test_the_intervals_narrow_as_respondents_grow():
    small = importance.drivers(known_weights(200, seed=5), outcome="y", measures=["y", "x1", "x2"])
    large = importance.drivers(known_weights(2000, seed=5), outcome="y", measures=["y", "x1", "x2"])
    width = lambda found: float((found.table["high"] - found.table["low"]).iloc[0])  # noqa: E731
    assert width(large) < width(small) / 2


def test_drivers_need_ten_respondents_per_measure_and_never_fewer_than_thirty():
    assert importance.min_respondents(2) == 30
    assert importance.min_respondents(8) == 80
    data = known_weights(80, seed=1)
    measures = ["y", "x1", "x2", "x3"]
    assert importance.drivers(data.iloc[:29], outcome="y", measures=measures) is None
    assert importance.drivers(data.iloc[:30], outcome="y", measures=measures) is not None
    # A respondent missing a measure does not count.
    gappy = data.iloc[:30].copy()
    gappy.loc[gappy.index[0], "x2"] = np.nan
    assert importance.drivers(gappy, outcome="y", measures=measures) is None


SCORED = list(importance.MEASURES)


def respondents(service: str, team: str, count: int, rng: random.Random) -> list[dict]:
    items = [i for i in instruments.all_items() if i.instrument == "default"]
    items = [i for i in items if i.construct in SCORED]
    return [
        {"team": team, "service": service, **{i.code: rng.randint(1, 5) for i in items}}
        for _ in range(count)
    ]


def test_a_hidden_service_and_a_small_one_get_no_drivers_and_a_large_one_gets_only_importances(
    con,
):
    rng = random.Random(7)
    rows = respondents("Big service", "Team A", 50, rng) + respondents(
        "Big service", "Team B", 45, rng
    )
    rows += respondents("Middling service", "Team C", 40, rng)
    rows += respondents("Tiny service", "Team D", 3, rng)
    # The engine hides one more service so that the tiny one cannot be worked out from the
    # organisation's total: the cheapest, this one.
    rows += respondents("Small service", "Team E", 12, rng)
    load_survey(con, survey_csv(rows))
    wave_id = int(survey.waves(con)["id"].iloc[0])
    by_scope = {
        service: drivers.drivers(con, wave_id=wave_id, service=service)
        for service in ("Big service", "Middling service", "Tiny service", "Small service")
    }
    big = by_scope["Big service"]
    assert set(big["status"]) == {privacy.SHOWN}
    assert list(big.columns) == drivers.DRIVER_COLUMNS
    assert len(big) == 3 * 8  # three outcomes, eight other measures each
    assert (big["importance"] == big["importance"].round(drivers.DECIMALS)).all()
    middling = by_scope["Middling service"]
    assert middling["status"].tolist() == [drivers.TOO_FEW] * 3
    assert middling["importance"].isna().all()
    tiny = by_scope["Tiny service"]
    assert set(tiny["status"]) == {privacy.BELOW_K}
    assert tiny["importance"].isna().all() and tiny["measure"].isna().all()
    # Too small for drivers anyway, but hidden by the gate first: its status says so.
    small = by_scope["Small service"]
    assert set(small["status"]) == {privacy.PROTECTS_SMALLER}
    assert small["importance"].isna().all()


@pytest.fixture(scope="module")
def sample(demo_db):
    import duckdb

    connection = duckdb.connect(str(demo_db), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("wave", [1, 2, 3], ids=["autumn-2025", "spring-2026", "autumn-2026"])
def test_the_drivers_built_into_the_sample_data_are_recovered(sample, wave):
    found = drivers.drivers(sample, wave_id=wave)

    def top(outcome: str, n: int) -> set[str]:
        rows = found[found["outcome"] == outcome].sort_values("rank")
        rows = rows[rows["measure"] != importance.SUPERVISION_COMPLIANCE]
        return set(rows["measure"].head(n))

    # The sample's records cover every wave: the team's compliance is among the measures
    # (the generator gives teams their own levels of leaving, which go with their
    # supervision: a between-team association, ranked among the survey measures).
    assert set(found["supervision"]) == {drivers.SUPERVISION_INCLUDED}
    assert (found["measure"] == importance.SUPERVISION_COMPLIANCE).sum() == 3

    # sample_data/generate.py: intention to leave = 0.5 stress - 0.3 support + 0.25 change
    # fatigue + noise; stress = 0.5 workload - 0.4 support + 0.2 change fatigue + noise (and
    # intention to leave, which stress drives, goes with it too: association, not cause).
    assert top("intention_to_leave", 3) == {"stress", "support", "change_fatigue"}
    assert {"workload", "support"} <= top("stress", 4)
    stress = found[found["outcome"] == "stress"].set_index("measure")
    assert (stress.loc[["workload", "support"], "low"] > 0.02).all()


def test_each_resample_s_correlations_are_those_of_the_rows_it_drew():
    data = known_weights(120, seed=9).to_numpy()
    fast = importance._resampled_correlations(data, resamples=30, rng=np.random.default_rng(1))
    rng = np.random.default_rng(1)
    for correlations in fast:
        rows = rng.integers(0, len(data), len(data))
        assert correlations == pytest.approx(np.corrcoef(data[rows], rowvar=False), abs=1e-9)


def test_each_outcome_s_resamples_are_its_own_columns_drawn_from_its_seed_whatever_came_before():
    # One stack of resamples serves every outcome of a scope (the same respondents and
    # measures, another order): each outcome's must be what it would draw alone (up to
    # the order BLAS adds up its sums in), and the same whichever outcome came first.
    data = known_weights(150, seed=4)
    names = list(data.columns)
    orders = (names, names[::-1], [names[2], names[0], *names[3:], names[1]])
    first = {}
    for order in orders:
        importance._RESAMPLED.clear()
        first[tuple(order)] = importance._resampled_in_order(data, order, resamples=40, seed=7)
    importance._RESAMPLED.clear()
    for order in orders:
        alone = importance._resampled_correlations(
            data[order].to_numpy(), resamples=40, rng=np.random.default_rng(7)
        )
        kept = importance._resampled_in_order(data, order, resamples=40, seed=7)
        assert np.allclose(kept, np.array(alone), rtol=0, atol=1e-12)
        assert np.array_equal(kept, first[tuple(order)])
    # Other respondents, or another seed, draw afresh.
    fewer = importance._resampled_in_order(data.iloc[:-1], names, resamples=40, seed=7)
    again = importance._resampled_correlations(
        data.iloc[:-1].to_numpy(), resamples=40, rng=np.random.default_rng(7)
    )
    assert np.allclose(fewer, np.array(again), rtol=0, atol=1e-12)
    other_seed = importance._resampled_in_order(data, names, resamples=40, seed=8)
    assert not np.array_equal(
        other_seed, importance._resampled_in_order(data, names, resamples=40, seed=7)
    )


def teams_with_compliance(teams: int, per_team: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Respondents in ``teams`` teams; the outcome is driven by the team's compliance.

    Compliance c is one figure per team, spread evenly over 0.2-0.9; y = 2 c
    (standardised: c's between-team variance is the whole of its part) + 0.5 x1 +
    noise; x2 has no weight. So compliance's Shapley share is its squared
    correlation with y (x1 and c are independent), and it ranks first.
    """
    rng = np.random.default_rng(seed)
    team = np.repeat([f"T{t}" for t in range(teams)], per_team)
    by_team = dict(zip(sorted(set(team)), np.linspace(0.2, 0.9, teams), strict=True))
    c = np.array([by_team[t] for t in team])
    x1 = rng.normal(size=len(team))
    x2 = rng.normal(size=len(team))
    y = 2 * (c - c.mean()) / c.std() * 0.6 + 0.5 * x1 + rng.normal(scale=0.5, size=len(team))
    scores = pd.DataFrame(
        {"y": y, "x1": x1, "x2": x2, importance.SUPERVISION_COMPLIANCE: c},
        index=pd.RangeIndex(len(team), name="response_id"),
    )
    return scores, pd.Series(team, index=scores.index)


def test_a_team_s_compliance_that_drives_the_outcome_ranks_first():
    scores, teams = teams_with_compliance(teams=8, per_team=40, seed=2)
    found, included = importance.drivers_with_team_measure(
        scores, outcome="y", teams=teams, measures=["y", "x1", "x2"]
    )
    assert included
    table = found.table.set_index("measure")
    assert found.table["measure"].tolist()[0] == importance.SUPERVISION_COMPLIANCE
    # var(y) = 1.44 + 0.25 + 0.25 = 1.94: compliance 1.44 / 1.94 = 0.74, x1 0.25 / 1.94 = 0.13.
    truth = {importance.SUPERVISION_COMPLIANCE: 1.44 / 1.94, "x1": 0.25 / 1.94, "x2": 0.0}
    for measure, share in truth.items():
        assert table.loc[measure, "low"] - 0.01 <= share <= table.loc[measure, "high"] + 0.01
    assert table.loc[importance.SUPERVISION_COMPLIANCE, "low"] > table.loc["x1", "high"]


def test_compliance_is_left_out_with_too_few_teams_or_respondents_carrying_it():
    scores, teams = teams_with_compliance(teams=8, per_team=40, seed=2)
    few_teams = scores.copy()
    few_teams.loc[~teams.isin(["T0", "T1", "T2", "T3"]), importance.SUPERVISION_COMPLIANCE] = None
    found, included = importance.drivers_with_team_measure(
        few_teams, outcome="y", teams=teams, measures=["y", "x1", "x2"]
    )
    assert not included
    assert importance.SUPERVISION_COMPLIANCE not in set(found.table["measure"])
    # Every respondent counts again once compliance is out: the survey measures alone.
    alone = importance.drivers(
        scores.drop(columns=importance.SUPERVISION_COMPLIANCE),
        outcome="y",
        measures=["y", "x1", "x2"],
    )
    pd.testing.assert_frame_equal(found.table, alone.table)
    small, small_teams = teams_with_compliance(teams=6, per_team=4, seed=2)  # 24 < 30
    assert importance.drivers_with_team_measure(
        small, outcome="y", teams=small_teams, measures=["y", "x1", "x2"]
    ) == (None, False)


def test_only_compliance_the_supervision_engine_shows_for_every_month_of_the_wave_is_used(
    monkeypatch,
):
    months = [dt.date(2026, 3, 1), dt.date(2026, 4, 1)]
    monkeypatch.setattr(drivers, "_wave_months", lambda con, wave_id: months)
    shown, hidden = privacy.SHOWN, privacy.BELOW_K
    rows = pd.DataFrame(
        {
            "month": months * 4 + months[:1],
            "service": ["S"] * 9,
            "team": ["Open", "Open", "Hidden", "Hidden", "Once", "Once", None, None, "Half"],
            "staff_due": [10, 10, None, None, 8, None, 30, 30, 6],
            "compliant": [8, 6, None, None, 4, None, 20, 22, 3],
            "status": [shown, shown, hidden, hidden, shown, hidden, shown, shown, shown],
        }
    )
    monkeypatch.setattr(drivers.supervision, "compliance", lambda con, **kw: rows)
    found = drivers._team_compliance(None, wave_id=1, rules=privacy.Rules())
    # Open: (8 + 6) / (10 + 10). Hidden in both months, hidden in one, or with no row for
    # one of the months: no figure, so none of their respondents has one.
    assert found.to_dict() == {"Open": pytest.approx(0.7)}


@pytest.mark.parametrize("wave", [1, 3], ids=["autumn-2025", "autumn-2026"])
def test_the_sample_s_teams_the_supervision_engine_hides_lend_no_compliance(sample, wave):
    from queries import settings, supervision

    rules = settings.rules(sample)
    months = drivers._wave_months(sample, wave_id=wave)
    assert months, "the sample's records cover every wave"
    rows = supervision.compliance(sample, month_from=months[0], month_to=months[-1], rules=rules)
    rows = rows[rows["team"].notna()]
    hidden = set(rows.loc[rows["status"] != privacy.SHOWN, "team"])
    found = drivers._team_compliance(sample, wave_id=wave, rules=rules)
    assert hidden, "the sample has teams the supervision engine hides"
    assert not hidden & set(found.index)
    if len(months) == 1:
        shown = rows[rows["status"] == privacy.SHOWN].set_index("team")["compliance"]
        pd.testing.assert_series_equal(
            found.sort_index(), shown.astype("float64").sort_index(), check_names=False
        )
