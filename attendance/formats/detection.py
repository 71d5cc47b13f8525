"""Which kind of report a file is, judged by its content (never by its name), and reading it.

A file is of the format whose heading row it holds: each reader declares the columns of its heading row (its
`SIGNATURES`), and the signatures of different formats exclude each other, so a row fits one format at most
and the order below never decides. A Teams report whose headings are in a language not listed is recognised by
its numbered sections (`1.`, `2.` with a table under it). A file that fits nothing is refused with, for every
format tried, what it looks for and what the closest row of the file lacks.

The file's name is not evidence: it is used only for the date a Google Meet (or Zoom unique-users) report
leaves out.
"""

from __future__ import annotations

import datetime

from spreadsheets import (
    XLSX_KIND,
    BudgetExceeded,
    FileFormatError,
    Table,
    UnsupportedFileType,
    cycle_collection_paused,
    decode_text,
    detect_kind,
    read_table,
    xlsx_text,
)

from attendance.formats import google_form, google_meet, teams, teams_2021, teams_legacy, teams_live, webex, zoom
from attendance.formats import zoom_webinar
from attendance.formats.report import (
    FORMAT_NAMES,
    GOOGLE_FORM,
    GOOGLE_MEET,
    TEAMS,
    TEAMS_2021,
    TEAMS_LEGACY,
    TEAMS_LIVE,
    WEBEX,
    ZOOM,
    ZOOM_WEBINAR,
    ParsedReport,
    ReadOptions,
    ReportError,
)
from attendance.formats.sections import SectionedText
from attendance.formats.signature import compact
from attendance.formats.timestamps import DAY_FIRST

FORMATS = (
    (TEAMS_LEGACY, teams_legacy.SIGNATURES),
    (GOOGLE_FORM, google_form.SIGNATURES),
    (TEAMS_LIVE, teams_live.SIGNATURES),
    (GOOGLE_MEET, google_meet.SIGNATURES),
    (WEBEX, webex.SIGNATURES),
    (ZOOM_WEBINAR, zoom_webinar.SIGNATURES),
    (ZOOM, zoom.SIGNATURES),
    (TEAMS_2021, teams_2021.SIGNATURES),
    (TEAMS, teams.SIGNATURES),
)
# Formats that are one table, heading row first: the shared reader reads them whole, once. The others stack
# tables in one file (a Zoom participants table may, under its meeting block) and are read as sections.
_ONE_TABLE = {
    TEAMS_LEGACY: teams_legacy.parse_teams_legacy,
    GOOGLE_FORM: google_form.parse_google_form,
    TEAMS_LIVE: teams_live.parse_teams_live,
    GOOGLE_MEET: google_meet.parse_google_meet,
    WEBEX: webex.parse_webex,
    ZOOM: zoom.parse_zoom,
}
_SECTIONED = {
    TEAMS: teams.parse_teams_report,
    TEAMS_2021: teams_2021.parse_teams_2021,
    ZOOM: zoom.parse_zoom,
    ZOOM_WEBINAR: zoom_webinar.parse_zoom_webinar,
}
_EXPLAINED_ROWS = 200  # rows a refusal looks through for the closest to each format's heading row


# Every heading any signature looks for: a row with none of them (a data row) is passed over at once.
_HEADINGS = frozenset(
    name
    for _, signatures in FORMATS
    for signature in signatures
    for column in signature.needs
    for name in column.names
)


def formats_of(headers: set[str]) -> list[str]:
    """Every format whose heading row ``headers`` (normalised) fits: one at most, for any real report."""
    return [name for name, signatures in FORMATS if any(signature.fits(headers) for signature in signatures)]


def classify(headers: set[str]) -> str | None:
    """The format whose heading row ``headers`` is, or None."""
    if _HEADINGS.isdisjoint(headers) and _HEADINGS.isdisjoint(map(compact, headers)):
        return None
    return next((name for name, signatures in FORMATS if any(s.fits(headers) for s in signatures)), None)


def _unsupported(error: UnsupportedFileType) -> ReportError:
    names = {"application/pdf": "a PDF", "application/vnd.ms-excel": "an old Excel .xls workbook"}
    kind = names.get(error.kind, f"of type {error.kind}")
    return ReportError(f"The file is {kind}, not a CSV or XLSX attendance report.")


def detect_format(data: bytes, **reader_limits) -> str:
    """The report format of ``data`` (one of the values in attendance.formats.report), or ReportError."""
    return _read(data, **reader_limits)[0]


def _read(data: bytes, **reader_limits) -> tuple[str, Table | SectionedText | None, int | None]:
    """(format, what was read, heading line): a Table, the file as sections with the heading row's index, or
    nothing yet (a one-table text file, read whole by the caller)."""
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
    if first is not None and classify(set(first)) in _ONE_TABLE:
        return classify(set(first)), None, None
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
        found = classify(set(table.headers))
        if found in _ONE_TABLE:
            return found, table, None
        refused = None
    # Damaged files and zip bombs fail here again, with the reader's own message.
    text = SectionedText(xlsx_text(data, **reader_limits), delimiter="\t", **reader_limits)
    try:
        return _find_section(text)
    except ReportError:
        if refused is not None:
            raise refused from None
        raise


def _find_section(text: SectionedText) -> tuple[str, SectionedText, int | None]:
    # Numbered sections first: a Teams report in a language whose headings no signature knows would otherwise
    # be searched to its last line for a heading row.
    if teams.has_numbered_sections(text):
        return TEAMS, text, None
    for index, cells in enumerate(text.cells):
        if len(cells) > 1:
            found = classify(set(text.headers[index]))
            if found:
                return found, text, index
    raise _unknown(text)


def _unknown(text: SectionedText) -> ReportError:
    """The refusal of a file of no known format: every format tried, what it looks for, and why no row fits."""
    rows = [
        (index + 1, {header for header in headers if header})
        for index, headers in enumerate(text.headers[:_EXPLAINED_ROWS])
        if sum(1 for cell in text.cells[index] if cell) > 1
    ]
    reasons = []
    for name, signatures in FORMATS:
        wanted = " or ".join(
            f"({signature.describe()})" if len(signatures) > 1 else signature.describe() for signature in signatures
        )
        closest = max(
            ((signature.score(headers), -number, signature, headers) for signature in signatures for number, headers in rows),
            key=lambda candidate: candidate[:2],
            default=None,
        )
        if closest is None or closest[0] == 0:
            why = "no row has any of them"
        else:
            why = f"the closest, row {-closest[1]}, {closest[2].miss(closest[3])}"
        if name == TEAMS:
            why += "; and no numbered sections (1., 2.) as Teams writes them in any language"
        reasons.append(f"{FORMAT_NAMES[name]} needs a heading row with {wanted}: {why}")
    first = next((cells for cells in text.cells if any(cells)), [])
    return ReportError(
        f"The headings ({', '.join(cell for cell in first if cell)}) are not those of any attendance report this "
        f"service reads. Formats tried: {'; '.join(reasons)}."
    )


@cycle_collection_paused()
def parse_report(
    data: bytes,
    *,
    date_order: str = DAY_FIRST,
    identity: str = "name",
    file_name: str = "",
    date: datetime.date | None = None,
    time_zone: datetime.tzinfo | None = None,
    **reader_limits,
) -> ParsedReport:
    """Read any supported attendance report.

    ``date_order`` applies to dates whose year comes last after slashes (see timestamps for the whole rule);
    ``identity`` (``name`` or ``email``) picks what identifies a participant who has both; ``file_name`` (the
    upload's) and ``date`` (the teacher's) date a report that writes its times without a date; ``time_zone`` is
    where times a report writes in UTC are shown (see ReadOptions). Raises FileFormatError (ReportError) with a
    message naming the problem and row.
    """
    options = ReadOptions(order=date_order, identity=identity, date=date, file_name=file_name, time_zone=time_zone)
    found, source, heading_at = _read(data, **reader_limits)
    if isinstance(source, SectionedText) and found in _SECTIONED:
        return _SECTIONED[found](source, options, **reader_limits)
    if isinstance(source, SectionedText):  # a one-table report under some preamble: its table runs to the end
        table = source.table(heading_at, to_end=True, **reader_limits)
    else:
        table = source if source is not None else _single_table(data, **reader_limits)
    return _ONE_TABLE[found](table, options)


def _single_table(data: bytes, **reader_limits) -> Table:
    try:
        return read_table(data, **reader_limits)
    except FileFormatError as error:
        raise ReportError(str(error), row=error.row) from None
