"""Who responded: each group's share of respondents."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts import style
from wellbeing.present.charts.common import drawn_once, hidden_rows, team_labels


@drawn_once
def respondent_profile_bars(profile: pd.DataFrame, *, names: dict[str, str]) -> go.Figure:
    """Who responded: each group's share of respondents, attribute by attribute.

    Hidden groups carry no bar: a grey row with the reason, stated with the
    threshold their attribute was gated with (``min_group_size``: the stricter
    one for ethnicity, gender, disability and age band).

    Args:
        profile: gated rows from ``queries.equity.respondent_profile``.
        names: attribute code -> label (e.g. "age_band" -> "Age band").
    """
    groups = [
        f"{names.get(attribute, attribute)}: {group}"
        for attribute, group in zip(profile["attribute"], profile["group_name"], strict=True)
    ]
    frame = profile.assign(team=groups)
    labels = team_labels(groups)
    is_shown = (frame["status"] == privacy.SHOWN).to_numpy()
    shown, hidden = frame[is_shown], frame[~is_shown]
    texts = [
        f"{v:.0%} ({int(n)})" for v, n in zip(shown["share"], shown["respondents"], strict=True)
    ]
    axis = style.fitted_axis(shown["share"].astype("float64").tolist(), kind=style.SHARE)
    figure = style.new_figure(
        go.Bar(
            orientation="h",
            x=shown["share"].astype("float64").tolist(),
            y=[labels[g] for g in shown["team"]],
            marker={"color": style.TEAM.colour},
            text=texts,
            textposition="outside",
            textfont={"size": style.SMALL_SIZE, "color": style.TEXT_COLOUR},
            cliponaxis=False,
            customdata=[[g] for g in shown["team"]],
            hovertemplate="%{customdata[0]}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    order = list(reversed([labels[g] for g in groups]))
    hidden_rows(
        figure,
        hidden,
        labels=labels,
        order=order,
        k=hidden["min_group_size"].astype("int64").tolist(),
        x=axis.low,
    )
    overhang = style.words_overhang(texts, shown["share"].astype("float64"), axis)
    style.base_layout(
        figure,
        plot_height=max(160, style.row_height(labels.values()) * len(groups)),
        left=style.label_margin(labels.values()),
        right=overhang,
        top=16,
        bottom=style.axis_room("Share of respondents"),
    )
    figure.update_layout(
        xaxis=axis.layout("Share of respondents"),
        yaxis={
            "categoryorder": "array",
            "categoryarray": order,
            "range": [-0.5, len(order) - 0.5],
            "automargin": False,
        },
        showlegend=False,
        dragmode=False,
    )
    return figure
