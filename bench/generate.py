"""Large organisations shaped like the sample data, for the benchmarks.

Writes, into ``bench/out/`` (git-ignored):

- ``wellbeing_<scale>.duckdb``: a ready store (the real schema from
  ``store.connect``) holding several survey waves of the default instrument
  (the last two asked alongside the HSE Indicator Tool, as one combined form),
  a staff list, supervision records and a change log. Rows go in through the
  same insert statements the imports use (``queries.imports.insert_survey_upload``
  and ``queries.records``), so construct scores come from the real
  ``queries/score_responses.sql``.
- ``survey_<rows>_rows.csv``: a Microsoft Forms-shaped export of 60 columns
  (the sample's 51 plus nine more a real form carries), for the import benchmark.

Every draw comes from one numpy Generator seeded with ``SEED``, so a scale's
files are the same on every run.

Run from the repository root:

    python -m bench.generate --scale 100k      # or 1m, or tiny
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from queries import imports, records
from wellbeing import store
from wellbeing.core import instruments
from wellbeing.ingest.uploads import transaction
from wellbeing.ingest.values import hash_identifier

SEED = 20261125
OUT_DIR = Path(__file__).resolve().parent / "out"
UPLOADED_BY = "benchmark generator"


@dataclass(frozen=True)
class Scale:
    """How big an organisation to generate."""

    name: str
    respondents: int  # over every wave together
    teams: int
    sessions: int  # supervision sessions
    csv_rows: int  # rows of the import-benchmark export
    waves: int = 4


SCALES = {
    # For tests: every table filled, in about a second.
    "tiny": Scale("tiny", respondents=1_200, teams=24, sessions=6_000, csv_rows=300),
    # DESIGN.md section 8: 100,000 respondents x 50 items, 1,000,000 sessions.
    "100k": Scale("100k", respondents=100_000, teams=400, sessions=1_000_000, csv_rows=100_000),
    # The stretch figure: a national pool ten times bigger in every table.
    "1m": Scale("1m", respondents=1_000_000, teams=1_000, sessions=10_000_000, csv_rows=100_000),
}

CHILDREN = "Children's services"
ADULTS = "Adults' services"
# The sample organisation's kinds of team; a large organisation has one per locality.
TEAM_KINDS = [
    ("Assessment Team", CHILDREN),
    ("Children in Care", CHILDREN),
    ("Child Protection", CHILDREN),
    ("Fostering", CHILDREN),
    ("Adoption", CHILDREN),
    ("Leaving Care", CHILDREN),
    ("Disabled Children", CHILDREN),
    ("Youth Justice", CHILDREN),
    ("Front Door (MASH)", CHILDREN),
    ("Hospital Discharge", ADULTS),
    ("Community Team", ADULTS),
    ("Learning Disabilities", ADULTS),
    ("Mental Health (AMHP)", ADULTS),
    ("Safeguarding Adults", ADULTS),
    ("Reablement", ADULTS),
    ("Sensory Impairment", ADULTS),
    ("Occupational Therapy", ADULTS),
    ("Deprivation of Liberty", ADULTS),
]
PLACE_STEMS = [
    "Ash",
    "Brook",
    "Clay",
    "Dun",
    "Elm",
    "Fair",
    "Glen",
    "Hill",
    "Ivy",
    "Kings",
    "Lang",
    "Mill",
    "Nor",
    "Oak",
    "Pen",
    "Rad",
    "Stan",
    "Thorn",
    "Wal",
    "York",
]
PLACE_ENDINGS = ["field", "ford", "ley", "ton", "wick"]
PLACES = [stem + ending for ending in PLACE_ENDINGS for stem in PLACE_STEMS]
# Each locality belongs to a region; a service is "<kind of service> (<region>)".
REGIONS = ["North", "South", "East", "West", "Central", "Coast", "Valleys", "City"]
# Share of teams with fewer respondents than the minimum group size, so the
# confidentiality gate has real work to do at scale too.
TINY_TEAM_SHARE = 0.03

ROLES = {
    "Team manager": 0.06,
    "Senior social worker": 0.10,
    "Advanced practitioner": 0.07,
    "Social worker": 0.61,
    "Social work assistant": 0.16,
}
QUALIFIED_STAGES = {
    "Newly qualified (ASYE)": 0.08,
    "2-5 years qualified": 0.18,
    "More than 5 years qualified": 0.74,
}
UNQUALIFIED = "Not a qualified social worker"
ETHNICITY = {
    "White": 0.68,
    "Black or Black British": 0.115,
    "Asian or Asian British": 0.115,
    "Mixed or multiple": 0.04,
    "Other ethnic group": 0.035,
    "Prefer not to say": 0.015,
}
GENDER = {"Woman": 0.80, "Man": 0.17, "Prefer not to say": 0.025, "Non-binary": 0.005}
AGE_BAND = {"Under 25": 0.045, "25-34": 0.24, "35-44": 0.335, "45-54": 0.25, "55 and over": 0.13}
DISABILITY = {"No": 0.82, "Yes": 0.12, "Prefer not to say": 0.06}

# (label, first day the form was open); the last two waves also ask the HSE tool.
WAVES = [
    ("Spring 2025", dt.date(2025, 4, 7)),
    ("Autumn 2025", dt.date(2025, 10, 6)),
    ("Spring 2026", dt.date(2026, 4, 13)),
    ("Autumn 2026", dt.date(2026, 10, 5)),
]
HSE_WAVES = 2
WAVE_OPEN_DAYS = 21

# Where each construct sits on its 1-5 scale before team and person effects
# ("more of the named thing"). Yes/no items are "yes" above YES_THRESHOLD.
CONSTRUCT_BASE = {
    "stress": 3.3,
    "support": 3.5,
    "challenge": 3.4,
    "psychological_safety": 3.4,
    "change_fatigue": 3.3,
    "intention_to_leave": 2.8,
    "workload": 3.4,
    "unfair_scrutiny": 2.5,
    "supervision_frequency": 3.0,
    "supervision_reflective": 3.0,
    "supervision_usefulness": 3.4,
    "offered_stress_training": 2.5,
    "offered_counselling": 3.3,
}
HSE_BASE = 3.4  # HSE domains are "higher is better"
YES_THRESHOLD = 3.0
TEAM_SD, PERSON_SD, ITEM_SD = 0.35, 0.6, 0.7
MISSING_SHARE = 0.05

DATA_DATE = dt.date(2026, 10, 31)
RECORDS_FROM = dt.date(2024, 11, 1)
SESSION_KINDS = {"reflective": 0.38, "case": 0.45, "group": 0.10, "other": 0.07}
SESSION_STATUS = {"held": 0.86, "cancelled": 0.10, "rescheduled": 0.04}
CHANGE_KINDS = {
    "restructure": "Team restructured; caseloads reallocated",
    "new system": "New case recording system introduced",
    "manager change": "Team manager changed",
    "policy": "Duty rota and working pattern changed",
    "other": "Team moved to a new office base",
}
ORGANISATION_WIDE_CHANGES = 8
STAFF_PER_RESPONDENT = 1 / 0.65  # a wave's response rate is about 65%

# The export's respondent-field headers, as Microsoft Forms writes the sample's.
FIELD_HEADERS = {
    "team": "Which team do you work in?",
    "service": "Which service do you work in?",
    "role": "What is your role?",
    "career_stage": "What is your career stage?",
    "ethnicity": "What is your ethnic group?",
    "gender": "What is your gender?",
    "age_band": "What is your age band?",
    "disability": "Do you consider yourself to have a disability?",
}
FORMS_HEADERS = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
# Columns a real form carries beyond the instrument, which the import must skip.
EXTRA_HEADERS = [
    "Which office do you usually work from?",
    "How many hours a week are you contracted to work?",
    "How many cases are you currently allocated?",
    "Are you employed through an agency?",
    "Do you work part time?",
    "How long have you worked for the council?",
    "What one thing would most improve your wellbeing at work?",
    "Is there anything else you would like to tell us?",
    "Would you like to hear about the results?",
]
COMMENTS = [
    "",
    "",
    "",
    "Smaller caseloads, and time to think between visits",
    "More reflective supervision, not just case management",
    "Fewer changes at once; let the last one settle",
    "A manager who is around, and a quiet room to write up",
]
# Share of export rows with one mistyped answer, so the reject path runs too.
TYPO_SHARE = 0.001


@dataclass(frozen=True)
class Generated:
    store: Path
    survey_csv: Path


def store_path(scale: Scale, out_dir: Path = OUT_DIR) -> Path:
    return out_dir / f"wellbeing_{scale.name}.duckdb"


def survey_csv_path(rows: int, out_dir: Path = OUT_DIR) -> Path:
    return out_dir / f"survey_{rows}_rows.csv"


def _choice(rng: np.random.Generator, weights: dict[str, float], size: int) -> np.ndarray:
    """Codes into ``list(weights)``, drawn with the given probabilities."""
    p = np.array(list(weights.values()), dtype="float64")
    return rng.choice(len(p), size=size, p=p / p.sum())


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    # Categoricals reach DuckDB as enums without building millions of strings.
    return pd.Categorical.from_codes(codes, categories=labels)


@dataclass(frozen=True)
class Organisation:
    teams: list[str]
    services: list[str]  # service of each team
    weights: np.ndarray  # share of respondents in each team
    effects: np.ndarray  # teams x constructs: each team's shift on each construct
    constructs: list[str]


def organisation(scale: Scale, rng: np.random.Generator) -> Organisation:
    """Teams across services, their sizes and their leaning on every construct."""
    if scale.teams > len(TEAM_KINDS) * len(PLACES):
        raise ValueError(f"at most {len(TEAM_KINDS) * len(PLACES)} teams")
    teams, services = [], []
    for index in range(scale.teams):
        kind, service = TEAM_KINDS[index % len(TEAM_KINDS)]
        place = PLACES[index // len(TEAM_KINDS)]
        region = REGIONS[(index // len(TEAM_KINDS)) % len(REGIONS)]
        teams.append(f"{kind} ({place})")
        services.append(f"{service} ({region})" if scale.teams > len(TEAM_KINDS) else service)
    per_wave = scale.respondents / scale.waves
    tiny = rng.random(scale.teams) < TINY_TEAM_SHARE
    weights = rng.lognormal(0.0, 0.45, scale.teams)
    weights[~tiny] *= (1 - tiny.sum() * 3.5 / per_wave) / weights[~tiny].sum()
    weights[tiny] = 3.5 / per_wave  # about 3 or 4 respondents a wave
    constructs = list(CONSTRUCT_BASE) + sorted({i.construct for i in instruments.hse_items()})
    effects = rng.normal(0.0, TEAM_SD, (scale.teams, len(constructs)))
    return Organisation(teams, services, weights / weights.sum(), effects, constructs)


def respondents(
    org: Organisation, rng: np.random.Generator, *, size: int, opened_on: dt.date
) -> pd.DataFrame:
    """One wave's respondents: team, service, role, stage, demographics, submission time."""
    team = rng.choice(len(org.teams), size=size, p=org.weights)
    role = _choice(rng, ROLES, size)
    assistant = role == list(ROLES).index("Social work assistant")
    stages = [*QUALIFIED_STAGES, UNQUALIFIED]
    stage = np.where(assistant, len(stages) - 1, _choice(rng, QUALIFIED_STAGES, size))
    seconds = rng.integers(0, WAVE_OPEN_DAYS * 86_400, size)
    start = pd.Timestamp(opened_on) + pd.to_timedelta(seconds, unit="s")
    services = sorted(set(org.services))
    service_of_team = np.array([services.index(s) for s in org.services])
    return pd.DataFrame(
        {
            "team_code": team,
            "team": _categorical(team, org.teams),
            "service": _categorical(service_of_team[team], services),
            "role": _categorical(role, list(ROLES)),
            "career_stage": _categorical(stage, stages),
            "ethnicity": _categorical(_choice(rng, ETHNICITY, size), list(ETHNICITY)),
            "gender": _categorical(_choice(rng, GENDER, size), list(GENDER)),
            "disability": _categorical(_choice(rng, DISABILITY, size), list(DISABILITY)),
            "age_band": _categorical(_choice(rng, AGE_BAND, size), list(AGE_BAND)),
            "submitted_at": start.astype("datetime64[us]"),
        }
    )


def answer_matrix(
    org: Organisation,
    rng: np.random.Generator,
    *,
    team_code: np.ndarray,
    items: list[instruments.Item],
) -> np.ndarray:
    """Raw answers (as a respondent would tick them), respondents x items; NaN = skipped.

    Latent "more of the construct" = base + team effect + person effect + item
    noise; reverse-keyed items are ticked the other way round, as people do.
    """
    construct_index = np.array([org.constructs.index(item.construct) for item in items])
    base = np.array(
        [HSE_BASE if item.instrument == "hse" else CONSTRUCT_BASE[item.construct] for item in items]
    )
    person = rng.normal(0.0, PERSON_SD, (len(team_code), len(org.constructs)))
    latent = (
        base
        + org.effects[team_code][:, construct_index]
        + person[:, construct_index]
        + rng.normal(0.0, ITEM_SD, (len(team_code), len(items)))
    )
    low = np.array([item.scale_min for item in items])
    high = np.array([item.scale_max for item in items])
    yes_no = high - low == 1
    reverse = np.array([item.reverse for item in items])
    ticked = np.clip(np.rint(latent), 1, 5)
    ticked = np.where(reverse, 6 - ticked, ticked)
    answers = np.where(yes_no, (latent >= YES_THRESHOLD).astype("float64"), ticked)
    answers[rng.random(answers.shape) < MISSING_SHARE] = np.nan
    return answers


def _wave_items(wave_number: int, waves: int) -> list[instruments.Item]:
    with_hse = wave_number >= waves - HSE_WAVES
    return instruments.default_items() + (instruments.hse_items() if with_hse else [])


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _record_upload(
    con, *, scale: Scale, kind: str, file_name: str, rows: int, **extra: object
) -> int:
    return imports.insert_upload(
        con,
        kind=kind,
        file_name=file_name,
        sha256=_sha256(f"benchmark {scale.name} {file_name}"),
        uploaded_by=UPLOADED_BY,
        rows_read=rows,
        rows_stored=rows,
        rows_rejected=0,
        **extra,
    )


def write_survey_waves(con, scale: Scale, org: Organisation, rng: np.random.Generator) -> None:
    """Each wave as one survey upload, through the insert and scoring SQL the import uses."""
    sizes = [scale.respondents // scale.waves] * scale.waves
    sizes[-1] += scale.respondents - sum(sizes)
    waves = WAVES[-scale.waves :]
    for number, ((label, opened_on), size) in enumerate(zip(waves, sizes, strict=True)):
        people = respondents(org, rng, size=size, opened_on=opened_on)
        items = _wave_items(number, scale.waves)
        matrix = answer_matrix(org, rng, team_code=people["team_code"].to_numpy(), items=items)
        answered = ~np.isnan(matrix)
        row_key, column = np.nonzero(answered)
        answers = pd.DataFrame(
            {
                "row_key": row_key.astype("int64"),
                "item_id": np.array([item.id for item in items], dtype="int32")[column],
                "value": matrix[answered],
            }
        )
        responses = people.drop(columns="team_code").assign(
            row_key=np.arange(size, dtype="int64"),
            respondent_hash=pd.Series([None] * size, dtype="str"),
        )
        with transaction(con):
            wave_id = imports.wave_by_label(
                con,
                label=label,
                opened_on=people["submitted_at"].min().date(),
                closed_on=people["submitted_at"].max().date(),
            )
            upload_id = _record_upload(
                con,
                scale=scale,
                kind="survey",
                file_name=f"survey_{label.lower().replace(' ', '_')}.csv",
                rows=size,
                wave_id=wave_id,
            )
            imports.insert_survey_upload(
                con,
                upload_id=upload_id,
                wave_id=wave_id,
                responses=responses,
                answers=answers,
                item_ids=sorted(item.id for item in items),
            )
            imports.upsert_teams(
                con, teams=pd.DataFrame({"team": org.teams, "service": org.services})
            )
            imports.record_wave_teams(con, wave_id=wave_id)


def write_records(con, scale: Scale, org: Organisation, rng: np.random.Generator) -> None:
    """A staff list, supervision records and a change log, as three uploads."""
    salt = store.identifier_keys(con).for_workers()
    staff_count = max(len(org.teams), round(scale.respondents / scale.waves * STAFF_PER_RESPONDENT))
    team = rng.choice(len(org.teams), size=staff_count, p=org.weights)
    keys = hash_identifier(pd.Series([f"SW{n:07d}" for n in range(staff_count)]), salt)
    role = _choice(rng, ROLES, staff_count)
    stages = [*QUALIFIED_STAGES, UNQUALIFIED]
    assistant = role == list(ROLES).index("Social work assistant")
    stage = np.where(assistant, len(stages) - 1, _choice(rng, QUALIFIED_STAGES, staff_count))
    started = pd.Timestamp("2000-01-01") + pd.to_timedelta(
        rng.integers(0, (DATA_DATE - dt.date(2000, 1, 1)).days, staff_count), unit="D"
    )
    newly_qualified = stage == 0
    leaving = rng.random(staff_count) < 0.08
    left = pd.Timestamp(RECORDS_FROM) + pd.to_timedelta(
        rng.integers(0, (DATA_DATE - RECORDS_FROM).days, staff_count), unit="D"
    )
    staff = pd.DataFrame(
        {
            "worker_key": keys,
            "team": _categorical(team, org.teams),
            "service": np.array(org.services)[team],
            "role": _categorical(role, list(ROLES)),
            "career_stage": _categorical(stage, stages),
            "asye_started_on": pd.Series(started).where(newly_qualified).dt.date,
            "started_on": pd.Series(started).dt.date,
            "left_on": pd.Series(left).where(leaving).dt.date,
            "agency": rng.random(staff_count) < 0.14,
        }
    )

    sessions = scale.sessions
    worker = np.arange(sessions) % staff_count
    per_worker = -(-sessions // staff_count)
    span = (DATA_DATE - RECORDS_FROM).days
    # The k-th session of each worker falls in the k-th slice of the period, give or take.
    day = (np.arange(sessions) // staff_count) * span // per_worker
    day = np.clip(day + rng.integers(-6, 7, sessions), 0, span - 1)
    minutes = np.clip(rng.normal(82, 21, sessions).round(), 20, 145)
    supervisors = hash_identifier(pd.Series([f"TM{n:05d}" for n in range(len(org.teams))]), salt)
    supervision = pd.DataFrame(
        {
            "worker_key": pd.Categorical.from_codes(worker, categories=keys),
            "supervisor_key": pd.Categorical.from_codes(team[worker], categories=supervisors),
            "team": _categorical(team[worker], org.teams),
            "held_on": (pd.Timestamp(RECORDS_FROM) + pd.to_timedelta(day, unit="D")).date,
            "minutes": pd.array(np.where(rng.random(sessions) < 0.03, np.nan, minutes), "Int32"),
            "kind": _categorical(_choice(rng, SESSION_KINDS, sessions), list(SESSION_KINDS)),
            "status": _categorical(_choice(rng, SESSION_STATUS, sessions), list(SESSION_STATUS)),
        }
    )

    change_team = np.repeat(np.arange(len(org.teams)), rng.poisson(1.5, len(org.teams)))
    kinds = rng.choice(len(CHANGE_KINDS), size=len(change_team))
    titles = list(CHANGE_KINDS.values())
    changes = pd.DataFrame(
        {
            "team": [org.teams[t] for t in change_team] + [None] * ORGANISATION_WIDE_CHANGES,
            "started_on": pd.Timestamp(RECORDS_FROM)
            + pd.to_timedelta(
                rng.integers(0, span, len(change_team) + ORGANISATION_WIDE_CHANGES), unit="D"
            ),
            "title": [titles[k] for k in kinds]
            + ["Organisation-wide policy revised"] * ORGANISATION_WIDE_CHANGES,
            "kind": [list(CHANGE_KINDS)[k] for k in kinds] + ["policy"] * ORGANISATION_WIDE_CHANGES,
        }
    )
    changes["started_on"] = changes["started_on"].dt.date

    with transaction(con):
        upload_id = _record_upload(
            con,
            scale=scale,
            kind="staff",
            file_name="staff_list.csv",
            rows=len(staff),
            data_date=DATA_DATE,
        )
        records.insert_staff(con, upload_id=upload_id, staff=staff)
        upload_id = _record_upload(
            con,
            scale=scale,
            kind="supervision",
            file_name="supervision_records.csv",
            rows=len(supervision),
            data_date=DATA_DATE,
        )
        records.insert_supervision_sessions(con, upload_id=upload_id, sessions=supervision)
        upload_id = _record_upload(
            con,
            scale=scale,
            kind="changes",
            file_name="change_log.csv",
            rows=len(changes),
            data_date=DATA_DATE,
        )
        records.insert_change_events(con, upload_id=upload_id, changes=changes)


def write_store(path: Path, scale: Scale, *, seed: int = SEED) -> Path:
    """Write a ready store for ``scale`` at ``path`` (replaced whole, never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    # The store's key file is named after the store (``x.duckdb.partial`` -> ``x.duckdb.keys``):
    # it moves with it, or the finished store would not open on a machine without one.
    partial_keys, keys = partial.with_suffix(".keys"), path.with_suffix(".keys")
    for leftover in (partial, partial.with_name(partial.name + ".wal"), partial_keys):
        leftover.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    org = organisation(scale, rng)
    con = store.connect(partial)
    try:
        write_survey_waves(con, scale, org, rng)
        write_records(con, scale, org, rng)
        con.execute("checkpoint")
    finally:
        con.close()
    if partial_keys.exists():  # not when the keys come from elsewhere (WELLBEING_KEY_FILE)
        partial_keys.replace(keys)
    partial.replace(path)
    return path


def _labels_by_value() -> dict[str, dict[float, str]]:
    """For each label set, the first label the form uses for each value."""
    labels: dict[str, dict[float, str]] = {}
    for row in instruments.csv_rows("label_sets.csv"):
        if row["value"].strip():
            labels.setdefault(row["name"], {}).setdefault(float(row["value"]), row["label"])
    return labels


def survey_export(rows: int, *, seed: int = SEED) -> pd.DataFrame:
    """A Microsoft Forms export of ``rows`` respondents: 60 text columns, labels as answers."""
    rng = np.random.default_rng(seed + 1)
    scale = Scale(
        "export", respondents=rows, teams=max(20, rows // 250), sessions=0, csv_rows=rows, waves=1
    )
    org = organisation(scale, rng)
    people = respondents(org, rng, size=rows, opened_on=WAVES[-1][1])
    items = instruments.default_items()
    matrix = answer_matrix(org, rng, team_code=people["team_code"].to_numpy(), items=items)
    labels = _labels_by_value()
    start = people["submitted_at"]
    finish = start + pd.to_timedelta(rng.integers(240, 1_800, rows), unit="s")
    frame = pd.DataFrame(
        {
            "ID": np.arange(1, rows + 1).astype("str"),
            "Start time": start.dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Completion time": finish.dt.strftime("%d/%m/%Y %H:%M:%S"),
            "Email": "anonymous",
            "Name": "",
            "Last modified time": "",
        }
    )
    for field, header in FIELD_HEADERS.items():
        frame[header] = people[field].astype("str")
    skipped = np.array(["", "Not applicable"])
    for column, item in enumerate(items):
        values = matrix[:, column]
        answered = ~np.isnan(values)
        text = np.empty(rows, dtype=object)
        lookup = labels[item.label_set]
        text[answered] = [lookup[v] for v in values[answered]]
        text[~answered] = skipped[(rng.random((~answered).sum()) < 0.2).astype(int)]
        frame[item.text] = text
    typos = np.nonzero(rng.random(rows) < TYPO_SHARE)[0]
    for row in typos:
        frame.iat[row, len(FORMS_HEADERS) + len(FIELD_HEADERS) + int(rng.integers(0, 30))] = (
            "Agreee"
        )
    extras = {
        EXTRA_HEADERS[0]: np.array(PLACES)[rng.integers(0, len(PLACES), rows)],
        EXTRA_HEADERS[1]: rng.choice(["37", "30", "22.5", "18.5"], rows, p=[0.7, 0.12, 0.12, 0.06]),
        EXTRA_HEADERS[2]: rng.integers(4, 32, rows).astype("str"),
        EXTRA_HEADERS[3]: rng.choice(["No", "Yes"], rows, p=[0.86, 0.14]),
        EXTRA_HEADERS[4]: rng.choice(["No", "Yes"], rows, p=[0.8, 0.2]),
        EXTRA_HEADERS[5]: rng.choice(
            ["Less than a year", "1-3 years", "3-10 years", "Over 10 years"], rows
        ),
        EXTRA_HEADERS[6]: np.array(COMMENTS)[rng.integers(0, len(COMMENTS), rows)],
        EXTRA_HEADERS[7]: np.array(COMMENTS)[rng.integers(0, len(COMMENTS), rows)],
        EXTRA_HEADERS[8]: rng.choice(["Yes", "No", ""], rows),
    }
    for header, values in extras.items():
        frame[header] = values
    return frame


def write_survey_csv(path: Path, rows: int, *, seed: int = SEED) -> Path:
    """Write the import-benchmark export as Forms does: UTF-8 with BOM, CRLF line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    survey_export(rows, seed=seed).to_csv(
        partial, index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )
    partial.replace(path)
    return path


def generate(scale: Scale, out_dir: Path = OUT_DIR, *, seed: int = SEED) -> Generated:
    """Write the store and the export for ``scale`` into ``out_dir``."""
    return Generated(
        store=write_store(store_path(scale, out_dir), scale, seed=seed),
        survey_csv=write_survey_csv(
            survey_csv_path(scale.csv_rows, out_dir), scale.csv_rows, seed=seed
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="100k")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write into")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    started = time.perf_counter()
    generated = generate(scale, args.out)
    print(
        f"Wrote {generated.store} and {generated.survey_csv} "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
