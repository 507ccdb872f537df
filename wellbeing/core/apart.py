"""Work done in a process of its own, so that the server's interpreter stays free.

A long computation in pure Python (the confidentiality engine at 100,000
respondents: a minute) holds the interpreter's lock: every leader's page on the
same server waits for it between its own steps, and a second wave cannot be
decided beside it on the other core. Run in a process of its own, it does
neither. Processes come from a fork server started once, with the modules the
work needs already imported, so each one starts in milliseconds; a process that
dies (killed, out of memory) is an error, never a hang. The processes are
daemonic: they end with the server.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

_LOCK = threading.Lock()
# The one fork server of this process (started by the first caller, with its preload).
_CONTEXT: list[Any] = []
# One thread each for the linear algebra libraries of the processes started here. They
# run side by side, one per core: each with a pool of threads as large as the machine,
# two decisions on two cores took 1.4 times as long as each alone (38-39 s against
# 27.5-28.5 s for a 100,000-respondent wave's equity breakdowns), the pools' threads
# spinning against each other. Read when a library loads, so set in this process's
# environment before the fork server (or a spawned process) imports numpy: this
# process's own libraries, loaded already, keep their threads. A value set is kept.
ONE_THREAD_EACH = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class EndedWithoutAnAnswer(RuntimeError):
    """The process doing the work ended before it gave its result."""


def _context(preload: tuple[str, ...]):
    with _LOCK:
        if not _CONTEXT:
            for variable in ONE_THREAD_EACH:
                os.environ.setdefault(variable, "1")
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(list(preload))
            else:  # Windows: each process starts a fresh interpreter
                context = multiprocessing.get_context("spawn")
            _CONTEXT.append(context)
        return _CONTEXT[0]


def _work(send: Connection, function: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        outcome: tuple[str, Any] = ("done", function(*args, **kwargs))
    except Exception as error:  # given to the caller, who raises it
        outcome = ("failed", error)
    send.send(outcome)
    send.close()


def run_apart(
    function: Callable[..., Any], /, *args: Any, preload: tuple[str, ...] = (), **kwargs: Any
) -> Any:
    """``function(*args, **kwargs)`` in a process of its own: its result, or its exception.

    ``function`` must be importable (a module's top-level function) and its
    arguments and result picklable; ``preload`` names modules the fork server
    imports once, so that each process need not (the first call's: there is one
    fork server per process).
    """
    context = _context(preload)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_work, args=(send, function, args, kwargs), name="wellbeing-apart", daemon=True
    )
    process.start()
    send.close()
    try:
        outcome, value = receive.recv()
    except EOFError:
        process.join()
        raise EndedWithoutAnAnswer(
            f"The process working out {function.__name__} ended without an answer "
            f"(exit code {process.exitcode})."
        ) from None
    finally:
        receive.close()
    process.join()
    if outcome == "failed":
        raise value
    return value
