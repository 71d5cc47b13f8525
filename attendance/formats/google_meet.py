"""The Google Meet attendance report (Google Workspace), one row per person.

    First name,Last name,Email,Duration,Time joined,Time exited
    Ada,Nova,ada@example.com,1 hr 2 min,10:00:12 AM,11:02:40 AM

Layout: usaussie/unccause2021-apps-script-samples `meet_attendance.gs`, an Apps Script that aggregates the real
CSVs (../shared/reference/attendance-formats-2026.md §1a). Duration is text (`1 hr 2 min`, `45 min`, `30 sec`)
and is the **sum** of the person's connected time (Google's announcement of the report); Time joined and Time
exited are the first join and the last exit, so the time between them may include gaps and is not used.
A newer layout has one `Name` column and durations such as `42m`, `1:00:00` or `95 min` (§1b, corroborating
only); it may write full timestamps (`2026-05-25 11:01:14`), which then date the report.

The times have no date: it comes from the file name, which Meet starts with it (`2021-10-12 14:00 Algorithms -
Attendance Report.csv`; `2020-10-12 14-00 Algorithms.csv` in 2020), else from the upload's `date` field; with
neither the report is refused, asking for `date`.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import GOOGLE_MEET, ParsedReport, ReadOptions, ReportBuilder, ReportError, undated
from attendance.formats.signature import Column, Signature
from attendance.formats.timestamps import TimestampError, date_in_file_name, parse_duration, parse_time_of_day

SIGNATURES = (
    Signature(
        needs=(
            Column("Name (or First name and Last name)", ("name", "first_name")),
            Column("Duration", ("duration",)),
            Column("Time joined", ("time_joined",)),
            Column("Time exited", ("time_exited",)),
        )
    ),
)


def parse_google_meet(table: Table, options: ReadOptions) -> ParsedReport:
    """Each person's stated Duration; their times are checked, and date the report when they carry a date."""
    builder = ReportBuilder(options)
    labels = dict(zip(table.headers, table.original_headers))
    # A meeting's rows repeat the same durations and times: each distinct text is read once.
    durations: dict[str, int] = {}
    checked: set[str] = set()
    for row in table.rows:
        values = row.values
        name = values.get("name") or " ".join(part for part in (values.get("first_name"), values.get("last_name")) if part)
        participant = builder.person(row.number, name=name, email=values.get("email", ""))
        text = values["duration"]
        if text not in durations:
            try:
                durations[text] = parse_duration(text)
            except TimestampError as error:
                raise ReportError(f"Row {row.number}: the {labels['duration']} {error}.", row=row.number) from None
        participant.reported_seconds = (participant.reported_seconds or 0) + durations[text]
        for column in ("time_joined", "time_exited"):
            text = values[column]
            if text and text not in checked:
                try:
                    parse_time_of_day(text)
                except TimestampError:  # not a bare time: a full timestamp, which dates the report, or an error
                    builder.time(text, row=row.number, what=labels[column])
                checked.add(text)
    date = None
    if not builder.stamps:
        date = date_in_file_name(options.file_name) or options.date
        if date is None and builder.participants:
            raise undated("Google Meet attendance report", options.file_name)
    return builder.report(GOOGLE_MEET, date=date)
