"""Entry point: page config, sign-in, shared filters and the page router. Nothing else."""

import streamlit as st

from wellbeing import ui
from wellbeing.core.roles import EVERYONE, HR_ADMIN, LEADERS
from wellbeing.ui import PageSpec

# Every page: its menu section, file, title, icon and the roles that may open it.
# A role's menu shows only its pages; the others stay reachable by URL so that
# the page's own ui.require_role answers with a refusal. tests/test_access.py
# runs every role against every page listed here. Add a page with one line:
#   PageSpec("pages/x.py", "Title", ":material/icon:", EVERYONE | LEADERS | (HR_ADMIN,)),
PAGES: dict[str, list[PageSpec]] = {
    "Explore": [
        PageSpec("pages/overview.py", "Overview", ":material/dashboard:", EVERYONE, default=True),
        PageSpec("pages/equity.py", "Equity", ":material/diversity_3:", LEADERS),
        PageSpec("pages/response_rates.py", "Response rates", ":material/how_to_reg:", LEADERS),
        PageSpec("pages/stress.py", "Stress", ":material/psychology_alt:", EVERYONE),
        PageSpec(
            "pages/support_challenge.py", "Support and challenge", ":material/balance:", EVERYONE
        ),
        PageSpec(
            "pages/change_fatigue.py",
            "Change fatigue",
            ":material/published_with_changes:",
            EVERYONE,
        ),
        PageSpec("pages/supervision.py", "Supervision", ":material/supervisor_account:", EVERYONE),
        PageSpec("pages/measures.py", "Measures", ":material/straighten:", EVERYONE),
    ],
    "Act": [
        PageSpec("pages/where_to_act.py", "Where to act", ":material/target:", LEADERS),
        PageSpec("pages/actions.py", "Action plans", ":material/task_alt:", EVERYONE),
    ],
    "HR": [
        PageSpec("pages/upload.py", "Upload", ":material/upload:", (HR_ADMIN,)),
        PageSpec("pages/survey_design.py", "Survey design", ":material/quiz:", (HR_ADMIN,)),
        PageSpec("pages/upload_history.py", "Upload history", ":material/history:", (HR_ADMIN,)),
        PageSpec("pages/change_log.py", "Change log", ":material/event_note:", (HR_ADMIN,)),
        PageSpec("pages/accounts.py", "Accounts", ":material/manage_accounts:", (HR_ADMIN,)),
        PageSpec("pages/audit.py", "Audit log", ":material/policy:", (HR_ADMIN,)),
        PageSpec("pages/settings.py", "Settings", ":material/shield_lock:", (HR_ADMIN,)),
    ],
}
# The only page anyone sees before signing in, whatever URL they typed.
SIGN_IN_PAGE = "pages/sign_in.py"


def main() -> None:
    st.set_page_config(
        page_title="Workforce wellbeing",
        # An emoji, not a :material/...: icon: Streamlit fetches a material page icon
        # from fonts.gstatic.com on every page load, and the dashboard asks no host
        # but its own (README, "Running it for real").
        page_icon="\U0001f465",
        layout="wide",
    )
    ui.focus_style()
    con = ui.begin_run()
    ui.refuse_public_address_without_sign_in(con)
    ui.refuse_without_gate()
    user = ui.signed_in_user(con)
    ui.session_cookie()
    navigation = ui.navigation(PAGES, user, sign_in_page=SIGN_IN_PAGE)
    if user is not None:
        ui.local_only_banner(con)
        ui.account_menu(con, user)
        ui.demo_notice(con)
        ui.shared_filters(con)
    ui.run_page(navigation)
    if user is not None:
        ui.preload_charts()


# Streamlit runs this file as __main__; tests import it only to read PAGES.
if __name__ == "__main__":
    main()
