"""Where the store lives and the installation's settings file.

The database path comes from, in order: the ``WELLBEING_DB`` environment
variable, ``database = "..."`` in ``wellbeing.toml`` in the working directory,
then ``data/wellbeing.duckdb`` (a git-ignored folder).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

DEFAULT_DB_PATH = Path("data") / "wellbeing.duckdb"
SETTINGS_FILE = Path("wellbeing.toml")
DB_ENV_VAR = "WELLBEING_DB"


def settings_file_values(path: Path = SETTINGS_FILE) -> dict:
    """The installation's settings file as a dict; empty when there is none."""
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def database_path() -> Path:
    """The DuckDB file this installation uses."""
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return Path(from_env)
    configured = settings_file_values().get("database")
    if configured:
        return Path(configured)
    return DEFAULT_DB_PATH
