"""Page sections as plain functions: what each says, draws and tabulates, without Streamlit.

Rows are written by hand as the gated queries return them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from support import ROOT

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.present import panels, tables
from wellbeing.present.figures import SCORE, SHARE

SCOPE = panels.Scope(wave="Autumn 2026", covers="Children's services", k=5)


def team_rows() -> pd.DataFrame:
    """Three teams: Alpha 12 of 20 high (60%), Beta 2 of 20 (10%), Tiny hidden (below k)."""
    return pd.DataFrame(
        {
            "team": ["Alpha", "Beta", "Tiny"],
            "respondents": [20, 20, None],
            "share_high": [0.6, 0.1, None],
            "mean_score": [3.9, 2.4, None],
            "sd": [0.8, 0.7, None],
            "status": [privacy.SHOWN, privacy.SHOWN, privacy.BELOW_K],
        }
    )


def organisation_rows() -> pd.DataFrame:
    # 300 respondents, 30% high: Wilson (25%, 35%).
    return pd.DataFrame(
        {
            "respondents": [300],
            "share_high": [0.3],
            "mean_score": [3.1],
            "sd": [0.9],
            "status": [privacy.SHOWN],
        }  # fmt: skip
    )


def stress_panel() -> panels.Panel:
    return panels.team_panel(
        team_rows(),
        organisation_rows(),
        value="share_high",
        kind=SHARE,
        title="High stress by team",
        what="the share with high stress",
        axis_title="Share with high stress (95% interval)",
        key="stress_share_high",
        scope=SCOPE,
    )


def test_a_panel_is_built_without_streamlit():
    # In a fresh interpreter: other tests in this session import Streamlit.
    script = (
        "import sys\n"
        "sys.path.insert(0, 'tests')\n"
        "from tests.test_panels import stress_panel\n"
        "assert stress_panel().figure is not None\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'streamlit'], 'streamlit'\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)


def test_a_team_panel_reads_draws_and_tabulates_the_same_figures():
    panel = stress_panel()
    # Alpha 60%: Wilson (38.7%, 78.1%) excludes 30% and the gap is 30 points: above.
    assert panel.reading.startswith(
        "1 of 2 teams shown is above the organisation's 30% for the share with high stress "
        "beyond chance: Alpha at 60%"
    )
    assert panel.reading.endswith("1 of 3 teams is hidden to protect respondents.")
    dots = panel.figure.data[0]
    assert list(dots.y) == ["Alpha", "Beta"]
    assert list(dots.x) == pytest.approx([0.6, 0.1])
    frame = panel.table.frame.set_index("Team")
    assert list(panel.table.frame.columns) == [
        "Team",
        "Share with high stress",
        "95% interval from",
        "95% interval to",
        "Respondents",
        tables.COMPARED,
        tables.HIDDEN_BECAUSE,
    ]
    assert frame.loc["Alpha", "Share with high stress"] == pytest.approx(0.6)
    assert frame.loc["Alpha", tables.COMPARED] == "higher, beyond chance"
    assert panel.table.kind("Share with high stress") == tables.SHARE
    # The hidden team keeps its row, with no figure and the reason in words.
    assert np.isnan(frame.loc["Tiny", "Share with high stress"])
    assert np.isnan(frame.loc["Tiny", "Respondents"])
    assert frame.loc["Tiny", tables.HIDDEN_BECAUSE] == privacy.status_text(privacy.BELOW_K, 5)


def test_the_table_on_screen_writes_shares_as_percentages_and_no_figure_as_a_dash():
    shown = stress_panel().table.on_screen().set_index("Team")
    assert shown.loc["Alpha", "Share with high stress"] == "60%"
    assert shown.loc["Alpha", "Respondents"] == "20"
    assert shown.loc["Tiny", "Share with high stress"] == tables.NO_FIGURE
    assert not shown.isin(["None", "nan", "NaN", "<NA>"]).any().any()


def test_downloads_are_named_measure_scope_wave_and_the_chart_has_a_text_alternative():
    panel = stress_panel()
    assert panel.file_stem == "high-stress-by-team-childrens-services-autumn-2026"
    assert "High stress by team" in panel.alt and "table below" in panel.alt
    assert SCOPE.source_line == "Source: staff survey, Autumn 2026; Children's services."
    organisation = panels.Scope.of("Autumn 2026", k=5)
    assert organisation.file_stem("Every measure by team") == (
        "every-measure-by-team-organisation-autumn-2026"
    )


def test_a_score_panel_fits_its_axis_to_the_figures_and_says_the_scale():
    panel = panels.team_panel(
        team_rows(),
        organisation_rows(),
        value="mean_score",
        sd="sd",
        kind=SCORE,
        title="Mean stress by team",
        what="mean stress",
        axis_title="Mean stress (95% interval)",
        key="stress_mean",
        scope=SCOPE,
    )
    axis = panel.figure.layout.xaxis
    low, high = axis.range
    assert (low, high) != (1, 5)
    assert 1 <= low <= 2.4 - 0.4 and 3.9 + 0.4 <= high <= 5
    assert "1\u20135 scale" in axis.title.text


def test_an_own_measure_on_another_scale_is_drawn_on_its_own_scale():
    # One of HR's own measures, scored 0-10: means of 6.5 and 8.2 are not cut at 5.
    rows = team_rows().assign(mean_score=[8.2, 6.5, None], sd=[1.1, 1.3, None])
    organisation = organisation_rows().assign(mean_score=[7.0], sd=[1.5])
    panel = panels.team_panel(
        rows,
        organisation,
        value="mean_score",
        sd="sd",
        kind=SCORE,
        title="Feeling valued",
        what="feeling valued (0-10)",
        axis_title="Feeling valued (95% interval)",
        key="own_measure_valued",
        scope=SCOPE,
        scale=(0.0, 10.0),
    )
    low, high = panel.figure.layout.xaxis.range
    assert 0 <= low <= 6.5 - 0.5 and 8.2 + 0.5 <= high <= 10
    assert "0\u201310 scale" in panel.figure.layout.xaxis.title.text
    shown = panel.figure.data[0]
    assert min(shown.x) >= low and max(shown.x) <= high


def test_records_panels_say_staff_not_respondents():
    rows = team_rows().rename(columns={"respondents": "staff_due", "share_high": "compliance"})
    panel = panels.team_panel(
        rows,
        organisation_rows().rename(
            columns={"respondents": "staff_due", "share_high": "compliance"}
        ),
        value="compliance",
        kind=SHARE,
        count="staff_due",
        count_label="staff due",
        worse=stats.LOWER,
        title="Compliance",
        what="compliance",
        axis_title="Share of staff compliant (95% interval)",
        key="compliance",
        scope=SCOPE.records("September 2026"),
    )
    assert panel.reading.endswith("hidden to protect staff.")
    assert panel.table.frame[tables.HIDDEN_BECAUSE].iloc[-1] == "fewer than 5 staff due"
    hidden = next(trace for trace in panel.figure.data if trace.name == "Hidden")
    assert list(hidden.text) == ["fewer than 5 staff due"]
    assert panel.scope.source_line.startswith("Source: supervision records, September 2026")


def heatmap_rows() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    scores = pd.DataFrame(
        {
            "team": ["Alpha", "Alpha", "Tiny", "Tiny"],
            "construct": ["stress", "offered_counselling"] * 2,
            "mean_score": [3.2, 0.33, None, None],
            "sd": [0.8, None, None, None],
            "respondents": [30, 30, None, None],
            "status": [privacy.SHOWN, privacy.SHOWN, privacy.BELOW_K, privacy.PROTECTS_SMALLER],
        }
    )
    constructs = pd.DataFrame(
        {
            "code": ["stress", "offered_counselling"],
            "name": ["Stress", "Offered counselling"],
            "kind": ["scale", "yes_no"],
        }
    )
    organisation = pd.DataFrame({"construct": ["stress", "offered_counselling"],
                                 "mean_score": [3.1, 0.4]})  # fmt: skip
    return scores, constructs, organisation


def test_a_heatmap_shows_yes_no_questions_as_shares_and_hidden_cells_with_their_reason():
    panel = panels.heatmap_panel(
        *heatmap_rows(), title="Every measure by team", key="overview_heatmap", scope=SCOPE
    )
    cells = dict(zip(panel.figure.data[0].x, panel.figure.data[0].text[-1], strict=True))
    assert cells["Offered counselling"] == "33%"  # Alpha: a share, not 0.33
    assert cells["Stress"] == "3.20"
    tiny = dict(zip(panel.figure.data[0].x, panel.figure.data[0].text[0], strict=True))
    assert tiny == {"Stress": "<5", "Offered counselling": "\u2020"}
    key = panel.figure.layout.annotations[0].text.replace("<br>", " ")
    assert privacy.status_text(privacy.BELOW_K, 5) in key
    frame = panel.table.frame
    alpha = frame[frame["Team"] == "Alpha"].set_index("Measure")
    assert alpha.loc["Offered counselling", "Share"] == pytest.approx(0.33)
    assert np.isnan(alpha.loc["Offered counselling", "Mean score (1-5)"])
    assert "Tiny" in set(frame["Team"])


def test_combining_small_teams_says_so_when_nothing_could_be_combined():
    rows = team_rows().assign(pooled=False)
    assert "nothing here could be combined" in panels.combine_note(rows, combining=True)
    assert panels.combine_note(rows, combining=False) == ""
    pooled = pd.concat(
        [rows, pd.DataFrame({"team": ["Other teams in Adults"], "pooled": [True]})],
        ignore_index=True,
    )
    assert "1 row" in panels.combine_note(pooled, combining=True)


def support_challenge_rows(means: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": [f"Team {i}" for i in range(len(means))],
            "status": privacy.SHOWN,
            "respondents": 20,
            "mean_support": [support for support, _ in means],
            "mean_challenge": [challenge for _, challenge in means],
            "share_high_support_high_challenge": 0.25,
            "share_high_support_low_challenge": 0.25,
            "share_low_support_high_challenge": 0.25,
            "share_low_support_low_challenge": 0.25,
        }
    )


def test_teams_just_under_the_cut_off_are_not_called_low():
    # 13 teams at 3.8 on both, 2 at 4.1 on both: short of agreeing, not low.
    teams = support_challenge_rows([(3.8, 3.8)] * 13 + [(4.1, 4.1)] * 2)
    panel = panels.support_challenge_panel(
        teams, None, cutoff=4.0, key="support_challenge_scatter", scope=SCOPE
    )
    assert "low" not in panel.reading.lower()
    assert panel.reading.startswith(
        "2 of 15 teams shown average at least 4.0 (agreeing) on both support and challenge"
    )
    assert "between neutral (3) and agreeing (4)" in panel.reading
    axis = panel.figure.layout.xaxis
    assert axis.range[0] >= 3.0 and axis.range[1] <= 4.5


def test_scatter_names_never_overlap_at_any_width_the_chart_is_drawn():
    from wellbeing.present.charts import common, style

    rng = np.random.default_rng(7)
    x = (3.6 + rng.random(30) * 0.5).tolist()
    y = (3.6 + rng.random(30) * 0.5).tolist()
    names = [f"Assessment Team {i:02d}" for i in range(30)]
    texts, positions = common.place_labels(
        x, y, names, x_range=(3.5, 4.2), y_range=(3.5, 4.2), plot_height=380, radii=[8.0] * 30
    )
    assert any(texts) and not all(texts)  # a clump: some named, the rest on hover
    for width in (430, 700, 1000, 1400):
        boxes = [
            common._label_box(
                (xi - 3.5) / 0.7 * width,
                (1 - (yi - 3.5) / 0.7) * 380,
                style.text_width(text, style.SMALL_SIZE),
                style.SMALL_SIZE * 1.25,
                8.0,
                position,
            )
            for xi, yi, text, position in zip(x, y, texts, positions, strict=True)
            if text
        ]
        for i, a in enumerate(boxes):
            assert a[0] >= 0 and a[2] <= width and a[1] >= 0 and a[3] <= 380
            for b in boxes[i + 1 :]:
                assert common._apart(a, b, pad=0)
