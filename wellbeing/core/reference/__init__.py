"""National figures drawn as references on the views, each with its source and year.

Copied from ../shared/reference/national_figures.csv into the package so the
app works on its own; ``code`` names the measure each figure is compared with.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

NATIONAL_FIGURES_CSV = Path(__file__).with_name("national_figures.csv")


@dataclass(frozen=True)
class NationalFigure:
    """One published figure: a share (0-1) of staff, where it comes from and when."""

    code: str
    figure: str
    share: float
    year: int | None
    source: str

    @property
    def citation(self) -> str:
        """Source and year as one line for hover text, e.g. 'Community Care survey (2015)'."""
        year = str(self.year) if self.year is not None else "year not stated"
        return f"{self.source} ({year})"


@cache
def national_figures() -> dict[str, NationalFigure]:
    """Every national figure by code."""
    with NATIONAL_FIGURES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    figures = {}
    for row in rows:
        if row["unit"] != "percent":
            raise ValueError(f"national figure {row['code']!r} is not a percentage")
        figures[row["code"]] = NationalFigure(
            code=row["code"],
            figure=row["figure"],
            share=float(row["value"]) / 100,
            year=int(row["year"]) if row["year"] else None,
            source=row["source"],
        )
    return figures


def national_figure(code: str) -> NationalFigure | None:
    """The national figure for a measure, or None where there is none."""
    return national_figures().get(code)
