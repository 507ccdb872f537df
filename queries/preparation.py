"""The background preparation: every wave's supervision month and confidentiality decisions.

After start-up and after any change of the data, the dashboard works out in the
background what a leader's first visit would otherwise wait for (wellbeing.ui.run).
The supervision months are worked out in the server's own interpreter and DuckDB, a
large wave's decisions in processes of their own (queries.decisions). They run side
by side: one after the other, the months left a third of the machine's cores idle (at
a million respondents, 45 s using 1.5 of 2 cores) before the decisions began.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import duckdb

from queries import supervision, survey


@dataclass(frozen=True)
class Prepared:
    """Seconds from the start until each part was done, and how many waves were decided."""

    supervision_seconds: float
    decisions_seconds: float
    waves: int

    @property
    def seconds(self) -> float:
        return max(self.supervision_seconds, self.decisions_seconds)


def prepare(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event, decide_waves: bool = True
) -> Prepared:
    """Every wave's supervision month and (with ``decide_waves``) confidentiality
    decisions, side by side, each on a cursor of its own; ``stop`` ends both between
    steps. Returns once both are done; a failure of either is raised then."""
    started = time.perf_counter()
    months_done: list[float] = []
    failures: list[BaseException] = []

    def months() -> None:
        try:
            supervision.prepare_supervision_months(con.cursor(), stop=stop)
        except BaseException as error:  # raised by the caller once the decisions are done
            failures.append(error)
        finally:
            months_done.append(time.perf_counter() - started)

    beside = threading.Thread(target=months, name="prepare-supervision-months", daemon=True)
    beside.start()
    waves = 0
    try:
        if decide_waves:
            waves = survey.prepare_decisions(con.cursor(), stop=stop)
    finally:
        decided = time.perf_counter() - started
        beside.join()
    if failures:
        raise failures[0]
    return Prepared(supervision_seconds=months_done[0], decisions_seconds=decided, waves=waves)
