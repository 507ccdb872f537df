"""Proof by attack: no sequence of views, filters and downloads reveals a group smaller than k.

The adversary (tests/privacy_attack.py) calls every leader-facing query
function with every filter combination, writes each visible figure down as a
linear equation over respondents, and tries to recover hidden small groups by
differencing and by solving the system. The suite is known to bite: with
complementary suppression and the audit switched off, the same attack
recovers groups. Leaders filter by role or by career stage, one at a time
(privacy.MAX_SUB_FILTERS); the attack still targets role x career-stage groups.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from importlib import import_module

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import load_survey, survey_csv
from privacy_attack import Adversary, attack, build_organisation

from queries import survey
from wellbeing import privacy, store
from wellbeing.privacy import decision


@pytest.fixture(scope="module")
def organisation() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(None)
    build_organisation(connection, survey_csv, load_survey)
    yield connection
    connection.close()


# Every view runs on every submission, the equity view and respondent profile
# (the sensitive breakdowns) included: about 50 s on a busy two-core machine
# since the audit works block by block. WELLBEING_FULL_ATTACK=0 leaves the
# sensitive views out for a quick local run.
FULL_ATTACK = os.environ.get("WELLBEING_FULL_ATTACK", "1") != "0"


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


def test_the_attack_sees_the_large_teams_and_the_organisation_in_every_wave(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    # Closing the leak must not empty the pages: the organisation, its three
    # services and the teams of 9 or more (Hospital 11, Assessment 13, Care
    # leavers 9 in both waves) stay visible on stress in each wave.
    for wave_id in survey.waves(organisation)["id"]:
        filters = survey.Filters(wave_id=int(wave_id))
        teams = survey.construct_by_team(organisation, filters=filters)
        stress = teams[teams["construct"] == "stress"].set_index("team")
        for team in ("Hospital", "Assessment", "Care leavers"):
            assert stress.loc[team, "status"] == privacy.SHOWN, (wave_id, team)
        org = survey.construct_for_organisation(organisation, filters=filters)
        assert (org["status"] == privacy.SHOWN).all()


def test_role_and_career_stage_cannot_be_filtered_together() -> None:
    with pytest.raises(ValueError, match="Filter by role or by career stage, not both"):
        survey.Filters(role="Manager", career_stage="Newly qualified")
    survey.Filters(role="Manager")  # one at a time is fine
    survey.Filters(career_stage="Newly qualified")
    patterns = privacy.view_patterns()
    assert not [p for p in patterns if {"role", "career_stage"} <= set(p)]
    assert ("service", "team", "role") in patterns
    assert ("service", "team", "career_stage") in patterns


def test_a_team_visible_in_one_wave_is_hidden_in_the_wave_where_it_falls_below_k(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    # Reablement has 7 respondents in Autumn 2025 and 3 in Spring 2026 (k = 5):
    # whatever wave 1 showed, wave 2 shows neither its score nor its count.
    by_wave = survey.construct_by_wave(
        organisation, filters=survey.Filters(), constructs=["stress"]
    )
    reablement = by_wave[by_wave["team"] == "Reablement"].set_index("wave")
    assert reablement.loc["Autumn 2025", "status"] == privacy.SHOWN
    assert reablement.loc["Autumn 2025", "respondents"] == 7
    assert reablement.loc["Spring 2026", "status"] == privacy.BELOW_K
    assert pd.isna(reablement.loc["Spring 2026", "mean_score"])
    assert pd.isna(reablement.loc["Spring 2026", "respondents"])


def test_shown_team_counts_are_their_scored_respondents_and_never_exceed_the_organisation(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
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
    shown = teams[teams["status"] == privacy.SHOWN]
    assert len(shown) > 0
    for row in shown.itertuples():
        assert row.respondents == expected[(row.construct, row.team)]
    assert (org["status"] == privacy.SHOWN).all()
    for construct, total in shown.groupby("construct")["respondents"].sum().items():
        assert total <= org.loc[construct, "respondents"]
    # Hospital: 11 respondents, every one scored on stress.
    stress = teams[teams["construct"] == "stress"].set_index("team")
    assert stress.loc["Hospital", "respondents"] == 11


def test_small_teams_combined_into_their_service_are_the_service_minus_its_shown_teams(
    organisation: duckdb.DuckDBPyConnection,
) -> None:
    wave_id = int(survey.waves(organisation)["id"].iloc[0])
    filters = survey.Filters(wave_id=wave_id, combine_small_teams=True)
    rows = survey.construct_by_team(organisation, filters=filters)
    stress = rows[rows["construct"] == "stress"]
    # Adults: Hospital 11 and Reablement 7 are shown; Sensory 3 and Night duty
    # 2 are hidden and pooled: 3 + 2 = 5 >= k, which is also 23 - 11 - 7, so
    # the pool tells a reader nothing the Adults total did not.
    pool = stress[stress["team"] == "Other teams in Adults"].iloc[0]
    assert pool["status"] == privacy.SHOWN
    assert pool["respondents"] == 5
    assert bool(pool["pooled"]) is True
    sensory = stress[stress["team"] == "Sensory"].iloc[0]
    assert sensory["status"] == privacy.BELOW_K
    # Pools below k are not shown at all.
    assert (stress.loc[stress["pooled"], "respondents"] >= 5).all()


def _weakened(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine with only the minimum group size: no complementary suppression, no audit."""
    # Patched where they are looked up: the cube's fixpoint (decision) and protect().
    monkeypatch.setattr(decision, "_suppress_complement", lambda *args, **kwargs: [])
    monkeypatch.setattr(
        import_module("wellbeing.privacy.protect"),  # the module; privacy.protect is the function
        "_suppress_complement_rows",
        lambda *args, **kwargs: None,
    )
    monkeypatch.setattr(privacy._Cube, "audit", lambda self: [])
    # Decisions are cached per database state: start from none, so the full
    # engine's verdicts on an identical organisation are not reused.
    monkeypatch.setattr(survey, "_DECISIONS", OrderedDict())


def test_the_attack_recovers_hidden_groups_from_an_engine_without_complementary_suppression(
    make_survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = store.connect(None)
    build_organisation(connection, make_survey, load_survey)
    _weakened(monkeypatch)
    adversary = Adversary(connection)
    adversary.observe_everything(sensitive=False)
    leaks = adversary.recovered()
    # With only the minimum group size, team, service and role figures give small
    # groups away (Business 6 shown, Quality 5 shown: Workforce is 1 person).
    assert any("recovered" in leak for leak in leaks)
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
    audited = privacy.decide(finest, rules, audit=True)
    key = privacy.cell_key(service="S", team="A", role="s")
    assert unaudited.lookup(key) == (privacy.BELOW_K, 2)
    assert _revealed(unaudited, finest, rules) != []
    assert _revealed(audited, finest, rules) == []


def _finest(groups: list[tuple[str, str, str, int]]):
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
