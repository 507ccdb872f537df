"""Charts of more teams than anyone can read draw the ones that stand out, and say so.

Each chart is given hand-made rows whose ranking is known: which teams must be
drawn, which left out, and the note the figure carries.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from wellbeing import privacy
from wellbeing.present import charts

LIMIT = charts.MOST_TEAMS_DRAWN


def team(number: int) -> str:
    return f"Team {number:03d}"


def interval_figures(values: dict[str, float], beyond_chance: set[str]) -> pd.DataFrame:
    """``figures.team_figures`` rows, highest value first, with a fixed 0.05 half-interval."""
    frame = pd.DataFrame(
        {
            "team": list(values),
            "respondents": 30.0,
            "value": list(values.values()),
            "status": privacy.SHOWN,
            "verdict": ["higher" if t in beyond_chance else "could be chance" for t in values],
        }
    )
    frame["low"] = frame["value"] - 0.05
    frame["high"] = frame["value"] + 0.05
    return frame.sort_values("value", ascending=False).reset_index(drop=True)


def note_of(figure) -> str:
    return figure.layout.title.text or ""


def test_a_team_chart_of_many_teams_draws_gaps_beyond_chance_first_then_the_furthest():
    # 60 teams around an organisation at 0.50. Teams 0-4 are only 0.01 above it but
    # beyond chance (large teams); teams 5-59 could be chance, team i 0.005*i away.
    values = {team(i): 0.51 for i in range(5)}
    values |= {team(i): 0.50 + (0.005 * i if i % 2 else -0.005 * i) for i in range(5, 60)}
    figures = interval_figures(values, beyond_chance={team(i) for i in range(5)})
    chart = charts.team_intervals(figures, kind="share", axis_title="Share", k=5, organisation=0.50)
    drawn = set(chart.data[0].y)
    # the five beyond chance, then the 35 chance teams furthest away: 25 to 59
    assert drawn == {team(i) for i in range(5)} | {team(i) for i in range(25, 60)}
    assert len(drawn) == LIMIT
    # The organisation is one line across every row (a shape: a click on it selects nothing).
    (line,) = [shape for shape in chart.layout.shapes if (shape.name or "").startswith("Organ")]
    assert (line.x0, line.x1, line.yref, line.y0, line.y1) == (0.50, 0.50, "paper", 0, 1)
    assert f"{LIMIT} of 60 teams drawn" in note_of(chart)
    assert "filtered by service" in note_of(chart)
    # still drawn highest first
    bars = chart.layout.yaxis.categoryarray[::-1]
    assert [values[t] for t in bars] == sorted((values[t] for t in bars), reverse=True)


def test_a_team_chart_of_few_enough_teams_draws_every_team_hidden_ones_too_and_no_note():
    values = {team(i): 0.3 + 0.01 * i for i in range(LIMIT - 1)}
    figures = interval_figures(values, beyond_chance=set())
    hidden = pd.DataFrame(
        [
            {
                "team": "Tiny team",
                "respondents": np.nan,
                "value": np.nan,
                "status": privacy.BELOW_K,
                "verdict": None,
                "low": np.nan,
                "high": np.nan,
            }
        ]
    )
    chart = charts.team_intervals(
        pd.concat([figures, hidden], ignore_index=True),
        kind="share",
        axis_title="Share",
        k=5,
        organisation=0.4,
    )
    assert set(chart.data[0].y) == set(values)
    assert list(chart.data[1].y) == ["Tiny team"]  # hidden, with its reason
    assert note_of(chart) == ""


def test_a_hidden_team_is_left_out_once_there_are_too_many_to_draw():
    values = {team(i): 0.2 + 0.005 * i for i in range(LIMIT + 5)}
    figures = interval_figures(values, beyond_chance=set())
    hidden = figures.iloc[[0]].assign(
        team="Tiny team", value=np.nan, low=np.nan, high=np.nan, status=privacy.BELOW_K
    )
    chart = charts.team_intervals(
        pd.concat([figures, hidden], ignore_index=True),
        kind="share",
        axis_title="Share",
        k=5,
        organisation=None,  # hidden organisation: distance from the median team
    )
    assert "Tiny team" not in {y for trace in chart.data for y in trace.y}
    assert len(chart.data[0].y) == LIMIT
    assert f"{LIMIT} of {LIMIT + 6} teams drawn" in note_of(chart)


def heatmap_scores(teams: int) -> pd.DataFrame:
    """Two constructs; team i's means are 3 +/- 0.01*i, so its mean gap is 0.01*i."""
    rows = []
    for i in range(teams):
        rows.append((team(i), "stress", 3 + 0.01 * i, 20, privacy.SHOWN, 0.5))
        rows.append((team(i), "support", 3 - 0.01 * i, 20, privacy.SHOWN, 0.5))
    rows.append(("Hidden team", "stress", np.nan, np.nan, privacy.BELOW_K, np.nan))
    rows.append(("Hidden team", "support", np.nan, np.nan, privacy.BELOW_K, np.nan))
    return pd.DataFrame(
        rows, columns=["team", "construct", "mean_score", "respondents", "status", "sd"]
    )


HEATMAP_CONSTRUCTS = pd.DataFrame({"code": ["stress", "support"], "name": ["Stress", "Support"]})
ORGANISATION_MEANS = pd.Series({"stress": 3.0, "support": 3.0})


@pytest.mark.parametrize("draw", [charts.construct_heatmap, charts.hse_heatmap])
def test_a_heatmap_of_many_teams_draws_those_furthest_from_the_organisation(draw):
    chart = draw(heatmap_scores(50), HEATMAP_CONSTRUCTS, ORGANISATION_MEANS, k=5)
    assert set(chart.data[0].y) == {team(i) for i in range(10, 50)}
    assert f"{LIMIT} of 51 teams drawn" in note_of(chart)


def test_the_hse_heatmap_keeps_its_scoring_title_above_the_note_and_intervals_in_its_hover():
    chart = charts.hse_heatmap(heatmap_scores(50), HEATMAP_CONSTRUCTS, ORGANISATION_MEANS, k=5)
    assert note_of(chart).startswith("HSE scoring: higher is better")
    assert "teams drawn" in note_of(chart)
    assert all("95% interval" in cell for row in chart.data[0].hovertext for cell in row)


def test_a_heatmap_of_few_enough_teams_draws_every_team_hidden_ones_too():
    chart = charts.construct_heatmap(
        heatmap_scores(LIMIT - 1), HEATMAP_CONSTRUCTS, ORGANISATION_MEANS, k=5
    )
    assert len(chart.data[0].y) == LIMIT
    assert "Hidden team" in set(chart.data[0].y)
    assert note_of(chart) == ""


def test_response_rates_of_many_teams_draw_the_low_ones_hidden_or_not_then_the_lowest():
    rows = [
        # hidden, but certainly under the low-response line: flagged, drawn first
        {
            "team": "Hidden low",
            "respondents": np.nan,
            "headcount": 40,
            "response_rate": np.nan,
            "status": privacy.BELOW_K,
            "low_response": True,
        },
        {
            "team": "Not on the staff list",
            "respondents": 10,
            "headcount": np.nan,
            "response_rate": np.nan,
            "status": privacy.SHOWN,
            "low_response": False,
        },
    ]
    rows += [
        {
            "team": team(i),
            "respondents": 20 + i,
            "headcount": 100,
            "response_rate": (20 + i) / 100,
            "status": privacy.SHOWN,
            "low_response": (20 + i) / 100 < 0.5,
        }
        for i in range(60)
    ]
    chart = charts.response_rate_bars(pd.DataFrame(rows), k=5, low_rate=0.5)
    drawn = {y for trace in chart.data for y in trace.y if y is not None}
    # the flagged hidden team and the 39 lowest rates (20%-58%)
    assert drawn == {"Hidden low"} | {team(i) for i in range(39)}
    assert f"{LIMIT} of 62 teams drawn: under 50% first" in note_of(chart)


def test_quadrant_bars_of_many_teams_draw_those_furthest_from_the_organisations_share():
    shares = {team(i): 0.40 + (0.004 * i if i % 2 else -0.004 * i) for i in range(50)}
    teams = pd.DataFrame(
        {
            "team": list(shares),
            "status": privacy.SHOWN,
            "respondents": 30,
            "share_high_support_high_challenge": list(shares.values()),
            "share_high_support_low_challenge": 0.2,
            "share_low_support_high_challenge": 0.2,
            "share_low_support_low_challenge": [0.2 - (s - 0.4) for s in shares.values()],
        }
    )
    organisation = pd.Series(
        {
            "team": None,
            "status": privacy.SHOWN,
            "respondents": 1500,
            "share_high_support_high_challenge": 0.40,
            "share_high_support_low_challenge": 0.2,
            "share_low_support_high_challenge": 0.2,
            "share_low_support_low_challenge": 0.2,
        }
    )
    chart = charts.quadrant_bars(teams, k=5, organisation=organisation)
    assert set(chart.data[0].y) == {team(i) for i in range(10, 50)} | {"Organisation"}
    assert f"{LIMIT} of 50 teams drawn" in note_of(chart)


def test_survey_against_records_of_many_teams_draws_where_they_differ_most():
    frame = pd.DataFrame(
        {
            "team": [team(i) for i in range(45)] + ["Records only"],
            "reported": [0.5 + 0.01 * i for i in range(45)] + [np.nan],
            "reported_n": [20] * 45 + [np.nan],
            "recorded": [0.5] * 46,
            "recorded_n": [25] * 46,
        }
    )
    chart = charts.reported_against_records(
        frame, reported_label="Say monthly", recorded_label="Recorded monthly", k=5
    )
    drawn = set(chart.data[0].y) | set(chart.data[1].y)
    assert drawn == {team(i) for i in range(5, 45)}
    assert f"{LIMIT} of 46 teams drawn" in note_of(chart)


@pytest.mark.parametrize("teams", [LIMIT, LIMIT + 1])
def test_scatter_charts_draw_every_team_and_name_them_only_while_the_names_can_be_read(teams):
    names = [team(i) for i in range(teams)]
    points = pd.DataFrame(
        {
            "team": names,
            "x": np.linspace(0.2, 0.9, teams),
            "y": np.linspace(2, 4, teams),
            "x_count": 12,
            "y_count": 10,
        }
    )
    records = charts.team_scatter(
        points,
        x="x",
        y="y",
        x_title="Compliant",
        y_title="Support",
        x_kind="share",
        y_kind="score",
    )
    quadrants = charts.support_challenge_scatter(
        pd.DataFrame(
            {
                "team": names,
                "status": privacy.SHOWN,
                "respondents": 20,
                "mean_support": np.linspace(2, 4, teams),
                "mean_challenge": np.linspace(4, 2, teams),
            }
        ),
        cutoff=4.0,
    )
    for chart in (records, quadrants):
        assert sorted(point[0] for point in chart.data[0].customdata) == names
        assert chart.data[0].mode == ("markers+text" if teams <= LIMIT else "markers")
        # Names are drawn only where they fit clear of each other; the others are on hover.
        named = [text for text in chart.data[0].text if text]
        assert named if teams <= LIMIT else not named


def test_a_heatmap_writes_figures_in_cells_only_where_every_column_fits_at_1024_px():
    # Two measures: each figure fits its column on the narrowest page.
    few = charts.construct_heatmap(heatmap_scores(5), HEATMAP_CONSTRUCTS, ORGANISATION_MEANS, k=5)
    assert any(
        re.fullmatch(r"[\u25b2\u25bc]?\d\.\d\d", str(c)) for row in few.data[0].text for c in row
    )
    # Fourteen measures with names as long as real ones: only the marks fit.
    codes = [f"Psychological safety {i}" for i in range(14)]
    scores = pd.concat(
        [
            heatmap_scores(5).assign(construct=lambda f, i=i: f["construct"] + str(i))
            for i in range(7)
        ]
    )
    constructs = pd.DataFrame(
        {"code": [f"{c}{i}" for i in range(7) for c in ("stress", "support")], "name": codes}
    )
    means = pd.Series({code: 3.0 for code in constructs["code"]})
    many = charts.construct_heatmap(scores, constructs, means, k=5)
    cells = {str(c) for row in many.data[0].text for c in row}
    assert not any(re.search(r"\d\.\d\d", c) for c in cells)
    assert "<5" in cells
    assert any("3.0" in h for row in many.data[0].hovertext for h in row)


WARMED_CHART = """
import sys
sys.path.insert(0, "tests")
from test_charts_many_teams import interval_figures, team
from wellbeing.present import charts
if sys.argv[1] == "warm":
    charts.style.warm_up()
before = {m for m in sys.modules if m.startswith("plotly")}
figures = interval_figures({team(i): 0.4 + 0.01 * i for i in range(8)}, beyond_chance=set())
chart = charts.team_intervals(figures, kind="share", axis_title="Share", k=5, organisation=0.5)
chart.to_dict()
print(len({m for m in sys.modules if m.startswith("plotly")} - before))
"""


@pytest.mark.parametrize("warm", ["warm", "cold"])
def test_the_warm_up_leaves_a_first_chart_nothing_of_plotly_to_import(warm):
    # The server warms plotly at start (wellbeing.ui.run.warm_start): its first chart
    # imported about 200 modules, 0.4 s of the first leader's first chart.
    import subprocess
    import sys

    from support import ROOT

    run = subprocess.run(
        [sys.executable, "-c", WARMED_CHART, warm],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = int(run.stdout.strip().splitlines()[-1])
    if warm == "warm":
        assert imported == 0
    else:
        assert imported > 50, "the cold case no longer shows what the warm-up is for"


def timeline_rows(teams: int) -> pd.DataFrame:
    """``queries.survey.construct_by_wave`` rows: each team shown in two waves."""
    waves = [("Autumn 2025", "2025-10-01"), ("Spring 2026", "2026-04-01")]
    return pd.DataFrame(
        [
            {
                "team": team(i),
                "wave": wave,
                "wave_opened_on": pd.Timestamp(opened),
                "mean_score": 3.0 + 0.01 * i,
                "respondents": 8,
                "status": privacy.SHOWN,
            }
            for i in range(teams)
            for wave, opened in waves
        ]
    )


@pytest.mark.parametrize(("teams", "mode"), [(LIMIT, "lines+markers"), (LIMIT + 1, "lines")])
def test_the_change_timeline_draws_no_marker_on_each_point_of_more_teams_than_a_chart_draws(
    teams, mode
):
    organisation = pd.DataFrame(
        {
            "wave": ["Autumn 2025"],
            "wave_opened_on": [pd.Timestamp("2025-10-01")],
            "value": [3.2],
            "respondents": [400],
            "status": [privacy.SHOWN],
        }
    )
    events = pd.DataFrame(columns=["started_on", "title", "kind", "organisation_wide", "team"])
    chart = charts.change_timeline(
        timeline_rows(teams), organisation, events, axis_title="Mean change fatigue"
    )
    (lines,) = [trace for trace in chart.data if trace.name == "Teams"]
    assert lines.mode == mode
    # Every team's two points are still there to hover, one line each.
    assert sum(y is not None for y in lines.y) == 2 * teams
    assert sum(y is None for y in lines.y) == teams - 1
