"""The one reader: an uploaded CSV or XLSX file in, a :class:`~spreadsheets.table.Table` out."""

from __future__ import annotations

import contextlib
import csv
import datetime
import gc
import io
import itertools
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter

from spreadsheets.cells import scalar_text
from spreadsheets.detection import (
    _ZIP_ERRORS,
    CSV_KIND,
    XLSX_KIND,
    decode_text,
    detect_kind,
)
from spreadsheets.errors import FileFormatError, UnsupportedFileType
from spreadsheets.table import Row, Table, normalise_header

if TYPE_CHECKING:
    from openpyxl.cell.read_only import EmptyCell, ReadOnlyCell

# Python's default limit (131072 characters) rejects legitimate long cells such as task descriptions.
# The limit is process-wide state of the csv module, so it is raised once here, never lowered.
_CSV_FIELD_LIMIT = 16 * 2**20
if csv.field_size_limit() < _CSV_FIELD_LIMIT:
    csv.field_size_limit(_CSV_FIELD_LIMIT)

_DELIMITERS = (",", ";", "\t")  # in order of preference when counts tie


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
    return scalar_text(value)
