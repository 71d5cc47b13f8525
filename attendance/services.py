"""Every write of the attendance half: courses, rosters, and recording sessions from reports.

Services are keyword-only, run in one transaction, and raise `AttendanceError` (a sentence for the
teacher, rendered as 400) for anything the caller must fix. Nothing is written when they raise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
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
from attendance.permissions import STREAM, TUTORIAL, WHOLE_UNIT, may_link
from attendance.presence import PresenceError, last_event, measure_presence
from attendance.selectors import natural_roll_key
from doubtfire.models import Project, Role, TutorialEnrolment
from doubtfire.permissions import role_in_unit
from spreadsheets import FileFormatError, ReadBudget


class AttendanceError(Exception):
    """Something the teacher must fix; ``message`` is one clear sentence."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
        course = _new_course(owner=owner, course_id=course_id, course_name=course_name, batch=batch)
        CourseStudent.objects.bulk_create(
            CourseStudent(course=course, roll=entry.roll, name=entry.name, email=entry.email) for entry in roster
        )
    return course


def _new_course(*, owner, course_id: str, batch: int, **fields) -> Course:
    """The course row, unique per owner. Two queries; call inside a transaction."""
    if Course.objects.filter(owner=owner, course_id=course_id, batch=batch).exists():
        raise AttendanceError(f"You already have a course {course_id} for batch {batch}.")
    try:
        with transaction.atomic():
            return Course.objects.create(owner=owner, course_id=course_id, batch=batch, **fields)
    except IntegrityError:
        raise AttendanceError(f"You already have a course {course_id} for batch {batch}.") from None


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


def refuse_hand_edits(course: Course) -> None:
    """A roster that follows a unit changes with the unit's enrolments only: a hand edit would be undone by the
    next enrolment upload, and a removal would delete history that withdrawal keeps."""
    if course.follows_unit:
        raise AttendanceError(
            f"The roster of {course} follows unit {course.unit.code}: enrol or withdraw students in the unit "
            "(enrolment CSV, dashboard or admin) and the roster follows."
        )


@dataclass
class RosterChanges:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def add_students(*, course: Course, roster: list[RosterEntry]) -> RosterChanges:
    """Enrol new rolls; a roll already enrolled has its name updated if it differs. Three queries at most.

    Students added after some dates have no record for those dates: reports show them blank, not absent.
    """
    refuse_hand_edits(course)
    changes = RosterChanges()
    with transaction.atomic():
        existing = {student.roll: student for student in course.students.select_for_update()}
        new, renamed = [], []
        for entry in roster:
            student = existing.get(entry.roll)
            if student is None:
                new.append(CourseStudent(course=course, roll=entry.roll, name=entry.name, email=entry.email))
                changes.added.append(entry.roll)
            elif student.name != entry.name or (entry.email and student.email != entry.email):
                student.name = entry.name
                student.email = entry.email or student.email
                renamed.append(student)
                changes.renamed.append(entry.roll)
            else:
                changes.unchanged.append(entry.roll)
        CourseStudent.objects.bulk_create(new)
        CourseStudent.objects.bulk_update(renamed, ["name", "email"])
    return changes


def remove_student(*, course: Course, roll: str) -> None:
    """Unenrol one roll, deleting their records."""
    refuse_hand_edits(course)
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
    matched: list[dict] = field(default_factory=list)  # how each participant was matched (`_how_matched`)


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
    matched: dict[datetime.date, list[dict]] = field(default_factory=dict)  # per date: how each participant matched

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
            "matched": {f"{date:%Y-%m-%d}": entries for date, entries in sorted(self.matched.items())},
        }


def _how_matched(matches, withdrawn: set[str]) -> list[dict]:
    """Each participant of a report, in the file's order, with the roll it was matched to and by which rule
    (attendance.matching.RULES), or roll and rule null when it matched nobody (left out with unknown=ignore).
    A match to a withdrawn student says so: nothing is recorded for them."""
    entries = []
    for participant, roll, rule in matches.matched:
        entry = {"participant": participant.key, "email": participant.email, "roll": roll, "matched_by": rule}
        if roll in withdrawn:
            entry["withdrawn"] = True
        entries.append((participant.first_row, entry))
    for participant in matches.unknown:
        entries.append(
            (
                participant.first_row,
                {"participant": participant.key, "email": participant.email, "roll": None, "matched_by": None},
            )
        )
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def _plan(
    name: str,
    data: bytes,
    roster: dict[str, str],
    options: UploadOptions,
    *,
    emails: dict[str, str] | None = None,
    withdrawn: frozenset[str] = frozenset(),
) -> PlannedSession:
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

    matches = match_participants(roster, list(report.participants.values()), emails=emails)
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
        if roll in withdrawn:  # matched (so not unknown), but no longer on the roster: nothing recorded
            continue
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
    return PlannedSession(
        file_name=name, report=report, end_time=end_time, records=records, counted_to=counted_to,
        matched=_how_matched(matches, withdrawn),
    )


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
    listed = CourseStudent.objects.filter(course=course).values_list("roll", "name", "email", "withdrawn")
    roster, emails, withdrawn = {}, {}, set()
    for roll, name, email, has_left in listed:
        roster[roll] = name
        if email:
            emails[roll] = email
        if has_left:
            withdrawn.add(roll)
    if len(withdrawn) == len(roster):
        if course.follows_unit:
            raise AttendanceError(
                f"{course} has no students: its roster follows unit {course.unit.code}, where none is enrolled."
            )
        raise AttendanceError(f"{course} has no students; add them with /add_students first.")
    withdrawn = frozenset(withdrawn)
    unknown_flags = [roll for roll in options.flags if roll not in roster or roll in withdrawn]
    if unknown_flags:
        raise AttendanceError(f"These flagged rolls are not enrolled in {course}: {', '.join(unknown_flags)}.")

    plans = []
    for name, data in files:
        plans.append(_plan(name, data, roster, options, emails=emails, withdrawn=withdrawn))
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
    return UploadResult(
        dates=sorted(seen), summary=summary, replaced=sorted(existing), still_connected=still_connected,
        matched={plan.report.date: plan.matched for plan in plans},
    )


# --- Courses that follow a unit -----------------------------------------------------------------------------
#
# A course linked to a unit (the whole unit, one stream or one tutorial) has the unit's enrolled students as its
# roster. Every write that changes who is enrolled where calls `sync_rosters_for_projects` (or, when it knows the
# units, `sync_unit_rosters`) inside its own transaction: the CSV enrolment and withdrawal services (in each row
# batch's savepoint, so a failed row leaves the rosters as they were), the REST tutorial and user resources and
# the Django admin. Explicit calls, not signals: the rule is visible at each write, and bulk writes (which send
# no signals) are covered the same way.

# Above this many projects a sync reads the whole of each unit rather than an `IN` list of its people.
_SYNC_BY_PERSON_LIMIT = 1000
_ID_CHUNK = 10_000


class CourseLinkRefused(AttendanceError):
    """The person may not link a course to this unit, stream or tutorial (a 403)."""


@dataclass
class RosterSync:
    """What a sync changed, counted in roster entries."""

    added: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    updated: int = 0  # roll, name, e-mail or username changed with the user's account

    def __iadd__(self, other: "RosterSync") -> "RosterSync":
        self.added += other.added
        self.withdrawn += other.withdrawn
        self.reinstated += other.reinstated
        self.updated += other.updated
        return self


def roster_details(*, username: str, student_id: str | None, nickname: str, first_name: str, last_name: str, email: str):
    """(roll, name, e-mail, username) of a student on a roster that follows a unit.

    Roll: the student ID, else the username. Name: the preferred name (else the first name) and the last name,
    as Doubtfire shows a student; the username when both are blank.
    """
    roll = (student_id or "").strip() or username
    name = " ".join(f"{nickname or first_name} {last_name}".split()) or username
    return roll[:64], name[:200], email, username


def create_course_from_unit(
    *, owner, course_id: str, course_name: str, batch: int, unit, stream=None, tutorial=None
) -> Course:
    """A course of ``owner`` whose roster is the enrolled students of ``unit`` — all of them, those in a tutorial
    of ``stream``, or those in ``tutorial`` — and follows them from now on.

    Who may (attendance.permissions.LINK_SCOPES): the unit's Convenors (and Admins with no role in it) link the
    unit, any stream or any tutorial; a tutor links only a tutorial they tutor; anyone else gets
    `CourseLinkRefused`. A stream or tutorial of another unit, or both at once, is an AttendanceError. The course
    id and batch are unique per owner, as for any course. About ten queries whatever the unit's size.
    """
    if stream is not None and tutorial is not None:
        raise AttendanceError("Link a course to a stream or to a tutorial, not both.")
    if stream is not None and stream.unit_id != unit.pk:
        raise AttendanceError(f"{stream.abbreviation} is not a tutorial stream of {unit.code}.")
    if tutorial is not None and tutorial.unit_id != unit.pk:
        raise AttendanceError(f"{tutorial.abbreviation} is not a tutorial of {unit.code}.")
    scope = TUTORIAL if tutorial is not None else STREAM if stream is not None else WHOLE_UNIT
    role = role_in_unit(owner, unit)
    if not may_link(owner, role, scope=scope, tutorial=tutorial):
        if role == Role.TUTOR and scope == TUTORIAL:
            raise CourseLinkRefused(f"You do not tutor {tutorial.abbreviation} of {unit.code}: a tutor may link only their own tutorials.")
        if role == Role.TUTOR:
            raise CourseLinkRefused(
                f"Only the Convenors of {unit.code} (or an Admin) may link a course to the whole unit or a stream; "
                "a tutor may link one of their own tutorials."
            )
        raise CourseLinkRefused(
            f"You are not staff of {unit.code}: only its Convenors and the tutors of its tutorials may link a course to it."
        )
    with transaction.atomic():
        course = _new_course(
            owner=owner, course_id=course_id, batch=batch, course_name=course_name, unit=unit, stream=stream, tutorial=tutorial
        )
        sync_unit_rosters(unit_ids=[unit.pk], course_ids=[course.pk])
    return course


def sync_rosters_for_projects(project_ids) -> RosterSync:
    """Bring every course that follows the units of these enrolments (``project_ids``) in step with them: add the
    enrolled students who are missing, mark those who left withdrawn (history kept), reinstate those who came back,
    and refresh roll, name, e-mail and username from their accounts.

    Call it in the transaction of the write that changed the enrolments (enrolled, withdrawn, tutorial moved),
    after the write, with the projects it touched (deleted ones: call `sync_unit_rosters` with their units).
    Queries: one per 10,000 ids to find the units and people, then `sync_unit_rosters`'s (one when no course
    follows these units). Constant in the number of students.
    """
    ids = list(dict.fromkeys(project_ids))
    if not ids:
        return RosterSync()
    units, users = set(), set()
    for start in range(0, len(ids), _ID_CHUNK):
        for unit_id, user_id in Project.objects.filter(pk__in=ids[start : start + _ID_CHUNK]).values_list("unit_id", "user_id"):
            units.add(unit_id)
            users.add(user_id)
    if not units:
        return RosterSync()
    return sync_unit_rosters(unit_ids=sorted(units), user_ids=sorted(users))


def sync_rosters_for_users(user_ids) -> RosterSync:
    """After people's accounts change (name, e-mail, student ID): refresh their entries on every roster that
    follows a unit they are enrolled in. Queries: one to find the units, then `sync_unit_rosters`'s."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return RosterSync()
    units = set()
    for start in range(0, len(ids), _ID_CHUNK):
        units.update(Project.objects.filter(user_id__in=ids[start : start + _ID_CHUNK]).values_list("unit_id", flat=True))
    if not units:
        return RosterSync()
    return sync_unit_rosters(unit_ids=sorted(units), user_ids=ids)


def sync_unit_rosters(*, unit_ids, user_ids=None, course_ids=None) -> RosterSync:
    """Bring the rosters of the courses that follow ``unit_ids`` (only ``course_ids`` when given) in step with the
    units' enrolments — for the people ``user_ids`` only, or everyone when None (also when there are more than
    _SYNC_BY_PERSON_LIMIT of them: reading the whole unit is then cheaper than a long `IN` list, and as correct).

    A student is on a course's roster when their enrolment is current (`Project.enrolled`) and, for a stream's
    course, they are in a tutorial of that stream, or for a tutorial's course, in that tutorial. An entry is
    matched to its student by account, never by roll; a roll that another entry of the course holds is not taken
    (the entry keeps its roll, or a new entry uses the username, until it is free). Hand-made entries (no account)
    are left alone.

    Six queries whatever the number of students: the courses (locked, so two syncs of one course take turns), the
    enrolments with their people, their tutorials, the courses' entries, one insert and one update (in batches).
    One when no course follows these units. It joins the caller's transaction (no savepoint of its own).
    """
    unit_ids = list(unit_ids)
    if user_ids is not None:
        user_ids = list(user_ids)
        if len(user_ids) > _SYNC_BY_PERSON_LIMIT:
            user_ids = None
    with transaction.atomic(savepoint=False):
        courses = Course.objects.select_for_update().filter(unit_id__in=unit_ids)
        if course_ids is not None:
            courses = courses.filter(pk__in=list(course_ids))
        courses = list(courses.order_by("pk").values_list("pk", "unit_id", "stream_id", "tutorial_id"))
        if not courses:
            return RosterSync()
        people = Project.objects.filter(unit_id__in=unit_ids, enrolled=True)
        placements = TutorialEnrolment.objects.filter(project__unit_id__in=unit_ids, project__enrolled=True)
        if user_ids is not None:
            people = people.filter(user_id__in=user_ids)
            placements = placements.filter(project__user_id__in=user_ids)
        details: dict[int, tuple] = {}
        enrolled_in: dict[int, set[int]] = defaultdict(set)  # unit id -> user ids
        for unit_id, user_id, username, student_id, nickname, first, last, email in people.values_list(
            "unit_id", "user_id", "user__username", "user__student_id", "user__nickname", "user__first_name",
            "user__last_name", "user__email",
        ):
            details[user_id] = roster_details(
                username=username, student_id=student_id, nickname=nickname, first_name=first, last_name=last, email=email
            )
            enrolled_in[unit_id].add(user_id)
        in_tutorial: dict[int, set[int]] = defaultdict(set)  # tutorial id -> user ids
        in_stream: dict[int, set[int]] = defaultdict(set)  # stream id -> user ids
        for user_id, tutorial_id, stream_id in placements.values_list("project__user_id", "tutorial_id", "tutorial__stream_id"):
            in_tutorial[tutorial_id].add(user_id)
            if stream_id is not None:
                in_stream[stream_id].add(user_id)

        entries_by_course: dict[int, list[CourseStudent]] = defaultdict(list)
        for entry in CourseStudent.objects.filter(course_id__in=[pk for pk, *_ in courses]).only(
            "pk", "course_id", "user_id", "roll", "name", "email", "username", "withdrawn"
        ):
            entries_by_course[entry.course_id].append(entry)

        in_scope = None if user_ids is None else set(user_ids)
        outcome = RosterSync()
        new: list[CourseStudent] = []
        changed: list[CourseStudent] = []
        for course_pk, unit_id, stream_id, tutorial_id in courses:
            if tutorial_id is not None:
                members = in_tutorial[tutorial_id] & enrolled_in[unit_id]
            elif stream_id is not None:
                members = in_stream[stream_id] & enrolled_in[unit_id]
            else:
                members = enrolled_in[unit_id]
            outcome += _sync_course(course_pk, entries_by_course[course_pk], members, details, in_scope, new, changed)
        CourseStudent.objects.bulk_create(new, batch_size=500)
        CourseStudent.objects.bulk_update(changed, ["roll", "name", "email", "username", "withdrawn"], batch_size=500)
    return outcome


def _sync_course(course_pk, entries, members, details, in_scope, new, changed) -> RosterSync:
    """Plan one course's changes into ``new`` and ``changed``. No queries."""
    outcome = RosterSync()
    taken = {entry.roll for entry in entries}  # rolls held now: never reused in the same pass
    by_user = {entry.user_id: entry for entry in entries if entry.user_id is not None}
    for user_id, entry in by_user.items():
        if in_scope is not None and user_id not in in_scope:
            continue
        if user_id not in members:
            if not entry.withdrawn:
                entry.withdrawn = True
                changed.append(entry)
                outcome.withdrawn += 1
            continue
        roll, name, email, username = details[user_id]
        reinstated = entry.withdrawn
        updated = False
        if roll != entry.roll and roll not in taken:
            taken.add(roll)
            entry.roll = roll
            updated = True
        if (name, email, username) != (entry.name, entry.email, entry.username):
            entry.name, entry.email, entry.username = name, email, username
            updated = True
        entry.withdrawn = False
        if reinstated or updated:
            changed.append(entry)
            outcome.reinstated += reinstated
            outcome.updated += updated
    for user_id in sorted(members - by_user.keys()):
        roll, name, email, username = details[user_id]
        for candidate in (roll, username[:64], f"{username[:40]}-{user_id}"):
            if candidate not in taken:
                roll = candidate
                break
        taken.add(roll)
        new.append(CourseStudent(course_id=course_pk, user_id=user_id, roll=roll, name=name, email=email, username=username))
        outcome.added += 1
    return outcome


def find_teacher(text: str):
    """The account named by ``text`` (a username or an e-mail, any case), or AttendanceError. One query."""
    User = get_user_model()
    wanted = (text or "").strip()
    person = User.objects.filter(Q(username__iexact=wanted) | Q(email__iexact=wanted)).first() if wanted else None
    if person is None:
        raise AttendanceError(f"There is no user '{wanted}'; give a username or an e-mail address.")
    return person


def add_co_teacher(*, course: Course, person) -> Course:
    """Share ``course`` with ``person``: they see it and record attendance for it (attendance.permissions). A
    student cannot be a co-teacher (they would see others' attendance), nor the owner. Two queries."""
    if person.pk == course.owner_id:
        raise AttendanceError(f"{person.username} owns {course}.")
    if not person.is_active or (person.role == Role.STUDENT and not person.is_admin):
        raise AttendanceError(
            f"{person.username} is a student account; only teachers (Tutor, Convenor or Admin accounts) can be co-teachers."
        )
    with transaction.atomic():
        course.co_teachers.add(person)
    return course


def remove_co_teacher(*, course: Course, person) -> Course:
    """Stop sharing ``course`` with ``person``. Two queries."""
    with transaction.atomic():
        if not course.co_teachers.filter(pk=person.pk).exists():
            raise AttendanceError(f"{person.username} is not a co-teacher of {course}.")
        course.co_teachers.remove(person)
    return course
