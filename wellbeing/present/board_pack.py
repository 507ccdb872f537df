"""The board pack: one dated, anonymous PDF for the organisation or a service. No Streamlit.

Content comes from the same gated queries, readings and charts as the pages,
so the pack says exactly what the screen says. The pack is one HTML page with
the charts drawn by plotly.js (bundled with plotly, so nothing is fetched),
printed to PDF by Playwright driving Debian's chromium. Charts stay vector
SVG, so their labels are text in the PDF. One browser launch does it all,
which keeps the pack well under 30 seconds.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import html
import json
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go
import plotly.io
from plotly.offline import get_plotlyjs

from queries import actions, settings, supervision, survey
from wellbeing import privacy
from wellbeing.core import action_rules, cadence, roles, stats
from wellbeing.core.measures import HIGH_SCORE_CUTOFF
from wellbeing.core.reference import national_figure
from wellbeing.core.vocabulary import SURVEY_FIELDS
from wellbeing.present import action_outcomes, exports, words
from wellbeing.present.charts import style
from wellbeing.present.figures import SCORE, SHARE, NationalRow, organisation_figure
from wellbeing.present.look_first import (
    look_first_reading,
    look_first_verdicts,
    teams_to_look_at_first,
)
from wellbeing.present.panels import Panel, Scope, hidden_note, team_panel
from wellbeing.present.readings import national_reading
from wellbeing.present.tiles import Tile, headline_tiles

CHROMIUM = "/usr/bin/chromium"
BUILT_IN_SECTIONS = ("stress", "support_challenge", "supervision", "change_fatigue")
CHART_WIDTH = 678  # the printable width of A4 at 14 mm margins in CSS pixels, less a frame
SENSITIVE_NAMES = [
    field.label.lower() for field in SURVEY_FIELDS if field.name in privacy.SENSITIVE_ATTRIBUTES
]


class PrintProblem(RuntimeError):
    """The PDF could not be printed (no browser, or the browser failed); one sentence."""


@dataclass(frozen=True)
class BoardPack:
    """Everything the PDF shows, before it is laid out."""

    title: str
    scope: str
    wave: str
    data_date: str
    respondents: int | None
    tiles: list[Tile]
    look_first: str
    look_first_rows: pd.DataFrame
    sections: list[Panel]
    anonymity_rule: str
    k: int
    prepared_on: dt.date
    # Open action plans in the pack's scope: (the action in words, what moved).
    open_actions: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def anonymity_rule(rules: privacy.Rules) -> str:
    """The confidentiality rule as the pack states it."""
    return (
        f"No figure is shown for a group of fewer than {rules.min_group_size} respondents "
        f"({rules.sensitive_min_group_size} for groups by {', '.join(SENSITIVE_NAMES)}), and no "
        "more than two of those are combined. Where a small group could be worked out by "
        "subtracting the figures shown from a total, further groups are hidden too. Hidden "
        "figures are marked, never estimated."
    )


def _scope(filters: survey.Filters, wave: str, rules: privacy.Rules) -> Scope:
    return Scope.of(wave, k=rules.min_group_size, service=filters.service)


def _note_only(key: str, title: str, reading: str, scope: Scope) -> Panel:
    return Panel(key, title, reading, scope)


def _stress_section(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, rules: privacy.Rules, scope: Scope
) -> Panel:
    by_team = survey.construct_by_team(con, filters=filters, rules=rules)
    org_rows = survey.construct_for_organisation(con, filters=filters, rules=rules)
    stress = by_team[by_team["construct"] == "stress"]
    what = f"the share with high stress (score {HIGH_SCORE_CUTOFF:g} or more)"
    if stress.empty:
        return _note_only("stress", "Stress", f"No stress scores for {what} in this wave.", scope)
    return team_panel(
        stress,
        org_rows[org_rows["construct"] == "stress"],
        value="share_high",
        kind=SHARE,
        title="Stress",
        what=what,
        axis_title="Share with high stress (95% interval)",
        key="stress",
        scope=scope,
    )


def _support_challenge_section(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, rules: privacy.Rules, scope: Scope
) -> Panel:
    high_both = "share_high_support_high_challenge"
    teams = survey.support_challenge_by_wave(con, filters=filters, rules=rules)
    org_rows = survey.support_challenge_by_wave_for_organisation(con, filters=filters, rules=rules)
    teams = teams[teams["wave_id"] == filters.wave_id]
    org_rows = org_rows[org_rows["wave_id"] == filters.wave_id]
    what = "the share with high support and high challenge"
    if teams.empty:
        return _note_only(
            "support_challenge",
            "Support and challenge",
            f"No scores for {what} in this wave.",
            scope,
        )
    national = national_figure("high_support_high_challenge")
    org = organisation_figure(org_rows, value=high_both, kind=SHARE)
    return team_panel(
        teams,
        org_rows,
        value=high_both,
        kind=SHARE,
        title="Support and challenge",
        what=what,
        axis_title="High support and high challenge (share, 95% interval)",
        national=national,
        worse=stats.LOWER,
        key="support_challenge",
        scope=scope,
        notes=(national_reading([NationalRow("High support and high challenge", org, national)]),),
    )


def _change_fatigue_section(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, rules: privacy.Rules, scope: Scope
) -> Panel:
    by_team = survey.construct_by_team(con, filters=filters, rules=rules)
    org_rows = survey.construct_for_organisation(con, filters=filters, rules=rules)
    fatigue = by_team[by_team["construct"] == "change_fatigue"]
    what = "change fatigue (1-5)"
    if fatigue.empty:
        return _note_only(
            "change_fatigue", "Change fatigue", f"No scores for {what} in this wave.", scope
        )
    return team_panel(
        fatigue,
        org_rows[org_rows["construct"] == "change_fatigue"],
        value="mean_score",
        kind=SCORE,
        sd="sd",
        title="Change fatigue",
        what=what,
        axis_title="Change fatigue (95% interval)",
        key="change_fatigue",
        scope=scope,
    )


def _own_measure_sections(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, rules: privacy.Rules, scope: Scope
) -> list[Panel]:
    """A section for each measure HR made that has scores in this wave: teams against the
    organisation on its mean, which way is better as HR said."""
    constructs = survey.constructs(con)
    by_team = survey.construct_by_team(con, filters=filters, rules=rules)
    org_rows = survey.construct_for_organisation(con, filters=filters, rules=rules)
    sections = []
    for measure in constructs[constructs["own"]].itertuples(index=False):
        rows = by_team[by_team["construct"] == measure.code]
        if rows.empty:
            continue
        scale = (float(measure.scale_min), float(measure.scale_max))
        better = bool(measure.higher_is_better)
        sections.append(
            team_panel(
                rows,
                org_rows[org_rows["construct"] == measure.code],
                value="mean_score",
                kind=SCORE,
                sd="sd",
                title=measure.name,
                what=f"{measure.name} ({scale[0]:g}-{scale[1]:g})",
                axis_title=f"{measure.name} (95% interval)",
                worse=stats.LOWER if better else stats.HIGHER,
                key=f"own_measure_{measure.code}",
                scope=scope,
                scale=scale,
                notes=(
                    "A measure of the council's own"
                    + (f": {measure.description}" if measure.description else "")
                    + f". {'Higher' if better else 'Lower'} is better.",
                ),
            )
        )
    return sections


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    service: str | None = None,
    rules: privacy.Rules | None = None,
    today: dt.date | None = None,
) -> BoardPack:
    """Gather the pack's content for one wave, for the organisation or one service."""
    rules = rules or settings.rules(con)
    filters = survey.Filters(wave_id=wave_id, service=service)
    waves = survey.waves(con).set_index("id")
    wave = waves.loc[wave_id]
    tiles = headline_tiles(con, filters=filters, rules=rules)
    respondents = max(
        (t.respondents for t in tiles if t.from_survey and t.respondents is not None), default=None
    )
    verdicts = look_first_verdicts(con, filters=filters, rules=rules)
    look_first = teams_to_look_at_first(verdicts, hierarchy=survey.team_hierarchy(con))
    scope = _scope(filters, str(wave["label"]), rules)
    sections = [
        _stress_section(con, filters, rules, scope),
        _support_challenge_section(con, filters, rules, scope),
        _supervision_section(con, filters, rules, scope),
        _change_fatigue_section(con, filters, rules, scope),
        *_own_measure_sections(con, filters, rules, scope),
    ]
    opened, closed = wave["opened_on"], wave["closed_on"]
    data_date = (
        f"survey responses {pd.Timestamp(opened):%-d %B %Y} to {pd.Timestamp(closed):%-d %B %Y}"
        if pd.notna(opened) and pd.notna(closed)
        else "survey response dates not recorded"
    )
    scope = service or "the organisation"
    return BoardPack(
        title=f"Workforce wellbeing: {scope}",
        scope=scope,
        wave=str(wave["label"]),
        data_date=data_date,
        respondents=respondents,
        tiles=tiles,
        look_first=look_first_reading(look_first, teams_compared=verdicts["team"].nunique()),
        look_first_rows=look_first,
        sections=sections,
        anonymity_rule=anonymity_rule(rules),
        k=rules.min_group_size,
        prepared_on=today or dt.date.today(),
        open_actions=_open_actions(con, service=service, rules=rules),
    )


def _open_actions(
    con: duckdb.DuckDBPyConnection, *, service: str | None, rules: privacy.Rules
) -> list[tuple[str, str]]:
    """Planned and in-progress actions in the pack's scope, each with what moved.

    The organisation's pack lists every one; a service's, its own, its teams' and
    the organisation's. A team manager's restriction applies, as to every figure.
    """
    restriction = roles.visible_team_restriction()
    plans = actions.actions(con, teams=None if restriction is None else sorted(restriction))
    plans = plans[plans["status"].isin(action_rules.OPEN_STATUSES)]
    if service is not None:
        hierarchy = survey.team_hierarchy(con)
        teams = set(hierarchy.loc[hierarchy["service"] == service, "team"])
        plans = plans[
            (plans["scope"] == action_rules.ORGANISATION)
            | ((plans["scope"] == action_rules.SERVICE) & (plans["unit"] == service))
            | ((plans["scope"] == action_rules.TEAM) & plans["unit"].isin(teams))
        ]
    found = []
    for action in plans.to_dict("records"):
        scoped, organisation = actions.measure_by_wave(
            con, scope=action["scope"], unit=action["unit"], measure=action["measure"], rules=rules
        )
        result = action_outcomes.before_after(action, scoped, organisation)
        found.append(
            (
                f"A{action['id']} \u00b7 {action_outcomes.where(action)} \u00b7 {action['what']} "
                f"(owner {action['owner']}, {action['status']}, review "
                f"{pd.Timestamp(action['review_on']):%-d %B %Y})",
                action_outcomes.reading(action, result),
            )
        )
    return found


def _supervision_section(
    con: duckdb.DuckDBPyConnection, filters: survey.Filters, rules: privacy.Rules, scope: Scope
) -> Panel:
    month = supervision.supervision_month(con, wave_id=filters.wave_id)
    if month is None:
        return _note_only(
            "supervision",
            "Supervision",
            "No supervision records cover this wave, so compliance with the supervision "
            "standard cannot be reported here.",
            scope,
        )
    what = f"supervision compliance in {month:%B %Y}"
    teams = supervision.compliance_by_team(con, month=month, service=filters.service, rules=rules)
    if teams.empty:
        return _note_only("supervision", "Supervision", f"No team has records for {what}.", scope)
    return team_panel(
        teams,
        supervision.compliance_for_organisation(con, month=month, rules=rules),
        value="compliance",
        kind=SHARE,
        count="staff_due",
        count_label="staff due",
        title="Supervision",
        what=what,
        axis_title=f"Social workers supervised as the standard asks, {month:%B %Y}",
        worse=stats.LOWER,
        key="supervision",
        scope=scope.records(f"{month:%B %Y}"),
        notes=(
            "From supervision records, not the survey: a social worker is compliant in a month "
            "when every session due was held and, where its length is recorded, lasted at least "
            f"{cadence.MIN_SESSION_MINUTES} minutes. The month is the last complete month by the "
            "wave's close, as on the Overview and the Supervision page.",
        ),
    )


def _script_json(value: object) -> str:
    """JSON safe to put inside a <script> element (no '</' to close it early)."""
    return json.dumps(value).replace("</", "<\\/")


def _chart(figure: go.Figure, number: int) -> tuple[str, str]:
    """A chart's placeholder element and the script line that draws it, print-sized."""
    spec = json.loads(plotly.io.to_json(figure))
    layout = spec.get("layout", {})
    layout["width"] = CHART_WIDTH
    layout["height"] = min(int(layout.get("height") or 400), 900)
    element = f"<div class='chart' id='chart-{number}'></div>"
    script = (
        f"Plotly.newPlot('chart-{number}', {_script_json(spec.get('data', []))}, "
        f"{_script_json(layout)}, {{staticPlot: true}})"
    )
    return element, script


def _tile_rows(pack: BoardPack) -> str:
    rows = []
    for tile in pack.tiles:
        rows.append(
            "<tr>"
            f"<td><strong>{html.escape(tile.label)}</strong><br>"
            f"<span class='small'>{html.escape(tile.description)}</span></td>"
            f"<td class='figure'>{html.escape(tile.value_text(pack.k))}</td>"
            f"<td>{html.escape(tile.change_text())}</td>"
            f"<td>{html.escape(tile.national_text())}</td>"
            f"<td>{'' if tile.respondents is None else tile.respondents}</td>"
            "</tr>"
        )
    return "".join(rows)


STYLE = f"""
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font-family: {style.FONT_FAMILY}; font-size: 10.5pt; color: #222; margin: 0;
       font-variant-ligatures: none; }}
h1 {{ font-size: 24pt; margin: 0 0 6pt; }}
h2 {{ font-size: 14pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: 4pt; vertical-align: top; text-align: left; }}
.figure {{ font-size: 16pt; font-weight: bold; white-space: nowrap; }}
.small {{ font-size: 8.5pt; color: #555; }}
.reading {{ font-weight: bold; }}
.chart {{ width: {CHART_WIDTH}px; border: 1px solid #a0a0a0; }}
section {{ break-inside: avoid; }}
.cover {{ height: 250mm; display: flex; flex-direction: column; justify-content: center;
          break-after: page; }}
.cover dl {{ font-size: 12pt; display: grid; grid-template-columns: max-content auto;
             gap: 4pt 14pt; margin: 18pt 0; }}
.cover dt {{ font-weight: bold; }}
.cover dd {{ margin: 0; }}
.method {{ break-before: page; }}
"""


def _cover(pack: BoardPack) -> str:
    respondents = f"{pack.respondents:,}" if pack.respondents is not None else "hidden"
    # Built-in measures in lower case; HR's own as HR wrote them.
    sections = words.listing(
        section.title.lower() if section.key in BUILT_IN_SECTIONS else section.title
        for section in pack.sections
    )
    facts = [
        ("For", pack.scope),
        ("Survey wave", pack.wave),
        ("Data", pack.data_date),
        ("Respondents", respondents),
        ("Prepared", f"{pack.prepared_on:%-d %B %Y}"),
    ]
    return (
        "<section class='cover'>"
        f"<h1>{html.escape(pack.title)}</h1>"
        "<p>A board pack from the workforce wellbeing dashboard: the headline figures, the "
        f"teams to look at first, and {html.escape(sections)} team by team, each with the "
        "sentence that reads its chart. How the figures are made, and how staff are kept "
        "anonymous, is on the last page.</p>"
        "<dl>"
        + "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in facts)
        + "</dl>"
        f"<p class='small'><strong>Anonymity:</strong> {html.escape(pack.anonymity_rule)}</p>"
        "</section>"
    )


def render_html(pack: BoardPack) -> str:
    """The pack as one self-contained HTML page (charts inline as SVG).

    A cover (scope, wave, dates), the headline figures and the teams to look at
    first, one section per chart with its reading, then a page of method and
    anonymity notes. Fonts are the machine's own (DejaVu Sans on Debian); nothing
    is fetched: plotly.js is inlined.
    """
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(pack.title)}</title><style>{STYLE}</style></head><body>",
        _cover(pack),
        "<section><h2>Headline figures</h2>",
        f"<p class='small'>{html.escape(pack.wave)} &middot; {html.escape(pack.scope)}</p>",
        "<table><tr><th>Measure</th><th>Figure</th><th>Since the last wave</th>"
        "<th>National</th><th>Respondents</th></tr>",
        _tile_rows(pack),
        "</table></section>",
        "<section><h2>Teams to look at first</h2>",
        f"<p class='reading'>{html.escape(pack.look_first)}</p>",
    ]
    if not pack.look_first_rows.empty:
        parts.append("<ul>")
        for row in pack.look_first_rows.itertuples(index=False):
            reasons = "; ".join(row.reasons)
            parts.append(
                f"<li><strong>{html.escape(row.team)}</strong>: {html.escape(reasons)}</li>"
            )
        parts.append("</ul>")
    parts.append("</section>")
    scripts = []
    for section in pack.sections:
        parts.append(f"<section><h2>{html.escape(section.title)}</h2>")
        parts.append(f"<p class='reading'>{html.escape(section.reading)}</p>")
        for note in section.notes:
            parts.append(f"<p>{html.escape(note)}</p>")
        if section.figure is not None:
            element, script = _chart(section.figure, len(scripts))
            parts.append(element)
            scripts.append(script)
        parts.append("</section>")
    parts.append("<section><h2>Open actions</h2>")
    if pack.open_actions:
        parts.append("<ul>")
        for action, moved in pack.open_actions:
            parts.append(f"<li><strong>{html.escape(action)}</strong><br>{html.escape(moved)}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p>No planned or in-progress actions are recorded for this scope.</p>")
    parts.append("</section>")
    parts.append(
        "<section class='method'><h2>About these figures</h2>"
        "<p><strong>Where they come from.</strong> Survey figures are from the staff survey's "
        f"{html.escape(pack.wave)} wave ({html.escape(pack.data_date)}); supervision "
        "compliance is from the supervision records of the month that goes with the wave, "
        "the last complete month by the wave's close.</p>"
        "<p><strong>Uncertainty.</strong> Each team figure has a 95% interval (t for means, "
        "Wilson for shares), drawn as a line through its dot. A team is called different from "
        "the organisation only when its interval excludes the organisation's figure and the gap "
        "is at least 0.25 on the 1-5 scale or 5 percentage points; otherwise the gap could be "
        "chance. A dot pointing right is higher than the organisation beyond chance, one "
        "pointing left lower; orange is worse and blue better for that measure, grey could be "
        "chance. Axes are fitted to the figures, and say so when a 1-5 scale is cut.</p>"
        f"<p><strong>Anonymity.</strong> {html.escape(pack.anonymity_rule)} "
        f"{html.escape(hidden_note(pack.k, on_paper=True))}</p>"
        "</section>"
    )
    parts.append(f"<script>{get_plotlyjs()}</script>")
    parts.append(
        "<script>window.chartsDrawn = false; Promise.all(["
        + ", ".join(scripts)
        + "]).then(() => { window.chartsDrawn = true; });</script>"
    )
    parts.append("</body></html>")
    return "".join(parts)


def _print_pdf(page_html: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.set_content(page_html, wait_until="load")
            page.wait_for_function("window.chartsDrawn === true", timeout=20_000)
            # Tagged, with an outline from its headings: a screen reader can read it in
            # order and move by section.
            return page.pdf(
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                tagged=True,
                outline=True,
            )
        finally:
            browser.close()


def html_to_pdf(page_html: str) -> bytes:
    """Print an HTML page to PDF with Playwright.

    Playwright's sync API refuses to run inside an asyncio loop, and a
    Streamlit script may have one, so it runs in a thread of its own.

    Raises PrintProblem when the browser is missing or fails.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(_print_pdf, page_html).result()
        except Exception as error:  # Playwright raises its own Error and plain OSErrors
            raise PrintProblem(
                f"The board pack could not be printed: it needs Chromium at {CHROMIUM} "
                f"(apt-get install chromium). The browser said: {str(error).splitlines()[0]}"
            ) from error


def board_pack_pdf(
    con: duckdb.DuckDBPyConnection,
    *,
    wave_id: int,
    service: str | None = None,
    rules: privacy.Rules | None = None,
    today: dt.date | None = None,
) -> bytes:
    """The board pack as PDF bytes.

    Example:
        pdf = board_pack_pdf(con, wave_id=3, service="Children's services")
    """
    pack = build(con, wave_id=wave_id, service=service, rules=rules, today=today)
    return html_to_pdf(render_html(pack))


def file_name(pack_scope: str | None, wave: str) -> str:
    """The PDF's file name, e.g. board-pack-organisation-autumn-2026.pdf."""
    scope = exports.file_stem(pack_scope or "organisation")
    return f"board-pack-{scope}-{exports.file_stem(wave)}.pdf"


__all__ = [
    "BoardPack",
    "PrintProblem",
    "board_pack_pdf",
    "build",
    "file_name",
    "render_html",
]
