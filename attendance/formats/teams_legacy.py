"""The legacy Microsoft Teams attendance list (2020 – mid 2021): one row per join or leave.

    Full Name,User Action,Timestamp
    1,Joined,"13/2/2021, 9:35:35 AM"
    1,Left,"13/2/2021, 9:35:39 AM"

Teams downloads it as UTF-16 tab-separated text; teachers also re-save it as comma CSV or XLSX (where the
timestamp may be text or a real date cell). All of those reach this module as one `Table`.
"""

from __future__ import annotations

from doubtfire.spreadsheets import Table

from attendance.formats.report import (
    JOIN,
    LEAVE,
    TEAMS_LEGACY,
    Connection,
    ParsedReport,
    Participant,
    ReportError,
    single_date,
)
from attendance.formats.timestamps import DAY_FIRST, TimestampError, parse_timestamp

HEADINGS = ("full_name", "user_action", "timestamp")
_ACTIONS = {"joined": JOIN, "joined before": JOIN, "left": LEAVE}
_ACTIONS.update({"Joined": JOIN, "Joined before": JOIN, "Left": LEAVE})  # as Teams writes them: no folding


def is_teams_legacy(headers: set[str]) -> bool:
    return set(HEADINGS) <= headers


def parse_teams_legacy(table: Table, *, order: str = DAY_FIRST) -> ParsedReport:
    participants: dict[str, Participant] = {}
    stamps = []
    seen: dict[str, object] = {}
    for row in table.rows:
        name = row.values["full_name"]
        raw_action = row.values["user_action"]
        action = raw_action if raw_action in _ACTIONS else " ".join(raw_action.lower().split())
        if not name:
            raise ReportError(f"Row {row.number} has no Full Name.", row=row.number)
        if action not in _ACTIONS:
            raise ReportError(
                f"Row {row.number} has the User Action '{row.values['user_action']}'; "
                "expected Joined, Joined before or Left.",
                row=row.number,
            )
        stamp = row.values["timestamp"]
        at = seen.get(stamp)  # a log repeats each second many times: read each distinct text once
        if at is None:
            try:
                at = seen[stamp] = parse_timestamp(stamp, order=order)
            except TimestampError as error:
                raise ReportError(f"Row {row.number}: the Timestamp {error}.", row=row.number) from None
        participant = participants.get(name)
        if participant is None:
            participant = participants[name] = Participant(key=name, first_row=row.number)
        participant.connections.append(Connection(at=at, change=_ACTIONS[action], row=row.number))
        stamps.append((at, row.number))
    return ParsedReport(format=TEAMS_LEGACY, date=single_date(stamps), participants=participants)
