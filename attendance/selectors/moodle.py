"""A course's statuses as a file that Moodle's Attendance activity (mod_attendance) imports.

How mod_attendance reads such a file (danmarsden/moodle-mod_attendance, the plugin's home; read at commit
6ff291a4, 2024-03, and the stored copies of its files):

* The released importer marks **one session per upload**: the session's "Upload attendance by CSV" button on its
  Take attendance page (`classes/output/renderer.php`, `render_attendance_take_controls`) opens
  `import/marksessions.php`. Its upload form (`classes/form/import/marksessions.php`) accepts `.csv` only and
  asks for the encoding (UTF-8 unless changed) and the separator (comma by default; tab, colon, semicolon).
* A mapping form (`classes/form/import/marksessions_confirm.php`) then asks which column of the file holds the
  user and which Moodle user field it is: `id`, `username`, `idnumber` or `email`, preselected when a heading
  is exactly that word; and which column is the "Status field" (or a "Scan time" column instead).
* The importer (`classes/import/marksessions.php`) lower-cases the file's identifier and the Moodle field and
  compares them; a user not found, a user twice, or a status that is not one of the session's acronyms (a blank
  one included) is listed as a warning and that row is skipped; nothing else is written for it. Acronyms are
  compared exactly: the default set is P Present, A Absent, L Late, E Excused (`db/install.php`,
  `lang/en/attendance.php`).
* A multi-session "Bulk upload attendance" (one row per user and session: session date, user, status) is an
  open pull request (#915, `import/bulkmarksessions.php`), not a release, so it is not what this file targets.

So the file is one row per student: the identifier column, headed by the Moodle field's own name so that the
mapping form preselects it, the student's name (for the teacher's eyes; Moodle ignores it), then one column per
session headed `YYYY-MM-DD HH:MM` (its date and start time, `00:00` when no start was recorded) holding P, L,
E or A, or blank where the student was not on the roster. The teacher uploads the same file once per Moodle
session and picks that session's column as the status field. UTF-8 without a byte-order mark, commas, the
formula guard of every download (spreadsheets.csv_lines).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from attendance.errors import AttendanceError
from attendance.headings import session_heading
from attendance.models import Course, Status
from attendance.selectors.reports import SessionColumn, status_grid
from spreadsheets import neutralise


@dataclass(frozen=True)
class MoodleIdentifier:
    key: str  # what `moodle_user` says
    heading: str  # Moodle's user field, the identifier column's heading
    noun: str  # for sentences
    moodle_label: str  # how Moodle's mapping form names the field
    position: int  # its place in the students' (pk, roll, name, email, username) tuples


MOODLE_IDENTIFIERS = {
    "email": MoodleIdentifier("email", "email", "e-mail address", "Email address", 3),
    "username": MoodleIdentifier("username", "username", "username", "Username", 4),
    "roll": MoodleIdentifier("roll", "idnumber", "roll number", "ID number", 1),
}
DEFAULT_MOODLE_IDENTIFIER = "email"

# Moodle's default status set (mod_attendance db/install.php): our statuses are the same four.
MOODLE_ACRONYMS = {Status.PRESENT: "P", Status.LATE: "L", Status.EXCUSED: "E", Status.ABSENT: "A", None: ""}
NAME_COLUMN = "Name"
NAMED_AT_MOST = 5  # students a refusal names before "and N more"


@dataclass(frozen=True)
class MoodleAttendanceFile:
    header: list[str]
    rows: list[list[str]]
    sessions: list[SessionColumn]

    @property
    def latest_date(self) -> datetime.date | None:
        return self.sessions[-1].date if self.sessions else None


def moodle_attendance_file(
    *,
    course: Course,
    identifier: str = DEFAULT_MOODLE_IDENTIFIER,
    date: datetime.date | None = None,
    start_time: datetime.time | None = None,
    include_withdrawn: bool = False,
) -> MoodleAttendanceFile:
    """The course as mod_attendance's marks import reads it (module docstring), students identified by
    ``identifier`` (a key of MOODLE_IDENTIFIERS), in natural roll order; withdrawn students left out unless
    ``include_withdrawn``; only one session's column with ``date`` (and ``start_time``).

    AttendanceError, naming the students, when some have no such identifier, share one (Moodle compares them
    without case), or have one the download's formula guard would change: Moodle would skip them, so no file is
    made. Three queries whatever the number of students and sessions (status_grid), one more with ``date``.
    """
    chosen = MOODLE_IDENTIFIERS[identifier]
    grid = status_grid(course=course, date=date, start_time=start_time, include_withdrawn=include_withdrawn)
    problem = _identifier_problem(grid.students, chosen)
    if problem:
        others = [
            other for other in MOODLE_IDENTIFIERS.values()
            if other is not chosen and not _identifier_problem(grid.students, other)
        ]
        instead = " or ".join(f"moodle_user={other.key} (Moodle's {other.moodle_label})" for other in others)
        fix = f"give each of them their own {chosen.noun}."
        raise AttendanceError(
            f"Moodle would match the students of {course} by {chosen.noun}, but {problem}. "
            + (f"Send {instead} instead, which matches every student, or {fix}" if instead else fix.capitalize())
        )
    rows = [
        [student[chosen.position].strip(), student[2], *(MOODLE_ACRONYMS[status] for status in grid.statuses_shown(student[0]))]
        for student in grid.students
    ]
    header = [
        chosen.heading,
        NAME_COLUMN,
        *(session_heading(column.date, column.start_time, alone=False) for column in grid.columns),
    ]
    return MoodleAttendanceFile(header=header, rows=rows, sessions=grid.columns)


def moodle_identifiers_unmatched(*, course: Course) -> dict[str, int]:
    """How many of the course's students (withdrawn ones left out) could not be matched by each identifier of
    MOODLE_IDENTIFIERS (none, shared, or changed by the formula guard), for a page to choose one. One query."""
    students = list(course.students.filter(withdrawn=False).values_list("pk", "roll", "name", "email", "username"))
    return {key: len(_unusable(students, identifier)) for key, identifier in MOODLE_IDENTIFIERS.items()}


def _unusable(students, identifier: MoodleIdentifier) -> list[tuple[str, str, str]]:
    """(roll, name, why) of each student whose identifier Moodle could not match."""
    seen: dict[str, int] = {}
    for student in students:
        value = student[identifier.position].strip()
        if value:
            seen[value.lower()] = seen.get(value.lower(), 0) + 1
    unusable = []
    for student in students:
        value = student[identifier.position].strip()
        if not value:
            unusable.append((student[1], student[2], f"no {identifier.noun}"))
        elif seen[value.lower()] > 1:
            unusable.append((student[1], student[2], f"{value}, also another student's"))
        elif neutralise(value) != value:  # the download would start it with an apostrophe
            unusable.append((student[1], student[2], f"{value}, which a spreadsheet would take for a formula"))
    return unusable


def _identifier_problem(students, identifier: MoodleIdentifier) -> str:
    """A clause naming the students ``identifier`` cannot match (the first few), or "" when it matches all."""
    unusable = _unusable(students, identifier)
    if not unusable:
        return ""
    named = "; ".join(f"{roll} {name} ({why})" for roll, name, why in unusable[:NAMED_AT_MOST])
    more = f"; and {len(unusable) - NAMED_AT_MOST} more" if len(unusable) > NAMED_AT_MOST else ""
    count = f"{len(unusable)} student{'s' if len(unusable) > 1 else ''}"
    return f"{count} cannot be matched by it: {named}{more}"
