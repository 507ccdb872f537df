"""Overview: headline tiles, every measure by team against the organisation, where to look first."""

import streamlit as st

from queries import settings, survey
from wellbeing import ui
from wellbeing.core import roles
from wellbeing.present import board_pack, look_first, panels, plain, tables, tiles, words

ui.require_role(*roles.EVERYONE)
st.title("Overview")

con = ui.cursor()
filters = ui.filters(con)
rules = settings.rules(con)
k = rules.min_group_size

if filters.wave_id is None:
    st.info("No survey results yet. HR can add a survey export on the Upload page.")
    st.stop()

wave_label = survey.waves(con).set_index("id").loc[filters.wave_id, "label"]
scope = ui.scope(con, filters, k=k)
st.caption(
    f"{plain.markdown(wave_label)} \u00b7 headline figures for {plain.markdown(scope.covers)}, "
    "with the change since the wave before."
)

headline, comparing = tiles.headline_tiles_at_hand(con, filters=filters, rules=rules)
for row_start in range(0, len(headline), 3):
    row = headline[row_start : row_start + 3]
    for column, tile in zip(st.columns(3), row, strict=False):
        with column.container(border=True):
            # The label as text above the figure: a metric's own label is cut short.
            # An own measure's name is HR's words: shown as typed (plain.markdown).
            label = plain.markdown(tile.label)
            st.markdown(f"**{label}**", help=plain.markdown(words.sentence(tile.description)))
            points = None if tile.change is None else round(tile.change * 100)
            st.metric(
                label,
                tile.value_text(k),
                delta=None if not points else words.points(points),
                delta_color="normal" if tile.rise_is_good else "inverse",
                label_visibility="collapsed",
            )
            facts = (
                tile.change_text(),
                tile.national_text(),
                f"{tile.respondents:,} {tile.basis}" if tile.respondents else "",
            )
            st.caption(plain.markdown(" \u00b7 ".join(part for part in facts if part)))
if comparing is not None:
    ui.rerun_when_decided(comparing)


def scores_or_nothing():
    """Every team's scores, or None (and a note) when no response matches the filters."""
    scores = survey.construct_by_team(con, filters=filters, rules=rules)
    if scores.empty:
        st.info("No responses match these filters. Clear a filter to see more.")
        return None
    return scores


def teams_to_look_at_first() -> None:
    if scores_or_nothing() is None:
        return
    verdicts = look_first.look_first_verdicts(con, filters=filters, rules=rules)
    listed = look_first.teams_to_look_at_first(verdicts, hierarchy=survey.team_hierarchy(con))
    teams_compared = verdicts["team"].nunique()
    ui.reading(look_first.look_first_reading(listed, teams_compared=teams_compared))
    # The longest lists (hundreds of teams pooled nationally) are in the download.
    for row in listed.head(look_first.LOOK_FIRST_LISTED).itertuples(index=False):
        service = plain.markdown(row.service or "no service")
        team = plain.markdown(row.team)
        with st.expander(
            f"{team} ({service}): worse on {words.count(row.measures_worse, 'measure')}"
        ):
            st.markdown("\n".join(f"- {plain.markdown(reason)}" for reason in row.reasons))
    if len(listed) > look_first.LOOK_FIRST_LISTED:
        st.caption(
            f"The first {look_first.LOOK_FIRST_LISTED} of {len(listed)} are listed; the download "
            "below has them all."
        )
    st.caption(
        "A team is worse than the organisation on a measure only when its 95% interval excludes "
        "the organisation's figure and the gap is at least 0.25 on the 1-5 scale (5 points for "
        "supervision compliance, from the records); smaller or less certain gaps could be chance "
        "and are not counted."
    )
    if not listed.empty:
        ui.table_downloads(
            tables.plain_table(
                listed.assign(reasons=listed["reasons"].map("; ".join)),
                columns={
                    "team": ("Team", tables.TEXT),
                    "service": ("Service", tables.TEXT),
                    "measures_worse": ("Measures worse", tables.COUNT),
                    "measures": ("Measures", tables.TEXT),
                    "reasons": ("Why", tables.TEXT),
                },
            ),
            key="look_first",
            file_stem=scope.file_stem("Teams to look at first"),
        )


def every_measure_by_team() -> None:
    scores = scores_or_nothing()
    if scores is None:
        return
    ui.panel(
        panels.heatmap_panel(
            scores,
            survey.constructs(con),
            survey.construct_for_organisation(con, filters=filters, rules=rules),
            title="Every measure by team",
            key="overview_heatmap",
            scope=scope,
            notes=tuple(
                note
                for note in (
                    panels.combine_note(scores, combining=filters.combine_small_teams),
                    panels.hidden_note(k),
                )
                if note
            ),
        )
    )


def the_board_pack() -> None:
    services = ui.services(con)  # none for a team manager: their teams and the organisation
    pack_scope = st.selectbox(
        "For",
        [None, *services],
        format_func=lambda service: "The whole organisation" if service is None else service,
        key="board_pack_scope",
    )
    st.caption(
        f"A PDF of {plain.markdown(wave_label)} for the board: the headline figures, the teams to "
        "look at first, "
        "the stress, support and challenge, supervision and change fatigue charts each with its "
        "reading, the open action plans with what moved, the data date, respondent counts and "
        "the anonymity rule."
    )
    pack_key = ("board_pack", filters.wave_id, pack_scope)
    if st.button(
        "Prepare the board pack", key="board_pack_prepare", icon=":material/picture_as_pdf:"
    ):
        with st.spinner("Drawing the charts and printing the PDF (a few seconds)..."):
            try:
                st.session_state[pack_key] = board_pack.board_pack_pdf(
                    con, wave_id=filters.wave_id, service=pack_scope, rules=rules
                )
            except board_pack.PrintProblem as problem:
                st.error(plain.markdown(str(problem)))
    if pack_key in st.session_state:
        pack_name = board_pack.file_name(pack_scope, str(wave_label))
        pack_pdf = st.session_state[pack_key]
        st.download_button(
            "Download the board pack (PDF)",
            data=ui.audited_download(lambda: pack_pdf, file_name=pack_name),
            file_name=pack_name,
            mime="application/pdf",
            key="board_pack_download",
            on_click="ignore",
            icon=":material/download:",
        )


ui.sections(
    {
        "Teams to look at first": teams_to_look_at_first,
        "Every measure by team": every_measure_by_team,
        "Board pack": the_board_pack,
    }
)
