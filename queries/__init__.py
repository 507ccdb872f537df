"""The query layer: one named ``.sql`` file per question, run with bound parameters.

Each submodule (``survey``, ``supervision``, ``admin``...) holds small typed
functions named after their ``.sql`` files. Pages call these and nothing else;
no page writes SQL. Every survey figure leaves this layer only through the
confidentiality gate in ``queries.survey``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

SQL_DIR = Path(__file__).parent
# A question that reads today's date can answer differently tomorrow on the same
# data, so its figures are never kept beyond the process (queries/first_view.py).
_READS_THE_CLOCK = re.compile(
    r"\bcurrent_(?:date|time|timestamp)\b|\b(?:now|today)\s*\(", re.IGNORECASE
)
_clock = threading.local()


def sql(name: str) -> str:
    """Return the text of ``queries/<name>.sql``.

    Read on every call: it costs microseconds, and an edited file is picked up
    on the next rerun without restarting the server.
    """
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    if _READS_THE_CLOCK.search(text):
        note_clock_read()
    return text


def note_clock_read() -> None:
    """Count a question on this thread that read today's date (see :func:`clock_reads`)."""
    _clock.reads = clock_reads() + 1


def clock_reads() -> int:
    """How many questions on this thread have read today's date so far."""
    return getattr(_clock, "reads", 0)
