"""The web server around the dashboard: nothing before sign-in, and nothing before the checks.

``serve.py`` (``python serve.py``) builds the app from :data:`ROUTES`,
:data:`MIDDLEWARE` and :func:`lifespan`, and starts it with :func:`launch`.
Streamlit's own endpoints know nothing of sign-in, so:

- :class:`UploadGate` answers ``PUT /_stcore/upload_file/<session>/<file>`` with
  401 unless that Streamlit session is signed in as HR (``sessions.upload_allowance``),
  and with 413 past the installation's own limit (``max_upload_mb``), before
  Streamlit reads one byte of the body;
- :class:`DownloadGate` answers ``/media/...`` (download links, generated images)
  with 401 unless the request carries a live session cookie, once sign-in is set up;
- ``/auth/claim`` and ``/auth/logout`` set and drop that HttpOnly cookie (the
  script cannot set cookies);
- :func:`launch` refuses, before the port is opened, to serve every network
  address without sign-in, and tells uvicorn which proxies may name the client's
  address (``trusted_proxies``; none by default).

Run another way (``streamlit run dashboard.py``, ``streamlit run serve.py``,
``uvicorn serve:app``), the gates would be missing or the checks late: the
dashboard refuses to draw anything (:func:`refuse_without_gate`), and serve.py's
app refuses to start (docs/security.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import threading
import tomllib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import streamlit as st
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

# Only what the server needs before it listens. The dashboard's own modules (pandas, scipy,
# the queries, the charts: 0.6 s of a start) are imported inside the functions that use
# them, and at start on a thread of their own (_import_and_warm_up), while the first
# browser loads Streamlit's page.
from wellbeing.store import config
from wellbeing.ui import sessions

UPLOAD_PREFIX = "/_stcore/upload_file/"
MEDIA_PREFIX = "/media/"
# Every network address: Streamlit's default when server.address is unset.
PUBLIC_ADDRESSES = {"", "0.0.0.0", "::", "[::]"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# What the server starts with unless its command line says otherwise. An error the
# dashboard did not expect shows its type only: its message and traceback (file paths,
# code, values from the data) go to the server's log, not to whoever has the page open,
# signed in or not. ``--client.showErrorDetails full`` shows them while developing.
SERVER_DEFAULTS: dict[str, object] = {"client.showErrorDetails": "type"}
TRUSTED_PROXIES_SETTING = "trusted_proxies"
TRUSTED_PROXIES_ENV_VAR = "WELLBEING_TRUSTED_PROXIES"
REFUSE_PUBLIC = (
    "Refusing to start on {address}: sign-in is not set up, so anyone on the network "
    "would see personnel data. Start it on this computer only (server.address = "
    '"127.0.0.1", as in .streamlit/config.toml), or first create an HR admin with '
    "`wellbeing accounts create-admin` (or set up single sign-on, docs/single-sign-on.md)."
)
NOT_LAUNCHED = (
    "The wellbeing dashboard starts with `python serve.py` (options as for streamlit run, "
    "e.g. `python serve.py --server.port 8502`): that entry refuses uploads before sign-in "
    "and checks the address before it listens. See docs/security.md."
)
# Set by launch() before the server starts, and by the app's lifespan once it serves.
_launched: list[bool] = []
_gate_serving: list[bool] = []


def now() -> dt.datetime:
    from wellbeing.access import auth

    return auth.clock()


def _reply(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers={"Connection": "close"})


class UploadGate:
    """Pure ASGI: decides on an upload from its path and headers, before any body byte."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(UPLOAD_PREFIX)
            or scope["method"] not in ("PUT", "POST")
        ):
            await self.app(scope, receive, send)
            return
        from wellbeing.core import roles

        tab = scope["path"][len(UPLOAD_PREFIX) :].split("/", 1)[0]
        allowance = sessions.upload_allowance(tab, now=now(), role=roles.HR_ADMIN)
        if not allowance:
            await _reply(401, "Sign in as HR to upload.")(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value for key, value in scope["headers"]}
        try:
            declared = int(headers.get("content-length", b"0"))
        except ValueError:
            await _reply(400, "Bad Content-Length.")(scope, receive, send)
            return
        # The multipart wrapping adds a few hundred bytes to the file itself.
        limit = allowance + 64 * 1024
        if declared > limit:
            await _reply(413, "The file is larger than the upload limit.")(scope, receive, send)
            return
        seen = 0

        async def capped() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body that never said its length
                    raise HTTPException(413, "The file is larger than the upload limit.")
            return message

        await self.app(scope, capped, send)


class DownloadGate:
    """Pure ASGI: a download link answers only a browser with a live session cookie."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(MEDIA_PREFIX)
            and sessions.sign_in_required()
        ):
            headers = {key.decode("latin-1").lower(): value for key, value in scope["headers"]}
            cookie = headers.get("cookie", b"").decode("latin-1")
            if sessions.session_in_cookie_header(cookie, now=now()) is None:
                await _reply(401, "Sign in to download this file.")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cookie_options(request: Request) -> dict:
    return {
        "httponly": True,
        "samesite": "strict",
        "path": "/",
        "secure": request.url.scheme == "https",
    }


async def claim(request: Request) -> Response:
    """Swap the one-time token a sign-in made for the signed session cookie."""
    token = (await request.body())[:200].decode("utf-8", errors="replace").strip('"')
    claimed = sessions.claim(token, now=now())
    if claimed is None:
        return _reply(403, "This sign-in token is not valid (any more).")
    value, _ = claimed
    response = Response(status_code=204)
    response.set_cookie(
        sessions.COOKIE,
        value,
        max_age=int(sessions.MAX_SESSION.total_seconds()),
        **_cookie_options(request),
    )
    return response


async def logout(request: Request) -> Response:
    """Drop the cookie (the sign-in itself already ended on the server)."""
    cookie = request.cookies.get(sessions.COOKIE)
    sessions.end(sessions.session_in_cookie(cookie, now=now()))
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, **_cookie_options(request))
    return response


@contextlib.asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    """Serve only when started by :func:`launch` (which checked before listening)."""
    if not _launched:
        print(NOT_LAUNCHED, file=sys.stderr, flush=True)
        raise SystemExit(2)
    _gate_serving[:] = [True]
    threading.Thread(target=_import_and_warm_up, name="import-dashboard", daemon=True).start()
    yield


def _import_and_warm_up() -> None:
    """Import the dashboard and warm it up (``run.warm_start``), on a thread: the server
    listens meanwhile, and the first browser loads Streamlit's page."""
    from wellbeing.ui import run

    run.warm_start()


# serve.py writes ``app = st.App("dashboard.py", routes=ROUTES, middleware=MIDDLEWARE,
# lifespan=lifespan)`` in so many words: ``streamlit run serve.py`` recognises an app only
# from that line (it reads the file, it does not run it), and would otherwise run
# serve.py as a page, with no gate at all. Recognised, it is refused by ``lifespan``.
ROUTES = [
    Route("/auth/claim", claim, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
]
MIDDLEWARE = [Middleware(UploadGate), Middleware(DownloadGate)]


def gate_serving() -> bool:
    """Whether this process serves through serve.py's app (its gates in front of Streamlit)."""
    return bool(_gate_serving)


def refuse_without_gate() -> None:
    """First thing in every run: a real server not started by serve.py shows nothing.

    ``streamlit run dashboard.py`` would take uploads before sign-in; AppTest runs
    the script with no server at all, so it is not refused.
    """
    from streamlit import runtime

    if not runtime.exists() or type(runtime.get_instance()) is not runtime.Runtime:
        return
    if not gate_serving():
        st.error(NOT_LAUNCHED)
        st.stop()


def parse_options(arguments: Sequence[str]) -> dict[str, object]:
    """``--server.port 8502 --server.headless=true`` as Streamlit config options, typed."""
    from streamlit import config as streamlit_config

    options: dict[str, object] = {}
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        if not argument.startswith("--") or "." not in argument:
            raise SystemExit(f"serve.py: unexpected argument {argument!r}. {NOT_LAUNCHED}")
        name, _, value = argument[2:].partition("=")
        if not value:
            position += 1
            if position >= len(arguments):
                raise SystemExit(f"serve.py: {argument} needs a value.")
            value = arguments[position]
        template = streamlit_config._config_options_template.get(name)
        if template is None:
            raise SystemExit(f"serve.py: {name} is not a Streamlit option.")
        kind = template.type
        if kind is bool:
            options[name] = value.strip().lower() in {"true", "1", "yes"}
        elif kind in (int, float):
            options[name] = kind(value)
        else:
            options[name] = value
        position += 1
    return options


def server_options(arguments: Sequence[str]) -> dict[str, object]:
    """The options the server starts with: :data:`SERVER_DEFAULTS`, then the command line's."""
    return {**SERVER_DEFAULTS, **parse_options(arguments)}


def _single_sign_on_configured() -> bool:
    for folder in (Path(".streamlit"), Path.home() / ".streamlit"):
        secrets_file = folder / "secrets.toml"
        if secrets_file.is_file():
            with secrets_file.open("rb") as handle, contextlib.suppress(tomllib.TOMLDecodeError):
                if "auth" in tomllib.load(handle):
                    return True
    return False


def trusted_proxies() -> str:
    """The proxies allowed to name the client's address (X-Forwarded-For), comma-separated.

    From ``WELLBEING_TRUSTED_PROXIES`` or ``trusted_proxies = ["127.0.0.1"]`` in
    wellbeing.toml; none by default, so no client can claim another's address.
    """
    configured = os.environ.get(TRUSTED_PROXIES_ENV_VAR)
    if configured is None:
        value = config.settings_file_values().get(TRUSTED_PROXIES_SETTING, [])
        configured = ",".join(value) if isinstance(value, list) else str(value)
    return ",".join(part.strip() for part in configured.split(",") if part.strip())


def check_before_listening(address: str | None, *, database: Path) -> None:
    """Refuse (SystemExit) to serve every address, or another one, without sign-in."""
    address = (address or "").strip()
    if address in LOOPBACK or address.startswith("127."):
        return
    from wellbeing import store
    from wellbeing.access import auth

    con = store.connect(database)
    try:
        configured = auth.sign_in_configured(con, single_sign_on=_single_sign_on_configured())
    finally:
        con.close()
    if not configured:
        message = REFUSE_PUBLIC.format(address=address or "every network address")
        raise SystemExit(message)


def launch(application: st.App, arguments: Sequence[str] | None = None) -> None:
    """``python serve.py [--section.option value ...]``: check, then serve."""
    from streamlit import config as streamlit_config
    from streamlit.web import bootstrap

    from wellbeing.core import apart

    # The server's own linear algebra takes one thread, as its decision processes' do:
    # leaders' pages share the cores already, and a pool of threads per product ran the
    # drivers' bootstrap seven times slower on a busy two-core server. Read when numpy
    # loads, which nothing imported so far does; a value set is kept.
    for variable in apart.ONE_THREAD_EACH:
        os.environ.setdefault(variable, "1")

    options = server_options(sys.argv[1:] if arguments is None else arguments)
    sys.argv = sys.argv[:1]
    # Files the server writes (the database's log, exports) are the service account's.
    os.umask(0o077)
    # uvicorn reads this when it starts: only these proxies may set the client address.
    os.environ["FORWARDED_ALLOW_IPS"] = trusted_proxies()
    streamlit_config._main_script_path = str(Path(sys.argv[0]).resolve())
    bootstrap.load_config_options(options)
    from wellbeing import store

    try:
        check_before_listening(
            streamlit_config.get_option("server.address"), database=config.database_path()
        )
    except (store.StoreUnavailable, store.KeyProblem) as problem:
        raise SystemExit(str(problem)) from None
    _launched[:] = [True]
    application.run(config=options)


__all__ = [
    "DownloadGate",
    "UploadGate",
    "MIDDLEWARE",
    "ROUTES",
    "check_before_listening",
    "gate_serving",
    "launch",
    "parse_options",
    "refuse_without_gate",
    "server_options",
    "trusted_proxies",
]
