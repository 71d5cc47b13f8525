"""What every report parser returns: the report's one date and what each participant did."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from spreadsheets import FileFormatError

# The values of attendance.models.SourceFormat (the parsers stay free of the ORM).
TEAMS_LEGACY = "teams_legacy"
TEAMS = "teams"
ZOOM = "zoom"
GOOGLE_FORM = "google_form"

FORMAT_NAMES = {
    TEAMS_LEGACY: "Teams attendance list",
    TEAMS: "Teams attendance report",
    ZOOM: "Zoom participants report",
    GOOGLE_FORM: "Google Form responses",
}

JOIN = 1
LEAVE = -1


class Connection(NamedTuple):
    """One join (+1) or leave (-1) at a moment, with the spreadsheet row it came from.

    A named tuple rather than a frozen dataclass: a 50,000-event log makes one per row, and a frozen
    dataclass's __init__ (object.__setattr__ per field) costs several times more.
    """

    at: datetime.datetime
    change: int
    row: int


@dataclass
class Participant:
    """One person as the report names them.

    ``key`` is what identifies them (display name, email local part or roll, as the upload asked);
    ``names`` are other strings that may match the roster (e.g. Zoom's original name).
    ``connections`` are joins and leaves; ``reported_seconds`` a duration the report states when it gives
    no times; ``responded`` marks a form response (presence without a duration); ``email`` is the address the
    report gives for them (Teams Email / Participant ID (UPN), Zoom User Email), matched before anything else.
    """

    key: str
    first_row: int
    names: list[str] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    reported_seconds: int | None = None
    responded: bool = False
    email: str = ""


@dataclass
class ParsedReport:
    format: str
    date: datetime.date
    participants: dict[str, Participant]
    meeting_end: datetime.datetime | None = None

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]


class ReportError(FileFormatError):
    """A report that cannot be used as it is; the message names the problem (and row) for the teacher."""


def single_date(stamps: list[tuple[datetime.datetime, int]]) -> datetime.date:
    """The one calendar date of a report's timestamps, or ReportError naming the first row of a second date."""
    if not stamps:
        raise ReportError("The report has no rows with attendance in it.")
    first_date = stamps[0][0].date()
    for at, row in stamps:
        if at.date() != first_date:
            raise ReportError(
                f"Row {row} is dated {at.date():%Y-%m-%d} but earlier rows are dated {first_date:%Y-%m-%d}: "
                "the report covers two dates; upload one file per date.",
                row=row,
            )
    return first_date
