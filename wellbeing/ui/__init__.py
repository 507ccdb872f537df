"""The only Streamlit glue outside dashboard.py and pages/, one module per job.

``run`` (the shared database, this run's cursor, background preparation),
``session`` (sign-in, the current user, the role a page needs, banners),
``sidebar`` (the shared filters), ``downloads`` (audited download
buttons), ``routing`` (the router, tabs, the team focus), ``panels``
(a page section: reading, chart, table, notes and downloads), ``text``
(readings drawn as text) and ``serving`` (the gates of ``python serve.py``). Pages
and dashboard.py write ``ui.require_role(...)``, ``ui.cursor()`` and so on:
the names they use are re-exported here. Importing this package pins the
server to the st.navigation router.
"""

from importlib import import_module

# Each name the pages use, and the module it lives in. Imported on first use (PEP 562),
# not with the package: serve.py imports the gates (``serving``) before it listens, and
# the rest (pandas, DuckDB, the queries, plotly: 0.6 s) is then imported on a thread of
# its own while the first browser loads Streamlit's page (``run.warm_start``).
_HOMES = {
    "audited_download": "downloads",
    "chart_download": "downloads",
    "table_downloads": "downloads",
    "FILTER_KEYS": "sidebar",
    "filters": "sidebar",
    "scope": "sidebar",
    "services": "sidebar",
    "shared_filters": "sidebar",
    "SECTION_KEY": "routing",
    "PageSpec": "routing",
    "focus_style": "routing",
    "navigation": "routing",
    "preload_charts": "routing",
    "sections": "routing",
    "team_focus_note": "routing",
    "chart": "panels",
    "panel": "panels",
    "table": "panels",
    "REROUTED_KEY": "run",
    "begin_run": "run",
    "cursor": "run",
    "database": "run",
    "rerun_when_decided": "run",
    "run_page": "run",
    "refuse_without_gate": "serving",
    "REFUSAL": "session",
    "SIGN_IN_NOTICE_KEY": "session",
    "account_menu": "session",
    "current_user": "session",
    "demo_notice": "session",
    "local_only_banner": "session",
    "refuse_public_address_without_sign_in": "session",
    "require_role": "session",
    "session_cookie": "session",
    "sign_in_with_password": "session",
    "sign_in_with_provider": "session",
    "signed_in_user": "session",
    "single_sign_on_configured": "session",
    "reading": "text",
}

__all__ = ["_route_every_run_through_dashboard", *sorted(_HOMES)]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def modules() -> list[str]:
    """The modules behind the names, which a server imports at start (``run.warm_start``)."""
    return sorted(set(_HOMES.values()))


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


def _route_every_run_through_dashboard() -> None:
    """Keep Streamlit on the st.navigation router for this whole server process.

    Streamlit decides once per process, when the first session starts, whether
    the app uses the old folder-of-pages mode: it does whenever a folder named
    ``pages/`` sits beside the entry file, until some run calls st.navigation.
    A first request that deep-links to a page (e.g. ``/upload``) would run that
    page alone, without dashboard.py's sign-in, filters and menu. Every page
    imports this package, so pinning the flag here routes every later run
    through dashboard.py; the first deep-linked run is still guarded by the
    page's own ``require_role``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


_route_every_run_through_dashboard()
