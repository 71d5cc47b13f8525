"""Sessions already recorded: deleting one."""

from __future__ import annotations

import datetime

from django.db import transaction

from attendance.models import Course, Session
from attendance.services.errors import AttendanceError


def delete_date(*, course: Course, date: datetime.date) -> None:
    """Delete the session recorded for ``date`` with its records."""
    with transaction.atomic():
        deleted, _ = Session.objects.filter(course=course, date=date).delete()
    if not deleted:
        raise AttendanceError(f"No attendance is recorded for {date:%Y-%m-%d} in {course}.")
