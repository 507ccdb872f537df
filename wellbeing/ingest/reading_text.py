"""An export's bytes as text: encoding, delimiter, size limits and clean cells."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv


class ImportProblem(ValueError):
    """A problem with the whole file, told in one sentence that says what to do."""


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


ENCODINGS = ("utf-8-sig", "cp1252")


DELIMITERS = (",", ";", "\t")


DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
    "mixed": "UTF-8 and Windows-1252 mixed",
    "utf-16": "UTF-16",
}


# Limits on what one file may make the server do (issue 18). A survey export has
# tens of columns, a few hundred at most (Qualtrics with its metadata); each
# column is a drop-down on the Upload page and a column suggestion.
MAX_COLUMNS = 500


# Excel's own limit for a cell is 32,767 characters; nothing an import stores is
# anywhere near (names are limited further when they are checked: values.MAX_TEXT_CHARS).
MAX_CELL_CHARS = 32_767


# A header is a question's text at most (Qualtrics puts the wording in a header row).
MAX_HEADER_CHARS = 2_000


# C0 controls (NUL included) and DEL and C1 controls: never text anyone typed.
# Tab, line feed and carriage return stay (a quoted cell may hold a line break).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


ROWS_LISTED = 20


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
