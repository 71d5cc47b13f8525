"""Courses and their rosters."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from attendance.formats import RosterEntry
from attendance.models import Course, CourseStudent
from attendance.errors import AttendanceError


def create_course(
    *, owner, course_id: str, course_name: str, batch: int, roster: list[RosterEntry], late_allowance_minutes: int | None = None
) -> Course:
    """Create a course of ``owner`` with its roster (and late allowance, see `update_course`). Three queries
    (exists check, course, students)."""
    with transaction.atomic():
        course = new_course(
            owner=owner, course_id=course_id, course_name=course_name, batch=batch,
            late_allowance_minutes=late_allowance_minutes,
        )
        CourseStudent.objects.bulk_create(
            CourseStudent(course=course, roll=entry.roll, name=entry.name, email=entry.email) for entry in roster
        )
    return course


def new_course(*, owner, course_id: str, batch: int, **fields) -> Course:
    """The course row, unique per owner. Two queries; call inside a transaction."""
    if Course.objects.filter(owner=owner, course_id=course_id, batch=batch).exists():
        raise AttendanceError(f"You already have a course {course_id} for batch {batch}.")
    try:
        with transaction.atomic():
            return Course.objects.create(owner=owner, course_id=course_id, batch=batch, **fields)
    except IntegrityError:
        raise AttendanceError(f"You already have a course {course_id} for batch {batch}.") from None


# "Leave as it is", where None is a value (a late allowance of None turns Late off).
UNCHANGED = object()


def update_course(
    *,
    course: Course,
    course_id: str | None = None,
    course_name: str | None = None,
    batch: int | None = None,
    late_allowance_minutes=UNCHANGED,
) -> Course:
    """Rename a course or change its id/batch, keeping them unique for its owner; set or clear (None) its late
    allowance: the minutes after a session's start after which a first join is Late. A new allowance applies to
    uploads from then on (a recorded session is judged again when its report is uploaded again with replace=1)."""
    with transaction.atomic():
        for field_name, value in (("course_id", course_id), ("course_name", course_name), ("batch", batch)):
            if value is not None:
                setattr(course, field_name, value)
        if late_allowance_minutes is not UNCHANGED:
            if late_allowance_minutes is not None and not 0 <= late_allowance_minutes <= 24 * 60:
                raise AttendanceError("The late allowance must be between 0 and 1440 minutes, or empty for none.")
            course.late_allowance_minutes = late_allowance_minutes
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
