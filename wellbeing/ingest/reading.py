"""Read an uploaded export into a table of text, whatever tool produced it.

Detects the encoding (UTF-8, UTF-8 with BOM, Windows-1252), the delimiter
(comma, semicolon, tab), and the header layouts of common survey tools. Every
cell comes back as text: interpretation belongs to validation, which can then
name the exact cell that is wrong.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from wellbeing.ingest.reading_layouts import (
    LAYOUT_NAMES,
    LONG_ANSWER_HEADERS,
    LONG_ANSWER_PREFERENCE,
    LONG_QUESTION_HEADERS,
    LONG_RESPONDENT_HEADERS,
    SURVEYMONKEY_GENERIC_SUBHEADERS,
    _detect_layout,
    pivot_long,
)
from wellbeing.ingest.reading_text import (
    CONTROL_CHARACTERS,
    DELIMITER_NAMES,
    DELIMITERS,
    ENCODING_NAMES,
    ENCODINGS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_HEADER_CHARS,
    ROWS_LISTED,
    UTF16_BOMS,
    ImportProblem,
    _columns_from_csv,
    _excel_cell_text,
    _first_record_width,
    _rows_from_csv,
    clean_cells,
    decode,
    decode_lines,
    refuse_too_many_columns,
    sha256,
    sniff_delimiter,
)

# Its interface, with the names moved by job into the modules above, still
# importable from here, where other modules import them.
__all__ = [
    "CONTROL_CHARACTERS",
    "DELIMITERS",
    "DELIMITER_CHOICES",
    "DELIMITER_NAMES",
    "ENCODINGS",
    "ENCODING_CHOICES",
    "ENCODING_NAMES",
    "ImportProblem",
    "LAYOUT_NAMES",
    "LONG_ANSWER_HEADERS",
    "LONG_ANSWER_PREFERENCE",
    "LONG_QUESTION_HEADERS",
    "LONG_RESPONDENT_HEADERS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_HEADER_CHARS",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNCOMPRESSED_BYTES",
    "OLE_MAGIC",
    "OTHER_FORMATS",
    "ROWS_LISTED",
    "SURVEYMONKEY_GENERIC_SUBHEADERS",
    "Table",
    "UNNAMED_COLUMN",
    "UTF16_BOMS",
    "XLSX_MAGIC",
    "clean_cells",
    "decode",
    "decode_lines",
    "pivot_long",
    "read_export",
    "refuse_too_many_columns",
    "refuse_zip_bomb",
    "sha256",
    "sniff_delimiter",
]

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# An .xlsx is a zip of XML. Real workbooks expand 5-30 times; a zip bomb (1.5 MB
# holding 1.5 GB of whitespace) a thousand times. Both limits are checked before
# anything is decompressed into memory.
MAX_XLSX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200


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
    # The spreadsheet row of each data row, when blank rows were skipped; None means
    # data row i sits at header_rows + i + 1.
    row_numbers: list[int] | None = None
    # Why a file of one answer per row could not be put back together per respondent.
    long_problem: str | None = None

    def file_rows(self) -> pd.Series:
        """The spreadsheet row of every data row, aligned with ``frame``."""
        if self.row_numbers is not None:
            return pd.Series(self.row_numbers, index=self.frame.index, dtype="int64")
        return pd.Series(range(len(self.frame)), index=self.frame.index, dtype="int64") + (
            self.header_rows + 1
        )

    def describe(self) -> str:
        """One sentence saying what was understood, for the preview."""
        parts = [f"{LAYOUT_NAMES.get(self.layout, self.layout)} layout"]
        if self.delimiter is not None:
            parts.append(f"{DELIMITER_NAMES[self.delimiter]}-separated")
            parts.append(ENCODING_NAMES.get(self.encoding, self.encoding))
        else:
            parts.append("Excel workbook")
        rows, columns = len(self.frame), len(self.frame.columns)
        parts.append(
            f"{rows:,} row{'s' if rows != 1 else ''}, {columns} column{'s' if columns != 1 else ''}"
        )
        parts.append(f"{self.header_rows} header row{'s' if self.header_rows != 1 else ''}")
        return ", ".join(parts)


# What HR can choose in the encoding override, and the codec each choice means.
ENCODING_CHOICES = {"Detect automatically": None, "UTF-8": "utf-8-sig", "Windows-1252": "cp1252"}
DELIMITER_CHOICES = {"Detect automatically": None, "Comma": ",", "Semicolon": ";", "Tab": "\t"}
UNNAMED_COLUMN = re.compile(r"^Column \d+$")
# Other files people pick by mistake, recognised by their first bytes.
OTHER_FORMATS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"{\\rtf": "a Rich Text document",
}


def refuse_zip_bomb(data: bytes) -> None:
    """Refuse an .xlsx whose contents would expand too far, before decompressing it.

    The sizes the zip declares are checked first (costs nothing); then each part
    is read through, never held, so that a zip that lies about its sizes is caught
    too (Python's zip reader stops at the declared size and checks the CRC).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise ImportProblem(
            "The file is a zip or Office document but not an Excel workbook that can be read. "
            "Open it in Excel and save it as .xlsx or CSV."
        ) from None
    declared = sum(member.file_size for member in members)
    packed = max(1, sum(member.compress_size for member in members))
    # A small part (a few hundred bytes of settings) may shrink a lot and cost nothing.
    largest_ratio = max(
        (
            member.file_size / max(1, member.compress_size)
            for member in members
            if member.file_size > 1024 * 1024
        ),
        default=0,
    )
    too_big = declared > MAX_XLSX_UNCOMPRESSED_BYTES
    if too_big or largest_ratio > MAX_XLSX_RATIO:
        raise ImportProblem(
            f"The workbook would expand from {packed / 1024 / 1024:.1f} MB to "
            f"{declared / 1024 / 1024:,.0f} MB ({declared / packed:,.0f} times) when opened, "
            f"beyond the {MAX_XLSX_UNCOMPRESSED_BYTES // 1024 // 1024} MB (or "
            f"{MAX_XLSX_RATIO} times) this dashboard opens. A real export does not: export "
            "the responses again, as CSV if you can."
        )
    try:
        for member in members:
            with archive.open(member) as part:
                while part.read(1024 * 1024):
                    pass
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
        raise ImportProblem(
            "The workbook is damaged (its parts are not the size they claim). Open it in "
            "Excel and save it again, or export the responses as CSV."
        ) from None


def _xlsx_first_sheet_width(data: bytes) -> int | None:
    """The first sheet's width from its <dimension> tag, read without opening the sheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        sheets = sorted(
            name for name in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", name)
        )
        if not sheets:
            return None
        with archive.open(sheets[0]) as part:
            head = part.read(65_536).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    found = re.search(r'<dimension ref="[A-Z]+\d+:([A-Z]+)\d+"', head)
    if not found:
        return None
    width = 0
    for letter in found.group(1):
        width = width * 26 + ord(letter) - ord("A") + 1
    return width


def _rows_from_xlsx(data: bytes) -> tuple[list[list[str]], list[int], list[str]]:
    """Non-blank rows of the first sheet, their row numbers, and notes."""
    refuse_zip_bomb(data)
    width = _xlsx_first_sheet_width(data)
    if width is not None:
        refuse_too_many_columns(width)
    try:
        sheets = pd.read_excel(
            io.BytesIO(data), sheet_name=None, header=None, dtype=str, engine="calamine"
        )
    except Exception:
        raise ImportProblem(
            "The file is a zip or Office document but not an Excel workbook that can be read. "
            "Open it in Excel and save it as .xlsx or CSV."
        ) from None
    if not sheets:
        raise ImportProblem("The workbook has no sheets. Export the survey again.")
    notes = []
    names = list(sheets)
    if len(names) > 1:
        # The first sheet holds the responses; later sheets are data dictionaries and notes.
        others = ", ".join(f"'{name}'" for name in names[1:])
        notes.append(f"Read the first sheet, '{names[0]}'; ignored {others}.")
    first = sheets[names[0]].fillna("")
    rows, numbers = [], []
    for number, row in enumerate(first.itertuples(index=False), start=1):
        cells = [_excel_cell_text(cell) for cell in row]
        if any(cell.strip() for cell in cells):
            rows.append(cells)
            numbers.append(number)
    return rows, numbers, notes


def _refuse_other_formats(data: bytes) -> None:
    if data.startswith(OLE_MAGIC):
        raise ImportProblem(
            "This is an old Excel .xls workbook. Open it in Excel and save it as .xlsx or CSV."
        )
    for magic, what in OTHER_FORMATS.items():
        if data.startswith(magic):
            raise ImportProblem(
                f"This is {what}, not a survey export. Export the responses as CSV or .xlsx."
            )
    if b"\x00" in data[:8192] and not data.startswith(UTF16_BOMS):
        raise ImportProblem(
            "This does not look like a CSV or Excel file (it contains binary data). "
            "Export the survey as CSV or .xlsx."
        )


def read_export(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read ``data`` (CSV or XLSX bytes) into a :class:`Table`.

    ``encoding`` and ``delimiter`` override detection (None detects). Raises
    :class:`ImportProblem` for anything that makes the whole file unusable.

    Example:
        >>> table = read_export(b"Team,Q1\\nNorth,4\\n", "survey.csv")
        >>> table.frame.to_dict("records")
        [{'Team': 'North', 'Q1': '4'}]
    """
    if not data or not data.strip():
        raise ImportProblem("The file is empty. Export the responses again and upload that file.")
    digest = sha256(data)
    notes: list[str] = []
    columns: list[pa.ChunkedArray] | None = None
    if data.startswith(XLSX_MAGIC):
        rows, numbers, notes = _rows_from_xlsx(data)
        used_encoding, used_delimiter = "xlsx", None
    else:
        _refuse_other_formats(data)
        if encoding is None:
            text, used_encoding, mixed = decode_lines(data)
            if mixed:
                notes.append(mixed)
        else:
            text, used_encoding = decode(data, encoding)
        if encoding is None and used_encoding == "cp1252":
            notes.append(
                "The file is not UTF-8, so it was read as Windows-1252 (Excel's usual CSV "
                "encoding). If letters look wrong in the preview, choose the encoding by hand."
            )
        used_delimiter = delimiter or sniff_delimiter(text)
        refuse_too_many_columns(_first_record_width(text, used_delimiter))
        columns = _columns_from_csv(text, used_delimiter)
        try:
            if columns is not None:
                # Layout detection needs only the first records as rows.
                rows = [[c[i].as_py() for c in columns] for i in range(min(3, len(columns[0])))]
                numbers = list(range(1, len(rows) + 1))
            else:
                rows, numbers = _rows_from_csv(text, used_delimiter)
        except csv.Error as error:
            raise ImportProblem(
                f"The CSV could not be parsed ({error}). Export it again from the survey tool."
            ) from None
    if not rows:
        raise ImportProblem("The file is empty. Export the responses again and upload that file.")
    if max(len(row) for row in rows[:50]) < 2:
        raise ImportProblem(
            "Only one column was found. The file may use a delimiter other than comma, "
            "semicolon or tab, or be a single list: choose the delimiter by hand, or "
            "export again as CSV."
        )
    refuse_too_many_columns(max(len(row) for row in rows[:3]))
    layout, header_rows, names, questions, layout_notes = _detect_layout(rows)
    notes = layout_notes + notes
    body = rows[header_rows:]
    body_numbers = numbers[header_rows:]
    width = len(names)
    too_wide = [
        i for i, row in enumerate(body) if len(row) > width and any(c.strip() for c in row[width:])
    ]
    if too_wide:
        notes.append(
            f"{len(too_wide)} row(s) had more cells than there are headers; the extra cells were "
            f"ignored (first at file row {body_numbers[too_wide[0]]})."
        )
    if columns is not None:
        # Rectangular with no blank records: the columns past the headers are the body.
        frame = pd.DataFrame(
            {name: c.slice(header_rows).to_pandas() for name, c in zip(names, columns, strict=True)}
        )
        body_numbers = list(range(header_rows + 1, header_rows + 1 + len(frame)))
        body = range(len(frame))
    else:
        padded = [(row + [""] * width)[:width] for row in body]
        frame = pd.DataFrame(padded, columns=names, dtype="str")
    if frame.empty:
        raise ImportProblem(
            "The file has headers but no responses. Export it again once responses are in."
        )
    expected = list(range(header_rows + 1, header_rows + 1 + len(body)))
    file_rows = pd.Series(body_numbers if body_numbers != expected else expected, dtype="int64")
    frame, cleaning_notes = clean_cells(frame, file_rows.set_axis(frame.index))
    notes.extend(cleaning_notes)
    frame, dropped = _drop_unnamed_empty_columns(frame)
    if dropped:
        notes.append(f"{dropped} column(s) with no header and no values were left out.")
    expected = list(range(header_rows + 1, header_rows + 1 + len(body)))
    long_problem = None
    if layout == "long":
        numbers = pd.Series(body_numbers if len(body_numbers) == len(frame) else expected)
        wide, rows_of, long_problem = pivot_long(frame, numbers)
        if wide is not None:
            notes.append(
                f"This file holds one answer per row: its {len(frame):,} answers were put back "
                f"together as {len(wide):,} respondents by '{wide.columns[0]}'."
            )
            frame, layout, body_numbers = wide, "long_pivoted", rows_of
        else:
            notes.append(
                "This file holds one answer per row (a 'Question' and a 'Response' column), "
                "not one respondent per row."
            )
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
        row_numbers=None if list(body_numbers) == expected else list(body_numbers),
        long_problem=long_problem,
    )


def _drop_unnamed_empty_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Leave out columns with a blank header and no values (a trailing comma, for example)."""
    drop = [
        name
        for name in frame.columns
        if UNNAMED_COLUMN.match(name) and not frame[name].str.strip().ne("").any()
    ]
    return frame.drop(columns=drop), len(drop)
