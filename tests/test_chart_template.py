"""Every chart is drawn in the house template, whatever Streamlit made Plotly's default.

Charts start from ``style.new_figure``, which gives Plotly's default template
(applied without validating it again) rather than setting ``template=`` on each
figure (validated again each time: 18 ms a chart, most of a page's first visit).
"""

from __future__ import annotations

import re

import plotly.io as pio
import streamlit  # noqa: F401  (its import makes Streamlit's theme Plotly's default)
from support import ROOT
from test_charts_many_teams import interval_figures, team

from wellbeing.present import charts
from wellbeing.present.charts import style


def test_a_chart_drawn_after_streamlit_made_its_theme_the_default_has_the_house_template():
    pio.templates.default = "streamlit"
    figures = interval_figures({team(i): 0.4 + 0.01 * i for i in range(8)}, beyond_chance=set())
    chart = charts.team_intervals(figures, kind="share", axis_title="Share", k=5, organisation=0.5)
    drawn = chart.to_dict()["layout"]["template"]
    assert drawn == pio.templates[style.TEMPLATE].to_plotly_json()
    assert drawn != pio.templates["streamlit"].to_plotly_json()


def test_every_chart_starts_from_the_house_figure():
    folder = ROOT / "wellbeing" / "present" / "charts"
    direct = {
        path.name: len(re.findall(r"\bgo\.Figure\(", path.read_text(encoding="utf-8")))
        for path in folder.glob("*.py")
    }
    assert direct.pop("style.py") == 1, "style.new_figure makes the one go.Figure"
    assert not any(direct.values()), f"a chart made its own go.Figure: {direct}"
