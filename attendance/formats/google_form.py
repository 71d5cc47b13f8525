"""Google Form responses: a student is present on the date they answered.

    "Timestamp","Username","Your Name","Your Roll Number"
    "2021/02/11 12:46:13 PM GMT+5:30","a@example.com","Asha","13000118129"

Timestamps are read as exported: year first from the Forms download, month first (`2/11/2021 12:46:13`)
from a Google Sheets download. Duplicate responses from one roll count once.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import GOOGLE_FORM, ParsedReport, Participant, ReadOptions, ReportError, single_date
from attendance.formats.signature import Column, Signature
from attendance.formats.timestamps import MONTH_FIRST, TimestampError, parse_timestamp

SIGNATURES = (Signature(needs=(Column("Timestamp", ("timestamp",)), Column("Your Roll Number", ("your_roll_number",)))),)


def parse_google_form(table: Table, options: ReadOptions) -> ParsedReport:
    """One participant per roll that answered; the upload's date order does not apply (see the module's note)."""
    participants: dict[str, Participant] = {}
    stamps = []
    for row in table.rows:
        roll = row.values["your_roll_number"]
        if not roll:
            raise ReportError(f"Row {row.number} has no roll number in 'Your Roll Number'.", row=row.number)
        try:
            at = parse_timestamp(row.values["timestamp"], order=MONTH_FIRST, need_time=False)
        except TimestampError as error:
            raise ReportError(f"Row {row.number}: the Timestamp {error}.", row=row.number) from None
        participant = participants.setdefault(roll, Participant(key=roll, first_row=row.number))
        participant.responded = True
        stamps.append((at, row.number))
    return ParsedReport(format=GOOGLE_FORM, date=single_date(stamps), participants=participants)
