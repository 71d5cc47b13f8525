"""The attendance reports behind /download_attendance (complete and defaulter lists)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from attendance.headings import session_headings
from attendance.models import Course, CourseStudent, Record, Session
from attendance.selectors.rolls import natural_roll_key
from attendance.standing import DEFAULT_CUTOFF, is_defaulter


# The report's one column beyond the seed's, written only when a listed student has such a date: the dates on
# which the student's list ended with them connected and no end time was sent, so their Present/Absent rests on
# time counted to the file's last event. A column, not a marked cell, so every date cell stays exactly
# Present or Absent for the scripts and formulas that read them; not a footnote, so it stays with its row
# when the teacher sorts or filters.
STILL_CONNECTED_COLUMN = "Still connected when the list was saved"


@dataclass(frozen=True)
class AttendanceReport:
    header: list[str]
    rows: list[list[str | int]]
    dates: list[datetime.date]

    @property
    def latest_date(self) -> datetime.date | None:
        return self.dates[-1] if self.dates else None


def attendance_report(*, course: Course, defaulters_only: bool = False, cutoff: Fraction = DEFAULT_CUTOFF) -> AttendanceReport:
    """`Sl. No., Roll Number, Name, <dates ascending>` with Present/Absent, rows in natural roll order, then
    STILL_CONNECTED_COLUMN (dates, `YYYY-MM-DD, ...`) when a listed student was still connected when a list
    was saved.

    A defaulter's attendance is below ``cutoff`` percent (exactly the cutoff is not a defaulter), counted
    over the dates they have a record for. A blank cell means no record (enrolled after that date).
    Three queries: sessions, students, records.
    """
    sessions = list(Session.objects.filter(course=course).order_by("date", "start_time").values_list("pk", "date", "start_time"))
    headings = session_headings((date, start) for _, date, start in sessions)
    students = sorted(
        CourseStudent.objects.filter(course=course).values_list("pk", "roll", "name"), key=lambda s: natural_roll_key(s[1])
    )
    present = {}
    still_connected = set()
    for student_id, session_id, value, still in Record.objects.filter(session__course=course).values_list(
        "student_id", "session_id", "present", "still_connected"
    ):
        present[student_id, session_id] = value
        if still:
            still_connected.add((student_id, session_id))
    rows = []
    notes = []
    for student_id, roll, name in students:
        marks = [present.get((student_id, session_id)) for session_id, _, _ in sessions]
        recorded = [mark for mark in marks if mark is not None]
        if defaulters_only and not is_defaulter(
            attended=sum(1 for mark in recorded if mark), held=len(recorded), cutoff=cutoff
        ):
            continue
        cells = ["" if mark is None else ("Present" if mark else "Absent") for mark in marks]
        rows.append([len(rows) + 1, roll, name, *cells])
        notes.append(
            ", ".join(
                heading for (session_id, _, _), heading in zip(sessions, headings) if (student_id, session_id) in still_connected
            )
        )
    dates = [date for _, date, _ in sessions]
    header = ["Sl. No.", "Roll Number", "Name", *headings]
    if any(notes):
        header.append(STILL_CONNECTED_COLUMN)
        for row, note in zip(rows, notes):
            row.append(note)
    return AttendanceReport(header=header, rows=rows, dates=dates)
