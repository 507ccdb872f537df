"""Proof by attack: no sequence of views, filters and downloads reveals a group smaller than k.

The adversary (tests/privacy_attack.py) calls every leader-facing query
function with every filter combination, writes each visible figure down as a
linear equation over respondents, and tries to recover hidden small groups by
differencing and by solving the system. The suite is known to bite: with
complementary suppression and the audit switched off, the same attack
recovers groups.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import numpy as np
import pytest
from conftest import load_survey, survey_csv
from privacy_attack import Adversary, attack, build_organisation

from queries import survey
from wellbeing import privacy, store


@pytest.fixture(scope="module")
def organisation() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(None)
    build_organisation(connection, survey_csv, load_survey)
    yield connection
    connection.close()


# The equity view and respondent profile add the sensitive breakdowns, whose
# decisions take minutes on a busy two-core machine: opt in with
# WELLBEING_FULL_ATTACK=1. The team, organisation,
# trend, item, quadrant, headline and response-rate views always run.
FULL_ATTACK = os.environ.get("WELLBEING_FULL_ATTACK") == "1"


@pytest.fixture(scope="module")
def adversary(organisation: duckdb.DuckDBPyConnection) -> Adversary:
    return attack(organisation, sensitive=FULL_ATTACK)


def test_the_attack_sees_a_real_amount_of_the_organisation(adversary: Adversary) -> None:
    # Sanity: an attack that sees nothing proves nothing. Both waves, many
    # views, and the four largest teams of wave 1 are visible.
    sources = {figure.source for figure in adversary.figures}
    assert {
        "construct_by_team",
        "construct_for_organisation",
        "construct_by_wave",
        "headline_measures",
        "response_rates_by_team",
        "pool",
    } <= sources
    assert ("construct_by_attribute" in sources) == FULL_ATTACK
    assert {figure.wave_id for figure in adversary.figures} == set(adversary.waves)
    assert len(adversary.figures) > 200


def test_no_hidden_group_is_recovered_by_differencing_or_by_solving_the_figures(
    adversary: Adversary,
) -> None:
    leaks = adversary.recovered()
    assert leaks == [], "\n".join(leaks[:20])


def test_a_team_visible_in_one_wave_is_hidden_in_the_wave_where_it_falls_below_k(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    # Reablement has 7 respondents in Autumn 2025 and 3 in Spring 2026 (k = 5).
    by_wave = survey.construct_by_wave(
        organisation, filters=survey.Filters(), constructs=["stress"]
    )
    reablement = by_wave[by_wave["team"] == "Reablement"].set_index("wave")
    assert reablement.loc["Autumn 2025", "status"] == privacy.SHOWN
    assert reablement.loc["Autumn 2025", "respondents"] == 7
    assert reablement.loc["Spring 2026", "status"] == privacy.BELOW_K
    assert reablement["mean_score"].isna().tolist() == [False, True]


def test_team_counts_agree_with_the_organisation_and_across_constructs(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    # Hospital (11) answers every construct in full except a few support
    # skips; whatever the construct, a shown team's count is its scored
    # respondents, and the teams shown never exceed the organisation's count.
    wave_id = int(survey.waves(organisation)["id"].iloc[0])
    filters = survey.Filters(wave_id=wave_id)
    teams = survey.construct_by_team(organisation, filters=filters)
    org = survey.construct_for_organisation(organisation, filters=filters).set_index("construct")
    scored = organisation.execute(
        "select s.construct, r.team, count(*) from construct_scores as s "
        "join responses as r on r.id = s.response_id where r.wave_id = $w group by all",
        {"w": wave_id},
    ).fetchall()
    expected = {(construct, team): n for construct, team, n in scored}
    for row in teams[teams["status"] == privacy.SHOWN].itertuples():
        assert row.respondents == expected[(row.construct, row.team)]
    shown_totals = teams.groupby("construct")["respondents"].sum()
    for construct, total in shown_totals.items():
        assert total <= org.loc[construct, "respondents"]
    stress = teams[teams["construct"] == "stress"].set_index("team")
    assert stress.loc["Hospital", "respondents"] == 11


def test_small_teams_combined_into_their_service_are_shown_when_safe(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    wave_id = int(survey.waves(organisation)["id"].iloc[0])
    filters = survey.Filters(wave_id=wave_id, combine_small_teams=True)
    rows = survey.construct_by_team(organisation, filters=filters)
    stress = rows[rows["construct"] == "stress"].set_index("team")
    # Adults: Hospital 11, Reablement 7 shown; Sensory 3 and Night duty 2
    # hidden, pooled as 3 + 2 = 5 >= k, and the Adults total (23) is shown,
    # so the pool is 23 - 11 - 7 = 5, which a reader could work out anyway.
    pool = stress.loc["Other teams in Adults"]
    assert pool["status"] == privacy.SHOWN
    assert pool["respondents"] == 5
    assert bool(pool["pooled"]) is True
    assert stress.loc["Sensory", "status"] == privacy.BELOW_K
    # Business: Quality 5 and Workforce 1; Quality is hidden to protect
    # Workforce, and a pool of 6 would be the whole service, which is shown.
    assert "Other teams in Business" in stress.index
    assert stress.loc["Other teams in Business", "respondents"] == 6


def _weakened(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine with only the minimum group size: no complementary suppression, no audit."""
    monkeypatch.setattr(privacy, "_suppress_complement", lambda *args, **kwargs: [])
    monkeypatch.setattr(privacy, "_suppress_complement_rows", lambda *args, **kwargs: None)
    monkeypatch.setattr(privacy._Cube, "audit", lambda self: [])


def test_the_attack_recovers_hidden_groups_from_an_engine_without_complementary_suppression(
    make_survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = store.connect(None)
    build_organisation(connection, make_survey, load_survey)
    _weakened(monkeypatch)
    adversary = Adversary(connection)
    for filters in adversary.filter_sets():
        adversary.observe_team_views(filters)
    leaks = adversary.recovered()
    # Night duty (2) is hidden but Adults' total minus its shown teams gives it away.
    assert any("differencing" in leak for leak in leaks)
    assert any("'team': 'Night duty'" in leak or "Workforce" in leak for leak in leaks)
    connection.close()


def test_the_audit_finds_what_row_and_column_suppression_alone_miss() -> None:
    # Team A: role r 5 and role s 2 (7 in all); team B: role s 6; nobody
    # else. Row/column rules: A/s (2) hidden, so A/r (5) is hidden with it
    # (remainder 2 < 5); in role s the hidden remainder is 2, so B/s (6) is
    # hidden too. Role s at organisation level is 8, role r is 5, team A 7,
    # team B 6: A/r = role r total (every r is in A), so A/s = 7 - 5 = 2.
    finest = _finest([("S", "A", "r", 5), ("S", "A", "s", 2), ("S", "B", "s", 6)])
    rules = privacy.Rules()
    unaudited = privacy.decide(finest, rules, audit=False)
    audited = privacy.decide(finest, rules)
    key = privacy.cell_key(service="S", team="A", role="s")
    assert unaudited.lookup(key) == (privacy.BELOW_K, 2)
    assert _revealed(unaudited, finest, rules) != []
    assert _revealed(audited, finest, rules) == []


def _finest(groups: list[tuple[str, str, str, int]]):
    import pandas as pd

    rows = [
        {
            "service": s,
            "team": t,
            "role": r,
            "career_stage": "x",
            "ethnicity": "e",
            "gender": "g",
            "disability": "d",
            "age_band": "a",
            "respondents": n,
        }
        for s, t, r, n in groups
    ]
    return pd.DataFrame(rows)


def _revealed(decision: privacy.Decision, finest, rules: privacy.Rules) -> list[int]:
    """Finest groups under k that the shown plain cells determine (float least squares)."""
    cells = decision.cells(sensitive=False)
    shown = cells[(cells["status"] == privacy.SHOWN) & (cells["respondents"] > 0)]
    dims = list(privacy.DIMENSIONS)
    values = finest[dims].astype(str).to_numpy()
    rows = np.array(
        [
            [
                all(c == privacy.ALL or c == v for c, v in zip(cell, value, strict=True))
                for value in values
            ]
            for cell in shown[dims].to_numpy()
        ],
        dtype=float,
    )
    revealed = []
    for j, n in enumerate(finest["respondents"]):
        if n >= rules.min_group_size:
            continue
        target = np.zeros(len(finest))
        target[j] = 1
        solution, *_ = np.linalg.lstsq(rows.T, target, rcond=None)
        if np.abs(rows.T @ solution - target).max() < 1e-6:
            revealed.append(j)
    return revealed
