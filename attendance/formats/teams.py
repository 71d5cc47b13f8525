"""The current Microsoft Teams attendance report (since mid 2021): one file, numbered sections.

    1. Summary
    Meeting title	Algorithms lecture
    Start time	13/2/2026, 9:00:00 AM
    End time	13/2/2026, 10:00:00 AM

    2. Participants
    Name	First Join	Last Leave	In-Meeting Duration	Email	Participant ID (UPN)	Role
    Asha Rao	13/2/2026, 9:01:00 AM	13/2/2026, 9:58:00 AM	52m 0s	asha@uni.edu	asha@uni.edu	Attendee

    3. In-Meeting Activities
    Name	Join Time	Leave Time	Duration	Email	Role
    Asha Rao	13/2/2026, 9:01:00 AM	13/2/2026, 9:30:00 AM	29m 0s	asha@uni.edu	Attendee

Teams writes it as UTF-16 tab-separated text. Section titles are localised and heading case varies, so the
tables are found by their headings, not their titles. When the activities section is there, each join/leave
pair is used (so overlapping devices are counted once); otherwise the Participants' In-Meeting Duration is.
The organiser's rows are skipped: the organiser is the teacher, never a student on the roster.
"""

from __future__ import annotations

from attendance.formats.report import (
    JOIN,
    LEAVE,
    TEAMS,
    Connection,
    ParsedReport,
    Participant,
    ReportError,
    single_date,
)
from attendance.formats.sections import SectionedText
from attendance.formats.timestamps import DAY_FIRST, TimestampError, parse_duration, parse_timestamp

_NAME_COLUMNS = ("name", "full_name")
_TAGS = ("(external)", "(unverified)", "(guest)")


def _is_participants(headers: set[str]) -> bool:
    return {"first_join", "last_leave"} <= headers or "in_meeting_duration" in headers


def _is_activities(headers: set[str]) -> bool:
    return {"join_time", "leave_time"} <= headers and bool(headers & set(_NAME_COLUMNS)) and not any(
        header.startswith(("duration_(minutes", "total_duration_(minutes")) for header in headers
    )


def is_teams(headers: set[str]) -> bool:
    return _is_participants(headers) or _is_activities(headers)


def _without_tag(name: str) -> str:
    """``name`` without the "(External)", "(Unverified)" or "(Guest)" Teams writes after it, if any.

    Done with string methods: the pattern this replaces was searched for, so it was tried from every
    space of a run and read to the run's end each time; one name holding 300 KiB of spaces kept a worker
    busy for minutes (issue 11). Each step here is one pass over the name.
    """
    trimmed = name.rstrip()
    for tag in _TAGS:
        # Compared on the tag's own length: casefold() may change the length of other characters.
        if trimmed[-len(tag) :].casefold() == tag:
            return trimmed[: -len(tag)].rstrip()
    return name


def _identity(values: dict[str, str], identity: str) -> tuple[str, list[str]]:
    name = next((values[column] for column in _NAME_COLUMNS if values.get(column)), "")
    email = values.get("email") or values.get("participant_id_(upn)") or ""
    names = [name, _without_tag(name)]
    local_part = email.partition("@")[0] if "@" in email else email
    if local_part:
        names.append(local_part)
    key = local_part if identity == "email" and local_part else name
    return key, [candidate for candidate in names if candidate]


def _email(values: dict[str, str]) -> str:
    """The participant's address: the Email column, else the Participant ID (UPN) when it is one."""
    for column in ("email", "participant_id_(upn)"):
        if "@" in values.get(column, ""):
            return values[column].strip()
    return ""


def _time(values: dict[str, str], column: str, row: int, order: str):
    try:
        return parse_timestamp(values.get(column, ""), order=order)
    except TimestampError as error:
        raise ReportError(f"Row {row}: the {column.replace('_', ' ').title()} {error}.", row=row) from None


def parse_teams_report(text: SectionedText, *, order: str = DAY_FIRST, identity: str = "name", **reader_limits) -> ParsedReport:
    participants_at = text.find(_is_participants)
    activities_at = text.find(_is_activities)
    summary = text.key_values(0, min(i for i in (participants_at, activities_at, len(text.lines)) if i is not None))
    participants: dict[str, Participant] = {}
    stamps = []
    start = summary.get("start_time") or summary.get("meeting_start_time")
    end = summary.get("end_time") or summary.get("meeting_end_time")
    meeting_end = None
    if start:
        stamps.append((_summary_time(start, order), start[1]))
    if end:
        meeting_end = _summary_time(end, order)
        stamps.append((meeting_end, end[1]))

    if activities_at is not None:
        for row in text.table(activities_at, **reader_limits).rows:
            if row.values.get("role", "").lower() == "organizer":
                continue
            key, names = _identity(row.values, identity)
            if not key:
                raise ReportError(f"Row {row.number} has no participant name.", row=row.number)
            joined = _time(row.values, "join_time", row.number, order)
            left = _time(row.values, "leave_time", row.number, order)
            participant = participants.setdefault(
                key, Participant(key=key, first_row=row.number, names=names, email=_email(row.values))
            )
            participant.connections += [Connection(joined, JOIN, row.number), Connection(left, LEAVE, row.number)]
            stamps += [(joined, row.number), (left, row.number)]
    elif participants_at is not None:
        for row in text.table(participants_at, **reader_limits).rows:
            if row.values.get("role", "").lower() == "organizer":
                continue
            key, names = _identity(row.values, identity)
            if not key:
                raise ReportError(f"Row {row.number} has no participant name.", row=row.number)
            for column in ("first_join", "last_leave"):
                if row.values.get(column):
                    stamps.append((_time(row.values, column, row.number, order), row.number))
            try:
                seconds = parse_duration(row.values.get("in_meeting_duration", ""))
            except TimestampError as error:
                raise ReportError(f"Row {row.number}: the In-Meeting Duration {error}.", row=row.number) from None
            participant = participants.setdefault(
                key, Participant(key=key, first_row=row.number, names=names, email=_email(row.values))
            )
            participant.reported_seconds = (participant.reported_seconds or 0) + seconds
    return ParsedReport(format=TEAMS, date=single_date(stamps), participants=participants, meeting_end=meeting_end)


def _summary_time(value: tuple[str, int], order: str):
    text, row = value
    try:
        return parse_timestamp(text, order=order)
    except TimestampError as error:
        raise ReportError(f"Row {row}: the meeting time {error}.", row=row) from None
