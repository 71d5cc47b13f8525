"""Sessions already recorded: deleting one."""

from __future__ import annotations

import datetime

from django.db import transaction

from attendance.models import Course
from attendance.selectors.sessions import session_on


def delete_date(*, course: Course, date: datetime.date, start_time: datetime.time | None = None) -> datetime.time:
    """Delete the session recorded on ``date`` (at ``start_time``, needed when the date has several) with its
    records and their history; returns its start time. AttendanceError when there is no such session."""
    with transaction.atomic():
        session = session_on(course=course, date=date, start_time=start_time)
        session.delete()
    return session.start_time
