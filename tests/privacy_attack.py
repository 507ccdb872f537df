"""The adversary behind tests/test_privacy_attack.py: a leader who writes down every figure.

An organisation with small teams and unequal subgroups is imported through the
real path. Every query function a leader's pages (and downloads) use is called
with every combination of filters the sidebar and the equity view allow. Each
visible figure is a count (and, with it, a sum of scores) over a known set of
respondents, so each is one linear equation over the respondents. A hidden
group's count or sum is recovered exactly when its 0/1 vector lies in the span
of the visible ones; we test that with floating-point least squares, separately
from the engine's own (modular) arithmetic, and also look for the plain
differencing of two nested figures.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from queries import equity, overview, response_rates, settings, survey
from wellbeing import privacy

CONSTRUCT_ITEMS = {
    "stress": ["STR1", "STR2", "STR3", "STR4"],
    "support": ["SUP1", "SUP2", "SUP3", "SUP4"],
    "challenge": ["CHA1", "CHA2", "CHA3", "CHA4"],
    "change_fatigue": ["CHF1", "CHF2", "CHF3", "CHF4", "CHF5", "CHF6"],
    "intention_to_leave": ["ITL1", "ITL2", "ITL3"],
}
ITEMS = ["STR1", "STR2"]
SERVICES = {
    "Adults": {"Hospital": 11, "Reablement": 7, "Sensory": 3, "Night duty": 2},
    "Children": {"Assessment": 13, "Fostering": 6, "Adoption": 4, "Care leavers": 9},
    "Business": {"Quality": 5, "Workforce": 1},
}
ROLES = ["Social worker", "Senior practitioner", "Manager"]
STAGES = ["Newly qualified", "Experienced"]
ETHNICITIES = ["White", "Black", "Asian", "Mixed"]
GENDERS = ["Woman", "Man"]
HEADLINE_UNIVERSES = {
    "high_stress": "construct:default:stress",
    "high_support_high_challenge": survey.SUPPORT_CHALLENGE_UNIVERSE,
    "high_change_fatigue": "construct:default:change_fatigue",
    "high_intention_to_leave": "construct:default:intention_to_leave",
}


def organisation_rows(seed: int, *, shrink: dict[str, int] | None = None) -> list[dict]:
    """Respondents of one wave: unequal teams, roles and stages, some blanks and partial answers."""
    rng = random.Random(seed)
    rows = []
    for service, teams in SERVICES.items():
        for team, size in teams.items():
            for _ in range((shrink or {}).get(team, size)):
                row: dict[str, object] = {
                    "team": team,
                    "service": service,
                    "role": rng.choices([*ROLES, None], weights=[6, 3, 1, 1])[0],
                    "career_stage": rng.choices(STAGES, weights=[1, 4])[0],
                    "ethnicity": rng.choices([*ETHNICITIES, None], weights=[10, 3, 3, 1, 1])[0],
                    "gender": rng.choices(GENDERS, weights=[4, 1])[0],
                }
                skips_support = rng.random() < 0.1
                for construct, items in CONSTRUCT_ITEMS.items():
                    for item in items:
                        if construct == "support" and skips_support:
                            continue
                        row[item] = rng.randint(1, 5)
                rows.append(row)
    rng.shuffle(rows)
    return rows


@dataclass(frozen=True)
class Figure:
    """One visible count: the wave, which respondents it may cover, and who they are."""

    wave_id: int
    universe: str
    members: frozenset[int]
    source: str


def respondents(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, dict[str, set[int]]]:
    """Every response with its attributes, and who belongs to each universe."""
    frame = con.execute(
        """
        select r.id, r.wave_id, r.team, coalesce(t.service, r.service) as service, r.role,
            r.career_stage, r.ethnicity, r.gender, r.disability, r.age_band
        from responses as r
        join uploads as u on u.id = r.upload_id and u.status = 'active'
        left join teams as t on t.name = r.team
        """
    ).df()
    universes: dict[str, set[int]] = {"respondents": set(frame["id"])}
    for response_id, instrument, construct in con.execute(
        "select response_id, instrument, construct from construct_scores"
    ).fetchall():
        universes.setdefault(f"construct:{instrument}:{construct}", set()).add(response_id)
    for response_id, code in con.execute(
        "select a.response_id, i.code from answers as a join items as i on i.id = a.item_id "
        "where a.value is not null and i.instrument = 'default'"
    ).fetchall():
        universes.setdefault(f"item:{code}", set()).add(response_id)
    support = universes.get("construct:default:support", set())
    challenge = universes.get("construct:default:challenge", set())
    universes[survey.SUPPORT_CHALLENGE_UNIVERSE] = support & challenge
    return frame, universes


class Adversary:
    """Calls every leader-facing query function and writes down what it shows."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.rules = settings.rules(con)
        self.people, self.universes = respondents(con)
        self.figures: set[Figure] = set()
        self.waves = [int(w) for w in survey.waves(con)["id"]]

    def select(self, wave_id: int, universe: str, **where: object) -> frozenset[int]:
        frame = self.people[self.people["wave_id"] == wave_id]
        for column, value in where.items():
            if value is None:
                continue
            if value == privacy.NOT_STATED or value == equity.NOT_STATED:
                frame = frame[frame[column].isna()]
            else:
                frame = frame[frame[column] == value]
        return frozenset(set(frame["id"]) & self.universes.get(universe, set()))

    def record(self, wave_id: int, universe: str, source: str, **where: object) -> None:
        members = self.select(wave_id, universe, **where)
        self.figures.add(Figure(wave_id, universe, members, source))

    def shown(self, frame: pd.DataFrame, value_columns: list[str]) -> Iterator[pd.Series]:
        """Rows a reader sees figures in; hidden rows must carry no figure at all."""
        for _, row in frame.iterrows():
            if row["status"] == privacy.SHOWN:
                yield row
            else:
                for column in ["respondents", *value_columns]:
                    if column in row and not pd.isna(row[column]):
                        raise AssertionError(f"hidden row shows {column}: {row.to_dict()}")

    def sub_filters(self) -> list[dict[str, str | None]]:
        """Every role or career stage (or neither): the sidebar allows one of the two at a time."""
        chosen: list[dict[str, str | None]] = [{"role": None, "career_stage": None}]
        chosen += [
            {"role": role, "career_stage": None}
            for role in survey.filter_options(self.con, field="role")
        ]
        chosen += [
            {"role": None, "career_stage": stage}
            for stage in survey.filter_options(self.con, field="career_stage")
        ]
        return chosen

    def filter_sets(self) -> Iterator[survey.Filters]:
        """Every wave x (role or career stage or neither), as the sidebar allows."""
        for wave_id, sub in itertools.product(self.waves, self.sub_filters()):
            yield survey.Filters(wave_id=wave_id, **sub)

    def unit_filters(self) -> Iterator[dict[str, str | None]]:
        yield {"service": None, "team": None}
        hierarchy = survey.team_hierarchy(self.con)
        for service in sorted(hierarchy["service"].dropna().unique()):
            yield {"service": service, "team": None}
        for team, service in zip(hierarchy["team"], hierarchy["service"], strict=True):
            yield {"service": service, "team": team}

    def observe_everything(self, *, sensitive: bool = True) -> None:
        """Every view and download a leader has, with every filter that changes its figures.

        Service and team filters only narrow the rows of the team views
        (test_filters_only_narrow_the_rows checks that), so those views are
        read unfiltered; views whose figures are the chosen unit's
        (headline tiles, respondent profile, equity) are read for every unit.
        Combinations that cross too many attributes show nothing (asserted).
        """
        for filters in self.filter_sets():
            self.observe_team_views(filters)
            self.observe_team_views(replace(filters, combine_small_teams=True))
            for unit in self.unit_filters():
                self.observe_unit_views(replace(filters, **unit), sensitive=sensitive)
        self.observe_trends()
        if sensitive:
            self.observe_equity()

    def observe_team_views(self, f: survey.Filters) -> None:
        sub = {"role": f.role, "career_stage": f.career_stage}
        gated = survey.construct_by_team(self.con, filters=f)
        visible_teams: dict[str, set[str]] = {}
        for row in self.shown(gated, survey.SCORE_COLUMNS):
            universe = f"construct:default:{row['construct']}"
            if row.get("pooled", False):
                continue
            visible_teams.setdefault(row["construct"], set()).add(row["team"])
            self.record(f.wave_id, universe, "construct_by_team", team=row["team"], **sub)
        for row in self.shown(gated, survey.SCORE_COLUMNS):
            if not row.get("pooled", False):
                continue
            universe = f"construct:default:{row['construct']}"
            service_members = self.select(f.wave_id, universe, service=row["service"], **sub)
            shown_members = set()
            for team in visible_teams.get(row["construct"], set()):
                shown_members |= self.select(f.wave_id, universe, team=team, **sub)
            self.figures.add(
                Figure(f.wave_id, universe, frozenset(service_members - shown_members), "pool")
            )
        if f.combine_small_teams:
            return
        for row in self.shown(
            survey.construct_for_organisation(self.con, filters=f), survey.SCORE_COLUMNS
        ):
            universe = f"construct:default:{row['construct']}"
            self.record(f.wave_id, universe, "construct_for_organisation", **sub)
        items = survey.item_agreement_by_team(self.con, filters=f, items=ITEMS)
        for row in self.shown(items, ["share_agree"]):
            self.record(
                f.wave_id, f"item:{row['item']}", "item_agreement_by_team", team=row["team"], **sub
            )
        items = survey.item_agreement_for_organisation(self.con, filters=f, items=ITEMS)
        for row in self.shown(items, ["share_agree"]):
            self.record(f.wave_id, f"item:{row['item']}", "item_agreement_for_organisation", **sub)

    def observe_unit_views(self, f: survey.Filters, *, sensitive: bool = True) -> None:
        sub = {"role": f.role, "career_stage": f.career_stage}
        unit = {"service": f.service, "team": f.team}
        for row in self.shown(overview.headline_measures(self.con, filters=f), ["share"]):
            self.record(
                f.wave_id, HEADLINE_UNIVERSES[row["measure"]], "headline_measures", **unit, **sub
            )
        if f.role is None and f.career_stage is None and f.team is None:
            rates = response_rates.response_rates_by_team(self.con, filters=f)
            for row in self.shown(rates, ["response_rate"]):
                self.record(f.wave_id, "respondents", "response_rates_by_team", team=row["team"])
        if not sensitive:
            return
        filters_set = [k for k, v in {**unit, **sub}.items() if v is not None and k != "service"]
        if f.service is not None and f.team is None:
            filters_set.append("service")
        profile = equity.respondent_profile(self.con, filters=f)
        if len(filters_set) > 1:
            # Crossing a sensitive attribute with two filters: nothing sensitive may show.
            sensitive = profile[profile["attribute"].isin(privacy.SENSITIVE_ATTRIBUTES)]
            assert (sensitive["status"] != privacy.SHOWN).all()
        for row in self.shown(profile, ["share"]):
            self.record(
                f.wave_id,
                "respondents",
                "respondent_profile",
                **{**unit, **sub, row["attribute"]: row["group_name"]},
            )

    def observe_trends(self) -> None:
        for sub in self.sub_filters():
            f = survey.Filters(**sub)
            by_wave = survey.construct_by_wave(
                self.con, filters=f, constructs=list(CONSTRUCT_ITEMS)
            )
            for row in self.shown(by_wave, survey.SCORE_COLUMNS):
                self.record(
                    int(row["wave_id"]),
                    f"construct:default:{row['construct']}",
                    "construct_by_wave",
                    team=row["team"],
                    **sub,
                )
            org = survey.construct_by_wave_for_organisation(
                self.con, filters=f, constructs=list(CONSTRUCT_ITEMS)
            )
            for row in self.shown(org, survey.SCORE_COLUMNS):
                self.record(
                    int(row["wave_id"]),
                    f"construct:default:{row['construct']}",
                    "construct_by_wave_for_organisation",
                    **sub,
                )
            quadrants = survey.support_challenge_by_wave(self.con, filters=f)
            for row in self.shown(quadrants, survey.SUPPORT_CHALLENGE_COLUMNS):
                self.record(
                    int(row["wave_id"]),
                    survey.SUPPORT_CHALLENGE_UNIVERSE,
                    "support_challenge_by_wave",
                    team=row["team"],
                    **sub,
                )
            quadrants = survey.support_challenge_by_wave_for_organisation(self.con, filters=f)
            for row in self.shown(quadrants, survey.SUPPORT_CHALLENGE_COLUMNS):
                self.record(
                    int(row["wave_id"]),
                    survey.SUPPORT_CHALLENGE_UNIVERSE,
                    "support_challenge_by_wave_for_organisation",
                    **sub,
                )

    def observe_equity(self) -> None:
        sensitive = ["ethnicity", "gender"]
        plain = ["career_stage", "role"]
        for wave_id in self.waves:
            views: list[tuple[survey.Filters, tuple[str, ...]]] = []
            org = survey.Filters(wave_id=wave_id)
            everything = [*sensitive, *plain]
            views += [(org, (a,)) for a in everything]
            # Role by career stage is refused (privacy.MAX_SUB_FILTERS), with a reason.
            crossed = tuple(privacy.SUB_FILTERS)
            try:
                equity.construct_by_attribute(self.con, filters=org, attributes=crossed)
            except ValueError:
                pass
            else:
                raise AssertionError("a role x career-stage breakdown was drawn")
            views += [
                (org, pair)
                for pair in itertools.combinations(everything, 2)
                if not set(crossed) <= set(pair)
            ]
            one_filter = [replace(org, **unit) for unit in list(self.unit_filters())[1:]]
            one_filter += [replace(org, role=r) for r in ROLES]
            one_filter += [replace(org, career_stage=s) for s in STAGES]
            views += [(f, (a,)) for f in one_filter for a in sensitive]
            # One step too far: a sensitive attribute with two filters shows nothing.
            views += [
                (replace(org, team="Hospital", service="Adults", role=ROLES[0]), ("ethnicity",))
            ]
            for f, chosen in views:
                rows = equity.construct_by_attribute(self.con, filters=f, attributes=chosen)
                where = {
                    "service": f.service,
                    "team": f.team,
                    "role": f.role,
                    "career_stage": f.career_stage,
                }
                for row in self.shown(rows, survey.SCORE_COLUMNS):
                    groups = {a: row[a] for a in chosen}
                    self.record(
                        wave_id,
                        f"construct:default:{row['construct']}",
                        "construct_by_attribute",
                        **{**where, **groups},
                    )

    # --- the attack proper -------------------------------------------------

    def targets(self, wave_id: int, universe: str) -> Iterator[tuple[str, frozenset[int], int]]:
        """Every group a leader could ask about, or could once (role and career stage
        together), that has fewer than its k respondents."""
        k, sensitive_k = self.rules.min_group_size, self.rules.sensitive_min_group_size
        people = self.people[self.people["wave_id"] == wave_id].copy()
        people = people[people["id"].isin(self.universes.get(universe, set()))]
        filled = people.fillna({c: privacy.NOT_STATED for c in privacy.DIMENSIONS})
        # A sensitive group made of exactly the people of a plain group of k or
        # more (everyone left age blank, say) tells nothing the plain one does not.
        plain_sets = set()
        for pattern in target_patterns():
            if set(pattern) & set(privacy.SENSITIVE_ATTRIBUTES):
                continue
            groups = _groups(filled, pattern)
            plain_sets |= {frozenset(people.loc[i, "id"]) for i in groups.values() if len(i) >= k}
        for pattern in target_patterns():
            threshold = sensitive_k if set(pattern) & set(privacy.SENSITIVE_ATTRIBUTES) else k
            groups = _groups(filled, pattern)
            for values, index in groups.items():
                members = frozenset(people.loc[index, "id"])
                if 0 < len(index) < threshold and members not in plain_sets:
                    yield f"{dict(zip(pattern, np.atleast_1d(values), strict=True))}", members, k

    def recovered(self) -> list[str]:
        """Every hidden small group the visible figures give away (empty: the engine held)."""
        leaks: list[str] = []
        by_system: dict[tuple[int, str], list[Figure]] = {}
        for figure in self.figures:
            by_system.setdefault((figure.wave_id, figure.universe), []).append(figure)
        for (wave_id, universe), figures in sorted(by_system.items()):
            leaks += self.difference(figures)
            leaks += self.solve(wave_id, universe, figures)
        return leaks

    def difference(self, figures: list[Figure]) -> list[str]:
        """Two nested figures whose difference is a group of 1 to k-1 respondents."""
        k = self.rules.min_group_size
        sets = sorted({f.members for f in figures}, key=len)
        leaks = []
        for small, large in itertools.combinations(sets, 2):
            gap = len(large) - len(small)
            if 0 < gap < k and small < large:
                leaks.append(f"differencing: {gap} respondents ({sorted(large - small)})")
        return leaks

    def solve(self, wave_id: int, universe: str, figures: list[Figure]) -> list[str]:
        """Least squares over the respondents: which small hidden groups are in the span?"""
        k = self.rules.min_group_size
        everyone = sorted(
            self.universes.get(universe, set())
            & set(self.people.loc[self.people["wave_id"] == wave_id, "id"])
        )
        position = {respondent: i for i, respondent in enumerate(everyone)}
        rows = np.zeros((len(figures), len(everyone)))
        for r, figure in enumerate(figures):
            rows[r, [position[m] for m in figure.members]] = 1.0
        # A group made of exactly the people of a shown figure (everyone in a
        # team left age blank, say) gives nothing away by being derived.
        shown_sets = {figure.members for figure in figures}
        candidates: list[tuple[str, frozenset[int]]] = [
            (name, members)
            for name, members, _ in self.targets(wave_id, universe)
            if members not in shown_sets
        ]
        # Respondents no figure tells apart can only be recovered together.
        _, atom_of = np.unique(rows.T, axis=0, return_inverse=True)
        atom_of = atom_of.reshape(-1)
        for atom in np.unique(atom_of):
            members = frozenset(everyone[i] for i in np.flatnonzero(atom_of == atom))
            if len(members) < k:
                candidates.append((f"indistinguishable respondents {sorted(members)}", members))
        if not candidates or not len(figures):
            return []
        vectors = np.zeros((len(candidates), len(everyone)))
        for c, (_, members) in enumerate(candidates):
            vectors[c, [position[m] for m in members]] = 1.0
        solution, *_ = np.linalg.lstsq(rows.T, vectors.T, rcond=None)
        residual = np.abs(rows.T @ solution - vectors.T).max(axis=0)
        return [
            f"wave {wave_id}, {universe}: {name} ({len(members)} respondents) recovered"
            for (name, members), gap in zip(candidates, residual, strict=True)
            if gap < 1e-6
        ]


def target_patterns() -> list[tuple[str, ...]]:
    """The engine's view patterns plus each unit by role and career stage at once.

    Leaders can no longer filter by both, but the groups are still real people:
    the attack must not be able to work out "manager, newly qualified" either.
    """
    both = [(*unit, *privacy.SUB_FILTERS) for unit in [(), ("service",), ("service", "team")]]
    return [*privacy.view_patterns(), *(p for p in both if p not in privacy.view_patterns())]


def attack(con: duckdb.DuckDBPyConnection, *, sensitive: bool = True) -> Adversary:
    adversary = Adversary(con)
    adversary.observe_everything(sensitive=sensitive)
    return adversary


def build_organisation(
    con: duckdb.DuckDBPyConnection,
    make_survey: Callable[..., bytes],
    load_survey: Callable[..., object],
    *,
    seed: int = 7,
) -> None:
    """Two waves; in the second, Reablement falls below k and Sensory grows past it."""
    load_survey(
        con, make_survey(organisation_rows(seed)), wave="Autumn 2025", file_name="autumn.csv"
    )
    load_survey(
        con,
        make_survey(organisation_rows(seed + 1, shrink={"Reablement": 3, "Sensory": 6})),
        wave="Spring 2026",
        file_name="spring.csv",
    )


def _groups(frame: pd.DataFrame, pattern: tuple[str, ...]) -> dict:
    """Index of each group of ``frame`` by the columns in ``pattern`` (all of it for none)."""
    if not pattern:
        return {(): frame.index}
    if len(pattern) == 1:
        return {(value,): index for value, index in frame.groupby(pattern[0]).groups.items()}
    return frame.groupby(list(pattern)).groups
