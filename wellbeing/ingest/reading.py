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
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SURVEYMONKEY_GENERIC_SUBHEADERS = {"response", "open-ended response"}
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# Limits on what one file may make the server do (issue 18). A survey export has
# tens of columns, a few hundred at most (Qualtrics with its metadata); each
# column is a drop-down on the Upload page and a column suggestion.
MAX_COLUMNS = 500
# Excel's own limit for a cell is 32,767 characters; nothing an import stores is
# anywhere near (names are limited further when they are checked: values.MAX_TEXT_CHARS).
MAX_CELL_CHARS = 32_767
# An .xlsx is a zip of XML. Real workbooks expand 5-30 times; a zip bomb (1.5 MB
# holding 1.5 GB of whitespace) a thousand times. Both limits are checked before
# anything is decompressed into memory.
MAX_XLSX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200
# C0 controls (NUL included) and DEL and C1 controls: never text anyone typed.
# Tab, line feed and carriage return stay (a quoted cell may hold a line break).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ROWS_LISTED = 20
# A header is a question's text at most (Qualtrics puts the wording in a header row).
MAX_HEADER_CHARS = 2_000


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


LAYOUT_NAMES = {
    "qualtrics": "Qualtrics",
    "qualtrics_legacy": "Qualtrics (legacy)",
    "surveymonkey": "SurveyMonkey",
    "ms_forms": "Microsoft Forms",
    "google_forms": "Google Forms",
    "typeform": "Typeform",
    "long": "One row per answer",
    "long_pivoted": "One row per answer, put back together per respondent",
    "plain": "Plain table",
}
ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "mixed": "UTF-8 and Windows-1252 mixed",
    "utf-16": "UTF-16",
}
# What HR can choose in the encoding override, and the codec each choice means.
ENCODING_CHOICES = {"Detect automatically": None, "UTF-8": "utf-8-sig", "Windows-1252": "cp1252"}
DELIMITER_CHOICES = {"Detect automatically": None, "Comma": ",", "Semicolon": ";", "Tab": "\t"}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UNNAMED_COLUMN = re.compile(r"^Column \d+$")
# Other files people pick by mistake, recognised by their first bytes.
OTHER_FORMATS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"{\\rtf": "a Rich Text document",
}
# Long ("tidy") exports hold one answer per row; these headers give them away.
LONG_QUESTION_HEADERS = {"question", "question text", "item", "question id"}
LONG_ANSWER_HEADERS = {"response", "answer", "response text", "value", "score"}
# The answer column read when a file has several (the words, not a number code), best first.
LONG_ANSWER_PREFERENCE = ("response text", "answer text", "answer", "response", "value", "score")
# A column naming the respondent each answer belongs to, best first.
LONG_RESPONDENT_HEADERS = (
    "respondent id",
    "respondentid",
    "respondent",
    "participant id",
    "response id",
    "responseid",
    "submission id",
    "id",
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used; tries UTF-8 (with or without BOM) then Windows-1252.

    A UTF-16 byte-order mark (Excel's "Unicode text") is honoured whatever was chosen,
    because such a file cannot be anything else.
    """
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16"), "utf-16"
    if encoding:
        # A BOM is not content: "UTF-8" chosen by hand still skips it.
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
        try:
            return data.decode(codec), codec
        except LookupError:
            raise ImportProblem(f"'{encoding}' is not an encoding this tool knows.") from None
        except UnicodeDecodeError as error:
            name = ENCODING_NAMES.get(codec, encoding)
            raise ImportProblem(
                f"The file is not {name}: byte {error.start + 1} cannot be read that way. "
                "Choose another encoding, or leave it to be detected."
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        # Windows-1252 maps almost every byte, so it is the fallback, not a guess.
        return data.decode("cp1252", errors="replace"), "cp1252"


def decode_lines(data: bytes) -> tuple[str, str, str | None]:
    """Like :func:`decode`, but a file that mixes UTF-8 and Windows-1252 lines is read
    line by line, each line in its own encoding, and the lines are listed.

    Returns (text, encoding, note): the note is None unless encodings were mixed.
    Example: a line saying "Équipe Sud" in UTF-8 beside "\xc9quipe Nord" in Windows-1252
    used to come out as "Ã‰quipe Sud" beside "Équipe Nord".
    """
    text, encoding = decode(data)
    if encoding != "cp1252":
        return text, encoding, None
    lines = data.split(b"\n")
    utf8_lines, cp1252_lines, parts = [], [], []
    for number, line in enumerate(lines, start=1):
        try:
            part = line.decode("utf-8-sig" if number == 1 else "utf-8")
            if not line.isascii():
                utf8_lines.append(number)
        except UnicodeDecodeError:
            part = line.decode("cp1252", errors="replace")
            cp1252_lines.append(number)
        parts.append(part)
    if not utf8_lines:
        return text, encoding, None
    note = (
        "The file mixes two encodings: "
        f"{_lines_text(utf8_lines)} {'is' if len(utf8_lines) == 1 else 'are'} UTF-8 and "
        f"{_lines_text(cp1252_lines)} {'is' if len(cp1252_lines) == 1 else 'are'} "
        "Windows-1252 (usually a file edited in Excel and another program). Each line was "
        "read in its own encoding: check those rows in the preview, and save the file as "
        "UTF-8 next time."
    )
    return "\n".join(parts), "mixed", note


def _lines_text(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:ROWS_LISTED])
    more = f" and {len(numbers) - ROWS_LISTED:,} more" if len(numbers) > ROWS_LISTED else ""
    return f"line{'s' if len(numbers) > 1 else ''} {shown}{more}"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the most, equally wide, columns."""
    sample = text[:64_000]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            rows = [row for row in itertools.islice(reader, 30) if any(c.strip() for c in row)]
        except csv.Error:
            continue
        # The last sampled row may be cut off mid-way; leave it out of the vote.
        widths = [len(row) for row in rows[:-1] or rows]
        if not widths:
            continue
        modal = max(set(widths), key=widths.count)
        consistency = widths.count(modal) / len(widths)
        score = (modal - 1) * consistency if modal > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _rows_from_csv(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """Non-blank records and the spreadsheet row (1-based record number) of each."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    for number, row in enumerate(reader, start=1):
        if any(cell.strip() for cell in row):
            rows.append(row)
            numbers.append(number)
    return rows, numbers


def _columns_from_csv(text: str, delimiter: str) -> list[pa.ChunkedArray] | None:
    """Every record's cells, column by column, or None when the file needs ``_rows_from_csv``.

    pyarrow's reader gives the same cells as the csv module for a rectangular file
    with no blank records, much faster and without a Python object per cell.
    Ragged rows, blank records and unclosed quotes are left to the careful
    row-by-row reader, which reports them.
    """
    first = next(csv.reader(io.StringIO(text[:65_536], newline=""), delimiter=delimiter), [])
    if len(first) < 2:
        return None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None
    # A blank record is blank in its first cell, so only those few rows are checked whole.
    candidates = table.filter(pc.equal(pc.utf8_trim_whitespace(table.column(0)), ""))
    if any(all(not cell.strip() for cell in record.values()) for record in candidates.to_pylist()):
        return None  # a blank record: the careful reader skips it and keeps row numbers right
    return table.columns


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


def refuse_too_many_columns(width: int) -> None:
    """Refuse a file wider than :data:`MAX_COLUMNS`, saying what to do."""
    if width > MAX_COLUMNS:
        raise ImportProblem(
            f"The file has {width:,} columns; this dashboard reads at most {MAX_COLUMNS:,}. "
            "Export only the survey's answers (leave out per-choice, embedded-data and "
            "metadata columns), or split the export."
        )


def _first_record_width(text: str, delimiter: str) -> int:
    """How many cells the header row has, read from its first line only (cheap on any width)."""
    end = text.find("\n")
    line = text if end < 0 else text[:end]
    return len(next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), []))


def clean_cells(frame: pd.DataFrame, file_rows: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Remove control characters from every cell and refuse cells longer than Excel allows.

    Returns the cleaned frame and notes that list the rows changed.
    """
    notes = []
    changed_rows: set[int] = set()
    changed_columns: list[str] = []
    too_long: list[str] = []
    cleaned = {}
    for column in frame.columns:
        values = frame[column]
        lengths = values.str.len()
        if (lengths > MAX_CELL_CHARS).any():
            rows = file_rows[lengths > MAX_CELL_CHARS].tolist()
            too_long.append(f"'{column}' at {_rows_text(rows)}")
        controls = values.str.contains(CONTROL_CHARACTERS, regex=True)
        if controls.any():
            changed_rows.update(file_rows[controls.fillna(False)].tolist())
            changed_columns.append(column)
            cleaned[column] = values.str.replace(CONTROL_CHARACTERS, "", regex=True)
    if too_long:
        raise ImportProblem(
            f"Some cells are longer than {MAX_CELL_CHARS:,} characters (Excel's own limit), "
            f"which no export holds: {'; '.join(too_long[:5])}. Check the file."
        )
    if cleaned:
        frame = frame.assign(**cleaned)
        notes.append(
            "Control characters (such as NUL), which no one types, were removed from "
            f"{', '.join(repr(c) for c in changed_columns[:5])} at "
            f"{_rows_text(sorted(changed_rows))}."
        )
    return frame, notes


def _rows_text(rows: list[int]) -> str:
    shown = ", ".join(str(n) for n in rows[:ROWS_LISTED])
    more = f" and {len(rows) - ROWS_LISTED:,} more" if len(rows) > ROWS_LISTED else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


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
        name = CONTROL_CHARACTERS.sub("", raw).strip() or f"Column {position + 1}"
        if len(name) > MAX_HEADER_CHARS:
            raise ImportProblem(
                f"Column {position + 1}'s header is {len(name):,} characters long; a header "
                f"may have at most {MAX_HEADER_CHARS:,}. Check the file's first row."
            )
        count = seen.get(name, 0) + 1
        seen[name] = count
        unique.append(name if count == 1 else f"{name} ({count})")
    return unique


def _is_qualtrics_import_row(row: list[str]) -> bool:
    filled = [cell for cell in row if cell]
    hits = sum(cell.startswith('{"ImportId"') for cell in filled)
    return hits >= 1 and hits * 2 >= len(filled)


def _is_surveymonkey(lowered: list[str], second: list[str]) -> bool:
    """Two header rows: questions (blank over a question's extra columns), then options."""
    generic = sum(cell.lower() in SURVEYMONKEY_GENERIC_SUBHEADERS for cell in second)
    if not generic:
        return False
    starts_with_id = bool(lowered) and lowered[0] in {"respondentid", "respondent id"}
    blank_over_options = any(not top and sub for top, sub in zip(lowered, second, strict=False))
    return starts_with_id or blank_over_options


def _detect_layout(rows: list[list[str]]) -> tuple[str, int, list[str], dict[str, str], list[str]]:
    """(layout, header_rows, column names, question text by column, notes)."""
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.lower() for cell in header]
    second = [cell.strip() for cell in rows[1]] if len(rows) > 1 else []
    third = [cell.strip() for cell in rows[2]] if len(rows) > 2 else []
    notes: list[str] = []

    if third and _is_qualtrics_import_row(third):
        names = _unique_names(header)
        questions = {name: text for name, text in zip(names, second, strict=False) if text}
        notes.append(
            "Qualtrics export: column names from the first header row; the second (question "
            "text) and third (ImportId) header rows were read as headers, not responses."
        )
        return "qualtrics", 3, names, questions, notes

    if (
        len(header) >= 3
        and all(cell[:1] == "V" and cell[1:].isdigit() for cell in header[:3])
        and second
    ):
        names = _unique_names(second)
        questions = dict(zip(names, header, strict=False))
        notes.append(
            "Qualtrics legacy export: the V1, V2... row was skipped; the second row names the "
            "columns."
        )
        return "qualtrics_legacy", 2, names, questions, notes

    if _is_surveymonkey(lowered, second):
        names = []
        options: list[str] = []
        current = ""
        for top, sub in itertools.zip_longest(header, second, fillvalue=""):
            current = top or current
            if sub and sub.lower() not in SURVEYMONKEY_GENERIC_SUBHEADERS:
                names.append(f"{current} - {sub}" if current else sub)
                options.append(sub)
            else:
                names.append(current)
                options.append("")
        names = _unique_names(names)
        # A matrix row's own label is the statement answered, e.g. one item of a scale.
        questions = {name: option for name, option in zip(names, options, strict=True) if option}
        notes.append("SurveyMonkey export: the two header rows were combined (question - option).")
        return "surveymonkey", 2, names, questions, notes

    names = _unique_names(header)
    repeated = [name for name, raw in zip(names, header, strict=False) if raw and name != raw]
    if repeated:
        notes.append(
            f"{len(repeated)} column(s) repeat an earlier column's name (a question with several "
            f"choices, as Typeform exports them) and were numbered, e.g. '{repeated[0]}'."
        )
    if lowered[:3] == ["id", "start time", "completion time"]:
        return "ms_forms", 1, names, {}, notes
    if lowered and lowered[0] == "timestamp":
        return "google_forms", 1, names, {}, notes
    if "network id" in lowered or (
        "#" in lowered and any(cell.startswith("submit date") for cell in lowered)
    ):
        return "typeform", 1, names, {}, notes
    if set(lowered) & LONG_QUESTION_HEADERS and set(lowered) & LONG_ANSWER_HEADERS:
        return "long", 1, names, {}, notes
    return "plain", 1, names, {}, notes


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


def pivot_long(
    frame: pd.DataFrame, rows: pd.Series
) -> tuple[pd.DataFrame | None, list[int], str | None]:
    """Put a file of one answer per row back together as one row per respondent.

    Needs a column naming the respondent of each answer (a respondent or response ID
    that repeats on each of their answers). Returns (the wide frame, the file row of
    each respondent's first answer, None) or (None, [], why it cannot be done).
    The wide frame has the ID first, then the respondent's other columns (their first
    value), then one column per question in the order the questions first appear.
    """
    by_header = {name.strip().lower(): name for name in frame.columns}
    question = next(by_header[h] for h in by_header if h in LONG_QUESTION_HEADERS)
    answers = [by_header[h] for h in LONG_ANSWER_PREFERENCE if h in by_header]
    answer = answers[0]
    respondent = next((by_header[h] for h in LONG_RESPONDENT_HEADERS if h in by_header), None)
    if respondent is None:
        return (
            None,
            [],
            (
                "This file has one row per answer and no respondent ID column, so answers cannot "
                "be put back together per respondent. Export it with a respondent ID on every "
                "answer, or with one row per respondent and one column per question."
            ),
        )
    ids = frame[respondent].str.strip()
    counts = ids.value_counts()
    # A respondent ID is on each of a respondent's answers; an ID on (nearly) one answer
    # each numbers answers, and pivoting by it would make a "respondent" of every answer.
    if (counts > 1).mean() < 0.5:
        return (
            None,
            [],
            (
                f"This file has one row per answer, and its '{respondent}' is different on nearly "
                f"every row ({len(counts):,} IDs for {len(frame):,} answers): it numbers answers, "
                "not respondents, so they cannot be put back together per respondent. Export it "
                "with one row per respondent, or with an ID that repeats on each of a "
                "respondent's answers."
            ),
        )
    keyed = frame.assign(**{respondent: ids}, _row=rows.to_numpy())
    order = pd.unique(ids)
    grouped = keyed.groupby(respondent, sort=False)
    others = [c for c in frame.columns if c not in {respondent, question, *answers}]
    first = grouped[[*others, "_row"]].first().reindex(order)
    questions = pd.unique(frame[question].str.strip())
    wide = (
        keyed.assign(**{question: keyed[question].str.strip()})
        .drop_duplicates([respondent, question], keep="first")
        .pivot(index=respondent, columns=question, values=answer)
        .reindex(index=order, columns=questions)
        .fillna("")
    )
    result = pd.concat([first[others], wide], axis=1).reset_index(names=respondent)
    result.columns = _unique_names([str(c) for c in result.columns])
    return result.astype("str"), first["_row"].astype("int64").tolist(), None
