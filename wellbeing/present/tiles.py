"""The headline tiles: a share of staff per measure, its change since the last wave, a benchmark.

No Streamlit. Shared by the Overview page and the board pack, so both say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import decisions, overview, supervision, survey
from queries.cache import memoised
from wellbeing import privacy
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reference import NationalFigure, national_figure
from wellbeing.present import words

TILE_LABELS = {
    "high_stress": "High stress",
    "high_support_high_challenge": "High support and high challenge",
    "supervision_compliance": "Supervision compliance",
    "high_change_fatigue": "High change fatigue",
    "high_intention_to_leave": "High intention to leave",
}
TILE_DESCRIPTIONS = {
    "high_stress": f"share of respondents with a stress score of {HIGH_SCORE_CUTOFF:.0f} or more",
    "high_support_high_challenge": (
        f"share scoring {HIGH_SCORE_CUTOFF:.0f} or more on both support and challenge"
    ),
    "supervision_compliance": "share of social workers supervised as often as Standard 5 asks",
    "high_change_fatigue": (
        f"share of respondents with a change fatigue score of {HIGH_SCORE_CUTOFF:.0f} or more"
    ),
    "high_intention_to_leave": (
        f"share of respondents with an intention to leave score of {HIGH_SCORE_CUTOFF:.0f} or more"
    ),
}
# A tile's change while the previous wave is being decided (the page looks again).
STILL_BEING_CHECKED = "still being checked"
# Tiles where a rise is good news; for the others a rise is bad news.
RISE_IS_GOOD = frozenset({"high_support_high_challenge", "supervision_compliance"})


@dataclass(frozen=True)
class Tile:
    """One headline figure: a share of staff, its change since the last wave and a benchmark."""

    code: str
    value: float | None
    respondents: int | None
    status: str
    previous_value: float | None = None
    previous_wave: str | None = None
    national: NationalFigure | None = None
    basis: str = "survey respondents"
    # One of HR's own measures: its name, its "high" cut-off and which way is better.
    own_name: str | None = None
    own_cutoff: float | None = None
    own_higher_is_better: bool = True
    # The previous wave's figure is still being decided (the page looks again).
    previous_pending: bool = False

    @property
    def label(self) -> str:
        return self.own_name if self.own_name is not None else TILE_LABELS[self.code]

    @property
    def rise_is_good(self) -> bool:
        """Whether a rise in this tile's share is good news (coloured so on the Overview)."""
        if self.own_name is not None:
            return self.own_higher_is_better
        return self.code in RISE_IS_GOOD

    @property
    def from_survey(self) -> bool:
        """Survey tiles count respondents; supervision compliance counts staff in the records."""
        return self.code != "supervision_compliance"

    @property
    def description(self) -> str:
        if self.own_name is not None:
            return (
                f"share of respondents scoring {self.own_cutoff:g} or more on "
                f"{self.own_name} (a measure of the council's own)"
            )
        return TILE_DESCRIPTIONS[self.code]

    @property
    def change(self) -> float | None:
        """Percentage-point change since the previous wave, as a fraction (0.03 = 3 points)."""
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    def change_text(self) -> str:
        """'up 3 points since Spring 2026' ('up 1 point'), or why there is no change to show."""
        if self.value is None:
            return ""
        if self.previous_wave is None:
            return "no earlier wave to compare with"
        if self.previous_pending:
            return f"{self.previous_wave} figure {STILL_BEING_CHECKED}"
        if self.change is None:
            return f"{self.previous_wave} figure hidden or missing"
        return words.points_since(round(self.change * 100), self.previous_wave)

    def value_text(self, k: int) -> str:
        if self.value is None:
            return privacy.status_text(self.status, k) or "not available"
        return f"{self.value:.0%}"

    def national_text(self) -> str:
        if self.national is None:
            return "no national figure"
        return f"national {self.national.share:.0%} ({self.national.citation})"


def _optional_float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _optional_int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def previous_wave(waves: pd.DataFrame, wave_id: int | None) -> tuple[int | None, str | None]:
    """The wave before ``wave_id`` in the waves frame (oldest first), or (None, None)."""
    ids = [int(value) for value in waves["id"]]
    if wave_id not in ids:
        return None, None
    position = ids.index(wave_id)
    if position == 0:
        return None, None
    row = waves.iloc[position - 1]
    return int(row["id"]), str(row["label"])


def survey_tiles(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: survey.Filters,
    rules: privacy.Rules,
    compare: bool = True,
) -> list[Tile]:
    """The four survey tiles for the filtered scope, each against the previous wave
    (unless not ``compare``: that wave is still being decided)."""
    previous_id, previous_label = previous_wave(survey.waves(con), filters.wave_id)
    compared = [w for w in (filters.wave_id, previous_id if compare else None) if w is not None]
    breakdowns = survey.breaks_down(filters, ())
    decisions.begin_deciding(con, wave_ids=compared, rules=rules, breakdowns=breakdowns)
    current = overview.headline_measures(con, filters=filters, rules=rules)
    previous = (
        overview.headline_measures(
            con, filters=dataclasses.replace(filters, wave_id=previous_id), rules=rules
        ).set_index("measure")
        if previous_id is not None and compare
        else None
    )
    own = survey.constructs(con).set_index("code")
    tiles = []
    for row in current.itertuples(index=False):
        earlier = (
            previous.loc[row.measure, "share"]
            if previous is not None and row.measure in previous.index
            else None
        )
        code = row.measure.removeprefix(overview.OWN_PREFIX)
        mine = row.measure.startswith(overview.OWN_PREFIX) and code in own.index
        tiles.append(
            Tile(
                code=row.measure,
                value=_optional_float(row.share),
                respondents=_optional_int(row.respondents),
                status=row.status,
                previous_value=_optional_float(earlier),
                previous_wave=previous_label,
                previous_pending=previous_id is not None and not compare,
                national=national_figure(row.measure),
                own_name=str(own.loc[code, "name"]) if mine else None,
                own_cutoff=float(own.loc[code, "high_cutoff"]) if mine else None,
                own_higher_is_better=bool(own.loc[code, "higher_is_better"]) if mine else True,
            )
        )
    return tiles


def ordered_tiles(tiles: list[Tile]) -> list[Tile]:
    """Tiles in the order the overview shows them."""
    order = {code: position for position, code in enumerate(TILE_LABELS)}
    # HR's own measures follow the built-in tiles, in the order they were made.
    return sorted(tiles, key=lambda tile: order.get(tile.code, len(order)))


def _compliance_share(
    con: duckdb.DuckDBPyConnection, *, month: dt.date, filters: survey.Filters, rules: privacy.Rules
) -> tuple[float | None, int | None, str]:
    row = supervision.compliance_for_organisation(
        con, month=month, service=filters.service, team=filters.team, rules=rules
    )
    if row.empty:
        return None, None, privacy.NO_DATA
    return (
        _optional_float(row["compliance"].iloc[0]),
        _optional_int(row["staff_due"].iloc[0]),
        str(row["status"].iloc[0]),
    )


def supervision_tile(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> Tile | None:
    """Supervision compliance from the records, for the month that goes with the wave.

    None when no supervision records cover that month. The change is against
    the month that went with the previous wave.
    """
    month = supervision.supervision_month(con, wave_id=filters.wave_id)
    if month is None:
        return None
    value, staff, status = _compliance_share(con, month=month, filters=filters, rules=rules)
    previous_id, _ = previous_wave(survey.waves(con), filters.wave_id)
    previous_month = (
        supervision.supervision_month(con, wave_id=previous_id) if previous_id else None
    )
    previous_value = None
    if previous_month is not None and previous_month != month:
        previous_value, _, _ = _compliance_share(
            con, month=previous_month, filters=filters, rules=rules
        )
    return Tile(
        code="supervision_compliance",
        value=value,
        respondents=staff,
        status=status,
        previous_value=previous_value,
        previous_wave=f"{previous_month:%B %Y}"
        if previous_month and previous_month != month
        else None,
        national=national_figure("supervision_compliance"),
        basis=f"social workers due supervision in {month:%B %Y} (records)",
    )


@memoised
def headline_tiles(
    con: duckdb.DuckDBPyConnection,
    *,
    filters: survey.Filters,
    rules: privacy.Rules,
    compare: bool = True,
) -> list[Tile]:
    """Every headline tile for the filtered scope, in display order; the survey tiles'
    change since the previous wave only with ``compare``."""
    tiles = survey_tiles(con, filters=filters, rules=rules, compare=compare)
    compliance = supervision_tile(con, filters=filters, rules=rules)
    if compliance is not None:
        tiles.append(compliance)
    return ordered_tiles(tiles)


def headline_tiles_at_hand(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> tuple[list[Tile], decisions.NotDecidedYet | None]:
    """The headline tiles once the wave's own figures are decided, and what they still wait
    for: the previous wave (their change is against it) is begun only then, and while it
    is being decided in the background the tiles are shown without their change and the
    page looks again for it. A leader's first visit to a wave of 100,000 respondents
    waited 0.3-0.6 s more for the wave before's, and the two decisions shared the cores.
    Raises NotDecidedYet while the wave itself is being decided."""
    breakdowns = survey.breaks_down(filters, ())
    decisions.begin_deciding(con, wave_ids=[filters.wave_id], rules=rules, breakdowns=breakdowns)
    previous_id, _ = previous_wave(survey.waves(con), filters.wave_id)
    waiting = decisions.still_being_decided(
        con,
        wave_ids=[] if previous_id is None else [previous_id],
        rules=rules,
        breakdowns=breakdowns,
    )
    if waiting:
        tiles = headline_tiles(con, filters=filters, rules=rules, compare=False)
        return tiles, waiting[previous_id]
    return headline_tiles(con, filters=filters, rules=rules), None
