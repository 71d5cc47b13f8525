"""The one reader: an uploaded CSV or XLSX file in, a :class:`~spreadsheets.table.Table` out."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import re
from collections.abc import Generator, Iterable, Iterator

from openpyxl.utils import get_column_letter

from spreadsheets.budget import (
    ReadBudget,
    cell_too_long,
    too_many_cells,
    too_many_columns,
    too_many_rows,
)
from spreadsheets.detection import CSV_KIND, XLSX_KIND, decode_text, detect_kind
from spreadsheets.errors import FileFormatError, MissingHeadings, UnsupportedFileType
from spreadsheets.table import Row, Table, normalise_header
from spreadsheets.writer import without_formula_guard
from spreadsheets.xlsx import xlsx_records

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
def read_table(data: bytes, *, required: Iterable[str] = (), budget: ReadBudget | None = None) -> Table:
    """Read a CSV (any common encoding, ``,`` ``;`` or tab) or the first sheet of an XLSX file.

    The first non-blank row is the heading row; ``required`` headings are checked as soon as it is read,
    before any other row. Blank rows and rows that repeat the headings are skipped but still counted, so
    ``Row.number`` matches what the teacher sees in Excel. Every row has every heading as a key; values are
    trimmed strings. Every count is checked against ``budget`` (the defaults of :class:`ReadBudget` when
    None) as it is made, and reading stops at the first row over it. Raises :class:`UnsupportedFileType` for
    other kinds of file, :class:`BudgetExceeded` for a file over the budget and :class:`FileFormatError` for
    anything else a person has to fix in the file.
    """
    budget = budget or ReadBudget()
    kind = detect_kind(data)
    if kind == CSV_KIND:
        records = _csv_records(decode_text(data), budget)
    elif kind == XLSX_KIND:
        records = xlsx_records(data, budget)
    elif kind == "inode/x-empty":
        raise FileFormatError("The file is empty.")
    else:
        raise UnsupportedFileType(kind)
    try:
        return _build_table(records, kind=kind, required=required, budget=budget, size=len(data))
    finally:
        records.close()  # stops the parse at once when a bad row ends reading early


def xlsx_text(data: bytes, *, budget: ReadBudget | None = None) -> str:
    """The first worksheet of an XLSX file as tab-separated text, line n holding row n (blank rows kept).

    For reports that stack several tables in one sheet (a Teams attendance report re-saved from Excel),
    whose readers find the tables in text and hand each back to :func:`read_table`. Cells read exactly as
    in :func:`read_table`, with the same checks, budget and errors.
    """
    budget = budget or ReadBudget()
    records = xlsx_records(data, budget)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    line = 0
    try:
        for number, cells in records:
            if number > budget.rows:
                raise too_many_rows(budget)
            if number > line + 1:
                buffer.write("\n" * (number - line - 1))
            writer.writerow(cells)
            line = max(line, number)
    finally:
        records.close()
    return buffer.getvalue()


def _build_table(
    records: Iterator[tuple[int, list[str]]], *, kind: str, required: Iterable[str], budget: ReadBudget, size: int
) -> Table:
    """Turn (row number, trimmed cells) records into a Table, applying the heading and row rules."""
    records = iter(records)
    for number, cells in records:
        if any(cells):
            original, headers = _read_headings(cells)
            _check_required(original, headers, required)
            break
    else:
        raise FileFormatError("The file is empty.")
    # The per-row loop runs 50,000+ times on a big log: locals, and the rare cases behind one cheap test.
    width, first_heading, max_rows = len(headers), headers[0], budget.rows
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
            raise too_many_rows(budget)
        append(Row(number, dict(zip(headers, cells))))
    return Table(headers=headers, original_headers=original, rows=rows, kind=kind, size=size)


def _read_headings(cells: list[str]) -> tuple[list[str], list[str]]:
    """Validate the heading row and return (original, normalised) headings."""
    cells = [cell.replace("\ufeff", "").strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
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


def _check_required(original: list[str], headers: list[str], required: Iterable[str]) -> None:
    # A heading a download guarded against formulas ('-Prac for a stream called -Prac) still counts: the
    # imports take the guard off after reading.
    present = set(headers).union(normalise_header(without_formula_guard(heading)) for heading in original)
    missing = [name for name in map(normalise_header, required) if name not in present]
    if missing:
        raise MissingHeadings(f"Missing headings: {', '.join(missing)}. Found: {', '.join(headers)}.")


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


def _csv_records(text: str, budget: ReadBudget) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (Excel row number, trimmed cells) for each CSV record, blank records included.

    A record whose quoted cell spans lines is one spreadsheet row, so numbering follows records, not
    physical lines. The reader is lenient about stray quotes (as Excel is), which lets one unclosed
    quote swallow the rest of the file. The reader only asks for another line in the middle of a
    record while inside quotes, so a record that comes back after the lines ran out is exactly that
    case, and it is reported instead of being imported as one giant cell.

    The csv module splits a record in C; its width, filled cells and longest cell are checked against the
    budget before the record is handed on, so the first record over the budget ends the read.
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
    max_columns, cells_left = budget.columns, budget.cells
    # No cell can be longer than the whole text: then the per-record length test is skipped.
    check_lengths = len(text) > budget.cell_chars
    heading_seen = False
    try:
        for record in reader:
            number += 1
            if lines_ran_out:
                raise FileFormatError(
                    f"Row {number} opens a quoted cell that is never closed, so everything after it was "
                    "read as one cell; check the quote marks on that row.",
                    row=number,
                )
            width = len(record)
            if width > max_columns:
                raise too_many_columns(width, budget, number, heading=not heading_seen)
            filled = width - record.count("")
            if filled:
                heading_seen = True
                cells_left -= filled
                if cells_left < 0:
                    raise too_many_cells(budget, number)
                if check_lengths:
                    longest = max(map(len, record))
                    if longest > budget.cell_chars:
                        position = next(i for i, cell in enumerate(record, 1) if len(cell) == longest)
                        raise cell_too_long(longest, budget, number, position)
            yield number, list(map(strip, record))
    except csv.Error as error:
        number += 1
        raise FileFormatError(f"Row {number} could not be read as CSV: {error}.", row=number) from error
