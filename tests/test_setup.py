"""The README's test command is the one CI runs, and it runs every test."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import INCLUDE_SLOW, ROOT


def pytest_command(text: str) -> str:
    [command] = re.findall(r"python -m pytest[^\n]*", text)
    return command.strip()


def test_ci_runs_the_readmes_test_command_and_it_includes_the_slow_tests():
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    readme = pytest_command(blocks[1])  # the second of the two commands it starts with
    ci = pytest_command((ROOT / ".ci" / "run").read_text())
    assert readme == ci
    assert INCLUDE_SLOW in readme.split()


def collected(*options: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-n",
            "0",
            *options,
            "tests/test_safe_start.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout


def test_a_plain_run_leaves_the_slow_tests_out_and_include_slow_runs_them():
    # tests/test_safe_start.py is marked slow as a whole (a live server).
    assert "1 deselected" in collected()
    with_slow = collected(INCLUDE_SLOW)
    assert "test_starting_on_every_address_without_sign_in" in with_slow
    assert "deselected" not in with_slow
