"""Recording sessions from meeting reports: every file is checked before anything is written."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.formats import (
    DAY_FIRST,
    GOOGLE_FORM,
    ParsedReport,
    TimestampError,
    parse_end_time,
    parse_report,
)
from attendance.matching import match_participants
from attendance.models import Course, CourseStudent, Record, Session
from attendance.presence import PresenceError, last_event, measure_presence
from attendance.selectors import natural_roll_key
from attendance.services.errors import AttendanceError, UnknownParticipants
from attendance.services.reading import reader_limits
from spreadsheets import FileFormatError


@dataclass(frozen=True)
class UploadOptions:
    end_time: str | None = None  # as sent: a full date and time, or a time on the report's date
    threshold_seconds: int = 0
    date: datetime.date | None = None
    flags: tuple[str, ...] = ()
    ignore_unknown: bool = False
    replace: bool = False
    date_order: str = DAY_FIRST
    identity: str = "name"  # how current Teams / Zoom participants are identified: "name" or "email"


class PlannedRecord(NamedTuple):
    present: bool
    seconds: int | None
    flagged: bool  # the teacher's flags: absent whatever the report says
    still_connected: bool = False  # connected when the list was saved: seconds run to its last event


@dataclass
class PlannedSession:
    file_name: str
    report: ParsedReport
    end_time: datetime.datetime | None
    records: dict[str, PlannedRecord]  # by roll
    # The file's last event, when someone still connected was counted to it (no end_time was sent).
    counted_to: datetime.datetime | None = None


@dataclass
class StillConnected:
    """The students of one date whose report ended with them connected, and the moment they are counted to."""

    rolls: list[str]
    counted_to: datetime.datetime


@dataclass
class UploadResult:
    dates: list[datetime.date]
    summary: dict[str, dict[str, int]]
    replaced: list[datetime.date]
    still_connected: dict[datetime.date, StillConnected] = field(default_factory=dict)  # only dates with someone

    @property
    def message(self) -> str:
        dates = ", ".join(f"{date:%Y-%m-%d}" for date in self.dates)
        replaced = f" (replacing what was recorded before for {', '.join(f'{d:%Y-%m-%d}' for d in self.replaced)})" if self.replaced else ""
        notes = "".join(
            f" {len(still.rolls)} student{'s were' if len(still.rolls) != 1 else ' was'} still connected when the list "
            f"of {date:%Y-%m-%d} was saved and {'are' if len(still.rolls) != 1 else 'is'} counted to its last event "
            f"({still.counted_to:%H:%M:%S}): roll{'s' if len(still.rolls) != 1 else ''} {', '.join(still.rolls)}."
            for date, still in sorted(self.still_connected.items())
        )
        return f"Attendance recorded for {dates}{replaced}.{notes}"

    def as_dict(self) -> dict:
        """The reply of /upload_attendance (and the result of its job): message, dates, summary per date, and who
        was still connected when each list was saved."""
        return {
            "message": self.message,
            "dates": [f"{date:%Y-%m-%d}" for date in self.dates],
            "summary": self.summary,
            "still_connected": {
                f"{date:%Y-%m-%d}": {"rolls": still.rolls, "counted_to": still.counted_to.isoformat()}
                for date, still in sorted(self.still_connected.items())
            },
        }


def _plan(name: str, data: bytes, roster: dict[str, str], options: UploadOptions) -> PlannedSession:
    try:
        report = parse_report(data, date_order=options.date_order, identity=options.identity, **reader_limits())
    except FileFormatError as error:
        raise AttendanceError(f"{name}: {error}") from None
    if options.date is not None and options.date != report.date:
        raise AttendanceError(
            f"{name} is dated {report.date:%Y-%m-%d}, not {options.date:%Y-%m-%d} as the date field says."
        )
    end_time = None
    if options.end_time and report.format != GOOGLE_FORM:
        try:
            end_time = parse_end_time(options.end_time, report_date=report.date, order=options.date_order)
        except TimestampError as error:
            raise AttendanceError(f"end_time: {error}.") from None
        if end_time.date() != report.date:
            raise AttendanceError(
                f"end_time is on {end_time:%Y-%m-%d} but {name} is dated {report.date:%Y-%m-%d}."
            )

    matches = match_participants(roster, list(report.participants.values()))
    if matches.ambiguous:
        described = "; ".join(f"'{p.key}' (row {p.first_row}) could be roll {', '.join(r)}" for p, r in matches.ambiguous)
        raise AttendanceError(f"{name}: some participants match more than one student: {described}.")
    if matches.unknown and not options.ignore_unknown:
        listed = ", ".join(f"'{p.key}' (row {p.first_row})" for p in matches.unknown)
        raise UnknownParticipants(
            f"{name}: these participants are not on the course roster: {listed}. Add them with /add_students, "
            "or send unknown=ignore to leave them out.",
            file_name=name,
            participants=list(matches.unknown),
        )

    # SPEC §3: without end_time, whoever is still connected at the end of the file is counted to its last event
    # (anyone's, roster or not: the list was saved then) and marked, never refused. Only the legacy Teams list
    # leaves connections open; the current Teams and Zoom reports pair every join with a leave.
    file_end = last_event(report.participants.values()) if end_time is None else None
    flags = set(options.flags)
    records = {}
    counted_to = None
    for roll in roster:
        participants = matches.by_roll.get(roll, [])
        flagged = roll in flags
        if report.format == GOOGLE_FORM:
            records[roll] = PlannedRecord(bool(participants) and not flagged, None, flagged)
            continue
        if not participants:
            records[roll] = PlannedRecord(False, 0, flagged)
            continue
        connections = [event for participant in participants for event in participant.connections]
        seconds = sum(p.reported_seconds or 0 for p in participants)
        still_connected = False
        if connections:
            try:
                presence = measure_presence(
                    connections, end_time=end_time, file_end=file_end, who=f"'{participants[0].key}'"
                )
            except PresenceError as error:
                raise AttendanceError(f"{name}: {error}") from None
            seconds += presence.seconds
            still_connected = presence.still_connected
            if still_connected:
                counted_to = file_end
        records[roll] = PlannedRecord(seconds >= options.threshold_seconds and not flagged, seconds, flagged, still_connected)
    return PlannedSession(file_name=name, report=report, end_time=end_time, records=records, counted_to=counted_to)


def record_attendance(
    *, course: Course, uploaded_by, files: list[tuple[str, bytes]], options: UploadOptions, progress=None
) -> UploadResult:
    """Record one session per report file. Every file is checked before anything is written.

    ``progress(stage, done, total)``, when given, hears ("checking", files read, files) after each file
    and ("writing", 0, files) before the writes: once per file, not per row of a report.
    Queries: the roster (1), then in one transaction a lock on the course row, the existing dates, a
    delete when replacing, one insert of sessions and one of records — constant in the number of students.
    """
    if not files:
        raise AttendanceError("No file was uploaded: send one or more reports as the multipart field 'file'.")
    roster = dict(CourseStudent.objects.filter(course=course).values_list("roll", "name"))
    if not roster:
        raise AttendanceError(f"{course} has no students; add them with /add_students first.")
    unknown_flags = [roll for roll in options.flags if roll not in roster]
    if unknown_flags:
        raise AttendanceError(f"These flagged rolls are not enrolled in {course}: {', '.join(unknown_flags)}.")

    plans = []
    for name, data in files:
        plans.append(_plan(name, data, roster, options))
        if progress is not None:
            progress("checking", len(plans), len(files))
    seen: dict[datetime.date, str] = {}
    for plan in plans:
        if plan.report.date in seen:
            raise AttendanceError(
                f"{seen[plan.report.date]} and {plan.file_name} are both dated {plan.report.date:%Y-%m-%d}; "
                "merge them into one file or upload one of them."
            )
        seen[plan.report.date] = plan.file_name

    if progress is not None:
        progress("writing", 0, len(files))
    try:
        with transaction.atomic():
            # The lock serialises uploads to one course, so "already recorded" is decided on fresh data.
            Course.objects.select_for_update().filter(pk=course.pk).first()
            existing = set(Session.objects.filter(course=course, date__in=seen).values_list("date", flat=True))
            if existing and not options.replace:
                date = min(existing)
                raise AttendanceError(
                    f"Attendance for {date:%Y-%m-%d} ({seen[date]}) has already been recorded; "
                    "send replace=1 to replace it."
                )
            if existing:
                Session.objects.filter(course=course, date__in=existing).delete()
            students = dict(CourseStudent.objects.filter(course=course).values_list("roll", "pk"))
            now = timezone.now()
            sessions = Session.objects.bulk_create(
                Session(
                    course=course,
                    date=plan.report.date,
                    source_format=plan.report.format,
                    end_time=timezone.make_aware(plan.end_time) if plan.end_time else None,
                    threshold_seconds=options.threshold_seconds,
                    uploaded_by=uploaded_by,
                    uploaded_at=now,
                )
                for plan in plans
            )
            Record.objects.bulk_create(
                Record(
                    session=session,
                    student_id=students[roll],
                    present=record.present,
                    seconds_attended=record.seconds,
                    flagged=record.flagged,
                    still_connected=record.still_connected,
                )
                for session, plan in zip(sessions, plans)
                for roll, record in plan.records.items()
                if roll in students  # a student removed meanwhile
            )
    except IntegrityError:
        raise AttendanceError(
            "Attendance for this date has just been recorded by another upload; send replace=1 to replace it."
        ) from None

    summary = {}
    still_connected = {}
    for plan in sorted(plans, key=lambda plan: plan.report.date):
        values = plan.records.values()
        summary[f"{plan.report.date:%Y-%m-%d}"] = {
            "present": sum(1 for record in values if record.present),
            "absent": sum(1 for record in values if not record.present),
            "flagged": sum(1 for record in values if record.flagged),
            "still_connected": sum(1 for record in values if record.still_connected),
        }
        rolls = [roll for roll, record in plan.records.items() if record.still_connected]
        if rolls:
            still_connected[plan.report.date] = StillConnected(sorted(rolls, key=natural_roll_key), plan.counted_to)
    return UploadResult(dates=sorted(seen), summary=summary, replaced=sorted(existing), still_connected=still_connected)
