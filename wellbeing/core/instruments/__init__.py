"""Instruments as data: the default wellbeing instrument and the HSE Indicator Tool.

The CSV files beside this module are the single source; the store copies them
in on every start (``wellbeing.store.database.sync_instruments``), so editing a
CSV is how an instrument changes.
``hse_msit_items.csv`` is the item map from shared/reference (item number,
domain, response scale, reverse key); the HSE's own item wording is not
reproduced.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

HSE_ITEM_ID_OFFSET = 100
# A council's own questions (issue 16) are items from this id up, kept only in the store.
COUNCIL_ITEM_ID_START = 1000
MISSING_LABEL_SET = "*"


def csv_rows(file_name: str) -> list[dict[str, str]]:
    """The rows of one of the CSV files beside this module, as dicts."""
    text = resources.files(__name__).joinpath(file_name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def is_true(text: str) -> bool:
    return text.strip().lower() in {"true", "yes", "1"}


@dataclass(frozen=True)
class Item:
    id: int
    instrument: str
    code: str
    construct: str
    text: str
    label_set: str
    scale_min: float
    scale_max: float
    reverse: bool


def default_items() -> list[Item]:
    """The project's own instrument, one row per item."""
    return [
        Item(
            id=int(row["id"]),
            instrument="default",
            code=row["code"],
            construct=row["construct"],
            text=row["text"],
            label_set=row["label_set"],
            scale_min=float(row["scale_min"]),
            scale_max=float(row["scale_max"]),
            reverse=is_true(row["reverse"]),
        )
        for row in csv_rows("default_items.csv")
    ]


def hse_items() -> list[Item]:
    """The 35 HSE Indicator Tool items, from the reference item map."""
    return [
        Item(
            id=HSE_ITEM_ID_OFFSET + int(row["item"]),
            instrument="hse",
            code=f"HSE{int(row['item'])}",
            construct=row["domain"],
            text=f"HSE Indicator Tool item {int(row['item'])} ({row['domain'].replace('_', ' ')})",
            label_set=row["response_scale"],
            scale_min=1.0,
            scale_max=5.0,
            reverse=is_true(row["reverse_keyed"]),
        )
        for row in csv_rows("hse_msit_items.csv")
    ]


def all_items() -> list[Item]:
    return default_items() + hse_items()


def label_sets() -> dict[str, dict[str, float | None]]:
    """Label set name -> {normalised label: value}; the '*' set holds labels meaning missing."""
    sets: dict[str, dict[str, float | None]] = {}
    for row in csv_rows("label_sets.csv"):
        value = row["value"].strip()
        sets.setdefault(row["name"], {})[normalise_label(row["label"])] = (
            float(value) if value else None
        )
    return sets


_NUMBER_PREFIX = re.compile(r"^\(?(-?\d+(?:\.\d+)?)\)?\s*[-–.:=)]\s*(.+)$")
_SPACES = re.compile(r"\s+")


def normalise_label(text: str) -> str:
    """Fold case, curly quotes and spacing so 'Strongly  agree ' matches 'strongly agree'."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")
    return _SPACES.sub(" ", text).strip().lower()


class UnknownLabel(ValueError):
    """An answer that is neither a number on the item's scale nor a known label."""


@dataclass(frozen=True)
class Score:
    """A parsed answer: ``value`` is None when the answer means 'missing'."""

    value: float | None


def parse_answer(raw: str, item: Item, sets: dict[str, dict[str, float | None]]) -> Score:
    """Turn one cell into a score on the item's scale.

    Accepts numbers ("4", "4.0"), labels ("Agree"), numbered labels
    ("4 - Agree", "(4) Agree"), and missing markers ("Not applicable").
    Raises ValueError with a reason a person can act on.

    Example:
        >>> parse_answer("5 - Strongly agree", item, label_sets()).value
        5.0
    """
    text = normalise_label(raw)
    if text == "":
        return Score(None)
    missing = sets.get(MISSING_LABEL_SET, {})
    if text in missing:
        return Score(None)
    labels = sets.get(item.label_set, {})
    if text in labels:
        return Score(labels[text])
    numbered = _NUMBER_PREFIX.match(text)
    if numbered and numbered.group(2).strip() in labels:
        return Score(labels[numbered.group(2).strip()])
    try:
        number = float(text)
    except ValueError:
        known = ", ".join(sorted({k for k in labels}))
        raise UnknownLabel(f"unknown answer label (expected a number or one of: {known})") from None
    if not (item.scale_min <= number <= item.scale_max):
        raise ValueError(f"out of range (expected {item.scale_min:g} to {item.scale_max:g})")
    return Score(number)
