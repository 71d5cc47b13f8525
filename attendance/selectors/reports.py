"""The attendance reports behind /download_attendance: complete, defaulters, at risk, and one student's.

The course reports' columns (a report is one table, one row per student in natural roll order):

* the seed's, first and unchanged: `Sl. No.`, `Roll Number`, `Name`, then one column per session, oldest
  first, headed by its date (`YYYY-MM-DD`), or by its date and start time (`YYYY-MM-DD HH:MM`) when the
  date has several sessions. A cell is exactly `Present` or `Absent` for the scripts and formulas that read
  them (a Late student attended: `Present`; an Excused one did not: `Absent`), or blank when the student
  was not on the roster for that session;
* the student's figures (attendance.standing): `Attended` (Present + Late), `Held` (sessions held while on
  the roster), `Excused`, `Percentage` (Attended / (Held − Excused), two decimals rounded down, blank with
  nothing to judge), and, when the course plans classes, `Remaining` (planned classes still to come) and
  `Needed` (the fewest of them to attend to finish at or above the cutoff, or `cannot reach`);
* then, only when a listed student has one, a column per mark that a Present/Absent cell cannot show:
  `Late sessions`, `Excused sessions` (the sessions, by heading, comma-separated), and
  STILL_CONNECTED_COLUMN. Columns, not marked cells, so they stay with their row when the teacher sorts.

The figures are always the student's whole standing, also in a report limited to one session's column.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import IntegerField
from django.db.models.functions import Cast
from django.utils import timezone

from attendance.errors import AttendanceError
from attendance.headings import session_headings
from attendance.models import Course, CourseStudent, Record, RecordChange, Session, SourceFormat, Status
from attendance.selectors.rolls import natural_roll_key
from attendance.selectors.sessions import session_on
from attendance.selectors.standings import StudentStanding, plan_progress, standing_of
from attendance.standing import DEFAULT_CUTOFF, Standing, percentage_shown

# The report's mark of a record whose list ended with the student connected and no end time sent: their
# Present/Absent rests on time counted to the file's last event.
STILL_CONNECTED_COLUMN = "Still connected when the list was saved"
LATE_COLUMN = "Late sessions"
EXCUSED_COLUMN = "Excused sessions"
FIGURES = ("Attended", "Held", "Excused", "Percentage")
PROJECTION = ("Remaining", "Needed")
CANNOT_REACH = "cannot reach"

COMPLETE, DEFAULTERS, AT_RISK = "complete", "defaulters", "at_risk"


@dataclass(frozen=True)
class SessionColumn:
    pk: int
    date: datetime.date
    start_time: datetime.time
    heading: str


@dataclass(frozen=True)
class AttendanceReport:
    header: list[str]
    rows: list[list[str | int | object]]
    sessions: list[SessionColumn]  # the session columns, in order (3 onwards)
    standings: dict[str, Standing] = field(default_factory=dict)  # by roll, for the listed students
    planned: bool = False  # the course plans classes: Remaining and Needed are columns

    @property
    def dates(self) -> list[datetime.date]:
        """Each session column's date (a date with several sessions appears once per session)."""
        return [column.date for column in self.sessions]

    @property
    def latest_date(self) -> datetime.date | None:
        return self.dates[-1] if self.dates else None

    @property
    def percentage_column(self) -> int:
        """0-based position of `Percentage` (for the spreadsheet's number format)."""
        return self.header.index("Percentage")


@dataclass(frozen=True)
class StatusGrid:
    """Every listed student's status in every session of a course: what each course report is drawn from."""

    columns: list[SessionColumn]  # the sessions shown (all, or the one asked for), oldest first
    shown: list[int]  # each shown column's position among all the course's sessions
    students: list[tuple[int, str, str, str, str]]  # (pk, roll, name, email, username) in natural roll order
    # Student pk -> status per session of the course (None: not on the roster then). Over all sessions, since a
    # standing is always the whole course's, also when one session's column is shown.
    every: dict[int, list]
    still_connected: dict[int, set[int]]  # student pk -> positions of their records still connected: few

    def statuses_shown(self, student_id: int) -> list:
        """The student's status in each shown column."""
        statuses = self.every[student_id]
        return statuses if len(self.shown) == len(statuses) else [statuses[index] for index in self.shown]


def status_grid(
    *,
    course: Course,
    date: datetime.date | None = None,
    start_time: datetime.time | None = None,
    include_withdrawn: bool = False,
) -> StatusGrid:
    """The course's sessions, its students (withdrawn ones only with ``include_withdrawn``) and their statuses.

    With ``date`` (and ``start_time`` when the date has several sessions) only that session is a column
    (AttendanceError when there is no such session). Three queries whatever the number of students and sessions
    (sessions, students, records), and one more to find the ``date``'s session.
    """
    chosen = session_on(course=course, date=date, start_time=start_time).pk if date is not None else None
    sessions = list(Session.objects.filter(course=course).order_by("date", "start_time").values_list("pk", "date", "start_time"))
    headings = session_headings((day, start) for _, day, start in sessions)
    shown = [index for index, (pk, _, _) in enumerate(sessions) if chosen is None or pk == chosen]
    columns = [SessionColumn(*sessions[index], headings[index]) for index in shown]
    listed = CourseStudent.objects.filter(course=course)
    if not include_withdrawn:  # students who left the unit the course follows keep their records, out of sight
        listed = listed.filter(withdrawn=False)
    students = sorted(listed.values_list("pk", "roll", "name", "email", "username"), key=lambda s: natural_roll_key(s[1]))
    # Each student's status in every session (None: not on the roster then), from one pass over the records.
    # still_connected is read as an integer: SQLite's boolean converter, run on every row, was a fifth of a
    # large report's time (PostgreSQL casts it in SQL just the same).
    position = {pk: index for index, (pk, _, _) in enumerate(sessions)}
    every: dict[int, list] = defaultdict(lambda: [None] * len(sessions))
    still_connected: dict[int, set[int]] = defaultdict(set)
    for student_id, session_id, status, still in (
        Record.objects.filter(session__course=course)
        .annotate(still=Cast("still_connected", IntegerField()))
        .values_list("student_id", "session_id", "status", "still")
    ):
        every[student_id][position[session_id]] = status
        if still:
            still_connected[student_id].add(position[session_id])
    return StatusGrid(columns=columns, shown=shown, students=students, every=every, still_connected=still_connected)


def attendance_report(
    *,
    course: Course,
    defaulters_only: bool = False,
    kind: str | None = None,
    cutoff: Fraction = DEFAULT_CUTOFF,
    as_of: datetime.date | None = None,
    date: datetime.date | None = None,
    start_time: datetime.time | None = None,
    include_withdrawn: bool = False,
) -> AttendanceReport:
    """The complete report (module docstring), or only the students of ``kind``: DEFAULTERS (percentage below
    ``cutoff``; exactly the cutoff is not one) or AT_RISK (cannot reach the cutoff, or need more than half of
    the remaining planned classes: attendance.standing). ``defaulters_only`` is ``kind=DEFAULTERS``.

    With ``date`` (and ``start_time`` when the date has several sessions) only that session's column is
    shown (AttendanceError when there is no such session). Planned classes count from ``as_of`` (today).
    Withdrawn students (who left the unit the course follows) are left out unless ``include_withdrawn``.
    Five queries at most whatever the number of students and sessions: sessions, students, records, and the
    plan's two; one more to find the ``date``'s session.
    """
    kind = kind or (DEFAULTERS if defaulters_only else COMPLETE)
    grid = status_grid(course=course, date=date, start_time=start_time, include_withdrawn=include_withdrawn)
    columns = grid.columns
    plan = plan_progress(course=course, as_of=as_of or timezone.localdate())
    remaining = plan.remaining if plan else None

    rows, notes, standings = [], [], {}
    for student_id, roll, name, *_ in grid.students:
        counts = Counter(grid.every[student_id])
        del counts[None]
        standing = standing_of(counts, remaining=remaining, cutoff=cutoff)
        if (kind == DEFAULTERS and not standing.defaulter) or (kind == AT_RISK and not standing.at_risk):
            continue
        statuses = grid.statuses_shown(student_id)
        figures = [standing.attended, standing.held, standing.excused, percentage_shown(standing.percentage)]
        if plan is not None:
            figures += [standing.remaining, CANNOT_REACH if standing.cannot_reach else standing.needed]
        rows.append([len(rows) + 1, roll, name, *map(CELL_TEXT.__getitem__, statuses), *figures])
        standings[roll] = standing
        notes.append(
            [
                _headings(columns, statuses, Status.LATE) if standing.late else "",
                _headings(columns, statuses, Status.EXCUSED) if standing.excused else "",
                ", ".join(column.heading for column, index in zip(columns, grid.shown) if index in grid.still_connected[student_id])
                if student_id in grid.still_connected
                else "",
            ]
        )
    header = ["Sl. No.", "Roll Number", "Name", *(column.heading for column in columns), *FIGURES]
    if plan is not None:
        header += PROJECTION
    for index, title in enumerate((LATE_COLUMN, EXCUSED_COLUMN, STILL_CONNECTED_COLUMN)):
        if any(note[index] for note in notes):
            header.append(title)
            for row, note in zip(rows, notes):
                row.append(note[index])
    return AttendanceReport(header=header, rows=rows, sessions=columns, standings=standings, planned=plan is not None)


# A cell of the seed's columns: exactly Present or Absent (blank: not on the roster for that session).
CELL_TEXT = {
    Status.PRESENT: "Present", Status.LATE: "Present", Status.EXCUSED: "Absent", Status.ABSENT: "Absent", None: "",
}


def _headings(columns: list[SessionColumn], statuses: list, status: str) -> str:
    return ", ".join(column.heading for column, mark in zip(columns, statuses) if mark == status)


# --- One student -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentSession:
    date: datetime.date
    start_time: datetime.time
    heading: str
    status: str
    seconds: int | None
    first_join: datetime.time | None
    flagged: bool
    still_connected: bool
    corrected: bool
    remark: str  # the latest correction's remark, when the status is a correction
    source_format: str

    @property
    def minutes(self) -> int | None:
        """Whole minutes connected, rounded down; None when the report gives no durations (Google Forms)."""
        return None if self.seconds is None else self.seconds // 60


@dataclass(frozen=True)
class StudentAttendance:
    roll: str
    name: str
    standing: Standing
    planned: bool
    sessions: list[StudentSession]  # the sessions held while on the roster, oldest first

    @property
    def latest_date(self) -> datetime.date | None:
        return self.sessions[-1].date if self.sessions else None

    def figures(self) -> list[tuple[str, object]]:
        """(label, value) of the student's numbers, as the statement's first rows show them."""
        standing = self.standing
        figures = [
            ("Attended", standing.attended),
            ("Held", standing.held),
            ("Excused", standing.excused),
            ("Percentage", percentage_shown(standing.percentage)),
        ]
        if self.planned:
            figures += [("Remaining", standing.remaining), ("Needed", CANNOT_REACH if standing.cannot_reach else standing.needed)]
        return figures

    def table(self) -> tuple[list[str], list[list[object]]]:
        """The statement as one sheet: `Roll Number`, `Name` and the figures as label/value rows, a blank row,
        then one row per session: Session, Date, Start Time, Status, Minutes, First Join, Flagged, Still
        Connected, Corrected, Remark."""
        rows: list[list[object]] = [["Name", self.name], *([label, value] for label, value in self.figures()), []]
        rows.append(["Session", "Date", "Start Time", "Status", "Minutes", "First Join", "Flagged", "Still Connected",
                     "Corrected", "Remark"])
        for session in self.sessions:
            rows.append([
                session.heading,
                f"{session.date:%Y-%m-%d}",
                f"{session.start_time:%H:%M}",
                Status(session.status).label,
                session.minutes,
                f"{session.first_join:%H:%M:%S}" if session.first_join else "",
                "yes" if session.flagged else "",
                "yes" if session.still_connected else "",
                "yes" if session.corrected else "",
                session.remark,
            ])
        return ["Roll Number", self.roll], rows

    def as_dict(self) -> dict:
        """The student's attendance as `GET /api/courses/<id>/student/` gives it."""
        return {
            **StudentStanding(self.roll, self.name, self.standing).as_dict(),
            "sessions": [
                {
                    "session": session.heading,
                    "date": f"{session.date:%Y-%m-%d}",
                    "start_time": f"{session.start_time:%H:%M}",
                    "status": Status(session.status).label,
                    "minutes": session.minutes,
                    "seconds_attended": session.seconds,
                    "first_join": f"{session.first_join:%H:%M:%S}" if session.first_join else None,
                    "flagged": session.flagged,
                    "still_connected": session.still_connected,
                    "corrected": session.corrected,
                    "remark": session.remark,
                    "source_format": SourceFormat(session.source_format).label,
                }
                for session in self.sessions
            ],
        }


def student_attendance(
    *, course: Course, roll: str, cutoff: Fraction = DEFAULT_CUTOFF, as_of: datetime.date | None = None
) -> StudentAttendance:
    """One student's sessions (status, minutes, first join, marks, the correction's remark) and standing.
    AttendanceError for a roll not on the roster. Six queries at most, whatever the course's size: student,
    sessions, their records, the corrections' remarks, and the plan's two."""
    student = CourseStudent.objects.filter(course=course, roll=roll).first()
    if student is None:
        raise AttendanceError(f"Roll {roll} is not enrolled in {course}.")
    sessions = list(Session.objects.filter(course=course).order_by("date", "start_time").values_list("pk", "date", "start_time", "source_format"))
    headings = dict(zip((pk for pk, *_ in sessions), session_headings((day, start) for _, day, start, _ in sessions)))
    records = {
        session_id: values
        for session_id, *values in Record.objects.filter(student=student).values_list(
            "session_id", "pk", "status", "seconds_attended", "first_join", "flagged", "still_connected", "corrected"
        )
    }
    remarks = {}
    corrected = [values[0] for values in records.values() if values[6]]
    for record_id, remark in RecordChange.objects.filter(record__in=corrected, source=RecordChange.Source.CORRECTION).values_list(
        "record_id", "remark"
    ):
        remarks[record_id] = remark  # ordered oldest first: the latest remains
    plan = plan_progress(course=course, as_of=as_of or timezone.localdate())
    rows = []
    for pk, day, start, source_format in sessions:
        if pk not in records:
            continue
        record_id, status, seconds, first_join, flagged, still, is_corrected = records[pk]
        rows.append(StudentSession(
            day, start, headings[pk], status, seconds, first_join, flagged, still, is_corrected,
            remarks.get(record_id, "") if is_corrected else "", source_format,
        ))
    standing = standing_of(Counter(session.status for session in rows), remaining=plan.remaining if plan else None, cutoff=cutoff)
    return StudentAttendance(student.roll, student.name, standing, plan is not None, rows)

