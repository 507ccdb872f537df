"""A leader with no mouse, and a leader who magnifies the page, in Chromium.

The keyboard journey uses key presses only (Tab, Shift+Tab, typing, Enter,
Space, arrows): sign in, change every filter, open a page from the menu, switch
tabs, focus a team through the team filter (what a chart click does), open a
chart's table and download it. Wherever it lands, the focus must be visible:
the focused control looks different from the same control unfocused.

The zoom test opens every page a leader can reach at 200% (a 1440 x 900 screen
magnified twice is a 720 px wide page) and at 1024 px, and fails on any text
wider than the page, which would make the reader scroll sideways. Tables and
charts may scroll inside their own box (WCAG 2.2, 1.4.10 allows it for content
that needs two dimensions); text may not.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
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

CHECKS = Path(__file__).parent / "page_checks.js"
WAIT_MS = 60_000
# The focused control's accessible name, roughly: its aria-label, else its own text for
# a link, button, tab or summary, else its label; then its role.
FOCUSED = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return "";
    const own = e.matches('a, button, summary, [role=tab]') ? e.textContent : "";
    const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
    const name = e.getAttribute('aria-label') || own || label || "";
    return [name.replace(/\\s+/g, ' ').trim(), e.getAttribute('role') || e.tagName.toLowerCase()]
        .join(' | ');
}"""


@pytest.fixture(scope="module")
def leader_server(tmp_path_factory: pytest.TempPathFactory, demo_db: Path):
    """The sample data with a leader's account, served for the module, opened once."""
    db = store_with_accounts(demo_db, tmp_path_factory.mktemp("keyboard"), {roles.LEADER: "leo"})
    url, process = start_streamlit(db)
    yield url
    stop_streamlit(process)


@pytest.fixture
def chromium():
    from playwright import sync_api

    sync_api.expect.set_options(timeout=WAIT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def settle(page) -> None:
    """Wait for the rerun a key press started (if it started one) to finish."""
    page.wait_for_timeout(400)
    wait_for_script(page)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")


def tab_to(page, name: str | re.Pattern, *, backwards: bool = False, presses: int = 120) -> str:
    """Press Tab (or Shift+Tab) until the focused control's name matches; return it."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused)
        if name.search(focused) if isinstance(name, re.Pattern) else name in focused:
            return focused
    raise AssertionError(f"{name!r} is not reachable with the Tab key: {sorted(set(seen))}")


def looks(page, box: dict) -> np.ndarray:
    clip = {
        "x": max(0, box["x"] - 6),
        "y": max(0, box["y"] - 6),
        "width": box["width"] + 12,
        "height": box["height"] + 12,
    }
    import io

    return np.asarray(Image.open(io.BytesIO(page.screenshot(clip=clip))).convert("L"), float)


# Where the focused control is drawn: a toggle's input is hidden, its label is what shows.
DRAWN = """() => {
    const e = document.activeElement;
    const r0 = e.getBoundingClientRect();
    const shown = r0.width * r0.height < 100 && e.closest('label') ? e.closest('label') : e;
    const r = shown.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height};
}"""


def assert_focus_is_visible(page) -> None:
    """The focused control, as drawn, differs from itself once the focus moves away."""
    what = page.evaluate(FOCUSED)
    page.evaluate("() => document.activeElement.scrollIntoView({block: 'center'})")
    # Drawn as it is once scrolled and painted: on a busy machine (the whole suite on
    # two workers) the first frame after the scroll could still lack the focus ring.
    page.wait_for_timeout(150)
    box = page.evaluate(DRAWN)
    focused = looks(page, box)
    page.evaluate("() => { window.__refocus = document.activeElement; window.__refocus.blur(); }")
    page.wait_for_timeout(150)
    unfocused = looks(page, box)
    page.evaluate("() => window.__refocus.focus({focusVisible: true})")
    changed = float(np.mean(np.abs(focused - unfocused) > 40))
    assert changed > 0.01, f"no visible focus on {what!r} ({changed:.1%} of pixels changed)"


def choose(page, combobox: str, option: str) -> None:
    """A select box by keyboard: reach it, type the option's name, press Enter."""
    tab_to(page, combobox)
    assert_focus_is_visible(page)
    page.keyboard.type(option)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    settle(page)


def press_on(page, name: str, key: str) -> None:
    """Tab to a control, check its focus shows, press a key on it and let the page rerun."""
    tab_to(page, name)
    assert_focus_is_visible(page)
    page.keyboard.press(key)
    settle(page)


def query(page) -> str:
    return page.evaluate("() => decodeURIComponent(location.search.replace(/\\+/g, ' '))")


def test_a_leader_signs_in_filters_switches_tabs_focuses_a_team_and_downloads_by_keyboard(
    leader_server, chromium
):
    from playwright.sync_api import expect

    # A first visit to a new server shows Streamlit's own page list for a moment
    # (wellbeing/ui/run.py); the journey starts on a second, as a leader's would.
    warm = chromium.new_page()
    warm.goto(leader_server)
    expect(warm.get_by_label("User name")).to_be_visible()
    warm.close()
    page = chromium.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(leader_server)
    expect(page.get_by_label("User name")).to_be_visible()
    settle(page)

    # Sign in.
    tab_to(page, "User name")
    assert_focus_is_visible(page)
    page.keyboard.type("leo")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED).startswith("Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Wave")).to_be_visible()
    settle(page)

    # Open a page from the menu.
    tab_to(page, re.compile(r"Stress \| a$"))  # the menu link (its icon's name before it)
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/stress"))
    settle(page)
    expect(page.get_by_role("heading", name="Stress", exact=True)).to_be_visible()

    # Every filter: wave, service, team (the focus), role, then career stage, combine.
    choose(page, "Wave", "Spring 2026")
    assert "wave=Spring 2026" in query(page)
    choose(page, "Service", "Children's services")
    assert "service=Children's services" in query(page)
    choose(page, "Team", "Front Door (MASH)")
    assert "team=Front Door (MASH)" in query(page)
    expect(page.get_by_text("Focused on", exact=False).first).to_be_visible()
    choose(page, "Role", "Social worker")
    assert "role=Social worker" in query(page)
    # Role or career stage, never both: clear the role, then choose a stage.
    press_on(page, "Clear value", "Enter")
    assert "role=" not in query(page)
    choose(page, "Career stage", "Newly qualified (ASYE)")
    assert "stage=Newly qualified (ASYE)" in query(page)
    press_on(page, "Combine small teams into their service", "Space")
    assert "combine=" in query(page)
    page.keyboard.press("Space")
    settle(page)

    # Back to the whole service: the stage's and the team's clear buttons.
    for combobox, parameter in (("Career stage", "stage="), ("Team", "team=")):
        tab_to(page, combobox, backwards=True)
        press_on(page, "Clear value", "Enter")
        assert parameter not in query(page)

    # Switch tabs with the arrow keys.
    tab_to(page, re.compile(r"^By team \| tab$"))
    assert_focus_is_visible(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    settle(page)
    expect(page.get_by_role("tab", name="Across waves")).to_have_attribute("aria-selected", "true")
    assert "view=Across waves" in query(page)

    # The chart's table, then its CSV.
    tab_to(page, re.compile(r"Show as table \| summary$"))
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stTable").first).to_be_visible()
    tab_to(page, re.compile(r"CSV \| button$"))
    assert_focus_is_visible(page)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    name = download.value.suggested_filename
    assert re.fullmatch(r"high-stress-across-waves-.*-spring-2026\.csv", name), name


def text_wider_than_the_page(page) -> list[str]:
    """Text whose box reaches past the window's right edge, or a page that scrolls sideways."""
    page.add_script_tag(path=str(CHECKS))
    return page.evaluate("() => window.pageChecks.sidewaysText()")


@pytest.mark.parametrize(
    "screen",
    [
        pytest.param({"width": 720, "height": 450, "device_scale_factor": 2}, id="200%-zoom"),
        pytest.param({"width": 1024, "height": 768, "device_scale_factor": 1}, id="1024px"),
    ],
)
def test_every_page_reads_without_sideways_scrolling_at_200_percent_and_at_1024_px(
    leader_server, chromium, screen
):
    page = chromium.new_context(
        viewport={"width": screen["width"], "height": screen["height"]},
        device_scale_factor=screen["device_scale_factor"],
    ).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(leader_server)
    page.get_by_label("User name").wait_for()
    settle(page)
    sign_in(page, username="leo", password=PASSWORD)
    problems = []
    specs = [s for group in dashboard.PAGES.values() for s in group if roles.LEADER in s.allowed]
    for spec in specs:
        path = "" if spec.default else Path(spec.path).stem
        # Within the session (a new one would sign in again): the address bar's
        # history moves the router without reloading the page.
        page.evaluate("(path) => { history.pushState({}, '', '/' + path); }", path)
        page.evaluate("() => window.dispatchEvent(new PopStateEvent('popstate'))")
        settle(page)
        title = re.search(r'st\.title\("([^"]+)"\)', (ROOT / spec.path).read_text()).group(1)
        page.get_by_test_id("stMain").get_by_role("heading", name=title, exact=True).wait_for()
        problems += [f"{spec.title}: {problem}" for problem in text_wider_than_the_page(page)]
    assert not problems, "\n".join(problems)
