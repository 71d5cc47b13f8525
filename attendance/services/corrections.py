"""Correcting one cell by hand: a staff member sets a student's status for a session, with a remark.

Every correction is kept as a RecordChange (who, when, before → after, remark), and the record is marked
corrected, so a later re-upload of the session's report keeps it unless the teacher sends
overwrite_corrections=1 (attendance.services.uploads), and says so either way.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from attendance.errors import AttendanceError
from attendance.models import Course, CourseStudent, Record, RecordChange, Status
from attendance.selectors.sessions import session_on

REMARK_LIMIT = 500


def parse_status(value: str) -> str:
    """A status as sent, by value or label in any case (`late`, `Late`), or AttendanceError listing them."""
    wanted = value.strip().casefold()
    for status in Status:
        if wanted in (status.value, status.label.casefold()):
            return status.value
    raise AttendanceError(f"status must be one of {', '.join(Status.labels)}, not '{value}'.")


def correct_attendance(
    *,
    course: Course,
    roll: str,
    date: datetime.date,
    start_time: datetime.time | None = None,
    status: str,
    remark: str,
    changed_by,
) -> Record:
    """Set ``roll``'s status in the session on ``date`` (at ``start_time`` when the date has several), with a
    ``remark`` saying why; returns the record. Correcting a blank cell (the student was not on the roster then)
    makes the record, so that session counts as held for them from now on.

    Raises AttendanceError for an unknown roll, session or status, or a blank or over-long remark. Queries: the
    course's lock, the student, the session, the record, then its save and the change's insert.
    """
    status = parse_status(status)
    remark = " ".join(remark.split())
    if not remark:
        raise AttendanceError("remark is required: say why the attendance is corrected (it is kept in the cell's history).")
    if len(remark) > REMARK_LIMIT:
        raise AttendanceError(f"remark must be at most {REMARK_LIMIT} characters.")
    with transaction.atomic():
        # The course's lock, as an upload takes it: a re-upload cannot read the record before this correction
        # and write it back after, losing it without a word.
        Course.objects.select_for_update().filter(pk=course.pk).first()
        student = CourseStudent.objects.filter(course=course, roll=roll).first()
        if student is None:
            raise AttendanceError(f"Roll {roll} is not enrolled in {course}.")
        session = session_on(course=course, date=date, start_time=start_time)
        record = Record.objects.filter(session=session, student=student).first()
        before = ""
        if record is None:
            record = Record(session=session, student=student, seconds_attended=None)
        else:
            before = record.status
        record.set_status(status)
        record.corrected = True
        record.save()
        RecordChange.objects.create(
            record=record,
            source=RecordChange.Source.CORRECTION,
            before=before,
            after=status,
            remark=remark,
            changed_by=changed_by,
            changed_at=timezone.now(),
        )
    return record
