"""The background preparation: every wave's supervision month and confidentiality decisions.

After start-up and after any change of the data, the dashboard works out in the
background what a leader's first visit would otherwise wait for (wellbeing.ui.run),
and the benchmark times the same function (bench/first_visit.py).

The supervision months run beside the decisions where their memory is a small part of
the server's share (:func:`months_beside_decisions`), and before them otherwise. Beside
them, the core the months leave idle (their compliance, decided month by month, is a
second of one thread at 100,000 respondents) decides waves: the 100,000-respondent
preparation took 32.0 s instead of 33.0 s. At a million respondents the months peak at 6.7 GB in
the server (2.7 GB once done) while the decision processes may take 60% of the
machine's memory (``decisions.DECISIONS_SHARE_OF_MEMORY``): together they would not
fit on a machine the decisions alone fit, and side by side they saved nothing
measurable there (252 s against 249 s one after the other).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import duckdb

from queries import decisions, sql, supervision, survey
from wellbeing.core import apart

# The server's memory the supervision months take at their peak, per session on record:
# 0.82 GB above the server's own for the 100,000-respondent bench's million sessions,
# 6.7 GB at a million respondents.
MONTHS_BYTES_PER_SESSION = 850
# Beside the decisions, the months may take at most this part of what the decisions leave
# of the machine's memory: the rest is the server's figures and DuckDB's buffers.
MONTHS_SHARE_OF_THE_REST = 0.5


@dataclass(frozen=True)
class Prepared:
    """Seconds each part took, and how many waves were decided."""

    supervision_seconds: float
    decisions_seconds: float
    waves: int

    @property
    def seconds(self) -> float:
        return self.supervision_seconds + self.decisions_seconds


def prepare(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event, decide_waves: bool = True
) -> Prepared:
    """Every wave's supervision month and (with ``decide_waves``) its confidentiality
    decisions, each on a cursor of its own: side by side where the months' memory allows
    (:func:`months_beside_decisions`), else the months first. ``stop`` ends them between
    steps. A failure of the months does not keep the waves from being decided: it is
    raised after them.

    ``supervision_seconds`` is the months' own time; ``decisions_seconds`` the rest, until
    both are done.
    """
    started = time.perf_counter()
    failure: list[BaseException] = []
    months_took: list[float] = []

    def months() -> None:
        try:
            supervision.prepare_supervision_months(con.cursor(), stop=stop)
        except Exception as error:  # the Supervision page meets it again and says so
            failure.append(error)
        finally:
            months_took.append(time.perf_counter() - started)

    waves = 0
    if decide_waves and months_beside_decisions(con.cursor()):
        beside = threading.Thread(target=months, name="prepare-months", daemon=True)
        beside.start()
        try:
            waves = survey.prepare_decisions(con.cursor(), stop=stop)
        finally:
            beside.join()
    else:
        months()
        if decide_waves:
            waves = survey.prepare_decisions(con.cursor(), stop=stop)
    elapsed = time.perf_counter() - started
    if failure:
        raise failure[0]
    return Prepared(
        supervision_seconds=months_took[0],
        decisions_seconds=elapsed - months_took[0],
        waves=waves,
    )


def months_beside_decisions(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the supervision months may be worked out beside the decision processes:
    where their expected peak (:data:`MONTHS_BYTES_PER_SESSION`) is within
    :data:`MONTHS_SHARE_OF_THE_REST` of the memory the decisions leave. Not where the
    machine does not say how much it has."""
    memory = apart.machine_memory()
    if memory is None:
        return False
    sessions = int(con.execute(sql("supervision_sessions_count")).fetchall()[0][0])
    rest = memory * (1 - decisions.DECISIONS_SHARE_OF_MEMORY)
    return sessions * MONTHS_BYTES_PER_SESSION <= MONTHS_SHARE_OF_THE_REST * rest
