"""The background preparation: every wave's supervision month and confidentiality decisions.

After start-up and after any change of the data, the dashboard works out in the
background what a leader's first visit would otherwise wait for (wellbeing.ui.run),
and the benchmark times the same function (bench/first_visit.py).

The supervision months come first, then the decisions, one after the other. Side by
side they saved nothing measurable (at a million respondents 252 s, against 249 s one
after the other within the hour; at 100,000 43 s against 42 s), and the months peak at
6.7 GB in the server at a million respondents (2.7 GB once done) while the decision
processes may take 60% of the machine's memory
(``decisions.DECISIONS_SHARE_OF_MEMORY``): together they would not fit on a machine
the decisions alone fit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import duckdb

from queries import supervision, survey


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
    """Every wave's supervision month, then (with ``decide_waves``) its confidentiality
    decisions, each on a cursor of its own; ``stop`` ends them between steps. A failure of
    the months does not keep the waves from being decided: it is raised after them."""
    started = time.perf_counter()
    failure: BaseException | None = None
    try:
        supervision.prepare_supervision_months(con.cursor(), stop=stop)
    except Exception as error:  # the Supervision page meets it again and says so
        failure = error
    months = time.perf_counter() - started
    waves = survey.prepare_decisions(con.cursor(), stop=stop) if decide_waves else 0
    decided = time.perf_counter() - started - months
    if failure is not None:
        raise failure
    return Prepared(supervision_seconds=months, decisions_seconds=decided, waves=waves)
