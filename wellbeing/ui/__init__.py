"""The only Streamlit glue outside dashboard.py and pages/, one module per job.

``run`` (the shared database, this run's cursor, background preparation),
``session`` (sign-in, the current user, the role a page needs, banners),
``filters`` (the shared sidebar filters), ``downloads`` (audited download
buttons) and ``navigation`` (the router, tabs, clickable team charts). Pages
and dashboard.py write ``ui.require_role(...)``, ``ui.cursor()`` and so on:
the names they use are re-exported here. Importing this package pins the
server to the st.navigation router (``run``).
"""

from wellbeing.ui.downloads import audited_download, chart_download, hidden_note, table_downloads
from wellbeing.ui.filters import FILTER_KEYS, filters, shared_filters
from wellbeing.ui.navigation import (
    SECTION_KEY,
    PageSpec,
    navigation,
    sections,
    team_chart,
    team_focus_note,
    trend,
)
from wellbeing.ui.run import (
    REROUTED_KEY,
    _route_every_run_through_dashboard,
    begin_run,
    cursor,
    database,
)
from wellbeing.ui.session import (
    REFUSAL,
    SIGN_IN_NOTICE_KEY,
    account_menu,
    current_user,
    demo_notice,
    local_only_banner,
    refuse_public_address_without_sign_in,
    require_role,
    sign_in_with_password,
    sign_in_with_provider,
    signed_in_user,
    single_sign_on_configured,
)
from wellbeing.ui.text import plain

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
    "chart_download",
    "current_user",
    "cursor",
    "database",
    "demo_notice",
    "filters",
    "hidden_note",
    "local_only_banner",
    "navigation",
    "plain",
    "refuse_public_address_without_sign_in",
    "require_role",
    "sections",
    "shared_filters",
    "sign_in_with_password",
    "sign_in_with_provider",
    "signed_in_user",
    "single_sign_on_configured",
    "table_downloads",
    "team_chart",
    "team_focus_note",
    "trend",
]
