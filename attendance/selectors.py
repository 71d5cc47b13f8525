"""Reads of the attendance half: finding a course someone may use, the course objects of the seed, the reports,
a student's own attendance and a unit's attendance download.

Every function runs a fixed number of queries whatever the number of students and dates. Withdrawn roster
entries (students who left the unit a course follows) keep their records but are left out of percentages and
reports unless a function says otherwise.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Max, Q

from attendance.models import Course, CourseStudent, Record, Session
from attendance.permissions import (
    VIEW_COURSE,
    ActionRefused,
    AmbiguousCourse,
    NoSuchCourse,
    course_filter,
    refusal,
    unit_roles,
)
from doubtfire.models import Project, Role, Tutorial, TutorialStream, Unit
from doubtfire.selectors import ExportTable

DEFAULT_CUTOFF = Fraction(75)


def is_defaulter(*, attended: int, recorded: int, cutoff: Fraction = DEFAULT_CUTOFF) -> bool:
    """The defaulter rule: attendance below ``cutoff`` percent over the dates the student has a record for.

    Exactly the cutoff is not a defaulter, and a student with no recorded date is not one either (there is
    nothing to judge them on). The one copy of the rule: reports, downloads and the course cards call it.
    """
    # Exact arithmetic: 3 of 4 at a 75 % cutoff is not a defaulter, with no float rounding doubts.
    return recorded > 0 and attended * 100 < cutoff * recorded


def natural_roll_key(roll: str):
    """Sort rolls as people do: "2" before "10", "CS9" before "CS10"; "01" and "1" kept apart."""
    parts = re.split(r"(\d+)", roll.casefold())
    # isdecimal() is exactly what `\d` split off (and int() reads); isdigit() also holds for "²", which int() refuses.
    return [(0, int(part), "") if part.isdecimal() else (1, 0, part) for part in parts if part], roll


def course_of(*, owner, course_id: str, batch: int) -> Course | None:
    """The owner's course with this id and batch, or None (another teacher's course is never returned). One query."""
    return Course.objects.filter(owner=owner, course_id=course_id, batch=batch).first()


# --- Which courses a person may use (the rule: attendance.permissions) ------------------------------------


def courses_visible_to(user, action: str = VIEW_COURSE):
    """The courses on which ``user`` may do ``action`` (default: view), by course id, batch and owner, with the
    owner joined. Three queries when evaluated (two for the person's unit roles, then the courses)."""
    return (
        Course.objects.filter(course_filter(user, action))
        .select_related("owner")
        .order_by("course_id", "batch", "owner__username")
    )


def course_for(user, *, course_id: str, batch: int, action: str, owner: str | None = None) -> Course:
    """The course (course_id, batch) that ``user`` means, checked for ``action``.

    (course_id, batch) is unique per owner only, so with shared courses two courses the person sees may share
    it: ``owner`` (a username or e-mail) picks one; else their own course wins; else the only one they see;
    else `AmbiguousCourse` naming the owners. A course they cannot view is `NoSuchCourse` (404, exactly as one
    that does not exist); one they may view but not ``action`` is `ActionRefused` (403). Four queries at most.
    """
    roles = unit_roles(user) if user.is_authenticated else {}
    candidates = list(
        Course.objects.filter(course_filter(user, VIEW_COURSE, roles), course_id=course_id, batch=batch)
        .select_related("owner")
        .order_by("owner__username")
    )
    if owner:
        wanted = owner.strip().casefold()
        candidates = [c for c in candidates if wanted in (c.owner.username.casefold(), c.owner.email.casefold())]
    if not candidates:
        whose = f" of {owner.strip()}" if owner else ""
        raise NoSuchCourse(f"You have no course {course_id}{whose} for batch {batch}.")
    own = [c for c in candidates if c.owner_id == user.pk]
    if own:
        course = own[0]
    elif len(candidates) == 1:
        course = candidates[0]
    else:
        owners = ", ".join(c.owner.username for c in candidates)
        raise AmbiguousCourse(
            f"Several courses {course_id} for batch {batch} are shared with you (owners: {owners}); "
            "send owner=<username> to say which."
        )
    return _checked(user, course, action, roles)


def course_for_pk(user, pk, *, action: str) -> Course:
    """The course with id ``pk`` if ``user`` may view it, checked for ``action`` as `course_for`.

    Four queries at most."""
    roles = unit_roles(user) if user.is_authenticated else {}
    course = Course.objects.filter(course_filter(user, VIEW_COURSE, roles), pk=pk).select_related("owner").first()
    if course is None:
        raise NoSuchCourse("You have no course with this id.")
    return _checked(user, course, action, roles)


def _checked(user, course: Course, action: str, roles) -> Course:
    if action != VIEW_COURSE and not Course.objects.filter(course_filter(user, action, roles), pk=course.pk).exists():
        raise ActionRefused(refusal(action, course))
    return course


# --- Percentages ------------------------------------------------------------------------------------------


def attendance_fraction(records) -> Fraction | None:
    """A student's attendance over ``records`` (theirs, in one course; each with a boolean ``present``), as an exact
    fraction of the sessions held: present / held. None when nothing is held yet.

    The one place the unit download and a student's own page compute a percentage, so that the fuller rule
    (statuses, excused sessions) replaces it here for both.
    """
    held = 0
    attended = 0
    for record in records:
        held += 1
        attended += bool(record.present)
    return Fraction(attended * 100, held) if held else None


def percent_text(percentage: Fraction | None) -> str:
    """``percentage`` to one decimal, rounded down (74.96 % shows 74.9, never the 75.0 of a cutoff it misses);
    blank for None."""
    if percentage is None:
        return ""
    tenths = percentage.numerator * 10 // percentage.denominator
    return f"{tenths // 10}.{tenths % 10}"


def courses_as_objects(*, owner=None, course: Course | None = None, courses=None, viewer=None) -> list[dict]:
    """The seed's course objects: {course_id, course_name, batch, dates, students: {roll: {date: bool}}}, plus
    still_connected: {date: [rolls]} when some date's list ended with students connected (no end time was sent;
    their time runs to the file's last event), withdrawn: {roll: {date: bool}} for students who left the unit the
    course follows (kept apart from `students`), and owner (a username) on a course of someone else's when
    ``viewer`` is given. Only then: a course without such things is exactly the seed's object, which scripts
    may store and compare.

    For every course of ``owner`` (or just ``course``, or the list ``courses``). Four queries: courses, students,
    sessions, records. A student enrolled after a date has no entry for that date.
    """
    if courses is None:
        courses = [course] if course is not None else list(Course.objects.filter(owner=owner).order_by("course_id", "batch"))
    ids = [c.pk for c in courses]
    students_by_course = defaultdict(list)
    for student in CourseStudent.objects.filter(course_id__in=ids).values("pk", "course_id", "roll", "withdrawn"):
        students_by_course[student["course_id"]].append(student)
    dates_by_course = defaultdict(list)
    session_date = {}
    for session in Session.objects.filter(course_id__in=ids).order_by("date").values("pk", "course_id", "date"):
        dates_by_course[session["course_id"]].append(f"{session['date']:%Y-%m-%d}")
        session_date[session["pk"]] = f"{session['date']:%Y-%m-%d}"
    marks = defaultdict(dict)
    still_connected = []  # (student id, date): few, so gathered apart rather than walked per course and date
    for student_id, session_id, present, still in Record.objects.filter(session__course_id__in=ids).values_list(
        "student_id", "session_id", "present", "still_connected"
    ):
        marks[student_id][session_date[session_id]] = present
        if still:
            still_connected.append((student_id, session_date[session_id]))
    student_of = {s["pk"]: s for students in students_by_course.values() for s in students}
    still_by_course = defaultdict(lambda: defaultdict(list))
    for student_id, date in sorted(still_connected, key=lambda pair: (pair[1], natural_roll_key(student_of[pair[0]]["roll"]))):
        student = student_of[student_id]
        still_by_course[student["course_id"]][date].append(student["roll"])
    objects = []
    for c in courses:
        students = sorted(students_by_course[c.pk], key=lambda s: natural_roll_key(s["roll"]))
        columns = {
            s["roll"]: {date: marks[s["pk"]][date] for date in dates_by_course[c.pk] if date in marks[s["pk"]]}
            for s in students
        }
        course_object = {
            "course_id": c.course_id,
            "course_name": c.course_name,
            "batch": c.batch,
            "dates": dates_by_course[c.pk],
            "students": {s["roll"]: columns[s["roll"]] for s in students if not s["withdrawn"]},
        }
        if c.pk in still_by_course:
            course_object["still_connected"] = dict(still_by_course[c.pk])
        if any(s["withdrawn"] for s in students):
            course_object["withdrawn"] = {s["roll"]: columns[s["roll"]] for s in students if s["withdrawn"]}
        if viewer is not None and c.owner_id != viewer.pk:
            course_object["owner"] = c.owner.username
        objects.append(course_object)
    return objects


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


def attendance_report(
    *, course: Course, defaulters_only: bool = False, cutoff: Fraction = DEFAULT_CUTOFF, include_withdrawn: bool = False
) -> AttendanceReport:
    """`Sl. No., Roll Number, Name, <dates ascending>` with Present/Absent, rows in natural roll order, then
    STILL_CONNECTED_COLUMN (dates, `YYYY-MM-DD, ...`) when a listed student was still connected when a list
    was saved.

    A defaulter's attendance is below ``cutoff`` percent (exactly the cutoff is not a defaulter), counted
    over the dates they have a record for. A blank cell means no record (enrolled after that date). Withdrawn
    students are left out unless ``include_withdrawn``. Three queries: sessions, students, records.
    """
    sessions = list(Session.objects.filter(course=course).order_by("date").values_list("pk", "date"))
    listed = CourseStudent.objects.filter(course=course)
    if not include_withdrawn:
        listed = listed.filter(withdrawn=False)
    students = sorted(listed.values_list("pk", "roll", "name"), key=lambda s: natural_roll_key(s[1]))
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
        marks = [present.get((student_id, session_id)) for session_id, _ in sessions]
        recorded = [mark for mark in marks if mark is not None]
        if defaulters_only and not is_defaulter(
            attended=sum(1 for mark in recorded if mark), recorded=len(recorded), cutoff=cutoff
        ):
            continue
        cells = ["" if mark is None else ("Present" if mark else "Absent") for mark in marks]
        rows.append([len(rows) + 1, roll, name, *cells])
        notes.append(", ".join(f"{date:%Y-%m-%d}" for session_id, date in sessions if (student_id, session_id) in still_connected))
    dates = [date for _, date in sessions]
    header = ["Sl. No.", "Roll Number", "Name", *(f"{date:%Y-%m-%d}" for date in dates)]
    if any(notes):
        header.append(STILL_CONNECTED_COLUMN)
        for row, note in zip(rows, notes):
            row.append(note)
    return AttendanceReport(header=header, rows=rows, dates=dates)


@dataclass(frozen=True)
class CourseSummary:
    """The figures of one course card."""

    course: Course
    students: int
    dates: int
    present: int  # Present marks over every recorded date
    recorded: int  # marks recorded (a student enrolled after a date has none for it)
    defaulters: int
    latest_date: datetime.date | None

    @property
    def average(self) -> float | None:
        """Percent of recorded marks that are Present, to one decimal; None before the first date."""
        return round(100 * self.present / self.recorded, 1) if self.recorded else None


def course_summaries(*, owner=None, viewer=None, cutoff: Fraction = DEFAULT_CUTOFF) -> list[CourseSummary]:
    """One summary per course of ``owner``, or per course ``viewer`` may view (by course id, batch): students,
    dates recorded, marks present and recorded, latest date, and how many students are defaulters under
    ``cutoff`` (`is_defaulter`). Withdrawn students are not counted.

    Two queries whatever the number of courses, students and dates (two more for a ``viewer``'s unit roles):
    the courses with their session count and latest date, then one row per student with their recorded and
    present counts (counted in SQL).
    """
    if viewer is None:
        chosen = Course.objects.filter(owner=owner)
    else:
        chosen = Course.objects.filter(course_filter(viewer, VIEW_COURSE))
    courses = list(
        chosen.annotate(date_count=Count("sessions"), latest=Max("sessions__date")).order_by("course_id", "batch")
    )
    students = defaultdict(int)
    present = defaultdict(int)
    recorded = defaultdict(int)
    defaulters = defaultdict(int)
    for course_id, student_recorded, student_present in (
        CourseStudent.objects.filter(course__in=[course.pk for course in courses], withdrawn=False)
        .values("pk")
        .annotate(recorded=Count("records"), attended=Count("records", filter=Q(records__present=True)))
        .values_list("course_id", "recorded", "attended")
    ):
        students[course_id] += 1
        recorded[course_id] += student_recorded
        present[course_id] += student_present
        defaulters[course_id] += is_defaulter(attended=student_present, recorded=student_recorded, cutoff=cutoff)
    return [
        CourseSummary(
            course=course,
            students=students[course.pk],
            dates=course.date_count,
            present=present[course.pk],
            recorded=recorded[course.pk],
            defaulters=defaulters[course.pk],
            latest_date=course.latest,
        )
        for course in courses
    ]


# --- A student's own attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentSession:
    """One session of a course as the student sees it. ``status`` is None when they have no record for it (they
    were not on the roster yet)."""

    date: datetime.date
    status: str | None
    minutes: int | None  # whole minutes attended, rounded down; None when the report gives no durations
    flagged: bool


@dataclass(frozen=True)
class StudentCourseAttendance:
    course: Course
    roll: str
    name: str
    withdrawn: bool
    sessions: list[StudentSession]
    attended: int
    held: int
    percentage: Fraction | None  # attendance_fraction of their records
    needed: int | None = None  # classes still needed to reach the cutoff; None until planned classes exist


def student_attendance(user) -> list[StudentCourseAttendance]:
    """Every course ``user`` is on the roster of (by their account: courses that follow a unit), with each session
    of the course, their status and minutes in it, and their percentage (`attendance_fraction`). By course id,
    batch. Nothing of anyone else. Three queries: their roster entries with the courses, the sessions, their records.
    """
    if not user.is_authenticated:
        return []
    entries = list(
        CourseStudent.objects.filter(user=user)
        .select_related("course__owner", "course__unit")
        .order_by("course__course_id", "course__batch", "course__pk")
    )
    sessions_by_course = defaultdict(list)
    for session_id, course_id, date in (
        Session.objects.filter(course_id__in=[entry.course_id for entry in entries])
        .order_by("date")
        .values_list("pk", "course_id", "date")
    ):
        sessions_by_course[course_id].append((session_id, date))
    records = {
        (record.student_id, record.session_id): record
        for record in Record.objects.filter(student__in=[entry.pk for entry in entries]).values_list(
            "student_id", "session_id", "present", "seconds_attended", "flagged", named=True
        )
    }
    found = []
    for entry in entries:
        sessions = []
        theirs = []
        for session_id, date in sessions_by_course[entry.course_id]:
            record = records.get((entry.pk, session_id))
            if record is None:
                sessions.append(StudentSession(date, None, None, False))
                continue
            theirs.append(record)
            minutes = None if record.seconds_attended is None else record.seconds_attended // 60
            sessions.append(StudentSession(date, "Present" if record.present else "Absent", minutes, record.flagged))
        found.append(
            StudentCourseAttendance(
                course=entry.course,
                roll=entry.roll,
                name=entry.name,
                withdrawn=entry.withdrawn,
                sessions=sessions,
                attended=sum(1 for record in theirs if record.present),
                held=len(theirs),
                percentage=attendance_fraction(theirs),
            )
        )
    return found


# --- The units side: a unit's attendance, one column per course that follows it ----------------------------

UNIT_ATTENDANCE_COLUMNS = ["unit_code", "username", "student_id", "first_name", "last_name", "email"]
NEEDED_COLUMN = "Needed"


def unit_attendance_table(*, unit, viewer):
    """`<CODE>-Attendance.csv`: one row per enrolled student of ``unit`` (by username), UNIT_ATTENDANCE_COLUMNS,
    then one column per course following the unit that ``viewer`` may view (headed `<course_id>-<batch>`, with
    the owner's username in brackets when two share that name; by heading), holding the student's percentage
    (`attendance_fraction`, `percent_text`), then `Needed`.

    A cell is blank when the student is not on that course's roster (another tutorial's course, a course made
    before they enrolled and since left) or is withdrawn from it, or when no session is held yet. `Needed` stays
    blank until courses have planned classes. Five queries whatever the number of students, courses and
    sessions (two of them the viewer's unit roles).
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
    records_by_cell = defaultdict(list)
    for record in Record.objects.filter(
        student__course__in=list(column_of), student__withdrawn=False, student__user__isnull=False
    ).values_list("student__user_id", "student__course_id", "present", named=True):
        records_by_cell[record.student__user_id, record.student__course_id].append(record)
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
            for course in courses:
                records = records_by_cell.get((user_id, course.pk))
                if records:
                    cells[column_of[course.pk]] = percent_text(attendance_fraction(records))
            yield [unit.code, username, student_id or "", first, last, email, *cells, ""]

    return ExportTable(f"{unit.code}-Attendance.csv", [*UNIT_ATTENDANCE_COLUMNS, *labels, NEEDED_COLUMN], rows())


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
