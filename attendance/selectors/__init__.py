"""Reads of the attendance half, one module per concept: a teacher's courses and the seed's course objects
(`courses`), the downloadable reports (`reports`), the file Moodle's Attendance activity imports (`moodle`),
finding one session (`sessions`), one cell and its history (`cells`), each student's standing and the plan's
progress (`standings`), the order of rolls (`rolls`), which courses a person may use (`visibility`), and where
attendance meets the units half (`units`). The rules that judge a
student (percentage, defaulter) live in `attendance.standing`.

Every function runs a fixed number of queries whatever the number of students and dates.
Callers import this package (`from attendance import selectors`); the names below are its public face.
"""

from fractions import Fraction

from attendance.selectors.cells import CellHistory, cell_history
from attendance.selectors.courses import CourseSummary, course_of, course_summaries, courses_as_objects
from attendance.selectors.moodle import (
    DEFAULT_MOODLE_IDENTIFIER,
    MOODLE_IDENTIFIERS,
    MoodleAttendanceFile,
    moodle_attendance_file,
    moodle_identifiers_unmatched,
)
from attendance.selectors.reports import (
    AT_RISK,
    CANNOT_REACH,
    COMPLETE,
    DEFAULTERS,
    EXCUSED_COLUMN,
    LATE_COLUMN,
    STILL_CONNECTED_COLUMN,
    AttendanceReport,
    SessionColumn,
    StatusGrid,
    StudentAttendance,
    attendance_report,
    status_grid,
    student_attendance,
)
from attendance.selectors.rolls import natural_roll_key
from attendance.selectors.sessions import LocatedSession, locate_session, session_on
from attendance.selectors.standings import (
    CourseStandings,
    PlanProgress,
    StudentStanding,
    course_standings,
    plan_progress,
    plans_progress,
)
from attendance.selectors.units import (
    LinkChoice,
    MyCourseAttendance,
    MySession,
    ScheduleDefaults,
    link_choices,
    my_attendance,
    percent_text,
    schedule_defaults,
    unit_attendance_table,
)
from attendance.selectors.visibility import course_for, course_for_pk, courses_visible_to
from attendance.standing import DEFAULT_CUTOFF, is_defaulter

__all__ = [
    "AT_RISK",
    "CANNOT_REACH",
    "COMPLETE",
    "DEFAULTERS",
    "DEFAULT_CUTOFF",
    "DEFAULT_MOODLE_IDENTIFIER",
    "MOODLE_IDENTIFIERS",
    "EXCUSED_COLUMN",
    "LATE_COLUMN",
    "STILL_CONNECTED_COLUMN",
    "AttendanceReport",
    "CellHistory",
    "CourseStandings",
    "LocatedSession",
    "PlanProgress",
    "SessionColumn",
    "StudentAttendance",
    "StudentStanding",
    "CourseSummary",
    "LinkChoice",
    "MyCourseAttendance",
    "MySession",
    "MoodleAttendanceFile",
    "ScheduleDefaults",
    "StatusGrid",
    "Fraction",
    "attendance_report",
    "cell_history",
    "course_for",
    "course_for_pk",
    "course_of",
    "courses_visible_to",
    "link_choices",
    "my_attendance",
    "schedule_defaults",
    "percent_text",
    "plans_progress",
    "unit_attendance_table",
    "course_standings",
    "course_summaries",
    "courses_as_objects",
    "is_defaulter",
    "locate_session",
    "moodle_attendance_file",
    "moodle_identifiers_unmatched",
    "natural_roll_key",
    "plan_progress",
    "session_on",
    "status_grid",
    "student_attendance",
]
