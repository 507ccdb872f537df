"""The only Streamlit glue outside dashboard.py and pages/, one module per job.

``run`` (the shared database, this run's cursor, background preparation),
``session`` (sign-in, the current user, the role a page needs, banners),
``filters`` (the shared sidebar filters), ``downloads`` (audited download
buttons), ``navigation`` (the router, tabs, the team focus), ``panels``
(a page section: reading, chart, table, notes and downloads), ``text``
(readings drawn as text) and ``serving`` (the gates of ``python serve.py``). Pages
and dashboard.py write ``ui.require_role(...)``, ``ui.cursor()`` and so on:
the names they use are re-exported here. Importing this package pins the
server to the st.navigation router (``run``).
"""

from wellbeing.ui.downloads import audited_download, chart_download, table_downloads
from wellbeing.ui.filters import FILTER_KEYS, filters, scope, services, shared_filters
from wellbeing.ui.navigation import (
    SECTION_KEY,
    PageSpec,
    focus_style,
    navigation,
    preload_charts,
    sections,
    team_focus_note,
)
from wellbeing.ui.panels import chart, panel, table
from wellbeing.ui.run import (
    REROUTED_KEY,
    _route_every_run_through_dashboard,
    begin_run,
    cursor,
    database,
    run_page,
)
from wellbeing.ui.serving import refuse_without_gate
from wellbeing.ui.session import (
    REFUSAL,
    SIGN_IN_NOTICE_KEY,
    account_menu,
    current_user,
    demo_notice,
    local_only_banner,
    refuse_public_address_without_sign_in,
    require_role,
    session_cookie,
    sign_in_with_password,
    sign_in_with_provider,
    signed_in_user,
    single_sign_on_configured,
)
from wellbeing.ui.text import reading

__all__ = [
    "FILTER_KEYS",
    "REFUSAL",
    "REROUTED_KEY",
    "SECTION_KEY",
    "SIGN_IN_NOTICE_KEY",
    "PageSpec",
    "_route_every_run_through_dashboard",
    "account_menu",
    "audited_download",
    "begin_run",
    "chart",
    "chart_download",
    "current_user",
    "cursor",
    "database",
    "demo_notice",
    "filters",
    "focus_style",
    "preload_charts",
    "local_only_banner",
    "navigation",
    "panel",
    "reading",
    "run_page",
    "refuse_public_address_without_sign_in",
    "refuse_without_gate",
    "require_role",
    "scope",
    "session_cookie",
    "sections",
    "services",
    "shared_filters",
    "sign_in_with_password",
    "sign_in_with_provider",
    "signed_in_user",
    "single_sign_on_configured",
    "table",
    "table_downloads",
    "team_focus_note",
]
