"""The Zoom webinar attendee report: a webinar block, then one table per kind of person.

    Attendee Report
    Report Generated:,"04/27/2026 10:00:00 AM"
    Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registrants,Unique Viewers,Total Users
    Masterclass,812 3456 7890,04/26/2026 10:00:00 AM,60,3,2,3
    Host Details
    Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name
    Yes,Teacher,t@uni.edu,04/26/2026 09:55:00 AM,04/26/2026 11:00:00 AM,65,No,Australia
    Panelist Details
    ...
    Attendee Details
    Attended,User Name (Original Name),First Name,Last Name,Email,...,Join Time,Leave Time,Time in Session (minutes),...
    No,Ben Ng,Ben,Ng,ben@uni.edu,...,--,--,--,...

Layout: the code-corpus fixture of a 2025 masterclass export and the parsers quoted in
../shared/reference/attendance-formats-2026.md §4 (a streamlit app's REQUIRED_ATTENDEE_COLUMNS; a browser parser
that finds the `Attendee Details` line and reads `Actual Start Time`). Dates are US (`04/26/2026 10:45:17 AM`):
send date_order=month-first, as for any slash date written month first.

Every row with times is one connection, merged per person as a union (rejoins add up, overlaps count once).
People in the Host and Panelist sections are marked hosts. A registrant who did not attend (`Attended` = No,
times `--`) is listed with no connection, so they are recorded absent rather than refused as unknown.
"""

from __future__ import annotations

from attendance.formats.report import ZOOM_WEBINAR, ParsedReport, ReadOptions, ReportBuilder, ReportError
from attendance.formats.sections import SectionedText
from attendance.formats.signature import Column, Signature
from attendance.formats.zoom import renamed

SIGNATURES = (
    Signature(
        needs=(
            Column("Attended", ("attended",)),
            Column("Join Time", ("join_time",)),
            Column("Leave Time", ("leave_time",)),
            Column("Time in Session (minutes)", ("time_in_session_(minutes)",)),
        )
    ),
)
_NAME_COLUMNS = ("user_name_(original_name)", "name_(original_name)", "name")
_NO_TIME = {"", "--"}


def _section_role(text: SectionedText, heading_at: int) -> str:
    """"Host" or "Panelist" for a table under a `Host Details` or `Panelist Details` title, else ""."""
    index = heading_at - 1
    while index >= 0 and text.is_blank(index):
        index -= 1
    title = (text.lone_cell(index) or "").casefold() if index >= 0 else ""
    if "host" in title:
        return "Host"
    return "Panelist" if "panel" in title else ""


def parse_zoom_webinar(text: SectionedText, options: ReadOptions, **reader_limits) -> ParsedReport:
    """Every section's rows; the webinar block's Actual Start Time also dates the report."""
    builder = ReportBuilder(options)
    first_table = text.find(SIGNATURES[0].fits)
    block_at = text.find(lambda headers: {"webinar_id", "actual_start_time"} <= headers, stop=first_table)
    if block_at is not None and block_at + 1 < len(text.lines):
        values = dict(zip(text.headers[block_at], text.cells[block_at + 1]))
        if values.get("actual_start_time"):
            builder.time(values["actual_start_time"], row=block_at + 2, what="Actual Start Time")
    start = first_table or 0
    while (heading_at := text.find(SIGNATURES[0].fits, start)) is not None:
        role = _section_role(text, heading_at)
        table = text.table(heading_at, **reader_limits)
        labels = dict(zip(table.headers, table.original_headers))
        for row in table.rows:
            values = row.values
            name = next((values[column] for column in _NAME_COLUMNS if values.get(column)), "")
            name = name or " ".join(part for part in (values.get("first_name", ""), values.get("last_name", "")) if part)
            participant = builder.person(
                row.number, name=name, email=values.get("email", ""), names=lambda: renamed(name) or (), role=role
            )
            if values["join_time"] in _NO_TIME and values["leave_time"] in _NO_TIME:
                if values["attended"].casefold() == "yes":
                    raise ReportError(f"Row {row.number}: {participant.key} attended but has no Join Time.", row=row.number)
                continue
            joined = builder.time(values["join_time"], row=row.number, what=labels["join_time"])
            left = builder.time(values["leave_time"], row=row.number, what=labels["leave_time"])
            builder.interval(participant, joined, left, row.number)
        start = text.end_of_section(heading_at)
    return builder.report(ZOOM_WEBINAR)
