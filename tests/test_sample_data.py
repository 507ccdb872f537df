"""The bundled sample data: reproducible, imports cleanly, and carries its patterns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from queries import survey
from wellbeing import privacy

SAMPLE = ROOT / "sample_data"


def test_the_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path):
    subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    committed = sorted(path.name for path in SAMPLE.glob("*.csv"))
    assert sorted(path.name for path in tmp_path.glob("*.csv")) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


@pytest.fixture(scope="module")
def demo(demo_db: Path):
    connection = duckdb.connect(str(demo_db), read_only=True)
    yield connection
    connection.close()


def wave_id(con, label: str) -> int:
    waves = survey.waves(con)
    return int(waves.loc[waves["label"] == label, "id"].iloc[0])


def test_every_sample_export_imports_without_a_rejected_row(demo):
    rows = demo.execute(
        "select file_name, rows_read, rows_stored, rows_rejected from uploads"
    ).fetchall()
    assert {name for name, *_ in rows} >= {
        "survey_autumn_2025.csv",
        "survey_spring_2026.csv",
        "survey_autumn_2026.csv",
        "hse_indicator_autumn_2026.csv",
    }
    assert all(rejected == 0 and read == stored for _, read, stored, rejected in rows)


def test_three_waves_about_six_months_apart(demo):
    waves = survey.waves(demo)
    assert waves["label"].tolist() == ["Autumn 2025", "Spring 2026", "Autumn 2026"]
    gaps = waves["opened_on"].diff().dropna().dt.days
    assert gaps.between(150, 215).all()


def team_mean(con, *, wave: str, team: str, construct: str) -> float:
    scores = survey.construct_by_team(con, filters=survey.Filters(wave_id=wave_id(con, wave)))
    row = scores[(scores["team"] == team) & (scores["construct"] == construct)]
    assert row["status"].iloc[0] == privacy.SHOWN
    return float(row["mean_score"].iloc[0])


def test_the_restructured_team_shows_a_change_fatigue_spike_at_the_next_wave(demo):
    before = team_mean(
        demo, wave="Autumn 2025", team="Assessment Team North", construct="change_fatigue"
    )
    after = team_mean(
        demo, wave="Spring 2026", team="Assessment Team North", construct="change_fatigue"
    )
    assert after - before >= 0.8


@pytest.mark.parametrize(
    "team", ["Front Door (MASH)", "Hospital Discharge", "Child Protection East"]
)
def test_teams_with_patchy_supervision_report_more_stress_and_less_support(demo, team):
    filters = survey.Filters(wave_id=wave_id(demo, "Autumn 2026"))
    organisation = survey.construct_for_organisation(demo, filters=filters).set_index("construct")
    stress = team_mean(demo, wave="Autumn 2026", team=team, construct="stress")
    support = team_mean(demo, wave="Autumn 2026", team=team, construct="support")
    assert stress - organisation.loc["stress", "mean_score"] >= 0.4
    assert support < organisation.loc["support", "mean_score"]


def test_about_a_quarter_of_staff_have_high_support_and_high_challenge(demo):
    shares = demo.execute(
        """
        select r.wave_id, avg(case when s.score >= 4 and c.score >= 4 then 1.0 else 0.0 end)
        from responses r
        join construct_scores s on s.response_id = r.id and s.construct = 'support'
        join construct_scores c on c.response_id = r.id and c.construct = 'challenge'
        group by r.wave_id
        """
    ).fetchall()
    assert len(shares) == 3
    assert all(0.20 <= share <= 0.32 for _, share in shares)


def test_the_smallest_teams_are_hidden_by_the_anonymity_rule(demo):
    scores = survey.construct_by_team(
        demo, filters=survey.Filters(wave_id=wave_id(demo, "Autumn 2026"))
    )
    stress = scores[scores["construct"] == "stress"].set_index("team")
    for team in ("Sensory Impairment", "Deprivation of Liberty"):
        assert stress.loc[team, "status"] != privacy.SHOWN
        assert stress.loc[team, ["respondents", "mean_score"]].isna().all()
