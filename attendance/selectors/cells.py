"""One cell of a course's grid (a student in a session) with its history of changes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from attendance.errors import AttendanceError
from attendance.models import Course, CourseStudent, Record, RecordChange, Session, SourceFormat, Status
from attendance.selectors.sessions import locate_session


@dataclass(frozen=True)
class CellHistory:
    roll: str
    name: str
    session: Session
    heading: str
    record: Record | None  # None: the student was not on the roster for that session
    changes: list[RecordChange]  # oldest first, with changed_by loaded

    def as_dict(self) -> dict:
        """The cell as `GET /api/courses/<id>/history/` and a correction's reply show it."""
        record, session = self.record, self.session
        return {
            "roll": self.roll,
            "name": self.name,
            "date": f"{session.date:%Y-%m-%d}",
            "start_time": f"{session.start_time:%H:%M}",
            "session": self.heading,
            "status": Status(record.status).label if record else None,
            "present": record.present if record else None,
            "corrected": record.corrected if record else False,
            "seconds_attended": record.seconds_attended if record else None,
            "first_join": f"{record.first_join:%H:%M:%S}" if record and record.first_join else None,
            "flagged": record.flagged if record else False,
            "still_connected": record.still_connected if record else False,
            "recorded": {
                "source_format": SourceFormat(session.source_format).label,
                "uploaded_at": session.uploaded_at.isoformat(),
                "uploaded_by": session.uploaded_by.username if session.uploaded_by else None,
            },
            "history": [
                {
                    "changed_at": change.changed_at.isoformat(),
                    "changed_by": change.changed_by.username if change.changed_by else None,
                    "source": change.source,
                    "before": Status(change.before).label if change.before else None,
                    "after": Status(change.after).label,
                    "remark": change.remark,
                }
                for change in self.changes
            ],
        }


def cell_history(*, course: Course, roll: str, date: datetime.date, start_time: datetime.time | None = None) -> CellHistory:
    """``roll``'s cell in the session on ``date`` (at ``start_time`` when the date has several): the record, the
    session's latest upload, and every change since it was first recorded (corrections and re-uploads).

    AttendanceError for an unknown roll or session. Four queries: student, the date's sessions (with their
    uploader), record, changes (with who made them).
    """
    student = CourseStudent.objects.filter(course=course, roll=roll).first()
    if student is None:
        raise AttendanceError(f"Roll {roll} is not enrolled in {course}.")
    located = locate_session(course=course, date=date, start_time=start_time)
    session = located.session
    record = Record.objects.filter(session=session, student=student).first()
    changes = list(RecordChange.objects.filter(record=record).select_related("changed_by")) if record else []
    return CellHistory(
        roll=student.roll,
        name=student.name,
        session=session,
        heading=located.heading,
        record=record,
        changes=changes,
    )
