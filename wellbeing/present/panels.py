"""Page sections as plain values: what a section says, draws, tabulates and notes.

A :class:`Panel` is one section of a page: its one-sentence reading, its chart,
the same figures as a table, its notes, and the names of its downloads. The
builders here take gated query rows and return a Panel; ``wellbeing.ui.panel``
draws it (reading, chart, "Show as table", notes, PNG/CSV/XLSX downloads). So a
page is a short layout of builders, and a section can be tested as a function,
without Streamlit. No Streamlit, no queries.

Example:
    scope = Scope(wave="Autumn 2026", covers="the organisation", k=5)
    panel = team_panel(rows, organisation_rows, value="share_high", kind=SHARE,
                       title="High stress by team", what="the share with high stress",
                       axis_title="Share with high stress (95% interval)",
                       key="stress_share_high", scope=scope)
    panel.reading, panel.figure, panel.table.frame, panel.file_stem
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.core import stats
from wellbeing.core.reference import NationalFigure
from wellbeing.present import charts, exports, readings, tables, words
from wellbeing.present.figures import (
    QUADRANTS,
    SCORE,
    SHARE,
    NationalRow,
    OrganisationFigure,
    national_rows_frame,
    organisation_figure,
    team_figures,
)
from wellbeing.present.supervision_tables import SESSIONS_LONG_ENOUGH
from wellbeing.present.tables import Table


@dataclass(frozen=True)
class Scope:
    """Whose figures a panel shows: the wave, who they cover, and the threshold in force."""

    wave: str
    covers: str = "the organisation"
    k: int = privacy.DEFAULT_MIN_GROUP_SIZE
    source: str = "staff survey"

    @classmethod
    def of(
        cls,
        wave: str,
        *,
        k: int,
        service: str | None = None,
        team: str | None = None,
        subgroup: str | None = None,
    ) -> Scope:
        """The scope the shared filters choose: a team, a service or the organisation."""
        covers = team or service or "the organisation"
        if subgroup:
            covers = f"{covers}, {subgroup}"
        return cls(wave=wave, covers=covers, k=k)

    def records(self, month: str) -> Scope:
        """The same scope for figures from supervision records of one month."""
        return Scope(wave=month, covers=self.covers, k=self.k, source="supervision records")

    def file_stem(self, title: str) -> str:
        """``<measure>-<scope>-<wave>``, e.g. high-stress-by-team-organisation-autumn-2026."""
        covers = self.covers.removeprefix("the ")
        return "-".join(exports.file_stem(part) for part in (title, covers, self.wave))

    @property
    def source_line(self) -> str:
        """What an image says it is: "Source: staff survey, Autumn 2026; the organisation"."""
        return f"Source: {self.source}, {self.wave}; {self.covers}."


@dataclass(frozen=True)
class Panel:
    """One section of a page: reading, chart, table, notes, and its downloads' names."""

    key: str
    title: str
    reading: str
    scope: Scope
    figure: go.Figure | None = None
    table: Table | None = None
    notes: tuple[str, ...] = ()
    # Team marks focus the page on the team when clicked (the team filter does it by keyboard).
    clickable: bool = True
    heading: bool = True

    @property
    def file_stem(self) -> str:
        """``<measure>-<scope>-<wave>`` (:meth:`Scope.file_stem`)."""
        return self.scope.file_stem(self.title)

    @property
    def alt(self) -> str:
        """A short description of the chart for screen readers (the reading says the rest)."""
        return (
            f"Chart: {self.title}, {self.scope.wave}, {self.scope.covers}. Its reading is "
            "above it and its figures are in the table below it."
        )


HIDDEN_NOTE_TAIL = "hover a grey row or cell, or open the table, for why."


def hidden_note(k: int, *, on_paper: bool = False) -> str:
    """The note under any chart of survey figures: what the two kinds of hidden group mean."""
    tail = "each says why in words." if on_paper else HIDDEN_NOTE_TAIL
    return (
        f"Groups with fewer than {k} respondents show no score or count "
        f"(\u201c{privacy.status_text(privacy.BELOW_K, k)}\u201d); others may be "
        f"\u201c{privacy.status_text(privacy.PROTECTS_SMALLER, k)}\u201d so that totals cannot "
        f"be used to work them out. Hidden groups are grey: {tail}"
    )


def combine_note(rows: pd.DataFrame, *, combining: bool) -> str:
    """When small teams are to be combined: whether any could be, or why nothing changed."""
    if not combining:
        return ""
    pooled = rows["pooled"].astype(bool) if "pooled" in rows.columns else pd.Series(dtype=bool)
    if pooled.any():
        n = int(rows.loc[pooled, "team"].nunique())
        return (
            f"Small teams are combined into their service: {words.count(n, 'row')} "
            "\u201cOther teams in \u2026\u201d."
        )
    return (
        "Combine small teams is on, but nothing here could be combined: every team is shown, or "
        "a service's small teams together would still be too few, or would reveal one of them."
    )


# --- Every team against the organisation ------------------------------------------------


def team_panel(
    rows: pd.DataFrame,
    organisation_rows: pd.DataFrame,
    *,
    value: str,
    kind: str,
    title: str,
    what: str,
    axis_title: str,
    key: str,
    scope: Scope,
    sd: str | None = None,
    worse: str = stats.HIGHER,
    national: NationalFigure | None = None,
    count: str = "respondents",
    count_label: str = "respondents",
    group: str = "team",
    notes: tuple[str, ...] = (),
    compared: bool = True,
    heading: bool = True,
    clickable: bool = True,
    reading: Callable[[pd.DataFrame, OrganisationFigure], str] | None = None,
    scale: tuple[float, float] = (1.0, 5.0),
) -> Panel:
    """Every team's figure against the organisation's: reading, dot chart, table.

    Args:
        rows: gated rows, one per team, with ``value``, ``count`` and ``status``.
        organisation_rows: the organisation's gated row (none when it has none).
        what: the measure as it reads after "for", e.g. "the share with high stress".
        worse: which way is bad ("higher" for stress, "lower" for support).
        count: the column counting who is behind each figure (staff due, for records).
        reading: a reading of its own from the team figures and the organisation's
            (``readings.team_reading`` otherwise).
        scale: a score's whole scale (1-5, or what HR set for a measure of their own).
    """
    rows = rows.assign(respondents=rows[count]) if count != "respondents" else rows
    organisation_rows = (
        organisation_rows.assign(respondents=organisation_rows[count])
        if count != "respondents" and not organisation_rows.empty
        else organisation_rows
    )
    org = organisation_figure(organisation_rows, value=value, kind=kind, sd=sd)
    figures = team_figures(rows, value=value, kind=kind, organisation=org, sd=sd)
    sentence = (
        reading(figures, org)
        if reading is not None
        else readings.team_reading(
            figures,
            what=what,
            kind=kind,
            organisation=org,
            worse=worse,
            noun=group,
            protects="respondents" if count == "respondents" else "staff",
        )
    )
    figure = charts.team_intervals(
        figures,
        kind=kind,
        k=scope.k,
        organisation=org.value if compared else None,
        national=national,
        worse=worse,
        count_label=count_label,
        axis_title=axis_title,
        scale=scale,
    )
    table = tables.team_table(
        figures,
        measure=axis_title.split(" (")[0],
        kind=kind,
        k=scope.k,
        group=group.capitalize(),
        count_label=count_label.capitalize(),
        compared=compared,
    )
    if national is not None:
        notes = (
            *notes,
            f"The dotted line is the national figure, {national.share:.0%}: "
            f"{national.figure} ({national.citation}).",
        )
    return Panel(
        key, title, sentence, scope, figure, table, notes, clickable=clickable, heading=heading
    )


def trend_panel(
    organisation: pd.DataFrame,
    *,
    title: str,
    what: str,
    kind: str,
    axis_title: str,
    key: str,
    scope: Scope,
    team: str | None = None,
    team_trend: pd.DataFrame | None = None,
    x_title: str = "Survey wave",
    notes: tuple[str, ...] = (),
    heading: bool = True,
    breaks: tuple[tuple[str, str], ...] = (),
    scale: tuple[float, float] | None = None,
    actions: pd.DataFrame | None = None,
) -> Panel:
    """The organisation's figure wave by wave (and a focused team's), with 95% intervals.

    Args:
        organisation, team_trend: ``figures.trend`` rows.
        breaks: (wave, why) where the measure's questions changed
            (``present.measures.trend_breaks``): marked on the chart and said in a note.
        scale: a score's whole scale when it is not 1-5 (HR's own measures).
        actions: ``present.action_outcomes.on_trend`` rows: labelled triangles on the
            chart, each listed in words in a note.
    """
    reading = readings.trend_reading(
        organisation, what=what, kind=kind, team=team, team_trend=team_trend
    )
    figure = charts.trend_lines(
        organisation,
        kind=kind,
        axis_title=axis_title,
        team=team,
        team_trend=team_trend,
        x_title=x_title,
        breaks=tuple(breaks),
        value_range=scale,
        actions=actions,
    )
    lead = "Triangles mark action plans, above the first wave after each started:"
    notes = (*notes, *_action_notes(actions, lead))
    if breaks:
        notes = (
            *notes,
            "Questions changed: "
            + " ".join(f"{why}." for _, why in breaks)
            + " Waves either side of a dashed line are not measured alike.",
        )
    pieces = [organisation.assign(who="Organisation")]
    if team is not None and team_trend is not None:
        pieces.append(team_trend.assign(who=team))
    table = tables.gated_table(
        pd.concat(pieces, ignore_index=True),
        columns={
            "who": ("Who", tables.TEXT),
            "wave": (x_title, tables.TEXT),
            "value": (axis_title, kind),
            "low": ("95% interval from", kind),
            "high": ("95% interval to", kind),
            "respondents": ("Respondents" if x_title == "Survey wave" else "Staff", tables.COUNT),
        },
        k=scope.k,
    )
    return Panel(key, title, reading, scope, figure, table, notes, clickable=False, heading=heading)


def heatmap_panel(
    scores: pd.DataFrame,
    constructs: pd.DataFrame,
    organisation: pd.DataFrame,
    *,
    title: str,
    key: str,
    scope: Scope,
    instrument: str = "default",
    group: str = "team",
    reading: str | None = None,
    notes: tuple[str, ...] = (),
) -> Panel:
    """Every measure by team (or group): each cell against the organisation.

    Args:
        scores: gated rows with team, construct, mean_score, sd, respondents, status.
        organisation: the organisation's gated rows (construct, mean_score).
    """
    org_means = organisation.set_index("construct")["mean_score"]
    present = constructs[constructs["code"].isin(scores["construct"])]
    figure = (
        charts.hse_heatmap(scores, present, org_means, k=scope.k)
        if instrument == "hse"
        else charts.construct_heatmap(scores, present, org_means, k=scope.k)
    )
    if reading is None:
        reading = readings.heatmap_reading(scores, noun=group)
    table = tables.heatmap_table(scores, present, org_means, k=scope.k, group=group.capitalize())
    return Panel(key, title, reading, scope, figure, table, notes, clickable=False)


def national_panel(
    rows: list[NationalRow], *, title: str, key: str, scope: Scope, heading: bool = True
) -> Panel:
    """The organisation's shares beside their national figures."""
    frame = national_rows_frame(rows)
    table = tables.plain_table(
        frame,
        columns={
            "measure": ("Measure", tables.TEXT),
            "value": ("Organisation", tables.SHARE),
            "low": ("95% interval from", tables.SHARE),
            "high": ("95% interval to", tables.SHARE),
            "respondents": ("Respondents", tables.COUNT),
            "national": ("National figure", tables.SHARE),
            "national_citation": ("National source", tables.TEXT),
        },
    )
    return Panel(
        key,
        title,
        readings.national_reading(rows),
        scope,
        charts.against_national(frame),
        table,
        ("Hover a national marker for its source and year; the table lists them.",),
        clickable=False,
        heading=heading,
    )


# --- Support and challenge --------------------------------------------------------------

QUADRANT_COLUMNS = {column: (label, tables.SHARE) for column, label in QUADRANTS.items()}


def support_challenge_panel(
    teams: pd.DataFrame,
    organisation: pd.Series | None,
    *,
    cutoff: float,
    key: str,
    scope: Scope,
) -> Panel:
    """Each team's mean support against its mean challenge, with the "high" cut-off."""
    table = tables.gated_table(
        teams,
        columns={
            "team": ("Team", tables.TEXT),
            "mean_support": ("Mean support (1-5)", tables.SCORE),
            "mean_challenge": ("Mean challenge (1-5)", tables.SCORE),
            "respondents": ("Respondents", tables.COUNT),
        },
        k=scope.k,
    )
    return Panel(
        key,
        "Support against challenge, team by team",
        readings.quadrant_reading(teams, cutoff=cutoff),
        scope,
        charts.support_challenge_scatter(
            teams, cutoff=cutoff, k=scope.k, organisation=organisation
        ),
        table,
        (
            "Each point is a team's mean support and mean challenge among staff who answered "
            "both, sized by respondents. The dashed lines mark "
            f"{cutoff:g}, agreeing on average (3 is neutral): a team under a line falls short "
            "of agreeing, which is not the same as a low score. Names that would overlap are "
            "on hover and in the table.",
            hidden_note(scope.k),
        ),
    )


def quadrant_panel(
    teams: pd.DataFrame, organisation: pd.Series | None, *, key: str, scope: Scope
) -> Panel:
    """The share of each team's staff in each support and challenge quadrant."""
    rows = teams
    if organisation is not None:
        rows = pd.concat(
            [organisation.to_frame().T.assign(team="Organisation"), teams], ignore_index=True
        )
    table = tables.gated_table(
        rows,
        columns={
            "team": ("Team", tables.TEXT),
            **QUADRANT_COLUMNS,
            "respondents": ("Respondents", tables.COUNT),
        },
        k=scope.k,
    )
    return Panel(
        key,
        "Share of staff in each quadrant",
        readings.quadrant_shares_reading(teams, organisation),
        scope,
        charts.quadrant_bars(teams, k=scope.k, organisation=organisation),
        table,
        (
            "Each respondent is placed by their own support and challenge scores: high is "
            "4 or more. Hover a bar for the team's respondents.",
        ),
    )


# --- Supervision against the survey, change, response -----------------------------------


def scatter_panel(
    points: pd.DataFrame,
    *,
    title: str,
    reading: str,
    x_title: str,
    y_title: str,
    x_kind: str,
    y_kind: str,
    x_count: str,
    y_count: str,
    key: str,
    scope: Scope,
    notes: tuple[str, ...] = (),
) -> Panel:
    """One point per team: two figures set against each other (records and survey)."""
    table = tables.plain_table(
        points,
        columns={
            "team": ("Team", tables.TEXT),
            "x": (x_title, x_kind),
            "x_count": (x_count, tables.COUNT),
            "y": (y_title, y_kind),
            "y_count": (y_count, tables.COUNT),
        },
    )
    figure = charts.team_scatter(
        points, x="x", y="y", x_title=x_title, y_title=y_title, x_kind=x_kind, y_kind=y_kind
    )
    return Panel(key, title, reading, scope, figure, table, notes, heading=False)


def reported_panel(
    frame: pd.DataFrame,
    *,
    title: str,
    reading: str,
    reported_label: str,
    recorded_label: str,
    key: str,
    scope: Scope,
) -> Panel:
    """Per team, what staff report in the survey beside what the records show."""
    table = tables.plain_table(
        frame,
        columns={
            "team": ("Team", tables.TEXT),
            "reported": (reported_label, tables.SHARE),
            "reported_n": ("Respondents", tables.COUNT),
            "recorded": (recorded_label, tables.SHARE),
            "recorded_n": ("Staff", tables.COUNT),
        },
    )
    figure = charts.reported_against_records(
        frame, reported_label=reported_label, recorded_label=recorded_label, k=scope.k
    )
    return Panel(key, title, reading, scope, figure, table, heading=False)


def timeline_panel(
    teams: pd.DataFrame,
    organisation_trend: pd.DataFrame,
    events: pd.DataFrame,
    *,
    reading: str,
    axis_title: str,
    focus: str | None,
    key: str,
    scope: Scope,
    actions: pd.DataFrame | None = None,
) -> Panel:
    """Team scores wave by wave on a date axis, with the change log on the same timeline.

    ``actions``: ``present.action_outcomes.on_timeline`` rows, labelled stars at their
    start dates, each listed in words in a note.
    """
    table = tables.plain_table(
        events.sort_values("started_on"),
        columns={
            "started_on": ("Date", tables.DATE),
            "title": ("Change", tables.TEXT),
            "kind": ("Kind", tables.TEXT),
            "team": ("Team (blank: organisation-wide)", tables.TEXT),
        },
    )
    return Panel(
        key,
        "Across waves, with the change log",
        reading,
        scope,
        charts.change_timeline(
            teams, organisation_trend, events, focus=focus, axis_title=axis_title, actions=actions
        ),
        table,
        (
            "Each grey line is a team's score wave by wave, the organisation's is black and a "
            "focused team's green; triangles and dashed lines mark organisation-wide changes, "
            "dotted lines a team's own. The table lists the changes.",
            *_action_notes(actions, "Labelled stars mark action plans on change fatigue:"),
        ),
    )


def _action_notes(actions: pd.DataFrame | None, lead: str) -> tuple[str, ...]:
    """A chart's action plans in words: a lead sentence, then one note per action."""
    if actions is None or actions.empty:
        return ()
    return (lead, *actions["text"].tolist())


def events_panel(
    points: pd.DataFrame, *, axis_title: str, window_months: int, key: str, scope: Scope
) -> Panel:
    """Change events before each wave against the team's score in that wave."""
    reading = readings.correlation_reading(
        points,
        x="change_events",
        y="mean_score",
        x_what=f"change events in the {window_months} months before a wave",
        y_what="change fatigue",
        unit="team-wave",
    )
    table = tables.plain_table(
        points,
        columns={
            "team": ("Team", tables.TEXT),
            "wave": ("Survey wave", tables.TEXT),
            "change_events": (f"Change events in the {window_months} months before", tables.COUNT),
            "mean_score": (axis_title, tables.SCORE),
            "respondents": ("Respondents", tables.COUNT),
        },
    )
    return Panel(
        key,
        "Change events before each wave",
        reading,
        scope,
        charts.events_against_score(points, axis_title=axis_title, window_months=window_months),
        table,
        ("One point per team and wave: the team's own change events plus organisation-wide ones.",),
    )


def response_rate_panel(
    rates: pd.DataFrame, *, low_rate: float, key: str, scope: Scope, notes: tuple[str, ...] = ()
) -> Panel:
    """Respondents against staff in post, team by team, with the low-response line."""
    table = tables.gated_table(
        rates,
        columns={
            "team": ("Team", tables.TEXT),
            "response_rate": ("Response rate", tables.SHARE),
            "respondents": ("Respondents", tables.COUNT),
            "headcount": ("Staff in post", tables.COUNT),
            "low_response": (f"Under {low_rate:.0%}", tables.TEXT),
        },
        k=scope.k,
    )
    table.frame[f"Under {low_rate:.0%}"] = [
        "yes" if flag else "" for flag in rates["low_response"].astype(bool)
    ]
    return Panel(
        key,
        "Response rates by team",
        readings.response_rate_reading(rates, low_rate=low_rate),
        scope,
        charts.response_rate_bars(rates, k=scope.k, low_rate=low_rate),
        table,
        notes,
        heading=False,
    )


def profile_panel(
    profile: pd.DataFrame, *, names: dict[str, str], reading: str, key: str, scope: Scope
) -> Panel:
    """Who responded: each group's share of respondents, attribute by attribute."""
    labelled = profile.assign(attribute=profile["attribute"].map(lambda a: names.get(a, a)))
    table = tables.gated_table(
        labelled,
        columns={
            "attribute": ("Attribute", tables.TEXT),
            "group_name": ("Group", tables.TEXT),
            "share": ("Share of respondents", tables.SHARE),
            "respondents": ("Respondents", tables.COUNT),
        },
        k=scope.k,
    )
    return Panel(
        key,
        "Who responded",
        reading,
        scope,
        charts.respondent_profile_bars(profile, names=names),
        table,
        clickable=False,
        heading=False,
    )


def records_panel(frame: pd.DataFrame, *, reading: str, key: str, scope: Scope) -> Panel:
    """What the supervision records show per team (``supervision_tables.records_table``)."""
    kinds = {
        "Staff with a record": tables.COUNT,
        "Median days between sessions": tables.NUMBER,
        "Reflective share of sessions": tables.SHARE,
        SESSIONS_LONG_ENOUGH: tables.SHARE,
        "Cancellation rate": tables.SHARE,
        "Supervisors per worker (6 months)": tables.NUMBER,
        "Staff overdue": tables.COUNT,
        "Share overdue": tables.SHARE,
    }
    return Panel(
        key,
        "Supervision records by team",
        reading,
        scope,
        table=Table(frame, kinds),
        notes=(
            f"Teams with fewer than {scope.k} staff show no figures; the last two columns say "
            "why a team's figures are hidden.",
        ),
        clickable=False,
        heading=False,
    )


__all__ = [
    "SCORE",
    "SHARE",
    "Panel",
    "Scope",
    "combine_note",
    "events_panel",
    "heatmap_panel",
    "hidden_note",
    "national_panel",
    "profile_panel",
    "quadrant_panel",
    "records_panel",
    "reported_panel",
    "response_rate_panel",
    "scatter_panel",
    "support_challenge_panel",
    "team_panel",
    "timeline_panel",
    "trend_panel",
]
