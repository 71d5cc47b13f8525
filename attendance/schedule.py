"""Planned classes from a meeting day and time over a range of weeks: a pure function, so the same generator
serves the API's explicit parameters today and a linked tutorial's meeting day and time over its unit's
teaching weeks later (Doubtfire's Tutorial.meeting_day is a name such as "Monday": see `weekday_number`).

No ORM: dates and times in, datetimes out.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Two years of weekly classes is more than any course plans; a longer range is a typing mistake.
LONGEST_RANGE = datetime.timedelta(days=2 * 366)



class ScheduleError(ValueError):
    """Parameters that make no schedule; the message is a sentence for the teacher."""


def weekday_number(value: str | int) -> int:
    """0 (Monday) to 6 (Sunday) from a number, a day's name or its first three letters, in any case."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    text = str(value).strip().casefold()
    if text.isdecimal() and len(text) == 1 and int(text) <= 6:
        return int(text)
    for number, name in enumerate(WEEKDAYS):
        if text in (name, name[:3]):
            return number
    raise ScheduleError(f"weekday must be a day such as Monday (or Mon, or 0 for Monday to 6 for Sunday), not '{value}'.")


def class_schedule(
    weekday: int,
    time: datetime.time,
    start: datetime.date,
    end: datetime.date,
    breaks: Iterable[datetime.date | tuple[datetime.date, datetime.date]] = (),
) -> list[datetime.datetime]:
    """Every ``weekday`` (0 Monday … 6 Sunday) from ``start`` to ``end`` (both included) at ``time``, except
    the days inside a break: a date, or a (first, last) range with both days included.

    E.g. Mondays at 09:00 from 2026-03-02 to 2026-03-30 with a break (2026-03-16, 2026-03-20):
    2026-03-02, 03-09, 03-23 and 03-30 at 09:00. ScheduleError when the range is backwards or too long.
    """
    if not 0 <= weekday <= 6:
        raise ScheduleError("weekday must be 0 (Monday) to 6 (Sunday).")
    if end < start:
        raise ScheduleError(f"The schedule ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}).")
    if end - start > LONGEST_RANGE:
        raise ScheduleError("The schedule covers more than two years; check its start and end dates.")
    ranges = []
    for entry in breaks:
        first, last = entry if isinstance(entry, tuple) else (entry, entry)
        if last < first:
            raise ScheduleError(f"A break ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d}).")
        ranges.append((first, last))
    day = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    classes = []
    while day <= end:
        if not any(first <= day <= last for first, last in ranges):
            classes.append(datetime.datetime.combine(day, time))
        day += datetime.timedelta(days=7)
    return classes
