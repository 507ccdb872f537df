"""What a measure is made of, wave by wave: its questions, where its trend breaks, how reliable.

Drawing only: rows in, sentences and tables out. The rows come from
``queries.measures`` (question wording, no answers) and, for reliability, from
answers HR alone sees.
"""

from __future__ import annotations

import pandas as pd

from wellbeing.core.reliability import MIN_ALPHA, Reliability

SHOWN_QUESTIONS = 3


def _listed(questions: list[str]) -> str:
    quoted = [f"'{q}'" for q in questions[:SHOWN_QUESTIONS]]
    more = len(questions) - SHOWN_QUESTIONS
    return ", ".join(quoted) + (f" and {more} more" if more > 0 else "")


def trend_breaks(
    questions_by_wave: pd.DataFrame, waves: pd.DataFrame, *, construct: str
) -> tuple[tuple[str, str], ...]:
    """(wave label, why) for each wave whose questions or answer scales for ``construct``
    differ from the previous wave that asked it.

    Args:
        questions_by_wave: rows from ``queries.measures.measure_questions_by_wave``.
        waves: ``queries.survey.waves`` (id, label), oldest first.
    """
    rows = questions_by_wave[questions_by_wave["construct"] == construct].set_index("wave_id")
    labels = waves.set_index("id")["label"]
    found = []
    before: tuple[set[str], set[str]] | None = None
    for wave_id in waves["id"]:
        if wave_id not in rows.index:
            continue
        asked = set(rows.loc[wave_id, "questions"])
        scales = set(rows.loc[wave_id, "scales"])
        if before is not None and (asked, scales) != before:
            added, dropped = sorted(asked - before[0]), sorted(before[0] - asked)
            parts = []
            if added:
                parts.append(f"asked {_listed(added)}")
            if dropped:
                parts.append(f"no longer asked {_listed(dropped)}")
            if not parts:
                parts.append(
                    f"answer scales changed from {', '.join(sorted(before[1]))} to "
                    f"{', '.join(sorted(scales))}"
                )
            found.append((str(labels.loc[wave_id]), f"{labels.loc[wave_id]} " + "; ".join(parts)))
        before = (asked, scales)
    return tuple(found)


def breaks_reading(breaks: tuple[tuple[str, str], ...], *, name: str) -> str:
    """One sentence under a trend with breaks: comparisons across them are not like for like."""
    if not breaks:
        return ""
    return (
        f"The questions of {name} changed, so waves either side of a dashed line are not "
        "measured alike: " + ". ".join(why for _, why in breaks) + "."
    )


def reliability_table(found: Reliability) -> pd.DataFrame:
    """Each question's item-rest correlation, to two places."""
    return pd.DataFrame(
        {
            "question": list(found.item_rest),
            "item_rest_correlation": [round(r, 2) for r in found.item_rest.values()],
        }
    )


def reliability_reading(found: Reliability, *, name: str) -> str:
    """One sentence on a measure's reliability, with the warning below MIN_ALPHA."""
    if found.alpha is None:
        return (
            f"{name}: too few respondents answered every question ({found.respondents}) to "
            "say how consistently its questions measure one thing."
        )
    if found.low:
        return (
            f"{name}: Cronbach's alpha {found.alpha:.2f} over {found.respondents} respondents, "
            f"below {MIN_ALPHA:g}: its questions may not measure one thing. Look for a "
            "question with a low or negative item-rest correlation (reverse keyed the wrong "
            "way, or about something else)."
        )
    return (
        f"{name}: Cronbach's alpha {found.alpha:.2f} over {found.respondents} respondents "
        f"({MIN_ALPHA:g} or more: its questions hang together)."
    )
