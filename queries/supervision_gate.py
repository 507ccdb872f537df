"""The gate every supervision figure of staff goes through: the month's decision, cells blanked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from queries import decisions, settings
from queries.cache import data_version
from queries.supervision_rows import _params, _worker_month_rows, supervision_month
from wellbeing import privacy

# Workers by team and career stage (compliance) and by team (sessions, overdue):
# what the confidentiality engine decides supervision figures over.
STAGED = privacy.STAFF


UNITS = privacy.Layout(("service", "team"), (), ())


NEWLY_QUALIFIED = "Newly qualified (ASYE)"


EXPERIENCED = "Experienced"


_DECISIONS: dict[tuple, privacy.Decision] = {}


def _staff_decision(
    con: duckdb.DuckDBPyConnection,
    *,
    figures: str,
    period: object,
    workers: Callable[[], pd.DataFrame],
    sets: list[str],
    rules: privacy.Rules,
) -> privacy.Decision:
    """The engine's decision on one period's figures of one kind, over the workers behind them.

    ``workers`` gives one row per worker with ``service``, ``team`` (and
    ``career_stage`` for the staged figures) and a boolean column per set of
    workers a figure counts; it is called only when the decision is not kept
    (every rerun after the first asks for the same one). Every team, service,
    the organisation (and each by career stage) is decided together, so that no
    figure minus another (all the teams less one service, say) describes fewer
    than k workers.
    """
    key = (data_version(con), figures, period, rules)
    if key in _DECISIONS:
        return _DECISIONS[key]
    frame = workers().assign(respondents=1)
    layout = STAGED if "career_stage" in frame.columns else UNITS
    for column in layout.dimensions:
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame = frame.groupby([*layout.dimensions, *sets], dropna=False, as_index=False)[
        "respondents"
    ].sum()
    specs = [privacy.SetSpec(name, reveals=(f"{figures}:{name}",)) for name in sets]
    made = privacy.decide(frame, specs, rules, layout=layout)
    if len(_DECISIONS) > 256:
        _DECISIONS.clear()
    _DECISIONS[key] = made
    return made


def _gate(
    frame: pd.DataFrame,
    decision: privacy.Decision,
    *,
    sets: list[str],
    value_columns: list[str],
    count_column: str,
    service: str | None,
    team: str | None,
    stage_column: str | None = None,
) -> pd.DataFrame:
    """Blank every row whose cell the decision hides in any of the ``sets`` its figures count.

    Team rows name their team; a row with no team is all the teams chosen: the
    organisation, or the service or team of the filter.
    """
    if frame.empty:
        return frame.assign(status=pd.Series([], dtype="str"))
    layout = decision.layout
    if team is not None and service is None:
        service = decision.service_of(team)
    keys = []
    for row in frame.itertuples(index=False):
        values = {"service": service, "team": team}
        if getattr(row, "team", None) is not None and not pd.isna(row.team):
            values = {
                "service": privacy.NOT_STATED if pd.isna(row.service) else row.service,
                "team": row.team,
            }
        if stage_column is not None:
            values["career_stage"] = getattr(row, stage_column)
        keys.append(
            tuple(
                privacy.ALL if values.get(d) is None else str(values[d]) for d in layout.dimensions
            )
        )
    # A row shows only where every set its figures count shows it; else the first set's
    # reason it does not. Each set's cells looked up at once (a month's 400 teams one at a
    # time took 70 ms of every first visit to a wave).
    statuses = [privacy.SHOWN] * len(keys)
    for name in sets:
        for row, status in enumerate(decision.statuses([name] * len(keys), keys)):
            if statuses[row] == privacy.SHOWN and status != privacy.SHOWN:
                statuses[row] = status
    return privacy.protect(
        frame,
        statuses=pd.Series(statuses, index=frame.index, dtype="str"),
        value_columns=value_columns,
        count_column=count_column,
    )


def _compliance_workers(
    con: duckdb.DuckDBPyConnection, params: dict[str, object], month: dt.date
) -> pd.DataFrame:
    """One month's workers in post by team and career stage: in post, and with sessions due."""
    day = pd.Timestamp(month).date()
    rows = _worker_month_rows(con, month_from=day, month_to=day, as_of=params["as_of"]).to_pandas()
    rows = rows[~rows["excluded"]]
    return pd.DataFrame(
        {
            "service": rows["service"],
            "team": rows["team"],
            "career_stage": np.where(rows["newly_qualified"], NEWLY_QUALIFIED, EXPERIENCED),
            "in_post": True,
            "due": (rows["required"] > 0).to_numpy(),
        }
    )


def compliance_decision(
    con: duckdb.DuckDBPyConnection,
    params: dict[str, object],
    month: object,
    *,
    rules: privacy.Rules,
) -> privacy.Decision:
    """The engine's decision on one month's compliance figures, over its staff in post
    and its staff due (made once per data version, month, data date and rules)."""
    month = pd.Timestamp(month)
    return _staff_decision(
        con,
        figures="compliance",
        period=(month, params["as_of"]),
        workers=lambda: _compliance_workers(con, params, month),
        sets=["in_post", "due"],
        rules=rules,
    )


@decisions.also_while_deciding(order=3)
def _wave_months_decision(con: duckdb.DuckDBPyConnection, wave_id: int) -> None:
    """The compliance decision of the wave's supervision month, which its Overview tile
    passes through (a decision on staff, which no survey decision changes)."""
    month = supervision_month(con, wave_id=wave_id)
    params = _params(con, month_from=month, month_to=month, as_of=None)
    if month is not None and params is not None:
        compliance_decision(con, params, month, rules=settings.rules(con))


def _gate_compliance(
    con: duckdb.DuckDBPyConnection,
    raw: pd.DataFrame,
    params: dict[str, object],
    *,
    value_columns: list[str],
    service: str | None,
    team: str | None,
    rules: privacy.Rules,
    stage_column: str | None = None,
) -> pd.DataFrame:
    """Gate compliance rows month by month: staff in post and staff due both counted."""
    parts = []
    for month, rows in raw.groupby("month", sort=True):
        decision = compliance_decision(con, params, month, rules=rules)
        parts.append(
            _gate(
                rows,
                decision,
                sets=["in_post", "due"],
                value_columns=value_columns,
                count_column="staff_due",
                service=service,
                team=team,
                stage_column=stage_column,
            )
        )
    return pd.concat(parts).sort_index() if parts else raw.assign(status="")
