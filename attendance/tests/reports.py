"""Builders of report files for the tests: each writes bytes the way the real exporter does."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
TEAMS_LOG = FIXTURES / "Test2.csv"
ROSTER = FIXTURES / "students.csv"


def fixture_rows() -> list[list[str]]:
    with TEAMS_LOG.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def utf16_tab(rows) -> bytes:
    """What Teams' own download is: UTF-16 LE with a byte-order mark, tab-separated, CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-16")


def comma_csv(rows, *, bom=False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _padded(rows) -> list[list]:
    """Every row as wide as the widest: Excel writes its sheet's used range, so short rows end in empty cells."""
    width = max((len(row) for row in rows), default=0)
    return [list(row) + [""] * (width - len(row)) for row in rows]


def excel_csv_utf8(rows) -> bytes:
    """Excel's "CSV UTF-8 (Comma delimited)" re-save: BOM, commas, CRLF, rows padded to the sheet's width."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(_padded(rows))
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def excel_csv_cp1252(rows, *, delimiter=",") -> bytes:
    """Excel's "CSV (Comma delimited)" re-save: Windows-1252, no BOM, CRLF, rows padded to the sheet's width.
    With ``delimiter=";"``, what a German or French Excel writes under the same name."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(_padded(rows))
    return buffer.getvalue().encode("cp1252")


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_datetime_cells(rows):
    """The fixture's rows with real datetime cells, as Excel stores them after re-typing the column."""
    out = [rows[0]]
    for name, action, stamp in rows[1:]:
        out.append([name, action, datetime.datetime.strptime(stamp, "%d/%m/%Y, %I:%M:%S %p")])
    return out


def excel_dates(rows):
    """Rows as Excel keeps them after opening a report: timestamp texts become real datetime cells."""
    def cell(value):
        for pattern in ("%d/%m/%Y, %I:%M:%S %p", "%d/%m/%Y %I:%M:%S %p"):
            try:
                return datetime.datetime.strptime(value, pattern)
            except (TypeError, ValueError):
                pass
        return value

    return [[cell(value) for value in row] for row in rows]


def excel_dates_as(rows, *patterns):
    """Rows as Excel keeps them after opening a report: cells that read as one of ``patterns`` (strptime) become
    real datetime cells, which an XLSX then stores as dates (read back year first)."""
    def cell(value):
        for pattern in patterns:
            try:
                return datetime.datetime.strptime(value, pattern)
            except (TypeError, ValueError):
                pass
        return value

    return [[cell(value) for value in row] for row in rows]


def teams_report(
    *, participants, activities=None, start="13/2/2026, 9:00:00 AM", end="13/2/2026, 10:00:00 AM", encode=None
) -> bytes:
    """A current Teams attendance report: UTF-16 tab-separated with its three sections (or `encode(rows)`)."""
    lines = [
        ["1. Summary"],
        ["Meeting title", "Algorithms lecture"],
        ["Attended participants", str(len(participants))],
        ["Start time", start],
        ["End time", end],
        ["Meeting duration", "1h 0m 0s"],
        [],
        ["2. Participants"],
        ["Name", "First join", "Last leave", "In-meeting duration", "Email", "Participant ID (UPN)", "Role"],
        *participants,
    ]
    if activities is not None:
        lines += [[], ["3. In-Meeting Activities"], ["Name", "Join time", "Leave time", "Duration", "Email", "Role"], *activities]
    return (encode or utf16_tab)(lines)


def zoom_report(rows, *, summary=True, encode=None) -> bytes:
    lines = []
    if summary:
        lines += [
            ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
            ["812 3456 7890", "Algorithms", "13/02/2026 09:00:00 AM", "13/02/2026 10:00:00 AM", "t@uni.edu", "60", "3"],
            [],
        ]
    lines += [["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"], *rows]
    return (encode or comma_csv)(lines)
