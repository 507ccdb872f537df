"""The overview's headline tiles and "teams to look at first", from gated query rows.

No Streamlit. The tiles and the list are shared by the overview page and the
board pack, so both say the same thing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass

import duckdb
import pandas as pd

from queries import overview as overview_queries
from queries import settings, survey
from queries import supervision as supervision_queries
from queries.cache import memoised
from wellbeing import privacy, views
from wellbeing.core import stats
from wellbeing.core.measures import HIGH_SCORE_CUTOFF, higher_is_better
from wellbeing.core.reference import NationalFigure, national_figure

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
# Tiles where a rise is good news; for the others a rise is bad news.
RISE_IS_GOOD = frozenset({"high_support_high_challenge", "supervision_compliance"})

# The survey measures of the four views (stress; support and challenge with
# psychological safety; change fatigue with intention to leave), which the
# "look first" list checks team by team. Supervision compliance joins them
# when records are loaded.
LOOK_FIRST_CONSTRUCTS = (
    "stress",
    "support",
    "challenge",
    "psychological_safety",
    "change_fatigue",
    "intention_to_leave",
)
# A team is listed when it is worse than the organisation on at least this many measures.
LOOK_FIRST_MIN_MEASURES = 2
# Teams drawn with their reasons on the Overview; the rest are in its download.
LOOK_FIRST_LISTED = 10

VERDICT_COLUMNS = ["team", "measure", "worse", "reason", "gap"]


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

    @property
    def label(self) -> str:
        return TILE_LABELS[self.code]

    @property
    def from_survey(self) -> bool:
        """Survey tiles count respondents; supervision compliance counts staff in the records."""
        return self.code != "supervision_compliance"

    @property
    def description(self) -> str:
        return TILE_DESCRIPTIONS[self.code]

    @property
    def change(self) -> float | None:
        """Percentage-point change since the previous wave, as a fraction (0.03 = 3 points)."""
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value

    def change_text(self) -> str:
        """'up 3 points since Spring 2026', or why there is no change to show."""
        if self.value is None:
            return ""
        if self.previous_wave is None:
            return "no earlier wave to compare with"
        if self.change is None:
            return f"{self.previous_wave} figure hidden or missing"
        points = round(self.change * 100)
        if points == 0:
            return f"no change since {self.previous_wave}"
        return f"{'up' if points > 0 else 'down'} {abs(points)} points since {self.previous_wave}"

    def value_text(self, k: int) -> str:
        if self.value is None:
            return privacy.status_text(self.status, k) or "not available"
        return f"{self.value:.0%}"

    def national_text(self) -> str:
        if self.national is None:
            return "no national figure"
        return f"national {self.national.share:.0%} ({self.national.citation})"

    def change_is_good(self) -> bool | None:
        if self.change is None or round(self.change * 100) == 0:
            return None
        return (self.change > 0) == (self.code in RISE_IS_GOOD)


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
) -> list[Tile]:
    """The four survey tiles for the filtered scope, each against the previous wave."""
    current = overview_queries.headline_measures(con, filters=filters, rules=rules)
    previous_id, previous_label = previous_wave(survey.waves(con), filters.wave_id)
    previous = (
        overview_queries.headline_measures(
            con, filters=dataclasses.replace(filters, wave_id=previous_id), rules=rules
        ).set_index("measure")
        if previous_id is not None
        else None
    )
    tiles = []
    for row in current.itertuples(index=False):
        earlier = previous.loc[row.measure, "share"] if previous is not None else None
        tiles.append(
            Tile(
                code=row.measure,
                value=_optional_float(row.share),
                respondents=_optional_int(row.respondents),
                status=row.status,
                previous_value=_optional_float(earlier),
                previous_wave=previous_label,
                national=national_figure(row.measure),
            )
        )
    return tiles


def ordered_tiles(tiles: list[Tile]) -> list[Tile]:
    """Tiles in the order the overview shows them."""
    order = {code: position for position, code in enumerate(TILE_LABELS)}
    return sorted(tiles, key=lambda tile: order[tile.code])


def supervision_month(con: duckdb.DuckDBPyConnection, *, wave_id: int | None) -> dt.date | None:
    """The month of records that goes with a survey wave: the last complete month by its close.

    Capped at the records' own latest complete month; None without records or
    when the records do not reach back to that month.
    """
    available = supervision_queries.months(con)
    if not available or wave_id is None:
        return None
    waves = survey.waves(con).set_index("id")
    if wave_id not in waves.index:
        return None
    closed = waves.loc[wave_id, "closed_on"]
    if pd.isna(closed):
        return available[-1]
    month = min(
        supervision_queries.latest_complete_month(pd.Timestamp(closed).date()), available[-1]
    )
    return month if month in available else None


def prepare_supervision_months(
    con: duckdb.DuckDBPyConnection, *, stop: threading.Event | None = None
) -> int:
    """Work out the organisation's compliance for every wave's supervision month now.

    Run in the background with the confidentiality decisions (wellbeing.ui): a
    month's worker-by-worker cadence is the costly part of every supervision
    figure (about 0.1 s at 400 teams), and choosing another wave asks for
    another month. The Supervision page's first view, the records of the
    latest complete month and who is overdue, is worked out too. Returns how
    many wave months were worked out.
    """
    stop = stop or threading.Event()
    rules = settings.rules(con)
    months = []
    for wave_id in reversed(survey.waves(con)["id"].astype("int64").tolist()):
        month = supervision_month(con, wave_id=int(wave_id))
        if month is not None and month not in months:
            months.append(month)
    for month in months:
        if stop.is_set():
            break
        supervision_queries.compliance_for_organisation(con, month=month, rules=rules)
    latest = supervision_queries.months(con)
    if latest and not stop.is_set():
        supervision_queries.sessions(con, month_from=latest[-1], month_to=latest[-1], rules=rules)
        supervision_queries.overdue_by_team(con, rules=rules)
    return len(months)


def _compliance_share(
    con: duckdb.DuckDBPyConnection, *, month: dt.date, filters: survey.Filters, rules: privacy.Rules
) -> tuple[float | None, int | None, str]:
    row = supervision_queries.compliance_for_organisation(
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
    month = supervision_month(con, wave_id=filters.wave_id)
    if month is None:
        return None
    value, staff, status = _compliance_share(con, month=month, filters=filters, rules=rules)
    previous_id, _ = previous_wave(survey.waves(con), filters.wave_id)
    previous_month = supervision_month(con, wave_id=previous_id) if previous_id else None
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
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> list[Tile]:
    """Every headline tile for the filtered scope, in display order."""
    tiles = survey_tiles(con, filters=filters, rules=rules)
    compliance = supervision_tile(con, filters=filters, rules=rules)
    if compliance is not None:
        tiles.append(compliance)
    return ordered_tiles(tiles)


def supervision_figures(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> tuple[pd.DataFrame, views.OrganisationFigure, dt.date | None]:
    """Compliance by team (``views.team_figures`` rows) for the wave's month, and the whole."""
    month = supervision_month(con, wave_id=filters.wave_id)
    if month is None:
        return pd.DataFrame(columns=views.TEAM_FIGURE_COLUMNS), views.NO_ORGANISATION_DATA, None
    teams = supervision_queries.compliance_by_team(
        con, month=month, service=filters.service, team=filters.team, rules=rules
    ).rename(columns={"staff_due": "respondents"})
    whole = supervision_queries.compliance_for_organisation(con, month=month, rules=rules).rename(
        columns={"staff_due": "respondents"}
    )
    org = views.organisation_figure(whole, value="compliance", kind=views.SHARE)
    if teams.empty:
        return pd.DataFrame(columns=views.TEAM_FIGURE_COLUMNS), org, month
    figures = views.team_figures(teams, value="compliance", kind=views.SHARE, organisation=org)
    return figures, org, month


def supervision_verdicts(
    figures: pd.DataFrame, organisation: views.OrganisationFigure
) -> pd.DataFrame:
    """Teams against the organisation on supervision compliance, in ``construct_verdicts`` shape."""
    shown = figures[figures["status"] == privacy.SHOWN]
    if shown.empty or not organisation.shown:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    worse = shown["verdict"] == stats.LOWER
    return pd.DataFrame(
        {
            "team": shown["team"].to_numpy(),
            "measure": TILE_LABELS["supervision_compliance"],
            "worse": worse.to_numpy(),
            "reason": [
                f"Supervision compliance {value:.0%} against the organisation's "
                f"{organisation.value:.0%} (lower, 95% interval {low:.0%}\u2013{high:.0%}, "
                f"{int(n)} social workers due)"
                for value, low, high, n in zip(
                    shown["value"], shown["low"], shown["high"], shown["respondents"], strict=True
                )
            ],
            # On the same footing as a 1-5 gap: 5 points of compliance weigh like 0.25.
            "gap": ((organisation.value - shown["value"]) * 5 * worse).to_numpy(),
        }
    )[VERDICT_COLUMNS]


def construct_verdicts(
    scores: pd.DataFrame,
    organisation: pd.DataFrame,
    constructs: pd.DataFrame,
    *,
    instrument: str = "default",
    measures: tuple[str, ...] = LOOK_FIRST_CONSTRUCTS,
) -> pd.DataFrame:
    """Each team against the organisation on each measure, by the four views' flag rule.

    Args:
        scores: gated rows from ``queries.survey.construct_by_team``.
        organisation: gated rows from ``queries.survey.construct_for_organisation``.
        constructs: code and name of the instrument's constructs.

    Returns one row per shown team and measure: team, measure (its name),
    worse (bool), reason (a sentence fragment with both figures) and gap
    (how far worse, on the 1-5 scale; 0 when not worse).
    """
    names = dict(zip(constructs["code"], constructs["name"], strict=True))
    pieces = []
    for code in measures:
        rows = scores[scores["construct"] == code]
        org_rows = organisation[organisation["construct"] == code]
        if rows.empty:
            continue
        org = views.organisation_figure(org_rows, value="mean_score", kind=views.SCORE, sd="sd")
        figures = views.team_figures(
            rows, value="mean_score", kind=views.SCORE, organisation=org, sd="sd"
        )
        figures = figures[figures["status"] == privacy.SHOWN]
        if figures.empty or not org.shown:
            continue
        bad_verdict = stats.LOWER if higher_is_better(instrument, code) else stats.HIGHER
        worse = figures["verdict"] == bad_verdict
        direction = "lower" if bad_verdict == stats.LOWER else "higher"
        pieces.append(
            pd.DataFrame(
                {
                    "team": figures["team"],
                    "measure": names.get(code, code),
                    "worse": worse.to_numpy(),
                    "reason": [
                        f"{names.get(code, code)} {value:.2f} against the organisation's "
                        f"{org.value:.2f} ({direction}, 95% interval {low:.2f}\u2013{high:.2f}, "
                        f"{int(n)} respondents)"
                        for value, low, high, n in zip(
                            figures["value"],
                            figures["low"],
                            figures["high"],
                            figures["respondents"],
                            strict=True,
                        )
                    ],
                    "gap": ((figures["value"] - org.value).abs() * worse).to_numpy(),
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    return pd.concat(pieces, ignore_index=True)[VERDICT_COLUMNS]


def teams_to_look_at_first(
    verdicts: pd.DataFrame,
    *,
    hierarchy: pd.DataFrame | None = None,
    min_measures: int = LOOK_FIRST_MIN_MEASURES,
) -> pd.DataFrame:
    """Teams worse than the organisation on ``min_measures`` or more measures, with reasons.

    Args:
        verdicts: rows from :func:`construct_verdicts` (and any other measure in
            the same shape, e.g. supervision compliance).
        hierarchy: team and service, to name each team's service.

    Returns team, service, measures_worse, measures (names, "; "-joined) and
    reasons (list of sentences), most measures first, then the largest total gap.
    """
    columns = ["team", "service", "measures_worse", "measures", "reasons"]
    worse = verdicts[verdicts["worse"].astype(bool)]
    if worse.empty:
        return pd.DataFrame(columns=columns)
    grouped = (
        worse.sort_values("gap", ascending=False)
        .groupby("team", sort=False)
        .agg(
            measures_worse=("measure", "count"),
            measures=("measure", "; ".join),
            reasons=("reason", list),
            total_gap=("gap", "sum"),
        )
        .reset_index()
    )
    listed = grouped[grouped["measures_worse"] >= min_measures]
    listed = listed.sort_values(
        ["measures_worse", "total_gap", "team"], ascending=[False, False, True]
    )
    services = (
        dict(zip(hierarchy["team"], hierarchy["service"], strict=True))
        if hierarchy is not None
        else {}
    )
    listed = listed.assign(service=listed["team"].map(services))
    return listed[columns].reset_index(drop=True)


def look_first_reading(listed: pd.DataFrame, *, teams_compared: int) -> str:
    """One sentence naming the teams to look at first."""
    if listed.empty:
        return (
            f"None of the {teams_compared} teams shown is worse than the organisation on "
            f"{LOOK_FIRST_MIN_MEASURES} or more measures beyond chance."
        )
    names = [
        f"{row.team} ({row.measures_worse}: {row.measures.lower()})"
        for row in listed.head(3).itertuples(index=False)
    ]
    more = f", and {len(listed) - 3} more" if len(listed) > 3 else ""
    return (
        f"{len(listed)} of {teams_compared} teams shown are worse than the organisation on "
        f"{LOOK_FIRST_MIN_MEASURES} or more measures beyond chance: "
        + "; ".join(names)
        + more
        + "."
    )


@memoised
def look_first_verdicts(
    con: duckdb.DuckDBPyConnection, *, filters: survey.Filters, rules: privacy.Rules
) -> pd.DataFrame:
    """Every team's verdicts on the four views' survey measures and, with records, supervision.

    Kept per data version and filters: every team's intervals on every measure
    cost more than the queries behind them.
    """
    scores = survey.construct_by_team(con, filters=filters, rules=rules)
    organisation = survey.construct_for_organisation(con, filters=filters, rules=rules)
    survey_verdicts = construct_verdicts(scores, organisation, survey.constructs(con))
    figures, org, _ = supervision_figures(con, filters=filters, rules=rules)
    records = supervision_verdicts(figures, org)
    pieces = [frame for frame in (survey_verdicts, records) if not frame.empty]
    if not pieces:
        return pd.DataFrame(columns=VERDICT_COLUMNS)
    return pd.concat(pieces, ignore_index=True)
