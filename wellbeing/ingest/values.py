"""Reading the values HR's exports hold: dates, Excel damage, identifiers.

Vectorised over whole columns: a 100,000-row export is parsed in one pass per
format, not one Python call per cell.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

import pandas as pd

from wellbeing.core.vocabulary import MAX_TEXT_CHARS

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_EXCEL_DAMAGE = re.compile(r"^(\d{1,2})-(" + "|".join(MONTHS) + r")$", re.IGNORECASE)
_EXCEL_DAMAGE_MONTH_FIRST = re.compile(r"^(" + "|".join(MONTHS) + r")-(\d{1,2})$", re.IGNORECASE)
# The same damage saved into an .xlsx: the cell is a real date at midnight, read as ISO text.
_EXCEL_DAMAGE_AS_DATE = re.compile(r"^\d{4}-(\d{2})-(\d{2})(?: 00:00:00)?$")

DAY_FIRST_FORMATS = (
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    # Two-digit years, as Microsoft Forms and SurveyMonkey write them: 16/11/26 6:18:41
    "%d/%m/%y %I:%M:%S %p",
    "%d/%m/%y %I:%M %p",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
)
MONTH_FIRST_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
)
ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)


def repair_excel_damage(values: pd.Series) -> tuple[pd.Series, int]:
    """Undo Excel's habit of turning ranges into dates: '5-Jan' back to '1-5'.

    Handles the damage as a CSV shows it ('5-Jan', 'Jan-5') and as an .xlsx holds
    it (a date such as '2026-01-05 00:00:00'). Only for columns that never hold
    dates: text fields and answers. Returns the repaired column and how many cells
    were repaired.
    """
    text = values.astype("str")
    if not text.str.contains("-", regex=False).any():
        return text, 0  # the common case, decided in one pass
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    if len(distinct) < len(text):
        # An export's column repeats a handful of values (age bands, answers): repair each
        # distinct value once and spread the result back, instead of three regexes per cell.
        distinct_text = pd.Series(distinct, dtype="str")
        fixed, _ = repair_excel_damage(distinct_text)
        changed = (fixed.ne(distinct_text) & distinct_text.notna()).to_numpy()
        return (
            pd.Series(fixed.array.take(codes), index=values.index, dtype="str"),
            int(changed[codes].sum()),
        )
    day_month = text.str.extract(_EXCEL_DAMAGE)
    month_day = text.str.extract(_EXCEL_DAMAGE_MONTH_FIRST)
    repaired = text.copy()
    count = 0
    for frame, day_col, month_col in ((day_month, 0, 1), (month_day, 1, 0)):
        hit = frame[day_col].notna()
        if hit.any():
            months = frame.loc[hit, month_col].str.lower().map(lambda m: MONTHS.index(m) + 1)
            repaired.loc[hit] = (
                months.astype(int).astype(str) + "-" + frame.loc[hit, day_col].astype(str)
            )
            count += int(hit.sum())
    as_date = text.str.extract(_EXCEL_DAMAGE_AS_DATE)
    hit = as_date[0].notna()
    if hit.any():
        repaired.loc[hit] = (
            as_date.loc[hit, 0].astype(int).astype(str)
            + "-"
            + as_date.loc[hit, 1].astype(int).astype(str)
        )
        count += int(hit.sum())
    return repaired, count


def parse_dates(values: pd.Series, *, day_first: bool = True) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates as exports write them.

    Accepts UK or US order (as ``day_first`` says), ISO, with or without times,
    and Excel serial numbers (e.g. 46053 for 31/01/2026). Blank cells are
    missing, not errors. Returns (timestamps, mask of cells that could not be read).
    """
    text = values.astype("str").str.strip()
    blank = text.eq("") | values.isna()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    formats = (DAY_FIRST_FORMATS if day_first else MONTH_FIRST_FORMATS) + ISO_FORMATS
    remaining = ~blank
    # Only a cell with AM or PM can match a 12-hour format: checking that first saves a
    # failed strptime pass over a 100,000-row column written in 24-hour time.
    twelve_hour = text.str.contains("am|pm", case=False, regex=True, na=False)
    for fmt in formats:
        if not remaining.any():
            break
        candidates = remaining & twelve_hour if "%p" in fmt else remaining
        if not candidates.any():
            continue
        attempt = pd.to_datetime(text[candidates], format=fmt, errors="coerce")
        found = attempt.notna()
        if found.any():
            parsed.loc[found[found].index] = attempt[found].astype("datetime64[us]")
            remaining.loc[found[found].index] = False
    if remaining.any():
        numbers = pd.to_numeric(text[remaining], errors="coerce")
        serial = numbers.notna() & numbers.between(20_000, 80_000)
        if serial.any():
            days = numbers[serial]
            stamps = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
            parsed.loc[days.index] = stamps.dt.round("s").astype("datetime64[us]")
            remaining.loc[days.index] = False
    return parsed, remaining


def leading_day_month(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first and second numbers of each cell written like 03/04/2026 (NaN otherwise).

    Only a cell's first ten characters after spaces can match, and a column of
    timestamps shares a few dozen of those, so the pattern runs once per distinct
    prefix instead of once per cell.
    """
    prefixes = values.astype("str").str.lstrip().str.slice(0, 10)
    codes, distinct = pd.factorize(prefixes, use_na_sentinel=False)
    parts = pd.Series(distinct, dtype="str").str.extract(r"^(\d{1,2})/(\d{1,2})/\d{2,4}")
    first = pd.to_numeric(parts[0], errors="coerce").to_numpy()[codes]
    second = pd.to_numeric(parts[1], errors="coerce").to_numpy()[codes]
    return pd.Series(first, index=values.index), pd.Series(second, index=values.index)


def ambiguous_dates(values: pd.Series) -> int:
    """How many cells read differently day-first and month-first (e.g. 03/04/2026)."""
    first, second = leading_day_month(values)
    return int(((first <= 12) & (second <= 12) & (first != second)).sum())


def too_long(values: pd.Series) -> pd.Series:
    """True for the cells longer than :data:`MAX_TEXT_CHARS` (once stripped)."""
    return values.astype("str").str.strip().str.len().gt(MAX_TEXT_CHARS).fillna(False)


TOO_LONG = f"longer than {MAX_TEXT_CHARS} characters"


def hash_identifier(values: pd.Series, salt: str | Callable[[str], str]) -> pd.Series:
    """The keyed hash (HMAC-SHA256) of each identifier; blanks stay missing.

    ``salt`` is the installation's key for this kind of identifier, as
    ``store.identifier_keys(con).for_workers()`` or ``.for_respondents(wave)``
    give it (the key itself lives outside the database, see wellbeing.store.keys);
    a plain string is used as the HMAC key (tests). Each distinct id is hashed once.
    """
    text = values.astype("str").str.strip()
    if isinstance(salt, str):
        key = salt.encode()

        def keyed(value: str) -> str:
            return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

    else:
        keyed = salt
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    hashed = [
        None if not value or value.lower() in {"nan", "none"} else keyed(value)
        for value in distinct
    ]
    return pd.Series(pd.array(hashed, dtype="object")[codes], index=values.index, dtype="str")
