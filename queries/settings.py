"""Installation settings in the store: any one setting, and HR's anonymity thresholds.

Each function runs a named .sql file. A write makes the next figure read look
at the data again (``cache.forget_version``): the thresholds decide every figure.
"""

from __future__ import annotations

import duckdb

from queries import cache, sql
from wellbeing import privacy, store

MIN_GROUP_SIZE_SETTING = "min_group_size"
SENSITIVE_MIN_GROUP_SIZE_SETTING = "sensitive_min_group_size"
ALIKE_GROUP_SIZE_SETTING = "alike_group_size"


def setting(con: duckdb.DuckDBPyConnection, *, key: str) -> str | None:
    """An installation setting's stored text, or None when it is not set."""
    rows = con.execute(sql("setting"), {"key": key}).fetchall()
    return rows[0][0] if rows else None


def upsert_setting(con: duckdb.DuckDBPyConnection, *, key: str, value: str) -> None:
    """Store an installation setting (replacing its value)."""
    con.execute(sql("upsert_setting"), {"key": key, "value": value}).fetchall()
    cache.forget_version(con)


@cache.memoised
def rules(con: duckdb.DuckDBPyConnection) -> privacy.Rules:
    """The thresholds HR has set, or the defaults (read once per data version)."""
    rows = dict(con.execute(sql("rules")).fetchall())
    return privacy.Rules(
        min_group_size=int(rows.get(MIN_GROUP_SIZE_SETTING, privacy.DEFAULT_MIN_GROUP_SIZE)),
        sensitive_min_group_size=int(
            rows.get(SENSITIVE_MIN_GROUP_SIZE_SETTING, privacy.DEFAULT_SENSITIVE_MIN_GROUP_SIZE)
        ),
        alike_group_size=int(rows.get(ALIKE_GROUP_SIZE_SETTING, privacy.DEFAULT_ALIKE_GROUP_SIZE)),
    )


def save_rules(con: duckdb.DuckDBPyConnection, new: privacy.Rules) -> None:
    """Store HR's thresholds (validated when ``new`` was built), both or neither."""
    with store.transaction(con):
        for key, value in (
            (MIN_GROUP_SIZE_SETTING, new.min_group_size),
            (SENSITIVE_MIN_GROUP_SIZE_SETTING, new.sensitive_min_group_size),
            (ALIKE_GROUP_SIZE_SETTING, new.alike_group_size),
        ):
            upsert_setting(con, key=key, value=str(value))
    cache.forget_version(con)
