"""Pure parsers for the files teachers upload: rosters and every kind of attendance report they are handed.

Bytes in, a `ParsedReport` (or a list of `RosterEntry`) or a `FileFormatError` naming the problem out.
No ORM here: services decide what the parsed data means for a course. One module per report format (`teams_legacy`,
`teams`, `teams_2021`, `teams_live`, `zoom`, `zoom_webinar`, `google_form`, `google_meet`, `webex`), each declaring
the heading row it reads (`signature`); `detection` picks the format by content.
"""

from attendance.formats.detection import detect_format, parse_report
from attendance.formats.report import (
    FORMAT_NAMES,
    GOOGLE_FORM,
    GOOGLE_MEET,
    JOIN,
    LEAVE,
    TEAMS,
    TEAMS_2021,
    TEAMS_LEGACY,
    TEAMS_LIVE,
    WEBEX,
    ZOOM,
    ZOOM_WEBINAR,
    Connection,
    ParsedReport,
    Participant,
    ReadOptions,
    ReportError,
)
from attendance.formats.roster import RosterEntry, parse_roster
from attendance.formats.timestamps import DATE_ORDERS, DAY_FIRST, MONTH_FIRST, TimestampError, parse_end_time

__all__ = [
    "DATE_ORDERS",
    "DAY_FIRST",
    "FORMAT_NAMES",
    "GOOGLE_FORM",
    "GOOGLE_MEET",
    "JOIN",
    "LEAVE",
    "MONTH_FIRST",
    "TEAMS",
    "TEAMS_2021",
    "TEAMS_LEGACY",
    "TEAMS_LIVE",
    "WEBEX",
    "ZOOM",
    "ZOOM_WEBINAR",
    "Connection",
    "ParsedReport",
    "Participant",
    "ReadOptions",
    "ReportError",
    "RosterEntry",
    "TimestampError",
    "detect_format",
    "parse_end_time",
    "parse_report",
    "parse_roster",
]
