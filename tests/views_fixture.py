"""A small store for the four views, built through the real survey import.

Wave 1 "Autumn 2025" (opens 1 Oct 2025), 17 respondents:
  Alpha (Adults, 6)  STR2 5 5 4 2 2 1 | STR3 5 4 4 2 1 1 -> stress 5 4.5 4 2 1.5 1
                     SUP1 5 4 4 2 2 4 | CHA1 4 4 2 4 2 2 -> HH HH HL LH LL HL
                     ACC1 1 1 1 0 0 0 | ACC2 1 0 0 0 0 0 | CHF1 5 5 5 4 4 4 | ITL1 3 x6 | PSY2 4 x6
  Beta  (Adults, 6)  STR2 = STR3 = 1 1 2 2 3 3 -> stress 1 1 2 2 3 3
                     SUP1 5 x6 | CHA1 5 5 5 5 4 4 -> HH x6
                     ACC1 0 x6 | ACC2 0 x6 | CHF1 2 x6 | ITL1 1 x6 | PSY2 2 x6
  Gamma (Children, 3) and Delta (Children, 2): every answer 3 (ACC 0) -> below k = 5.
Wave 2 "Spring 2026" (opens 13 Apr 2026), 11 respondents:
  Alpha (5)  STR2 = STR3 = 5 5 5 5 1; SUP1 4 x5; CHA1 4 x5; CHF1 5 x5
  Beta  (6)  STR2 = STR3 = 1 x6;      SUP1 2 x6; CHA1 2 x6; CHF1 1 x6
Change log (entered by hand, as the change-log form does: no upload):
  organisation-wide policy 1 Jun 2025, Alpha restructure 15 Jan 2026,
  Beta manager change 1 Sep 2024 (more than 12 months before either wave).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from queries import settings
from tests.conftest import load_survey, survey_csv
from wellbeing import privacy
from wellbeing.ingest.reading import read_export
from wellbeing.ingest.supervision import import_supervision, suggest_supervision_mapping


def _rows(team: str, service: str, columns: dict[str, list[object]]) -> list[dict[str, object]]:
    size = len(next(iter(columns.values())))
    return [
        {"team": team, "service": service, **{code: values[i] for code, values in columns.items()}}
        for i in range(size)
    ]


def _same(value: object, size: int) -> list[object]:
    return [value] * size


WAVE_1 = (
    _rows(
        "Alpha",
        "Adults",
        {
            "STR2": [5, 5, 4, 2, 2, 1],
            "STR3": [5, 4, 4, 2, 1, 1],
            "SUP1": [5, 4, 4, 2, 2, 4],
            "CHA1": [4, 4, 2, 4, 2, 2],
            "ACC1": [1, 1, 1, 0, 0, 0],
            "ACC2": [1, 0, 0, 0, 0, 0],
            "CHF1": [5, 5, 5, 4, 4, 4],
            "ITL1": _same(3, 6),
            "PSY2": _same(4, 6),
        },
    )
    + _rows(
        "Beta",
        "Adults",
        {
            "STR2": [1, 1, 2, 2, 3, 3],
            "STR3": [1, 1, 2, 2, 3, 3],
            "SUP1": _same(5, 6),
            "CHA1": [5, 5, 5, 5, 4, 4],
            "ACC1": _same(0, 6),
            "ACC2": _same(0, 6),
            "CHF1": _same(2, 6),
            "ITL1": _same(1, 6),
            "PSY2": _same(2, 6),
        },
    )
    + [
        row
        for team, size in (("Gamma", 3), ("Delta", 2))
        for row in _rows(
            team,
            "Children",
            {
                "STR2": _same(3, size),
                "STR3": _same(3, size),
                "SUP1": _same(3, size),
                "CHA1": _same(3, size),
                "ACC1": _same(0, size),
                "ACC2": _same(0, size),
                "CHF1": _same(3, size),
                "ITL1": _same(3, size),
                "PSY2": _same(3, size),
            },
        )
    ]
)

WAVE_2 = _rows(
    "Alpha",
    "Adults",
    {
        "STR2": [5, 5, 5, 5, 1],
        "STR3": [5, 5, 5, 5, 1],
        "SUP1": _same(4, 5),
        "CHA1": _same(4, 5),
        "CHF1": _same(5, 5),
        "SVF1": [3, 3, 3, 2, 2],
        "SVR1": [1, 1, 0, 0, 0],
    },
) + _rows(
    "Beta",
    "Adults",
    {
        "STR2": _same(1, 6),
        "STR3": _same(1, 6),
        "SUP1": _same(2, 6),
        "CHA1": _same(2, 6),
        "CHF1": _same(1, 6),
        "SVF1": _same(5, 6),
        "SVR1": _same(0, 6),
    },
)

# Supervision records to 31 Oct 2026 (no staff list: staff in post come from the records).
# Everyone: a held 90-minute reflective session on 1 Sep 2026. October:
#   A1-A4 held 90 min reflective (5 Oct); A5 held 60 min case (6 Oct); A6 cancelled (7 Oct);
#   B1-B6 held 95 min case (8 Oct).
SUPERVISION_DATA_DATE = dt.date(2026, 10, 31)
SUPERVISION_ROWS = (
    [
        (f"A{i}", "S1", "Alpha", "01/09/2026", 90, "Reflective supervision", "Held")
        for i in range(1, 7)
    ]
    + [
        (f"B{i}", "S2", "Beta", "01/09/2026", 90, "Reflective supervision", "Held")
        for i in range(1, 7)
    ]
    + [
        (f"A{i}", "S1", "Alpha", "05/10/2026", 90, "Reflective supervision", "Held")
        for i in range(1, 5)
    ]
    + [
        ("A5", "S1", "Alpha", "06/10/2026", 60, "Case management supervision", "Held"),
        ("A6", "S1", "Alpha", "07/10/2026", 90, "Case management supervision", "Cancelled"),
    ]
    + [
        (f"B{i}", "S2", "Beta", "08/10/2026", 95, "Case management supervision", "Held")
        for i in range(1, 7)
    ]
)


def supervision_csv() -> bytes:
    header = "Worker ID,Supervisor ID,Team,Supervision Date,Duration (mins),Supervision Type,Status"
    lines = [header] + [",".join(str(cell) for cell in row) for row in SUPERVISION_ROWS]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


CHANGE_EVENTS = [
    (None, "2025-06-01", "Hybrid working policy revised", "policy"),
    ("Alpha", "2026-01-15", "Alpha merged with the duty desk", "restructure"),
    ("Beta", "2024-09-01", "New team manager for Beta", "manager change"),
]


def load_views_fixture(con: duckdb.DuckDBPyConnection) -> None:
    """Import both waves and the supervision records through the real paths, add the change log.

    The fixture gives whole teams the same answer to keep the arithmetic easy to
    follow, so it turns the "all alike" rule down to k (groups below k are hidden
    anyway); tests/test_privacy_engine.py tests that rule on its own.
    """
    settings.save_rules(con, privacy.Rules(min_group_size=5, alike_group_size=5))
    load_survey(con, survey_csv(WAVE_1), wave="Autumn 2025", file_name="autumn.csv")
    spring = survey_csv(WAVE_2).replace(b"01/10/2025", b"13/04/2026")
    load_survey(con, spring, wave="Spring 2026", file_name="spring.csv")
    table = read_export(supervision_csv(), "supervision.csv")
    _, mapping = suggest_supervision_mapping(con, table)
    import_supervision(con, table, mapping, uploaded_by="test", data_date=SUPERVISION_DATA_DATE)
    for team, started_on, title, kind in CHANGE_EVENTS:
        con.execute(
            "insert into change_events (team, started_on, title, kind) "
            "values ($team, $started_on, $title, $kind)",
            {"team": team, "started_on": started_on, "title": title, "kind": kind},
        )
