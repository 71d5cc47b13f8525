"""Every write of the attendance half: courses, rosters, and recording sessions from reports.

Services are keyword-only, run in one transaction, and raise `AttendanceError` (a sentence for the
teacher, rendered as 400) for anything the caller must fix. Nothing is written when they raise.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from attendance.formats import (
    DAY_FIRST,
    GOOGLE_FORM,
    ParsedReport,
    RosterEntry,
    TimestampError,
    parse_end_time,
    parse_report,
    parse_roster,
)
from attendance.matching import match_participants
from attendance.models import Course, CourseStudent, Record, Session
from attendance.presence import PresenceError, last_event, measure_presence
from attendance.selectors import natural_roll_key
from doubtfire.models import Role
from spreadsheets import FileFormatError, ReadBudget


class AttendanceError(Exception):
    """Something the teacher must fix; ``message`` is one clear sentence (the API's wording). ``code`` names the
    kind of problem where a page offers something to do about it (e.g. "date_recorded": a Replace button)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class UnknownParticipants(AttendanceError):
    """A report names people who match no student of the roster. ``participants`` lists them (key, first
    row, other names) so a page can show them as a table; ``message`` is the API's sentence."""

    def __init__(self, message: str, *, file_name: str, participants: list):
        super().__init__(message)
        self.file_name = file_name
        self.participants = participants


def reader_limits() -> dict:
    """The keyword arguments every report and roster parser passes on to the shared reader: the budget."""
    return {"budget": ReadBudget.from_settings(settings)}


def read_roster(*, name: str, data: bytes) -> list[RosterEntry]:
    """Parse a roster upload, turning format problems into AttendanceError naming the file."""
    try:
        return parse_roster(data, **reader_limits())
    except FileFormatError as error:
        raise AttendanceError(f"{name}: {error}") from None


# --- Teachers ---------------------------------------------------------------------------------------


def sign_up_teacher(*, name: str, email: str, password: str):
    """Create a teacher account whose username is the lower-cased email.

    The teacher gets system role Tutor: they own the attendance courses they create and nothing else. Signing
    up grants no power over other people (no users upload, no units); an Admin grants Convenor or Admin (admin
    site, `PATCH /api/users/<id>/`, or `manage.py set_role`).

    The email must be unused by anyone, compared without case; the password must pass Django's validators.
    """
    email = email.strip().lower()
    first_name, _, last_name = " ".join(name.split()).partition(" ")
    if not first_name:
        raise AttendanceError("The name must not be blank.")
    User = get_user_model()
    user = User(username=email, email=email, first_name=first_name[:150], last_name=last_name[:150], role=Role.TUTOR)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise AttendanceError("The password is not accepted: " + " ".join(error.messages)) from None
    taken = AttendanceError("A user with this email has already registered.")
    with transaction.atomic():
        if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            raise taken
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise taken from None
    return user


# --- Courses and rosters ----------------------------------------------------------------------------


def create_course(*, owner, course_id: str, course_name: str, batch: int, roster: list[RosterEntry]) -> Course:
    """Create a course of ``owner`` with its roster. Three queries (exists check, course, students)."""
    with transaction.atomic():
        if Course.objects.filter(owner=owner, course_id=course_id, batch=batch).exists():
            raise AttendanceError(f"You already have a course {course_id} for batch {batch}.")
        try:
            with transaction.atomic():
                course = Course.objects.create(owner=owner, course_id=course_id, course_name=course_name, batch=batch)
        except IntegrityError:
            raise AttendanceError(f"You already have a course {course_id} for batch {batch}.") from None
        CourseStudent.objects.bulk_create(
            CourseStudent(course=course, roll=entry.roll, name=entry.name) for entry in roster
        )
    return course


def update_course(*, course: Course, course_id: str | None = None, course_name: str | None = None, batch: int | None = None) -> Course:
    """Rename a course or change its id/batch, keeping them unique for its owner."""
    with transaction.atomic():
        for field_name, value in (("course_id", course_id), ("course_name", course_name), ("batch", batch)):
            if value is not None:
                setattr(course, field_name, value)
        clash = Course.objects.filter(owner=course.owner, course_id=course.course_id, batch=course.batch).exclude(pk=course.pk)
        if clash.exists():
            raise AttendanceError(f"You already have a course {course.course_id} for batch {course.batch}.")
        course.save()
    return course


def delete_course(*, course: Course) -> None:
    """Delete a course with its roster, sessions and records (cascade)."""
    with transaction.atomic():
        course.delete()


@dataclass
class RosterChanges:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def add_students(*, course: Course, roster: list[RosterEntry]) -> RosterChanges:
    """Enrol new rolls; a roll already enrolled has its name updated if it differs. Three queries at most.

    Students added after some dates have no record for those dates: reports show them blank, not absent.
    """
    changes = RosterChanges()
    with transaction.atomic():
        existing = {student.roll: student for student in course.students.select_for_update()}
        new, renamed = [], []
        for entry in roster:
            student = existing.get(entry.roll)
            if student is None:
                new.append(CourseStudent(course=course, roll=entry.roll, name=entry.name))
                changes.added.append(entry.roll)
            elif student.name != entry.name:
                student.name = entry.name
                renamed.append(student)
                changes.renamed.append(entry.roll)
            else:
                changes.unchanged.append(entry.roll)
        CourseStudent.objects.bulk_create(new)
        CourseStudent.objects.bulk_update(renamed, ["name"])
    return changes


def remove_student(*, course: Course, roll: str) -> None:
    """Unenrol one roll, deleting their records."""
    with transaction.atomic():
        deleted, _ = CourseStudent.objects.filter(course=course, roll=roll).delete()
    if not deleted:
        raise AttendanceError(f"Roll {roll} is not enrolled in {course}.")


def delete_date(*, course: Course, date: datetime.date) -> None:
    """Delete the session recorded for ``date`` with its records."""
    with transaction.atomic():
        deleted, _ = Session.objects.filter(course=course, date=date).delete()
    if not deleted:
        raise AttendanceError(f"No attendance is recorded for {date:%Y-%m-%d} in {course}.")


# --- Recording attendance -----------------------------------------------------------------------------


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
        report = parse_report(
            data,
            date_order=options.date_order,
            identity=options.identity,
            # A report that writes no date (Google Meet) takes it from the file name, else the date field; UTC
            # times (a Teams live event's) are shown in the product's time zone, as end_time is read.
            file_name=name,
            date=options.date,
            time_zone=timezone.get_current_timezone(),
            **reader_limits(),
        )
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
    # Hosts (organisers, presenters, panelists) not on the roster run the meeting: left out, never refused.
    unknown = [participant for participant in matches.unknown if not participant.is_host]
    if unknown and not options.ignore_unknown:
        listed = ", ".join(f"'{p.key}' (row {p.first_row})" for p in unknown)
        raise UnknownParticipants(
            f"{name}: these participants are not on the course roster: {listed}. Add them with /add_students, "
            "or send unknown=ignore to leave them out.",
            file_name=name,
            participants=unknown,
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
                    "send replace=1 to replace it.",
                    code="date_recorded",
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
            "Attendance for this date has just been recorded by another upload; send replace=1 to replace it.",
            code="date_recorded",
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
