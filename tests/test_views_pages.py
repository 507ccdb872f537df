"""The four view pages through dashboard.py: fixture figures, filters, team focus, the URL.

The fixture store is tests/views_fixture.py (hand arithmetic there and in
tests/test_views_figures.py). Default wave is the latest, Spring 2026.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest
from support import open_section, section_labels, shown_table

from tests.conftest import ROOT
from wellbeing import ui

Z = 1.959964
VIEW_PAGES = [
    "pages/stress.py",
    "pages/support_challenge.py",
    "pages/change_fatigue.py",
    "pages/supervision.py",
]
TEAM = ui.FILTER_KEYS["team"]
WAVE = ui.FILTER_KEYS["wave"]


def wilson(successes: int, n: int) -> tuple[float, float]:
    p = successes / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


def open_page(page: str, **query_params: str) -> AppTest:
    """Open the app at a URL carrying ``query_params``, then move to ``page``."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page(page).run()


def figures(at: AppTest) -> dict[str, dict]:
    """Every Plotly chart on the page by its key, as figure JSON."""
    return {chart.key: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t.get("name") == name)


def line(figure: dict, name: str) -> dict:
    """A reference line (the organisation's, a national figure) drawn as a shape."""
    return next(shape for shape in figure["layout"]["shapes"] if shape.get("name") == name)


def readings(at: AppTest) -> list[str]:
    """The one-sentence readings (plain text, as they may name teams) and other text."""
    return [element.value for element in at.get("text")] + [
        element.value for element in at.markdown
    ]


@dataclass
class WholePage:
    """What every tab of a page draws, opened one after another."""

    charts: dict[str, dict]
    readings: list[str]
    tables: list


def whole_page(at: AppTest) -> WholePage:
    """Each tab opened in turn (a page without tabs as it is)."""
    page = WholePage(charts={}, readings=[], tables=[])
    for label in section_labels(at) or [None]:
        if label is not None:
            open_section(at, label)
        assert not at.exception, (label, [e.value for e in at.exception])
        page.charts |= figures(at)
        page.readings += readings(at)
        page.tables += [shown_table(table) for table in at.table]
    return page


def test_the_stress_page_draws_the_fixture_figures(views_app_db):
    at = open_page("pages/stress.py")
    assert not at.exception, [e.value for e in at.exception]
    # No HSE upload in the fixture, so no HSE tab; only the open tab draws.
    assert section_labels(at) == ["By team", "Across waves", "Against national figures"]
    assert set(figures(at)) == {"stress_share_high", "stress_mean"}
    page = whole_page(at)
    charts = page.charts
    share = charts["stress_share_high"]
    # Spring 2026: Alpha 4 of 5 high (5 5 5 5 1), Beta 0 of 6; organisation 4 of 11.
    bars = trace(share, "Team")
    assert bars["y"] == ["Alpha", "Beta"]
    assert bars["x"] == pytest.approx([4 / 5, 0.0])
    assert [point[1] for point in bars["customdata"]] == [5, 6]
    low, high = wilson(4, 5)
    assert bars["error_x"]["arrayminus"][0] == pytest.approx(4 / 5 - low, abs=1e-5)
    assert bars["error_x"]["array"][0] == pytest.approx(high - 4 / 5, abs=1e-5)
    assert line(share, "Organisation 36%")["x0"] == pytest.approx(4 / 11)
    # Alpha's Wilson interval (0.376, 0.964) clears 4/11 = 0.364; Beta's (0, 0.390) does not.
    assert (
        "1 of 2 teams shown is above the organisation's 36% for the share with high stress "
        "(score 4 or more) beyond chance: Alpha at 80%; other gaps could be chance."
    ) in page.readings
    mean = trace(charts["stress_mean"], "Team")
    assert mean["x"] == pytest.approx([21 / 5, 1.0])  # (5+5+5+5+1)/5 and six 1s
    trend = trace(charts["stress_trend"], "Organisation")
    assert trend["x"] == ["Autumn 2025", "Spring 2026"]
    assert trend["y"] == pytest.approx([3 / 17, 4 / 11])
    national = charts["stress_national"]
    organisation = trace(national, "Organisation")
    # STR2 and STR3 agree: Alpha's four 5s of 11; training and counselling not asked in spring.
    assert [cell[0] for cell in organisation["customdata"]] == [
        "Stress affects my ability to do the job",
        "Unwell from work stress in the last 12 months",
    ]
    assert organisation["x"] == pytest.approx([4 / 11, 4 / 11])
    assert any("Offered stress training: no answers" in text for text in page.readings)
    assert "stress_hse" not in charts


def test_the_wave_in_the_url_chooses_the_figures_and_hidden_teams_say_why(views_app_db):
    at = open_page("pages/stress.py", **{WAVE: "Autumn 2025"})
    assert not at.exception
    charts = whole_page(at).charts
    share = charts["stress_share_high"]
    assert trace(share, "Team")["x"] == pytest.approx([3 / 6, 0.0])
    hidden = trace(share, "Hidden")
    assert hidden["y"] == ["Delta", "Gamma"]
    assert hidden["text"] == ["fewer than 5 responses"] * 2
    national = charts["stress_national"]
    # Autumn: STR2 3/17, STR3 3/17, training (ACC1) 3/17, counselling (ACC2) 1/17.
    assert trace(national, "Organisation")["x"] == pytest.approx([3 / 17, 3 / 17, 3 / 17, 1 / 17])
    marker = trace(national, "National figure")
    assert marker["x"] == pytest.approx([0.80, 0.16, 0.33])
    assert all("(2015)" in cell[0] for cell in marker["customdata"])


def test_focusing_a_team_narrows_every_chart_and_adds_its_trend(views_app_db):
    at = open_page("pages/stress.py")
    at.session_state[TEAM] = "Alpha"
    at.run()
    assert not at.exception
    charts = figures(at)
    assert trace(charts["stress_share_high"], "Team")["y"] == ["Alpha"]
    low, high = wilson(4, 5)
    assert readings(at)[0] == (
        f"Alpha: the share with high stress (score 4 or more) is 80% (95% interval "
        f"{low:.0%}\u2013{high:.0%}, 5 respondents) against the organisation's 36%: higher "
        "than the organisation, beyond chance."
    )
    alpha = trace(figures(open_section(at, "Across waves"))["stress_trend"], "Alpha")
    assert alpha["y"] == pytest.approx([3 / 6, 4 / 5])
    assert any("Focused on **Alpha**" in info.value for info in at.info)
    at.button(key="clear_team_focus").click().run()
    assert not any(t.get("name") == "Alpha" for t in figures(at)["stress_trend"]["data"])
    assert trace(figures(open_section(at, "By team"))["stress_share_high"], "Team")["y"] == [
        "Alpha",
        "Beta",
    ]


def test_filters_in_a_copied_link_reproduce_the_view(views_app_db):
    # AppTest has no browser to write the URL (tests/browser/test_views_journey.py checks
    # that side); here the link's query parameters must set the filters and the figures.
    link = {WAVE: "Autumn 2025", TEAM: "Beta"}
    at = open_page("pages/support_challenge.py", **link)
    assert not at.exception
    assert (at.session_state[WAVE], at.session_state[TEAM]) == ("Autumn 2025", "Beta")
    scatter = trace(figures(at)["support_challenge_scatter"], "Team")
    # Beta in autumn: support six 5s; challenge 5 5 5 5 4 4 = 28/6.
    assert scatter["customdata"] == [["Beta", 6]]
    assert scatter["x"] == pytest.approx([5.0])
    assert scatter["y"] == pytest.approx([28 / 6])


def test_a_link_naming_an_unknown_team_falls_back_to_every_team(views_app_db):
    at = open_page("pages/stress.py", **{TEAM: "x' or '1'='1"})
    assert not at.exception
    assert trace(figures(at)["stress_share_high"], "Team")["y"] == ["Alpha", "Beta"]


def test_the_support_and_challenge_page_draws_the_fixture_figures(views_app_db):
    at = open_page("pages/support_challenge.py")
    assert not at.exception, [e.value for e in at.exception]
    assert set(figures(at)) == {"support_challenge_scatter"}
    charts = whole_page(at).charts
    scatter = trace(charts["support_challenge_scatter"], "Team")
    # Spring: Alpha five 4s on both; Beta six 2s on both.
    points = {
        cell[0]: (x, y)
        for cell, x, y in zip(scatter["customdata"], scatter["x"], scatter["y"], strict=True)
    }
    assert points == {"Alpha": (4.0, 4.0), "Beta": (2.0, 2.0)}
    assert readings(open_section(at, "By team"))[0] == (
        "1 of 2 teams shown averages at least 4.0 (agreeing) on both support and challenge: "
        "Alpha. The other 1 team is under 4.0 on one or both; team means run from 2.0 to 4.0, "
        "on the 1-5 scale."
    )
    quadrants = charts["quadrant_bars"]
    both = trace(quadrants, "High support and high challenge")
    assert both["y"] == ["Organisation", "Alpha", "Beta"]
    assert both["x"] == pytest.approx([5 / 11, 1.0, 0.0])
    assert trace(quadrants, "Neither high")["x"] == pytest.approx([6 / 11, 0, 1])
    national = line(charts["high_both_by_team"], "National figure 26%")
    assert national["x0"] == pytest.approx(0.26)
    assert trace(charts["support_challenge_trend"], "Organisation")["y"] == pytest.approx(
        [8 / 17, 5 / 11]
    )


def test_the_change_fatigue_page_draws_the_change_log_on_the_timeline(views_app_db):
    at = open_page("pages/change_fatigue.py", **{WAVE: "Autumn 2025"})
    assert not at.exception, [e.value for e in at.exception]
    assert section_labels(at) == [
        "By team",
        "Against the change log",
        "Changes before each wave",
        "Intention to leave",
    ]
    # A tab draws its one chart: the timeline only while its tab is open.
    assert set(figures(at)) == {"change_fatigue_by_team"}
    charts = figures(open_section(at, "Against the change log"))
    assert set(charts) == {"change_fatigue_timeline"}
    timeline = charts["change_fatigue_timeline"]
    events = trace(timeline, "Change event")
    assert events["x"] == ["2024-09-01", "2025-06-01", "2026-01-15"]
    assert [cell[2] for cell in events["customdata"]] == ["Beta", "organisation-wide", "Alpha"]
    # Organisation: autumn Alpha 27 + Beta 12 + five 3s = 54 of 17; spring 25 + 6 = 31 of 11.
    assert trace(timeline, "Organisation")["y"] == pytest.approx([54 / 17, 31 / 11])
    # Every team is one trace of lines broken by gaps, hover naming the team.
    teams = trace(timeline, "Teams")
    alpha = [y for y, c in zip(teams["y"], teams["customdata"], strict=True) if c[0] == "Alpha"]
    assert alpha == pytest.approx([4.5, 5.0])
    assert None in teams["y"]  # a gap between Alpha's line and the next team's
    # Each event is a vertical line across the 1-5 axis: dashed organisation-wide, dotted a team's.
    lines = [t for t in timeline["data"] if t.get("mode") == "lines" and "name" not in t]
    by_dash = {t["line"]["dash"]: [x for x in t["x"] if x] for t in lines}
    assert by_dash == {
        "dash": ["2025-06-01", "2025-06-01"],
        "dot": ["2024-09-01", "2024-09-01", "2026-01-15", "2026-01-15"],
    }
    charts = figures(open_section(at, "Changes before each wave"))
    assert set(charts) == {"change_events_against_score"}
    points = trace(charts["change_events_against_score"], "Team in a wave")
    assert sorted(zip(points["x"], points["y"], strict=True)) == [
        (1, 1.0),
        (1, 2.0),
        (1, 4.5),
        (2, 5.0),
    ]
    assert (
        "Across 4 team-waves, more change events in the 12 months before a wave went with "
        "higher change fatigue (correlation 0.65)."
    ) in readings(at)
    leave = trace(
        figures(open_section(at, "Intention to leave"))["intention_to_leave_by_team"], "Team"
    )
    assert leave["x"] == pytest.approx([3.0, 1.0])  # Alpha six 3s, Beta six 1s


@pytest.mark.parametrize("page", VIEW_PAGES, ids=lambda p: p.removeprefix("pages/"))
def test_each_view_runs_on_the_sample_data_for_all_teams_and_one(demo_app_db, page):
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.get("plotly_chart")
    assert whole_page(at).charts
    at.session_state[TEAM] = "Community Team East"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Focused on **Community Team East**" in info.value for info in at.info)
    assert whole_page(at).charts


def test_the_stress_page_shows_the_hse_domains_when_hse_data_is_present(demo_app_db):
    at = open_page("pages/stress.py")
    heatmap = figures(open_section(at, "HSE Management Standards"))["stress_hse"]
    assert "HSE scoring: higher is better" in heatmap["layout"]["title"]["text"]
    assert len(heatmap["data"][0]["x"]) == 7
    shown = [cell for row in heatmap["data"][0]["hovertext"] for cell in row if "95%" in cell]
    assert shown, "shown HSE cells carry their interval"


def test_the_supervision_page_sets_records_against_the_survey(views_app_db):
    at = open_page("pages/supervision.py")
    assert not at.exception, [e.value for e in at.exception]
    page = whole_page(at)
    charts = page.charts
    # October 2026 (the latest complete month to 31 Oct): Alpha A1-A4 held 90 minutes, A5 held
    # 60, A6 cancelled -> 4 of 6 with the duration rule, 5 of 6 without; Beta 6 of 6.
    compliant = trace(charts["supervision_compliance"], "Team")
    assert compliant["y"] == ["Beta", "Alpha"]
    assert compliant["x"] == pytest.approx([1.0, 4 / 6])
    assert "staff due" in compliant["hovertemplate"]
    assert line(charts["supervision_compliance"], "Organisation 83%")["x0"] == pytest.approx(
        10 / 12
    )
    assert trace(charts["supervision_compliance_any_duration"], "Team")["x"] == pytest.approx(
        [1.0, 5 / 6]
    )
    assert trace(charts["supervision_by_stage"], "Team")["y"] == ["Experienced"]
    assert trace(charts["supervision_trend"], "Organisation")["x"] == ["Sep 2026", "Oct 2026"]
    # Only A6 has had no held session since 1 Sep: 61 days before 31 Oct.
    assert (
        "On 31 October 2026, 1 of 12 staff in post (8%) has had no held supervision for more "
        "than 31 days; the highest share is Alpha with 1 of 6 (17%)."
    ) in page.readings
    table = next(t for t in page.tables if "Staff with a record" in t.columns).set_index("Team")
    assert table.loc["Alpha", "Median days between sessions"] == "34"  # 1 Sep -> 5 or 6 Oct
    assert table.loc["Alpha", "Cancellation rate"] == "17%"  # 1 of 6
    assert table.loc["Alpha", "Reflective share of sessions"] == "80%"  # 4 of 5
    # Survey side, Spring 2026: support Alpha 4.0, Beta 2.0; stress Alpha 4.2, Beta 1.0.
    support = trace(charts["supervision_against_support"], "Team")
    assert [cell[0] for cell in support["customdata"]] == ["Alpha", "Beta"]
    assert support["text"] == ["Alpha", "Beta"]  # two names fit beside their points
    assert support["x"] == pytest.approx([4 / 6, 1.0])
    assert support["y"] == pytest.approx([4.0, 2.0])
    stress = trace(charts["supervision_against_stress"], "Team")
    assert stress["y"] == pytest.approx([4.2, 1.0])
    assert (
        "Too few teams to set stress in Spring 2026 against compliance in October 2026 "
        "(2 with both figures)."
    ) in page.readings
    # Reported at least monthly (SVF1 >= 3): Alpha 3 of 5, Beta 6 of 6; organisation 9 of 11.
    frequency = charts["supervision_reported_frequency"]
    assert trace(frequency, "Say at least monthly (survey)")["x"] == pytest.approx([3 / 5, 1.0])
    assert trace(frequency, "Met the cadence (records)")["x"] == pytest.approx([5 / 6, 1.0])
    reflective = charts["supervision_reported_reflective"]
    assert trace(reflective, "Last session reflective (survey)")["x"] == pytest.approx([2 / 5, 0])
    assert trace(reflective, "Had a reflective session (records)")["x"] == pytest.approx(
        [4 / 5, 0.0]
    )
    low, high = wilson(9, 11)
    assert (
        f"82% of staff say they get supervision at least monthly (95% interval "
        f"{low:.0%}\u2013{high:.0%}); the records show 92% met the cadence with any held "
        "session in October 2026."
    ) in page.readings


def test_the_supervision_page_follows_the_team_focus(views_app_db):
    at = open_page("pages/supervision.py")
    at.session_state[TEAM] = "Alpha"
    at.run()
    assert not at.exception
    charts = whole_page(at).charts
    assert trace(charts["supervision_compliance"], "Team")["y"] == ["Alpha"]
    assert trace(charts["supervision_trend"], "Alpha")["y"][-1] == pytest.approx(4 / 6)


def test_an_unknown_tab_falls_back_to_the_first(views_app_db):
    # A link naming a tab opens it (tests/browser/test_views_journey.py, which loads
    # the address itself); a tab that does not exist, typed or stale, opens the first.
    at = open_page("pages/stress.py")
    open_section(at, "Across waves")
    assert set(figures(at)) == {"stress_trend"}
    at.session_state[ui.SECTION_KEY] = "x' or '1'='1"
    at.run()
    assert not at.exception
    assert set(figures(at)) == {"stress_share_high", "stress_mean"}


def test_the_supervision_page_runs_only_the_open_tab(views_app_db):
    at = open_page("pages/supervision.py")
    assert section_labels(at) == [
        "Compliance",
        "By stage and month",
        "Records",
        "Against survey scores",
        "What staff report",
    ]
    assert set(figures(at)) == {"supervision_compliance", "supervision_compliance_any_duration"}
    assert not [t for t in at.table if "Staff with a record" in shown_table(t).columns]
    open_section(at, "Records")
    assert not figures(at)
    assert [t for t in at.table if "Staff with a record" in shown_table(t).columns]
    # The month chosen above the tabs stays chosen from tab to tab.
    at.selectbox(key="supervision_month").set_value(dt.date(2026, 9, 1)).run()
    open_section(at, "By stage and month")
    assert at.selectbox(key="supervision_month").value == dt.date(2026, 9, 1)
    assert trace(figures(at)["supervision_trend"], "Organisation")["x"] == ["Sep 2026"]


def test_the_hse_tab_is_there_only_while_an_active_upload_has_hse_answers(demo_app_db):
    import duckdb

    from queries import survey
    from wellbeing.ingest import uploads

    con = duckdb.connect(str(demo_app_db))
    hse_upload = con.execute(
        "select id from uploads where file_name like 'hse_indicator%'"
    ).fetchall()[0][0]
    assert survey.instruments_answered(con) == ["default", "hse"]
    uploads.withdraw(con, hse_upload)
    assert survey.instruments_answered(con) == ["default"]
    uploads.restore(con, hse_upload)
    assert survey.instruments_answered(con) == ["default", "hse"]
    uploads.withdraw(con, hse_upload)
    con.close()
    at = open_page("pages/stress.py")
    assert not at.exception, [e.value for e in at.exception]
    assert section_labels(at) == ["By team", "Across waves", "Against national figures"]
