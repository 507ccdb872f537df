"""Action plans as people read them: before and after each action, and where it sits on a trend.

No Streamlit, no queries: the page passes gated rows from
``queries.actions.measure_by_wave``. A hidden wave gives no figure here either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from wellbeing import privacy
from wellbeing.core import action_rules, stats
from wellbeing.core.measures import higher_is_better

NOT_YET = "not yet: no survey wave has opened since it started"
NO_BEFORE = "no survey wave opened before it started"


@dataclass(frozen=True)
class BeforeAfter:
    """An action's measure in the wave before it started and the next wave after.

    ``difference`` is the scope's change less the organisation's over the same two
    waves (the organisation's own change for an organisation-wide action), with
    its 95% interval; ``note`` says why there is no figure when there is none.
    """

    wave_before: str | None
    wave_after: str | None
    before: float | None = None
    after: float | None = None
    organisation_before: float | None = None
    organisation_after: float | None = None
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    verdict: str | None = None
    note: str = ""


def _wave_rows(frame: pd.DataFrame) -> pd.DataFrame:
    waves = frame[["wave_id", "wave", "wave_opened_on"]].drop_duplicates("wave_id")
    waves = waves.assign(wave_opened_on=pd.to_datetime(waves["wave_opened_on"]))
    return waves.dropna(subset=["wave_opened_on"]).sort_values(["wave_opened_on", "wave_id"])


def waves_around(organisation: pd.DataFrame, started_on: object) -> tuple[object, object]:
    """The last wave opened before ``started_on`` and the first opened on or after it (ids)."""
    waves = _wave_rows(organisation)
    start = pd.Timestamp(started_on)
    before = waves[waves["wave_opened_on"] < start]
    after = waves[waves["wave_opened_on"] >= start]
    return (
        int(before["wave_id"].iloc[-1]) if not before.empty else None,
        int(after["wave_id"].iloc[0]) if not after.empty else None,
    )


def _figure(frame: pd.DataFrame, wave_id: int) -> tuple[float, float, int] | str:
    """(mean, sd, n) of a shown wave, or the reason it has none, in words."""
    rows = frame[frame["wave_id"] == wave_id]
    if rows.empty:
        return "no responses"
    row = rows.iloc[0]
    if row["status"] != privacy.SHOWN:
        return "hidden to protect small groups"
    return float(row["mean_score"]), float(row["sd"]), int(row["respondents"])


def before_after(
    action: Mapping[str, object], scoped: pd.DataFrame, organisation: pd.DataFrame
) -> BeforeAfter:
    """The action's before and after, against the organisation's change, from gated rows.

    Example:
        scoped, org = queries.actions.measure_by_wave(con, scope="team", unit="Fostering",
                                                      measure="stress")
        before_after(action, scoped, org)
    """
    before_id, after_id = waves_around(organisation, action["started_on"])
    labels = dict(zip(organisation["wave_id"], organisation["wave"].astype("str"), strict=False))
    wave_before = labels.get(before_id) if before_id is not None else None
    wave_after = labels.get(after_id) if after_id is not None else None
    if before_id is None:
        return BeforeAfter(wave_before, wave_after, note=NO_BEFORE)
    if after_id is None:
        return BeforeAfter(wave_before, wave_after, note=NOT_YET)
    found = {
        "before": _figure(scoped, before_id),
        "after": _figure(scoped, after_id),
        "organisation_before": _figure(organisation, before_id),
        "organisation_after": _figure(organisation, after_id),
    }
    missing = [f"{name.replace('_', ' ')}: {v}" for name, v in found.items() if isinstance(v, str)]
    if missing:
        return BeforeAfter(wave_before, wave_after, note="; ".join(missing))
    before, after = found["before"], found["after"]
    org_before, org_after = found["organisation_before"], found["organisation_after"]
    if action["scope"] == action_rules.ORGANISATION:
        groups = [(1, *after), (-1, *before)]
    else:
        groups = [(1, *after), (-1, *before), (-1, *org_after), (1, *org_before)]
    difference, low, high = stats.difference_interval(groups)
    verdict = stats.change_verdict(
        low, high, higher_is_better=higher_is_better("default", str(action["measure"]))
    )
    return BeforeAfter(
        wave_before,
        wave_after,
        before=before[0],
        after=after[0],
        organisation_before=org_before[0],
        organisation_after=org_after[0],
        difference=difference,
        low=low,
        high=high,
        verdict=verdict,
    )


def where(action: Mapping[str, object]) -> str:
    """'Fostering (team)', 'Children's services (service)' or 'The whole organisation'."""
    if action["scope"] == action_rules.ORGANISATION:
        return "The whole organisation"
    return f"{action['unit']} ({action['scope']})"


def reading(action: Mapping[str, object], result: BeforeAfter) -> str:
    """One plain sentence on what moved, for the table and the board pack (text, not Markdown)."""
    measure = action_rules.MEASURES.get(str(action["measure"]), str(action["measure"])).lower()
    if result.difference is None:
        return f"No before and after yet for {measure}: {result.note}."
    span = f"from {result.wave_before} to {result.wave_after}"
    interval = f"95% interval {result.low:+.2f} to {result.high:+.2f}"
    if action["scope"] == action_rules.ORGANISATION:
        change = f"{measure} changed by {result.difference:+.2f} {span} ({interval})"
    else:
        change = (
            f"{measure} changed by {result.after - result.before:+.2f} {span}, "
            f"{result.difference:+.2f} against the organisation's change of "
            f"{result.organisation_after - result.organisation_before:+.2f} ({interval})"
        )
    if result.verdict == stats.COULD_BE_CHANCE:
        return f"{change[0].upper()}{change[1:]}: this could be chance."
    return f"{change[0].upper()}{change[1:]}: {result.verdict} beyond chance."


def outcomes_table(frame: pd.DataFrame, results: list[BeforeAfter]) -> pd.DataFrame:
    """The actions with their before and after, one row each, for the page and downloads."""
    return pd.DataFrame(
        {
            "Action": frame["what"].astype("str").tolist(),
            "For": [where(row) for row in frame.to_dict("records")],
            "Measure": [action_rules.MEASURES.get(m, m) for m in frame["measure"]],
            "Owner": frame["owner"].astype("str").tolist(),
            "Started": pd.to_datetime(frame["started_on"]).dt.date.tolist(),
            "Review": pd.to_datetime(frame["review_on"]).dt.date.tolist(),
            "Status": frame["status"].astype("str").tolist(),
            "Wave before": [r.wave_before for r in results],
            "Wave after": [r.wave_after for r in results],
            "Before": [r.before for r in results],
            "After": [r.after for r in results],
            "Change against organisation": [r.difference for r in results],
            "95% interval low": [r.low for r in results],
            "95% interval high": [r.high for r in results],
            "Verdict": [r.verdict or r.note for r in results],
        }
    ).astype(
        {
            c: "float64"
            for c in (
                "Before",
                "After",
                "Change against organisation",
                "95% interval low",
                "95% interval high",
            )
        }
    )


def markers(frame: pd.DataFrame, waves: pd.DataFrame) -> pd.DataFrame:
    """Where each action sits on a trend: the first wave opened on or after it started.

    Returns wave (label), label ('A1'...) and text (the action in words) per action
    that has such a wave; ``waves`` holds wave_id, wave and wave_opened_on.
    """
    rows = []
    for action in frame.to_dict("records"):
        _, after_id = waves_around(waves, action["started_on"])
        if after_id is None:
            continue
        label = waves.loc[waves["wave_id"] == after_id, "wave"].iloc[0]
        rows.append(
            {
                "wave": str(label),
                "label": f"A{action['id']}",
                "text": (
                    f"Action A{action['id']} ({where(action)}, started "
                    f"{pd.Timestamp(action['started_on']):%d/%m/%Y}): {action['what']}"
                ),
            }
        )
    return pd.DataFrame(rows, columns=["wave", "label", "text"])


def _for_view(frame: pd.DataFrame, *, measures: list[str], team: str | None) -> pd.DataFrame:
    mine = frame[frame["measure"].isin(measures)]
    wanted = (mine["scope"] == action_rules.ORGANISATION) | (
        (mine["scope"] == action_rules.TEAM) & (mine["unit"] == team)
    )
    return mine[wanted]


def on_trend(
    frame: pd.DataFrame, waves: pd.DataFrame, *, measure: str | list[str], team: str | None
) -> pd.DataFrame:
    """Markers for a trend of ``measure`` (or several): the organisation's actions, and the
    focused team's."""
    measures = [measure] if isinstance(measure, str) else list(measure)
    return markers(_for_view(frame, measures=measures, team=team), waves)


def on_timeline(frame: pd.DataFrame, *, measure: str, team: str | None) -> pd.DataFrame:
    """Markers for a date axis: each action of ``measure`` (the organisation's and the
    focused team's) at its start date, with its label ('A3') and its text."""
    chosen = _for_view(frame, measures=[measure], team=team)
    return pd.DataFrame(
        {
            "started_on": pd.to_datetime(chosen["started_on"]).dt.strftime("%Y-%m-%d").tolist(),
            "label": [f"A{i}" for i in chosen["id"]],
            "text": [
                f"Action A{row['id']} ({where(row)}, started "
                f"{pd.Timestamp(row['started_on']):%d/%m/%Y}): {row['what']}"
                for row in chosen.to_dict("records")
            ],
        },
        columns=["started_on", "label", "text"],
    )
