"""The Zoom meeting participants report, in the layouts Zoom has exported since 2020.

    Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
    812 3456 7890,Algorithms,13/02/2026 09:00:00 AM,13/02/2026 10:00:00 AM,t@uni.edu,60,3

    Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
    Asha Rao,asha@uni.edu,13/02/2026 09:01:00 AM,13/02/2026 09:58:00 AM,57,No

Layouts (../shared/reference/attendance-formats-2026.md §4):

* classic, with or without the meeting block above (Lightbridge-KS/zoomclass `participants_heroes_full.csv`);
* the reports UI of 2023 on, in lower case: block `Topic,ID,Host,Duration (minutes),Start time,End time,
  Participants` (Host = `Name (email)`), table `Name (original name),Email,Join time,Leave time,Duration
  (minutes),Guest,Recording disclaimer response,In waiting room`, and dates such as `Mar 22, 2025 19:13:27`;
* "unique users" (`Total Duration (Minutes)`, one row per person; ComputerScienceHouse/conditional #314): its
  times, when it has any, span gaps, so its duration is used instead. Without times its date comes from the
  meeting block, else the file name (`participants_<id>_<yyyy>_<mm>_<dd>.csv`), else the upload's date.

Each reconnection is a new row; rows of one person are merged as a union of connected time, so rejoins add up
and two devices at once count once. Rows spent in the waiting room (`In waiting room` = Yes) are not
connected time: the person is still listed, with what they attended otherwise. The meeting block's host (its
User Email, or the new block's `Host`) is marked a host. A renamed participant, `Shown (Original)`, also
matches by the original name: the last bracketed part.
"""

from __future__ import annotations

import math

from spreadsheets import Table

from attendance.formats.report import ZOOM, ParsedReport, ReadOptions, ReportBuilder, ReportError, undated
from attendance.formats.sections import SectionedText
from attendance.formats.signature import Column, Signature
from attendance.formats.timestamps import TimestampError, date_in_file_name, parse_timestamp

NAME_COLUMNS = ("name_(original_name)", "name", "participant")
_WEBINAR = (Column("Attended", ("attended",)), Column("Time in Session (minutes)", ("time_in_session_(minutes)",)))
SIGNATURES = (
    Signature(
        needs=(
            Column("Join Time", ("join_time",)),
            Column("Leave Time", ("leave_time",)),
            Column("Duration (Minutes)", ("duration_(minutes)", "total_duration_(minutes)")),
        ),
        never=_WEBINAR,
    ),
    # The unique-users export of the reports UI has no times at all.
    Signature(
        needs=(Column("Name (Original Name)", NAME_COLUMNS), Column("Total Duration (Minutes)", ("total_duration_(minutes)",))),
        never=_WEBINAR,
    ),
)
_YES = {"yes", "y", "true", "1"}


def renamed(name: str) -> tuple[str, str] | None:
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


def _meeting_block(text: SectionedText, before: int) -> dict[str, tuple[str, int]]:
    """{normalised heading: (value, row)} of the meeting block above the participants table, or {}."""
    at = text.find(
        lambda headers: {"topic", "start_time", "end_time"} <= headers and bool({"meeting_id", "id"} & headers), stop=before
    )
    if at is None or at + 1 >= before:
        return {}
    return {heading: (value, at + 2) for heading, value in zip(text.headers[at], text.cells[at + 1]) if heading}


def parse_zoom(source: Table | SectionedText, options: ReadOptions, **reader_limits) -> ParsedReport:
    """A participants table alone (a one-table file) or found under its meeting block."""
    if isinstance(source, Table):
        return _participants(source, {}, options)
    table_at = source.find(lambda headers: any(signature.fits(headers) for signature in SIGNATURES))
    if table_at is None:
        raise ReportError("The Zoom report has no participants table (Name, Join Time, Leave Time, Duration (Minutes)).")
    return _participants(source.table(table_at, **reader_limits), _meeting_block(source, table_at), options)


def _participants(table: Table, block: dict[str, tuple[str, int]], options: ReadOptions) -> ParsedReport:
    builder = ReportBuilder(options)
    # The block's times are the meeting's, read for its end and as the date of a report without times; the
    # participants' own times date the report when there are any.
    block_times = {key: _block_time(block, key, options) for key in ("start_time", "end_time")}
    duration = next(h for h in table.headers if h in ("duration_(minutes)", "total_duration_(minutes)"))
    totals_only = duration.startswith("total_")
    timed = {"join_time", "leave_time"} <= set(table.headers)
    labels = dict(zip(table.headers, table.original_headers))
    for row in table.rows:
        values = row.values
        name = next((values[column] for column in NAME_COLUMNS if values.get(column)), "")
        email = values.get("user_email") or values.get("email") or ""
        participant = builder.person(row.number, name=name, email=email, names=lambda: renamed(name) or ())
        if timed:
            joined = builder.time(values["join_time"], row=row.number, what=labels["join_time"])
            left = builder.time(values["leave_time"], row=row.number, what=labels["leave_time"])
        if values.get("in_waiting_room", "").casefold() in _YES:
            continue  # admitted later on a row of its own, or never: waiting is not attending
        if totals_only:
            participant.reported_seconds = (participant.reported_seconds or 0) + _minutes(values[duration], row.number)
            if timed and (participant.first_join is None or joined < participant.first_join):
                participant.first_join = joined  # a span that may hide gaps, but it does begin with a join
        else:
            builder.interval(participant, joined, left, row.number)
    _mark_host(builder, block)
    date = None
    if not builder.stamps:
        start = block_times["start_time"] or block_times["end_time"]
        date = start.date() if start else date_in_file_name(options.file_name) or options.date
        if date is None:
            raise undated("Zoom unique-users report", options.file_name)
    return builder.report(ZOOM, date=date, meeting_end=block_times["end_time"], meeting_start=block_times["start_time"])


def _block_time(block: dict[str, tuple[str, int]], key: str, options: ReadOptions):
    value, row = block.get(key, ("", 0))
    if not value:
        return None
    try:
        return parse_timestamp(value, order=options.order)
    except TimestampError as error:
        raise ReportError(f"Row {row}: the meeting's {key.replace('_', ' ')} {error}.", row=row) from None


def _minutes(text: str, row: int) -> int:
    try:
        minutes = float(text)
    except ValueError:
        minutes = math.nan
    # float() also reads "nan", "inf" and "-5", which round() or a record's seconds cannot hold.
    if not 0 <= minutes < math.inf:
        raise ReportError(f"Row {row}: the duration '{text}' is not a number of minutes.", row=row)
    return round(minutes * 60)


def _mark_host(builder: ReportBuilder, block: dict[str, tuple[str, int]]) -> None:
    """Mark the meeting's host: the classic block's User Email, or the new block's Host, `Name (email)`."""
    host = block.get("host", ("",))[0]
    email = block.get("user_email", ("",))[0]
    parts = renamed(host)
    name = host
    if parts and "@" in parts[1]:
        name, email = parts
    if not (email or name):
        return
    for participant in builder.participants.values():
        if (email and participant.email.casefold() == email.casefold()) or (not email and participant.key == name):
            participant.is_host = True
            participant.role = participant.role or "Host"
