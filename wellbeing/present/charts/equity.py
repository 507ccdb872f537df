"""Who responded: each group's share of respondents."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts.common import (
    BETTER_BLUE,
    drawn_once,
)


@drawn_once
def respondent_profile_bars(profile: pd.DataFrame, *, names: dict[str, str]) -> go.Figure:
    """Who responded: each group's share of respondents, attribute by attribute.

    Hidden groups carry no bar, only the reason, stated with the threshold
    their attribute was gated with (``min_group_size``: the stricter one for
    ethnicity, gender, disability and age band).

    Args:
        profile: gated rows from ``queries.equity.respondent_profile``.
        names: attribute code -> label (e.g. "age_band" -> "Age band").
    """
    labels = [
        f"{names.get(attribute, attribute)}: {group}"
        for attribute, group in zip(profile["attribute"], profile["group_name"], strict=True)
    ]
    shown = (profile["status"] == privacy.SHOWN).to_numpy()
    figure = go.Figure(
        go.Bar(
            orientation="h",
            x=[float(v) if s else 0.0 for v, s in zip(profile["share"], shown, strict=True)],
            y=labels,
            marker={"color": BETTER_BLUE},
            text=[
                f"{v:.0%} ({int(n)})" if s else privacy.status_text(status, int(k))
                for v, n, s, status, k in zip(
                    profile["share"],
                    profile["respondents"],
                    shown,
                    profile["status"],
                    profile["min_group_size"],
                    strict=True,
                )
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": {"text": "Share of respondents"}, "tickformat": ".0%", "range": [0, 1.15]},
        yaxis={"autorange": "reversed"},
        height=max(300, 22 * len(labels) + 100),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
    )
    return figure
