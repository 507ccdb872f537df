"""Issue 18 in a real browser against ``python serve.py``: no upload before an HR sign-in,
a sign-in that survives a reload, download links that need the session cookie, the
reason for a file over the limit, and ``streamlit run dashboard.py`` refused."""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from support import wait_for_script

from wellbeing import store
from wellbeing.access import accounts
from wellbeing.core import roles
from wellbeing.store import copy_store
from wellbeing.ui import serving

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
# The XSRF check is a double submit: any client can make a matching pair up.
XSRF = "2|00000000|" + "ab" * 16 + "|1700000000"
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def signed_in_server(start_server, demo_db: Path, tmp_path: Path) -> str:
    db = tmp_path / "security.duckdb"
    copy_store(demo_db, db)
    con = store.connect(db)
    for name, role in (("hana", roles.HR_ADMIN), ("leo", roles.LEADER)):
        accounts.create_account(
            con, username=name, display_name=name.title(), role=role, password=PASSWORD, by="t"
        )
    con.execute("insert or replace into settings values ('max_upload_mb', '1')")
    con.close()
    return start_server(db=db)


def put(url: str, session_id: str, size: int, cookie: str = "") -> int:
    boundary = "xyzBOUNDARY"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"a" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-Xsrftoken": XSRF,
        "Cookie": f"_streamlit_xsrf={XSRF}" + (f"; {cookie}" if cookie else ""),
    }
    try:
        connection.request(
            "PUT", f"/_stcore/upload_file/{session_id}/{uuid.uuid4()}", body=body, headers=headers
        )
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        return 401  # refused before the body was read, and the connection closed
    finally:
        connection.close()


def status_of(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_uploads_need_an_hr_sign_in_which_survives_a_reload_and_downloads_need_its_cookie(
    signed_in_server, browser_page, tmp_path
):
    url, page = signed_in_server, browser_page
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda socket: socket.on(
            "framereceived", lambda frame: frames.append(frame if isinstance(frame, bytes) else b"")
        ),
    )
    page.goto(url)
    wait_for_script(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    session_id = next(match.group().decode() for f in frames for match in UUID.finditer(f))
    # The pen test's attack: an anonymous client's session id and a made-up XSRF pair.
    assert put(url, session_id, 200_000) == 401

    page.get_by_role("textbox", name="User name").fill("leo")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    assert put(url, session_id, 1_000) == 401  # a leader may not upload either

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_role("textbox", name="User name").fill("hana")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    page.wait_for_function("() => document.cookie !== undefined")
    page.wait_for_timeout(1_000)  # the cookie is set by a request the page makes
    cookie = {c["name"]: c for c in page.context.cookies()}["wellbeing_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # A reload is a new Streamlit session: the cookie signs it in.
    page.reload()
    wait_for_script(page)
    expect(page.get_by_text("Signed in as")).to_be_visible()

    page.goto(f"{url}/upload")
    wait_for_script(page)
    small = tmp_path / "small.csv"
    small.write_text("Team,How stressed does your work make you feel?\nNorth,Very\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(small))
    expect(page.get_by_text("What was understood")).to_be_visible()

    # Over the limit: the browser refuses it, and the page says why.
    page.goto(f"{url}/upload")
    wait_for_script(page)
    big = tmp_path / "big.csv"
    big.write_bytes(b"Team,Q1\n" + b"North,4\n" * 200_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(big))
    expect(page.get_by_text("larger than the 1 MB limit and was not sent")).to_be_visible()

    # A download link answers the browser (with its cookie) and nobody else.
    page.goto(f"{url}/audit")
    wait_for_script(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV", exact=True).first.click()
    link = download.value.url
    assert status_of(link) == 401
    assert status_of(link, f"wellbeing_session={cookie['value']}") == 200


def test_streamlit_run_dashboard_py_directly_shows_nothing_but_how_to_start_it(
    start_server, demo_db: Path, tmp_path: Path, browser_page
):
    db = tmp_path / "direct.duckdb"
    copy_store(demo_db, db)
    url = start_server(db=db, direct=True)
    browser_page.goto(url)
    wait_for_script(browser_page)
    expect(browser_page.get_by_text("refuses uploads before sign-in")).to_be_visible()
    expect(browser_page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    expect(browser_page.get_by_test_id("stFileUploader")).to_have_count(0)
    assert "python serve.py" in serving.NOT_LAUNCHED
