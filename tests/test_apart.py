"""Work done in a process of its own gives back its result, its error, or says it died."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from wellbeing.core import apart


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _thread_settings() -> dict[str, str | None]:
    return {variable: os.environ.get(variable) for variable in apart.ONE_THREAD_EACH}


def test_a_process_started_apart_gives_its_linear_algebra_one_thread():
    # Decisions run side by side, one per core; each with a pool of threads as large as
    # the machine, two took 1.4 times as long as each alone.
    assert apart.run_apart(_thread_settings) == {v: "1" for v in apart.ONE_THREAD_EACH}


def _page_faults_taking_back_freed_memory() -> int:
    import resource

    import numpy as np

    freed = np.ones(8_000_000)  # 64 MB, a decision's array at a million respondents
    del freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    again = np.ones(8_000_000)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del again
    return faults


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's allocator: Linux alone")
def test_a_process_started_apart_takes_back_the_memory_it_freed_without_asking_the_system():
    # Handing freed memory back and asking for it again cost a decision at a million
    # respondents half its time in page faults; kept, the same 64 MB comes with none
    # (the system's allocator left as it was gave 800 faults here).
    assert apart.run_apart(_page_faults_taking_back_freed_memory) < 50


def test_the_work_runs_in_another_process_and_gives_back_its_result():
    pid, doubled = apart.run_apart(_pid_and, 21)
    assert doubled == 42
    assert pid != os.getpid()


def test_an_error_in_the_work_is_raised_to_the_caller():
    with pytest.raises(ValueError, match="no such wave"):
        apart.run_apart(_fails, "no such wave")


def test_a_process_that_dies_is_an_error_not_a_hang():
    with pytest.raises(apart.EndedWithoutAnAnswer, match="_dies ended without an answer"):
        apart.run_apart(_dies)


def test_the_servers_script_run_again_in_a_decision_process_imports_nothing_of_the_server():
    # multiprocessing runs the main script again as __mp_main__ in each process it
    # starts: for serve.py that was Streamlit and the whole dashboard, 1.8 s each.
    import subprocess

    from support import ROOT

    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import runpy, sys; runpy.run_path('serve.py', run_name='__mp_main__'); "
            "print(sorted(m for m in ('streamlit', 'wellbeing.ui') if m in sys.modules))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "[]"


def test_a_decision_process_does_not_run_the_script_streamlit_made_the_main_module(
    tmp_path, monkeypatch
):
    # While a page runs, Streamlit makes its script (dashboard.py) the main module, and
    # multiprocessing ran the main module again in every process it started: the whole
    # dashboard, half a second before each decision began, and a page where none belongs.
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "page_script.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    page.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", page)
    pid, doubled = apart.run_apart(_pid_and, 4)
    assert doubled == 8 and pid != os.getpid()
    assert not marker.exists(), "the process ran the page's script first"


def _admit_in_turn(admission: apart.Admission, needs: list[int]) -> list[tuple[str, int]]:
    """Each need asks in turn (a thread each, in this order) and holds its room until let
    go; returns the starts and ends in the order they happened."""
    import threading

    events: list[tuple[str, int]] = []
    lock = threading.Lock()
    let_go = [threading.Event() for _ in needs]
    started = [threading.Event() for _ in needs]

    def hold(index: int) -> None:
        with admission.admitted(needs[index]):
            with lock:
                events.append(("start", index))
            started[index].set()
            let_go[index].wait(timeout=10)
            with lock:
                events.append(("end", index))

    threads = []
    for index in range(len(needs)):
        thread = threading.Thread(target=hold, args=(index,), daemon=True)
        thread.start()
        threads.append(thread)
        # The next asks only once this one holds its room or waits for it.
        for _ in range(2000):
            with admission._changed:
                if len(admission._running) + len(admission._waiting) == index + 1:
                    break
            threading.Event().wait(0.005)
    for index in range(len(needs)):
        # Let each go once it started; the ones waiting start as room frees up.
        assert started[index].wait(timeout=10), f"need {index} never started: {events}"
        let_go[index].set()
    for thread in threads:
        thread.join(timeout=10)
    return events


def test_processes_that_fit_in_memory_together_run_side_by_side():
    events = _admit_in_turn(apart.Admission(most=2, budget=10), [4, 6])
    assert events[:2] == [("start", 0), ("start", 1)]


def test_a_process_that_would_not_fit_beside_the_running_one_waits_for_it_to_end():
    # A million respondents' equity breakdowns: 17 GB each, two killed a 24 GB machine.
    events = _admit_in_turn(apart.Admission(most=2, budget=10), [6, 6])
    assert events == [("start", 0), ("end", 0), ("start", 1), ("end", 1)]


def test_no_more_run_at_once_than_allowed_whatever_the_memory():
    events = _admit_in_turn(apart.Admission(most=1, budget=None), [1, 1])
    assert events == [("start", 0), ("end", 0), ("start", 1), ("end", 1)]


def test_a_process_larger_than_the_budget_still_runs_alone():
    events = _admit_in_turn(apart.Admission(most=2, budget=10), [50, 1])
    assert events == [("start", 0), ("end", 0), ("start", 1), ("end", 1)]


def test_a_waiting_process_that_fits_goes_ahead_of_an_earlier_one_that_does_not():
    # At a million respondents a page's plain cells (1.8 GB) start beside the
    # preparation's equity breakdowns rather than wait behind the next ones (8.6 GB).
    events = _admit_in_turn(apart.Admission(most=2, budget=10), [4, 8, 1])
    assert events[:2] == [("start", 0), ("start", 2)]
    assert events.index(("start", 1)) > events.index(("end", 0))


def test_of_those_waiting_that_fit_the_first_to_ask_goes_first():
    events = _admit_in_turn(apart.Admission(most=1, budget=None), [1, 1, 1])
    assert [e for e in events if e[0] == "start"] == [("start", 0), ("start", 1), ("start", 2)]


def test_the_memory_a_process_may_use_is_its_containers_limit_where_lower(tmp_path, monkeypatch):
    physical = apart.machine_memory()
    assert physical is not None and physical > 0
    limit = tmp_path / "memory.max"
    limit.write_text("max\n")  # cgroup v2 with no limit
    monkeypatch.setattr(apart, "_MEMORY_LIMITS", (limit,))
    assert apart.machine_memory() == physical
    limit.write_text(f"{2**30}\n")
    assert apart.machine_memory() == 2**30
    limit.write_text(f"{physical * 2}\n")  # cgroup v1's "no limit" is a huge number
    assert apart.machine_memory() == physical


def test_the_cores_a_process_may_use_are_its_containers_quota_where_lower(tmp_path, monkeypatch):
    monkeypatch.setattr(apart.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(apart, "_CPU_QUOTA", quota)
    monkeypatch.setattr(apart, "_CPU_QUOTA_V1", (tmp_path / "none", tmp_path / "none"))
    assert apart.usable_cores() == 8  # no cgroup file: the affinity
    quota.write_text("max 100000\n")  # cgroup v2 with no limit
    assert apart.usable_cores() == 8
    quota.write_text("250000 100000\n")  # two and a half cores' time: three may run
    assert apart.usable_cores() == 3
    quota.write_text("50000 100000\n")  # half a core: still one
    assert apart.usable_cores() == 1
    quota.write_text("1600000 100000\n")  # more than the affinity allows
    assert apart.usable_cores() == 8
    # cgroup v1: a quota file and a period file, -1 for no limit
    v1 = (tmp_path / "cpu.cfs_quota_us", tmp_path / "cpu.cfs_period_us")
    monkeypatch.setattr(apart, "_CPU_QUOTA", tmp_path / "absent")
    monkeypatch.setattr(apart, "_CPU_QUOTA_V1", v1)
    v1[0].write_text("200000\n")
    v1[1].write_text("100000\n")
    assert apart.usable_cores() == 2
    v1[0].write_text("-1\n")
    assert apart.usable_cores() == 8


def test_the_cores_a_process_may_use_are_its_affinity(monkeypatch, tmp_path):
    monkeypatch.setattr(apart, "_CPU_QUOTA", tmp_path / "absent")
    monkeypatch.setattr(apart, "_CPU_QUOTA_V1", (tmp_path / "absent", tmp_path / "absent"))
    monkeypatch.setattr(apart.os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert apart.usable_cores() == 3


def test_without_an_affinity_the_cores_a_process_may_use_are_the_machines(monkeypatch, tmp_path):
    # Not Linux (macOS, Windows): no affinity to ask, so the machine's count, quota aside.
    monkeypatch.setattr(apart, "_CPU_QUOTA", tmp_path / "absent")
    monkeypatch.setattr(apart, "_CPU_QUOTA_V1", (tmp_path / "absent", tmp_path / "absent"))
    monkeypatch.delattr(apart.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(apart.os, "cpu_count", lambda: 6)
    assert apart.usable_cores() == 6
    monkeypatch.setattr(apart.os, "cpu_count", lambda: None)  # it may not know
    assert apart.usable_cores() == 1
