"""Reading the dates, times and durations that meeting reports and forms write.

Slash dates are ambiguous (`11/2/2021` is 11 February in India and 2 November in the US), so the order is
never guessed from the value: the caller states it. The product's policy (README, "Date policy"), one rule for
every meeting report (Teams in all its layouts, Zoom, Webex, Google Meet):

* a date whose year comes **last with slashes or hyphens** (`13/2/2021, 9:35:35 AM`, `11/26/25, 4:16:54 PM`,
  `02-13-2026`) is read in the upload's `date_order`: **day first** unless it says `date_order=month-first`;
* every other form is read as written, whatever `date_order` says: four-digit-year-first dates (`2021-02-13
  09:35:35`, `2021/02/13`, ISO `2023-01-18T10:26:30+08:00`) are year-month-day, which is also what
  `spreadsheets` writes for real date cells of an XLSX file; dotted dates (`15.11.2022, 09:31:18`) are
  day.month.year, as every locale that writes dots orders them; a month written as a word (`Mar 22, 2025
  19:13:27`, `22 Mar 2025 7:13 PM`) is that month;
* Google Form responses: **as exported** by Google: `2021/02/11 12:46:13 PM GMT+5:30` (year first) from the
  Forms download, `2/11/2021 12:46:13` (month first) from a Sheets download;
* a report that writes times without a date (Google Meet) takes its date from its file name
  (`2021-10-12 14:00 Algorithms - Attendance Report.csv`) or from the upload's `date`; see `date_in_file_name`.

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


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
            ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
            ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip


def _year_first(squeezed: str) -> str:
    """``squeezed`` with a date whose month is a word (`Mar 22, 2025 19:13:27`, `22 Mar 2025 7:13 PM`, as Zoom's
    newer reports write it) rewritten year first (`2025-03-22 19:13:27`), so the one pattern reads the rest;
    any other text unchanged. String methods only: one pass over the text."""
    words = squeezed.split(" ", 3)
    if len(words) < 3 or not words[0][:1].isalpha() and not words[1][:1].isalpha():
        return squeezed
    first, second, year = (word.rstrip(",.") for word in words[:3])
    month = _MONTHS.get(first.casefold())
    day = second
    if month is None:
        month, day = _MONTHS.get(second.casefold()), first
    if month is None or not (day.isascii() and day.isdecimal() and len(day) <= 2):
        return squeezed
    if not (year.isascii() and year.isdecimal() and len(year) == 4):
        return squeezed
    return " ".join([f"{year}-{month:02d}-{int(day):02d}", *words[3:]])


def parse_timestamp(text: str, *, order: str = DAY_FIRST, need_time: bool = True) -> datetime.datetime:
    """Read one timestamp as a naive datetime.

    ``order`` says how a date whose year comes last after slashes or hyphens is read (``day-first`` or
    ``month-first``); dotted dates are always day first, and year-first dates and month names read as written.
    Raises :class:`TimestampError` naming the value when it cannot be read that way.
    """
    match = _TIMESTAMP.fullmatch(_year_first(_squeezed(text or "")))
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
        # No locale writes the month first between dots (de, pl, ru, ...: 15.11.2022), so dots are never swapped.
        day_first = order == DAY_FIRST or match["sep"] == "."
        day, month = (int(a), b) if day_first else (b, int(a))
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
        if len(a) != 4 and day_first and match["sep"] != "." and int(a) <= 12 < b:
            hint = " read day first; if the report writes the month first, send date_order=month-first"
        elif len(a) != 4 and not day_first and b <= 12 < int(a):
            hint = " read month first; send date_order=day-first for day-first reports"
        raise TimestampError(f"'{text}' is not a valid date{hint}") from None


_TIME_ONLY = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?[ ]?(?P<meridiem>[AaPp]\.?[ ]?[Mm]\.?)?")


def parse_end_time(text: str, *, report_date: datetime.date, order: str = DAY_FIRST) -> datetime.datetime:
    """The meeting end time sent with an upload: a full date and time, or just a time on the report's date."""
    if _TIME_ONLY.fullmatch(_squeezed(text)):
        return parse_timestamp(f"{report_date:%Y-%m-%d} {text.strip()}", order=order)
    return parse_timestamp(text, order=order)


def parse_time_of_day(text: str) -> datetime.time:
    """A time written without a date (`10:00:12 AM`, `14:05`), as Google Meet's attendance report gives them."""
    squeezed = _squeezed(text or "")
    if not _TIME_ONLY.fullmatch(squeezed):
        raise TimestampError(f"'{text}' is not a time of day")
    return parse_timestamp(f"2000-01-01 {squeezed}").time()


def date_in_file_name(name: str) -> datetime.date | None:
    """The date a report's file name starts or ends with, else None.

    Google Meet names its reports `2021-10-12 14:00 Algorithms - Attendance Report.csv` (and in 2020
    `2020-10-12 14-00 Algorithms.csv`); Zoom names a participants export `participants_81234567890_2025_03_22.csv`.
    Only a date at either end of the name counts: a date inside a meeting's title is the title's business.
    """
    base = (name or "").replace("\\", "/").rpartition("/")[2]
    stem = base.rpartition(".")[0] or base
    for text in (stem[:10], stem[-10:].replace("_", "-")):
        digits = text[:4] + text[5:7] + text[8:]
        if len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdecimal():
            try:
                return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                continue
    return None


# Digits are bounded as well as spaces: int() refuses more than 4,300 digits with a plain ValueError, which
# callers expecting a TimestampError would let through as a 500. Nine digits of hours is far beyond a meeting.
_DURATION_UNITS = re.compile(
    r"(?:(?P<h>\d{1,9})[ ]?h)?[ ]?(?:(?P<m>\d{1,9})[ ]?m(?:in)?)?[ ]?(?:(?P<s>\d{1,9})[ ]?s)?", re.I
)
_DURATION_CLOCK = re.compile(r"(?:(?P<h>\d{1,9}):)?(?P<m>\d{1,2}):(?P<s>\d{2})")


# The unit words of durations written out: Google Meet (`1 hr 2 min`, `30 sec`), and the Teams report in
# German (`Min.`, `Sek.`, `Std.`) and Polish (`godz.`, `sek.`). Compared folded, without a trailing dot.
_UNIT_SECONDS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "std", "stunde", "stunden", "godz"), 3600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuten"), 60),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds", "sek", "sekunde", "sekunden"), 1),
}


def _worded_duration(squeezed: str) -> int | None:
    """Seconds in a duration of numbers each followed by a unit word (`1 hr 2 min`, `10min 5s`), else None.

    Each unit may appear once. Split with string methods: one pass over the text.
    """
    tokens: list[str] = []
    for chunk in squeezed.casefold().replace(".", " ").split():
        digits = len(chunk) - len(chunk.lstrip("0123456789"))
        tokens += [chunk[:digits], chunk[digits:]] if 0 < digits < len(chunk) else [chunk]
    if not tokens or len(tokens) % 2:
        return None
    total, used = 0, set()
    for number, word in zip(tokens[::2], tokens[1::2]):
        unit = _UNIT_SECONDS.get(word)
        if unit is None or unit in used or not (number.isascii() and number.isdecimal() and len(number) <= 9):
            return None
        used.add(unit)
        total += int(number) * unit
    return total


def parse_duration(text: str) -> int:
    """Seconds in a Teams duration (`1h 27m 51s`, `45s`), a clock duration (`1:27:51`, `27:51`) or one written
    out (`1 hr 2 min`, `45 min`, `30 sec`, `10 Min. 5 Sek.`)."""
    squeezed = _squeezed(text or "")
    match = _DURATION_UNITS.fullmatch(squeezed) or _DURATION_CLOCK.fullmatch(squeezed)
    if not match or not any(match.groupdict().values()):
        worded = _worded_duration(squeezed)
        if worded is None:
            raise TimestampError(f"'{text}' is not a duration such as 1h 27m 51s or 1 hr 2 min")
        return worded
    parts = {unit: int(match[unit] or 0) for unit in "hms"}
    return parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
