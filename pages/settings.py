"""Settings (HR only): the confidentiality thresholds, with their effect shown before saving."""

import streamlit as st

from queries import settings, survey
from wellbeing import privacy, ui
from wellbeing.access import audit_log
from wellbeing.core import roles

user = ui.require_role(roles.HR_ADMIN)
st.title("Confidentiality settings")
con = ui.cursor()
current = settings.rules(con)

st.markdown(
    "Groups with fewer respondents than the **minimum group size** show no score and no count, "
    "and other groups are hidden where their figures would let someone work out a hidden one. "
    "Breakdowns by ethnicity, gender, disability or age use the **stricter size**."
)
left, right = st.columns(2)
k = left.number_input(
    "Minimum group size",
    min_value=1,
    max_value=50,
    value=current.min_group_size,
    step=1,
    key="settings_min_group_size",
    help=f"Allowed: {privacy.LOWEST_ALLOWED_MIN_GROUP_SIZE} to "
    f"{privacy.HIGHEST_ALLOWED_MIN_GROUP_SIZE} respondents.",
)
sensitive_k = right.number_input(
    "Minimum group size for sensitive attributes",
    min_value=1,
    max_value=50,
    value=current.sensitive_min_group_size,
    step=1,
    key="settings_sensitive_min_group_size",
    help="At least the minimum group size, at most "
    f"{privacy.HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE}.",
)

try:
    proposed = privacy.Rules(min_group_size=int(k), sensitive_min_group_size=int(sensitive_k))
except ValueError as problem:
    st.error(str(problem))
    st.stop()

waves = survey.waves(con)
if waves.empty:
    st.info("No survey results yet, so nothing would be hidden either way.")
else:
    wave_id, label = int(waves["id"].iloc[-1]), waves["label"].iloc[-1]
    now = survey.hidden_under(con, wave_id=wave_id, rules=current)
    then = survey.hidden_under(con, wave_id=wave_id, rules=proposed)
    st.subheader(f"Effect on {label}")
    st.markdown(
        f"With these settings, **{then['teams']} teams and {then['breakdowns']} breakdowns "
        f"would be hidden** (now: {now['teams']} teams and {now['breakdowns']} breakdowns). "
        "Breakdowns are a team, service or the organisation split by role, career stage or a "
        "sensitive attribute."
    )

if proposed == current:
    st.caption("These are the settings in force.")
elif st.button("Save settings", type="primary", key="settings_save"):
    settings.save_rules(con, proposed)
    audit_log.record(
        con,
        user=user,
        action=audit_log.SETTINGS,
        detail=(
            f"minimum group size {current.min_group_size} -> {proposed.min_group_size}; "
            f"sensitive {current.sensitive_min_group_size} -> "
            f"{proposed.sensitive_min_group_size}"
        ),
    )
    st.success("Saved. Every page now uses the new thresholds.")
