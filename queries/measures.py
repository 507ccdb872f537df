"""HR's own measures and questions: their versions, how each upload read them, reliability.

Measures HR makes are constructs of the survey's instrument like the built-in
ones; this module keeps what is special about them (versions, direction,
"high" cut-off, the council's own questions) and the record of how each
upload's questions were read. Figures of them go through ``queries.survey``
as every construct does.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from queries import sql
from queries.cache import memoised
from queries.imports import registered
from wellbeing.core.instruments import COUNCIL_ITEM_ID_START
from wellbeing.core.reliability import Reliability, reliability

INSTRUMENT = "default"


@memoised
def own_measures(con: duckdb.DuckDBPyConnection, *, instrument: str = INSTRUMENT) -> pd.DataFrame:
    """HR's measures as now defined (code, name, description, higher_is_better, high_cutoff,
    single_question, version, kind, scale_min, scale_max, defined_by, defined_at)."""
    return con.execute(sql("own_measures"), {"instrument": instrument}).df()


def measure_versions(
    con: duckdb.DuckDBPyConnection, *, construct: str, instrument: str = INSTRUMENT
) -> pd.DataFrame:
    """Every version of one of HR's measures, newest first."""
    params = {"instrument": instrument, "construct": construct}
    return con.execute(sql("measure_versions"), params).df()


def insert_measure_version(
    con: duckdb.DuckDBPyConnection,
    *,
    construct: str,
    name: str,
    description: str,
    higher_is_better: bool,
    high_cutoff: float,
    single_question: bool,
    kind: str,
    scale_min: float,
    scale_max: float,
    defined_by: str,
    instrument: str = INSTRUMENT,
) -> int:
    """Record a new version of a measure (creating it) and its construct row; its number."""
    con.execute(
        sql("insert_measure_version"),
        {
            "instrument": instrument,
            "construct": construct,
            "name": name,
            "description": description,
            "higher_is_better": higher_is_better,
            "high_cutoff": high_cutoff,
            "single_question": single_question,
            "defined_by": defined_by,
        },
    )
    con.execute(
        sql("upsert_measure_construct"),
        {
            "instrument": instrument,
            "construct": construct,
            "name": name,
            "description": description,
            "kind": kind,
            "scale_min": scale_min,
            "scale_max": scale_max,
        },
    )
    versions = measure_versions(con, construct=construct, instrument=instrument)
    return int(versions["version"].iloc[0])


def own_items(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The council's own questions already stored (id, code, construct, text, label_set,
    scale_min, scale_max, reverse)."""
    return con.execute(sql("own_items"), {"first_id": COUNCIL_ITEM_ID_START}).df()


def insert_own_item(
    con: duckdb.DuckDBPyConnection,
    *,
    construct: str,
    text: str,
    label_set: str,
    scale_min: float,
    scale_max: float,
    reverse: bool,
    instrument: str = INSTRUMENT,
) -> int:
    """Store one council question as an item of its measure; returns its item id."""
    params = {
        "first_id": COUNCIL_ITEM_ID_START,
        "instrument": instrument,
        "construct": construct,
        "text": text,
        "label_set": label_set,
        "scale_min": scale_min,
        "scale_max": scale_max,
        "reverse": reverse,
    }
    return int(con.execute(sql("insert_own_item"), params).fetchall()[0][0])


def insert_upload_questions(
    con: duckdb.DuckDBPyConnection, *, upload_id: int, questions: pd.DataFrame
) -> None:
    """Record how each question of an upload was read (inside the caller's transaction)."""
    if questions.empty:
        return
    with registered(con, incoming_questions=questions):
        con.execute(sql("insert_upload_questions"), {"upload_id": upload_id})


@memoised
def measure_questions_by_wave(
    con: duckdb.DuckDBPyConnection, *, instrument: str = INSTRUMENT
) -> pd.DataFrame:
    """Per wave and measure: the questions asked and their answer scales (wave_id, construct,
    questions, scales). Wording, not answers: no figure about anyone."""
    return con.execute(sql("measure_questions_by_wave"), {"instrument": instrument}).df()


def measure_answers(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, construct: str, instrument: str = INSTRUMENT
) -> pd.DataFrame:
    """One measure's keyed answers in a wave, one row a respondent and a column a question.

    Respondent-level: for reliability figures that only HR sees.
    """
    params = {"wave_id": wave_id, "instrument": instrument, "construct": construct}
    long = con.execute(sql("measure_answers"), params).df()
    if long.empty:
        return pd.DataFrame()
    return long.pivot_table(index="response_id", columns="question", values="value", aggfunc="mean")


@memoised
def measure_reliability(
    con: duckdb.DuckDBPyConnection, *, wave_id: int, construct: str, instrument: str = INSTRUMENT
) -> Reliability | None:
    """One measure's reliability in a wave, or None when it was asked as one question.

    Kept per data version: it reads every respondent's answers, the same on
    every rerun of the page whatever the filters.
    """
    answers = measure_answers(con, wave_id=wave_id, construct=construct, instrument=instrument)
    return reliability(answers) if answers.shape[1] >= 2 else None


def respondents_already_stored(
    con: duckdb.DuckDBPyConnection, *, wave_label: str, hashes: pd.Series
) -> pd.DataFrame:
    """Stored responses in the wave whose hashed respondent id is among ``hashes``
    (response_id, respondent_hash, upload_id, file_name)."""
    incoming = pd.DataFrame({"respondent_hash": hashes.dropna().astype("str").unique()})
    with registered(con, incoming_hashes=incoming):
        return con.execute(sql("respondents_already_stored"), {"wave_label": wave_label}).df()


def replace_responses(
    con: duckdb.DuckDBPyConnection, *, response_ids: list[int], upload_id: int, replaced_by: str
) -> None:
    """Take earlier responses out of every figure, keeping a record (caller's transaction)."""
    if not response_ids:
        return
    replaced = pd.DataFrame({"response_id": pd.Series(response_ids, dtype="int64")})
    with registered(con, replaced=replaced):
        con.execute(sql("replace_responses"), {"upload_id": upload_id, "replaced_by": replaced_by})
        con.execute(sql("delete_replaced_responses"))
