"""Settings (HR only): the confidentiality thresholds, with their effect shown before saving."""

import streamlit as st

from queries import settings, survey
from wellbeing import privacy, ui
from wellbeing.access import audit_log
from wellbeing.core import roles
from wellbeing.present import plain

user = ui.require_role(roles.HR_ADMIN)
st.title("Confidentiality settings")
con = ui.cursor()
current = settings.rules(con)

st.markdown(
    "Groups with fewer respondents than the **minimum group size** show no score and no count, "
    "and other groups are hidden where their figures would let someone work out a hidden one. "
    "Breakdowns by ethnicity, gender, disability or age use the **stricter size**. A group "
    "smaller than the **all-alike size** is hidden when everyone in it answered alike (a share "
    "of 0% or 100%, or an interval of no width): that would tell each member's answer. "
    "How it all works: docs/anonymity.md."
)
left, middle, right = st.columns(3)
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
sensitive_k = middle.number_input(
    "Minimum group size for sensitive attributes",
    min_value=1,
    max_value=50,
    value=current.sensitive_min_group_size,
    step=1,
    key="settings_sensitive_min_group_size",
    help="At least the minimum group size, at most "
    f"{privacy.HIGHEST_ALLOWED_SENSITIVE_MIN_GROUP_SIZE}.",
)

alike = right.number_input(
    "All-alike size",
    min_value=1,
    max_value=100,
    value=current.alike_group_size,
    step=1,
    key="settings_alike_group_size",
    help="From the minimum group size (which turns the rule off) to "
    f"{privacy.HIGHEST_ALLOWED_ALIKE_GROUP_SIZE}.",
)

try:
    proposed = privacy.Rules(
        min_group_size=int(k),
        sensitive_min_group_size=int(sensitive_k),
        alike_group_size=int(alike),
    )
except ValueError as problem:
    st.error(plain.markdown(str(problem)))
    st.stop()

waves = survey.waves(con)
if waves.empty:
    st.info("No survey results yet, so nothing would be hidden either way.")
else:
    wave_id, label = int(waves["id"].iloc[-1]), waves["label"].iloc[-1]
    now = survey.hidden_under(con, wave_id=wave_id, rules=current)
    then = survey.hidden_under(con, wave_id=wave_id, rules=proposed)
    st.subheader(f"Effect on {plain.markdown(label)}")
    st.markdown(
        f"With these settings, **{then['teams_hidden']} team figures and "
        f"{then['breakdowns_hidden']} breakdown figures would be hidden** (now: "
        f"{now['teams_hidden']} and {now['breakdowns_hidden']}), over every measure. "
        "Breakdowns are a team, service or the organisation split by role, career stage or a "
        "sensitive attribute."
    )
    if proposed != current:
        lost = survey.consequences_of_rules(con, wave_id=wave_id, rules=proposed)
        if lost:
            st.warning(
                "Leaders have seen this wave under the settings in force. Decided together "
                "with what they saw, the new settings would hide:",
                icon=":material/visibility_off:",
            )
            for line in lost:
                st.text(f"- {line}")

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
            f"{proposed.sensitive_min_group_size}; "
            f"all alike {current.alike_group_size} -> {proposed.alike_group_size}"
        ),
    )
    st.success("Saved. Every page now uses the new thresholds.")
