"""Charts: a DataFrame in, a Plotly Figure out. No Streamlit, no queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.measures import higher_is_better

HIDDEN_GREY = "#d9d9d9"
WORSE_RED = "#c0392b"
BETTER_BLUE = "#2e6da4"
NEUTRAL = "#f7f7f7"


def construct_heatmap(
    scores: pd.DataFrame,
    constructs: pd.DataFrame,
    organisation: pd.Series,
    *,
    k: int,
    instrument: str = "default",
) -> go.Figure:
    """Teams (rows) by constructs (columns), coloured by the gap from the organisation.

    Red means worse than the organisation whichever way the construct runs;
    hidden cells are grey and say why.

    Args:
        scores: gated rows from ``queries.survey.construct_by_team``.
        constructs: code and name of the constructs to draw, in order.
        organisation: the organisation's mean per construct code.
        k: the minimum group size in force, for the hidden-cell labels.
    """
    codes = [code for code in constructs["code"] if code in set(scores["construct"])]
    names = dict(zip(constructs["code"], constructs["name"], strict=True))
    teams = sorted(scores["team"].unique(), reverse=True)
    mean = scores.pivot(index="team", columns="construct", values="mean_score").reindex(
        index=teams, columns=codes
    )
    count = scores.pivot(index="team", columns="construct", values="respondents").reindex(
        index=teams, columns=codes
    )
    status = scores.pivot(index="team", columns="construct", values="status").reindex(
        index=teams, columns=codes
    ).fillna(privacy.NO_DATA)
    direction = np.array([1.0 if higher_is_better(instrument, c) else -1.0 for c in codes])
    org = organisation.reindex(codes).to_numpy(dtype="float64")
    goodness = (mean.to_numpy(dtype="float64", na_value=np.nan) - org) * direction
    text = np.empty(mean.shape, dtype=object)
    hover = np.empty(mean.shape, dtype=object)
    for i, team in enumerate(teams):
        for j, code in enumerate(codes):
            cell_status = status.iat[i, j]
            if cell_status == privacy.SHOWN:
                text[i, j] = f"{mean.iat[i, j]:.2f}"
                hover[i, j] = (
                    f"{team}<br>{names[code]}: {mean.iat[i, j]:.2f} "
                    f"(organisation {org[j]:.2f})<br>{int(count.iat[i, j])} respondents"
                )
            else:
                text[i, j] = privacy.status_text(cell_status, k)
                hover[i, j] = f"{team}<br>{names[code]}<br>{privacy.status_explanation(cell_status, k)}"
    limit = max(0.5, float(np.nanmax(np.abs(goodness))) if np.isfinite(goodness).any() else 0.5)
    figure = go.Figure(
        go.Heatmap(
            z=goodness,
            x=[names[c] for c in codes],
            y=teams,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorscale=[[0, WORSE_RED], [0.5, NEUTRAL], [1, BETTER_BLUE]],
            zmin=-limit,
            zmax=limit,
            colorbar={"title": {"text": "vs organisation"}, "tickvals": [-limit, 0, limit],
                      "ticktext": ["worse", "same", "better"]},
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(
        plot_bgcolor=HIDDEN_GREY,
        height=max(320, 28 * len(teams) + 140),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"side": "top", "tickangle": -30},
    )
    return figure
