"""The one writer: every download's CSV or XLSX, with cells neutralised against formula injection."""

from __future__ import annotations

import decimal
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from spreadsheets.cells import scalar_text
from spreadsheets.errors import FileFormatError
from spreadsheets.table import Row, Table, normalise_header

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet



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
    text = value if type(value) is str else scalar_text(value)
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
    return Table(headers=headers, original_headers=table.original_headers, rows=rows, kind=table.kind, size=table.size)


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "Sheet1",
    text_columns: Iterable[int] = (),
    freeze_panes: str | None = None,
    number_formats: Mapping[int, str] | None = None,
) -> bytes:
    """Write one worksheet as XLSX bytes, with the same neutralising as the CSV.

    Every text cell is stored as a string cell, never a formula, even when it starts with "=". Numbers
    stay numbers so teachers can sort and sum, except in ``text_columns`` (0-based positions) such as
    student IDs, where a number is written as text so Excel does not reformat it. Booleans are written
    as "true"/"false" text, as in the CSV. Characters XML cannot hold (C0 controls) are dropped.

    ``freeze_panes`` is the top-left cell that scrolls (``"D2"`` keeps the heading row and columns A to C
    in view); ``number_formats`` maps 0-based positions to an Excel number format for the numbers in those
    columns (``'0.00"%"'``), leaving the value itself untouched.
    """
    text_positions = frozenset(text_columns)
    formats = dict(number_formats or {})
    # Excel refuses titles over 31 characters, with []:*?/\ or with apostrophes at either end.
    title = _SHEET_TITLE_FORBIDDEN.sub("_", sheet_title)[:31].strip("'") or "Sheet1"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    if freeze_panes:
        sheet.freeze_panes = freeze_panes  # a write-only sheet takes it before its first row
    sheet.append([_xlsx_cell(sheet, value, as_text=True) for value in header])
    for cells in rows:
        values = [
            _xlsx_cell(sheet, value, as_text=position in text_positions)
            for position, value in enumerate(cells)
        ]
        for position, number_format in formats.items():
            if position < len(values) and _is_number(values[position]):
                cell = WriteOnlyCell(sheet, value=values[position])
                cell.number_format = number_format
                values[position] = cell
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object, *, as_text: bool) -> object:
    """A write-only cell value: numbers as themselves, everything else as a neutralised string cell."""
    if value is None:
        return None
    if _is_number(value) and not as_text and math.isfinite(value):  # type: ignore[arg-type]
        return value
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value if isinstance(value, str) else scalar_text(value)))
    if text not in ERROR_CODES:
        # openpyxl stores a bare str as a string cell unless it starts with "=" (neutralise() has prefixed
        # every such text) or is an error code such as "#N/A"; a bare str is ~30 % cheaper than a cell.
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would otherwise store it as an error value
    return cell
