"""Read an uploaded export into a table of text, whatever tool produced it.

Detects the encoding (UTF-8, UTF-8 with BOM, Windows-1252), the delimiter
(comma, semicolon, tab), and the header layouts of common survey tools. Every
cell comes back as text: interpretation belongs to validation, which can then
name the exact cell that is wrong.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from dataclasses import dataclass, field

import pandas as pd

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SURVEYMONKEY_GENERIC_SUBHEADERS = {"response", "open-ended response"}
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class ImportProblem(ValueError):
    """A problem with the whole file, told in one sentence that says what to do."""


@dataclass
class Table:
    """An export as understood: unique column names, every cell as text."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    layout: str
    encoding: str
    delimiter: str | None
    header_rows: int
    question_text: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def file_row(self, index: int) -> int:
        """The row number a person sees in a spreadsheet for data row ``index`` (0-based)."""
        return self.header_rows + index + 1

    def describe(self) -> str:
        """One sentence saying what was understood, for the preview."""
        parts = [f"{LAYOUT_NAMES.get(self.layout, self.layout)} layout"]
        if self.delimiter is not None:
            parts.append(f"{DELIMITER_NAMES[self.delimiter]}-separated")
            parts.append(ENCODING_NAMES.get(self.encoding, self.encoding))
        else:
            parts.append("Excel workbook")
        parts.append(f"{len(self.frame):,} rows, {len(self.frame.columns)} columns")
        parts.append(f"{self.header_rows} header row{'s' if self.header_rows != 1 else ''}")
        return ", ".join(parts)


LAYOUT_NAMES = {
    "qualtrics": "Qualtrics",
    "qualtrics_legacy": "Qualtrics (legacy)",
    "surveymonkey": "SurveyMonkey",
    "ms_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "typeform": "Typeform",
    "plain": "Plain table",
}
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used; tries UTF-8 (with or without BOM) then Windows-1252."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as error:
            raise ImportProblem(
                f"The file cannot be read as {encoding}: {error}. Choose another encoding."
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        # Windows-1252 maps almost every byte, so it is the fallback, not a guess.
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, equally wide, columns."""
    sample_lines = [line for line in text[:64_000].splitlines()[:30] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(sample_lines, delimiter=delimiter))
        except csv.Error:
            continue
        widths = [len(row) for row in rows]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        consistency = widths.count(modal) / len(widths)
        score = (modal - 1) * consistency if modal > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows_from_csv(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [row for row in reader if any(cell.strip() for cell in row)]


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=str,
                               engine="calamine")
    except Exception as error:
        raise ImportProblem(
            f"The workbook could not be opened ({error}). Save it again from Excel as .xlsx or CSV."
        ) from None
    if not sheets:
        raise ImportProblem("The workbook has no sheets. Export the survey again.")
    # The first sheet holds the responses; later sheets are data dictionaries and notes.
    first = next(iter(sheets.values())).fillna("")
    rows = [[_excel_cell_text(cell) for cell in row] for row in first.itertuples(index=False)]
    return [row for row in rows if any(cell.strip() for cell in row)]


def _excel_cell_text(cell: object) -> str:
    text = str(cell)
    # calamine gives whole numbers stored as floats back as "4.0"; show them as typed.
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return text


def _unique_names(names: list[str]) -> list[str]:
    """Make header names unique the way a person would read them: 'Colour', 'Colour (2)'."""
    seen: dict[str, int] = {}
    unique = []
    for position, raw in enumerate(names):
        name = raw.strip() or f"Column {position + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        unique.append(name if count == 1 else f"{name} ({count})")
    return unique


def _detect_layout(rows: list[list[str]]) -> tuple[str, int, list[str], dict[str, str], list[str]]:
    """(layout, header_rows, column names, question text by column, notes)."""
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.lower() for cell in header]
    second = [cell.strip() for cell in rows[1]] if len(rows) > 1 else []
    third = [cell.strip() for cell in rows[2]] if len(rows) > 2 else []
    notes: list[str] = []

    if third and sum(cell.startswith('{"ImportId"') for cell in third) >= max(1, len(third) // 2):
        names = _unique_names(header)
        questions = {name: text for name, text in zip(names, second, strict=False) if text}
        notes.append("Qualtrics: the second header row (question text) and the ImportId row were read as headers.")
        return "qualtrics", 3, names, questions, notes

    if header and all(cell.upper().startswith("V") and cell[1:].isdigit() for cell in header[:3]) and second:
        names = _unique_names(second)
        questions = {name: code for name, code in zip(names, header, strict=False)}
        notes.append("Qualtrics legacy export: the V1, V2... row was skipped; the second row names the columns.")
        return "qualtrics_legacy", 2, names, questions, notes

    if lowered and lowered[0] in {"respondentid", "respondent id"} and any(
        cell.lower() in SURVEYMONKEY_GENERIC_SUBHEADERS for cell in second
    ):
        names = []
        current = ""
        for top, sub in itertools.zip_longest(header, second, fillvalue=""):
            current = top or current
            if sub and sub.lower() not in SURVEYMONKEY_GENERIC_SUBHEADERS:
                names.append(f"{current} - {sub}")
            else:
                names.append(current)
        names = _unique_names(names)
        notes.append("SurveyMonkey: the two header rows were combined (question - option).")
        return "surveymonkey", 2, names, {}, notes

    names = _unique_names(header)
    if len(set(header)) < len([cell for cell in header if cell]):
        notes.append("Repeated column names were numbered, e.g. 'Choice (2)'.")
    if lowered[:3] == ["id", "start time", "completion time"]:
        return "ms_forms", 1, names, {}, notes
    if lowered and lowered[0] == "timestamp":
        return "google_forms", 1, names, {}, notes
    if "network id" in lowered or ("#" in lowered and any("submit date" in c for c in lowered)):
        return "typeform", 1, names, {}, notes
    return "plain", 1, names, {}, notes


def read_export(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read ``data`` (CSV or XLSX bytes) into a :class:`Table`.

    Raises :class:`ImportProblem` for anything that makes the whole file unusable.

    Example:
        >>> table = read_export(b"Team,Q1\\nNorth,4\\n", "survey.csv")
        >>> table.frame.to_dict("records")
        [{'Team': 'North', 'Q1': '4'}]
    """
    if not data or not data.strip():
        raise ImportProblem("The file is empty. Export the responses again and upload that file.")
    digest = sha256(data)
    if data.startswith(XLSX_MAGIC):
        rows = _rows_from_xlsx(data)
        used_encoding, used_delimiter = "xlsx", None
    elif data.startswith(OLE_MAGIC):
        raise ImportProblem(
            "This is an old Excel .xls workbook. Open it in Excel and save it as .xlsx or CSV."
        )
    elif b"\x00" in data[:8192]:
        raise ImportProblem(
            "This does not look like a CSV or Excel file (it contains binary data). "
            "Export the survey as CSV or .xlsx."
        )
    else:
        text, used_encoding = decode(data, encoding)
        used_delimiter = delimiter or sniff_delimiter(text)
        try:
            rows = _rows_from_csv(text, used_delimiter)
        except csv.Error as error:
            raise ImportProblem(f"The CSV could not be parsed: {error}.") from None
    if not rows:
        raise ImportProblem("The file is empty. Export the responses again and upload that file.")
    if max(len(row) for row in rows[:50]) < 2:
        raise ImportProblem(
            "Only one column was found. The file may use a delimiter other than comma, "
            "semicolon or tab, or be a single list: choose the delimiter by hand, or "
            "export again as CSV."
        )
    layout, header_rows, names, questions, notes = _detect_layout(rows)
    body = rows[header_rows:]
    width = len(names)
    too_wide = [i for i, row in enumerate(body) if len(row) > width and any(c.strip() for c in row[width:])]
    if too_wide:
        notes.append(
            f"{len(too_wide)} row(s) had more cells than there are headers; the extra cells were ignored "
            f"(first at file row {header_rows + too_wide[0] + 1})."
        )
    padded = [(row + [""] * width)[:width] for row in body]
    frame = pd.DataFrame(padded, columns=names, dtype="str") if padded else pd.DataFrame(
        {name: pd.Series([], dtype="str") for name in names}
    )
    if frame.empty:
        raise ImportProblem("The file has headers but no responses. Export it again once responses are in.")
    return Table(
        frame=frame,
        file_name=file_name,
        sha256=digest,
        layout=layout,
        encoding=used_encoding,
        delimiter=used_delimiter,
        header_rows=header_rows,
        question_text=questions,
        notes=notes,
    )

