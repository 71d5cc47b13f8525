"""Reading the dates, times and durations that meeting reports and forms write.

Slash dates are ambiguous (`11/2/2021` is 11 February in India and 2 November in the US), so the order is
never guessed from the value: the caller states it. The product's policy (README, "Date policy"):

* Teams and Zoom reports: **day first** (`13/2/2021, 9:35:35 AM`), unless the upload says
  `date_order=month-first`;
* Google Form responses: **as exported** by Google: `2021/02/11 12:46:13 PM GMT+5:30` (year first) from the
  Forms download, `2/11/2021 12:46:13` (month first) from a Sheets download;
* four-digit-year-first dates (`2021-02-13 09:35:35`, `2021/02/13`) are always year-month-day, which is also
  what `spreadsheets` writes for real date cells of an XLSX file.

Time zones written after a time (`GMT+5:30`, `Z`, `+05:30`) are dropped: every time in one report is in the
same zone, and only differences between them and the report's calendar date matter.
"""

from __future__ import annotations

import datetime
import re

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)


def _squeezed(text: str) -> str:
    """``text`` with no whitespace at either end and every inner run of whitespace made one space.

    One pass over the text however long its runs are. ``str.split()`` and the regular expression
    class the patterns used before agree on what whitespace is: both use Unicode's definition.
    """
    return " ".join(text.split())


# Every pattern here is matched whole (fullmatch, one start position) against `_squeezed` text, so one
# optional space stands where a person's padding needed `\s*`. Several `\s*` with only optional parts
# between them make the engine try every way of sharing a run of spaces among them: a 300 KiB run in one
# cell took a polynomial number of steps and a worker was killed by gunicorn's timeout (issue 11). What is
# left (bounded repeats, one `\d*` that no other digit follows, `[^)]*` closed by the one character it
# excludes) backtracks a bounded number of times per character.
_TIMESTAMP = re.compile(
    r"""
    (?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})
    (?:[ ]?,?[ ]?|T)
    (?:
        (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6})\d*)?)?
        [ ]?(?P<meridiem>[AaPp]\.?[ ]?[Mm]\.?)?
    )?
    [ ]?(?:Z|UTC|GMT|(?:GMT|UTC)?[ ]?[+\-]\d{1,2}(?::?\d{2})?|\([^)]*\))?
    """,
    re.VERBOSE,
)


class TimestampError(ValueError):
    """A value that is not a date/time we can read; the message is meant for the teacher."""


def parse_timestamp(text: str, *, order: str = DAY_FIRST, need_time: bool = True) -> datetime.datetime:
    """Read one timestamp as a naive datetime.

    ``order`` says how a slash date whose year comes last is read (``day-first`` or ``month-first``).
    Raises :class:`TimestampError` naming the value when it cannot be read that way.
    """
    match = _TIMESTAMP.fullmatch(_squeezed(text or ""))
    if not match:
        raise TimestampError(f"'{text}' is not a date and time")
    a, b, c = match["a"], int(match["b"]), match["c"]
    if len(a) == 4:
        year, month, day = int(a), b, int(c)
        if len(c) > 2:
            raise TimestampError(f"'{text}' is not a date and time")
    else:
        if len(c) not in (2, 4):
            raise TimestampError(f"'{text}' has no two- or four-digit year")
        year = int(c) + (2000 if len(c) == 2 else 0)
        day, month = (int(a), b) if order == DAY_FIRST else (b, int(a))
    if match["hour"] is None:
        if need_time:
            raise TimestampError(f"'{text}' has a date but no time")
        hour = minute = second = micro = 0
    else:
        hour, minute = int(match["hour"]), int(match["minute"])
        second = int(match["second"] or 0)
        micro = int((match["fraction"] or "0").ljust(6, "0"))
        meridiem = (match["meridiem"] or "").replace(".", "").replace(" ", "").lower()
        if meridiem:
            if not 1 <= hour <= 12:
                raise TimestampError(f"'{text}' has an hour that is not on a 12-hour clock")
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        return datetime.datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        hint = ""
        if len(a) != 4 and order == DAY_FIRST and int(a) <= 12 < b:
            hint = " read day first; if the report writes the month first, send date_order=month-first"
        elif len(a) != 4 and order == MONTH_FIRST and b <= 12 < int(a):
            hint = " read month first; send date_order=day-first for day-first reports"
        raise TimestampError(f"'{text}' is not a valid date{hint}") from None


_TIME_ONLY = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?[ ]?(?P<meridiem>[AaPp]\.?[ ]?[Mm]\.?)?")


def parse_end_time(text: str, *, report_date: datetime.date, order: str = DAY_FIRST) -> datetime.datetime:
    """The meeting end time sent with an upload: a full date and time, or just a time on the report's date."""
    if _TIME_ONLY.fullmatch(_squeezed(text)):
        return parse_timestamp(f"{report_date:%Y-%m-%d} {text.strip()}", order=order)
    return parse_timestamp(text, order=order)


# Digits are bounded as well as spaces: int() refuses more than 4,300 digits with a plain ValueError, which
# callers expecting a TimestampError would let through as a 500. Nine digits of hours is far beyond a meeting.
_DURATION_UNITS = re.compile(
    r"(?:(?P<h>\d{1,9})[ ]?h)?[ ]?(?:(?P<m>\d{1,9})[ ]?m(?:in)?)?[ ]?(?:(?P<s>\d{1,9})[ ]?s)?", re.I
)
_DURATION_CLOCK = re.compile(r"(?:(?P<h>\d{1,9}):)?(?P<m>\d{1,2}):(?P<s>\d{2})")


def parse_duration(text: str) -> int:
    """Seconds in a Teams duration (`1h 27m 51s`, `45s`) or a clock duration (`1:27:51`, `27:51`)."""
    squeezed = _squeezed(text or "")
    match = _DURATION_UNITS.fullmatch(squeezed) or _DURATION_CLOCK.fullmatch(squeezed)
    if not match or not any(match.groupdict().values()):
        raise TimestampError(f"'{text}' is not a duration such as 1h 27m 51s")
    parts = {unit: int(match[unit] or 0) for unit in "hms"}
    return parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
