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

import functools
import math
import multiprocessing
import multiprocessing.spawn
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
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
# The C allocator (glibc's) of the processes started here keeps the memory they free for
# their own next use, instead of handing it back to the system and asking for it again:
# on a virtual machine each page asked for afresh costs a fault of a tenth of a
# millisecond and more, and a decision at a million respondents, whose arrays of tens and
# hundreds of megabytes come and go, spent half its time in them (200 s of system time).
# A process started here lives for one piece of work and gives all its memory back when
# it ends. Read when a process starts, so set like the threads above; elsewhere than
# glibc, ignored.
KEEP_FREED_MEMORY = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


# A container's memory limit, where the machine has one (cgroup v2, then v1): the
# machine's own memory is not what the process may use.
_MEMORY_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_memory() -> int | None:
    """Bytes of memory this process may use: the machine's, or its container's limit
    where that is lower; None where the system does not say (Windows)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
    for limit in _MEMORY_LIMITS:
        try:
            text = limit.read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            return min(physical, int(text))
    return physical


# A container's share of the processors, where it has one (cgroup v2's "quota period",
# then v1's two files): a process may see every core of the host and be let use two.
_CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")
_CPU_QUOTA_V1 = (
    Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
    Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
)


def usable_cores() -> int:
    """Cores this process may run on: those the system lets it use (its affinity), or
    fewer where its container's quota of processor time says so; at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cpu_quota() -> float | None:
    """The container's processor time per period, in cores, or None with no limit."""
    try:
        fields = _CPU_QUOTA.read_text().split()
    except OSError:
        try:
            fields = [path.read_text().strip() for path in _CPU_QUOTA_V1]
        except OSError:
            return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except (IndexError, ValueError):  # "max": no limit
        return None
    return quota / period if quota > 0 and period > 0 else None  # v1's -1: no limit


class Admission:
    """Processes run side by side only while their expected peaks of memory fit together.

    At most ``most`` at once. One whose expected peak would take those running past
    ``budget`` bytes waits until enough of them end; one alone always starts. Of those
    waiting, the first (in the order they asked) that fits goes first: on a machine
    with room for one million-respondent wave's equity breakdowns (3.0 GB expected) but
    not two, a leader's page asking for a wave's plain cells (1.3 GB) starts beside them
    instead of waiting behind the next ones. (Before the equations kept between rounds
    of repairs were bounded, such a decision took 17 GB: two side by side on a 24 GB
    machine had one killed for memory, and the whole preparation with it.)
    """

    def __init__(self, most: int, budget: int | None) -> None:
        self.most = most
        self.budget = budget
        self._running: list[int] = []
        self._waiting: list[tuple[object, int]] = []
        self._changed = threading.Condition()

    def _room_for(self, need: int) -> bool:
        if not self._running:
            return True
        if len(self._running) >= self.most:
            return False
        return self.budget is None or sum(self._running) + need <= self.budget

    def _goes_next(self, ticket: object) -> bool:
        for waiting, waiting_need in self._waiting:
            if self._room_for(waiting_need):
                return waiting is ticket  # an earlier one that fits goes first
        return False

    @contextmanager
    def admitted(self, need: int) -> Iterator[None]:
        """Wait for room for a process expected to peak at ``need`` bytes, and hold it."""
        ticket = object()
        with self._changed:
            self._waiting.append((ticket, need))
            try:
                self._changed.wait_for(lambda: self._goes_next(ticket))
            finally:
                self._waiting.remove((ticket, need))
                self._changed.notify_all()
            self._running.append(need)
        try:
            yield
        finally:
            with self._changed:
                self._running.remove(need)
                self._changed.notify_all()

    def running(self) -> int:
        with self._changed:
            return len(self._running)


class EndedWithoutAnAnswer(RuntimeError):
    """The process doing the work ended before it gave its result."""


def _without_the_main_module(
    get_preparation_data: Callable[[str], dict[str, Any]],
) -> Callable[[str], dict[str, Any]]:
    """multiprocessing's preparation of a new process, less its main module.

    A process started by multiprocessing runs the parent's main module again first
    (as ``__mp_main__``), for functions defined there. In the server the main module is
    whatever Streamlit last made it: dashboard.py, whose top level (Streamlit, the
    pages, the store) took every decision process half a second to run before its
    work began, and ran a page's code where no page belongs. The work done here is
    always a function of an importable module, so the main module is never needed.
    """

    @functools.wraps(get_preparation_data)
    def preparation_data(name: str) -> dict[str, Any]:
        data = get_preparation_data(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    return preparation_data


def _context(preload: tuple[str, ...]):
    with _LOCK:
        if not _CONTEXT:
            multiprocessing.spawn.get_preparation_data = _without_the_main_module(
                multiprocessing.spawn.get_preparation_data
            )
            for variable in ONE_THREAD_EACH:
                os.environ.setdefault(variable, "1")
            for variable, value in KEEP_FREED_MEMORY.items():
                os.environ.setdefault(variable, value)
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
