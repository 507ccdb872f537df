"""The chart palette stays apart for common colour-vision deficiencies, and marks stand out.

Colours are simulated for protanopia, deuteranopia and tritanopia with the
matrices of Machado, Oliveira and Fernandes (2009, severity 1.0, applied to
linear RGB), then compared in CIELAB. Colours that meet in one chart must stay
at least ``MIN_DIFFERENCE`` apart (CIE76 delta E; about 2.3 is a just-noticeable
difference) under normal vision and every simulation. Meaning never rests on
colour alone anyway (marks, patterns, words), so this is the second line.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from wellbeing.present.charts import style

MACHADO = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
VISIONS = [None, *MACHADO]
MIN_DIFFERENCE = 12.0

# Colours that are drawn together in one chart.
TOGETHER = {
    "team against the organisation": [
        style.WORSE.colour,
        style.BETTER.colour,
        style.SAME.colour,
        style.ORGANISATION.colour,
        style.NATIONAL.colour,
    ],
    "heatmap cells": [*style.CELL_FILLS.values(), style.HIDDEN.colour],
    "trend and timeline": [
        style.ORGANISATION.colour,
        style.FOCUS.colour,
        style.OTHER_TEAMS.colour,
        style.EVENT.colour,
    ],
    "quadrants": list(style.SEQUENCE),
    "survey against records": [role.colour for role in style.SOURCES.values()],
    "response rates": [style.WORSE.colour, style.TEAM.colour],
}
# Marks and lines that must stand out from the white background (WCAG 2.2, 1.4.11: 3:1).
MARKS = [
    style.WORSE,
    style.BETTER,
    style.SAME,
    style.ORGANISATION,
    style.NATIONAL,
    style.FOCUS,
    style.TEAM,
    style.EVENT,
    *style.SOURCES.values(),
]


def linear(hex_colour: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def seen(hex_colour: str, vision: str | None) -> np.ndarray:
    """The colour in linear RGB as someone with ``vision`` sees it (None: typical vision)."""
    rgb = linear(hex_colour)
    return rgb if vision is None else np.clip(np.array(MACHADO[vision]) @ rgb, 0, 1)


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = (
        np.array(
            [
                [0.4124564, 0.3575761, 0.1804375],
                [0.2126729, 0.7151522, 0.0721750],
                [0.0193339, 0.1191920, 0.9503041],
            ]
        )
        @ rgb
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def difference(a: str, b: str, vision: str | None) -> float:
    return float(np.linalg.norm(lab(seen(a, vision)) - lab(seen(b, vision))))


def luminance(hex_colour: str) -> float:
    return float(np.array([0.2126, 0.7152, 0.0722]) @ linear(hex_colour))


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "typical")
@pytest.mark.parametrize("chart", list(TOGETHER))
def test_colours_drawn_together_stay_apart(chart, vision):
    close = [
        (a, b, round(difference(a, b, vision), 1))
        for a, b in itertools.combinations(TOGETHER[chart], 2)
        if difference(a, b, vision) < MIN_DIFFERENCE
    ]
    assert not close, f"{chart} under {vision or 'typical vision'}: {close}"


@pytest.mark.parametrize("role", MARKS, ids=lambda role: role.words)
def test_every_mark_stands_out_from_the_white_background(role):
    assert contrast(role.colour, "#ffffff") >= 3.0


@pytest.mark.parametrize("fill", [*style.CELL_FILLS.values(), style.HIDDEN.colour])
def test_text_on_a_cell_or_a_hidden_row_is_readable(fill):
    assert contrast(style.TEXT_COLOUR, fill) >= 4.5
    assert contrast(style.MUTED_TEXT, fill) >= 4.5


def test_the_simulation_is_right_about_red_and_green():
    # A check of the check: red and green, far apart to most, close for deuteranopia.
    assert difference("#d62728", "#2ca02c", None) > 50
    assert difference("#d62728", "#2ca02c", "deuteranopia") < 25
