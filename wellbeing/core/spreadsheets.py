"""Text a spreadsheet would run as a formula, made inert. No DuckDB, no Streamlit.

Every CSV or workbook the dashboard writes (table downloads, the list of an
import's rejected cells) passes through :func:`neutralise_formulas`.
"""

from __future__ import annotations

import pandas as pd

# A cell starting with one of these is run as a formula by Excel, LibreOffice
# or Google Sheets (CSV injection); tab and carriage return hide the prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell a spreadsheet would run as a formula starts with ``'``.

    Numbers stay numbers (a negative change is not text); text such as
    ``=HYPERLINK(...)`` or ``-1+1`` in a team name becomes ``'=HYPERLINK(...)``.
    Column names are treated the same way.

    Example:
        neutralise_formulas(pd.DataFrame({"team": ["=1+1"]}))["team"][0] == "'=1+1"
    """

    def safe(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe).astype(object)
    out.columns = [safe(str(column)) for column in out.columns]
    return out
