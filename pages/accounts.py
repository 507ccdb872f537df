"""Accounts: who may sign in, with which role, and single sign-on grants (HR admins only)."""

import streamlit as st

from queries import survey
from wellbeing import ui
from wellbeing.access import accounts, auth
from wellbeing.core import roles
from wellbeing.present import plain, tables

user = ui.require_role(roles.HR_ADMIN)
st.title("Accounts and access")
con = ui.cursor()


def role_name(role: str) -> str:
    return roles.ROLE_NAMES[role]


def known_teams() -> list[str]:
    return sorted(set(survey.team_hierarchy(con)["team"]))


def show_outcome(key: str) -> None:
    """A message left by the last action on this page, shown once."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(plain.markdown(message), icon=":material/check_circle:")


def act(done_key: str, message: str, change, **arguments) -> None:
    """Run an account change; on success rerun with ``message``, else show why not."""
    try:
        change(con, by=user, **arguments)
    except accounts.AccountProblem as problem:
        st.error(plain.markdown(str(problem)))
        return
    st.session_state[done_key] = message
    st.rerun()


teams_known = known_teams()
people, single_sign_on, sessions = st.tabs(["Accounts", "Single sign-on", "Sessions"])

with people:
    show_outcome("accounts_done")
    table = accounts.accounts(con)
    if table.empty:
        st.info(
            "No accounts yet: this dashboard answers only on this computer. Add the first HR "
            "admin below (or run `wellbeing accounts create-admin`); from then on everyone "
            "signs in."
        )
    else:
        ui.table(
            tables.plain_table(
                table.assign(
                    role=table["role"].map(role_name),
                    active=table["active"].map({True: "yes", False: "no"}),
                ),
                columns={
                    "username": ("User name", tables.TEXT),
                    "display_name": ("Name", tables.TEXT),
                    "role": ("Role", tables.TEXT),
                    "teams": ("Teams (team managers)", tables.TEXT),
                    "active": ("Can sign in", tables.TEXT),
                    "created_at": ("Created (UTC)", tables.DATETIME),
                    "created_by": ("Created by", tables.TEXT),
                    "password_changed_at": ("Password set (UTC)", tables.DATETIME),
                },
            ),
            key="accounts_table",
            title="Accounts",
        )

    with st.form("create_account", clear_on_submit=True):
        st.subheader("Add an account")
        left, right = st.columns(2)
        username = left.text_input("User name", key="new_username")
        display_name = right.text_input("Name", key="new_display_name")
        role = left.selectbox("Role", roles.ROLES, format_func=role_name, key="new_role")
        teams = right.multiselect(
            "Teams (team managers only)", teams_known, key="new_teams", accept_new_options=True
        )
        password = left.text_input(
            "Password", type="password", key="new_password", autocomplete="new-password"
        )
        repeated = right.text_input(
            "Password again", type="password", key="new_password_again", autocomplete="new-password"
        )
        st.caption(f"At least {accounts.MIN_PASSWORD_LENGTH} characters; a passphrase is best.")
        if st.form_submit_button("Add account", type="primary"):
            if password != repeated:
                st.error("The two passwords differ; type them again.")
            else:
                act(
                    "accounts_done",
                    f"Added {username.strip().lower()}.",
                    accounts.create_account,
                    username=username,
                    display_name=display_name,
                    role=role,
                    teams=teams,
                    password=password,
                )

    if not table.empty:
        st.subheader("Change an account")
        chosen = st.selectbox("Account", table["username"].tolist(), key="chosen_account")
        account = table.set_index("username").loc[chosen]
        account_id = int(account["id"])
        current_teams = [team for team in account["teams"].split(", ") if team]
        access, password_tab, status = st.columns(3)
        with access.form("change_access"):
            st.markdown("**Role and teams**")
            new_role = st.selectbox(
                "Role",
                roles.ROLES,
                index=roles.ROLES.index(account["role"]),
                format_func=role_name,
                key="change_role",
            )
            new_teams = st.multiselect(
                "Teams (team managers only)",
                sorted(set(teams_known) | set(current_teams)),
                default=current_teams,
                key="change_teams",
                accept_new_options=True,
            )
            if st.form_submit_button("Save role"):
                act(
                    "accounts_done",
                    f"Changed the access of {chosen}.",
                    accounts.change_access,
                    account_id=account_id,
                    role=new_role,
                    teams=new_teams,
                )
        with password_tab.form("reset_password", clear_on_submit=True):
            st.markdown("**Reset password**")
            new_password = st.text_input(
                "New password", type="password", key="reset_password", autocomplete="new-password"
            )
            again = st.text_input(
                "New password again",
                type="password",
                key="reset_password_again",
                autocomplete="new-password",
            )
            if st.form_submit_button("Reset password"):
                if new_password != again:
                    st.error("The two passwords differ; type them again.")
                else:
                    act(
                        "accounts_done",
                        f"Reset the password of {chosen}.",
                        accounts.reset_password,
                        account_id=account_id,
                        password=new_password,
                    )
        with status:
            st.markdown("**Sign-in**")
            if account["active"]:
                st.caption("Disabling signs the person out at their next click.")
                if st.button("Disable account", key="disable_account"):
                    act(
                        "accounts_done",
                        f"Disabled {chosen}.",
                        accounts.set_active,
                        account_id=account_id,
                        active=False,
                    )
            else:
                st.caption("This account cannot sign in.")
                if st.button("Enable account", key="enable_account"):
                    act(
                        "accounts_done",
                        f"Enabled {chosen}.",
                        accounts.set_active,
                        account_id=account_id,
                        active=True,
                    )

with single_sign_on:
    show_outcome("sso_done")
    if ui.single_sign_on_configured():
        st.success("Single sign-on is set up: people can sign in with their organisation account.")
    else:
        st.info(
            "Single sign-on is not set up on this server (no [auth] section in "
            ".streamlit/secrets.toml). Grants below take effect once it is; see "
            "docs/single-sign-on.md for Microsoft Entra ID."
        )
    grants = accounts.sso_mappings(con)
    if not grants.empty:
        ui.table(
            tables.plain_table(
                grants.assign(role=grants["role"].map(role_name)),
                columns={
                    "claim": ("Claim", tables.TEXT),
                    "value": ("Value", tables.TEXT),
                    "role": ("Role", tables.TEXT),
                    "teams": ("Teams (team managers)", tables.TEXT),
                    "created_at": ("Created (UTC)", tables.DATETIME),
                    "created_by": ("Created by", tables.TEXT),
                },
            ),
            key="sso_table",
            title="Single sign-on grants",
        )
    with st.form("grant_sso", clear_on_submit=True):
        st.subheader("Grant a role to an identity")
        claim = st.radio(
            "Match on",
            accounts.SSO_CLAIMS,
            horizontal=True,
            key="sso_claim",
            format_func={"email": "Email address", "group": "Group id"}.get,
        )
        value = st.text_input("Email address or group object id", key="sso_value")
        sso_role = st.selectbox("Role", roles.ROLES, format_func=role_name, key="sso_role")
        sso_teams = st.multiselect(
            "Teams (team managers only)", teams_known, key="sso_teams", accept_new_options=True
        )
        if st.form_submit_button("Grant", type="primary"):
            act(
                "sso_done",
                f"Granted {role_name(sso_role)} to {value.strip().lower()}.",
                accounts.grant_sso,
                claim=claim,
                value=value,
                role=sso_role,
                teams=sso_teams,
            )
    if not grants.empty:
        labels = [f"{row.claim}: {row.value}" for row in grants.itertuples()]
        revoked = st.selectbox("Revoke a grant", labels, index=None, key="sso_revoke")
        if revoked is not None and st.button("Revoke", key="sso_revoke_button"):
            row = grants.iloc[labels.index(revoked)]
            act(
                "sso_done",
                f"Revoked {revoked}.",
                accounts.revoke_sso,
                claim=row["claim"],
                value=row["value"],
            )

with sessions:
    show_outcome("sessions_done")
    low, high = auth.SESSION_TIMEOUT_RANGE
    current = int(auth.session_timeout(con).total_seconds() // 60)
    with st.form("session_timeout"):
        minutes = st.number_input(
            "Sign out after this many minutes without activity",
            min_value=low,
            max_value=high,
            value=current,
            step=5,
            key="timeout_minutes",
        )
        if st.form_submit_button("Save"):
            auth.set_session_timeout(con, minutes=int(minutes), by=user)
            st.session_state["sessions_done"] = (
                f"Sessions now end after {int(minutes)} idle minutes."
            )
            st.rerun()
    st.caption(
        f"Failed sign-ins: after {auth.FREE_FAILURES_PER_ACCOUNT} wrong passwords for one account "
        f"(or {auth.FREE_FAILURES_PER_CLIENT} from one computer within an hour) each further "
        f"attempt waits twice as long, from {int(auth.FIRST_DELAY.total_seconds())} seconds up "
        f"to {int(auth.MAX_DELAY.total_seconds() // 60)} minutes."
    )
