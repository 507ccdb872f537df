"""Issue 18: nothing before sign-in, a session that survives a reload, a server that checks
before it listens.

The gates are pure ASGI middleware (wellbeing/ui/serving.py), called here directly;
tests/browser/test_security_journey.py drives the same through Chromium and serve.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import free_port

from wellbeing import store
from wellbeing.access import accounts, auth
from wellbeing.core import roles
from wellbeing.store import copy_store
from wellbeing.ui import serving, session, sessions

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture(autouse=True)
def no_sessions(monkeypatch):
    sessions.forget_everything()
    clock = {"now": T0}
    monkeypatch.setattr(auth, "clock", lambda: clock["now"])
    yield clock
    sessions.forget_everything()


def call(middleware, *, path: str, method: str = "PUT", headers=(), body: bytes = b""):
    """Send one request through a gate in front of a stand-in for Streamlit."""
    reached: list[int] = []
    sent: list[dict] = []

    async def streamlit(scope, receive, send):
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        reached.append(total)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]

    async def receive():
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "path": path,
        "method": method,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }

    async def run():
        from starlette.middleware.exceptions import ExceptionMiddleware

        await ExceptionMiddleware(middleware(streamlit))(scope, receive, send)

    asyncio.run(run())
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, reached


def test_an_upload_for_a_session_not_signed_in_as_hr_is_refused_before_its_body_is_read():
    body = b"x" * 200_000
    headers = [("Content-Length", str(len(body)))]
    status, reached = call(serving.UploadGate, path="/_stcore/upload_file/tab1/f1", body=body)
    assert (status, reached) == (401, [])
    sessions.grant("tab1", role=roles.LEADER, web_session=None, max_upload_bytes=10**9)
    status, reached = call(
        serving.UploadGate, path="/_stcore/upload_file/tab1/f2", headers=headers, body=body
    )
    assert (status, reached) == (401, [])


def test_hr_uploads_up_to_the_installations_own_limit_and_no_further():
    sessions.grant("tab1", role=roles.HR_ADMIN, web_session=None, max_upload_bytes=1024 * 1024)
    small = b"x" * 500_000
    status, reached = call(
        serving.UploadGate,
        path="/_stcore/upload_file/tab1/f1",
        headers=[("Content-Length", str(len(small)))],
        body=small,
    )
    assert (status, reached) == (204, [len(small)])
    big = b"x" * (2 * 1024 * 1024)
    status, reached = call(
        serving.UploadGate,
        path="/_stcore/upload_file/tab1/f2",
        headers=[("Content-Length", str(len(big)))],
        body=big,
    )
    assert (status, reached) == (413, [])
    # Chunked, with no Content-Length: stopped once past the limit.
    status, reached = call(serving.UploadGate, path="/_stcore/upload_file/tab1/f3", body=big)
    assert status == 413 and reached == []


def test_an_hr_upload_stops_working_when_the_sign_in_ends(no_sessions):
    web, _ = sessions.start(
        account_id=1, role=roles.HR_ADMIN, now=T0, idle_timeout=dt.timedelta(minutes=30)
    )
    sessions.grant("tab1", role=roles.HR_ADMIN, web_session=web, max_upload_bytes=10**6)
    path = "/_stcore/upload_file/tab1/f1"
    assert call(serving.UploadGate, path=path, body=b"a,b\n")[0] == 204
    no_sessions["now"] = T0 + dt.timedelta(minutes=31)
    assert call(serving.UploadGate, path=path, body=b"a,b\n")[0] == 401


def test_a_download_link_answers_only_with_a_live_session_cookie(no_sessions):
    sessions.note_sign_in_required(True)
    web, token = sessions.start(
        account_id=1, role=roles.LEADER, now=T0, idle_timeout=dt.timedelta(minutes=30)
    )
    value, _ = sessions.claim(token, now=T0)
    link = "/media/3f2a.csv"
    assert call(serving.DownloadGate, path=link, method="GET")[0] == 401
    cookie = [("Cookie", f"{sessions.COOKIE}={value}")]
    assert call(serving.DownloadGate, path=link, method="GET", headers=cookie)[0] == 204
    forged = [("Cookie", f"{sessions.COOKIE}={value[:-4]}abcd")]
    assert call(serving.DownloadGate, path=link, method="GET", headers=forged)[0] == 401
    sessions.end(web)
    assert call(serving.DownloadGate, path=link, method="GET", headers=cookie)[0] == 401
    # Without sign-in set up (this computer only) links need no cookie.
    sessions.note_sign_in_required(False)
    assert call(serving.DownloadGate, path=link, method="GET")[0] == 204


def test_a_claim_token_works_once():
    _, token = sessions.start(
        account_id=1, role=roles.LEADER, now=T0, idle_timeout=dt.timedelta(minutes=30)
    )
    assert sessions.claim(token, now=T0) is not None
    assert sessions.claim(token, now=T0) is None


@pytest.fixture
def hana_db(demo_app_db: Path) -> Path:
    con = store.connect(demo_app_db)
    accounts.create_account(
        con, username="hana", display_name="Hana", role=roles.HR_ADMIN, password=PASSWORD, by="t"
    )
    con.close()
    return demo_app_db


def signed_in(at: AppTest) -> bool:
    return any("Signed in as **Hana**" in caption.value for caption in at.sidebar.caption)


def test_a_reload_keeps_the_sign_in_but_not_past_the_idle_timeout(
    hana_db, monkeypatch, no_sessions
):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.text_input(key="sign_in_username").input("hana")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert signed_in(at)
    # The browser swaps the one-time token (in the invisible script) for the cookie.
    script = next(element for element in at.get("html") if "/auth/claim" in element.proto.body)
    token = script.proto.body.split("body: ")[1].split(",")[0].strip('"')
    cookie, _ = sessions.claim(token, now=T0)
    monkeypatch.setattr(session, "session_cookie_value", lambda: cookie)

    def reload() -> AppTest:
        return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()

    no_sessions["now"] = T0 + dt.timedelta(minutes=20)
    assert signed_in(reload())  # a new browser session, signed in by the cookie
    # Idle time counts across reloads: 20 + 29 minutes is fine (29 since the reload)...
    no_sessions["now"] = T0 + dt.timedelta(minutes=49)
    assert signed_in(reload())
    # ... 31 minutes after the last click is not, reload or no reload.
    no_sessions["now"] = T0 + dt.timedelta(minutes=80)
    again = reload()
    assert not signed_in(again)
    assert [button.label for button in again.button] == ["Sign in"]


def test_signing_out_ends_the_cookie_too(hana_db, monkeypatch, no_sessions):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.text_input(key="sign_in_username").input("hana")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    script = next(element for element in at.get("html") if "/auth/claim" in element.proto.body)
    token = script.proto.body.split("body: ")[1].split(",")[0].strip('"')
    cookie, _ = sessions.claim(token, now=T0)
    at.button(key="sign_out").click().run()
    assert any("/auth/logout" in element.proto.body for element in at.get("html"))
    monkeypatch.setattr(session, "session_cookie_value", lambda: cookie)
    reloaded = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not signed_in(reloaded)


@pytest.mark.slow
def test_started_on_every_address_without_sign_in_it_refuses_before_listening(
    demo_db: Path, tmp_path: Path
):
    db = tmp_path / "wellbeing.duckdb"
    copy_store(demo_db, db)  # sample data, no accounts
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "serve.py", "--server.address", "0.0.0.0", "--server.port", str(port)],
        cwd=ROOT,
        env={**os.environ, "WELLBEING_DB": str(db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    answered = False
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            with socket.socket() as probe:
                probe.settimeout(0.2)
                answered = answered or probe.connect_ex(("127.0.0.1", port)) == 0
            time.sleep(0.05)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not answered, "the port answered before the refusal"
    assert process.returncode not in (0, None)
    assert b"Refusing to start on 0.0.0.0: sign-in is not set up" in output


def test_the_options_of_streamlit_run_are_taken_typed():
    options = serving.parse_options(
        ["--server.port", "8502", "--server.headless=true", "--server.address", "127.0.0.1"]
    )
    assert options == {"server.port": 8502, "server.headless": True, "server.address": "127.0.0.1"}
    with pytest.raises(SystemExit, match="not a Streamlit option"):
        serving.parse_options(["--server.nonsense", "1"])


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        pytest.param([], "type", id="by-default"),
        pytest.param(["--client.showErrorDetails", "full"], "full", id="asked-for-more"),
    ],
)
def test_an_unexpected_error_shows_its_type_only_unless_the_command_line_asks_for_more(
    tmp_path, arguments, shown
):
    # launch() itself, in a process of its own (it sets Streamlit's options for the
    # process), up to the point where it would serve: what Streamlit is left set to.
    code = (
        "import json, sys\n"
        "from streamlit import config\n"
        "from wellbeing.ui import serving\n"
        "class NotServed:\n"
        "    def run(self, config):\n"
        "        print(json.dumps(config))\n"
        "serving.launch(NotServed(), sys.argv[1:])\n"
        "import os\n"
        "print('numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'))\n"
        "print(config.get_option('client.showErrorDetails'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--server.port", "8502", *arguments],
        cwd=ROOT,
        env={**os.environ, "WELLBEING_DB": str(tmp_path / "w.duckdb")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    given, threads, in_force = result.stdout.strip().splitlines()[-3:]
    assert json.loads(given)["client.showErrorDetails"] == shown
    assert json.loads(given)["server.port"] == 8502
    assert in_force == shown
    # Its linear algebra on one thread, set before numpy loads (when it reads it).
    assert threads == "False 1"


def test_the_error_box_offers_no_links_to_other_hosts(monkeypatch):
    from streamlit import config as streamlit_config
    from streamlit.proto.NewSession_pb2 import Config
    from streamlit.runtime import app_session

    monkeypatch.chdir(ROOT)  # Streamlit reads .streamlit/config.toml from where it starts
    streamlit_config.get_config_options(force_reparse=True)
    try:
        links = app_session._get_show_error_links()
    finally:
        streamlit_config.get_config_options(force_reparse=True)
    assert links == Config.ShowErrorLinks.SHOW_ERROR_LINKS_FALSE


@pytest.mark.parametrize(
    ("environment", "settings", "expected"),
    [
        pytest.param(None, "", "", id="nobody-by-default"),
        pytest.param(None, 'trusted_proxies = ["127.0.0.1"]\n', "127.0.0.1", id="settings-file"),
        pytest.param("10.0.0.5, 127.0.0.1", "", "10.0.0.5,127.0.0.1", id="environment"),
    ],
)
def test_only_configured_proxies_may_name_the_client(
    tmp_path, monkeypatch, environment, settings, expected
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "wellbeing.toml").write_text(settings)
    if environment is None:
        monkeypatch.delenv(serving.TRUSTED_PROXIES_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(serving.TRUSTED_PROXIES_ENV_VAR, environment)
    assert serving.trusted_proxies() == expected


@pytest.mark.slow
def test_streamlit_run_serve_py_refuses_to_serve_without_the_launchers_checks(tmp_path):
    """`streamlit run serve.py` binds before any code of ours runs: the app refuses."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.headless",
            "true",
            "--server.port",
            str(free_port()),
        ],
        cwd=ROOT,
        env={**os.environ, "WELLBEING_DB": str(tmp_path / "w.duckdb")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "starts with `python serve.py`" in result.stdout + result.stderr
