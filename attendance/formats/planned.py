"""A course's planned classes as a file: `Date` and, optionally, `Start Time`, in any order, extra columns ignored.

    Date,Start Time
    2026-03-02,09:00
    9/3/2026,9:00 AM

Dates are year first (`2026-03-02`, what Excel's date cells read as) or day first (`9/3/2026`, the product's
policy for slash dates); times are `HH:MM` (24-hour), `H:MM AM/PM` or Excel time cells. A blank start time is
00:00 (not stated). A class listed twice counts once.
"""

from __future__ import annotations

import datetime

from spreadsheets import FileFormatError, read_table, without_formula_guards

from attendance.formats.timestamps import DAY_FIRST, TimestampError, parse_timestamp

# More classes than any course plans: a file over it is a mistake (a whole timetable, a wrong column).
MOST_CLASSES = 1000


def parse_planned_classes(data: bytes, **reader_limits) -> list[tuple[datetime.date, datetime.time]]:
    """(date, start time) of each row, in the file's order, or FileFormatError naming the row."""
    table = without_formula_guards(read_table(data, required=("Date",), **reader_limits))
    classes: dict[tuple[datetime.date, datetime.time], None] = {}
    for row in table.rows:
        text = row.values["date"]
        if not text:
            raise FileFormatError(f"Row {row.number} has no Date.", row=row.number)
        try:
            date = parse_timestamp(text, order=DAY_FIRST, need_time=False).date()
        except TimestampError as error:
            raise FileFormatError(f"Row {row.number}: the Date {error}; write it as YYYY-MM-DD.", row=row.number) from None
        start = row.values.get("start_time", "")
        try:
            time = parse_timestamp(f"2000-01-01 {start}").time().replace(second=0, microsecond=0) if start else datetime.time(0, 0)
        except TimestampError:
            raise FileFormatError(
                f"Row {row.number}: the Start Time '{start}' is not a time of day such as 09:00 or 2:30 PM.", row=row.number
            ) from None
        classes[date, time] = None
        if len(classes) > MOST_CLASSES:
            raise FileFormatError(f"The file plans more than {MOST_CLASSES} classes.", row=row.number)
    if not classes:
        raise FileFormatError("The file lists no classes.")
    return list(classes)
