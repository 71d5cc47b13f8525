"""The one reader of uploaded tables and the one writer of downloaded tables.

Every importer (users, enrolments, task definitions, attendance rosters and reports) reads its upload
through :func:`read_table` (an attendance report stacking several tables in one sheet also through
:func:`xlsx_text`), and every exporter writes through :func:`csv_lines` (streamed as :func:`csv_chunks`),
:func:`csv_bytes` or :func:`xlsx_bytes`; :func:`without_formula_guards` undoes on upload what
:func:`neutralise` did on download. Keeping both ends in one place means one set of answers to the awkward questions:
which encodings a teacher's Excel produces, what a "row number" is, how a zip bomb is refused and how a
cell such as ``=HYPERLINK(...)`` is kept from running when the download is opened.

The module is pure: bytes in, a :class:`Table` or a :class:`FileFormatError` out (and the reverse for the
writers). It imports nothing from Django so that parsers, services, commands and benchmarks can all use
it, and so that its tests need no database.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import decimal
import functools
import gc
import io
import itertools
import math
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = [
    "XLSX_KIND",
    "FileFormatError",
    "Row",
    "Table",
    "UnsupportedFileType",
    "csv_bytes",
    "csv_chunks",
    "csv_lines",
    "cycle_collection_paused",
    "decode_text",
    "detect_kind",
    "neutralise",
    "normalise_header",
    "read_table",
    "without_formula_guard",
    "without_formula_guards",
    "xlsx_bytes",
    "xlsx_text",
]

CSV_KIND = "text/csv"
XLSX_KIND = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Python's default limit (131072 characters) rejects legitimate long cells such as task descriptions.
# The limit is process-wide state of the csv module, so it is raised once here, never lowered.
_CSV_FIELD_LIMIT = 16 * 2**20
if csv.field_size_limit() < _CSV_FIELD_LIMIT:
    csv.field_size_limit(_CSV_FIELD_LIMIT)

_DELIMITERS = (",", ";", "\t")  # in order of preference when counts tie


class FileFormatError(Exception):
    """An uploaded file that cannot be read as a table; the message is meant for the teacher.

    ``row`` is the spreadsheet row number (as Excel shows it) when the problem is on one row.
    """

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message, row)
        self.message = message
        self.row = row

    def __str__(self) -> str:
        # Messages such as "Row 7 has 5 cells ..." already name their row; do not say it twice.
        if self.row is None or re.match(rf"Row {self.row}\b", self.message):
            return self.message
        return f"Row {self.row}: {self.message}"


class UnsupportedFileType(FileFormatError):
    """The content is neither text nor XLSX (a PDF, an image, a legacy .xls, binary noise...).

    ``kind`` is the detected MIME type, so callers can report it as upstream Doubtfire does.
    """

    def __init__(self, kind: str, message: str | None = None) -> None:
        super().__init__(message or f"File given is not a csv file - detected {kind}")
        self.kind = kind

    def __reduce__(self) -> tuple[type[UnsupportedFileType], tuple[str, str]]:
        return (type(self), (self.kind, self.message))


class Row(NamedTuple):
    """One data row. ``number`` is the row as the teacher sees it in Excel (blank rows still count).

    A named tuple rather than a frozen dataclass: a big upload makes one per row, and this is ~4× cheaper.
    """

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A parsed upload: normalised ``headers`` for code, ``original_headers`` for messages."""

    headers: list[str]
    original_headers: list[str]
    rows: list[Row]
    kind: str


# --------------------------------------------------------------------------------------------------
# Detection and decoding


_MAGIC_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"),  # OLE2: legacy .xls (or .doc)
    (b"\x1f\x8b", "application/gzip"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control bytes that never occur in text a spreadsheet or editor writes. NUL is left out on purpose:
# text with a stray NUL is reported by decode_text with a message that says so.
_BINARY_BYTES = bytes(set(range(0x01, 0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A, 0x1B})
_SNIFF_BYTES = 64 * 1024

# What zipfile raises for archives that are cut short, corrupt, encrypted or use unknown compression.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
               NotImplementedError)


def detect_kind(data: bytes) -> str:
    """Return the MIME type of ``data`` judged by its content (a file name proves nothing).

    Returns ``"text/csv"`` for anything that reads as text, :data:`XLSX_KIND` for an OOXML workbook
    (also when the zip is damaged but its parts are named like a workbook, so the teacher is told it
    is damaged rather than of the wrong type), and otherwise the kind of the foreign file.
    """
    if not data:
        return "inode/x-empty"
    for bom, _encoding in _BOMS:
        if data.startswith(bom):
            return CSV_KIND
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    for magic, kind in _MAGIC_KINDS:
        if data.startswith(magic):
            return kind
    sample = data[:_SNIFF_BYTES]
    # One stray control character may be an export glitch; more than 1% is not text.
    control = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if control and control * 100 >= len(sample):
        return "application/octet-stream"
    return CSV_KIND


def _zip_kind(data: bytes) -> str:
    """Tell an XLSX from other zip-based files (ODS, DOCX, plain zip) by the names of its parts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    mimetype = part.read(100)  # bounded: the part itself could be a bomb
    except _ZIP_ERRORS:
        # Part names are stored uncompressed in each local header, so a cut-off workbook still shows
        # them; calling it XLSX lets the teacher hear "damaged" rather than "wrong type".
        office = any(name in data for name in (b"xl/", b"docProps/", b"[Content_Types].xml"))
        other_office = any(name in data for name in (b"word/", b"ppt/"))
        return XLSX_KIND if office and not other_office else "application/zip"
    if "xl/workbook.xml" in names:
        return XLSX_KIND
    if "xl/workbook.bin" in names:
        return "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if mimetype.startswith(b"application/") and mimetype.isascii():
        return mimetype.decode("ascii").strip()  # OpenDocument files name their own type
    return "application/zip"


# Windows-1252 leaves five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) undefined; Excel and browsers map them to
# the Latin-1 control characters of the same value, so the fallback does too rather than failing.
_CP1252_WITH_LATIN1 = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)


# A well-formed UTF-8 sequence for a non-ASCII character (2 to 4 bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_text(data: bytes) -> str:
    """Decode an uploaded CSV the way Excel would have meant it, keeping every character.

    UTF-8 (with or without a byte-order mark) first, UTF-16/32 when a byte-order mark says so, and
    Windows-1252 for the legacy "CSV (Comma delimited)" save of Excel on Windows, so "José" stays "José"
    instead of losing the accent (upstream Doubtfire drops undecodable bytes). Line endings are left as
    they are: the csv module, reading with ``newline=''``, understands CRLF, LF and bare CR, including
    inside quoted cells, which a blanket replacement would damage.
    """
    encoding = None
    for bom, candidate in _BOMS:
        if data.startswith(bom):
            encoding = candidate
            data = data[len(bom) :]
            break
    if encoding is not None and encoding != "utf-8":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            name = encoding[:6].upper()  # "UTF-16" or "UTF-32"
            raise FileFormatError(
                f"The file starts with a {name} byte-order mark but is not valid {name} text."
            ) from error
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if _UTF8_MULTIBYTE.search(data):
                # Valid UTF-8 accents beside bytes that are not UTF-8: two files pasted together. Guessing
                # one encoding would silently garble half the names ("JosÃ©"), so ask for a clean save.
                row = data.count(b"\n", 0, error.start) + 1
                raise FileFormatError(
                    "The file mixes text encodings (UTF-8 and another, from line "
                    f"{row}); save it again as 'CSV UTF-8' and upload that.",
                    row=row,
                ) from error
            text = codecs.charmap_decode(data, "strict", _CP1252_WITH_LATIN1)[0]
    if "\x00" in text:
        raise FileFormatError("The file contains NUL bytes; it looks like a binary file, not a CSV.")
    return text


# --------------------------------------------------------------------------------------------------
# Reading


_HEADER_SEPARATORS = re.compile(r"[\s_\-]+")


@functools.lru_cache(maxsize=4096)  # called for every row's first cell (repeated-heading check)
def normalise_header(name: str) -> str:
    """Turn a heading as typed by a person into the name code matches on.

    Case, surrounding spaces and the choice between space, underscore and hyphen are not meaningful to
    a teacher ("Student ID", "student_id" and "Student-Id" are one column), so they are folded away.
    """
    name = name.replace("\ufeff", "").replace("\u200b", "")
    return _HEADER_SEPARATORS.sub("_", name.strip().lower()).strip("_")


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while a file is turned into rows (usable as a decorator).

    Reading makes a few long-lived objects per row and no reference cycles, yet every few thousand rows
    the allocation count sets off a collection, and the full ones walk the whole heap (Django included):
    on a 50,000-row Teams log that was a third of the read. Reference counting still frees everything;
    the collector resumes (if it was on) when the block ends, even on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cycle_collection_paused()
def read_table(
    data: bytes,
    *,
    required: Iterable[str] = (),
    max_rows: int = 200_000,
    max_xlsx_uncompressed: int = 100 * 2**20,
    max_xlsx_entries: int = 1000,
) -> Table:
    """Read a CSV (any common encoding, ``,`` ``;`` or tab) or the first sheet of an XLSX file.

    The first non-blank row is the heading row. Blank rows and rows that repeat the headings are
    skipped but still counted, so ``Row.number`` matches what the teacher sees in Excel. Every row has
    every heading as a key; values are trimmed strings. Raises :class:`UnsupportedFileType` for other
    kinds of file and :class:`FileFormatError` for anything else a person has to fix in the file.
    """
    kind = detect_kind(data)
    if kind == CSV_KIND:
        records = _csv_records(decode_text(data))
    elif kind == XLSX_KIND:
        records = _xlsx_records(data, max_uncompressed=max_xlsx_uncompressed, max_entries=max_xlsx_entries)
    elif kind == "inode/x-empty":
        raise FileFormatError("The file is empty.")
    else:
        raise UnsupportedFileType(kind)
    try:
        return _build_table(records, kind=kind, required=required, max_rows=max_rows)
    finally:
        records.close()  # releases the workbook at once when a bad row stops reading early


def xlsx_text(
    data: bytes,
    *,
    max_rows: int = 200_000,
    max_xlsx_uncompressed: int = 100 * 2**20,
    max_xlsx_entries: int = 1000,
) -> str:
    """The first worksheet of an XLSX file as tab-separated text, line n holding row n (blank rows kept).

    For reports that stack several tables in one sheet (a Teams attendance report re-saved from Excel),
    whose readers find the tables in text and hand each back to :func:`read_table`. Cells read exactly as
    in :func:`read_table`, with the same zip checks and errors.
    """
    records = _xlsx_records(data, max_uncompressed=max_xlsx_uncompressed, max_entries=max_xlsx_entries)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    try:
        for number, cells in records:
            if number > max_rows:
                raise FileFormatError(f"The file has more than {max_rows} rows; split it into smaller files.")
            while cells and not cells[-1]:
                cells.pop()
            writer.writerow(cells)
    finally:
        records.close()
    return buffer.getvalue()


def _build_table(
    records: Iterator[tuple[int, list[str]]], *, kind: str, required: Iterable[str], max_rows: int
) -> Table:
    """Turn (row number, trimmed cells) records into a Table, applying the heading and row rules."""
    records = iter(records)
    for number, cells in records:
        if any(cells):
            original, headers = _read_headings(cells)
            _check_required(headers, required)
            break
    else:
        raise FileFormatError("The file is empty.")
    # The per-row loop runs 50,000+ times on a big log: locals, and the rare cases behind one cheap test.
    width, first_heading = len(headers), headers[0]
    rows: list[Row] = []
    append = rows.append
    for number, cells in records:
        if len(cells) != width:
            if len(cells) > width and any(cells[width:]):
                filled = len(cells)
                while not cells[filled - 1]:
                    filled -= 1
                raise FileFormatError(f"Row {number} has {filled} cells but the heading row has {width}.", row=number)
            cells = cells[:width] + [""] * (width - len(cells))
        if not any(cells):
            continue
        if normalise_header(cells[0]) == first_heading and list(map(normalise_header, cells)) == headers:
            continue  # the heading row pasted again, e.g. two exports joined together
        if len(rows) >= max_rows:
            raise FileFormatError(f"The file has more than {max_rows} rows; split it into smaller files.")
        append(Row(number, dict(zip(headers, cells))))
    return Table(headers=headers, original_headers=original, rows=rows, kind=kind)


# Excel's own limit (column XFD); anything wider was not made by a spreadsheet program.
MAX_COLUMNS = 16_384


def _read_headings(cells: list[str]) -> tuple[list[str], list[str]]:
    """Validate the heading row and return (original, normalised) headings."""
    cells = [cell.replace("\ufeff", "").strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise FileFormatError(
            f"The heading row has {len(cells):,} columns; a spreadsheet holds at most {MAX_COLUMNS:,}. "
            "Is this the right file?"
        )
    headers: list[str] = []
    for position, cell in enumerate(cells, start=1):
        column = f"column {position} ({get_column_letter(position)})"
        if not cell:
            raise FileFormatError(f"The heading in {column} is blank.")
        header = normalise_header(cell)
        if not header:
            raise FileFormatError(f"The heading '{cell}' in {column} has no letters or digits.")
        if header in headers:
            raise FileFormatError(f"The heading '{header}' appears twice.")
        headers.append(header)
    return cells, headers


def _check_required(headers: list[str], required: Iterable[str]) -> None:
    missing = [name for name in map(normalise_header, required) if name not in headers]
    if missing:
        raise FileFormatError(f"Missing headings: {', '.join(missing)}. Found: {', '.join(headers)}.")


def _sniff_delimiter(text: str) -> str:
    """Pick ``,``, ``;`` or tab by counting them outside quotes on the first non-blank line.

    European Excel saves "CSV" with semicolons and "Unicode text" with tabs; the heading row tells which.
    csv.Sniffer is not used because it guesses from letters too and is wrong on one-column files.
    """
    lines = (match.group() for match in re.finditer(r"[^\r\n]+", text))
    line = next((line for line in lines if not line.isspace()), "")
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(_DELIMITERS, key=lambda delimiter: counts[delimiter])  # max keeps the first on ties


def _csv_records(text: str) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (Excel row number, trimmed cells) for each CSV record, blank records included.

    A record whose quoted cell spans lines is one spreadsheet row, so numbering follows records, not
    physical lines. The reader is lenient about stray quotes (as Excel is), which lets one unclosed
    quote swallow the rest of the file. The reader only asks for another line in the middle of a
    record while inside quotes, so a record that comes back after the lines ran out is exactly that
    case, and it is reported instead of being imported as one giant cell.
    """
    lines_ran_out = False

    def end_of_lines() -> Iterator[str]:
        nonlocal lines_ran_out
        lines_ran_out = True
        yield from ()

    # chain() keeps the per-line work in C; only the end is seen by Python code.
    lines = itertools.chain(io.StringIO(text, newline=""), end_of_lines())
    reader = csv.reader(lines, delimiter=_sniff_delimiter(text))
    strip = str.strip
    number = 0
    try:
        for record in reader:
            number += 1
            if lines_ran_out:
                raise FileFormatError(
                    f"Row {number} opens a quoted cell that is never closed, so everything after it was "
                    "read as one cell; check the quote marks on that row.",
                    row=number,
                )
            yield number, list(map(strip, record))
    except csv.Error as error:
        number += 1
        raise FileFormatError(f"Row {number} could not be read as CSV: {error}.", row=number) from error


def _xlsx_records(
    data: bytes, *, max_uncompressed: int, max_entries: int
) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (row number, trimmed cell texts) from the first worksheet after checking the zip is safe.

    openpyxl opens the archive with no size checks, so the declared sizes are checked first: zipfile
    never inflates a part beyond its declared size (it stops and fails the CRC), so the sum of declared
    sizes is a true bound on memory. defusedxml, when installed, guards the XML itself.
    """
    _check_xlsx_archive(data, max_uncompressed=max_uncompressed, max_entries=max_entries)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for bad input
        raise _xlsx_error(error) from error
    try:
        if not workbook.worksheets:
            raise FileFormatError("The XLSX file has no worksheet.")
        sheet = workbook.worksheets[0]
        # Some generators write a wrong <dimension>; trusting it would silently cut columns or rows.
        sheet.reset_dimensions()
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                yield number, [_xlsx_cell_text(cell) for cell in cells]
        except FileFormatError:
            raise
        except Exception as error:  # parsing is lazy in read-only mode, so errors surface here
            raise _xlsx_error(error) from error
    finally:
        workbook.close()


def _check_xlsx_archive(data: bytes, *, max_uncompressed: int, max_entries: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except _ZIP_ERRORS as error:
        raise _damaged_xlsx() from error
    if len(entries) > max_entries:
        raise FileFormatError(
            f"The XLSX file has {len(entries)} parts; at most {max_entries} are allowed."
        )
    expanded = sum(entry.file_size for entry in entries)
    if expanded > max_uncompressed:
        raise FileFormatError(
            f"The XLSX file would expand to {_megabytes(expanded)} MB; "
            f"at most {_megabytes(max_uncompressed)} MB is allowed."
        )


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0")


def _damaged_xlsx() -> FileFormatError:
    return FileFormatError("The XLSX file is damaged or truncated; open it in Excel and save it again.")


def _xlsx_error(error: Exception) -> FileFormatError:
    if isinstance(error, (zipfile.BadZipFile, EOFError)):
        return _damaged_xlsx()
    return FileFormatError(
        "The XLSX file could not be read; open it in Excel, save it again as an Excel Workbook "
        "(.xlsx) or as CSV, and upload that."
    )


def _xlsx_cell_text(cell: ReadOnlyCell | EmptyCell) -> str:
    """The text a teacher sees in a worksheet cell.

    Excel has no date type: a date is a number with a date format, which openpyxl returns as a
    datetime at midnight. The cell's format decides whether the teacher sees a date or a date and
    time; it is looked up only for datetimes because reading styles is the slow part.
    """
    value = cell.value
    if isinstance(value, datetime.datetime) and is_datetime(cell.number_format) == "date":
        return value.strftime("%Y-%m-%d")
    return _cell_text(value)


def _cell_text(value: object) -> str:
    """Text for the value types openpyxl returns in data-only mode."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime.timedelta):
        # Durations such as "[h]:mm:ss" cells (attendance minutes); Excel shows total hours.
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return _scalar_text(value)


def _scalar_text(value: object) -> str:
    """Text for booleans and numbers shared by the reader and the writers (12345.0 -> "12345")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------------------------------
# Writing


_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> str:
    """Render one exported cell as text that a spreadsheet will not run as a formula.

    OWASP's CSV-injection advice (ASVS 1.2.10): a cell starting with ``= + - @``, tab, CR or NUL gets a
    leading apostrophe. Plain numbers such as "-1" or "+3" are left alone because a spreadsheet reads
    them as numbers, not formulas, and prefixing them would corrupt data (week -1 of a unit).
    Text that already starts with apostrophes before such a character gets one more (``'=x`` → ``''=x``):
    the imports take exactly one off, so what a teacher typed as ``'=x`` comes back as ``'=x``.
    """
    if value is None:
        return ""
    text = value if type(value) is str else _scalar_text(value)
    if text.lstrip("'").startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


# Besides RFC 4180's comma, quote and line breaks, ";" and tab are quoted too: the reader picks the
# delimiter by counting , ; and tab outside quotes on the heading row, so an unquoted heading such as a
# stream called "a;b;c;..." would make a download read back as a semicolon-separated file.
_NEEDS_QUOTES = re.compile(r'[,;"\t\r\n]')


def _csv_field(text: str) -> str:
    # The csv module only quotes characters of its own line terminator, so a bare CR would go out
    # unquoted with "\n" endings and split the row for every reader; RFC 4180 quoting is done here.
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield the CSV one line at a time ("\\n" endings, as upstream), every cell neutralised.

    A generator, so a StreamingHttpResponse can send a large export without building it in memory.
    """
    for cells in _chain_header(header, rows):
        fields = [_csv_field(neutralise(cell)) for cell in cells]
        # A lone empty cell would be written as a blank line, which readers skip; quote it instead.
        yield (",".join(fields) if fields != [""] else '""') + "\n"


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[object]], *, size: int = 64 * 1024) -> Iterator[bytes]:
    """The CSV of :func:`csv_lines` as UTF-8 pieces of about ``size`` characters, for a StreamingHttpResponse.

    One piece per line made the server send (and the client decode) one HTTP chunk per row: 2,000
    chunks for a unit's students. Memory stays bounded by ``size`` plus one line.
    """
    pending: list[str] = []
    length = 0
    for line in csv_lines(header, rows):
        pending.append(line)
        length += len(line)
        if length >= size:
            yield "".join(pending).encode("utf-8")
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")


def _chain_header(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    yield header
    yield from rows


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The whole CSV as UTF-8 bytes without a byte-order mark (upstream sends none)."""
    return "".join(csv_lines(header, rows)).encode("utf-8")


def without_formula_guard(text: str) -> str:
    """One cell as it was before a download guarded it against CSV injection: `'=SUM(A1)` → `=SUM(A1)`.

    A cell is guarded exactly when `neutralise` writes it from the text after its first character, so
    this undoes the writer whatever characters it guards, and only that: a teacher's own `'=x` (written
    `''=x`) comes back as `'=x`, and `'-1` or `'quoted'` are left alone.
    """
    if text[:1] == "'" and neutralise(text[1:]) == text:
        return text[1:]
    return text


def without_formula_guards(table: Table) -> Table:
    """The table with the downloads' formula guard undone in every cell and heading, so that a file
    downloaded from any route and uploaded again is an identity (stream columns are headings too).

    Every import calls it first (the Doubtfire services and the attendance roster), so the routes, admin
    buttons, commands and dashboard all get it. Rows with no cell starting with an apostrophe are kept as
    they are.
    """
    headers = table.headers
    if any(heading[:1] == "'" for heading in table.original_headers):
        headers = [normalise_header(without_formula_guard(heading)) for heading in table.original_headers]
        repeated = next((heading for heading in headers if headers.count(heading) > 1), None)
        if repeated is not None:
            raise FileFormatError(f"The heading '{repeated}' appears twice.")
    renamed = headers != table.headers
    rows = []
    for row in table.rows:
        if not renamed:
            # A plain loop, not any(<generator>): half the cost on a 20,000-row upload.
            for value in row.values.values():
                if value[:1] == "'":
                    break
            else:
                rows.append(row)
                continue
        rows.append(Row(row.number, dict(zip(headers, map(without_formula_guard, row.values.values())))))
    return Table(headers=headers, original_headers=table.original_headers, rows=rows, kind=table.kind)


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "Sheet1",
    text_columns: Iterable[int] = (),
) -> bytes:
    """Write one worksheet as XLSX bytes, with the same neutralising as the CSV.

    Every text cell is stored as a string cell, never a formula, even when it starts with "=". Numbers
    stay numbers so teachers can sort and sum, except in ``text_columns`` (0-based positions) such as
    student IDs, where a number is written as text so Excel does not reformat it. Booleans are written
    as "true"/"false" text, as in the CSV. Characters XML cannot hold (C0 controls) are dropped.
    """
    text_positions = frozenset(text_columns)
    # Excel refuses titles over 31 characters, with []:*?/\ or with apostrophes at either end.
    title = _SHEET_TITLE_FORBIDDEN.sub("_", sheet_title)[:31].strip("'") or "Sheet1"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append([_xlsx_cell(sheet, value, as_text=True) for value in header])
    for cells in rows:
        sheet.append(
            [
                _xlsx_cell(sheet, value, as_text=position in text_positions)
                for position, value in enumerate(cells)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object, *, as_text: bool) -> object:
    """A write-only cell value: numbers as themselves, everything else as a neutralised string cell."""
    if value is None:
        return None
    is_number = isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)
    if is_number and not as_text and math.isfinite(value):  # type: ignore[arg-type]
        return value
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else _scalar_text(value)))
    if text not in ERROR_CODES:
        # openpyxl stores a bare str as a string cell unless it starts with "=" (neutralise() has prefixed
        # every such text) or is an error code such as "#N/A"; a bare str is ~30 % cheaper than a cell.
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would otherwise store it as an error value
    return cell
