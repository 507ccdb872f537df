"""Work done in a process of its own gives back its result, its error, or says it died."""

from __future__ import annotations

import os
import signal

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
    import sys

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
