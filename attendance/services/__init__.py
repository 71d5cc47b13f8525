"""Every write of the attendance half, one module per concept: courses and rosters (`courses`), courses that
follow a unit (`rosters`), sharing a course (`sharing`), teachers' accounts (`teachers`), recording sessions from reports (`uploads`), sessions already recorded (`sessions`),
correcting a cell by hand (`corrections`), planned classes (`planning`), reading teachers' files (`reading`).

Services are keyword-only, run in one transaction, and raise `AttendanceError` (a sentence for the
teacher, rendered as 400) for anything the caller must fix. Nothing is written when they raise.
Callers import this package (`from attendance import services`); the names below are its public face.
"""

from attendance.services.courses import (
    RosterChanges,
    add_students,
    create_course,
    delete_course,
    refuse_hand_edits,
    remove_student,
    update_course,
)
from attendance.errors import AttendanceError, UnknownParticipants
from attendance.services.corrections import REMARK_LIMIT, correct_attendance, parse_status
from attendance.services.planning import (
    PlanChanges,
    generated_classes,
    plan_classes,
    read_planned_classes,
    remove_planned_classes,
)
from attendance.services.reading import read_roster, reader_limits
from attendance.services.rosters import (
    CourseLinkRefused,
    RosterSync,
    create_course_from_unit,
    roster_details,
    sync_rosters_for_projects,
    sync_rosters_for_users,
    sync_unit_rosters,
)
from attendance.services.sharing import add_co_teacher, find_teacher, remove_co_teacher
from attendance.services.sessions import delete_date
from attendance.services.teachers import sign_up_teacher
from attendance.services.uploads import (
    PlannedRecord,
    PlannedSession,
    StillConnected,
    CorrectionMet,
    UploadOptions,
    UploadResult,
    record_attendance,
)

__all__ = [
    "REMARK_LIMIT",
    "AttendanceError",
    "CourseLinkRefused",
    "CorrectionMet",
    "PlanChanges",
    "PlannedRecord",
    "PlannedSession",
    "RosterChanges",
    "RosterSync",
    "StillConnected",
    "UnknownParticipants",
    "UploadOptions",
    "UploadResult",
    "add_co_teacher",
    "add_students",
    "correct_attendance",
    "create_course",
    "create_course_from_unit",
    "delete_course",
    "delete_date",
    "find_teacher",
    "generated_classes",
    "parse_status",
    "plan_classes",
    "read_planned_classes",
    "read_roster",
    "reader_limits",
    "roster_details",
    "refuse_hand_edits",
    "record_attendance",
    "remove_co_teacher",
    "remove_planned_classes",
    "remove_student",
    "sign_up_teacher",
    "sync_rosters_for_projects",
    "sync_rosters_for_users",
    "sync_unit_rosters",
    "update_course",
]
