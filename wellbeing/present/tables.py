"""The figures behind a chart as a table a reader can use: readable headings, typed values.

No Streamlit, no queries. A :class:`Table` is what "show as table" draws, and
what the CSV and XLSX downloads hold: the same rows, after the confidentiality
gate. A hidden group keeps its row, with no figure and the reason in words.
Shares are fractions in the table, written as percentages on screen, as
``35.2%`` in a CSV (which spreadsheets read as a number) and as numbers with a
percentage format in a workbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.present import words

TEXT, SHARE, SCORE, COUNT, NUMBER = "text", "share", "score", "count", "number"
DATE, DATETIME = "date", "datetime"
HIDDEN_BECAUSE = "Hidden because"
COMPARED = "Against the organisation"
NO_FIGURE = "\u2013"  # on screen, a cell with no figure (the row says why)


@dataclass(frozen=True)
class Table:
    """Rows with readable headings, and what kind of value each column holds."""

    frame: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)

    def kind(self, column: str) -> str:
        return self.kinds.get(column, TEXT)

    def on_screen(self) -> pd.DataFrame:
        """Every value as the screen shows it: 35%, 3.58, 1,204, 4 Dec 2026; blanks as a dash."""
        return pd.DataFrame(
            {
                column: [screen_value(v, self.kind(column)) for v in self.frame[column]]
                for column in self.frame.columns
            },
            columns=list(self.frame.columns),
        )

    @property
    def empty(self) -> bool:
        return self.frame.empty


def missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def screen_value(value: object, kind: str) -> str:
    if missing(value):
        return "" if kind == TEXT else NO_FIGURE
    if kind == SHARE:
        return f"{float(value):.0%}"
    if kind == SCORE:
        return f"{float(value):.2f}"
    if kind == COUNT:
        return f"{int(value):,}"
    if kind == NUMBER:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    if kind == DATE:
        return f"{pd.Timestamp(value):%-d %b %Y}"
    if kind == DATETIME:
        return f"{pd.Timestamp(value):%-d %b %Y, %H:%M}"
    return str(value)


def verdict_words(verdict: object) -> str:
    return {
        stats.HIGHER: "higher, beyond chance",
        stats.LOWER: "lower, beyond chance",
        stats.COULD_BE_CHANCE: "could be chance",
    }.get(verdict, "")


def _hidden_because(
    statuses: pd.Series, k: int | pd.Series, *, unit: str = "responses"
) -> list[str]:
    thresholds = k if isinstance(k, pd.Series) else pd.Series(k, index=statuses.index)
    return [
        words.hidden_because(status, int(threshold), unit=unit)
        for status, threshold in zip(statuses, thresholds, strict=True)
    ]


def team_table(
    figures: pd.DataFrame,
    *,
    measure: str,
    kind: str,
    k: int,
    group: str = "Team",
    count_label: str = "Respondents",
    compared: bool = True,
) -> Table:
    """``figures.team_figures`` rows as a table: figure, interval, count, verdict, reason hidden."""
    frame = pd.DataFrame(
        {
            group: figures["team"].astype("str"),
            measure: figures["value"].astype("float64"),
            "95% interval from": figures["low"].astype("float64"),
            "95% interval to": figures["high"].astype("float64"),
            count_label: figures["respondents"].astype("float64"),
        }
    )
    if compared:
        frame[COMPARED] = [verdict_words(v) for v in figures["verdict"]]
    unit = "responses" if count_label == "Respondents" else count_label.lower()
    frame[HIDDEN_BECAUSE] = _hidden_because(figures["status"], k, unit=unit)
    return Table(
        frame.reset_index(drop=True),
        {
            measure: kind,
            "95% interval from": kind,
            "95% interval to": kind,
            count_label: COUNT,
        },
    )


def gated_table(
    rows: pd.DataFrame,
    *,
    columns: Mapping[str, tuple[str, str]],
    k: int,
    status: str = "status",
) -> Table:
    """Gated query rows as a table: ``columns`` maps a row column to (heading, kind).

    The gate's status becomes "Hidden because" in words (a ``min_group_size``
    column, where present, gives each row its own threshold). Raises
    ValueError for rows that have not been through the confidentiality engine.
    """
    if status not in rows.columns:
        raise ValueError(
            "this table has not been through the confidentiality engine (no status column)"
        )
    frame = pd.DataFrame(
        {
            heading: _typed(rows[column], kind)
            for column, (heading, kind) in columns.items()
            if column in rows.columns
        }
    )
    thresholds = rows["min_group_size"] if "min_group_size" in rows.columns else k
    frame[HIDDEN_BECAUSE] = _hidden_because(rows[status].fillna(privacy.NO_DATA), thresholds)
    kinds = {heading: kind for column, (heading, kind) in columns.items() if column in rows}
    return Table(frame.reset_index(drop=True), kinds)


def plain_table(frame: pd.DataFrame, *, columns: Mapping[str, tuple[str, str]]) -> Table:
    """Rows that need no gate (records shown to HR, an audit log) under readable headings."""
    table = pd.DataFrame(
        {heading: _typed(frame[column], kind) for column, (heading, kind) in columns.items()}
    )
    return Table(table.reset_index(drop=True), {h: kind for h, kind in columns.values()})


def _typed(values: pd.Series, kind: str) -> pd.Series:
    if kind in (SHARE, SCORE, NUMBER, COUNT):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind in (DATE, DATETIME):
        return pd.to_datetime(values, errors="coerce")
    return (
        values.astype("object")
        .where(values.notna(), None)
        .map(lambda v: v if v is None else str(v))
    )


def heatmap_table(
    scores: pd.DataFrame,
    constructs: pd.DataFrame,
    organisation: pd.Series,
    *,
    k: int,
    group: str = "Team",
) -> Table:
    """A heatmap's cells, one row per team and measure: the score or share, count, reason."""
    names = dict(zip(constructs["code"], constructs["name"], strict=True))
    kinds = (
        dict(zip(constructs["code"], constructs["kind"], strict=True))
        if "kind" in constructs.columns
        else {}
    )
    rows = scores[scores["construct"].isin(names)]
    is_share = rows["construct"].map(lambda code: kinds.get(code) == "yes_no").to_numpy()
    value = rows["mean_score"].astype("float64").to_numpy()
    org = rows["construct"].map(organisation).astype("float64").to_numpy()
    frame = pd.DataFrame(
        {
            group: rows["team"].astype("str").to_numpy(),
            "Measure": rows["construct"].map(names).to_numpy(),
            "Mean score (1-5)": np.where(is_share, np.nan, value),
            "Share": np.where(is_share, value, np.nan),
            "Organisation (mean score)": np.where(is_share, np.nan, org),
            "Organisation (share)": np.where(is_share, org, np.nan),
            "Respondents": rows["respondents"].astype("float64").to_numpy(),
            HIDDEN_BECAUSE: _hidden_because(rows["status"], k),
        }
    )
    order = {code: i for i, code in enumerate(constructs["code"])}
    frame["_order"] = rows["construct"].map(order).to_numpy()
    frame = frame.sort_values([group, "_order"]).drop(columns="_order").reset_index(drop=True)
    return Table(
        frame,
        {
            "Mean score (1-5)": SCORE,
            "Share": SHARE,
            "Organisation (mean score)": SCORE,
            "Organisation (share)": SHARE,
            "Respondents": COUNT,
        },
    )
