"""The legacy Microsoft Teams attendance list (2020 – mid 2021): one row per join or leave.

    Full Name,User Action,Timestamp
    1,Joined,"13/2/2021, 9:35:35 AM"
    1,Left,"13/2/2021, 9:35:39 AM"

Teams downloads it as UTF-16 tab-separated text; teachers also re-save it as comma CSV or XLSX (where the
timestamp may be text or a real date cell). All of those reach this module as one `Table`.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import (
    JOIN,
    LEAVE,
    TEAMS_LEGACY,
    Connection,
    ParsedReport,
    Participant,
    ReadOptions,
    ReportError,
    single_date,
)
from attendance.formats.signature import Column, Signature
from attendance.formats.timestamps import TimestampError, parse_timestamp

SIGNATURES = (
    Signature(needs=(Column("Full Name", ("full_name",)), Column("User Action", ("user_action",)), Column("Timestamp", ("timestamp",)))),
)
_ACTIONS = {"joined": JOIN, "joined before": JOIN, "left": LEAVE}
_ACTIONS.update({"Joined": JOIN, "Joined before": JOIN, "Left": LEAVE})  # as Teams writes them: no folding


def parse_teams_legacy(table: Table, options: ReadOptions) -> ParsedReport:
    """Each row a join (`Joined`, `Joined before`) or a leave (`Left`) of the person in Full Name."""
    order = options.order
    participants: dict[str, Participant] = {}
    # A log repeats each second many times: each distinct timestamp text is read once, and only its
    # first row is kept for the one-date check (the first row of a second date is always such a row).
    seen: dict[str, object] = {}
    stamps = []
    actions = _ACTIONS
    for number, values in table.rows:
        name = values["full_name"]
        if not name:
            raise ReportError(f"Row {number} has no Full Name.", row=number)
        raw_action = values["user_action"]
        # As Teams writes it, else with case and spacing folded (JOIN and LEAVE are never 0, so `or` works).
        change = actions.get(raw_action) or actions.get(" ".join(raw_action.lower().split()))
        if change is None:
            raise ReportError(
                f"Row {number} has the User Action '{raw_action}'; expected Joined, Joined before or Left.", row=number
            )
        stamp = values["timestamp"]
        at = seen.get(stamp)
        if at is None:
            try:
                at = seen[stamp] = parse_timestamp(stamp, order=order)
            except TimestampError as error:
                raise ReportError(f"Row {number}: the Timestamp {error}.", row=number) from None
            stamps.append((at, number))
        participant = participants.get(name)
        if participant is None:
            participant = participants[name] = Participant(key=name, first_row=number)
        participant.connections.append(Connection(at, change, number))
    return ParsedReport(format=TEAMS_LEGACY, date=single_date(stamps), participants=participants)
