"""The Webex meeting attendee export, built from Webex's documented fields: no real export file has been found.

    displayName	email	joinedTime	leftTime	duration	participantType
    Asha Rao	asha@uni.edu	2023-01-18T10:26:30+08:00	2023-01-18T10:46:30+08:00	20	attendee

What is verified (../shared/reference/attendance-formats-2026.md §2): every Webex export is "Unicode tab-delimited
text (UTF-16LE)" (help.webex.com nh17y2u), and the Meeting Attendee Report API's fields are `displayName, email,
joinedTime, leftTime, duration (minutes), participantType (host|attendee)`, among others (api-evangelist/webex
`webex-meetingattendeereportobject-schema.json`), with one row per join. What is not: the exact heading strings of
the CSV a site administrator downloads. So this reader expects the API's field names as headings (also spaced,
`Display Name`, `Joined Time`, in any case), and the detection keys on `joinedTime`, `leftTime` and
`participantType`. A file with other headings is refused, naming what was looked for, rather than guessed at.

Times carry their offset (`+08:00`), which is dropped as for every report: all the times of one meeting are in
one zone. Each row is one connection, merged per person as a union. `participantType` host or cohost marks a host.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import WEBEX, ParsedReport, ReadOptions, ReportBuilder
from attendance.formats.signature import Column, Signature, compact

SIGNATURES = (
    Signature(
        needs=(
            Column("joinedTime", ("joinedtime",)),
            Column("leftTime", ("lefttime",)),
            Column("participantType", ("participanttype",)),
        ),
        compact=True,
    ),
)


def parse_webex(table: Table, options: ReadOptions) -> ParsedReport:
    """One connection per row, from joinedTime to leftTime."""
    columns = {compact(header): header for header in table.headers}
    labels = dict(zip(table.headers, table.original_headers))
    name_at = columns.get("displayname") or columns.get("name", "")
    joined_at, left_at = columns["joinedtime"], columns["lefttime"]
    builder = ReportBuilder(options)
    for row in table.rows:
        values = row.values
        participant = builder.person(
            row.number, name=values.get(name_at, ""), email=values.get(columns.get("email", ""), ""),
            role=values[columns["participanttype"]],
        )  # fmt: skip
        joined = builder.time(values[joined_at], row=row.number, what=labels[joined_at])
        left = builder.time(values[left_at], row=row.number, what=labels[left_at])
        builder.interval(participant, joined, left, row.number)
    return builder.report(WEBEX)
