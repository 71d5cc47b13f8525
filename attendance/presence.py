"""How long someone was connected: the length of the union of their connected time.

Events are sorted by time (reports list them in any order); a join opens a connection (+1), a leave closes
one (-1) and the count never drops below zero (a leave with no matching join, e.g. "Joined before" missing
from the log, closes nothing). Time counts while at least one connection is open, so two devices at once
count once.

A connection still open at the end is closed at the meeting's end time when the teacher gives one. Without
it, it is closed at the file's last event: the list was saved then, so the person was connected at least that
long, and the result says they were still connected (the teacher sees it marked, rather than a refusal; the
upstream web page's batch upload never sends an end time). An event after the end time is an error: either
the end time or the report is wrong, and silently clipping would hide which.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from attendance.formats.report import Connection, Participant


class PresenceError(ValueError):
    """The events cannot be measured as sent; the message is meant for the teacher."""


class Presence(NamedTuple):
    """Whole seconds connected, and whether a connection was still open when the file was saved (then the
    seconds run to the file's last event)."""

    seconds: int
    still_connected: bool = False


def last_event(participants: Iterable[Participant]) -> datetime.datetime | None:
    """The time of the report's last join or leave, whoever it belongs to (None without any)."""
    return max((event.at for participant in participants for event in participant.connections), default=None)


def measure_presence(
    connections: Iterable[Connection],
    *,
    end_time: datetime.datetime | None,
    file_end: datetime.datetime | None = None,
    who: str = "a participant",
) -> Presence:
    """The union of one participant's connected time.

    An open connection is closed at ``end_time`` when given; otherwise at ``file_end`` (the time of the
    report's last event, see `last_event`; at or after every event here), and the result is still_connected.
    With neither, an open connection is a PresenceError naming its row.
    """
    # At equal times joins go first, so a zero-length "Joined 10:00, Left 10:00" stays zero long.
    ordered = sorted(connections, key=lambda event: (event.at, -event.change))
    if end_time is not None:
        late = next((event for event in reversed(ordered) if event.at > end_time), None)
        if late is not None:
            raise PresenceError(
                f"Row {late.row}: {who} {'joins' if late.change > 0 else 'leaves'} at {late.at:%H:%M:%S}, "
                f"after the meeting end time {end_time:%Y-%m-%d %H:%M:%S}."
            )
    total = datetime.timedelta()
    open_count = 0
    opened_at: datetime.datetime | None = None
    last_join: Connection | None = None
    for event in ordered:
        if event.change > 0:
            if open_count == 0:
                opened_at = event.at
            open_count += 1
            last_join = event
        elif open_count > 0:
            open_count -= 1
            if open_count == 0:
                total += event.at - opened_at
    if open_count == 0:
        return Presence(int(total.total_seconds()))
    if end_time is not None:
        return Presence(int((total + (end_time - opened_at)).total_seconds()))
    if file_end is None:
        raise PresenceError(
            f"Row {last_join.row}: {who} is still connected at the end of the report (joined at "
            f"{last_join.at:%H:%M:%S} and never left); send end_time, the meeting's end, to close it."
        )
    return Presence(int((total + (file_end - opened_at)).total_seconds()), still_connected=True)


def connected_seconds(
    connections: Iterable[Connection],
    *,
    end_time: datetime.datetime | None,
    file_end: datetime.datetime | None = None,
    who: str = "a participant",
) -> int:
    """Whole seconds during which at least one connection of one participant was open (`measure_presence`)."""
    return measure_presence(connections, end_time=end_time, file_end=file_end, who=who).seconds
