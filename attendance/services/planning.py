"""A course's planned classes: adding them (listed, generated from a meeting day and time, or imported from a
file), and removing them (single classes, or breaks: ranges of dates)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from attendance.errors import AttendanceError
from attendance.formats.planned import MOST_CLASSES, parse_planned_classes
from attendance.models import Course, PlannedClass
from attendance.schedule import ScheduleError, class_schedule
from attendance.services.reading import reader_limits
from spreadsheets import FileFormatError

ClassTime = tuple[datetime.date, datetime.time]


@dataclass(frozen=True)
class PlanChanges:
    added: int
    already_planned: int  # listed again: nothing to add
    removed: int  # by replace=True, or by a removal

    @property
    def message(self) -> str:
        if not self.added and not self.already_planned:  # a removal
            return f"{self.removed} planned class{'es' if self.removed != 1 else ''} removed."
        parts = [f"{self.added} planned class{'es' if self.added != 1 else ''} added"]
        if self.already_planned:
            parts.append(f"{self.already_planned} already planned")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return ", ".join(parts) + "."


def read_planned_classes(*, name: str, data: bytes) -> list[ClassTime]:
    """Parse a planned classes file (attendance.formats.planned), its problems as AttendanceError naming the file."""
    try:
        return parse_planned_classes(data, **reader_limits())
    except FileFormatError as error:
        raise AttendanceError(f"{name}: {error}") from None


def generated_classes(
    *,
    weekday: int,
    time: datetime.time,
    start: datetime.date,
    end: datetime.date,
    breaks: Iterable[datetime.date | tuple[datetime.date, datetime.date]] = (),
) -> list[ClassTime]:
    """`attendance.schedule.class_schedule` as (date, start time) pairs, its problems as AttendanceError."""
    try:
        return [(at.date(), at.time()) for at in class_schedule(weekday, time, start, end, breaks)]
    except ScheduleError as error:
        raise AttendanceError(str(error)) from None


def plan_classes(*, course: Course, classes: Iterable[ClassTime], replace: bool = False) -> PlanChanges:
    """Add ``classes`` to the course's plan (a class already planned stays as it is); with ``replace`` the plan
    becomes exactly ``classes``. Start times are kept to the minute. Four queries at most."""
    wanted = dict.fromkeys((date, time.replace(second=0, microsecond=0)) for date, time in classes)
    if not wanted:
        raise AttendanceError("No classes to plan: list at least one.")
    with transaction.atomic():
        Course.objects.select_for_update().filter(pk=course.pk).first()  # one plan change at a time per course
        planned = {(date, time): pk for pk, date, time in PlannedClass.objects.filter(course=course).values_list("pk", "date", "start_time")}
        removed = 0
        if replace:
            gone = [pk for key, pk in planned.items() if key not in wanted]
            removed = PlannedClass.objects.filter(pk__in=gone).delete()[0] if gone else 0
            planned = {key: pk for key, pk in planned.items() if key in wanted}
        new = [key for key in wanted if key not in planned]
        if len(planned) + len(new) > MOST_CLASSES:
            raise AttendanceError(f"A course plans at most {MOST_CLASSES} classes; {course} would have {len(planned) + len(new)}.")
        PlannedClass.objects.bulk_create(PlannedClass(course=course, date=date, start_time=time) for date, time in new)
    return PlanChanges(added=len(new), already_planned=len(wanted) - len(new), removed=removed)


def remove_planned_classes(
    *,
    course: Course,
    classes: Iterable[tuple[datetime.date, datetime.time | None]] = (),
    breaks: Iterable[tuple[datetime.date, datetime.date]] = (),
) -> PlanChanges:
    """Remove planned classes: each of ``classes`` (every class of the date when its start time is None) and
    every class inside a break (first, last, both included). Recorded sessions are not touched. Two queries."""
    classes, breaks = list(classes), list(breaks)
    if not classes and not breaks:
        raise AttendanceError("Nothing to remove: list classes (date, and start_time when the date has several) or breaks.")
    for first, last in breaks:
        if last < first:
            raise AttendanceError(f"A break ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d}).")
    with transaction.atomic():
        doomed = [
            pk
            for pk, date, time in PlannedClass.objects.filter(course=course).values_list("pk", "date", "start_time")
            if any(date == day and (start is None or start == time) for day, start in classes)
            or any(first <= date <= last for first, last in breaks)
        ]
        removed = PlannedClass.objects.filter(pk__in=doomed).delete()[0]
    return PlanChanges(added=0, already_planned=0, removed=removed)
