"""Every page and tab, as HR and as a leader, at 1440 and 1024 pixels wide, in Chromium.

One sweep per role and width signs in through the form, opens every page its
menu offers and every tab on it, and notes on each view:

- chart text (tick labels, titles, annotations, legends, text marks) that is cut
  off at the edge of its chart or overlaps other chart text, and page text cut
  short with an ellipsis;
- any request to a host other than the dashboard's own server;
- any console error but the two Streamlit itself logs on a deep link (below);
- any raw None, nan, NaT or <NA> on the page;
- any serious or critical axe-core violation of WCAG 2.0, 2.1 and 2.2 A and AA
  that the accessibility statement does not list.

Each kind of problem is one test, so a failure names what is wrong on which view.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support import (
    PASSWORD,
    ROOT,
    launch_chromium,
    sign_in,
    start_streamlit,
    stop_streamlit,
    store_with_accounts,
    wait_for_script,
)

import dashboard
from wellbeing.core import roles

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
AXE = HERE / "axe-core" / "axe.min.js"
CHECKS = HERE / "page_checks.js"
STATEMENT = ROOT / "docs" / "accessibility.md"
PEOPLE = {roles.HR_ADMIN: "hana", roles.LEADER: "leo"}
WIDTHS = {1440: 900, 1024: 768}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Streamlit's own probes on a deep link: the browser does not know the app's base
# path, so it first asks for <page>/_stcore/health and <page>/_stcore/host-config,
# which answer 404 by design, then the root's. Upstream:
# https://github.com/streamlit/streamlit/issues/7074 (docs/accessibility.md, README).
KNOWN_PROBE = re.compile(r"^https?://[^/]+/[^?#]+/_stcore/(health|host-config)$")
WAIT_MS = 60_000
# axe-core's rules do not depend on the width; one sweep per role runs them.
AXE_WIDTH = 1440


def listed_axe_rules() -> set[str]:
    """The axe rules the accessibility statement lists as known failures (``axe rule `id` ``)."""
    if not STATEMENT.is_file():
        return set()
    return set(re.findall(r"axe rule `([a-z0-9-]+)`", STATEMENT.read_text(encoding="utf-8")))


def open_from_the_menu(page, spec: dashboard.PageSpec) -> None:
    """Open a page as a signed-in user does: its link in the sidebar menu (one session).

    A link typed into a new tab starts a new session, which must sign in again.
    """
    menu = page.get_by_test_id("stSidebarNav")
    link = menu.get_by_role("link", name=spec.title, exact=True)
    more = menu.get_by_role("button", name=re.compile(r"^View \d+ more$"))
    if not link.is_visible() and more.count():
        more.click()
    link.click()
    path = "" if spec.default else Path(spec.path).stem
    page.wait_for_url(re.compile(rf"^[^?#]*/{re.escape(path)}(\?.*)?$"))
    page.get_by_test_id("stMain").locator("h1").first.wait_for()
    settle(page)


# The page's script has finished when nothing has changed in the main area, and no
# run was under way, for this many checks in a row this far apart: the title is drawn
# first, and a busy machine can show it long before the tabs and charts under it.
SETTLED_CHECKS, SETTLE_INTERVAL_MS = 4, 300


def settle(page) -> None:
    """Wait until Streamlit has drawn the whole view, not just its first elements."""
    state = """() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const running = document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
        const stale = document.querySelector('[data-stale="true"]');
        return (running || stale || !main) ? null : main.innerHTML.length;
    }"""
    wait_for_script(page)
    last, steady = None, 0
    while steady < SETTLED_CHECKS:
        page.wait_for_timeout(SETTLE_INTERVAL_MS)
        now = page.evaluate(state)
        steady = steady + 1 if now is not None and now == last else 0
        last = now


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_db: Path):
    """The sample data with an HR admin and a leader account, served once for the module."""
    db = store_with_accounts(demo_db, tmp_path_factory.mktemp("every-view"), PEOPLE)
    url, process = start_streamlit(db)
    yield url
    stop_streamlit(process)


class Sweep:
    """What one role saw at one width: problems by kind, each naming its view."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.host = urlparse(server).netloc
        self.problems: dict[str, list[str]] = defaultdict(list)
        self.view = "sign-in"
        self.views: list[str] = []

    def note(self, kind: str, problem: str) -> None:
        self.problems[kind].append(f"{self.view}: {problem}")

    def on_request(self, request) -> None:
        address = urlparse(request.url)
        if address.scheme in ("http", "https", "ws", "wss") and address.netloc != self.host:
            self.note("requests", request.url)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        if KNOWN_PROBE.match(message.location.get("url", "")) and "404" in message.text:
            return
        self.note("console", f"{message.text} ({message.location.get('url', '')})")

    def check(self, page, *, axe: bool) -> None:
        """Every check on the view now on screen (axe-core's too when ``axe``)."""
        # Elements of the view before are greyed out ("stale") until the rerun replaces them.
        settle(page)
        page.add_script_tag(path=str(CHECKS))
        page.wait_for_function("() => window.pageChecks.chartsReady()", timeout=WAIT_MS)
        page.evaluate("() => document.fonts.ready")
        # plotly lays a chart out again once it knows its width; let it settle.
        page.wait_for_timeout(600)
        self.views.append(self.view)
        for problem in page.evaluate("() => window.pageChecks.chartText()"):
            self.note("layout", problem)
        for problem in page.evaluate("() => window.pageChecks.clippedText()"):
            self.note("layout", problem)
        for problem in page.evaluate("() => window.pageChecks.rawValues()"):
            self.note("raw values", problem)
        if not axe:
            return
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async (tags) => (await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']
            })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""",
            AXE_TAGS,
        )
        listed = listed_axe_rules()
        for violation in violations:
            if violation["impact"] in ("serious", "critical") and violation["id"] not in listed:
                self.note(
                    "accessibility",
                    f"{violation['impact']} {violation['id']} ({violation['help']}) at "
                    + "; ".join(violation["where"]),
                )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param((role, width), id=f"{PEOPLE[role]}-{width}")
        for role in PEOPLE
        for width in WIDTHS
    ],
)
def sweep(request, server: str) -> Sweep:
    """Sign in as one role at one width and check every page and tab the menu offers."""
    from playwright import sync_api

    role, width = request.param
    seen = Sweep(server)
    sync_api.expect.set_options(timeout=WAIT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_context(
                viewport={"width": width, "height": WIDTHS[width]}, accept_downloads=False
            ).new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("request", seen.on_request)
            page.on("console", seen.on_console)
            page.on("pageerror", lambda error: seen.note("console", f"page error: {error}"))
            page.goto(server)
            seen.check(page, axe=width == AXE_WIDTH)
            sign_in(page, username=PEOPLE[role], password=PASSWORD)
            specs = [s for group in dashboard.PAGES.values() for s in group if role in s.allowed]
            for spec in specs:
                seen.view = f"{spec.title} ({PEOPLE[role]}, {width} px)"
                open_from_the_menu(page, spec)
                tabs = page.get_by_test_id("stMain").get_by_role("tab")
                labels = tabs.all_inner_texts()
                if not labels:
                    seen.check(page, axe=width == AXE_WIDTH)
                for number, tab_label in enumerate(labels):
                    seen.view = f"{spec.title} \u203a {tab_label} ({PEOPLE[role]}, {width} px)"
                    if number:
                        tabs.nth(number).click()
                        sync_api.expect(tabs.nth(number)).to_have_attribute("aria-selected", "true")
                    seen.check(page, axe=width == AXE_WIDTH)
        finally:
            browser.close()
    return seen


def report(sweep: Sweep, kind: str) -> str:
    problems = sweep.problems.get(kind, [])
    return f"{len(problems)} problems over {len(sweep.views)} views:\n" + "\n".join(problems)


def test_every_view_was_opened(sweep):
    assert len(sweep.views) >= 10, sweep.views


def test_no_chart_text_is_cut_off_or_overlaps_and_no_page_text_is_cut_short(sweep):
    assert not sweep.problems.get("layout"), report(sweep, "layout")


def test_no_page_asks_any_host_but_the_dashboard_server(sweep):
    assert not sweep.problems.get("requests"), report(sweep, "requests")


def test_no_page_logs_a_console_error(sweep):
    assert not sweep.problems.get("console"), report(sweep, "console")


def test_no_page_shows_a_raw_none_or_nan(sweep):
    assert not sweep.problems.get("raw values"), report(sweep, "raw values")


def test_no_serious_accessibility_violation_beyond_those_the_statement_lists(sweep):
    assert not sweep.problems.get("accessibility"), report(sweep, "accessibility")


def test_a_shared_link_logs_only_streamlits_two_known_probes(demo_server, browser_page):
    # A link to a page (here on a local copy, where nobody signs in) makes the browser
    # ask <page>/_stcore/health and <page>/_stcore/host-config first: Streamlit's own
    # probes for its base path, answered 404 by design, then the root's. Nothing else.
    page = browser_page
    page.goto(demo_server)
    page.get_by_test_id("stMain").locator("h1").first.wait_for()
    errors: list[tuple[str, str]] = []
    page.on(
        "console",
        lambda m: errors.append((m.text, m.location.get("url", ""))) if m.type == "error" else None,
    )
    page.goto(f"{demo_server}/stress?view=Across+waves")
    page.get_by_role("heading", name="Stress", exact=True).wait_for()
    wait_for_script(page)
    probes = sorted(url.rsplit("/", 1)[-1] for text, url in errors if KNOWN_PROBE.match(url))
    assert probes == ["health", "host-config"]
    assert all("404" in text for text, url in errors if KNOWN_PROBE.match(url))
    assert [e for e in errors if not KNOWN_PROBE.match(e[1])] == []
