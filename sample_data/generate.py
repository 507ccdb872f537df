"""Write the fake exports in sample_data/: the same bytes on every run.

The organisation, its people and their answers all come from one
``random.Random(SEED)``, drawn in a fixed order. Nothing depends on today's
date, the locale or set ordering, and normal draws are sums of uniforms rather
than log/cos, so the maths library hardly matters. Byte-for-byte output is
checked on CPython 3.11 (Linux).

Run from anywhere:

    python sample_data/generate.py

See sample_data/README.md for what each file imitates and the patterns built in.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261125

HERE = Path(__file__).resolve().parent
INSTRUMENTS = HERE.parent / "wellbeing" / "core" / "instruments"
# Where the files go: beside this script, unless a folder is given on the command line.
OUT_DIR = HERE

PERIOD_START = dt.date(2025, 5, 1)  # first day of the supervision records
DATA_DATE = dt.date(2026, 10, 31)  # "as at" date of the staff list and records

CHILDREN = "Children's services"
ADULTS = "Adults' services"

# (team, service, positions). Three teams are deliberately tiny so that the
# minimum-group-size rule visibly hides them.
TEAMS = [
    ("Assessment Team North", CHILDREN, 36),
    ("Assessment Team South", CHILDREN, 37),
    ("Children in Care", CHILDREN, 44),
    ("Child Protection East", CHILDREN, 36),
    ("Fostering", CHILDREN, 30),
    ("Adoption", CHILDREN, 6),
    ("Leaving Care", CHILDREN, 31),
    ("Disabled Children", CHILDREN, 28),
    ("Youth Justice", CHILDREN, 27),
    ("Front Door (MASH)", CHILDREN, 34),
    ("Hospital Discharge", ADULTS, 34),
    ("Community Team East", ADULTS, 46),
    ("Community Team West", ADULTS, 44),
    ("Learning Disabilities", ADULTS, 40),
    ("Mental Health (AMHP)", ADULTS, 32),
    ("Safeguarding Adults", ADULTS, 30),
    ("Reablement", ADULTS, 32),
    ("Sensory Impairment", ADULTS, 4),
    ("Occupational Therapy", ADULTS, 26),
    ("Deprivation of Liberty", ADULTS, 5),
]

SMALL_TEAMS = {
    "Sensory Impairment": [
        "Team manager",
        "Social worker",
        "Social worker",
        "Social work assistant",
    ],
    "Deprivation of Liberty": [
        "Team manager",
        "Senior social worker",
        "Social worker",
        "Social worker",
        "Social worker",
    ],
    "Adoption": [
        "Team manager",
        "Senior social worker",
        "Social worker",
        "Social worker",
        "Social worker",
        "Social work assistant",
    ],
}

# Supervision is patchy here (long gaps, cancellations, little reflective
# work); the survey shows more stress and less support in the same teams.
PATCHY_TEAMS = ["Front Door (MASH)", "Hospital Discharge", "Child Protection East"]

# Teams that run group supervision roughly quarterly.
GROUP_SUPERVISION_TEAMS = [
    "Children in Care",
    "Fostering",
    "Leaving Care",
    "Disabled Children",
    "Community Team East",
    "Learning Disabilities",
    "Mental Health (AMHP)",
    "Reablement",
    "Occupational Therapy",
]

# Restructured in January 2026: change fatigue jumps at the spring 2026 wave and
# everyone in the team gets a new supervisor.
RESTRUCTURED_TEAM = "Assessment Team North"
RESTRUCTURE_DATE = dt.date(2026, 1, 12)

TM = "Team manager"
SSW = "Senior social worker"
AP = "Advanced practitioner"
SW = "Social worker"
SWA = "Social work assistant"

NQ = "Newly qualified (ASYE)"
EARLY = "2-5 years qualified"
EXPERIENCED = "More than 5 years qualified"
UNQUALIFIED = "Not a qualified social worker"

# ASYE cohorts: the dates newly qualified social workers start.
EARLY_ASYE_COHORTS = [
    dt.date(2024, 9, 2),
    dt.date(2024, 11, 4),
    dt.date(2025, 1, 6),
    dt.date(2025, 3, 3),
]
ASYE_COHORTS = [
    dt.date(2025, 9, 1),
    dt.date(2025, 11, 3),
    dt.date(2026, 1, 5),
    dt.date(2026, 3, 9),
    dt.date(2026, 6, 1),
    dt.date(2026, 9, 7),
    dt.date(2026, 10, 5),
]

WAVES = [
    ("autumn_2025", dt.date(2025, 10, 6)),
    ("spring_2026", dt.date(2026, 4, 13)),
    ("autumn_2026", dt.date(2026, 10, 5)),
]

# (date, team or "" for organisation-wide, change, type)
CHANGES = [
    (
        dt.date(2025, 8, 4),
        "Community Team West",
        "Team manager moved to a new post; new team manager appointed",
        "manager change",
    ),
    (
        dt.date(2025, 9, 1),
        "",
        "Hybrid working policy revised: three office days a week for practitioners",
        "policy",
    ),
    (
        dt.date(2025, 9, 15),
        "Hospital Discharge",
        "Team manager left; post covered by an agency manager",
        "manager change",
    ),
    (
        dt.date(2025, 11, 3),
        "Front Door (MASH)",
        "Team manager left; interim manager appointed",
        "manager change",
    ),
    (
        dt.date(2025, 11, 10),
        "Leaving Care",
        "Team moved to a new office base (Riverside House)",
        "other",
    ),
    (
        dt.date(2026, 1, 5),
        "Hospital Discharge",
        "Seven-day discharge rota introduced for winter pressures",
        "other",
    ),
    (
        RESTRUCTURE_DATE,
        RESTRUCTURED_TEAM,
        "Team restructured into two pods, caseloads reallocated and duty rota changed",
        "restructure",
    ),
    (dt.date(2026, 1, 19), "Child Protection East", "Team manager changed", "manager change"),
    (dt.date(2026, 3, 2), "Front Door (MASH)", "Permanent team manager started", "manager change"),
    (
        dt.date(2026, 3, 16),
        "Learning Disabilities",
        "Team reorganised into locality patches, duty system changed",
        "restructure",
    ),
    (
        dt.date(2026, 5, 1),
        "",
        "Stress awareness training offered to all staff; supervision policy asks for"
        " reflective supervision at least every other session",
        "policy",
    ),
    (
        dt.date(2026, 6, 8),
        "",
        "New case recording system went live across the organisation",
        "new system",
    ),
]

# Action plans on two teams, both on stress and both started in February 2026
# (wellbeing/ingest/demo.py records them). The first works: the team's stress
# falls by ACTION_EFFECT from the spring 2026 wave on, against an organisation
# that barely moves. The second changes nothing, so its before and after should
# read "could be chance".
ACTION_THAT_WORKED = "Community Team East"
ACTION_THAT_DID_NOT = "Reablement"
ACTION_EFFECT = -0.6

# Team manager handovers behind the "manager change" events:
# team -> [(old manager's last day, new manager's first day, new manager is agency)]
MANAGER_HANDOVERS = {
    "Community Team West": [(dt.date(2025, 8, 1), dt.date(2025, 8, 4), False)],
    "Hospital Discharge": [(dt.date(2025, 9, 12), dt.date(2025, 9, 15), True)],
    "Front Door (MASH)": [
        (dt.date(2025, 10, 31), dt.date(2025, 11, 3), True),
        (dt.date(2026, 2, 27), dt.date(2026, 3, 2), False),
    ],
    "Child Protection East": [(dt.date(2026, 1, 16), dt.date(2026, 1, 19), False)],
}

FIRST_NAMES = [
    "Aisha", "Amelia", "Amir", "Ben", "Bethany", "Callum", "Chloe", "Daniel", "Deborah", "Eilidh",
    "Emma", "Fatima", "Femi", "Gareth", "Grace", "Hannah", "Harpreet", "Imran", "Jade", "James",
    "Joanne", "Kate", "Kwame", "Laura", "Leon", "Lucy", "Marcus", "Maria", "Megan", "Mohammed",
    "Natalie", "Niamh", "Olivia", "Priya", "Rachel", "Rhys", "Ruth", "Sam", "Sarah", "Shauna",
    "Sophie", "Stephen", "Tom", "Yasmin", "Zara",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Ahmed", "Ali", "Bailey", "Begum", "Brown", "Campbell", "Clarke", "Davies", "Evans",
    "Fletcher", "Green", "Hall", "Hughes", "Hussain", "Jackson", "Jones", "Kaur", "Khan", "Lewis",
    "Mensah", "Morgan", "Murphy", "Nowak", "Okafor", "Owusu", "Patel", "Price", "Roberts",
    "Robinson", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Walker", "Watson",
    "Williams", "Wilson", "Wood", "Wright",
]  # fmt: skip

ETHNIC_GROUPS = [
    ("White", 70),
    ("Black or Black British", 12),
    ("Asian or Asian British", 10),
    ("Mixed or multiple", 4),
    ("Other ethnic group", 2),
    ("Prefer not to say", 2),
]
GENDERS = [("Woman", 78), ("Man", 19), ("Non-binary", 1), ("Prefer not to say", 2)]
DISABILITY = [("Yes", 11), ("No", 84), ("Prefer not to say", 5)]

# Answer labels for the default instrument, lowest value first. Checked against
# label_sets.csv at start-up so a renamed label fails loudly.
DEFAULT_LABELS = {
    "agreement": [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    ],
    "frequency": ["Never", "Rarely", "Sometimes", "Often", "Always"],
    "intensity": ["Not at all", "A little", "Moderately", "Very", "Extremely"],
    "supervision_band": [
        "Less often than every three months",
        "Every two to three months",
        "Monthly",
        "Every two weeks",
        "Weekly or more often",
    ],
    "yes_no": ["No", "Yes"],
}
HSE_LABELS = {
    "frequency": ["Never", "Seldom", "Sometimes", "Often", "Always"],
    "agreement": ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"],
}
NOT_APPLICABLE = "Not applicable"

SURVEY_FIXED_COLUMNS = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Last modified time",
    "Which team do you work in?",
    "Which service do you work in?",
    "What is your role?",
    "What is your career stage?",
    "What is your ethnic group?",
    "What is your gender?",
    "What is your age band?",
    "Do you consider yourself to have a disability?",
]


def normal(rng: random.Random) -> float:
    """A standard normal draw (Irwin-Hall): plain arithmetic, identical on every platform."""
    return sum(rng.random() for _ in range(12)) - 6.0


def weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    """Pick a label from (label, weight) pairs."""
    total = sum(weight for _, weight in options)
    x = rng.random() * total
    for label, weight in options:
        x -= weight
        if x < 0:
            return label
    return options[-1][0]


def uk_date(d: dt.date | None) -> str:
    return "" if d is None else f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def uk_datetime(t: dt.datetime) -> str:
    return f"{uk_date(t.date())} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def to_point(x: float) -> int:
    """Round a latent value to a 1-5 answer (half up, no banker's rounding)."""
    return int(clamp(x, 1.0, 5.0) + 0.5)


def working_day(d: dt.date) -> dt.date:
    """The same day, or the next one that is not a weekend or the Christmas closure."""
    while d.weekday() >= 5 or (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day == 1):
        d += dt.timedelta(days=1)
    return d


def add_years(d: dt.date, years: float) -> dt.date:
    return d + dt.timedelta(days=round(years * 365.25))


@dataclass
class Person:
    idx: int
    first: str
    last: str
    team: str
    service: str
    role: str
    agency: bool
    start: dt.date
    leave: dt.date | None
    qualified_on: dt.date | None  # None for social work assistants
    asye_start: dt.date | None  # ASYE start, when it matters for supervision cadence
    birth: dt.date
    ethnic: str
    gender: str
    disability: str
    traits: dict[str, float]
    emp_no: str = ""
    unlucky_asye: bool = False  # misses weekly sessions early in the ASYE
    states: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def in_post(self, d: dt.date) -> bool:
        return self.start <= d and (self.leave is None or d <= self.leave)

    def career_stage(self, d: dt.date) -> str:
        if self.role == SWA:
            return UNQUALIFIED
        asye = self.asye_start
        if asye is not None and asye <= d < asye + dt.timedelta(days=365):
            return NQ
        assert self.qualified_on is not None
        if d < add_years(self.qualified_on, 5):
            return EARLY
        return EXPERIENCED

    def age_band(self, d: dt.date) -> str:
        age = d.year - self.birth.year - ((d.month, d.day) < (self.birth.month, self.birth.day))
        if age < 25:
            return "Under 25"
        if age < 35:
            return "25-34"
        if age < 45:
            return "35-44"
        if age < 55:
            return "45-54"
        return "55 and over"


TRAITS = ["sup", "cha", "wkl", "cf", "res", "psy", "itl", "unf", "use", "ctl", "clar", "peer"]


class Organisation:
    """Staff over time, built position by position so team sizes stay steady."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: list[Person] = []
        self._names_used: set[str] = set()
        self.service_of = {team: service for team, service, _ in TEAMS}
        self.team_effects = {team: self._team_effect(team) for team, _, _ in TEAMS}
        self.response_rate = {team: 0.58 + 0.2 * rng.random() for team, _, _ in TEAMS}
        for team, _, size in TEAMS:
            roles = self._roles(team, size)
            for n, role in enumerate(roles):
                # Only the team's first manager post changes hands in the change log.
                self._fill_position(team, role, first_manager=(n == 0 and role == TM))
        self._growth_posts()
        self._unlucky_asye()
        self._serving_notice()
        self._number_staff()

    def _team_effect(self, team: str) -> dict[str, float]:
        rng = self.rng
        eff = {key: 0.12 * normal(rng) for key in ("sup", "cha", "wkl", "psy", "itl", "use", "cf")}
        eff["stress"] = 0.0
        if team in PATCHY_TEAMS:
            # Fixed, not random, so the pattern is there whatever the draws.
            eff.update(stress=0.4, sup=-0.6, cha=-0.3, wkl=0.45, psy=-0.25, itl=0.25, use=-0.45)
        return eff

    def _roles(self, team: str, size: int) -> list[str]:
        if team in SMALL_TEAMS:
            return list(SMALL_TEAMS[team])
        n_tm = 2 if size >= 30 else 1
        n_ssw = round(0.12 * size)
        n_ap = max(1, round(0.06 * size))
        n_swa = round(0.15 * size)
        n_sw = size - n_tm - n_ssw - n_ap - n_swa
        return [TM] * n_tm + [SSW] * n_ssw + [AP] * n_ap + [SW] * n_sw + [SWA] * n_swa

    def _name(self) -> tuple[str, str]:
        while True:
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            if f"{first} {last}" not in self._names_used:
                self._names_used.add(f"{first} {last}")
                return first, last

    def _new_person(
        self,
        *,
        team: str,
        role: str,
        agency: bool,
        start: dt.date,
        qualified_on: dt.date | None,
        asye_start: dt.date | None,
    ) -> Person:
        rng = self.rng
        first, last = self._name()
        if qualified_on is None:
            birth = add_years(start, -(19 + 40 * rng.random() ** 1.5))
        else:
            birth = add_years(qualified_on, -(21 + 22 * rng.random() ** 1.8))
        person = Person(
            idx=len(self.people),
            first=first,
            last=last,
            team=team,
            service=self.service_of[team],
            role=role,
            agency=agency,
            start=start,
            leave=None,
            qualified_on=qualified_on,
            asye_start=asye_start,
            birth=birth,
            ethnic=weighted(rng, ETHNIC_GROUPS),
            gender=weighted(rng, GENDERS),
            disability=weighted(rng, DISABILITY),
            traits={key: normal(rng) for key in TRAITS},
        )
        self.people.append(person)
        return person

    def _existing_hire(
        self, team: str, role: str, agency: bool, latest: dt.date, *, initial: bool
    ) -> Person:
        """Someone already in post before `latest` (an experienced worker, or an early ASYE)."""
        rng = self.rng
        if role == SWA:
            start = latest - dt.timedelta(days=int(30 + 365 * 12 * rng.random() ** 1.6))
            return self._new_person(
                team=team, role=role, agency=agency, start=start, qualified_on=None, asye_start=None
            )
        if initial and role == SW and not agency and rng.random() < 0.1:
            cohort = rng.choice(EARLY_ASYE_COHORTS)
            return self._new_person(
                team=team,
                role=role,
                agency=False,
                start=cohort,
                qualified_on=cohort,
                asye_start=cohort,
            )
        min_years = {SW: 1.6, SSW: 4.0, AP: 6.0, TM: 7.0}[role]
        years = min_years + (28 - min_years) * rng.random() ** 1.25
        qualified_on = add_years(latest, -years)
        with_us = years * rng.random() ** 1.3 if not agency else 0.1 + 1.2 * rng.random()
        start = max(qualified_on, latest - dt.timedelta(days=int(30 + 365 * with_us)))
        return self._new_person(
            team=team,
            role=role,
            agency=agency,
            start=start,
            qualified_on=qualified_on,
            asye_start=qualified_on,
        )

    def _fill_position(self, team: str, role: str, *, first_manager: bool) -> None:
        rng = self.rng
        patchy = team in PATCHY_TEAMS
        small = team in SMALL_TEAMS
        agency = role in (SW, SSW) and not small and rng.random() < (0.22 if patchy else 0.12)
        person = self._existing_hire(
            team, role, agency, PERIOD_START - dt.timedelta(days=1), initial=True
        )
        if role == TM:
            if first_manager:
                for last_day, first_day, new_agency in MANAGER_HANDOVERS.get(team, []):
                    person.leave = last_day
                    qualified_on = add_years(first_day, -(8 + 15 * rng.random()))
                    person = self._new_person(
                        team=team,
                        role=TM,
                        agency=new_agency,
                        start=first_day,
                        qualified_on=qualified_on,
                        asye_start=qualified_on,
                    )
            return
        if small:
            return
        while True:
            p_leave = (0.5 if person.agency else 0.15) + (0.12 if patchy else 0.0)
            in_period_from = max(person.start, PERIOD_START)
            share_of_period = (DATA_DATE - in_period_from).days / (DATA_DATE - PERIOD_START).days
            if rng.random() >= p_leave * share_of_period:
                return
            span = (DATA_DATE - in_period_from).days
            person.leave = in_period_from + dt.timedelta(days=int(20 + (span - 20) * rng.random()))
            vacancy_from = person.leave + dt.timedelta(days=int(14 + 100 * rng.random()))
            new_agency = role in (SW, SSW) and rng.random() < (0.55 if patchy else 0.35)
            if role == SW and not new_agency and rng.random() < 0.4:
                cohort = next((c for c in ASYE_COHORTS if c >= vacancy_from), None)
                if cohort is not None and (cohort - vacancy_from).days <= 120:
                    person = self._new_person(
                        team=team,
                        role=SW,
                        agency=False,
                        start=cohort,
                        qualified_on=cohort,
                        asye_start=cohort,
                    )
                    continue
            start = working_day(vacancy_from)
            if start > DATA_DATE:
                return
            person = self._existing_hire(team, role, new_agency, start, initial=False)
            person.start = start

    def _growth_posts(self) -> None:
        """Extra ASYE posts from a recruitment drive, so 2026 cohorts are well populated."""
        teams = [team for team, _, _ in TEAMS if team not in SMALL_TEAMS]
        for cohort, count in (
            (ASYE_COHORTS[2], 4),
            (ASYE_COHORTS[3], 2),
            (ASYE_COHORTS[5], 8),
            (ASYE_COHORTS[6], 2),
        ):
            for _ in range(count):
                team = self.rng.choice(teams)
                self._new_person(
                    team=team,
                    role=SW,
                    agency=False,
                    start=cohort,
                    qualified_on=cohort,
                    asye_start=cohort,
                )

    def _unlucky_asye(self) -> None:
        """About a third of the ASYEs in the records period are not seen every week at first."""
        cohort = [
            p for p in self.people if p.asye_start is not None and p.asye_start >= PERIOD_START
        ]
        for person in self.rng.sample(cohort, round(len(cohort) / 3)):
            person.unlucky_asye = True

    def _serving_notice(self) -> None:
        """A few people have resigned and leave after the data date (a real HR list has them)."""
        candidates = [
            p
            for p in self.people
            if p.leave is None
            and p.role in (SW, SSW)
            and not p.agency
            and p.team not in SMALL_TEAMS
            and p.start < PERIOD_START
        ]
        for person in self.rng.sample(candidates, 3):
            person.leave = DATA_DATE + dt.timedelta(days=int(10 + 50 * self.rng.random()))

    def _number_staff(self) -> None:
        """HR numbers are issued in order of start date."""
        number = 10000
        for person in sorted(self.people, key=lambda p: (p.start, p.idx)):
            number += self.rng.randint(3, 40)
            person.emp_no = f"SW{number}"

    def staff(self) -> list[Person]:
        return sorted(self.people, key=lambda p: p.emp_no)

    def in_post(self, d: dt.date) -> list[Person]:
        return [p for p in self.staff() if p.in_post(d)]


# --- supervision records -------------------------------------------------------------


@dataclass
class Session:
    worker: Person
    supervisor: Person
    team: str
    day: dt.date
    minutes: int | None
    kind: str
    status: str


REFLECTIVE = "Reflective supervision"
CASE = "Case management supervision"
GROUP = "Group supervision"
OTHER = "Other"


def partner_team(team: str) -> str:
    """The team whose manager supervises this team's managers: the next one in the same service."""
    service = next(s for t, s, _ in TEAMS if t == team)
    same = [t for t, s, _ in TEAMS if s == service]
    return same[(same.index(team) + 1) % len(same)]


class Supervision:
    """Per-worker schedules following (or not) the cadence, plus quarterly group sessions."""

    def __init__(self, rng: random.Random, org: Organisation) -> None:
        self.rng = rng
        self.org = org
        self.sessions: list[Session] = []
        self.by_team = {team: [p for p in org.staff() if p.team == team] for team, _, _ in TEAMS}
        self._current: dict[int, Person] = {}
        self._last_day: dict[int, dt.date] = {}
        self._index: dict[int, list[Session]] = {}
        for worker in org.staff():
            self._worker(worker)
        for team in GROUP_SUPERVISION_TEAMS:
            self._groups(team)
        self.sessions.sort(key=lambda s: (s.day, s.team, s.worker.emp_no, s.kind))

    def _eligible(self, worker: Person, day: dt.date) -> list[Person]:
        team = worker.team
        if worker.role == TM:
            team = partner_team(worker.team)
            roles = (TM,)
        elif worker.role in (SSW, AP):
            roles = (TM,)
        else:
            roles = (TM, SSW)
        found = [
            p for p in self.by_team[team] if p.role in roles and p is not worker and p.in_post(day)
        ]
        if not found:
            # Nobody left to supervise locally: a manager elsewhere in the service steps in.
            found = [
                p
                for p in self.org.staff()
                if p.service == worker.service
                and p.role == TM
                and p is not worker
                and p.in_post(day)
            ]
        return found

    def _supervisor(self, worker: Person, day: dt.date) -> Person:
        current = self._current.get(worker.idx)
        reshuffle = worker.team in PATCHY_TEAMS and self.rng.random() < 0.06
        restructure = (
            worker.team == RESTRUCTURED_TEAM
            and current is not None
            and self._last_day.get(worker.idx, day) < RESTRUCTURE_DATE <= day
        )
        if current is None or not current.in_post(day) or reshuffle or restructure:
            options = self._eligible(worker, day)
            # Each team manager takes more supervisees than each senior social worker.
            weights = [3 if p.role == TM else 2 for p in options]
            current = options[self._pick(weights)]
            self._current[worker.idx] = current
        self._last_day[worker.idx] = day
        return current

    def _pick(self, weights: list[int]) -> int:
        x = self.rng.random() * sum(weights)
        for i, w in enumerate(weights):
            x -= w
            if x < 0:
                return i
        return len(weights) - 1

    def _weekly_phase(self, worker: Person, day: dt.date) -> bool:
        """First six weeks of the ASYE: a session is due every week."""
        return (
            worker.asye_start is not None
            and worker.asye_start <= day < worker.asye_start + dt.timedelta(weeks=6)
        )

    def _next(self, worker: Person, day: dt.date) -> dt.date:
        """When the next session is booked after one on `day`."""
        rng = self.rng
        patchy = worker.team in PATCHY_TEAMS
        if self._weekly_phase(worker, day):
            assert worker.asye_start is not None
            week = (day - worker.asye_start).days // 7
            # Booked early in the next ASYE week; some newly qualified workers skip weeks.
            step = 2 if worker.unlucky_asye and rng.random() < 0.5 else 1
            return worker.asye_start + dt.timedelta(days=7 * (week + step) + rng.randint(0, 2))
        if (
            worker.asye_start is not None
            and worker.asye_start <= day < worker.asye_start + dt.timedelta(weeks=26)
        ):
            gap = 14 + rng.randint(-2, 2)
            if patchy and rng.random() < 0.35:
                gap += rng.randint(7, 14)
            return day + dt.timedelta(days=gap)
        if patchy:
            gap = rng.randint(28, 48)
            if rng.random() < 0.3:
                gap += rng.randint(20, 60)
            return day + dt.timedelta(days=gap)
        gap = rng.randint(22, 34)
        if worker.agency and rng.random() < 0.15:
            gap += rng.randint(10, 30)
        if rng.random() < 0.06:
            gap += rng.randint(10, 30)
        return day + dt.timedelta(days=gap)

    def _kind(self, worker: Person, day: dt.date) -> str:
        x = self.rng.random()
        early_asye = (
            worker.asye_start is not None
            and worker.asye_start <= day < worker.asye_start + dt.timedelta(days=182)
        )
        if worker.team in PATCHY_TEAMS:
            reflective = 0.12
        elif early_asye:
            reflective = 0.5
        else:
            reflective = 0.46
        if x < reflective:
            return REFLECTIVE
        if x < 0.93:
            return CASE
        return OTHER

    def _minutes(self, kind: str, patchy: bool) -> int:
        rng = self.rng
        if kind == REFLECTIVE:
            centre, spread = 95, 14
        elif kind == CASE:
            centre, spread = (60, 14) if patchy else (75, 16)
        else:
            centre, spread = 50, 15
        return 5 * round(clamp(centre + spread * normal(rng), 20, 150) / 5)

    def _worker(self, worker: Person) -> None:
        rng = self.rng
        end = min(worker.leave or DATA_DATE, DATA_DATE)
        if worker.start >= PERIOD_START:
            first_week = worker.asye_start is not None and worker.asye_start >= worker.start
            day = worker.start + dt.timedelta(
                days=rng.randint(0, 2) if first_week else rng.randint(1, 8)
            )
        else:
            day = PERIOD_START + dt.timedelta(days=rng.randint(0, 27))
        patchy = worker.team in PATCHY_TEAMS
        while True:
            day = working_day(day)
            if day > end:
                return
            weekly = self._weekly_phase(worker, day)
            if patchy:
                p_cancel, p_resched = 0.2, 0.09
            elif weekly and not worker.unlucky_asye:
                p_cancel, p_resched = 0.03, 0.03
            else:
                p_cancel, p_resched = 0.1, 0.045
            supervisor = self._supervisor(worker, day)
            kind = self._kind(worker, day)
            x = rng.random()
            if x < p_cancel:
                status = "Cancelled"
            elif x < p_cancel + p_resched:
                status = "Rescheduled"
            else:
                status = "Held"
            self._add(worker, supervisor, day, kind, status, patchy)
            if status == "Rescheduled":
                day = working_day(
                    day + dt.timedelta(days=rng.randint(1, 3) if weekly else rng.randint(2, 9))
                )
                if day > end:
                    return
                self._add(worker, supervisor, day, kind, "Held", patchy)
            day = self._next(worker, day)

    def _add(
        self, worker: Person, supervisor: Person, day: dt.date, kind: str, status: str, patchy: bool
    ) -> None:
        rng = self.rng
        minutes: int | None = self._minutes(kind, patchy)
        blank = 0.09 if status == "Held" else 0.5
        if rng.random() < blank:
            minutes = None
        self.sessions.append(Session(worker, supervisor, worker.team, day, minutes, kind, status))

    def _groups(self, team: str) -> None:
        rng = self.rng
        day = PERIOD_START + dt.timedelta(days=rng.randint(10, 60))
        while True:
            day = working_day(day)
            if day > DATA_DATE:
                return
            members = [p for p in self.by_team[team] if p.in_post(day)]
            leaders = [p for p in members if p.role == TM]
            if leaders:
                leader = rng.choice(leaders)
                status = "Cancelled" if rng.random() < 0.06 else "Held"
                minutes = None if rng.random() < 0.12 else rng.choice([90, 90, 105, 120])
                for member in members:
                    if member.role != TM and rng.random() < 0.72:
                        self.sessions.append(
                            Session(member, leader, team, day, minutes, GROUP, status)
                        )
            day = day + dt.timedelta(days=rng.randint(80, 100))

    def held_before(self, worker: Person, day: dt.date, days: int) -> list[Session]:
        since = day - dt.timedelta(days=days)
        return [s for s in self.sessions_of(worker) if s.status == "Held" and since <= s.day < day]

    def sessions_of(self, worker: Person) -> list[Session]:
        if not self._index:
            for s in self.sessions:
                self._index.setdefault(s.worker.idx, []).append(s)
        return self._index.get(worker.idx, [])


# --- survey answers ------------------------------------------------------------------


# Staff from some ethnic groups report more scrutiny than white colleagues
# (as UK social work workforce research finds), for the equity view.
EXTRA_SCRUTINY = {
    "Black or Black British": 0.6,
    "Asian or Asian British": 0.35,
    "Mixed or multiple": 0.2,
}

# Centres of the latent support and challenge scales, set so that about a
# quarter of respondents score >= 4 on both (the national figure is 26%).
SUPPORT_MEAN = 3.8
CHALLENGE_MEAN = 3.75


def wave_state(
    rng: random.Random, org: Organisation, person: Person, wave: str
) -> dict[str, float]:
    """The person's latent construct levels (1-5 scale) at one wave."""
    t = person.traits
    team = org.team_effects[person.team]

    def e() -> float:
        return 0.25 * normal(rng)

    cf_shift = {"autumn_2025": 0.0, "spring_2026": 0.1, "autumn_2026": 0.3}[wave]
    stress_shift = 0.0
    if person.team == RESTRUCTURED_TEAM:
        cf_shift += {"autumn_2025": 0.0, "spring_2026": 1.25, "autumn_2026": 0.7}[wave]
        stress_shift += {"autumn_2025": 0.0, "spring_2026": 0.3, "autumn_2026": 0.1}[wave]
    if person.team == ACTION_THAT_WORKED and wave != "autumn_2025":
        stress_shift += ACTION_EFFECT
    if person.team == "Learning Disabilities" and wave == "spring_2026":
        cf_shift += 0.35
    if person.team == "Front Door (MASH)" and wave == "spring_2026":
        cf_shift += 0.3
    newly = person.career_stage(dict(WAVES)[wave]) == NQ
    sup = (
        SUPPORT_MEAN
        + team["sup"]
        + 0.62 * t["sup"]
        + (0.15 if newly else 0.0)
        - (0.2 if person.agency else 0.0)
        + e()
    )
    cha = CHALLENGE_MEAN + team["cha"] + 0.45 * (sup - SUPPORT_MEAN) + 0.5 * t["cha"] + e()
    wkl = 3.3 + team["wkl"] + 0.6 * t["wkl"] + e()
    cf = 2.9 + team["cf"] + cf_shift + 0.55 * t["cf"] + e()
    stress = (
        3.45
        + stress_shift
        + team["stress"]
        + 0.5 * (wkl - 3.3)
        - 0.4 * (sup - SUPPORT_MEAN)
        + 0.2 * (cf - 2.9)
        - 0.45 * t["res"]
        + e()
    )
    psy = 3.5 + team["psy"] + 0.45 * (sup - SUPPORT_MEAN) + 0.45 * t["psy"] + e()
    itl = (
        2.6
        + team["itl"]
        + 0.5 * (stress - 3.45)
        - 0.3 * (sup - SUPPORT_MEAN)
        + 0.25 * (cf - 2.9)
        + 0.5 * t["itl"]
        + e()
    )
    equity = EXTRA_SCRUTINY.get(person.ethnic, 0.0)
    unf = 2.4 + equity + 0.25 * (stress - 3.45) - 0.3 * (psy - 3.5) + 0.5 * t["unf"] + e()
    use = (
        3.4
        + team["use"]
        + 0.5 * (sup - SUPPORT_MEAN)
        + 0.3 * (cha - CHALLENGE_MEAN)
        + 0.45 * t["use"]
        + e()
    )
    return {
        "stress": stress,
        "support": sup,
        "challenge": cha,
        "psychological_safety": psy,
        "change_fatigue": cf,
        "intention_to_leave": itl,
        "workload": wkl,
        "unfair_scrutiny": unf,
        "supervision_usefulness": use,
        "control": 3.3 + 0.15 * (sup - SUPPORT_MEAN) + 0.5 * t["ctl"] + e(),
        "role_clarity": 3.9 + 0.1 * (sup - SUPPORT_MEAN) + 0.4 * t["clar"] + e(),
        "peer": 3.75 + 0.5 * (sup - SUPPORT_MEAN) + 0.4 * t["peer"] + e(),
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_labels(label_rows: list[dict[str, str]]) -> None:
    known = {(row["name"], row["label"]): row["value"] for row in label_rows}
    for name, labels in DEFAULT_LABELS.items():
        low = 0 if name == "yes_no" else 1
        for value, label in enumerate(labels, start=low):
            assert known.get((name, label)) == str(value), (name, label)
    for name, labels in HSE_LABELS.items():
        for value, label in enumerate(labels, start=1):
            assert known.get((name, label)) == str(value), (name, label)
    assert ("*", NOT_APPLICABLE) in known, NOT_APPLICABLE


def answer(
    rng: random.Random, item: dict[str, str], state: dict[str, float], extras: dict[str, int]
) -> str:
    """One survey cell: a label, blank (skipped) or Not applicable."""
    x = rng.random()
    if x < 0.02:
        return ""
    if x < 0.03:
        return NOT_APPLICABLE
    labels = DEFAULT_LABELS[item["label_set"]]
    if item["code"] in extras:
        value = extras[item["code"]]
    else:
        value = to_point(state[item["construct"]] + 0.6 * normal(rng))
        if item["reverse"] == "true":  # negatively worded: people who agree score low
            value = int(item["scale_min"]) + int(item["scale_max"]) - value
    return labels[value - int(item["scale_min"])]


def reported_band(rng: random.Random, held: int, days_in_post: int) -> int:
    """Self-reported frequency band from the sessions actually held in the last three months."""
    per_month = held * 30.0 / max(30, min(91, days_in_post))
    # Weekly, fortnightly, monthly, every two to three months, less often.
    band = 1 + sum(per_month >= cut for cut in (0.3, 0.6, 1.8, 3.5))
    x = rng.random()
    if x < 0.12:
        band += 1  # people round up
    elif x < 0.18:
        band -= 1
    return int(clamp(band, 1, 5))


# Relative number of survey starts on each day of the fortnight (Mon..Sun, Mon..Fri):
# busiest after the launch email and again after the Monday reminder.
DAY_WEIGHTS = [18, 10, 6, 5, 4, 1, 1, 12, 8, 6, 5, 9]


def survey_start(rng: random.Random, opened: dt.date) -> dt.datetime:
    """When a respondent opened the form: mostly office hours, some evenings and weekends."""
    x = rng.random() * sum(DAY_WEIGHTS)
    offset = len(DAY_WEIGHTS) - 1
    for n, weight in enumerate(DAY_WEIGHTS):
        x -= weight
        if x < 0:
            offset = n
            break
    day = opened + dt.timedelta(days=offset)
    if rng.random() < 0.1:
        seconds = rng.randint(18 * 3600 + 1800, 22 * 3600 + 1800)
    else:
        seconds = rng.randint(8 * 3600, 18 * 3600 + 1800)
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds)


def survey_rows(
    rng: random.Random,
    org: Organisation,
    supervision: Supervision,
    items: list[dict[str, str]],
    wave: str,
    opened: dt.date,
) -> list[list[str]]:
    access_share = {"autumn_2025": 0.17, "spring_2026": 0.2, "autumn_2026": 0.36}[wave]
    responses = []
    for person in org.in_post(opened):
        state = wave_state(rng, org, person, wave)
        person.states[wave] = state
        rate = org.response_rate[person.team] + 0.12 * (rng.random() - 0.5)
        if person.agency:
            rate *= 0.8
        if rng.random() >= rate:
            continue
        held = supervision.held_before(person, opened, 91)
        last = held[-1] if held else None
        reflective = last is not None and (
            last.kind == REFLECTIVE or (last.kind == GROUP and rng.random() < 0.5)
        )
        if rng.random() < 0.15:
            reflective = not reflective
        extras = {
            "SVF1": reported_band(rng, len(held), (opened - person.start).days),
            "SVR1": int(reflective),
            "ACC1": int(rng.random() < access_share),
            "ACC2": int(rng.random() < 0.38),
        }
        start = survey_start(rng, opened)
        completion = start + dt.timedelta(seconds=rng.randint(4 * 60, 20 * 60))
        cells = [
            person.team,
            person.service,
            person.role,
            person.career_stage(opened),
            person.ethnic,
            person.gender,
            person.age_band(opened),
            person.disability,
        ]
        cells += [answer(rng, item, state, extras) for item in items]
        responses.append((completion, start, cells))
    responses.sort(key=lambda r: (r[0], r[1]))
    return [
        [str(i), uk_datetime(start), uk_datetime(completion), "anonymous", "", "", *cells]
        for i, (completion, start, cells) in enumerate(responses, start=1)
    ]


# Days after opening on which HSE answers arrive (three working weeks, front-loaded).
HSE_DAYS = [0, 0, 0, 1, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18]


def hse_rows(
    rng: random.Random, org: Organisation, hse_items: list[dict[str, str]]
) -> list[list[str]]:
    """Google Forms export of the HSE indicator tool, adults' services, autumn 2026."""
    opened = dict(WAVES)["autumn_2026"]
    rows = []
    for person in org.in_post(opened):
        if person.service != ADULTS or rng.random() >= 0.71:
            continue
        s = person.states["autumn_2026"]
        better = {  # 1-5, higher is better, as the HSE scores its domains
            "demands": 6 - (0.5 * s["workload"] + 0.5 * s["stress"]),
            "control": s["control"],
            "manager_support": s["support"] - 0.25,
            "peer_support": s["peer"],
            "relationships": s["psychological_safety"] + 0.2,
            "role": s["role_clarity"],
            "change": 3.1 - 0.5 * (s["change_fatigue"] - 2.9) + 0.3 * (s["support"] - SUPPORT_MEAN),
        }
        cells = []
        for item in hse_items:
            if rng.random() < 0.008:
                cells.append("")
                continue
            value = to_point(better[item["domain"]] + 0.6 * normal(rng))
            if item["reverse_keyed"] == "yes":
                value = 6 - value  # negatively worded: a stressed person agrees / says "often"
            cells.append(HSE_LABELS[item["response_scale"]][value - 1])
        day = opened + dt.timedelta(days=rng.choice(HSE_DAYS))
        stamp = dt.datetime(day.year, day.month, day.day) + dt.timedelta(
            seconds=rng.randint(8 * 3600, 19 * 3600)
        )
        rows.append((stamp, person.team, cells))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [[uk_datetime(stamp), team, *cells] for stamp, team, cells in rows]


# --- writing -------------------------------------------------------------------------


def write_csv(
    name: str, header: list[str], rows: list[list[str]], *, bom: bool, newline: str
) -> int:
    path = OUT_DIR / name
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def main() -> None:
    rng = random.Random(SEED)
    items = read_csv(INSTRUMENTS / "default_items.csv")
    hse_items = read_csv(INSTRUMENTS / "hse_msit_items.csv")
    check_labels(read_csv(INSTRUMENTS / "label_sets.csv"))

    org = Organisation(rng)
    supervision = Supervision(rng, org)
    counts: dict[str, int] = {}

    header = SURVEY_FIXED_COLUMNS + [item["text"] for item in items]
    for wave, opened in WAVES:
        name = f"survey_{wave}.csv"
        counts[name] = write_csv(
            name,
            header,
            survey_rows(rng, org, supervision, items, wave, opened),
            bom=True,
            newline="\r\n",
        )

    counts["supervision_records.csv"] = write_csv(
        "supervision_records.csv",
        [
            "Worker ID",
            "Worker Name",
            "Supervisor ID",
            "Supervisor Name",
            "Team",
            "Supervision Date",
            "Duration (mins)",
            "Supervision Type",
            "Status",
        ],
        [
            [
                s.worker.emp_no,
                s.worker.name,
                s.supervisor.emp_no,
                s.supervisor.name,
                s.team,
                uk_date(s.day),
                "" if s.minutes is None else str(s.minutes),
                s.kind,
                s.status,
            ]
            for s in supervision.sessions
        ],
        bom=False,
        newline="\r\n",
    )

    staff_rows = []
    for p in org.staff():
        as_at = min(p.leave, DATA_DATE) if p.leave is not None else DATA_DATE
        stage = p.career_stage(as_at)
        staff_rows.append(
            [
                p.emp_no,
                p.name,
                p.team,
                p.service,
                p.role,
                stage,
                uk_date(p.asye_start if stage == NQ else None),
                uk_date(p.start),
                uk_date(p.leave),
                "Agency" if p.agency else "Permanent",
            ]
        )
    counts["staff_list.csv"] = write_csv(
        "staff_list.csv",
        [
            "Employee No",
            "Full Name",
            "Team",
            "Service",
            "Job Title",
            "Career Stage",
            "ASYE Start Date",
            "Start Date",
            "Leaving Date",
            "Contract Type",
        ],
        staff_rows,
        bom=False,
        newline="\r\n",
    )

    counts["change_log.csv"] = write_csv(
        "change_log.csv",
        ["Team", "Date", "Change", "Type"],
        [[team, uk_date(day), change, kind] for day, team, change, kind in CHANGES],
        bom=False,
        newline="\r\n",
    )

    counts["hse_indicator_autumn_2026.csv"] = write_csv(
        "hse_indicator_autumn_2026.csv",
        ["Timestamp", "Team"] + [f"HSE Q{item['item']}" for item in hse_items],
        hse_rows(rng, org, hse_items),
        bom=False,
        newline="\n",
    )

    for name, n in counts.items():
        print(f"{name}: {n} rows")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        OUT_DIR = Path(sys.argv[1])
        OUT_DIR.mkdir(parents=True, exist_ok=True)
    main()
