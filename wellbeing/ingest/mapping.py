"""Which column means what: suggested from headers and saved mappings, saved by name.

A mapping is a plain dict from column header to target:

- ``"field:<name>"``: a respondent (or record) field such as ``field:team``;
- ``"item:<code>"``: an instrument item such as ``item:STR1`` or ``item:HSE12``;
- ``"personal"``: personal data, dropped and never stored;
- ``"ignore"``: not imported.
"""

from __future__ import annotations

import difflib
import json
import re

import duckdb
import pandas as pd

from wellbeing.core.instruments import Item, normalise_label
from wellbeing.core.vocabulary import MAX_TEXT_CHARS, Field

IGNORE = "ignore"
PERSONAL = "personal"


PERSONAL_HEADER_WORDS = (
    "name",
    "email",
    "e-mail",
    "ip address",
    "ipaddress",
    "latitude",
    "longitude",
    "location",
    "phone",
    "mobile",
    "postcode",
    "address",
    "recipient",
    "surname",
    "first name",
    "last name",
)
# Short headers that are personal (a location) only when they are the whole header.
PERSONAL_WHOLE_HEADERS = {
    "state",
    "region",
    "country",
    "county",
    "city",
    "town",
    "zip",
    "zip code",
    "lat",
    "lng",
    "geo",
    "geolocation",
    "user agent",
    "useragent",
    "browser",
    "device",
}
# Headers that contain a personal word but are not personal data.
NOT_PERSONAL_HEADERS = {"team name", "service name", "service area name", "directorate name"}
# "1. How stressed...", "Q3 - How stressed...", "(3) How stressed...": numbering is not wording.
_QUESTION_NUMBER = re.compile(r"^\(?(?:q(?:uestion)?\s*)?\d{1,3}[a-z]?\)?\s*[-.:)]?\s+")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", normalise_label(text)).strip()


def personal_note(columns: list[str]) -> str:
    """The sentence HR sees about personal-data columns that will not be stored."""
    return (
        f"{len(columns)} column(s) of personal data are dropped and never stored: "
        f"{', '.join(columns)}."
    )


def looks_personal(header: str, values: pd.Series) -> bool:
    """Names, email addresses, IP addresses or locations, by header or by content."""
    words = _words(header)
    if words in NOT_PERSONAL_HEADERS:
        return False
    if words in PERSONAL_WHOLE_HEADERS:
        return True
    for word in PERSONAL_HEADER_WORDS:
        if re.search(rf"(^|\s){re.escape(_words(word))}($|\s)", words) or words.replace(
            " ", ""
        ) in {
            "recipientlastname",
            "recipientfirstname",
            "recipientemail",
            "ipaddress",
            "locationlatitude",
            "locationlongitude",
            "emailaddress",
            "fullname",
        }:
            return True
    # The first 200 non-blank cells decide. They are nearly always among the first
    # thousand, so a 100,000-row column is stripped whole only when they are not.
    # Plain Python on 200 strings: pandas' string methods cost ~10 ms a column,
    # which made a 2,000-column file take a minute (issue 18).
    sample = [text for text in (str(v).strip() for v in values.iloc[:1_000].tolist()) if text]
    if len(sample) < 200 and len(values) > 1_000:
        sample = [text for text in (str(v).strip() for v in values.tolist()) if text]
    sample = sample[:200]
    if not sample:
        return False
    matches = sum(1 for text in sample if EMAIL.match(text) or IPV4.match(text))
    return matches * 2 >= len(sample)


def suggest(
    frame: pd.DataFrame,
    *,
    fields: tuple[Field, ...],
    items: list[Item] = (),
    question_text: dict[str, str] | None = None,
    saved: dict[str, str] | None = None,
) -> dict[str, str]:
    """A suggested target for every column.

    A saved mapping wins for the headers it knows; then personal data; then
    fields by header words; then items by code or by (near-)exact question text.
    """
    question_text = question_text or {}
    saved = saved or {}
    by_text = {_words(item.text): item for item in items}
    by_code = {item.code.lower(): item for item in items}
    hse_number = re.compile(r"^(?:hse\s*)?(?:q|item)?\s*(\d{1,2})$")
    # Worked out once, not once per column: suggestion stays linear and cheap.
    field_names = {
        field.name: {_words(s) for s in field.synonyms} | {field.name.replace("_", " ")}
        for field in fields
    }
    taken: set[str] = set()
    result: dict[str, str] = {}
    for column in frame.columns:
        if column in saved:
            result[column] = saved[column]
            taken.add(saved[column])
    for column in frame.columns:
        if column in result:
            continue
        header = _words(column)
        unnumbered = _QUESTION_NUMBER.sub("", normalise_label(column))
        text = _words(question_text.get(column, ""))
        target = IGNORE
        if looks_personal(column, frame[column]):
            target = PERSONAL
        else:
            for field in fields:
                key = f"field:{field.name}"
                if key in taken:
                    continue
                names = field_names[field.name]
                # Qualtrics names columns Q1, Q2...: the question text says what they are.
                if header in names or (text and text in names):
                    target = key
                    break
            if target == IGNORE and items:
                item = (
                    by_code.get(header.replace(" ", ""))
                    or by_text.get(header)
                    or by_text.get(_words(unnumbered))
                    or by_text.get(text)
                )
                if item is None:
                    hse = hse_number.match(header)
                    if (
                        hse
                        and any(i.instrument == "hse" for i in items)
                        and header.startswith("hse")
                    ):
                        item = by_code.get(f"hse{int(hse.group(1))}")
                if item is None and len(header) > 15:
                    close = difflib.get_close_matches(
                        _words(unnumbered), list(by_text), n=1, cutoff=0.9
                    )
                    item = by_text[close[0]] if close else None
                if item is not None and f"item:{item.code}" not in taken:
                    target = f"item:{item.code}"
        if target not in (IGNORE, PERSONAL):
            taken.add(target)
        result[column] = target
    return result


def save_mapping(
    con: duckdb.DuckDBPyConnection, *, name: str, kind: str, mapping: dict[str, str]
) -> None:
    """Save (or replace) a named mapping for the next export from the same tool."""
    if not name.strip():
        raise ValueError("Give the mapping a name, e.g. 'Microsoft Forms staff survey'.")
    if len(name.strip()) > MAX_TEXT_CHARS:
        raise ValueError(f"Give the mapping a name of at most {MAX_TEXT_CHARS} characters.")
    con.execute(
        "insert or replace into mappings (name, kind, mapping, saved_at) "
        "values ($name, $kind, $mapping, current_timestamp)",
        {"name": name.strip(), "kind": kind, "mapping": json.dumps(mapping)},
    )


def saved_mapping(con: duckdb.DuckDBPyConnection, *, name: str, kind: str) -> dict[str, str] | None:
    rows = con.execute(
        "select mapping from mappings where name = $name and kind = $kind",
        {"name": name, "kind": kind},
    ).fetchall()
    return json.loads(rows[0][0]) if rows else None


def saved_mapping_names(con: duckdb.DuckDBPyConnection, *, kind: str) -> list[str]:
    rows = con.execute(
        "select name from mappings where kind = $kind order by saved_at desc", {"kind": kind}
    ).fetchall()
    return [row[0] for row in rows]


def best_saved_mapping(
    con: duckdb.DuckDBPyConnection, *, kind: str, columns: list[str]
) -> tuple[str, dict[str, str]] | None:
    """The saved mapping that knows most of these headers (at least half), if any."""
    best = None
    for name in saved_mapping_names(con, kind=kind):
        mapping = saved_mapping(con, name=name, kind=kind) or {}
        known = sum(column in mapping for column in columns)
        if known * 2 >= len(columns) and (best is None or known > best[0]):
            best = (known, name, mapping)
    return (best[1], best[2]) if best else None
