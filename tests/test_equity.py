"""Equity view: measures by sensitive groups under the stricter threshold, at most two crossed."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from support import open_section, section_labels

from queries import equity, settings, survey
from tests.conftest import ROOT, load_survey, survey_csv
from wellbeing import privacy


def people(count: int, **fields: object) -> list[dict[str, object]]:
    return [{"team": "Alpha", "service": "Adults", **fields} for _ in range(count)]


# 30 respondents: White 11, Asian 10, Black 9. Career stages mirror the groups.
RESPONDENTS = (
    people(11, ethnicity="White", gender="Woman", career_stage="Experienced", STR2=2, UNF1=2)
    + people(
        10,
        ethnicity="Asian or Asian British",
        gender="Woman",
        career_stage="Newly qualified",
        STR2=3,
        UNF1=4,
    )
    + people(
        9, ethnicity="Black or Black British", gender="Man", career_stage="Student", STR2=5, UNF1=5
    )
)


@pytest.fixture
def organisation(con):
    # Each group answers alike to keep the arithmetic plain; the "all alike" rule is
    # turned down to k here and tested on its own in tests/test_privacy_engine.py.
    settings.save_rules(con, privacy.Rules(alike_group_size=5))
    load_survey(con, survey_csv(RESPONDENTS))
    waves = survey.waves(con)
    return con, survey.Filters(wave_id=int(waves["id"].iloc[0]))


def test_a_group_of_nine_is_hidden_at_the_sensitive_threshold_of_ten(organisation):
    con, filters = organisation
    rows = equity.construct_by_attribute(con, filters=filters, attributes=("ethnicity",))
    stress = rows[rows["construct"] == "stress"].set_index("ethnicity")
    assert stress.loc["Black or Black British", "status"] == privacy.BELOW_K
    assert pd.isna(stress.loc["Black or Black British", "respondents"])
    assert pd.isna(stress.loc["Black or Black British", "mean_score"])
    # The hidden 9 are fewer than 10, so the next-smallest group (Asian, 10) is hidden too:
    # otherwise 30 - 11 - 10 would give the 9 back.
    assert stress.loc["Asian or Asian British", "status"] == privacy.PROTECTS_SMALLER
    assert stress.loc["White", "status"] == privacy.SHOWN
    assert stress.loc["White", "respondents"] == 11
    assert stress.loc["White", "mean_score"] == pytest.approx(2.0)


def test_the_same_group_of_nine_shows_by_career_stage_where_the_ordinary_threshold_applies(
    organisation,
):
    con, filters = organisation
    rows = equity.construct_by_attribute(con, filters=filters, attributes=("career_stage",))
    stress = rows[rows["construct"] == "stress"].set_index("career_stage")
    assert stress.loc["Student", "status"] == privacy.SHOWN
    assert stress.loc["Student", "respondents"] == 9
    assert stress.loc["Student", "mean_score"] == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("attributes", "expected_k"),
    [
        pytest.param(("ethnicity",), 10, id="sensitive-alone"),
        pytest.param(("career_stage",), 5, id="ordinary-alone"),
        pytest.param(("career_stage", "gender"), 10, id="crossed-with-a-sensitive-one"),
    ],
)
def test_the_stricter_threshold_applies_whenever_a_sensitive_attribute_is_involved(
    attributes, expected_k
):
    assert equity.min_group_size_for(attributes, privacy.Rules()) == expected_k


def test_crossing_two_attributes_protects_each_slice(organisation):
    con, filters = organisation
    rows = equity.construct_by_attribute(
        con, filters=filters, attributes=("gender", "career_stage")
    )
    stress = rows[rows["construct"] == "stress"]
    # Woman x Experienced 11 shown; Woman x Newly qualified 10 would be shown alone, but the
    # Man x Student 9 is hidden and 9 < 10, so 10 more are hidden to protect it.
    shown = stress[stress["status"] == privacy.SHOWN]
    assert shown[["gender", "career_stage", "respondents"]].values.tolist() == [
        ["Woman", "Experienced", 11]
    ]


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param(("ethnicity", "gender", "age_band"), id="three-attributes"),
        pytest.param(("ethnicity", "ethnicity"), id="one-attribute-twice"),
        pytest.param(("religion",), id="unknown-attribute"),
        pytest.param((), id="no-attribute"),
    ],
)
def test_at_most_two_known_attributes_can_be_crossed(organisation, attributes):
    con, filters = organisation
    with pytest.raises(ValueError):
        equity.construct_by_attribute(con, filters=filters, attributes=attributes)


def test_unfair_scrutiny_by_ethnic_group_is_a_share_at_or_above_four(organisation):
    con, filters = organisation
    rows = equity.construct_by_attribute(con, filters=filters, attributes=("ethnicity",))
    scrutiny = rows[rows["construct"] == "unfair_scrutiny"].set_index("ethnicity")
    # White answered 2 on "scrutinised more than colleagues": 0 of 11 feel it.
    assert scrutiny.loc["White", "share_high"] == 0
    assert pd.isna(scrutiny.loc["Black or Black British", "share_high"])


def test_the_respondent_profile_hides_small_sensitive_groups_but_not_career_stages(organisation):
    con, filters = organisation
    profile = equity.respondent_profile(con, filters=filters).set_index(["attribute", "group_name"])
    assert profile.loc[("ethnicity", "Black or Black British"), "status"] == privacy.BELOW_K
    assert pd.isna(profile.loc[("ethnicity", "Black or Black British"), "respondents"])
    assert profile.loc[("ethnicity", "White"), "respondents"] == 11
    assert profile.loc[("ethnicity", "White"), "share"] == pytest.approx(11 / 30)
    assert profile.loc[("career_stage", "Student"), "respondents"] == 9
    assert profile.loc[("ethnicity", "White"), "min_group_size"] == 10
    assert profile.loc[("career_stage", "Student"), "min_group_size"] == 5


def test_the_equity_page_draws_every_section_on_the_sample_data(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/equity.py").run()
    assert not at.exception
    assert section_labels(at) == ["Measures by group", "Unfair scrutiny", "Who responded"]
    assert [subheader.value for subheader in at.main.subheader] == ["Measures by Ethnicity"]
    at.selectbox(key="equity_cross").set_value("gender").run()
    assert not at.exception
    assert at.main.subheader[0].value == "Measures by Ethnicity and Gender"
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)
    texts = [cell for row in heatmap["data"][0]["text"] for cell in row]
    assert "<10" in texts  # hidden at the sensitive threshold, keyed in words
    # Each group named by both its attributes, ethnicity first.
    groups = [str(label) for label in heatmap["data"][0]["y"]]
    assert groups and all("\u00b7" in label for label in groups), groups
    assert any(label.startswith("White \u00b7 ") for label in groups), groups
    assert "fewer than 10 responses" in json.dumps(heatmap["layout"])
    # Each other tab draws its own chart alone.
    open_section(at, "Unfair scrutiny")
    assert not at.exception
    assert [chart.key for chart in at.get("plotly_chart")] == ["equity_scrutiny"]
    open_section(at, "Who responded")
    assert not at.exception
    assert [chart.key for chart in at.get("plotly_chart")] == ["equity_profile"]
    assert "Agency and permanent staff" in [subheader.value for subheader in at.main.subheader]


def test_career_stage_is_not_broken_down_under_a_role_filter(organisation):
    # Role x career stage is never decided by the engine (privacy.MAX_SUB_FILTERS), so the
    # query refuses with the reason instead of returning a table of hidden cells.
    con, filters = organisation
    with_role = survey.Filters(wave_id=filters.wave_id, role="Social worker")
    with pytest.raises(ValueError, match="Career stage cannot be broken down while the role"):
        equity.construct_by_attribute(con, filters=with_role, attributes=("career_stage",))
    with_stage = survey.Filters(wave_id=filters.wave_id, career_stage="Student")
    with pytest.raises(ValueError, match="Role cannot be broken down while the career stage"):
        equity.construct_by_attribute(con, filters=with_stage, attributes=("gender", "role"))
    # Any other breakdown under the same filter is answered.
    assert not equity.construct_by_attribute(con, filters=with_stage, attributes=("gender",)).empty


def test_the_profile_leaves_out_career_stage_under_a_role_filter(organisation):
    con, filters = organisation
    with_role = survey.Filters(wave_id=filters.wave_id, role="Social worker")
    profile = equity.respondent_profile(con, filters=with_role)
    assert "career_stage" not in set(profile["attribute"])
    assert "career_stage" in set(equity.respondent_profile(con, filters=filters)["attribute"])


def test_the_equity_page_explains_why_career_stage_is_refused_under_a_role_filter(demo_app_db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/equity.py").run()
    role = at.sidebar.selectbox(key="role")
    role.set_value(role.options[0]).run()
    at.selectbox(key="equity_attribute").set_value("career_stage").run()
    assert not at.exception
    assert at.main.subheader[0].value == "Measures by Career stage"
    assert any(
        "Career stage cannot be broken down while the role filter is on" in w.value
        for w in at.main.warning
    )
    # Nothing hidden is drawn in its place, and the rest of the page is still there.
    assert "equity_heatmap" not in [chart.key for chart in at.get("plotly_chart")]
    open_section(at, "Who responded")
    assert any("Career stage is left out" in c.value for c in at.main.caption)


def test_the_equity_page_for_a_team_too_small_for_any_group_says_so(demo_app_db):
    # Sensory Impairment has four posts: every group of its profile is hidden.
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/equity.py").run()
    at.sidebar.selectbox(key="team").set_value("Sensory Impairment").run()
    assert not at.exception, [e.value for e in at.exception]
    open_section(at, "Who responded")
    assert any("groups in" in t.value and "are too small to show" in t.value for t in at.markdown)
