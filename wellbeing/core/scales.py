"""Answer scales: which scale a column of answers is on, and how it is rescaled.

A council's own survey may ask on 1-4, 1-5, 1-7, 0-10, yes/no, or in words
(agreement, frequency, satisfaction, intensity), sometimes numbered the other
way round ("1 - Strongly agree"). The scale is detected from the answers
themselves; when the answers fit more than one scale (2, 3 and 4 only: 1-4 or
1-5?), HR is asked rather than a scale being guessed.

**Rescaling** (the rule the README states): an answer ``x`` on a scale from
``low`` to ``high`` becomes, on a measure from ``a`` to ``b``,

    y = a + (x - low) * (b - a) / (high - low)

so the ends of the scales meet and the steps between stay equal. 1-4 onto 1-5:
1 -> 1, 2 -> 2.33, 3 -> 3.67, 4 -> 5. 0-10 onto 1-5: 0 -> 1, 5 -> 3, 10 -> 5.
Yes/no (no = 0, yes = 1) onto 1-5: no -> 1, yes -> 5. Words take their place
on their own scale first ("Agree" = 4 of 1-5), whatever number an export put
before them. A 1-4 answer is never read as if it were on 1-5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wellbeing.core.instruments import MISSING_LABEL_SET, label_sets, normalise_label

NUMBERS = "numbers"
WORDS = "words"

# Number ranges surveys use, narrowest first: the narrowest that holds every
# answer is the detected one.
NUMBER_RANGES = ((0.0, 1.0), (1.0, 4.0), (1.0, 5.0), (1.0, 7.0), (1.0, 10.0), (0.0, 10.0))
# Word scales a council's own survey may use (label_sets.csv), and how HR reads them.
WORD_SCALES = {
    "agreement4": "agreement, 4 points (strongly disagree .. strongly agree, no middle)",
    "agreement": "agreement, 5 points (strongly disagree .. strongly agree)",
    "agreement7": "agreement, 7 points",
    "frequency": "frequency (never .. always)",
    "satisfaction": "satisfaction (very dissatisfied .. very satisfied)",
    "intensity": "intensity (not at all .. extremely)",
    "yes_no": "yes / no",
}
# Fewer distinct answers than this in a column are too few to be sure of its scale.
FEW_ANSWERS = 20
_NUMBERED = re.compile(r"^\(?(-?\d+(?:\.\d+)?)\)?\s*[-\u2013.:=)]\s*(.+)$")


@dataclass(frozen=True)
class Scale:
    """An answer scale: a number range, or a set of words with their places.

    ``name`` is what is stored and saved in a mapping: '1-4', '0-10', or a label
    set name such as 'agreement4'.
    """

    name: str
    low: float
    high: float
    words: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def kind(self) -> str:
        return WORDS if self.words else NUMBERS

    def describe(self) -> str:
        if self.words:
            return WORD_SCALES.get(self.name, self.name)
        if (self.low, self.high) == (0.0, 1.0):
            return "0-1 (0 = no, 1 = yes)"
        return f"{self.low:g}-{self.high:g}"

    def value(self, raw: str) -> float | None:
        """The answer's place on this scale; None for a blank or 'not applicable'.

        Raises ValueError with a reason a person can act on.
        """
        text = normalise_label(raw)
        if text == "" or text in _missing():
            return None
        numbered = _NUMBERED.match(text)
        if self.words:
            if text in self.words:
                return self.words[text]
            if numbered and numbered.group(2).strip() in self.words:
                return self.words[numbered.group(2).strip()]
        try:
            number = float(numbered.group(1) if numbered else text)
        except ValueError:
            raise ValueError(
                f"not an answer on the {self.describe()} scale (expected one of: "
                f"{', '.join(sorted(self.words)) or f'{self.low:g} to {self.high:g}'})"
            ) from None
        if not self.low <= number <= self.high:
            raise ValueError(f"out of range (the scale runs {self.low:g} to {self.high:g})")
        return number

    def rescale(self, value: float, *, low: float, high: float) -> float:
        """``value`` on this scale moved onto ``low``-``high`` (module docstring)."""
        return low + (value - self.low) * (high - low) / (self.high - self.low)


def number_scale(low: float, high: float) -> Scale:
    return Scale(name=f"{low:g}-{high:g}", low=low, high=high)


def word_scale(name: str) -> Scale:
    words = {label: value for label, value in label_sets()[name].items() if value is not None}
    return Scale(name=name, low=min(words.values()), high=max(words.values()), words=words)


def scale_named(name: str) -> Scale:
    """The scale a mapping or HR's choice names ('1-4', 'agreement4'...)."""
    if name in WORD_SCALES or name in label_sets():
        return word_scale(name)
    low, _, high = name.partition("-")
    return number_scale(float(low), float(high))


def every_scale() -> list[Scale]:
    """The scales HR can choose from, numbers first."""
    return [number_scale(low, high) for low, high in NUMBER_RANGES] + [
        word_scale(name) for name in WORD_SCALES
    ]


def _missing() -> set[str]:
    return set(label_sets().get(MISSING_LABEL_SET, {}))


@dataclass(frozen=True)
class Detected:
    """What the answers say about their scale.

    ``scale`` is the detected scale, or None when HR must choose among
    ``candidates`` (``why`` says why in plain words). ``reversed_numbers`` is
    true when numbered words count the other way ("1 - Strongly agree"): the
    words decide each answer's place. ``unknown`` holds answers that fit no
    known scale.
    """

    scale: Scale | None
    candidates: tuple[Scale, ...] = ()
    why: str = ""
    reversed_numbers: bool = False
    unknown: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.scale is None and bool(self.candidates)


def detect(values: list[str] | tuple[str, ...], *, answers: int | None = None) -> Detected:
    """The scale of a column from its distinct answers (``answers``: how many cells hold one).

    Example:
        >>> detect(["1", "2", "3", "4"], answers=180).scale.name
        '1-4'
        >>> detect(["2", "3", "4"], answers=180).ambiguous
        True
    """
    missing = _missing()
    texts = sorted({normalise_label(v) for v in values} - missing - {""})
    if not texts:
        return Detected(scale=None, why="no answers to read a scale from")
    numbers: dict[str, float] = {}
    words: dict[str, str] = {}
    for text in texts:
        numbered = _NUMBERED.match(text)
        if numbered:
            numbers[text] = float(numbered.group(1))
            words[text] = numbered.group(2).strip()
            continue
        try:
            numbers[text] = float(text)
        except ValueError:
            words[text] = text
    if words:
        found = _detect_words(words, numbers, answers=answers)
        if found is not None:
            return found
        if len(numbers) < len(texts):
            return Detected(
                scale=None,
                why="some answers are words that fit no known answer scale",
                unknown=tuple(sorted(t for t in texts if t not in numbers)),
            )
    return _detect_numbers(sorted(set(numbers.values())), answers=answers)


def _detect_words(
    words: dict[str, str], numbers: dict[str, float], *, answers: int | None
) -> Detected | None:
    used = set(words.values())
    fitting = [word_scale(name) for name in WORD_SCALES if used <= set(word_scale(name).words)]
    if not fitting:
        return None

    def unused_points(scale: Scale) -> int:
        return len(set(scale.words.values()) - {scale.words[w] for w in used})

    # The scale whose every point was chosen fits best: four agreement words with no
    # middle are the 4-point scale. With few answers, or points unused, HR decides.
    fitting.sort(key=lambda scale: (unused_points(scale), scale.high - scale.low))
    best = fitting[0]
    reversed_numbers = False
    numbered = {text: number for text, number in numbers.items() if text in words}
    if numbered:
        places = [best.words[words[text]] for text in numbered]
        reversed_numbers = len(set(places)) > 1 and all(
            abs(number - (best.low + best.high - place)) < 1e-9
            for number, place in zip(numbered.values(), places, strict=True)
        )
    sure = unused_points(best) == 0 and (answers is None or answers >= FEW_ANSWERS)
    if len(fitting) == 1 or sure:
        return Detected(scale=best, reversed_numbers=reversed_numbers)
    return Detected(
        scale=None,
        candidates=tuple(fitting[:3]),
        why=(
            f"the answers fit {best.describe()} and {fitting[1].describe()}; nobody chose "
            "the answers that would tell them apart"
        ),
        reversed_numbers=reversed_numbers,
    )


def _detect_numbers(found: list[float], *, answers: int | None) -> Detected:
    if any(value != int(value) for value in found):
        return Detected(
            scale=None,
            why="some answers are not whole numbers, so they are not points on an answer scale",
            unknown=tuple(f"{v:g}" for v in found if v != int(v)),
        )
    low, high = found[0], found[-1]
    fitting = [number_scale(a, b) for a, b in NUMBER_RANGES if a <= low and high <= b]
    if not fitting:
        return Detected(
            scale=None,
            why=f"answers run from {low:g} to {high:g}, which is no usual answer scale",
            unknown=tuple(f"{v:g}" for v in found if v < 0 or v > 10),
        )
    best = fitting[0]
    touches_both_ends = low == best.low and high == best.high
    # A short scale is sure only when every point was chosen: answers of 1 and 4 alone
    # could be a 1-5 question nobody answered 2, 3 or 5 to. Ten points need both ends.
    points = int(best.high - best.low) + 1
    every_point = points > 7 or len(found) == points
    if touches_both_ends and every_point and (answers is None or answers >= FEW_ANSWERS):
        return Detected(scale=best)
    names = [scale.describe() for scale in fitting[:3]]
    why = (
        f"answers run from {low:g} to {high:g}, which fits "
        + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0])
        if not (touches_both_ends and every_point)
        else f"only {answers} answers, too few to be sure of the scale"
    )
    return Detected(scale=None, candidates=tuple(fitting[:3]), why=why)
