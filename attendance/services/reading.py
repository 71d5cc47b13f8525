"""Reading teachers' files: every parse passes the reader's budget, and format problems name the file."""

from __future__ import annotations

from django.conf import settings

from attendance.formats import RosterEntry, parse_roster
from attendance.errors import AttendanceError
from spreadsheets import FileFormatError, ReadBudget


def reader_limits() -> dict:
    """The keyword arguments every report and roster parser passes on to the shared reader: the budget."""
    return {"budget": ReadBudget.from_settings(settings)}


def read_roster(*, name: str, data: bytes) -> list[RosterEntry]:
    """Parse a roster upload, turning format problems into AttendanceError naming the file."""
    try:
        return parse_roster(data, **reader_limits())
    except FileFormatError as error:
        raise AttendanceError(f"{name}: {error}") from None
