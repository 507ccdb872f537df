"""Who sees what, enforced on the server: every role against every page and every download.

Pages are enumerated from dashboard.PAGES, so a page added there is covered here
without touching this file. Fake users come from AppTest: a single sign-on
identity through ``at.user`` (mapped to a role by HR's grants), or a built-in
account signed in through the real form.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from conftest import dashboard_on_a_copy_of, derived_data_template
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest
from support import open_section, section_labels, shown_table

import dashboard
from wellbeing import store, ui
from wellbeing.access import accounts, auth
from wellbeing.core import roles, spreadsheets

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
MANAGER_TEAMS = ["Fostering", "Youth Justice"]
# A team name a spreadsheet would run: every download must neutralise it.
FORMULA_TEAM = '=HYPERLINK("http://evil.example","Adoption")'
PEOPLE = {
    roles.HR_ADMIN: {"is_logged_in": True, "email": "hana@council.gov.uk", "name": "Hana"},
    roles.LEADER: {"is_logged_in": True, "email": "leo@council.gov.uk", "name": "Leo"},
    roles.TEAM_MANAGER: {"is_logged_in": True, "email": "tess@council.gov.uk", "name": "Tess"},
}
ALL_PAGES = [spec for section in dashboard.PAGES.values() for spec in section]


def give_accounts_grants_and_a_formula_team(con) -> None:
    for username, name, role in (("hana", "Hana", roles.HR_ADMIN), ("leo", "Leo", roles.LEADER)):
        accounts.create_account(
            con, username=username, display_name=name, role=role, password=PASSWORD, by="test"
        )
    for role, person in PEOPLE.items():
        teams = MANAGER_TEAMS if role == roles.TEAM_MANAGER else []
        accounts.grant_sso(
            con, claim="email", value=person["email"], role=role, teams=teams, by="test"
        )
    con.execute("update responses set team = $new where team = 'Adoption'", {"new": FORMULA_TEAM})
    con.execute("update teams set name = $new where name = 'Adoption'", {"new": FORMULA_TEAM})


@pytest.fixture(scope="session")
def access_template(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with accounts, single sign-on grants and one formula-like team name."""
    return derived_data_template(
        tmp_path_factory, "access", demo_db, give_accounts_grants_and_a_formula_team
    )


@pytest.fixture
def access_db(access_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A private copy of the access template for one AppTest run; every team's name."""
    with dashboard_on_a_copy_of(access_template, tmp_path, monkeypatch) as path:
        con = store.connect(path)
        names = [row[0] for row in con.execute("select name from teams").fetchall()]
        con.close()
        yield names


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bytes]]]:
    """Every download button drawn, with the bytes a CSV or XLSX one would send."""
    captured: list[tuple[str, bytes]] = []
    original = DeltaGenerator.download_button

    def capture(self, label, data, file_name=None, *args, **kwargs):
        name = file_name or label
        # Spreadsheets are made here to be checked; images are left unmade (a browser each).
        spreadsheet = name.endswith((".csv", ".xlsx"))
        content = data() if callable(data) and spreadsheet else data
        captured.append((name, content if isinstance(content, bytes) else b""))
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", capture)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: capture(st._main, *a, **k))
    yield captured


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)


def texts(at: AppTest) -> str:
    """Everything a reader could see on the page, as one string."""
    parts: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "success",
        "error",
        "metric",
        "subheader",
        "header",
        "title",
        "selectbox",
        "multiselect",
    ):
        for element in at.get(kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "options", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for chart in at.get("plotly_chart"):
        parts.append(json.dumps(json.loads(chart.proto.spec)))
    return "\n".join(parts)


def is_number(cell: str) -> bool:
    """A negative number ("-0.56", a change) is a number to a spreadsheet, not a formula."""
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip() == cell


def spreadsheet_cells(file_name: str, data: bytes) -> list[str]:
    """Every cell of a download as text, headings included."""
    if file_name.endswith(".csv"):
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    else:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl").fillna("")
    return [*map(str, frame.columns), *frame.to_numpy().ravel().tolist()]


def runnable_cells(file_name: str, data: bytes) -> list[str]:
    """Cells a spreadsheet would run as a formula.

    In a CSV, any text starting like a formula (it should start with an
    apostrophe); in a workbook, a formula cell, or text starting like one that
    is not marked as text (editing it would make it a formula).
    """
    if file_name.endswith(".csv"):
        cells = spreadsheet_cells(file_name, data)
        return [
            c for c in cells if c.startswith(spreadsheets.FORMULA_PREFIXES) and not is_number(c)
        ]
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [
        str(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
        or (
            isinstance(cell.value, str)
            and cell.value.startswith(spreadsheets.FORMULA_PREFIXES)
            and not cell.quotePrefix
        )
    ]


def test_every_page_file_is_declared_with_its_roles_and_checks_them_first():
    declared = {spec.path for spec in ALL_PAGES}
    files = {f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py")}
    assert files - declared == {dashboard.SIGN_IN_PAGE}
    for spec in ALL_PAGES:
        module = ast.parse((ROOT / spec.path).read_text())
        body = [
            node
            for node in module.body
            if not isinstance(node, ast.Import | ast.ImportFrom)
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        ]
        first = ast.unparse(body[0])
        assert "ui.require_role(" in first, f"{spec.path} must call ui.require_role first"


@pytest.mark.slow
@pytest.mark.parametrize("role", list(PEOPLE), ids=list(PEOPLE))
def test_each_role_opens_exactly_its_pages_and_is_refused_the_rest(access_db, downloads, role):
    at = app()
    at.user = PEOPLE[role]
    at.run()
    assert not at.exception, at.exception
    others = set(access_db) - set(MANAGER_TEAMS)
    for spec in ALL_PAGES:
        downloads.clear()
        at.switch_page(spec.path).run()
        assert not at.exception, f"{spec.path}: {at.exception}"
        errors = [error.value for error in at.error]
        if role in spec.allowed:
            assert ui.REFUSAL not in errors, f"{role} refused {spec.path}"
            assert at.title, f"{spec.path} drew nothing for {role}"
        else:
            # A typed URL reaches the page, which refuses and shows nothing else.
            assert errors == [ui.REFUSAL], f"{role} was not refused {spec.path}"
            assert not at.dataframe and not at.table
            assert not at.get("plotly_chart") and not at.download_button
            assert not downloads
        shown = texts(at)
        if role in spec.allowed:
            # Every tab of the page, each run on its own (wellbeing.ui.sections).
            for label in section_labels(at):
                open_section(at, label)
                assert not at.exception, f"{spec.path} {label}: {at.exception}"
                shown += texts(at)
        if role == roles.TEAM_MANAGER and role in spec.allowed:
            leaked = sorted(team for team in others if team in shown)
            assert not leaked, f"{spec.path} shows other teams to a team manager: {leaked}"
        for file_name, data in downloads:
            if file_name.endswith((".csv", ".xlsx")):
                runnable = runnable_cells(file_name, data)
                assert not runnable, f"{spec.path} {file_name} has runnable cells {runnable[:3]}"


def test_nobody_signed_in_sees_only_the_sign_in_form_and_no_other_page_exists(access_db):
    at = app()
    at.user = {"email": "test@example.com"}  # AppTest's default: not signed in
    at.run()
    assert not at.exception
    assert [button.label for button in at.button] == ["Sign in"]
    assert not at.dataframe and not at.get("plotly_chart") and not at.download_button
    assert not at.sidebar.selectbox  # not even the filters' team names
    # The router registers the sign-in page alone, so no URL leads anywhere else.
    for spec in ALL_PAGES:
        with pytest.raises(ValueError, match=r"Known pages: \['[^,]*pages/sign_in.py'\]"):
            at.switch_page(spec.path)


def sign_in_through_the_form(at: AppTest, *, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


def test_an_account_signs_in_through_the_form_and_a_wrong_password_is_refused(access_db):
    at = app()
    at.run()
    sign_in_through_the_form(at, username="leo", password="not it at all")
    assert [error.value for error in at.error] == [auth.WRONG_PASSWORD]
    sign_in_through_the_form(at, username="leo", password=PASSWORD)
    assert not at.exception
    assert any("Signed in as **Leo** (Senior leader)" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/upload_history.py").run()
    assert [error.value for error in at.error] == [ui.REFUSAL]


def test_repeated_wrong_passwords_lock_the_form_out(access_db, monkeypatch):
    now = dt.datetime(2026, 3, 2, 9, 0)
    monkeypatch.setattr(auth, "clock", lambda: now)
    at = app()
    at.run()
    for _ in range(auth.FREE_FAILURES_PER_ACCOUNT + 1):
        sign_in_through_the_form(at, username="leo", password="wrong guess 123")
    sign_in_through_the_form(at, username="leo", password=PASSWORD)
    # Four failures at the same instant: 30 s to wait, even with the right password.
    assert at.error[0].value == "Too many failed attempts. Wait 31 seconds before trying again."


def test_a_session_idle_longer_than_the_timeout_ends_at_the_next_click(access_db, monkeypatch):
    clock = {"now": dt.datetime(2026, 3, 2, 9, 0)}
    monkeypatch.setattr(auth, "clock", lambda: clock["now"])
    at = app()
    at.run()
    sign_in_through_the_form(at, username="hana", password=PASSWORD)
    clock["now"] += dt.timedelta(minutes=29)
    at.switch_page("pages/audit.py").run()
    assert at.title[0].value == "Audit log"  # 29 idle minutes: still in, and the clock restarts
    clock["now"] += dt.timedelta(minutes=30, seconds=1)
    at.run()
    assert [button.label for button in at.button] == ["Sign in"]
    assert (
        at.info[0].value == "You were signed out after 30 minutes without activity. Sign in again."
    )
    assert not at.dataframe


def test_sign_ins_and_downloads_reach_the_audit_log_an_hr_admin_reads(access_db, downloads):
    at = app()
    at.run()
    sign_in_through_the_form(at, username="hana", password=PASSWORD)
    at.switch_page("pages/audit.py").run()
    log = at.dataframe[0].value
    assert {"Signed in", "Accounts and access"} <= set(log["action"])
    assert "audit-log.csv" in [name for name, _ in downloads]  # made, hence recorded
    at.run()
    log = at.dataframe[0].value
    recorded = log[log["action"] == "Download"]
    assert set(recorded["username"]) == {"hana"}
    assert {"audit-log.csv", "audit-log.xlsx"} <= set(recorded["detail"])


def test_hr_creates_an_account_on_the_accounts_page_and_it_can_sign_in(access_db):
    at = app()
    at.user = PEOPLE[roles.HR_ADMIN]
    at.run()
    at.switch_page("pages/accounts.py").run()
    at.text_input(key="new_username").input("tm.one")
    at.text_input(key="new_display_name").input("Tee Em")
    at.selectbox(key="new_role").set_value(roles.TEAM_MANAGER)
    at.multiselect(key="new_teams").set_value(["Fostering"])
    at.text_input(key="new_password").input(PASSWORD)
    at.text_input(key="new_password_again").input(PASSWORD)
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception and not at.error
    table = shown_table(at.table[0])
    assert table.set_index("User name").loc["tm.one", "Teams (team managers)"] == "Fostering"
    signed_in = app()
    signed_in.run()
    sign_in_through_the_form(signed_in, username="tm.one", password=PASSWORD)
    assert any("Team manager" in c.value for c in signed_in.sidebar.caption)


@pytest.mark.slow
def test_with_no_accounts_every_page_says_it_only_serves_this_computer(demo_app_db):
    at = app()
    at.run()
    for spec in ALL_PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, f"{spec.path}: {at.exception}"
        assert any("Sign-in is not set up" in w.value for w in at.warning), spec.path


def test_a_public_address_without_sign_in_is_refused_before_anything_is_shown(
    demo_app_db, monkeypatch
):
    monkeypatch.setattr(
        st, "get_option", lambda name: "0.0.0.0" if name == "server.address" else None
    )
    at = app()
    at.run()
    assert "refuses to serve on 0.0.0.0 because sign-in is not set up" in at.error[0].value
    assert "wellbeing accounts create-admin" in at.error[0].value
    assert not at.dataframe and not at.get("plotly_chart") and not at.sidebar.selectbox


def test_a_public_address_is_allowed_once_sign_in_is_configured(access_db, monkeypatch):
    monkeypatch.setattr(
        st, "get_option", lambda name: "0.0.0.0" if name == "server.address" else None
    )
    at = app()
    at.run()
    assert not at.error
    assert [button.label for button in at.button] == ["Sign in"]


ENTRA = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret-only-for-this-test",
        "client_id": "00000000-0000-0000-0000-000000000000",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": (
            "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
        ),
    }
}


def test_single_sign_on_alone_switches_sign_in_on_and_offers_the_provider(demo_app_db):
    con = store.connect(demo_app_db)
    try:
        accounts.grant_sso(con, claim="group", value="leaders-group", role=roles.LEADER, by="t")
    finally:
        con.close()
    at = app()
    at.secrets = ENTRA
    at.run()
    labels = [button.label for button in at.button]
    assert labels == ["Sign in with your organisation account", "Sign in"]
    assert not at.warning  # no "sign-in is not set up" banner
    at.user = {"is_logged_in": True, "email": "pat@council.gov.uk", "groups": ["leaders-group"]}
    at.run()
    assert any("(Senior leader)" in caption.value for caption in at.sidebar.caption)


def test_a_signed_in_identity_without_a_grant_is_told_to_ask_hr_and_sees_nothing(access_db):
    at = app()
    at.secrets = ENTRA
    at.user = {"is_logged_in": True, "email": "stranger@council.gov.uk"}
    at.run()
    assert "stranger@council.gov.uk" in at.warning[0].value
    assert "no access" in at.warning[0].value
    assert not at.dataframe and not at.get("plotly_chart") and not at.sidebar.selectbox


def allowed_titles(role: str) -> set[str]:
    return {spec.title for spec in ALL_PAGES if role in spec.allowed}


@pytest.mark.parametrize("role", list(PEOPLE), ids=list(PEOPLE))
def test_the_menu_lists_only_the_pages_a_role_may_open(access_db, monkeypatch, role):
    menus: list[dict[str, list[str]]] = []
    original = st.navigation

    def capture(pages, *args, **kwargs):
        menus.append([page.title for page in pages if page.visibility == "visible"])
        return original(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", capture)
    at = app()
    at.user = PEOPLE[role]
    at.run()
    # One list in the order of dashboard.PAGES (sections would break the menu's list
    # markup for screen readers: docs/accessibility.md).
    expected = [spec.title for specs in dashboard.PAGES.values() for spec in specs]
    assert menus[-1] == [title for title in expected if title in allowed_titles(role)]


def test_a_page_reached_without_the_router_still_refuses_a_public_address(demo_app_db, monkeypatch):
    # A first request that deep-links to a page can run the page file alone
    # (Streamlit's folder-of-pages mode), skipping dashboard.py: the page's own
    # require_role must still refuse to serve the network without sign-in.
    monkeypatch.setattr(
        st, "get_option", lambda name: "0.0.0.0" if name == "server.address" else None
    )
    at = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=120).run()
    assert not at.exception
    assert "refuses to serve on 0.0.0.0 because sign-in is not set up" in at.error[0].value
    assert not at.get("plotly_chart") and not at.dataframe
    # It asked once to be run through dashboard.py; run alone again, it does not loop.
    assert at.session_state[ui.REROUTED_KEY] is True


def test_a_page_run_through_the_router_is_not_run_again(demo_app_db):
    at = app()
    at.run()
    at.switch_page("pages/stress.py").run()
    assert not at.exception
    assert at.title[0].value == "Stress"
    assert ui.REROUTED_KEY not in at.session_state


def test_importing_the_ui_helper_pins_the_server_to_the_navigation_router():
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = True
    ui._route_every_run_through_dashboard()
    assert PagesManager.uses_pages_directory is False


def test_a_team_manager_cannot_reach_another_services_figures_through_the_url(access_db):
    """Issue 18: `/overview?service=Adults'+services` showed Adults' headline tiles to a
    manager of one team in Children's services."""

    def tiles(at: AppTest) -> list[str]:
        return [f"{metric.label}={metric.value}" for metric in at.metric]

    at = app()
    at.user = PEOPLE[roles.TEAM_MANAGER]
    at.run()
    own = tiles(at)
    typed = app()
    typed.user = PEOPLE[roles.TEAM_MANAGER]
    typed.query_params["service"] = "Adults' services"
    typed.run()
    assert not typed.exception, typed.exception
    assert tiles(typed) == own
    assert "Adults' services" not in texts(typed)
    assert "Service" not in [box.label for box in typed.sidebar.selectbox]
    open_section(typed, "Board pack")
    assert typed.selectbox(key="board_pack_scope").options == ["The whole organisation"]
    # A leader still chooses any service, and sees its own figures.
    leader = app()
    leader.user = PEOPLE[roles.LEADER]
    leader.query_params["service"] = "Adults' services"
    leader.run()
    assert tiles(leader) != own
