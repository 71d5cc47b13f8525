"""The first worksheet of an XLSX file as rows of cell text, read as a stream within a budget.

openpyxl (which writes our downloads) reads a whole row, the whole shared-string table and the whole style
sheet before the caller sees anything, so a 214 KB upload whose sheet expands to millions of cells held a worker
for a minute. This reader parses the parts with expat as they are inflated, 16 KiB at a time, counts every
column, cell, character and element as it goes, and stops at the first one over the budget. The rows parsed
before that point are handed out first, so a caller that refuses the heading row (missing headings) does so
before anything after it costs more than one chunk.

Cell text is what the teacher sees, as openpyxl in data-only mode gives it: the cached value of a formula,
shared and inline strings without phonetic runs, dates and durations by the cell's number format
(``spreadsheets.reader`` turns those into text), booleans and whole numbers as written. XML document type
declarations are refused outright (a workbook never has one), which rules out entity expansion and
external entities.
"""

from __future__ import annotations

import datetime
import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Generator
from xml.parsers import expat

from openpyxl.styles.numbers import (
    builtin_format_code,
    is_date_format,
    is_datetime,
    is_timedelta_format,
)
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from spreadsheets.budget import (
    BudgetExceeded,
    ReadBudget,
    cell_too_long,
    too_many_cells,
    too_many_columns,
)
from spreadsheets.cells import scalar_text
from spreadsheets.detection import ZIP_ERRORS
from spreadsheets.errors import FileFormatError

_CHUNK = 16 * 1024
# Excel's limit on the length of a number format code; longer ones are not formats Excel wrote.
_MAX_FORMAT_CODE = 255
# _xHHHH_ escapes OOXML uses for characters XML cannot hold (e.g. _x000D_ for a carriage return).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

# Cell kinds by number format (per style index): plain, a date, a date and time, a time, a duration.
DATE, DATETIME, TIME, DURATION = "date", "datetime", "time", "duration"


class _Stop(Exception):
    """Raised inside an expat handler to end parsing; carries the error to raise once earlier rows are out."""

    def __init__(self, error: FileFormatError) -> None:
        super().__init__(error)
        self.error = error


def damaged() -> FileFormatError:
    return FileFormatError("The XLSX file is damaged or truncated; open it in Excel and save it again.")


def unreadable() -> FileFormatError:
    return FileFormatError(
        "The XLSX file could not be read; open it in Excel, save it again as an Excel Workbook (.xlsx) or as "
        "CSV, and upload that."
    )


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}".removesuffix(".0")


def open_checked_archive(data: bytes, budget: ReadBudget) -> zipfile.ZipFile:
    """The archive, after checking its declared sizes and part count against the budget.

    zipfile never inflates a part beyond its declared size (it stops and fails the CRC), so the sum of
    declared sizes is a true bound on what reading can expand to.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except ZIP_ERRORS as error:
        raise damaged() from error
    if len(entries) > budget.xlsx_parts:
        archive.close()
        raise BudgetExceeded(
            f"The XLSX file has {len(entries)} parts; at most {budget.xlsx_parts} are allowed.", limit="xlsx_parts"
        )
    expanded = sum(entry.file_size for entry in entries)
    if expanded > budget.xlsx_uncompressed_bytes:
        archive.close()
        raise BudgetExceeded(
            f"The XLSX file would expand to {_megabytes(expanded)} MB; "
            f"at most {_megabytes(budget.xlsx_uncompressed_bytes)} MB is allowed.",
            limit="xlsx_uncompressed_bytes",
        )
    return archive


# --------------------------------------------------------------------------------------------------
# Streaming one XML part


def _parser(start: Callable | None, end: Callable | None, text: Callable | None) -> expat.XMLParserType:
    # No namespace processing: it costs a third of the parse, and element names are matched on their local
    # part (after any prefix), which is all a worksheet needs.
    parser = expat.ParserCreate()

    def refuse_doctype(*_args) -> None:
        raise _Stop(FileFormatError("The XLSX file holds an XML document type declaration; a workbook never "
                                    "has one, so the file was refused."))

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(archive: zipfile.ZipFile, name: str, parser: expat.XMLParserType) -> Generator[None, None, None]:
    """Parse part ``name`` chunk by chunk, pausing after each chunk so the caller can hand out what it made."""
    try:
        stream = archive.open(name)
    except KeyError:
        raise damaged() from None
    except ZIP_ERRORS as error:
        raise damaged() from error
    with stream:
        while True:
            try:
                chunk = stream.read(_CHUNK)
            except ZIP_ERRORS as error:
                raise damaged() from error
            try:
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as error:
                raise unreadable() from error
            yield
            if not chunk:
                return


def _parse_whole(archive: zipfile.ZipFile, name: str, parser: expat.XMLParserType) -> None:
    try:
        for _ in _feed(archive, name, parser):
            pass
    except _Stop as stop:
        raise stop.error from None


def _local(name: str) -> str:
    return name.rpartition(":")[2]


# Element codes for the hot handlers: a dict lookup per element instead of string work.
_C, _V, _ROW, _T, _IS, _RPH, _SI, _OTHER = range(8)
_CODES = {"c": _C, "v": _V, "row": _ROW, "t": _T, "is": _IS, "rPh": _RPH, "si": _SI}


def _code_table() -> tuple[dict[str, int], Callable[[str], int]]:
    """A per-part cache {element name as written (maybe prefixed): code} and the function that fills it."""
    codes: dict[str, int] = {}

    def code_of(name: str) -> int:
        code = codes[name] = _CODES.get(name.rpartition(":")[2], _OTHER)
        return code

    return codes, code_of


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)


def _element_counter(budget: ReadBudget, part: str) -> Callable[[], None]:
    remaining = budget.xml_elements

    def count() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining < 0:
            raise _Stop(_too_many_elements(budget, part))

    return count


# --------------------------------------------------------------------------------------------------
# The workbook's small parts: where the first sheet is, shared strings, number formats


def _relationships(archive: zipfile.ZipFile, part: str, budget: ReadBudget) -> list[tuple[str, str, str]]:
    """(id, type, target part name) of each relationship of ``part``; [] when it has none."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in archive.NameToInfo:
        return []
    found: list[tuple[str, str, str]] = []
    count = _element_counter(budget, rels_name)

    def start(name: str, attrs: dict[str, str]) -> None:
        count()
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found.append((attrs.get("Id", ""), attrs.get("Type", ""), posixpath.normpath(resolved)))

    _parse_whole(archive, rels_name, _parser(start, None, None))
    return found


def _workbook_part(archive: zipfile.ZipFile, budget: ReadBudget) -> str:
    for _id, kind, target in _relationships(archive, "", budget):
        if kind.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def _first_sheet(archive: zipfile.ZipFile, workbook: str, budget: ReadBudget) -> tuple[str, datetime.datetime, dict]:
    """(first worksheet's part name, date epoch, {relationship type suffix: part}) of the workbook."""
    relationships = _relationships(archive, workbook, budget)
    worksheets = {rid: target for rid, kind, target in relationships if kind.endswith("/worksheet")}
    parts = {kind.rpartition("/")[2]: target for _rid, kind, target in relationships}
    sheet_ids: list[str] = []
    epoch = [WINDOWS_EPOCH]
    count = _element_counter(budget, "workbook")

    def start(name: str, attrs: dict[str, str]) -> None:
        count()
        local = _local(name)
        if local == "sheet":
            rid = next((value for key, value in attrs.items() if key.endswith(":id")), "")
            sheet_ids.append(rid)
        elif local == "workbookPr" and attrs.get("date1904", "").lower() in {"1", "true"}:
            epoch[0] = MAC_EPOCH

    _parse_whole(archive, workbook, _parser(start, None, None))
    sheet = next((worksheets[rid] for rid in sheet_ids if rid in worksheets), None)
    if sheet is None:
        if not sheet_ids and "xl/worksheets/sheet1.xml" not in archive.NameToInfo:
            raise FileFormatError("The XLSX file has no worksheet.")
        sheet = "xl/worksheets/sheet1.xml"
    return sheet, epoch[0], parts


def _shared_strings(archive: zipfile.ZipFile, part: str | None, budget: ReadBudget) -> list[str]:
    """The shared-string table: each entry's text runs joined, phonetic (ruby) runs left out."""
    if part is None or part not in archive.NameToInfo:
        return []
    strings: list[str] = []
    parts: list[str] = []
    collect = False
    phonetic = 0
    length = 0
    elements_left = budget.xml_elements
    strings_left = budget.cells
    max_chars = budget.cell_chars
    codes, code_of = _code_table()

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal collect, phonetic, length, elements_left
        elements_left -= 1
        if elements_left < 0:
            raise _Stop(_too_many_elements(budget, "shared strings"))
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == _T:
            collect = not phonetic
        elif code == _SI:
            parts.clear()
            length = 0
        elif code == _RPH:
            phonetic += 1

    def end(name: str) -> None:
        nonlocal collect, phonetic, strings_left
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == _T:
            collect = False
        elif code == _SI:
            strings_left -= 1
            if strings_left < 0:
                raise _Stop(
                    BudgetExceeded(
                        f"The XLSX file's table of texts has more than {budget.cells:,} entries, more than the "
                        f"{budget.cells:,} filled cells a file may have; split it into smaller files.",
                        limit="cells",
                    )
                )
            strings.append(_unescape("".join(parts)) if len(parts) != 1 else _unescape(parts[0]))
        elif code == _RPH:
            phonetic -= 1

    def text(data: str) -> None:
        nonlocal length
        if collect:
            parts.append(data)
            length += len(data)
            if length > max_chars:
                raise _Stop(
                    BudgetExceeded(
                        f"A text in the XLSX file holds {length:,} or more characters; a cell may hold at most "
                        f"{max_chars:,}.",
                        limit="cell_chars",
                    )
                )

    _parse_whole(archive, part, _parser(start, end, text))
    return strings


def _too_many_elements(budget: ReadBudget, part: str, row: int | None = None) -> BudgetExceeded:
    return BudgetExceeded(
        f"The XLSX file's {part} hold more than {budget.xml_elements:,} XML elements; split it into smaller files.",
        limit="cells",
        row=row,
    )


def _kind_of_format(code: str | None) -> str | None:
    if not code or len(code) > _MAX_FORMAT_CODE or not is_date_format(code):
        return None
    if is_timedelta_format(code):
        return DURATION
    return {"date": DATE, "time": TIME}.get(is_datetime(code) or "", DATETIME)


def _style_kinds(archive: zipfile.ZipFile, part: str | None, budget: ReadBudget) -> dict[str, str]:
    """{cell style index as the ``s`` attribute writes it: DATE, DATETIME, TIME or DURATION} for date styles."""
    if part is None or part not in archive.NameToInfo:
        return {}
    custom: dict[str, str] = {}
    format_ids: list[str] = []
    inside = {"cellXfs": False}
    count = _element_counter(budget, "styles")

    def start(name: str, attrs: dict[str, str]) -> None:
        count()
        local = _local(name)
        if local == "numFmt":
            custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            inside["cellXfs"] = True
        elif local == "xf" and inside["cellXfs"]:
            format_ids.append(attrs.get("numFmtId", "0"))

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            inside["cellXfs"] = False

    _parse_whole(archive, part, _parser(start, end, None))
    kinds: dict[str, str | None] = {}
    for format_id in set(format_ids):
        code = custom.get(format_id)
        if code is None and format_id.isascii() and format_id.isdigit():
            code = builtin_format_code(int(format_id))
        kinds[format_id] = _kind_of_format(code)
    return {str(index): kinds[format_id] for index, format_id in enumerate(format_ids) if kinds[format_id]}


# --------------------------------------------------------------------------------------------------
# The worksheet


_DIGITS = "0123456789"


@functools.lru_cache(maxsize=1024)
def _column_number(letters: str) -> int:
    """1 for "A", 28 for "AB": the column of a cell reference's letters (0 when there are none)."""
    number = 0
    for letter in letters.upper()[:4]:
        if not "A" <= letter <= "Z":
            return 0
        number = number * 26 + ord(letter) - 64
    return number


def xlsx_records(data: bytes, budget: ReadBudget) -> Generator[tuple[int, list[str]], None, None]:
    """Yield (row number, cell texts) for each row of the first worksheet that has a non-empty cell.

    Cells are trimmed; the list runs to the last non-empty cell, with "" for gaps. Row numbers are the
    sheet's own (blank rows are simply not yielded). Raises FileFormatError for a damaged or unreadable
    file and BudgetExceeded at the first count over ``budget``, after yielding the rows before it.
    """
    archive = open_checked_archive(data, budget)
    with archive:
        workbook = _workbook_part(archive, budget)
        sheet, epoch, parts = _first_sheet(archive, workbook, budget)
        strings = _shared_strings(archive, parts.get("sharedStrings"), budget)
        styles = _style_kinds(archive, parts.get("styles"), budget)
        yield from _sheet_rows(archive, sheet, strings, styles, epoch, budget)


def _sheet_rows(
    archive: zipfile.ZipFile,
    sheet: str,
    strings: list[str],
    styles: dict[str, str],
    epoch: datetime.datetime,
    budget: ReadBudget,
) -> Generator[tuple[int, list[str]], None, None]:
    done: list[tuple[int, list[str]]] = []
    max_columns, max_chars = budget.columns, budget.cell_chars
    cells_left = budget.cells
    elements_left = budget.xml_elements
    codes, code_of = _code_table()
    # The parse state, in locals of the closures: these handlers run several times per cell.
    row_number = 0
    row: list[str] = []
    column = 0
    cell_type = "n"
    cell_style = ""
    parts: list[str] = []
    length = 0
    collect = False
    in_cell = False
    inline = False
    phonetic = 0
    headed = False  # a row with content has been read: the heading row

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row_number, row, column, cell_type, cell_style, length, collect, in_cell, inline
        nonlocal phonetic, elements_left
        elements_left -= 1
        if elements_left < 0:
            raise _Stop(_too_many_elements(budget, "worksheet", row_number))
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == _C:
            reference = attrs.get("r")
            column = _column_number(reference.rstrip(_DIGITS)) if reference else column + 1
            if column > max_columns:
                raise _Stop(too_many_columns(column, budget, row_number, heading=not headed, exact=False))
            cell_type = attrs.get("t", "n")
            cell_style = attrs.get("s", "")
            parts.clear()
            length = 0
            in_cell = True
        elif code == _V:
            collect = in_cell
        elif code == _ROW:
            reference = attrs.get("r", "")
            row_number = int(reference) if reference.isdigit() and reference.isascii() else row_number + 1
            row = []
            column = 0
        elif code == _T:
            collect = inline and not phonetic
        elif code == _IS:
            inline = in_cell
        elif code == _RPH:
            phonetic += 1

    def end(name: str) -> None:
        nonlocal collect, in_cell, inline, phonetic, cells_left, headed
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == _C:
            in_cell = collect = inline = False
            if not parts:
                return
            raw = parts[0] if len(parts) == 1 else "".join(parts)
            if cell_type == "s":  # the common case, inline
                try:
                    value = strings[int(raw)].strip()
                except (ValueError, IndexError):
                    raise _Stop(damaged()) from None
            else:
                value = _cell_value(cell_type, raw, cell_style, styles, epoch)
            if not value:
                return
            if len(value) > max_chars:
                raise _Stop(cell_too_long(len(value), budget, row_number, column))
            cells_left -= 1
            if cells_left < 0:
                raise _Stop(too_many_cells(budget, row_number))
            gap = column - 1 - len(row)
            if gap:
                if gap < 0:  # cells out of order: a damaged sheet, not one Excel wrote
                    raise _Stop(damaged())
                row.extend([""] * gap)
            row.append(value)
        elif code == _V or code == _T:
            collect = False
        elif code == _ROW:
            if row:
                done.append((row_number, row))
                headed = True
        elif code == _IS:
            inline = False
        elif code == _RPH:
            phonetic -= 1

    def text(data: str) -> None:
        nonlocal length
        if collect:
            parts.append(data)
            length += len(data)
            if length > max_chars:
                raise _Stop(cell_too_long(length, budget, row_number, column))

    parser = _parser(start, end, text)
    pending: FileFormatError | None = None
    try:
        for _ in _feed(archive, sheet, parser):
            if done:
                yield from done
                done.clear()
    except _Stop as stop:
        pending = stop.error
    yield from done  # rows completed before the one that went over come first
    if pending is not None:
        raise pending


def _cell_value(cell_type: str, raw: str, style: str, styles: dict[str, str], epoch: datetime.datetime) -> str:
    """The trimmed text of one cell other than a shared string, from its type, raw ``<v>`` (or inline) text
    and style."""
    if cell_type == "n":
        raw = raw.strip()
        if not raw:
            return ""
        kind = styles.get(style) if style else None
        try:
            number: int | float = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
        except ValueError:
            return raw  # not a number after all: keep what was written rather than lose it
        if kind is None:
            return scalar_text(number)
        return _date_text(number, kind, epoch) or scalar_text(number)
    if cell_type in ("inlineStr", "str", "e"):
        return _unescape(raw).strip()
    if cell_type == "b":
        return "true" if raw.strip() in ("1", "true") else "false"
    if cell_type == "d":
        kind = DATE if styles.get(style) == DATE else DATETIME
        try:
            return _date_text(from_ISO8601(raw.strip()), kind, epoch) or raw.strip()
        except ValueError:
            return raw.strip()
    return _unescape(raw).strip()


def _date_text(value: int | float | datetime.datetime, kind: str, epoch: datetime.datetime) -> str:
    """A date, time or duration cell as the teacher sees it; "" when the serial is outside Excel's dates."""
    if not isinstance(value, datetime.datetime):
        try:
            value = from_excel(value, epoch, timedelta=kind == DURATION)
        except (OverflowError, ValueError):
            return ""
    if isinstance(value, datetime.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, datetime.datetime):
        if kind == DATE:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return ""
