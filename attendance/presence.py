"""How long someone was connected: the length of the union of their connected time.

Events are sorted by time (reports list them in any order); a join opens a connection (+1), a leave closes
one (-1) and the count never drops below zero (a leave with no matching join, e.g. "Joined before" missing
from the log, closes nothing). Time counts while at least one connection is open, so two devices at once
count once. Connections still open at the end are closed at the meeting's end time; without an end time,
an open connection is an error rather than a guess. An event after the end time is an error too: either
the end time or the report is wrong, and silently clipping would hide which.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from attendance.formats.report import Connection


class PresenceError(ValueError):
    """The events cannot be measured as sent; the message is meant for the teacher."""


def connected_seconds(
    connections: Iterable[Connection], *, end_time: datetime.datetime | None, who: str = "a participant"
) -> int:
    """Whole seconds during which at least one connection of one participant was open."""
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
    if open_count > 0:
        if end_time is None:
            raise PresenceError(
                f"Row {last_join.row}: {who} is still connected at the end of the report (joined at "
                f"{last_join.at:%H:%M:%S} and never left); send end_time, the meeting's end, to close it."
            )
        total += end_time - opened_at
    return int(total.total_seconds())
