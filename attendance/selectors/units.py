"""Where attendance meets the units half: a student's own attendance in the courses that follow their units,
a unit's attendance download (one column per course that follows it), and what a person may make a course
from. Percentages and what a student still needs come from attendance.standing, as everywhere else."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction


from attendance.models import Course, CourseStudent, Record, Session, Status
from attendance.permissions import VIEW_COURSE, course_filter, unit_roles
from attendance.schedule import ScheduleError, weekday_number
from attendance.selectors.reports import CANNOT_REACH
from attendance.selectors.standings import plans_progress, standing_of
from attendance.standing import DEFAULT_CUTOFF, Standing
from doubtfire.models import Project, Role, Tutorial, TutorialStream, Unit
from doubtfire.selectors import ExportTable


def percent_text(percentage: Fraction | None) -> str:
    """``percentage`` to one decimal, rounded down (74.96 % shows 74.9, never the 75.0 of a cutoff it misses);
    blank for None."""
    if percentage is None:
        return ""
    tenths = percentage.numerator * 10 // percentage.denominator
    return f"{tenths // 10}.{tenths % 10}"


# --- A student's own attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MySession:
    """One session of a course as the student sees it. ``status`` is None when they have no record for it (they
    were not on the roster yet)."""

    date: datetime.date
    start_time: datetime.time
    status: str | None  # attendance.models.Status
    minutes: int | None  # whole minutes attended, rounded down; None when the report gives no durations
    flagged: bool

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status else ""


@dataclass(frozen=True)
class MyCourseAttendance:
    course: Course
    roll: str
    name: str
    withdrawn: bool
    sessions: list[MySession]
    standing: Standing

    @property
    def attended(self) -> int:
        return self.standing.attended

    @property
    def held(self) -> int:
        return self.standing.held

    @property
    def percentage(self) -> Fraction | None:
        return self.standing.percentage

    @property
    def needed(self) -> int | None:
        return self.standing.needed


def my_attendance(user, *, cutoff: Fraction = DEFAULT_CUTOFF, as_of: datetime.date | None = None) -> list[MyCourseAttendance]:
    """Every course ``user`` is on the roster of (by their account: courses that follow a unit), with each session
    of the course, their status and minutes in it, and their standing (attendance.standing: percentage, and with
    planned classes what they still need). By course id, batch. Nothing of anyone else. Five queries whatever the
    number of courses: their roster entries with the courses, the sessions, their records, the plans' two."""
    if not user.is_authenticated:
        return []
    entries = list(
        CourseStudent.objects.filter(user=user)
        .select_related("course__owner", "course__unit")
        .order_by("course__course_id", "course__batch", "course__pk")
    )
    if not entries:
        return []
    sessions_by_course = defaultdict(list)
    for session_id, course_id, date, start in (
        Session.objects.filter(course_id__in=[entry.course_id for entry in entries])
        .order_by("date", "start_time")
        .values_list("pk", "course_id", "date", "start_time")
    ):
        sessions_by_course[course_id].append((session_id, date, start))
    records = {
        (student_id, session_id): (status, seconds, flagged)
        for student_id, session_id, status, seconds, flagged in Record.objects.filter(
            student__in=[entry.pk for entry in entries]
        ).values_list("student_id", "session_id", "status", "seconds_attended", "flagged")
    }
    plans = plans_progress(course_ids=[entry.course_id for entry in entries], as_of=as_of)
    found = []
    for entry in entries:
        sessions = []
        for session_id, date, start in sessions_by_course[entry.course_id]:
            status, seconds, flagged = records.get((entry.pk, session_id), (None, None, False))
            sessions.append(MySession(date, start, status, None if seconds is None else seconds // 60, flagged))
        plan = plans.get(entry.course_id)
        standing = standing_of(
            Counter(session.status for session in sessions if session.status),
            remaining=plan.remaining if plan else None, cutoff=cutoff,
        )
        found.append(MyCourseAttendance(entry.course, entry.roll, entry.name, entry.withdrawn, sessions, standing))
    return found


# --- The units side: a unit's attendance, one column per course that follows it ----------------------------

UNIT_ATTENDANCE_COLUMNS = ["unit_code", "username", "student_id", "first_name", "last_name", "email"]
NEEDED_COLUMN = "Needed"


def unit_attendance_table(*, unit, viewer, cutoff: Fraction = DEFAULT_CUTOFF, as_of: datetime.date | None = None):
    """`<CODE>-Attendance.csv`: one row per enrolled student of ``unit`` (by username), UNIT_ATTENDANCE_COLUMNS,
    then one column per course following the unit that ``viewer`` may view (headed `<course_id>-<batch>`, with
    the owner's username in brackets when two share that name; by heading), holding the student's percentage
    (attendance.standing's rule, `percent_text`), then `Needed`.

    A cell is blank when the student is not on that course's roster (another tutorial's course, a course made
    before they enrolled and since left) or is withdrawn from it, or when nothing is held yet. `Needed` is the
    most classes the student must still attend in any one of these courses that plans its classes, to finish at
    or above ``cutoff`` there (the course that asks most is the one that decides), `cannot reach` when some course
    cannot be reached any more, blank when none of their courses plans classes. Seven queries whatever the number
    of students, courses and sessions (two of them the viewer's unit roles, two the plans).
    """
    courses = list(
        Course.objects.filter(course_filter(viewer, VIEW_COURSE), unit=unit)
        .select_related("owner")
        .order_by("course_id", "batch", "owner__username")
    )
    labels = [f"{course.course_id}-{course.batch}" for course in courses]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    labels = [
        f"{label} ({course.owner.username})" if label in repeated else label for label, course in zip(labels, courses)
    ]
    column_of = {course.pk: index for index, course in enumerate(courses)}
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for user_id, course_id, status in Record.objects.filter(
        student__course__in=list(column_of), student__withdrawn=False, student__user__isnull=False
    ).values_list("student__user_id", "student__course_id", "status"):
        counts[user_id, course_id][status] += 1
    plans = plans_progress(course_ids=list(column_of), as_of=as_of)
    projects = (
        Project.objects.filter(unit=unit, enrolled=True)
        .order_by("user__username")
        .values_list(
            "user_id", "user__username", "user__student_id", "user__first_name", "user__last_name", "user__email"
        )
    )

    def rows():
        for user_id, username, student_id, first, last, email in projects:
            cells = [""] * len(courses)
            needs = []
            for course in courses:
                held = counts.get((user_id, course.pk))
                if not held:
                    continue
                plan = plans.get(course.pk)
                standing = standing_of(held, remaining=plan.remaining if plan else None, cutoff=cutoff)
                cells[column_of[course.pk]] = percent_text(standing.percentage)
                if plan is not None:
                    needs.append(standing.needed)
            if not needs:
                needed = ""
            elif None in needs:
                needed = CANNOT_REACH
            else:
                needed = max(needs)
            yield [unit.code, username, student_id or "", first, last, email, *cells, needed]

    return ExportTable(f"{unit.code}-Attendance.csv", [*UNIT_ATTENDANCE_COLUMNS, *labels, NEEDED_COLUMN], rows())


# --- A linked course's weekly schedule --------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleDefaults:
    """What a course's planned classes are generated from when nobody says otherwise: the linked tutorial's
    meeting day (0 Monday … 6 Sunday) and time, over its unit's first and last days. None where unknown."""

    weekday: int | None = None
    time: datetime.time | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    def missing(self) -> list[str]:
        return [name for name in ("weekday", "time", "start", "end") if getattr(self, name) is None]


def schedule_defaults(course) -> ScheduleDefaults:
    """`ScheduleDefaults` of ``course``: everything None for a hand-made course; the unit's dates for a course
    of a whole unit or a stream; and the tutorial's meeting day and time too for a tutorial's course. Two queries
    at most (the unit, the tutorial)."""
    unit, tutorial = course.unit, course.tutorial
    weekday = None
    if tutorial is not None and tutorial.meeting_day:
        try:
            weekday = weekday_number(tutorial.meeting_day)
        except ScheduleError:
            weekday = None  # a meeting day Doubtfire wrote as free text ("TBA"): the teacher says it
    return ScheduleDefaults(
        weekday=weekday,
        time=tutorial.meeting_time if tutorial is not None else None,
        start=unit.start_date if unit is not None else None,
        end=unit.end_date if unit is not None else None,
    )


# --- What a person may link a new course to (the dashboard's form) -----------------------------------------


@dataclass(frozen=True)
class LinkChoice:
    """One unit a person may link a course to: the whole unit and any stream (``whole_unit``), and the tutorials
    they may link (all of them for its Convenors, their own for a tutor)."""

    unit: object
    whole_unit: bool
    streams: list
    tutorials: list


def link_choices(user) -> list[LinkChoice]:
    """The units, streams and tutorials ``user`` may make a course from (attendance.permissions.LINK_SCOPES), by
    unit code; active units only. Five queries whatever the number of units: the person's unit roles (2), the
    units, their streams, their tutorials."""
    if not user.is_authenticated:
        return []
    roles = unit_roles(user)
    if user.is_admin:
        units = Unit.objects.filter(active=True).exclude(
            pk__in=[unit_id for unit_id, role in roles.items() if role == Role.STUDENT]
        )
    else:
        staffed = [unit_id for unit_id, role in roles.items() if role in (Role.CONVENOR, Role.TUTOR)]
        units = Unit.objects.filter(active=True, pk__in=staffed)
    units = list(units.order_by("code", "start_date"))
    ids = [unit.pk for unit in units]
    streams = defaultdict(list)
    for stream in TutorialStream.objects.filter(unit_id__in=ids).order_by("abbreviation"):
        streams[stream.unit_id].append(stream)
    tutorials = defaultdict(list)
    for tutorial in Tutorial.objects.filter(unit_id__in=ids).select_related("tutor").order_by("abbreviation"):
        tutorials[tutorial.unit_id].append(tutorial)
    choices = []
    for unit in units:
        role = roles.get(unit.pk, Role.ADMIN)  # an Admin with no role in the unit acts as its Convenor
        convenes = role in (Role.CONVENOR, Role.ADMIN)
        mine = [
            tutorial for tutorial in tutorials[unit.pk]
            if convenes or (tutorial.tutor is not None and tutorial.tutor.user_id == user.pk)
        ]
        if convenes or mine:
            choices.append(LinkChoice(unit, convenes, streams[unit.pk] if convenes else [], mine))
    return choices
