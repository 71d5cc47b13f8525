"""The attendee engagement report of a Teams live event (or town hall), `AttendeeReport.csv`: one row per event.

    Session Id,Participant Id,Full Name,UserAgent,UTC Event Timestamp,Action,Role
    518ca2fd-...,johndoe@test.net,John Doe,Mozila/5.0...,1/25/2022 4:48:08 PM,Joined,Attendee
    518ca2fd-...,johndoe@test.net,John Doe,Mozila/5.0...,1/25/2022 5:25:54 PM,Left,Attendee

Layout: renefb/teams-report-converter (README, `src/teams_report_converter/report_handler.py`) and
oniongarlic/teams-attendance-report `generate-report.sh` (../shared/reference/attendance-formats-2026.md §3d).
Comma CSV in UTF-8; its headings are also seen run together (`SessionId,ParticipantId,FullName,...`).

* A session (one device's visit) is its first `Joined` to its last `Left`: a session repeated in the file is
  counted once, and a participant's sessions are merged as a union. A session with no `Left` is still open at
  the end of the file and is counted as the legacy list's are (to end_time, or to the file's last event).
* The timestamps are UTC: they are shown in the product's time zone (ReadOptions.time_zone), so that the
  report falls on the class's local date and compares with the teacher's end_time. The date order of the
  upload applies to them as to every slash date (these files write the month first: send
  date_order=month-first).
* Participant Id is the attendee's sign-in address (their email here); anonymous viewers (no Participant Id and
  no name) cannot be on a roster and are left out.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import (
    JOIN,
    LEAVE,
    TEAMS_LIVE,
    Connection,
    ParsedReport,
    ReadOptions,
    ReportBuilder,
    ReportError,
)
from attendance.formats.signature import Column, Signature, compact

SIGNATURES = (
    Signature(
        needs=(
            Column("Session Id", ("sessionid",)),
            Column("Participant Id", ("participantid",)),
            Column("UTC Event Timestamp", ("utceventtimestamp",)),
            Column("Action", ("action",)),
        ),
        compact=True,
    ),
)
_ACTIONS = {"joined": JOIN, "left": LEAVE}


def parse_teams_live(table: Table, options: ReadOptions) -> ParsedReport:
    """Each session from its first join to its last leave, per participant."""
    columns = {compact(header): header for header in table.headers}
    session_at, person_at = columns["sessionid"], columns["participantid"]
    name_at, role_at = columns.get("fullname", ""), columns.get("role", "")
    stamp_at, action_at = columns["utceventtimestamp"], columns["action"]
    label = dict(zip(table.headers, table.original_headers))[stamp_at]
    builder = ReportBuilder(options)
    # session id -> [participant, (first join, row), (last leave, row)]
    sessions: dict[str, list] = {}
    for number, values in table.rows:
        person, name = values[person_at], values.get(name_at, "")
        if not person and not name:
            continue
        change = _ACTIONS.get(values[action_at].casefold())
        if change is None:
            raise ReportError(f"Row {number} has the Action '{values[action_at]}'; expected Joined or Left.", row=number)
        at = builder.time(values[stamp_at], row=number, what=label, utc=True)
        email = person if "@" in person else ""
        participant = builder.person(number, name=name, email=email, names=[] if email else [person], role=values.get(role_at, ""))
        session = sessions.setdefault(values[session_at] or f"row {number}", [participant, None, None])
        if change == JOIN and (session[1] is None or at < session[1][0]):
            session[1] = (at, number)
        elif change == LEAVE and (session[2] is None or at > session[2][0]):
            session[2] = (at, number)
    for participant, joined, left in sessions.values():
        if joined is not None and left is not None:
            builder.interval(participant, joined[0], left[0], left[1])
        elif joined is not None:
            participant.connections.append(Connection(joined[0], JOIN, joined[1]))
        else:  # a leave whose join is not in the file: it closes nothing (see attendance.presence)
            participant.connections.append(Connection(left[0], LEAVE, left[1]))
    return builder.report(TEAMS_LIVE)
