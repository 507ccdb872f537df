"""Which measure a council's own question belongs to, suggested from its wording.

No model and nothing downloaded: each measure has curated phrases
(``core/instruments/measure_phrases.csv``) beside its name and its built-in
questions, compared with the question's words after light stemming
("stressed" and "stress" meet), with rapidfuzz for near misses ("re-organisation").
A question that matches no measure well is suggested as a measure of its own
(a single-question measure); a column of free text is suggested to be ignored.

Each suggestion says how sure it is, in words HR reads:
"very likely" (a phrase of several words matched), "likely" (one word matched,
or a near match), "unsure" (two measures matched about as well), and
"no built-in measure matches".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from rapidfuzz import fuzz

from wellbeing.core import instruments, scales
from wellbeing.core.instruments import normalise_label

SINGLE = "single"
VERY_LIKELY = "very likely"
LIKELY = "likely"
UNSURE = "unsure"
NO_MATCH = "no built-in measure matches"
FREE_TEXT = "free text, not an answer scale"
# A phrase of n stems found among the question's stems scores 50 + 15 n (at most 95).
FOUND_BASE, FOUND_PER_WORD, FOUND_MOST = 50, 15, 95
# Below this the best measure is not suggested: the question is kept as its own measure.
LEAST_SCORE = 65
VERY_LIKELY_SCORE = 80
# The runner-up within this many points of the best makes the suggestion "unsure".
CLOSE_RUNNER_UP = 10
# Near misses: a phrase whose letters nearly all appear in the question, in order.
NEAR_MATCH = 92
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "i",
        "i'm",
        "im",
        "my",
        "me",
        "we",
        "our",
        "us",
        "you",
        "your",
        "yours",
        "it",
        "its",
        "is",
        "are",
        "am",
        "be",
        "been",
        "being",
        "was",
        "were",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "as",
        "and",
        "or",
        "but",
        "if",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "what",
        "which",
        "who",
        "how",
        "when",
        "where",
        "why",
        "would",
        "could",
        "should",
        "can",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "feel",
        "felt",
    ]
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ness", "ments", "ment", "ful", "ive", "ed", "es")
_SUFFIXES += ("ly", "s", "e")
_QUESTION_NUMBER = re.compile(r"^\(?(?:q(?:uestion)?\s*)?\d{1,3}[a-z]?\)?\s*[-.:)]?\s+")


def stem(word: str) -> str:
    """A crude stem: enough for 'stressed', 'stress' and 'stressful' to meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    """The stems of a question's meaningful words, in order."""
    text = _QUESTION_NUMBER.sub("", normalise_label(text))
    words = re.findall(r"[a-z]+", text.replace("-", " "))
    return [stem(word) for word in words if word not in STOPWORDS]


@dataclass(frozen=True)
class MeasureWords:
    """A measure as the suggester knows it: its code, name and the phrases that mean it."""

    code: str
    name: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """The suggested target for one column, how sure it is and why."""

    target: str
    measure: str | None
    sureness: str
    why: str
    score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict, compare=False)


def built_in_measures() -> list[MeasureWords]:
    """Every construct of the default instrument with its curated phrases and questions."""
    phrases: dict[str, list[str]] = {}
    for row in instruments.csv_rows("measure_phrases.csv"):
        phrases.setdefault(row["construct"], []).append(row["phrase"])
    for item in instruments.default_items():
        phrases.setdefault(item.construct, []).append(item.text)
    names = {
        row["code"]: row["name"]
        for row in instruments.csv_rows("constructs.csv")
        if row["instrument"] == "default"
    }
    return [MeasureWords(code, names[code], tuple(p)) for code, p in phrases.items()]


def measure_score(question: str, measure: MeasureWords) -> tuple[float, str]:
    """How well ``question`` matches ``measure`` (0-100) and the phrase that matched best."""
    words = stems(question)
    found = set(words)
    joined = " ".join(words)
    best, because = 0.0, ""
    for phrase in (measure.name, *measure.phrases):
        wanted = stems(phrase)
        if not wanted:
            continue
        if set(wanted) <= found:
            score = float(min(FOUND_MOST, FOUND_BASE + FOUND_PER_WORD * len(set(wanted))))
        elif len(" ".join(wanted)) >= 6 and (
            fuzz.partial_ratio(" ".join(wanted), joined) >= NEAR_MATCH
        ):
            score = float(FOUND_BASE + FOUND_PER_WORD * len(set(wanted)) - 10)
        else:
            # A built-in question worded almost the same way (reordered, a word changed).
            score = fuzz.token_sort_ratio(" ".join(wanted), joined) * 0.8
            if score < LEAST_SCORE:
                continue
        if score > best:
            best, because = score, phrase
    return best, because


def looks_like_free_text(values: pd.Series) -> bool:
    """Many different answers that are not points on any answer scale."""
    filled = values.astype("str").str.strip()
    filled = filled[filled.ne("")]
    distinct = filled.unique().tolist()
    if not distinct:
        return False
    detected = scales.detect(distinct[:200], answers=len(filled))
    return detected.scale is None and not detected.candidates and len(distinct) >= 4


def suggest_measure(question: str, measures: Iterable[MeasureWords]) -> Suggestion:
    """The measure a question's wording suggests, or a measure of its own."""
    ranked = sorted(
        ((measure_score(question, m), m) for m in measures), key=lambda pair: -pair[0][0]
    )
    scores = {m.code: round(score, 1) for (score, _), m in ranked}
    if not ranked or ranked[0][0][0] < LEAST_SCORE:
        return Suggestion(
            target=SINGLE,
            measure=None,
            sureness=NO_MATCH,
            why="no measure's words are in the question: keep it as a measure of its own",
            scores=scores,
        )
    (score, phrase), best = ranked[0]
    runner_up = ranked[1][0][0] if len(ranked) > 1 else 0.0
    runner = ranked[1][1] if len(ranked) > 1 else None
    if score - runner_up < CLOSE_RUNNER_UP and runner is not None:
        sureness = UNSURE
        why = f"matches '{phrase}' ({best.name}), but also {runner.name}"
    else:
        sureness = VERY_LIKELY if score >= VERY_LIKELY_SCORE else LIKELY
        why = f"the question says '{phrase}'"
    return Suggestion(
        target=f"measure:{best.code}",
        measure=best.code,
        sureness=sureness,
        why=why,
        score=score,
        scores=scores,
    )


def suggest_questions(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    question_text: dict[str, str] | None = None,
    measures: Iterable[MeasureWords] | None = None,
) -> dict[str, Suggestion]:
    """A suggestion for each of ``columns`` (question columns nothing else claimed)."""
    question_text = question_text or {}
    measures = list(measures if measures is not None else built_in_measures())
    found = {}
    for column in columns:
        if looks_like_free_text(frame[column]):
            found[column] = Suggestion(
                target="ignore", measure=None, sureness=FREE_TEXT, why="answers are free text"
            )
            continue
        found[column] = suggest_measure(question_text.get(column) or column, measures)
    return found
