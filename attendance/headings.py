"""How a session is named in reports, course objects and upload replies.

A date's only session is named by its date alone, `2026-03-02`, exactly as before sessions had start times,
so a course with one class a day looks as the seed's scripts expect. When a date has several sessions, each
is named by its date and start time, `2026-03-02 09:00` and `2026-03-02 14:00`, so each is its own column.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable


def session_heading(date: datetime.date, start_time: datetime.time, *, alone: bool) -> str:
    """`YYYY-MM-DD` for a date's only session, `YYYY-MM-DD HH:MM` for one of several."""
    return f"{date:%Y-%m-%d}" if alone else f"{date:%Y-%m-%d} {start_time:%H:%M}"


def session_headings(sessions: Iterable[tuple[datetime.date, datetime.time]]) -> list[str]:
    """The heading of each (date, start time), judged among all of them: pass every session of the dates."""
    sessions = list(sessions)
    per_date = Counter(date for date, _ in sessions)
    return [session_heading(date, start, alone=per_date[date] == 1) for date, start in sessions]


def start_times_text(starts: Iterable[datetime.time]) -> str:
    """`09:00 and 14:00`, `09:00, 11:00 and 14:00`: the start times of a date, for a sentence."""
    texts = [f"{start:%H:%M}" for start in sorted(starts)]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
