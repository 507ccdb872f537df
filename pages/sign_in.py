"""Sign-in: the only page shown to someone who is not signed in."""

import streamlit as st

from wellbeing import ui
from wellbeing.access import auth
from wellbeing.present import plain

con = ui.cursor()
st.title("Workforce wellbeing")

notice = st.session_state.pop(ui.SIGN_IN_NOTICE_KEY, None)
if notice:
    st.info(notice, icon=":material/info:")

if st.user.get("is_logged_in"):
    # Signed in with the organisation's account, but HR has granted it no role.
    who = auth.identity_email(st.user.to_dict()) or "this account"
    st.warning(
        f"You are signed in as **{plain.markdown(who)}**, which has no access to this dashboard. "
        "Ask an HR administrator to grant it a role."
    )
    if st.button("Sign out", key="sso_sign_out"):
        st.logout()
    st.stop()

if ui.single_sign_on_configured() and st.button(
    "Sign in with your organisation account",
    key="sso_sign_in",
    type="primary",
    icon=":material/badge:",
):
    ui.sign_in_with_provider()

# Cleared on submit so the password does not linger in the session.
with st.form("sign_in", border=True, clear_on_submit=True):
    st.subheader("Sign in with a dashboard account")
    username = st.text_input(
        "User name", key="sign_in_username", autocomplete="username", max_chars=128
    )
    password = st.text_input(
        "Password", type="password", key="sign_in_password", autocomplete="current-password"
    )
    submitted = st.form_submit_button("Sign in", type="primary")

if submitted:
    problem = ui.sign_in_with_password(con, username=username, password=password)
    if problem:
        st.error(plain.markdown(problem))
    else:
        st.rerun()
st.caption("Accounts are created by an HR administrator. Forgotten passwords are reset by HR.")
