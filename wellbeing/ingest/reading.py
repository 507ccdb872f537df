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
    with no blank records, about twenty times faster (a 100,000-row export in well
    under a second, without a Python object per cell). Ragged rows, blank records
    and unclosed quotes are left to the careful row-by-row reader, which reports them.
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


def _rows_from_xlsx(data: bytes) -> tuple[list[list[str]], list[int], list[str]]:
    """Non-blank rows of the first sheet, their row numbers, and notes."""
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
        name = raw.strip() or f"Column {position + 1}"
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
        text, used_encoding = decode(data, encoding)
        if encoding is None and used_encoding == "cp1252":
            notes.append(
                "The file is not UTF-8, so it was read as Windows-1252 (Excel's usual CSV "
                "encoding). If letters look wrong in the preview, choose the encoding by hand."
            )
        used_delimiter = delimiter or sniff_delimiter(text)
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
