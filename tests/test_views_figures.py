"""The four views' figures on a small fixture store, checked against hand arithmetic.

The fixture and its answers are described in tests/views_fixture.py.
"""

from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest

from queries import change_fatigue, survey
from tests.conftest import SHARED, load_survey
from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.reference import national_figure, national_figures
from wellbeing.present import charts
from wellbeing.present.figures import (
    SCORE,
    SHARE,
    TEAM_FIGURE_COLUMNS,
    NationalRow,
    OrganisationFigure,
    events_with_scores,
    national_rows_frame,
    organisation_figure,
    team_figures,
    team_from_selection,
    trend,
)
from wellbeing.present.readings import (
    correlation_reading,
    national_reading,
    team_reading,
    trend_reading,
)

Z = 1.959964  # the 97.5% normal quantile
T_5 = 2.570582  # the 97.5% t quantile with 5 degrees of freedom (6 respondents)

AUTUMN = survey.Filters(wave_id=1)
SPRING = survey.Filters(wave_id=2)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson interval written out: (p + z²/2n ± z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = successes / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


def rows_by_team(frame, construct: str | None = None):
    if construct is not None:
        frame = frame[frame["construct"] == construct]
    return {row["team"]: row for _, row in frame.iterrows()}


def test_stress_by_team_counts_high_scores_and_means_by_hand(views_con):
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["stress"])
    autumn = rows_by_team(scores[scores["wave_id"] == 1], "stress")
    # Alpha's stress scores are mean(STR2, STR3): 5, 4.5, 4, 2, 1.5, 1.
    assert autumn["Alpha"]["respondents"] == 6
    assert autumn["Alpha"]["share_high"] == pytest.approx(3 / 6)  # 5, 4.5 and 4 are >= 4
    assert autumn["Alpha"]["mean_score"] == pytest.approx(18 / 6)
    # Beta: 1, 1, 2, 2, 3, 3.
    assert autumn["Beta"]["share_high"] == pytest.approx(0 / 6)
    assert autumn["Beta"]["mean_score"] == pytest.approx(12 / 6)
    # Gamma (3) and Delta (2) are under k = 5: no score, no count.
    for small in ("Gamma", "Delta"):
        assert autumn[small]["status"] == privacy.BELOW_K
        assert autumn[small]["respondents"] is pd_na()
        assert autumn[small]["mean_score"] is pd_na()


def pd_na():
    import pandas as pd

    return pd.NA


def test_the_organisation_counts_every_team_in_each_wave(views_con):
    organisation = survey.construct_by_wave_for_organisation(
        views_con, filters=AUTUMN, constructs=["stress"]
    ).set_index("wave")
    # Autumn: 6 + 6 + 3 + 2 = 17 respondents; high stress only Alpha's 3.
    assert organisation.loc["Autumn 2025", "respondents"] == 17
    assert organisation.loc["Autumn 2025", "share_high"] == pytest.approx(3 / 17)
    # Mean: Alpha 18 + Beta 12 + five answers of 3 = 45, over 17.
    assert organisation.loc["Autumn 2025", "mean_score"] == pytest.approx(45 / 17)
    # Spring: Alpha 5, 5, 5, 5, 1 and Beta six 1s: 4 high of 11, total 21 + 6 = 27.
    assert organisation.loc["Spring 2026", "share_high"] == pytest.approx(4 / 11)
    assert organisation.loc["Spring 2026", "mean_score"] == pytest.approx(27 / 11)


def test_a_team_filter_keeps_one_team_across_waves(views_con):
    filters = survey.Filters(wave_id=1, team="Alpha")
    scores = survey.construct_by_wave(views_con, filters=filters, constructs=["stress"])
    assert set(scores["team"]) == {"Alpha"}
    assert scores.sort_values("wave_id")["share_high"].tolist() == pytest.approx([3 / 6, 4 / 5])


def test_item_agreement_counts_distinct_respondents_who_answered(views_con):
    teams = survey.item_agreement_by_team(views_con, filters=AUTUMN, items=["STR2", "STR3"])
    str2 = rows_by_team(teams[teams["item"] == "STR2"])
    str3 = rows_by_team(teams[teams["item"] == "STR3"])
    assert str2["Alpha"]["share_agree"] == pytest.approx(3 / 6)  # 5, 5, 4 of 5 5 4 2 2 1
    assert str3["Alpha"]["share_agree"] == pytest.approx(3 / 6)  # 5, 4, 4 of 5 4 4 2 1 1
    assert str2["Beta"]["share_agree"] == pytest.approx(0)
    organisation = survey.item_agreement_for_organisation(views_con, filters=AUTUMN, items=["STR2"])
    assert organisation["respondents"].tolist() == [17]
    assert organisation["share_agree"].tolist() == pytest.approx([3 / 17])


def test_a_respondent_who_skipped_an_item_is_not_in_its_count(con, make_survey):
    # Seven in one team; the last leaves STR3 blank. STR3: 4 of 6 answered agree.
    # (STR2 differs between them: seven alike would be hidden by the "all alike" rule.)
    rows = [
        {"team": "Solo", "STR2": agree, "STR3": value}
        for agree, value in zip((4, 2, 4, 4, 5, 1, 3), (4, 5, 4, 4, 2, 1, None), strict=True)
    ]
    load_survey(con, make_survey(rows))
    teams = survey.item_agreement_by_team(con, filters=AUTUMN, items=["STR2", "STR3"])
    by_item = teams.set_index("item")
    assert by_item.loc["STR2", "respondents"] == 7
    assert by_item.loc["STR3", "respondents"] == 6
    assert by_item.loc["STR3", "share_agree"] == pytest.approx(4 / 6)


@pytest.mark.parametrize(
    "team",
    [
        pytest.param("x' or '1'='1", id="quote-in-name-is-just-a-value"),
        pytest.param("Nobody", id="unknown-team"),
    ],
)
def test_a_team_filter_is_a_bound_value(views_con, team):
    filters = survey.Filters(wave_id=1, team=team)
    assert survey.item_agreement_by_team(views_con, filters=filters, items=["STR2"]).empty
    assert survey.support_challenge_by_wave(views_con, filters=filters).empty


def test_support_and_challenge_quadrants_classify_each_respondent(views_con):
    teams = survey.support_challenge_by_wave(views_con, filters=AUTUMN)
    autumn = rows_by_team(teams[teams["wave_id"] == 1])
    alpha = autumn["Alpha"]
    # Alpha (support, challenge): (5,4) HH, (4,4) HH, (4,2) HL, (2,4) LH, (2,2) LL, (4,2) HL.
    assert alpha["share_high_support_high_challenge"] == pytest.approx(2 / 6)
    assert alpha["share_high_support_low_challenge"] == pytest.approx(2 / 6)
    assert alpha["share_low_support_high_challenge"] == pytest.approx(1 / 6)
    assert alpha["share_low_support_low_challenge"] == pytest.approx(1 / 6)
    assert alpha["mean_support"] == pytest.approx(21 / 6)
    assert alpha["mean_challenge"] == pytest.approx(18 / 6)
    assert autumn["Beta"]["share_high_support_high_challenge"] == pytest.approx(1.0)
    organisation = survey.support_challenge_by_wave_for_organisation(
        views_con, filters=AUTUMN
    ).set_index("wave")
    # Organisation: Alpha's 2 + Beta's 6 of 17 are high on both.
    assert organisation.loc["Autumn 2025", "share_high_support_high_challenge"] == pytest.approx(
        8 / 17
    )


def test_team_figures_carry_wilson_intervals_and_flag_only_beyond_chance(views_con):
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["stress"])
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=AUTUMN, constructs=["stress"]
    )
    organisation = organisation_figure(
        org_rows[org_rows["wave_id"] == 1], value="share_high", kind=SHARE
    )
    assert organisation.value == pytest.approx(3 / 17)
    assert (organisation.low, organisation.high) == pytest.approx(wilson(3, 17), abs=1e-5)
    figures = team_figures(
        scores[scores["wave_id"] == 1],
        value="share_high",
        kind=SHARE,
        organisation=organisation,
    ).set_index("team")
    # Alpha 3 of 6: Wilson (0.188, 0.812) lies above 3/17 = 0.176 and the gap is 32 points.
    assert (figures.loc["Alpha", "low"], figures.loc["Alpha", "high"]) == pytest.approx(
        wilson(3, 6), abs=1e-5
    )
    assert figures.loc["Alpha", "verdict"] == stats.HIGHER
    # Beta 0 of 6: Wilson (0, 0.390) includes 0.176, so the gap could be chance.
    assert figures.loc["Beta", "high"] == pytest.approx(wilson(0, 6)[1], abs=1e-5)
    assert figures.loc["Beta", "verdict"] == stats.COULD_BE_CHANCE
    assert figures.loc["Gamma", "verdict"] is None


def drawn_marks(dots) -> dict[str, tuple[str, str]]:
    """Each team's (colour, symbol), as colour names.

    Numbers on a colour scale would draw the same, but plotly.js then logs a
    warning with a stack trace for every mark on every redraw.
    """
    colours = list(dots.marker.color)
    assert all(isinstance(colour, str) for colour in colours)
    return dict(zip(dots.y, zip(colours, dots.marker.symbol, strict=True), strict=True))


def test_team_dots_say_worse_beyond_chance_by_colour_and_which_way_by_their_mark(views_con):
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["stress"])
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=AUTUMN, constructs=["stress"]
    )
    autumn = scores[scores["wave_id"] == 1]
    organisation = organisation_figure(
        org_rows[org_rows["wave_id"] == 1], value="share_high", kind=SHARE
    )
    figures = team_figures(autumn, value="share_high", kind=SHARE, organisation=organisation)
    chart = charts.team_intervals(
        figures, kind=SHARE, axis_title="High stress", k=5, organisation=organisation.value
    )
    style = charts.style
    # Alpha's high-stress share is above the organisation's beyond chance: worse, and its
    # mark points right (higher). Beta's gap could be chance: a grey dot. Were high stress
    # better, Alpha would be better: blue, still pointing right.
    assert drawn_marks(chart.data[0]) == {
        "Alpha": (style.WORSE.colour, "triangle-right"),
        "Beta": (style.SAME.colour, "circle"),
    }
    better = charts.team_intervals(
        figures,
        kind=SHARE,
        axis_title="High stress",
        k=5,
        organisation=organisation.value,
        worse="lower",
    ).data[0]
    assert drawn_marks(better)["Alpha"] == (style.BETTER.colour, "triangle-right")
    # The legend says what each colour and mark means on this chart.
    legend = {trace.name for trace in chart.data if trace.showlegend}
    assert {"Worse than the organisation (higher)", "Could be chance"} <= legend


def test_the_reading_above_the_high_stress_chart_says_what_it_shows(views_con):
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["stress"])
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=AUTUMN, constructs=["stress"]
    )
    organisation = organisation_figure(
        org_rows[org_rows["wave_id"] == 1], value="share_high", kind=SHARE
    )
    figures = team_figures(
        scores[scores["wave_id"] == 1],
        value="share_high",
        kind=SHARE,
        organisation=organisation,
    )
    assert team_reading(
        figures, what="the share with high stress", kind=SHARE, organisation=organisation
    ) == (
        "1 of 2 teams shown is above the organisation's 18% for the share with high stress "
        "beyond chance: Alpha at 50%; other gaps could be chance. "
        "2 of 4 teams are hidden to protect respondents."
    )


def test_mean_stress_gaps_inside_the_t_interval_read_as_chance(views_con):
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["stress"])
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=AUTUMN, constructs=["stress"]
    )
    organisation = organisation_figure(
        org_rows[org_rows["wave_id"] == 1], value="mean_score", kind=SCORE, sd="sd"
    )
    figures = team_figures(
        scores[scores["wave_id"] == 1],
        value="mean_score",
        kind=SCORE,
        sd="sd",
        organisation=organisation,
    )
    alpha = figures.set_index("team").loc["Alpha"]
    # Alpha: sd of 5, 4.5, 4, 2, 1.5, 1 is 1.7029; 3 ± 2.5706 × 1.7029 / √6 = 3 ± 1.787.
    assert (alpha["low"], alpha["high"]) == pytest.approx(
        (3 - T_5 * 1.702939 / math.sqrt(6), 3 + T_5 * 1.702939 / math.sqrt(6)), abs=1e-4
    )
    # Both intervals include 45/17 = 2.65, so no team is flagged.
    assert set(figures["verdict"].dropna()) == {stats.COULD_BE_CHANCE}
    assert team_reading(figures, what="mean stress", kind=SCORE, organisation=organisation) == (
        "No team differs from the organisation's 2.65 for mean stress by more than chance: the "
        "highest, Alpha at 3.00, could be chance. 2 of 4 teams are hidden to protect respondents."
    )


def test_a_focused_team_reads_as_one_sentence_with_its_interval(views_con):
    filters = survey.Filters(wave_id=2, team="Alpha")
    scores = survey.construct_by_wave(views_con, filters=filters, constructs=["stress"])
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=filters, constructs=["stress"]
    )
    organisation = organisation_figure(
        org_rows[org_rows["wave_id"] == 2], value="share_high", kind=SHARE
    )
    figures = team_figures(
        scores[scores["wave_id"] == 2],
        value="share_high",
        kind=SHARE,
        organisation=organisation,
    )
    low, high = wilson(4, 5)  # (0.376, 0.964) includes 4/11 = 0.364? No: 0.376 > 0.364.
    assert figures["verdict"].tolist() == [stats.HIGHER]
    assert team_reading(
        figures, what="the share with high stress", kind=SHARE, organisation=organisation
    ) == (
        f"Alpha: the share with high stress is 80% (95% interval {low:.0%}\u2013{high:.0%}, "
        "5 respondents) against the organisation's 36%: higher than the organisation, beyond "
        "chance."
    )


def test_the_trend_reading_follows_the_organisation_and_the_focused_team(views_con):
    filters = survey.Filters(wave_id=2, team="Alpha")
    org_rows = survey.construct_by_wave_for_organisation(
        views_con, filters=filters, constructs=["stress"]
    )
    team_rows = survey.construct_by_wave(views_con, filters=filters, constructs=["stress"])
    organisation = trend(org_rows, value="share_high", kind=SHARE)
    team = trend(team_rows, value="share_high", kind=SHARE)
    assert organisation["wave"].tolist() == ["Autumn 2025", "Spring 2026"]
    assert trend_reading(
        organisation,
        what="share with high stress",
        kind=SHARE,
        team="Alpha",
        team_trend=team,
    ) == (
        "The organisation's share with high stress went from 18% in Autumn 2025 to 36% in "
        "Spring 2026; Alpha went from 50% in Autumn 2025 to 80% in Spring 2026."
    )


def test_change_events_are_counted_in_the_twelve_months_before_each_wave(views_con):
    counts = change_fatigue.change_events_before_waves(views_con)
    by_key = {(row.wave, row.team): row for row in counts.itertuples()}
    # Autumn 2025 opens 1 Oct 2025: window 1 Oct 2024 - 30 Sep 2025 holds the policy
    # (1 Jun 2025); Beta's manager change (1 Sep 2024) is 13 months before.
    assert by_key[("Autumn 2025", "Alpha")].change_events == 1
    assert by_key[("Autumn 2025", "Beta")].change_events == 1
    assert by_key[("Autumn 2025", "Gamma")].organisation_events == 1
    # Spring 2026 opens 13 Apr 2026: the policy and Alpha's restructure (15 Jan 2026).
    assert by_key[("Spring 2026", "Alpha")].team_events == 1
    assert by_key[("Spring 2026", "Alpha")].change_events == 2
    assert by_key[("Spring 2026", "Beta")].change_events == 1


def test_change_events_against_change_fatigue_read_as_a_correlation(views_con):
    counts = change_fatigue.change_events_before_waves(views_con)
    scores = survey.construct_by_wave(views_con, filters=AUTUMN, constructs=["change_fatigue"])
    points = events_with_scores(counts, scores)
    # Shown team-waves (events, score): Alpha A25 (1, 4.5), Beta A25 (1, 2), Alpha S26 (2, 5),
    # Beta S26 (1, 1). Pearson r = 1.875 / √(0.75 × 11.1875) = 0.647.
    assert sorted(zip(points["change_events"], points["mean_score"], strict=True)) == [
        (1, 1.0),
        (1, 2.0),
        (1, 4.5),
        (2, 5.0),
    ]
    assert correlation_reading(
        points,
        x="change_events",
        y="mean_score",
        x_what="change events in the 12 months before a wave",
        y_what="change fatigue",
        unit="team-wave",
    ) == (
        "Across 4 team-waves, more change events in the 12 months before a wave went with "
        "higher change fatigue (correlation 0.65)."
    )


def test_the_change_log_for_one_team_keeps_organisation_wide_events(views_con):
    events = change_fatigue.change_events(views_con, team="Beta")
    assert events["title"].tolist() == [
        "New team manager for Beta",
        "Hybrid working policy revised",
    ]
    assert events["organisation_wide"].tolist() == [False, True]


def test_the_packaged_national_figures_match_the_shared_reference():
    shared = SHARED / "reference" / "national_figures.csv"
    if not shared.is_file():
        pytest.fail(f"{shared} is missing: the packaged copy cannot be checked")
    with shared.open(encoding="utf-8", newline="") as handle:
        published = {row["figure"]: row for row in csv.DictReader(handle)}
    for figure in national_figures().values():
        row = published[figure.figure]
        assert figure.share == pytest.approx(float(row["value"]) / 100)
        assert figure.source == row["source"]
        assert figure.year == (int(row["year"]) if row["year"] else None)


def test_national_readings_place_the_organisation_by_its_interval(views_con):
    org_items = survey.item_agreement_for_organisation(
        views_con, filters=AUTUMN, items=["STR2", "STR3"]
    )
    rows = [
        NationalRow(
            measure="Stress affects my ability to do the job",
            organisation=organisation_figure(
                org_items[org_items["item"] == "STR2"], value="share_agree", kind=SHARE
            ),
            national=national_figure("stress_affects_ability"),
        ),
        NationalRow(
            measure="Unwell from work stress",
            organisation=organisation_figure(
                org_items[org_items["item"] == "STR3"], value="share_agree", kind=SHARE
            ),
            national=None,
        ),
    ]
    # STR2: 3 of 17 agree = 18%, Wilson (0.062, 0.410) is below the national 80% (2015).
    # STR3: Alpha's 3 of 17 = 18%, with no national figure.
    assert national_reading(rows) == (
        "Against national figures: Stress affects my ability to do the job 18%, below the "
        "national 80%, 2015; no national figure for Unwell from work stress (18%)."
    )
    figure = charts.against_national(national_rows_frame(rows))
    national = next(trace for trace in figure.data if trace.name == "National figure")
    assert national.x == (0.8,)
    assert "Community Care survey" in national.customdata[0][0]
    assert "(2015)" in national.customdata[0][0]


def test_team_bars_put_the_team_first_in_customdata_and_cite_the_national_figure(views_con):
    teams = survey.item_agreement_by_team(views_con, filters=AUTUMN, items=["STR2"])
    org_rows = survey.item_agreement_for_organisation(views_con, filters=AUTUMN, items=["STR2"])
    organisation = organisation_figure(org_rows, value="share_agree", kind=SHARE)
    figures = team_figures(teams, value="share_agree", kind=SHARE, organisation=organisation)
    national = national_figure("stress_affects_ability")
    figure = json.loads(
        charts.team_intervals(
            figures,
            kind=SHARE,
            axis_title="Agree",
            k=5,
            organisation=organisation.value,
            national=national,
        ).to_json()
    )
    dots, hidden = figure["data"][:2]
    assert dots["y"] == ["Alpha", "Beta"]
    assert dots["x"] == pytest.approx([3 / 6, 0.0])
    assert [point[0] for point in dots["customdata"]] == ["Alpha", "Beta"]
    assert [point[1] for point in dots["customdata"]] == [6, 6]
    assert hidden["text"] == ["fewer than 5 responses", "fewer than 5 responses"]
    # The organisation and national figures are lines across every row, named in the legend.
    lines = {shape["name"]: shape for shape in figure["layout"]["shapes"] if "name" in shape}
    assert lines["Organisation 18%"]["x0"] == pytest.approx(3 / 17)
    assert lines["National figure 80%"]["x0"] == pytest.approx(0.80)
    assert lines["National figure 80%"]["line"]["dash"] == "dot"


@pytest.mark.parametrize(
    ("selection", "team"),
    [
        pytest.param(
            {"selection": {"points": [{"customdata": ["Alpha", 6]}]}},
            "Alpha",
            id="bar-with-customdata-list",
        ),
        pytest.param(
            {"selection": {"points": [{"customdata": "Beta"}]}}, "Beta", id="customdata-scalar"
        ),
        pytest.param(
            {"selection": {"points": [{"x": 0.3, "y": "Organisation"}]}},
            None,
            id="reference-mark-without-a-team",
        ),
        pytest.param({"selection": {"points": []}}, None, id="selection-cleared"),
        pytest.param(None, None, id="no-selection-yet"),
    ],
)
def test_a_chart_click_names_the_team_in_its_customdata(selection, team):
    assert team_from_selection(selection) == team


def test_team_figures_put_the_highest_first_ties_by_name_and_hidden_teams_last():
    rows = pd.DataFrame(
        {
            "team": ["Beta", "Alpha", "Tiny", "Delta", "Gamma"],
            "respondents": pd.array([20, 20, None, 40, 30], dtype="Int64"),
            "share_high": [0.5, 0.5, None, 0.7, 0.9],
            "status": [privacy.SHOWN, privacy.SHOWN, privacy.BELOW_K, privacy.SHOWN, "hidden"],
        }
    )
    organisation = OrganisationFigure(0.5, 0.45, 0.55, 500)
    figures = team_figures(rows, value="share_high", kind=SHARE, organisation=organisation)
    assert list(figures.columns) == TEAM_FIGURE_COLUMNS
    assert figures["team"].tolist() == ["Gamma", "Delta", "Alpha", "Beta", "Tiny"]
    assert figures["respondents"].tolist()[:4] == [30.0, 40.0, 20.0, 20.0]
    assert math.isnan(figures["respondents"].iloc[4])
    assert (figures["low"].iloc[1], figures["high"].iloc[1]) == pytest.approx(wilson(28, 40))
    assert (figures["low"].iloc[2], figures["high"].iloc[2]) == pytest.approx(wilson(10, 20))
    # Delta's interval (0.546 to 0.820) lies above the organisation's 0.5: higher.
    # Alpha and Beta sit on it. Gamma is not shown and Tiny has no figure: no verdict.
    assert figures["verdict"].tolist() == [
        None,
        stats.HIGHER,
        stats.COULD_BE_CHANCE,
        stats.COULD_BE_CHANCE,
        None,
    ]
