"""The adversary behind tests/test_privacy_attack.py: a reader who keeps every figure, forever.

DESIGN.md section 4's attacker: any signed-in reader who is not HR, with every
figure their role can reach (every query function a page, tab, download or the
board pack shows, with every filter the sidebar allows, at full precision) and
every version of those figures over time (before and after late returns, a
withdrawal or restore, a new threshold, a new staff list).

Each figure shown is a sum over a known set of people (respondents, or workers
for supervision) of some per-person quantity: the count, a measure's score (and,
from an interval, its square), an item's answer. So every figure is one
equation over people, per quantity. The adversary writes them all down, across
query functions, respondent sets, filters and versions, and then asks, per
quantity, whether any group of fewer than k people follows exactly from them,
by integer programming over the people themselves (tests/derivable.py), which
shares nothing with the engine's own arithmetic.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from queries import equity, overview, response_rates, settings, supervision, survey
from tests.derivable import derivable, smallest_derivable
from wellbeing import privacy
from wellbeing.core import roles

NOT_STATED = privacy.NOT_STATED
HEADLINE_FAMILIES = {
    "high_stress": ("construct:default:stress",),
    "high_support_high_challenge": ("construct:default:support", "construct:default:challenge"),
    "high_change_fatigue": ("construct:default:change_fatigue",),
    "high_intention_to_leave": ("construct:default:intention_to_leave",),
}
SUPPORT_CHALLENGE_FAMILIES = HEADLINE_FAMILIES["high_support_high_challenge"]
ITEMS = ["STR2", "STR3", "SVF1"]
QUADRANTS_BUT_ONE = {
    "share_high_support_low_challenge",
    "share_low_support_high_challenge",
    "share_low_support_low_challenge",
}
SHARES = {"share", "share_high", "share_agree", "share_high_support_high_challenge"}
SHARES |= QUADRANTS_BUT_ONE
# The query functions a reader's pages call, each observed below: a page that starts
# calling another must be taught to the adversary (tests/test_privacy_attack.py checks).
OBSERVED = {
    "survey.construct_by_team",
    "survey.construct_for_organisation",
    "survey.construct_by_wave",
    "survey.construct_by_wave_for_organisation",
    "survey.item_agreement_by_team",
    "survey.item_agreement_for_organisation",
    "survey.support_challenge_by_wave",
    "survey.support_challenge_by_wave_for_organisation",
    "survey.filter_options",
    "overview.headline_measures",
    "equity.construct_by_attribute",
    "equity.respondent_profile",
    "response_rates.response_rates_by_team",
    "supervision.compliance",
    "supervision.compliance_by_team",
    "supervision.compliance_for_organisation",
    "supervision.compliance_by_stage",
    "supervision.sessions",
    "supervision.overdue_by_team",
}


@dataclass(frozen=True)
class Figure:
    """One shown figure: the quantity it adds up and over whom."""

    family: str
    members: frozenset
    source: str


def survey_people(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, dict[str, set[int]]]:
    """Every active response with its attributes as the figures group them, and the sets."""
    people = con.execute(
        "select id, wave_id, team, service, role, career_stage, ethnicity, gender, "
        "disability, age_band from active_responses"
    ).df()
    people["service"] = people["service"].fillna(NOT_STATED)
    sets: dict[str, set[int]] = defaultdict(set)
    for response_id, instrument, construct in con.execute(
        "select response_id, instrument, construct from reported_scores"
    ).fetchall():
        sets[f"construct:{instrument}:{construct}"].add(response_id)
    for response_id, instrument in con.execute(
        "select distinct response_id, instrument from construct_scores"
    ).fetchall():
        sets[f"respondents:{instrument}"].add(response_id)
    for response_id, code in con.execute(
        "select a.response_id, i.code from answers as a join items as i on i.id = a.item_id "
        "where a.value is not null and i.instrument = 'default'"
    ).fetchall():
        sets[f"item:{code}"].add(response_id)
    both = sets["construct:default:support"] & sets["construct:default:challenge"]
    sets["support_challenge"] = both
    return people, dict(sets)


class Reader:
    """Observes all a leader can reach and writes every figure down, version after version."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.figures: set[Figure] = set()
        self.problems: list[str] = []
        self.observations = 0

    # --- who a figure adds up ----------------------------------------------------

    def _select(self, universe: str, wave_id: int, **where: object) -> frozenset:
        frame = self.people[self.people["wave_id"] == wave_id]
        for column, value in where.items():
            if value is not None:
                frame = frame[frame[column] == value]
        return frozenset(set(frame["id"]) & self.sets.get(universe, set()))

    def record(self, family: str, members: frozenset, source: str) -> None:
        if members:
            self.figures.add(Figure(family, members, source))

    def shown(self, frame: pd.DataFrame, value_columns: list[str], source: str) -> Iterator:
        """Rows a reader sees figures in; a hidden row must carry no figure at all."""
        alike = self.rules.alike_group_size
        for _, row in frame.iterrows():
            if row["status"] != privacy.SHOWN:
                for column in ["respondents", *value_columns]:
                    if column in row and not pd.isna(row[column]):
                        self.problems.append(f"{source}: a hidden row shows {column}: {dict(row)}")
                continue
            count = row.get("respondents")
            # The all-alike rule is about answers; who responded (the profile's shares of
            # roles, stages and sensitive groups) falls under k and the stricter k instead.
            answers = source not in ("profile", "response_rates")
            if answers and count is not None and not pd.isna(count) and count < alike:
                for column in value_columns:
                    value = row.get(column)
                    if value is None or pd.isna(value) or column not in SHARES:
                        continue
                    # A yes-or-no share of 0% or 100% tells everyone's answer; of the
                    # four quadrants, only everyone in one of them does.
                    telling = (1,) if column in QUADRANTS_BUT_ONE else (0, 1)
                    if value in telling:
                        self.problems.append(f"{source}: {count} shown all alike in {column}")
                if "sd" in row and not pd.isna(row["sd"]) and row["sd"] == 0:
                    self.problems.append(f"{source}: {count} shown with an interval of no width")
            yield row

    # --- everything a leader can reach -----------------------------------------------

    def observe(self, *, sensitive: bool = True, waves: list[int] | None = None) -> None:
        """One visit to every page, tab and download, with every filter the sidebar allows.

        ``waves``: the waves to visit with every filter (default all); the trends,
        which show every wave, are read whatever the choice.
        """
        self.observations += 1
        self.rules = settings.rules(self.con)
        self.people, self.sets = survey_people(self.con)
        every_wave = [int(w) for w in survey.waves(self.con)["id"]]
        self.waves = every_wave if waves is None else waves
        roles.view_as(roles.LEADER)
        try:
            for wave_id in self.waves:
                self._check_filter_options(wave_id)
                for filters in self._sub_filter_sets(wave_id):
                    self._team_views(filters)
                    self._team_views(replace(filters, combine_small_teams=True))
                    for unit in self._units(wave_id):
                        self._unit_views(replace(filters, **unit), sensitive=sensitive)
            self._trends()
            if sensitive:
                self._equity()
        finally:
            roles.view_as(None)

    def _check_filter_options(self, wave_id: int) -> None:
        k = self.rules.min_group_size
        in_wave = self.people[self.people["wave_id"] == wave_id]
        for field in survey.FILTER_FIELDS:
            for value in survey.filter_options(self.con, field=field, wave_id=wave_id):
                held = int((in_wave[field] == value).sum())
                if held < k:
                    self.problems.append(f"filter {field} lists {value!r}, held by {held}")

    def _sub_filter_sets(self, wave_id: int) -> list[survey.Filters]:
        chosen = [survey.Filters(wave_id=wave_id)]
        for field in ("role", "career_stage"):
            for value in survey.filter_options(self.con, field=field, wave_id=wave_id):
                chosen.append(survey.Filters(wave_id=wave_id, **{field: value}))
        return chosen

    def _units(self, wave_id: int) -> Iterator[dict[str, str | None]]:
        yield {"service": None, "team": None}
        for service in survey.filter_options(self.con, field="service", wave_id=wave_id):
            yield {"service": service, "team": None}
            for team in survey.filter_options(
                self.con, field="team", wave_id=wave_id, service=service
            ):
                yield {"service": service, "team": team}

    def _team_views(self, f: survey.Filters) -> None:
        sub = {"role": f.role, "career_stage": f.career_stage}
        rows = survey.construct_by_team(self.con, filters=f)
        shown_teams: dict[str, set[str]] = defaultdict(set)
        for row in self.shown(rows, survey.SCORE_COLUMNS, "construct_by_team"):
            universe = f"construct:default:{row['construct']}"
            if row.get("pooled", False):
                # Pool = the service less its shown teams.
                members = self._select(universe, f.wave_id, service=row["service"], **sub)
                for team in shown_teams[row["construct"]]:
                    members -= self._select(universe, f.wave_id, team=team, **sub)
                self.record(universe, members, "pool")
                continue
            shown_teams[row["construct"]].add(row["team"])
            self.record(
                universe,
                self._select(universe, f.wave_id, team=row["team"], **sub),
                "construct_by_team",
            )
        if f.combine_small_teams:
            return
        for row in self.shown(
            survey.construct_for_organisation(self.con, filters=f), survey.SCORE_COLUMNS, "org"
        ):
            universe = f"construct:default:{row['construct']}"
            self.record(
                universe, self._select(universe, f.wave_id, **sub), "construct_for_organisation"
            )
        for function, unit in (
            (survey.item_agreement_by_team, True),
            (survey.item_agreement_for_organisation, False),
        ):
            for row in self.shown(
                function(self.con, filters=f, items=ITEMS), ["share_agree"], "items"
            ):
                where = {"team": row["team"]} if unit else {}
                universe = f"item:{row['item']}"
                self.record(
                    universe, self._select(universe, f.wave_id, **where, **sub), function.__name__
                )

    def _unit_views(self, f: survey.Filters, *, sensitive: bool) -> None:
        sub = {"role": f.role, "career_stage": f.career_stage}
        unit = {"service": f.service, "team": f.team}
        for row in self.shown(
            overview.headline_measures(self.con, filters=f), ["share"], "headline"
        ):
            for family in HEADLINE_FAMILIES[row["measure"]]:
                universe = (
                    family
                    if row["measure"] != "high_support_high_challenge"
                    else "support_challenge"
                )
                self.record(
                    family, self._select(universe, f.wave_id, **unit, **sub), "headline_measures"
                )
        if f.role is None and f.career_stage is None and f.team is None:
            rates = response_rates.response_rates_by_team(self.con, filters=f)
            for row in self.shown(rates, ["response_rate"], "response_rates"):
                universe = "respondents:default"
                self.record(
                    universe, self._select(universe, f.wave_id, team=row["team"]), "response_rates"
                )
        if not sensitive:
            return
        profile = equity.respondent_profile(self.con, filters=f)
        for row in self.shown(profile, ["share"], "profile"):
            universe = "respondents:default"
            where = {**unit, **sub, row["attribute"]: row["group_name"]}
            self.record(universe, self._select(universe, f.wave_id, **where), "respondent_profile")
            if not pd.isna(row["share"]):
                # respondents / share: the total the share is of.
                self.record(
                    universe, self._select(universe, f.wave_id, **unit, **sub), "profile total"
                )

    def _trends(self) -> None:
        subs = {(f.role, f.career_stage) for w in self.waves for f in self._sub_filter_sets(w)}
        for role, career_stage in sorted(subs, key=str):
            sub = {"role": role, "career_stage": career_stage}
            f = survey.Filters(**sub)
            constructs = list(survey.constructs(self.con)["code"])
            for function in (survey.construct_by_wave, survey.construct_by_wave_for_organisation):
                for row in self.shown(
                    function(self.con, filters=f, constructs=constructs),
                    survey.SCORE_COLUMNS,
                    "trend",
                ):
                    universe = f"construct:default:{row['construct']}"
                    where = {"team": row["team"]} if not pd.isna(row.get("team")) else {}
                    members = self._select(universe, int(row["wave_id"]), **where, **sub)
                    self.record(universe, members, function.__name__)
            for function in (
                survey.support_challenge_by_wave,
                survey.support_challenge_by_wave_for_organisation,
            ):
                for row in self.shown(
                    function(self.con, filters=f), survey.SUPPORT_CHALLENGE_COLUMNS, "quadrants"
                ):
                    where = {"team": row["team"]} if not pd.isna(row.get("team")) else {}
                    members = self._select("support_challenge", int(row["wave_id"]), **where, **sub)
                    for family in SUPPORT_CHALLENGE_FAMILIES:
                        self.record(family, members, function.__name__)

    def _equity(self) -> None:
        attributes = ["ethnicity", "gender", "disability", "age_band", "career_stage", "role"]
        for wave_id in self.waves:
            org = survey.Filters(wave_id=wave_id)
            views = [(org, (a,)) for a in attributes]
            views += [
                (org, pair)
                for pair in itertools.combinations(attributes, 2)
                if set(pair) != set(privacy.SUB_FILTERS)
            ]
            units = list(self._units(wave_id))[1:]
            views += [(replace(org, **u), (a,)) for u in units for a in attributes[:4]]
            for f, chosen in views:
                rows = equity.construct_by_attribute(self.con, filters=f, attributes=chosen)
                where = {"service": f.service, "team": f.team}
                for row in self.shown(rows, survey.SCORE_COLUMNS, "equity"):
                    universe = f"construct:default:{row['construct']}"
                    groups = {a: row[a] for a in chosen}
                    self.record(
                        universe,
                        self._select(universe, wave_id, **where, **groups),
                        "construct_by_attribute",
                    )

    # --- the attack proper -----------------------------------------------------------

    def recovered(self, k: int | None = None) -> list[str]:
        """Every group below k some quantity's figures give away (empty: the engine held)."""
        k = k or self.rules.min_group_size
        by_family: dict[str, list[frozenset]] = defaultdict(list)
        for figure in self.figures:
            by_family[figure.family].append(figure.members)
        leaks = []
        for family, member_sets in sorted(by_family.items()):
            people = sorted(set().union(*member_sets))
            position = {p: i for i, p in enumerate(people)}
            rows = np.zeros((len(member_sets), len(people)))
            for r, members in enumerate(member_sets):
                rows[r, [position[m] for m in members]] = 1.0
            group = smallest_derivable(rows, k)
            if group is not None:
                leaks.append(f"{family}: {len(group)} people follow: {[people[i] for i in group]}")
        return leaks

    def gives_away(self, family: str, members: set) -> bool:
        """Whether one particular group follows from the figures of a quantity."""
        sets = [f.members for f in self.figures if f.family == family]
        people = sorted(set().union(*sets, members))
        position = {p: i for i, p in enumerate(people)}
        rows = np.zeros((len(sets), len(people)))
        for r, figure_members in enumerate(sets):
            rows[r, [position[m] for m in figure_members]] = 1.0
        target = np.zeros((1, len(people)))
        target[0, [position[m] for m in members]] = 1.0
        return bool(derivable(target, rows)[0])


class StaffReader(Reader):
    """The same reader on the supervision figures: equations over workers."""

    def observe_supervision(self, *, month, as_of) -> None:
        self.rules = settings.rules(self.con)
        months = supervision._worker_month_rows(
            self.con, month_from=month, month_to=month, as_of=as_of
        ).to_pandas()
        months = months[~months["excluded"]]
        months["stage"] = np.where(
            months["newly_qualified"], supervision.NEWLY_QUALIFIED, supervision.EXPERIENCED
        )
        sessions = supervision._session_rows(self.con, month_from=month, month_to=month).to_pandas()
        sessions = sessions[sessions["row_kind"] == "session"]
        overdue = supervision._overdue_worker_rows(self.con, as_of=as_of).to_pandas()
        services = sorted(months["service"].dropna().unique())
        teams = sorted(months["team"].dropna().unique())
        scopes = [{}] + [{"service": s} for s in services] + [{"team": t} for t in teams]

        def members(frame, key, **where):
            chosen = frame
            for column, value in where.items():
                chosen = chosen[chosen[column] == value]
            return frozenset(chosen[key])

        roles.view_as(roles.LEADER)
        try:
            for scope in scopes:
                base = {k: v for k, v in scope.items()}
                compliance = supervision.compliance(
                    self.con, month_from=month, month_to=month, as_of=as_of, **scope
                )
                for _, row in compliance.iterrows():
                    if row["status"] != privacy.SHOWN:
                        continue
                    where = dict(base) if pd.isna(row["team"]) else {"team": row["team"]}
                    due = months[months["required"] > 0]
                    self.record("compliance", members(due, "worker_key", **where), "compliance")
                    self.record("in post", members(months, "worker_key", **where), "compliance")
                stages = supervision.compliance_by_stage(
                    self.con, month_from=month, month_to=month, as_of=as_of, **scope
                )
                for _, row in stages.iterrows():
                    if row["status"] != privacy.SHOWN:
                        continue
                    due = months[months["required"] > 0]
                    self.record(
                        "compliance",
                        members(due, "worker_key", stage=row["stage"], **base),
                        "by stage",
                    )
                    self.record(
                        "in post",
                        members(months, "worker_key", stage=row["stage"], **base),
                        "by stage",
                    )
                held = supervision.sessions(
                    self.con, month_from=month, month_to=month, as_of=as_of, **scope
                )
                for _, row in held.iterrows():
                    if row["status"] != privacy.SHOWN:
                        continue
                    where = dict(base) if pd.isna(row["team"]) else {"team": row["team"]}
                    self.record("sessions", members(sessions, "worker_key", **where), "sessions")
                late = supervision.overdue_by_team(self.con, as_of=as_of, **scope)
                for _, row in late.iterrows():
                    if row["status"] != privacy.SHOWN:
                        continue
                    where = dict(base) if pd.isna(row["team"]) else {"team": row["team"]}
                    self.record("overdue", members(overdue, "worker_key", **where), "overdue")
        finally:
            roles.view_as(None)


def random_organisation(seed: int, *, size: int = 40, skip_challenge: float = 0.0) -> list[dict]:
    """Respondents of one wave in a few small, unequal teams: roles, stages, ethnicities."""
    rng = random.Random(seed)
    rows = []
    services = {f"Service {s}": rng.randint(2, 3) for s in range(rng.randint(1, 2))}
    teams = [(f"{service} team {t}", service) for service, n in services.items() for t in range(n)]
    for _ in range(size):
        team, service = rng.choice(teams)
        row: dict[str, object] = {
            "team": team,
            "service": service,
            "role": rng.choices(
                ["Social worker", "Senior practitioner", "Manager", None], [6, 3, 1, 1]
            )[0],
            "career_stage": rng.choices(["Newly qualified", "Experienced"], [1, 3])[0],
            "ethnicity": rng.choices(["White", "Black", "Asian", None], [8, 2, 2, 1])[0],
            "STR2": rng.randint(1, 5),
            "STR3": rng.randint(1, 5),
            "SUP1": rng.randint(1, 5),
            "SUP2": rng.randint(1, 5),
        }
        if rng.random() >= skip_challenge:
            row["CHA1"] = rng.randint(1, 5)
            row["CHA2"] = rng.randint(1, 5)
        rows.append(row)
    return rows


def attack(con: duckdb.DuckDBPyConnection, *, sensitive: bool = True) -> Reader:
    reader = Reader(con)
    reader.observe(sensitive=sensitive)
    return reader


def load(con, make_survey: Callable[..., bytes], load_survey, rows, *, wave: str, name: str):
    return load_survey(con, make_survey(rows), wave=wave, file_name=name)
