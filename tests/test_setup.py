"""The README's test command is the one CI runs, and it runs every test."""

from __future__ import annotations

import re

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
