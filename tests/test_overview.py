"""Overview: headline tiles, "teams to look at first" and response rates, checked by hand."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from support import open_section, section_labels

from queries import overview as overview_queries
from queries import response_rates, settings, survey
from tests.conftest import ROOT, load_survey, survey_csv
from wellbeing import privacy
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.staff import import_staff, suggest_staff_mapping
from wellbeing.present.look_first import (
    LOOK_FIRST_LISTED,
    look_first_reading,
    look_first_verdicts,
    teams_to_look_at_first,
)
from wellbeing.present.tiles import headline_tiles


def team_rows(team: str, service: str, count: int, **answers: object) -> list[dict[str, object]]:
    """``count`` respondents of one team giving the same answers (a list cycles per person)."""
    rows = []
    for person in range(count):
        row: dict[str, object] = {"team": team, "service": service}
        for code, value in answers.items():
            row[code] = value[person % len(value)] if isinstance(value, list) else value
        rows.append(row)
    return rows


# One item per construct, so each respondent's construct score is that answer:
# STR2 stress, SUP1 support, CHA1 challenge, CHF1 change fatigue, ITL1 intention to leave.
CURRENT = (
    team_rows("Alpha", "Adults", 10, STR2=5, SUP1=1, CHA1=3, CHF1=4, ITL1=3)
    + team_rows("Beta", "Adults", 10, STR2=5, SUP1=5, CHA1=4, CHF1=3, ITL1=3)
    + team_rows("Gamma", "Children", 10, STR2=[1, 2], SUP1=3, CHA1=3, CHF1=3, ITL1=3)
)
PREVIOUS = team_rows("Alpha", "Adults", 10, STR2=1) + team_rows("Beta", "Adults", 10, STR2=4)


@pytest.fixture
def organisation(con):
    """Two waves: 'Spring 2025' (stress only), then 'Autumn 2025' (three teams of ten)."""
    load_survey(con, survey_csv(PREVIOUS), wave="Spring 2025", file_name="spring.csv")
    load_survey(con, survey_csv(CURRENT), wave="Autumn 2025", file_name="autumn.csv")
    return con


def current_filters(con, **narrowing) -> survey.Filters:
    waves = survey.waves(con)
    return survey.Filters(
        wave_id=int(waves.loc[waves["label"] == "Autumn 2025", "id"].iloc[0]), **narrowing
    )


def test_headline_shares_are_the_share_of_respondents_at_or_above_four(organisation):
    con = organisation
    tiles = {
        t.code: t
        for t in headline_tiles(con, filters=current_filters(con), rules=settings.rules(con))
    }
    # High stress: Alpha's 10 and Beta's 10 answered 5; Gamma 1 or 2 -> 20 / 30.
    assert tiles["high_stress"].value == pytest.approx(20 / 30)
    # Support and challenge both >= 4: only Beta (5 and 4) -> 10 / 30.
    assert tiles["high_support_high_challenge"].value == pytest.approx(10 / 30)
    # Change fatigue >= 4: Alpha's 10 -> 10 / 30.
    assert tiles["high_change_fatigue"].value == pytest.approx(10 / 30)
    # Intention to leave: everyone answered 3 -> 0 / 30.
    assert tiles["high_intention_to_leave"].value == 0
    assert {t.respondents for t in tiles.values()} == {30}


def test_a_filters_headline_shares_are_summed_from_the_waves_groups(organisation):
    # A wave's headline measures are counted once by service, team, role and career
    # stage; each filter's respondents and shares are sums of those groups, and every
    # measure keeps the wave's respondents beside them for the gate.
    from queries.overview import _filtered_shares, _headline_counts

    con = organisation

    def raw(**narrowing) -> dict[str, tuple[int, float, int]]:
        filters = current_filters(con, **narrowing)
        shares = _filtered_shares(_headline_counts(con, wave_id=filters.wave_id), filters)
        return {
            row.measure: (row.respondents, row.share, row.parent_respondents)
            for row in shares.itertuples()
        }

    # Adults is Alpha and Beta: stress 5 for all 20; support and challenge both high in
    # Beta only; change fatigue 4 in Alpha only; intention to leave 3 for everyone.
    assert raw(service="Adults") == {
        "high_stress": (20, 1.0, 30),
        "high_support_high_challenge": (20, 0.5, 30),
        "high_change_fatigue": (20, 0.5, 30),
        "high_intention_to_leave": (20, 0.0, 30),
    }
    # Gamma answered stress 1 or 2 and support 3: nothing high.
    assert {m: v[:2] for m, v in raw(team="Gamma").items()} == {
        "high_stress": (10, 0.0),
        "high_support_high_challenge": (10, 0.0),
        "high_change_fatigue": (10, 0.0),
        "high_intention_to_leave": (10, 0.0),
    }
    # Nobody stated a role or a career stage: "Not stated" is everyone, a stage no one.
    assert raw(role=privacy.NOT_STATED)["high_stress"] == (30, pytest.approx(20 / 30), 30)
    newly_qualified = raw(career_stage="Newly qualified")["high_stress"]
    assert newly_qualified[0] == 0 and pd.isna(newly_qualified[1])
    # Spring 2025 asked stress only: Alpha answered 1, Beta 4.
    waves = survey.waves(con)
    spring = int(waves.loc[waves["label"] == "Spring 2025", "id"].iloc[0])
    filters = survey.Filters(wave_id=spring, team="Beta")
    shares = _filtered_shares(_headline_counts(con, wave_id=spring), filters)
    assert shares.to_dict("records") == [
        {"measure": "high_stress", "respondents": 10, "share": 1.0, "parent_respondents": 20}
    ]


def test_every_filters_headline_counts_add_up_to_the_waves_on_the_sample(demo_db, tmp_path):
    # On the sample data: for each filter field, its values' respondents and high counts
    # add up to the whole wave's, measure by measure (nobody counted twice or left out).
    from queries.overview import _filtered_shares, _headline_counts
    from tests.conftest import copy_store
    from wellbeing import store

    con = store.connect(copy_store(demo_db, tmp_path / "sample.duckdb"))
    for wave_id in survey.waves(con)["id"].tolist():
        counts = _headline_counts(con, wave_id=int(wave_id))
        whole = _filtered_shares(counts, survey.Filters(wave_id=int(wave_id))).set_index("measure")
        assert (whole["respondents"] == whole["parent_respondents"]).all()
        assert (whole["respondents"] > 100).all()
        for column in ("service", "team", "role", "career_stage"):
            parts = [
                _filtered_shares(counts, survey.Filters(wave_id=int(wave_id), **{column: value}))
                for value in counts[column].dropna().unique().tolist()
            ]
            summed = pd.concat(parts).assign(high=lambda f: f["respondents"] * f["share"].fillna(0))
            summed = summed.groupby("measure")[["respondents", "high"]].sum()
            assert summed["respondents"].to_dict() == whole["respondents"].to_dict(), column
            high = whole["respondents"] * whole["share"]
            assert summed["high"].round(6).to_dict() == high.round(6).to_dict(), column


def test_a_services_or_teams_figures_are_the_rows_of_every_teams_figures(demo_db, tmp_path):
    # construct_by_team cuts a service's or a team's rows from every team's figures of the
    # wave, worked out once: the same figures as the query filtered to the service or the
    # team, for every wave, service and team of the sample data, with and without a role.
    from queries import sql
    from queries.survey import _wave_figures
    from tests.conftest import copy_store
    from wellbeing import store
    from wellbeing.core.measures import HIGH_SCORE_CUTOFF

    con = store.connect(copy_store(demo_db, tmp_path / "sample.duckdb"))
    every_team = {"service": None, "team": None, "career_stage": None}
    every_team["high_cutoff"] = HIGH_SCORE_CUTOFF

    def filtered_query(name: str, filters: survey.Filters, **params) -> pd.DataFrame:
        """The query filtered to the service or team, gated as the page's figures are."""
        by_wave = name.endswith("_by_wave")
        scope = {"scope": "team"} if by_wave else {}
        raw = con.execute(sql(name), every_team | scope | params | narrowing).df()
        if not by_wave:  # its teams' rows, not the organisation's
            raw = raw[~raw["organisation"]].drop(columns="organisation").reset_index(drop=True)
        wave = {"wave_column": "wave_id"} if by_wave else {}
        return survey.gate(
            con,
            raw,
            filters=filters,
            rules=settings.rules(con),
            value_columns=survey.SCORE_COLUMNS,
            universe_column="construct",
            instrument="default",
            **wave,
        )

    checked = 0
    for wave_id in survey.waves(con)["id"].tolist():
        for role in (None, "Social worker"):
            every = _wave_figures(
                con,
                wave_id=int(wave_id),
                instrument="default",
                role=role,
                career_stage=None,
                scope="team",
            )
            narrowings = [
                {column: value}
                for column in ("service", "team")
                for value in every[column].dropna().unique().tolist()
            ]
            for narrowing in narrowings:
                filters = survey.Filters(wave_id=int(wave_id), role=role, **narrowing)
                expected = filtered_query(
                    "construct_figures",
                    filters,
                    wave_id=int(wave_id),
                    instrument="default",
                    role=role,
                )
                got = survey.construct_by_team(con, filters=filters)
                pd.testing.assert_frame_equal(got, expected, check_dtype=False)
                checked += 1
    assert checked > 80  # 4 waves, twice, each with a dozen services and teams or more
    # And every wave's figures of a service or a team (the trends).
    constructs = ["stress", "support"]
    for narrowing in narrowings:
        filters = survey.Filters(wave_id=int(wave_id), **narrowing)
        expected = filtered_query(
            "construct_figures_by_wave",
            filters,
            instrument="default",
            constructs=constructs,
            role=None,
        )
        got = survey.construct_by_wave(con, filters=filters, constructs=constructs)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_headline_tiles_show_the_change_since_the_previous_wave_and_the_national_figure(
    organisation,
):
    con = organisation
    tiles = {
        t.code: t
        for t in headline_tiles(con, filters=current_filters(con), rules=settings.rules(con))
    }
    # Spring 2025: Beta's 10 answered 4, Alpha's 1 -> 10 / 20 = 50% high stress;
    # Autumn 66.7% -> up 16.7 points, shown as 17.
    assert tiles["high_stress"].previous_value == pytest.approx(0.5)
    assert tiles["high_stress"].change_text() == "up 17 points since Spring 2025"
    # The earlier wave did not ask about change fatigue.
    assert tiles["high_change_fatigue"].change_text() == "Spring 2025 figure hidden or missing"
    # Only high support / high challenge has a national figure (26%); no records, no tile.
    assert tiles["high_support_high_challenge"].national.share == pytest.approx(0.26)
    assert tiles["high_stress"].national is None
    assert "supervision_compliance" not in tiles


def test_headline_tiles_for_a_team_below_k_are_hidden_not_zero(con):
    # Alpha has 4 respondents and Beta 6: with k = 5 Alpha's figures must not show,
    # and Beta's cannot either, since organisation minus Beta would give Alpha away.
    load_survey(
        con,
        survey_csv(
            team_rows("Alpha", "Adults", 4, STR2=5) + team_rows("Beta", "Adults", 6, STR2=1)
        ),
    )
    waves = survey.waves(con)
    for team in ("Alpha", "Beta"):
        rows = overview_queries.headline_measures(
            con,
            filters=survey.Filters(wave_id=int(waves["id"].iloc[0]), team=team),
            rules=settings.rules(con),
        )
        stress = rows.set_index("measure").loc["high_stress"]
        assert stress["status"] in (privacy.BELOW_K, privacy.PROTECTS_SMALLER), team
        assert pd.isna(stress["share"]), team


def test_teams_to_look_at_first_are_worse_on_two_or_more_measures_with_reasons(organisation):
    con = organisation
    filters = current_filters(con)
    rules = settings.rules(con)
    verdicts = look_first_verdicts(con, filters=filters, rules=rules)
    listed = teams_to_look_at_first(verdicts, hierarchy=survey.team_hierarchy(con))
    # Organisation means: stress (50 + 50 + 15) / 30 = 3.83; support (10 + 50 + 30) / 30 = 3.00;
    # challenge (30 + 40 + 30) / 30 = 3.33; change fatigue (40 + 30 + 30) / 30 = 3.33.
    # Alpha (every answer alike, so its interval is its mean) is worse on support by 2.00,
    # stress by 1.17, change fatigue by 0.67 and challenge by 0.33 (all >= 0.25).
    # Beta is worse on stress only (better on support and challenge); Gamma on challenge only.
    assert listed["team"].tolist() == ["Alpha"]
    alpha = listed.iloc[0]
    assert alpha["measures_worse"] == 4
    assert alpha["service"] == "Adults"
    assert alpha["measures"] == "Support; Stress; Change fatigue; Challenge"
    assert alpha["reasons"][0].startswith("Support 1.00 against the organisation's 3.00 (lower")
    assert alpha["reasons"][1].startswith("Stress 5.00 against the organisation's 3.83 (higher")
    worse = verdicts[verdicts["worse"].astype(bool)]
    assert sorted(worse.loc[worse["team"] == "Beta", "measure"]) == ["Stress"]
    assert sorted(worse.loc[worse["team"] == "Gamma", "measure"]) == ["Challenge"]
    assert look_first_reading(listed, teams_compared=3).startswith(
        "1 of 3 teams shown is worse than the organisation on 2 or more measures"
    )


def staff_list(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A staff-list export: (id, team, start date, leaving date)."""
    lines = [
        "Employee No,Full Name,Team,Service,Job Title,Career Stage,ASYE Start Date,"
        "Start Date,Leaving Date,Contract Type"
    ]
    for worker, team, started, left in rows:
        lines.append(
            f"{worker},Someone,{team},Adults,Social worker,More than 5 years qualified,"
            f",{started},{left},Permanent"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_staff(con, data: bytes) -> None:
    table = read_export(data, "staff_list.csv")
    _, mapping = suggest_staff_mapping(con, table)
    import_staff(con, table, mapping, uploaded_by="test", data_date=dt.date(2025, 10, 31))


def test_response_rates_count_staff_in_post_at_the_wave_and_flag_under_half(organisation):
    con = organisation
    staff = (
        [(f"A{i}", "Alpha", "01/01/2020", "") for i in range(12)]
        # Two of Beta's staff left before the wave (1 October 2025) and do not count.
        + [(f"B{i}", "Beta", "01/01/2020", "") for i in range(25)]
        + [("B98", "Beta", "01/01/2020", "01/06/2025"), ("B99", "Beta", "01/01/2020", "01/06/2025")]
        # Gamma: one joined after the wave closed and does not count.
        + [(f"G{i}", "Gamma", "01/01/2020", "") for i in range(10)]
        + [("G99", "Gamma", "01/12/2025", "")]
    )
    load_staff(con, staff_list(staff))
    rates = response_rates.response_rates_by_team(
        con, filters=current_filters(con), rules=settings.rules(con)
    ).set_index("team")
    # Alpha 10 of 12 = 83%; Beta 10 of 25 = 40% (flagged); Gamma 10 of 10 = 100%.
    assert rates.loc["Alpha", "headcount"] == 12
    assert rates.loc["Beta", "headcount"] == 25
    assert rates.loc["Gamma", "headcount"] == 10
    assert rates.loc["Alpha", "response_rate"] == pytest.approx(10 / 12)
    assert rates.loc["Beta", "response_rate"] == pytest.approx(0.4)
    assert rates["low_response"].to_dict() == {"Alpha": False, "Beta": True, "Gamma": False}


def test_a_hidden_team_is_still_flagged_when_its_rate_must_be_under_half(con):
    # Tiny: 3 respondents (hidden at k = 5) from 20 staff: under 5 of 20 is under half,
    # whatever the count. Big: 12 of 14, shown. Hiding Tiny leaves 3 hidden (< k), so the
    # next-smallest team is hidden too: both then read as hidden, and Tiny is still flagged.
    load_survey(
        con,
        survey_csv(
            team_rows("Tiny", "Adults", 3, STR2=3)
            + team_rows("Big", "Adults", 12, STR2=3)
            + team_rows("Other", "Adults", 9, STR2=3)
        ),
    )
    load_staff(
        con,
        staff_list(
            [(f"T{i}", "Tiny", "01/01/2020", "") for i in range(20)]
            + [(f"B{i}", "Big", "01/01/2020", "") for i in range(14)]
            + [(f"O{i}", "Other", "01/01/2020", "") for i in range(10)]
        ),
    )
    waves = survey.waves(con)
    rates = response_rates.response_rates_by_team(
        con, filters=survey.Filters(wave_id=int(waves["id"].iloc[0])), rules=settings.rules(con)
    ).set_index("team")
    assert rates.loc["Tiny", "status"] == privacy.BELOW_K
    assert pd.isna(rates.loc["Tiny", "respondents"])
    assert bool(rates.loc["Tiny", "low_response"]) is True
    # Other (9 respondents) is the next smallest: hidden so Tiny's 3 cannot be worked out.
    assert rates.loc["Other", "status"] == privacy.PROTECTS_SMALLER
    assert rates.loc["Big", "response_rate"] == pytest.approx(12 / 14)


def test_the_overview_page_shows_tiles_the_look_first_list_and_the_heatmap(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    labels = [metric.label for metric in at.metric]
    assert labels == [
        "High stress",
        "High support and high challenge",
        "Supervision compliance",
        "High change fatigue",
        "High intention to leave",
    ]
    assert any("teams shown are worse than the organisation" in t.value for t in at.markdown)
    # The sample data's patchy teams (DESIGN's worked example) are among those listed.
    assert section_labels(at) == ["Teams to look at first", "Every measure by team", "Board pack"]
    assert any("Front Door (MASH)" in expander.label for expander in at.expander)
    assert not at.get("plotly_chart")  # the heatmap is on a tab of its own
    open_section(at, "Every measure by team")
    assert not at.exception
    assert [metric.label for metric in at.metric] == labels  # the tiles stay above the tabs
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert heatmap["data"][0]["type"] == "heatmap"


def test_the_response_rates_page_flags_low_response_teams_on_the_sample_data(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/response_rates.py").run()
    assert not at.exception
    reading = at.markdown[0].value
    assert re.search(r"(is|are) under 50%|reached 50%", reading)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert chart["data"][0]["orientation"] == "h"


@pytest.mark.slow
def test_the_overview_prepares_a_board_pack_for_a_service(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.switch_page("pages/overview.py").run()
    open_section(at, "Board pack")
    at.selectbox(key="board_pack_scope").set_value("Adults' services").run()
    at.button(key="board_pack_prepare").click().run()
    assert not at.exception
    assert not at.error
    assert at.get("download_button"), "no download button after preparing the pack"


def test_the_overview_lists_the_first_ten_teams_to_look_at_and_offers_the_rest(app_db):
    # Twelve teams worse than the organisation on stress and support (everyone alike, so
    # each interval is its mean), twelve better: all twelve qualify, ten are drawn.
    from wellbeing import store

    rows = []
    for number in range(12):
        rows += team_rows(f"Worse {number:02d}", "Adults", 6, STR2=5, SUP1=1)
        rows += team_rows(f"Better {number:02d}", "Children", 6, STR2=1, SUP1=5)
    con = store.connect(app_db)
    # Whole teams alike would be hidden by the "all alike" rule, turned down to k here.
    settings.save_rules(con, privacy.Rules(alike_group_size=5))
    load_survey(con, survey_csv(rows), wave="Autumn 2025")
    con.close()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    listed = [e.label for e in at.expander]
    assert len(listed) == LOOK_FIRST_LISTED == 10
    assert all(label.startswith("Worse") for label in listed)
    assert all(label.endswith("worse on 2 measures") for label in listed)
    assert any("The first 10 of 12 are listed" in c.value for c in at.caption)
    assert "12 of 24 teams shown are worse" in " ".join(t.value for t in at.markdown)
