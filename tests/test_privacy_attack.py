"""A reader who keeps every figure, against the whole query layer (tests/privacy_attack.py).

One test per way the outside adversary of issue 15 recovered individual figures
from the engine at commit adc43c1 (each failed there: the closing note of that
issue says how it was checked), then the sample data, random organisations, and
the engine with a rule switched off (the attack must then recover something,
or it proves nothing).
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from queries import decisions, equity, response_rates, settings, survey
from tests.conftest import ROOT, load_survey, survey_csv
from tests.privacy_attack import OBSERVED, Reader, StaffReader, attack, random_organisation
from tests.supervision_fixtures import Session, Worker, load_sessions, load_staff
from wellbeing import privacy
from wellbeing.core import roles
from wellbeing.ingest import staff as staff_import
from wellbeing.ingest import uploads
from wellbeing.ingest.reading import read_export

# The attack observes every figure through every filter: seconds per organisation.
pytestmark = pytest.mark.slow


def wave_id(con, label: str) -> int:
    waves = survey.waves(con)
    return int(waves.loc[waves["label"] == label, "id"].iloc[0])


def people(team: str, service: str, count: int, **answers: object) -> list[dict]:
    """``count`` respondents; an answer given as a list cycles person by person."""
    rows = []
    for person in range(count):
        row: dict[str, object] = {"team": team, "service": service}
        for code, value in answers.items():
            row[code] = value[person % len(value)] if isinstance(value, list) else value
        rows.append(row)
    return rows


def varied(count: int, team: str, service: str, **fields) -> list[dict]:
    return people(team, service, count, STR2=[1, 4, 2, 5, 3], STR3=[2, 5, 3], **fields)


# --- 1. One person's score in two respondent sets -----------------------------------


def test_one_score_in_two_respondent_sets_gives_nobody_away(con):
    # Team T: six scored on support, one of whom skipped the challenge items. The team's
    # support figure and its quadrant point were decided apart at adc43c1: 6 x 3.00 - 5 x 3.40
    # was the sixth person's score.
    rows = people(
        "T", "S", 6, SUP1=[4, 4, 2, 5, 1, 3], CHA1=[4, 2, 5, 3, 1, None], STR2=[1, 4, 2, 5, 3, 2]
    )
    rows += people("U", "S", 8, SUP1=[2, 5, 3, 4], CHA1=[3, 4, 2, 5], STR2=[5, 1, 4, 2])
    load_survey(con, survey_csv(rows))
    reader = attack(con)
    assert reader.problems == []
    assert reader.recovered() == []
    # The support figure and the quadrants describe the same five people.
    f = survey.Filters(wave_id=wave_id(con, "Autumn 2025"))
    support = survey.construct_by_team(con, filters=f)
    support = support[(support["construct"] == "support") & (support["team"] == "T")]
    quadrants = survey.support_challenge_by_wave(con, filters=f)
    quadrants = quadrants[quadrants["team"] == "T"]
    assert support["respondents"].tolist() == quadrants["respondents"].tolist() == [5]


# --- 2. Unions of hidden cells ------------------------------------------------------------


def two_lone_managers() -> list[dict]:
    """Teams A and B: one manager and four seniors each (hidden together, 5), the rest social
    workers; C and D: seniors and social workers. The organisation's seniors less C's and D's,
    set against A and B less their social workers, leave the two managers: 2 people."""
    rows = []
    for team in ("A", "B"):
        rows += varied(1, team, "S", role="Manager") + varied(4, team, "S", role="Senior")
        rows += varied(8, team, "S", role="Social worker")
    for team in ("C", "D"):
        rows += varied(6, team, "S", role="Senior") + varied(6, team, "S", role="Social worker")
    return rows


def test_two_hidden_managers_in_two_teams_cannot_be_worked_out_together(con):
    load_survey(con, survey_csv(two_lone_managers()))
    reader = attack(con, sensitive=False)
    assert reader.problems == []
    assert reader.recovered() == []


@pytest.mark.parametrize("seed", range(4))
def test_no_union_of_hidden_cells_follows_in_a_random_small_organisation(con, seed):
    load_survey(con, survey_csv(random_organisation(seed, size=36, skip_challenge=0.15)))
    reader = attack(con, sensitive=False)
    assert reader.problems == []
    assert reader.recovered() == []


@pytest.mark.parametrize("seed", range(2))
def test_nothing_follows_when_every_family_is_searched_by_its_pivots(con, seed, monkeypatch):
    # A large organisation's equity cells are searched among the pivots of their
    # equations (audit.MATCHED_ATOMS). Here every family is, equity breakdowns included,
    # and the reader sees every figure of every page and filter.
    from wellbeing.privacy import audit

    monkeypatch.setattr(audit, "MATCHED_ATOMS", 0)
    load_survey(con, survey_csv(random_organisation(seed, size=36, skip_challenge=0.15)))
    reader = attack(con, sensitive=True)
    assert reader.problems == []
    assert reader.recovered() == []


# --- 3. A later import, withdrawal or restore in a wave already seen ---------------------


def two_late_returns_withdrawn_and_restored(con) -> Reader:
    """A reader who looks after each step: a wave, two late returns to team A, their
    withdrawal, their restore. Team A at 7 then 9 gives the two late returns' sum."""
    first = varied(7, "A", "S") + varied(6, "B", "S") + varied(8, "C", "S")
    load_survey(con, survey_csv(first), file_name="first.csv")
    reader = Reader(con)
    reader.observe(sensitive=False)
    late = load_survey(con, survey_csv(varied(2, "A", "S")), file_name="late.csv")
    reader.observe(sensitive=False)
    uploads.withdraw(con, late.upload_id)
    reader.observe(sensitive=False)
    uploads.restore(con, late.upload_id)
    reader.observe(sensitive=False)
    return reader


def test_late_returns_a_withdrawal_and_a_restore_give_nobody_away(con):
    reader = two_late_returns_withdrawn_and_restored(con)
    assert reader.problems == []
    assert reader.recovered() == []


def test_late_returns_to_a_wave_seen_with_its_equity_breakdowns_give_nobody_away(con):
    # The organisation of tests/test_privacy_engine.py's seed 222: the wave is seen with
    # its equity breakdowns, then two late returns come in. Its role cells now and its
    # ethnicity cells then must not single anyone out (the engine before this was
    # found let them).
    settings.save_rules(
        con, privacy.Rules(min_group_size=3, sensitive_min_group_size=3, alike_group_size=3)
    )
    first = [
        ("T0", "Manager", "A"), ("T0", "Manager", "C"), ("T0", "Manager", "B"),
        ("T0", "Manager", "A"), ("T1", "SW", "B"), ("T1", "SW", "B"),
    ]  # fmt: skip
    late = [("T0", "Manager", "B"), ("T0", "SW", "C")]

    def respondents(rows: list[tuple[str, str, str]], offset: int) -> list[dict]:
        answers = varied(len(rows) + offset, "-", "S1")[offset:]
        return [
            {**answer, "team": team, "role": role, "ethnicity": ethnicity}
            for answer, (team, role, ethnicity) in zip(answers, rows, strict=True)
        ]

    load_survey(con, survey_csv(respondents(first, 0)), file_name="first.csv")
    reader = Reader(con)
    reader.observe(sensitive=True)
    load_survey(con, survey_csv(respondents(late, len(first))), file_name="late.csv")
    reader.observe(sensitive=True)
    assert reader.problems == []
    assert reader.recovered(3) == []


def test_hr_looking_at_a_wave_is_not_publishing_it(con):
    load_survey(con, survey_csv(varied(7, "A", "S") + varied(6, "B", "S")), file_name="a.csv")
    roles.view_as(roles.HR_ADMIN)
    try:
        survey.construct_by_team(con, filters=survey.Filters(wave_id=1))
    finally:
        roles.view_as(None)
    assert decisions.published(con, wave_id=1) == []
    roles.view_as(roles.LEADER)
    try:
        survey.construct_by_team(con, filters=survey.Filters(wave_id=1))
    finally:
        roles.view_as(None)
    assert len(decisions.published(con, wave_id=1)) == 1


# --- 4. Regrouping past waves ---------------------------------------------------------------


def staff_list_moving(team: str, to: str) -> bytes:
    lines = ["Employee ID,Team,Service,Role,Start date"]
    lines += [f"E{n},{team},{to},Social worker,01/01/2020" for n in range(6)]
    return ("\n".join(lines) + "\n").encode()


def test_a_later_staff_list_never_regroups_a_wave_already_seen(con):
    rows = varied(7, "Small", "Adults") + varied(3, "Tiny", "Adults") + varied(8, "Big", "Adults")
    rows += varied(9, "Kids", "Children") + varied(6, "Care", "Children")
    load_survey(con, survey_csv(rows), wave="Autumn 2025")
    reader = Reader(con)
    reader.observe(sensitive=False)
    table = read_export(staff_list_moving("Tiny", "Children"), "staff_2026-01-31.csv")
    _, mapping = staff_import.suggest_staff_mapping(con, table)
    staff_import.import_staff(
        con, table, mapping, uploaded_by="test", data_date=dt.date(2026, 1, 31)
    )
    reader.observe(sensitive=False)
    assert survey.wave_team_service(con, wave_id=1, team="Tiny") == "Adults"
    assert reader.problems == []
    assert reader.recovered() == []


# --- 5. Aliases of "not stated" ---------------------------------------------------------------


def test_every_way_of_not_stating_a_role_is_one_group_to_filters_and_figures(con):
    rows = varied(6, "A", "S", role="Social worker") + varied(6, "B", "S", role="Social worker")
    rows += varied(1, "A", "S", role="Not stated") + varied(1, "A", "S", role="")
    rows += varied(2, "B", "S", role="Prefer not to say") + varied(1, "B", "S", role="n/a")
    rows += varied(6, "C", "S", role="Manager")
    load_survey(con, survey_csv(rows))
    roles_listed = survey.filter_options(con, field="role", wave_id=1)
    assert privacy.NOT_STATED in roles_listed
    assert not {"Prefer not to say", "n/a", ""} & set(roles_listed)
    reader = attack(con)
    assert reader.problems == []
    assert reader.recovered() == []


# --- 6. Shares computed before suppression --------------------------------------------------


def test_no_share_gives_away_a_hidden_total(con):
    # Team Tiny has 3: hidden. Its profile (filter team=Tiny) must show no share of it.
    rows = varied(3, "Tiny", "S", ethnicity="White") + varied(8, "Big", "S", ethnicity="White")
    rows += varied(9, "Other", "S", ethnicity="Asian or Asian British")
    load_survey(con, survey_csv(rows))
    profile = equity.respondent_profile(con, filters=survey.Filters(wave_id=1, team="Tiny"))
    assert profile["share"].isna().all()
    rates = response_rates.response_rates_by_team(con, filters=survey.Filters(wave_id=1))
    tiny = rates.set_index("team").loc["Tiny"]
    assert (
        tiny["status"] != privacy.SHOWN
        and rates.loc[rates["team"] == "Tiny", "response_rate"].isna().all()
    )
    reader = attack(con)
    assert reader.problems == []
    assert reader.recovered() == []


# --- 7. Disclosure without arithmetic ------------------------------------------------------------


def test_no_small_group_shows_everyone_answering_alike_and_no_filter_lists_a_lone_value(con):
    rows = people("Alike", "S", 7, STR2=5, STR3=5) + varied(8, "Mixed", "S")
    rows += varied(1, "Mixed", "S", role="Principal social worker")
    rows += varied(9, "Third", "S")
    load_survey(con, survey_csv(rows))
    f = survey.Filters(wave_id=1)
    stress = survey.construct_by_team(con, filters=f)
    alike = stress[(stress["team"] == "Alike") & (stress["construct"] == "stress")].iloc[0]
    assert alike["status"] == privacy.PROTECTS_SMALLER
    assert "Principal social worker" not in survey.filter_options(con, field="role", wave_id=1)
    reader = attack(con)
    assert reader.problems == []


# --- 8. Supervision figures differenced across filters -------------------------------------


def test_supervision_figures_of_one_worker_cannot_be_worked_out_across_filters(con):
    # Children's services: one worker, in one team, seen twice (one cancelled). At adc43c1
    # every team's total less Adults' total gave that worker's record.
    teams = ["North", "South"]
    adults = [Worker(f"A{n}", team=teams[n % 2], service="Adults") for n in range(12)]
    lone = [Worker("C1", team="Lone", service="Children")]
    load_staff(con, adults + lone, data_date=dt.date(2026, 3, 31))
    sessions = [Session(f"A{n}", dt.date(2026, 3, 2 + n), team=teams[n % 2]) for n in range(12)]
    sessions += [
        Session("C1", dt.date(2026, 3, 3), team="Lone"),
        Session("C1", dt.date(2026, 3, 17), team="Lone", status="Cancelled"),
    ]
    load_sessions(con, sessions, data_date=dt.date(2026, 3, 31))
    reader = StaffReader(con)
    reader.observe_supervision(month=dt.date(2026, 3, 1), as_of=dt.date(2026, 3, 31))
    assert reader.figures, "the attack saw no supervision figure at all"
    assert reader.recovered() == []


# --- 9. Two settings together -------------------------------------------------------------------


def test_lowering_k_after_leaders_saw_a_wave_gives_nobody_away(con):
    load_survey(con, survey_csv(random_organisation(3, size=40)))
    reader = attack(con, sensitive=False)
    settings.save_rules(con, privacy.Rules(min_group_size=3, alike_group_size=3))
    reader.observe(sensitive=False)
    assert reader.problems == []
    assert reader.recovered(3) == []


# --- The whole product, and the attack itself ----------------------------------------------


def test_the_sample_data_gives_nobody_away(demo_db, tmp_path):
    import shutil

    from wellbeing import store

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    connection = store.connect(path)
    try:
        # Every filter of the latest wave (and, through the trends, every wave).
        reader = Reader(connection)
        reader.observe(sensitive=False, waves=[int(survey.waves(connection)["id"].iloc[-1])])
        assert reader.problems == []
        assert reader.recovered() == []
    finally:
        connection.close()


def test_every_query_function_a_reader_s_page_calls_is_observed_by_the_attack():
    import dashboard

    readers_pages = [
        ROOT / spec.path
        for specs in dashboard.PAGES.values()
        for spec in specs
        if set(spec.allowed) - {roles.HR_ADMIN}
    ]
    called = set()
    modules = {
        "survey", "overview", "equity", "response_rates", "supervision", "actions", "drivers",
    }  # fmt: skip
    for path in [*readers_pages, *(ROOT / "wellbeing" / "present").rglob("*.py")]:
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in modules
                and node.func.attr.islower()
            ):
                called.add(f"{node.func.value.id}.{node.func.attr}")
    not_figures = {
        "waves", "constructs", "team_hierarchy", "instruments_answered", "min_group_size_for",
        "sub_filter_problem", "supervision_month", "months", "data_date", "denominator_note",
        "merge", "wave_team_service", "breaks_down",
        "actions",  # the action plans themselves: text HR and leaders wrote, no survey figure
    }  # fmt: skip
    figures_for_readers = {name for name in called if name.split(".")[1] not in not_figures}
    assert figures_for_readers - OBSERVED == set()


def test_without_its_audit_the_engine_gives_a_union_away(con, monkeypatch):
    from wellbeing.privacy import decision

    # The rules alone (k and the complements) hold for one version; across versions a
    # union of cells only the audit finds gives the two late returns away.
    monkeypatch.setattr(decision.Solver, "leaks", lambda self, status, **audit_options: [])
    reader = two_late_returns_withdrawn_and_restored(con)
    assert reader.recovered(), "the attack found nothing: it tests nothing"


def test_without_memory_a_late_return_gives_its_score_away(con, monkeypatch):
    monkeypatch.setattr(decisions, "published", lambda con, wave_id: [])
    load_survey(con, survey_csv(varied(7, "A", "S") + varied(6, "B", "S")), file_name="first.csv")
    reader = Reader(con)
    reader.observe(sensitive=False)
    load_survey(con, survey_csv(varied(1, "A", "S")), file_name="late.csv")
    reader.observe(sensitive=False)
    assert reader.recovered()
