"""Finding the one session a call names: a date, and a start time when the date has several."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from attendance.errors import AttendanceError
from attendance.headings import session_heading, start_times_text
from attendance.models import Course, Session


def session_on(*, course: Course, date: datetime.date, start_time: datetime.time | None = None) -> Session:
    """The course's session on ``date`` (at ``start_time`` when sent), with its uploader. One query.

    Without ``start_time`` a date's only session is meant, as before sessions had start times; a date with
    several is an AttendanceError naming their start times, and so is a date or time with none.
    """
    return locate_session(course=course, date=date, start_time=start_time).session


@dataclass(frozen=True)
class LocatedSession:
    session: Session
    heading: str  # how reports name it: its date, or its date and start time when the date has several


def locate_session(*, course: Course, date: datetime.date, start_time: datetime.time | None = None) -> LocatedSession:
    """`session_on`, with the session's heading. One query."""
    sessions = list(Session.objects.filter(course=course, date=date).select_related("uploaded_by").order_by("start_time"))
    if start_time is not None:
        found = next((session for session in sessions if session.start_time == start_time), None)
        if found is not None:
            return LocatedSession(found, session_heading(date, found.start_time, alone=len(sessions) == 1))
        others = f"; {date:%Y-%m-%d} has sessions at {start_times_text(s.start_time for s in sessions)}" if sessions else ""
        raise AttendanceError(
            f"No attendance is recorded for {date:%Y-%m-%d} at {start_time:%H:%M} in {course}{others}."
        )
    if not sessions:
        raise AttendanceError(f"No attendance is recorded for {date:%Y-%m-%d} in {course}.")
    if len(sessions) > 1:
        raise AttendanceError(
            f"{date:%Y-%m-%d} has sessions at {start_times_text(s.start_time for s in sessions)} in {course}; "
            "send start_time (HH:MM) to say which."
        )
    return LocatedSession(sessions[0], session_heading(date, sessions[0].start_time, alone=True))
