"""The Microsoft Teams attendance report of 2021, between the legacy list and the numbered sections.

    Meeting Summary
    Total Number of Participants	2
    Meeting Title	Devops project
    Meeting Start Time	12/10/2021, 7:37:51 PM
    Meeting End Time	12/10/2021, 8:07:14 PM
    Meeting Id	453adbad-3672-4bde-92d0-6be3049eb379
    Full Name	Join Time	Leave Time	Duration	Email	Role	Participant ID (UPN)
    Neeti Sharma	12/10/2021, 7:37:51 PM	12/10/2021, 8:07:14 PM	29m 22s	n@student.ncirl.ie	Organiser	n@student.ncirl.ie

Layout: public parser code quoted in ../shared/reference/attendance-formats-2026.md §3b (repository name not
resolvable); another parser there names the duration `In-meeting Duration`. Unlike the current report, Role
comes before the UPN and the name column is `Full Name`, which is what tells the two apart. Each row is one
connection (join to leave); a person's rows are merged as a union, so rejoins add up and overlaps count once.
"""

from __future__ import annotations

from attendance.formats.report import TEAMS_2021, ParsedReport, ReadOptions, ReportBuilder
from attendance.formats.sections import SectionedText
from attendance.formats.signature import Column, Signature
from attendance.formats.teams import without_tag

SIGNATURES = (
    Signature(
        needs=(Column("Full Name", ("full_name",)), Column("Join Time", ("join_time",)), Column("Leave Time", ("leave_time",))),
        never=(
            Column("Duration (Minutes)", ("duration_(minutes)", "total_duration_(minutes)")),
            Column("User Action", ("user_action",)),
        ),
    ),
)


def parse_teams_2021(text: SectionedText, options: ReadOptions, **reader_limits) -> ParsedReport:
    """One connection per row of the table under the Meeting Summary block."""
    table_at = text.find(SIGNATURES[0].fits)
    builder = ReportBuilder(options)
    summary = text.key_values(0, table_at)
    meeting_end = None
    for key in ("meeting_start_time", "meeting_end_time"):
        if key in summary:
            value, row = summary[key]
            meeting_end = builder.time(value, row=row, what=key.replace("_", " ").capitalize())
    table = text.table(table_at, **reader_limits)
    labels = dict(zip(table.headers, table.original_headers))
    for row in table.rows:
        values = row.values
        name, upn = values["full_name"], values.get("participant_id_(upn)", "")
        participant = builder.person(
            row.number,
            name=name,
            email=values.get("email") or upn,
            names=lambda: [without_tag(name), upn.partition("@")[0]],
            role=values.get("role", ""),
        )
        joined = builder.time(values["join_time"], row=row.number, what=labels["join_time"])
        left = builder.time(values["leave_time"], row=row.number, what=labels["leave_time"])
        builder.interval(participant, joined, left, row.number)
    return builder.report(TEAMS_2021, meeting_end=meeting_end if "meeting_end_time" in summary else None)
