"""Counts, plurals and lists in words: every reading says "1 team is", never "1 teams are".

No Streamlit, no queries. Readings, notes and pages build their sentences with
these, so agreement is decided in one place.

Example:
    f"{of(1, 16, 'team')} shown {be(1)} above the organisation"
    # -> "1 of 16 teams shown is above the organisation"
"""

from __future__ import annotations

from collections.abc import Iterable

from wellbeing import privacy

# Nouns whose plural is not the noun with an "s".
IRREGULAR = {"person": "people", "staff member": "staff", "team-wave": "team-waves"}


def plural(noun: str, n: int | float) -> str:
    """The noun for ``n`` of them: "team" for 1, "teams" otherwise."""
    if n == 1:
        return noun
    if noun in IRREGULAR:
        return IRREGULAR[noun]
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def count(n: int | float, noun: str) -> str:
    """ "1 team", "16 teams", "1,200 respondents"."""
    return f"{int(n):,} {plural(noun, n)}"


def of(n: int | float, total: int | float, noun: str) -> str:
    """ "1 of 16 teams": the noun agrees with the total, as English has it."""
    return f"{int(n):,} of {count(total, noun)}"


def be(n: int | float) -> str:
    """ "is" for one, "are" for any other number (the verb agrees with the count)."""
    return "is" if n == 1 else "are"


def have(n: int | float) -> str:
    return "has" if n == 1 else "have"


def verb(n: int | float, singular: str, plural_form: str) -> str:
    """The verb agreeing with ``n``: ``verb(1, "differs", "differ")``."""
    return singular if n == 1 else plural_form


def points(change: int) -> str:
    """A change in percentage points with its sign: "+1 point", "-3 points"."""
    return f"{change:+d} {plural('point', abs(change))}"


def points_since(change: int, since: str) -> str:
    """ "up 1 point since Spring 2026", "down 3 points since ...", "no change since ..."."""
    if change == 0:
        return f"no change since {since}"
    direction = "up" if change > 0 else "down"
    return f"{direction} {abs(change)} {plural('point', abs(change))} since {since}"


def listing(items: Iterable[str], *, conjunction: str = "and") -> str:
    """ "A", "A and B", "A, B and C"."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def sentence(text: str) -> str:
    """The text with a capital first letter and a full stop, as a caption ends."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def hidden_because(status: str, k: int, *, unit: str = "responses") -> str:
    """Why a group shows no figure, in words; "" when it is shown.

    Survey groups say what the confidentiality engine says (``privacy.status_text``);
    groups counted in other units (staff due, in supervision records) say their unit.
    """
    if status == privacy.SHOWN:
        return ""
    if status == privacy.BELOW_K and unit != "responses":
        return f"fewer than {k} {unit}"
    return privacy.status_text(status, k)
