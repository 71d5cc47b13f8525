"""The Zoom participants report, with or without its meeting block.

    Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
    812 3456 7890,Algorithms,13/02/2026 09:00:00 AM,13/02/2026 10:00:00 AM,t@uni.edu,60,3

    Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
    Asha Rao,asha@uni.edu,13/02/2026 09:01:00 AM,13/02/2026 09:58:00 AM,57,No

Each reconnection is a new row; rows of one person are merged as a union of connected time. The
"unique users" export (`Total Duration (Minutes)`) gives one row per person whose times span gaps, so its
duration is used instead of its times.
"""

from __future__ import annotations

import math

from attendance.formats.report import (
    JOIN,
    LEAVE,
    ZOOM,
    Connection,
    ParsedReport,
    Participant,
    ReportError,
    single_date,
)
from attendance.formats.sections import SectionedText
from attendance.formats.timestamps import DAY_FIRST, TimestampError, parse_timestamp

_NAME_COLUMNS = ("name_(original_name)", "name", "participant")


def _duration_column(headers) -> str | None:
    return next((h for h in headers if h.startswith(("duration_(minutes", "total_duration_(minutes"))), None)


def _renamed(name: str) -> tuple[str, str] | None:
    """(shown, original) of a participant Zoom lists as ``Shown Name (Original Name)``, else None.

    The original name is what the last parentheses hold; they must end the name and hold no other
    parenthesis. Done with string methods: the lazy pattern this replaces tried every length of the shown
    name against the spaces after it, quadratic in a long run of spaces (issue 11). Each step here is one
    pass over the name.
    """
    trimmed = name.rstrip()
    if not trimmed.endswith(")"):
        return None
    shown, opening, original = trimmed[:-1].rpartition("(")
    if not opening or ")" in original:
        return None
    return shown.rstrip(), original


def is_zoom(headers: set[str]) -> bool:
    return {"join_time", "leave_time"} <= headers and _duration_column(headers) is not None


def _time(values, column, row, order):
    try:
        return parse_timestamp(values.get(column, ""), order=order)
    except TimestampError as error:
        raise ReportError(f"Row {row}: the {column.replace('_', ' ').title()} {error}.", row=row) from None


def parse_zoom(text: SectionedText, *, order: str = DAY_FIRST, identity: str = "name", **reader_limits) -> ParsedReport:
    table_at = text.find(lambda headers: is_zoom(headers) and "meeting_id" not in headers)
    if table_at is None:
        raise ReportError("The Zoom report has no participants table (Name, Join Time, Leave Time, Duration (Minutes)).")
    meeting_end = None
    block_at = text.find(lambda headers: {"meeting_id", "end_time"} <= headers)
    if block_at is not None and block_at + 1 < table_at:
        header = text.headers[block_at]
        values = dict(zip(header, text.cells[block_at + 1]))
        if values.get("end_time"):
            meeting_end = _time(values, "end_time", block_at + 2, order)

    return parse_zoom_table(text.table(table_at, **reader_limits), order=order, identity=identity, meeting_end=meeting_end)


def parse_zoom_table(table, *, order: str = DAY_FIRST, identity: str = "name", meeting_end=None) -> ParsedReport:
    """The participants table alone (an XLSX export, or the table found in a text report)."""
    duration = _duration_column(table.headers)
    totals_only = duration.startswith("total_")
    participants: dict[str, Participant] = {}
    stamps = []
    for row in table.rows:
        name = next((row.values[c] for c in _NAME_COLUMNS if row.values.get(c)), "")
        email = row.values.get("user_email", "")
        if not name and not email:
            raise ReportError(f"Row {row.number} has no participant name.", row=row.number)
        names = [name]
        renamed = _renamed(name)
        if renamed:
            names += renamed
        local_part = email.partition("@")[0]
        if local_part:
            names.append(local_part)
        key = local_part if identity == "email" and local_part else (name or local_part)
        address = email.strip() if "@" in email else ""
        joined = _time(row.values, "join_time", row.number, order)
        left = _time(row.values, "leave_time", row.number, order)
        stamps += [(joined, row.number), (left, row.number)]
        participant = participants.setdefault(
            key, Participant(key=key, first_row=row.number, names=[n for n in names if n], email=address)
        )
        if totals_only:
            try:
                minutes = float(row.values[duration])
            except ValueError:
                minutes = math.nan
            # float() also reads "nan", "inf" and "-5", which round() or a record's seconds cannot hold.
            if not 0 <= minutes < math.inf:
                raise ReportError(
                    f"Row {row.number}: the duration '{row.values[duration]}' is not a number of minutes.",
                    row=row.number,
                )
            participant.reported_seconds = (participant.reported_seconds or 0) + round(minutes * 60)
        else:
            participant.connections += [Connection(joined, JOIN, row.number), Connection(left, LEAVE, row.number)]
    return ParsedReport(format=ZOOM, date=single_date(stamps), participants=participants, meeting_end=meeting_end)
