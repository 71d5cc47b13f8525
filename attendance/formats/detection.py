"""Which kind of report a file is, judged by its content (never by its name), and reading it."""

from __future__ import annotations

from spreadsheets import (
    XLSX_KIND,
    BudgetExceeded,
    FileFormatError,
    UnsupportedFileType,
    cycle_collection_paused,
    decode_text,
    detect_kind,
    read_table,
    xlsx_text,
)

from attendance.formats.google_form import is_google_form, parse_google_form
from attendance.formats.report import GOOGLE_FORM, TEAMS, TEAMS_LEGACY, ZOOM, ParsedReport, ReportError
from attendance.formats.sections import SectionedText
from attendance.formats.teams import is_teams, parse_teams_report
from attendance.formats.teams_legacy import is_teams_legacy, parse_teams_legacy
from attendance.formats.timestamps import DAY_FIRST
from attendance.formats.zoom import is_zoom, parse_zoom, parse_zoom_table

_EXPECTED = (
    "a Teams attendance list (Full Name, User Action, Timestamp), a Teams attendance report "
    "(Participants with First Join, Last Leave, In-Meeting Duration), a Zoom participants report "
    "(Join Time, Leave Time, Duration (Minutes)) or Google Form responses (Timestamp, Your Roll Number)"
)

# Checked in this order: the legacy Teams and Form headings are specific; Zoom's duration-in-minutes
# column tells it from a Teams activities table with the same Join/Leave Time headings.
_CLASSIFIERS = (
    (TEAMS_LEGACY, is_teams_legacy),
    (GOOGLE_FORM, is_google_form),
    (ZOOM, is_zoom),
    (TEAMS, is_teams),
)


def _classify(headers) -> str | None:
    return next((name for name, test in _CLASSIFIERS if test(set(headers))), None)


def _unsupported(error: UnsupportedFileType) -> ReportError:
    names = {"application/pdf": "a PDF", "application/vnd.ms-excel": "an old Excel .xls workbook"}
    kind = names.get(error.kind, f"of type {error.kind}")
    return ReportError(f"The file is {kind}, not a CSV or XLSX attendance report.")


def detect_format(data: bytes, **reader_limits) -> str:
    """The report format of ``data`` (one of the values in attendance.formats.report), or ReportError."""
    return _read(data, **reader_limits)[0]


def _read(data: bytes, **reader_limits):
    kind = detect_kind(data)
    if kind == "inode/x-empty" or not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise ReportError("The file is empty.")
    try:
        if kind == XLSX_KIND:
            return _read_xlsx(data, **reader_limits)
        if kind != "text/csv":
            raise UnsupportedFileType(kind)
        decoded = decode_text(data)
    except UnsupportedFileType as error:
        raise _unsupported(error) from None
    # One-table formats announce themselves on their first line: classify from the head of the file so a
    # 50,000-event log is split into cells once (by the shared reader), not twice.
    head = SectionedText("\n".join(decoded[:65536].splitlines()[:20]), **reader_limits)
    first = next((headers for headers, cells in zip(head.headers, head.cells) if any(cells)), None)
    if first is not None and _classify(first) in (TEAMS_LEGACY, GOOGLE_FORM):
        return _classify(first), None
    return _find_section(SectionedText(decoded, **reader_limits))


def _read_xlsx(data: bytes, **reader_limits):
    """A workbook holding one table (read once), or else one whose sheet stacks several (Teams, Zoom)."""
    try:
        table = read_table(data, **reader_limits)
    except (UnsupportedFileType, BudgetExceeded):
        raise  # reading the sheet again as text would cost the same and meet the same limit
    except FileFormatError as error:  # e.g. "Row 2 has 2 cells...": a sectioned sheet read as one table
        table, refused = None, error
    else:
        found = _classify(table.headers)
        if found is not None and found != TEAMS:
            return found, table
        refused = None
    # Damaged files and zip bombs fail here again, with the reader's own message.
    text = SectionedText(xlsx_text(data, **reader_limits), delimiter="\t", **reader_limits)
    try:
        return _find_section(text)
    except ReportError:
        if refused is not None:
            raise refused from None
        raise


def _find_section(text: SectionedText):
    for headers in text.headers:
        found = _classify(headers)
        if found:
            return found, text
    first = next((cells for cells in text.cells if any(cells)), [])
    raise ReportError(f"The headings ({', '.join(c for c in first if c)}) are not those of {_EXPECTED}.")


@cycle_collection_paused()
def parse_report(data: bytes, *, date_order: str = DAY_FIRST, identity: str = "name", **reader_limits) -> ParsedReport:
    """Read any supported attendance report.

    ``date_order`` applies to slash dates of Teams and Zoom reports (Google Forms are read as exported);
    ``identity`` (``name`` or ``email``) picks what identifies a participant in current Teams and Zoom
    reports. Raises FileFormatError (ReportError) with a message naming the problem and row.
    """
    found, source = _read(data, **reader_limits)
    if found in (TEAMS_LEGACY, GOOGLE_FORM):
        table = source if source is not None and not isinstance(source, SectionedText) else _single_table(
            data, **reader_limits
        )
        if found == TEAMS_LEGACY:
            return parse_teams_legacy(table, order=date_order)
        return parse_google_form(table)
    if found == ZOOM:
        if isinstance(source, SectionedText):
            return parse_zoom(source, order=date_order, identity=identity, **reader_limits)
        return parse_zoom_table(source, order=date_order, identity=identity)
    return parse_teams_report(source, order=date_order, identity=identity, **reader_limits)


def _single_table(data: bytes, **reader_limits):
    try:
        return read_table(data, **reader_limits)
    except FileFormatError as error:
        raise ReportError(str(error), row=error.row) from None
