"""Response rates by team against staff in post."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellbeing import privacy
from wellbeing.present.charts import style
from wellbeing.present.charts.common import (
    ROW_PLOT_WIDTH,
    drawn_once,
    hidden_rows,
    most_notable,
    say_which_teams_are_drawn,
    team_labels,
)


@drawn_once
def response_rate_bars(rates: pd.DataFrame, *, k: int, low_rate: float) -> go.Figure:
    """Response rate by team against staff in post, with the low-response line.

    Bars under ``low_rate`` are drawn as worse (orange, hatched) and say so in the
    legend. Teams whose respondents are hidden are a grey row with the reason and
    their headcount; teams missing from the staff list say so.

    Args:
        rates: rows from ``queries.response_rates.response_rates_by_team``.
    """
    rates, note = most_notable(
        rates,
        pd.DataFrame(
            {
                "team": rates["team"],
                "low_response": rates["low_response"].astype(bool).astype("int64"),
                # teams off the staff list have no rate and come last
                "lowness": -pd.to_numeric(rates["response_rate"], errors="coerce")
                .astype("float64")
                .fillna(np.inf),
            }
        ),
        why=f"under {low_rate:.0%} first, then the lowest rates",
    )
    teams = rates["team"].astype("str").tolist()
    labels = team_labels(teams)
    on_list = rates["headcount"].notna()
    drawn = rates[(rates["status"] == privacy.SHOWN) & on_list]
    grey = rates[(rates["status"] != privacy.SHOWN) | ~on_list]
    values = drawn["response_rate"].astype("float64")
    texts = [
        f"{rate:.0%} ({int(n)} of {int(headcount)})"
        for rate, n, headcount in zip(values, drawn["respondents"], drawn["headcount"], strict=True)
    ]
    axis = style.fitted_axis([*values, low_rate], kind=style.SHARE)
    low = drawn["low_response"].astype(bool).tolist()
    figure = style.new_figure(
        go.Bar(
            orientation="h",
            name="Response rate",
            x=values.tolist(),
            y=[labels[t] for t in drawn["team"].astype("str")],
            marker={
                "color": [style.WORSE.colour if flag else style.TEAM.colour for flag in low],
                "pattern": {
                    "shape": [style.WORSE.pattern if flag else "" for flag in low],
                    "fgcolor": "#ffffff",
                    "size": 6,
                },
            },
            text=texts,
            textposition="outside",
            textfont={"size": style.SMALL_SIZE, "color": style.TEXT_COLOUR},
            cliponaxis=False,
            customdata=[[team] for team in drawn["team"]],
            hovertemplate="%{customdata[0]}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    order = list(reversed([labels[t] for t in teams]))
    grey_texts = [
        "not in the staff list"
        if pd.isna(headcount)
        else f"{privacy.status_text(status, k)} of {int(headcount)} staff"
        for headcount, status in zip(grey["headcount"], grey["status"], strict=True)
    ]
    hidden_rows(
        figure,
        grey.assign(status=grey["status"].where(grey["headcount"].notna(), privacy.NO_DATA)),
        labels=labels,
        order=order,
        k=k,
        x=axis.low,
        texts=grey_texts,
    )
    figure.add_vline(x=low_rate, line={"color": "#000000", "dash": "dot", "width": 1.5})
    legend = [f"Under {low_rate:.0%}: may not speak for the team", f"{low_rate:.0%} or more"]
    style.legend_entry(figure, style.WORSE, words=legend[0], symbol="square")
    style.legend_entry(figure, style.TEAM, words=legend[1], symbol="square")
    style.legend_entry(
        figure,
        style.ORGANISATION,
        words=f"The {low_rate:.0%} line",
        line={"color": "#000000", "dash": "dot"},
    )
    # A bar near the end of the axis puts its words past it, into the right margin.
    overhang = style.words_overhang(texts, values, axis)
    top = style.legend_height([*legend, f"The {low_rate:.0%} line"], width=ROW_PLOT_WIDTH)
    style.base_layout(
        figure,
        plot_height=style.row_height(labels.values()) * len(teams),
        left=style.label_margin(labels.values()),
        right=overhang,
        top=top,
        bottom=style.axis_room("Respondents as a share of staff in post"),
    )
    style.legend_layout(figure)
    figure.update_layout(
        xaxis=axis.layout("Respondents as a share of staff in post"),
        yaxis={
            "categoryorder": "array",
            "categoryarray": order,
            "range": [-0.5, len(order) - 0.5],
            "automargin": False,
        },
        dragmode=False,
        clickmode="event+select",
    )
    say_which_teams_are_drawn(figure, note)
    return figure
