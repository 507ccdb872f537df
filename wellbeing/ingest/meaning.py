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
    # Phrases that mean less of the measure ("my caseload is manageable" for workload):
    # a question worded so is suggested to be reverse keyed.
    reversed_phrases: frozenset[str] = frozenset()


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
    reversed_phrases: dict[str, set[str]] = {}
    for row in instruments.csv_rows("measure_phrases.csv"):
        phrases.setdefault(row["construct"], []).append(row["phrase"])
        if instruments.is_true(row["reversed"]):
            reversed_phrases.setdefault(row["construct"], set()).add(row["phrase"])
    for item in instruments.default_items():
        phrases.setdefault(item.construct, []).append(item.text)
        if item.reverse:
            reversed_phrases.setdefault(item.construct, set()).add(item.text)
    names = {
        row["code"]: row["name"]
        for row in instruments.csv_rows("constructs.csv")
        if row["instrument"] == "default"
    }
    return [
        MeasureWords(code, names[code], tuple(p), frozenset(reversed_phrases.get(code, ())))
        for code, p in phrases.items()
    ]


def phrase_score(words: list[str], phrase: str) -> float:
    """How well one phrase is found among a question's stems (0 when not at all)."""
    wanted = stems(phrase)
    if not wanted:
        return 0.0
    joined, together = " ".join(words), " ".join(wanted)
    if set(wanted) <= set(words):
        return float(min(FOUND_MOST, FOUND_BASE + FOUND_PER_WORD * len(set(wanted))))
    if len(together) >= 6 and fuzz.partial_ratio(together, joined) >= NEAR_MATCH:
        return float(FOUND_BASE + FOUND_PER_WORD * len(set(wanted)) - 10)
    # A built-in question worded almost the same way (reordered, a word changed).
    score = fuzz.token_sort_ratio(together, joined) * 0.8
    return score if score >= LEAST_SCORE else 0.0


def measure_score(question: str, measure: MeasureWords) -> tuple[float, str]:
    """How well ``question`` matches ``measure`` (0-100) and the phrase that matched best."""
    words = stems(question)
    best, because = 0.0, ""
    for phrase in (measure.name, *measure.phrases):
        score = phrase_score(words, phrase)
        if score > best:
            best, because = score, phrase
    return best, because


_NEGATION = re.compile(r"\b(not|never|no|cannot|can't|don't|isn't|unable|hardly|lack)\b")


def reverse_from_wording(question: str, measure: MeasureWords) -> tuple[bool, str]:
    """Whether agreeing with ``question`` means *less* of the measure, and why, from its words.

    A question matching one of the measure's reversed phrases ("my workload is
    manageable" for workload pressure) or negatively worded ("I do not...") is
    suggested to be reverse keyed. The answers then check it (item-rest).
    """
    words = stems(question)
    for phrase in sorted(measure.reversed_phrases):
        if phrase_score(words, phrase) >= LEAST_SCORE:
            return True, f"worded the other way from {measure.name.lower()}: '{phrase}'"
    negation = _NEGATION.search(normalise_label(question))
    if negation:
        return True, f"negatively worded ('{negation.group(1)}')"
    return False, ""


def answers_on_a_scale(values: pd.Series) -> bool:
    """At least two different answers, all points on some answer scale (a question to measure).

    Free text, ids, durations and a column that always says the same are not.
    """
    filled = values.astype("str").str.strip()
    filled = filled[filled.ne("")]
    distinct = filled.unique().tolist()
    if len(distinct) < 2 or len(distinct) > 50:
        return False
    detected = scales.detect(distinct, answers=len(filled))
    return detected.scale is not None or bool(detected.candidates)


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
        if not answers_on_a_scale(frame[column]):
            found[column] = Suggestion(
                target="ignore", measure=None, sureness=FREE_TEXT, why="answers are free text"
            )
            continue
        found[column] = suggest_measure(question_text.get(column) or column, measures)
    return found
