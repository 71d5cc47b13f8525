"""A teacher's courses: finding one, the seed's course objects, and the dashboard's course cards."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Max, Q

from attendance.headings import session_headings
from attendance.models import Course, CourseStudent, Record, Session, Status
from attendance.permissions import VIEW_COURSE, course_filter
from attendance.selectors.rolls import natural_roll_key
from attendance.standing import DEFAULT_CUTOFF, attendance_percentage, is_defaulter

# The statuses a true/false cannot tell apart from Present and Absent.
REFINED = {Status.LATE: Status.LATE.label, Status.EXCUSED: Status.EXCUSED.label}


def course_of(*, owner, course_id: str, batch: int) -> Course | None:
    """The owner's course with this id and batch, or None (another teacher's course is never returned). One query."""
    return Course.objects.filter(owner=owner, course_id=course_id, batch=batch).first()


def courses_as_objects(*, owner=None, course: Course | None = None, courses=None, viewer=None) -> list[dict]:
    """The seed's course objects: {course_id, course_name, batch, dates, students: {roll: {date: bool}}}, plus
    still_connected: {date: [rolls]} when some date's list ended with students connected (no end time was sent;
    their time runs to the file's last event), and statuses: {roll: {date: "Late" | "Excused"}} for the cells
    that are neither plain Present nor plain Absent (a Late student is `true`, an Excused one `false`),
    withdrawn: {roll: {date: bool}} for students who left the unit the course follows (kept apart from
    `students`), and owner (a username) on a course of someone else's when ``viewer`` is given. Only then: a
    course without such things is exactly the seed's object, which scripts may store and compare.

    A "date" is a session's heading (attendance.headings): the date alone, as in the seed, or the date and
    start time when the date has several sessions.

    For every course of ``owner`` (or just ``course``, or the list ``courses``). Four queries: courses, students,
    sessions, records. A student enrolled after a date has no entry for that date.
    """
    if courses is None:
        courses = [course] if course is not None else list(Course.objects.filter(owner=owner).order_by("course_id", "batch"))
    ids = [c.pk for c in courses]
    students_by_course = defaultdict(list)
    for student in CourseStudent.objects.filter(course_id__in=ids).values("pk", "course_id", "roll", "withdrawn"):
        students_by_course[student["course_id"]].append(student)
    sessions_by_course = defaultdict(list)
    for pk, course_pk, date, start in Session.objects.filter(course_id__in=ids).order_by("date", "start_time").values_list(
        "pk", "course_id", "date", "start_time"
    ):
        sessions_by_course[course_pk].append((pk, date, start))
    dates_by_course = {}
    session_date = {}  # session -> its heading: the date, or the date and start time when the date has several
    for course_pk, sessions in sessions_by_course.items():
        dates_by_course[course_pk] = session_headings((date, start) for _, date, start in sessions)
        session_date.update(zip((pk for pk, _, _ in sessions), dates_by_course[course_pk]))
    marks = defaultdict(dict)
    still_connected = []  # (student id, date): few, so gathered apart rather than walked per course and date
    refined = defaultdict(dict)  # student id -> {date: "Late" or "Excused"}: also few
    for student_id, session_id, present, status, still in Record.objects.filter(session__course_id__in=ids).values_list(
        "student_id", "session_id", "present", "status", "still_connected"
    ):
        marks[student_id][session_date[session_id]] = present
        if still:
            still_connected.append((student_id, session_date[session_id]))
        if status in REFINED:
            refined[student_id][session_date[session_id]] = REFINED[status]
    student_of = {s["pk"]: s for students in students_by_course.values() for s in students}
    still_by_course = defaultdict(lambda: defaultdict(list))
    for student_id, date in sorted(still_connected, key=lambda pair: (pair[1], natural_roll_key(student_of[pair[0]]["roll"]))):
        student = student_of[student_id]
        still_by_course[student["course_id"]][date].append(student["roll"])
    objects = []
    for c in courses:
        students = sorted(students_by_course[c.pk], key=lambda s: natural_roll_key(s["roll"]))
        columns = {
            s["roll"]: {date: marks[s["pk"]][date] for date in dates_by_course.get(c.pk, []) if date in marks[s["pk"]]}
            for s in students
        }
        course_object = {
            "course_id": c.course_id,
            "course_name": c.course_name,
            "batch": c.batch,
            "dates": dates_by_course.get(c.pk, []),
            "students": {s["roll"]: columns[s["roll"]] for s in students if not s["withdrawn"]},
        }
        if c.pk in still_by_course:
            course_object["still_connected"] = dict(still_by_course[c.pk])
        statuses = {s["roll"]: dict(sorted(refined[s["pk"]].items())) for s in students if s["pk"] in refined}
        if statuses:
            course_object["statuses"] = statuses
        if any(s["withdrawn"] for s in students):
            course_object["withdrawn"] = {s["roll"]: columns[s["roll"]] for s in students if s["withdrawn"]}
        if viewer is not None and c.owner_id != viewer.pk:
            course_object["owner"] = c.owner.username
        objects.append(course_object)
    return objects


@dataclass(frozen=True)
class CourseSummary:
    """The figures of one course card."""

    course: Course
    students: int
    dates: int
    present: int  # Present or Late marks over every recorded date
    recorded: int  # marks recorded (a student enrolled after a date has none for it)
    defaulters: int
    latest_date: datetime.date | None
    excused: int = 0  # Excused marks: out of the average's denominator, as out of each student's

    @property
    def average(self) -> float | None:
        """The percentage rule over every mark of the course, to one decimal; None with nothing to judge."""
        percentage = attendance_percentage(attended=self.present, held=self.recorded, excused=self.excused)
        return None if percentage is None else round(float(percentage), 1)


def course_summaries(*, owner=None, viewer=None, cutoff: Fraction = DEFAULT_CUTOFF) -> list[CourseSummary]:
    """One summary per course of ``owner``, or per course ``viewer`` may view (by course id, batch): students,
    dates recorded, marks present, excused and recorded, latest date, and how many students are defaulters
    under ``cutoff`` (`is_defaulter`). Withdrawn students are not counted.

    Two queries whatever the number of courses, students and dates (two more for a ``viewer``'s unit roles):
    the courses with their session count and latest date, then one row per student with their recorded,
    present and excused counts (counted in SQL).
    """
    chosen = Course.objects.filter(owner=owner) if viewer is None else Course.objects.filter(course_filter(viewer, VIEW_COURSE))
    courses = list(
        chosen.select_related("owner").annotate(date_count=Count("sessions"), latest=Max("sessions__date"))
        .order_by("course_id", "batch")
    )
    students = defaultdict(int)
    present = defaultdict(int)
    recorded = defaultdict(int)
    excused = defaultdict(int)
    defaulters = defaultdict(int)
    for course_id, student_recorded, student_present, student_excused in (
        CourseStudent.objects.filter(course__in=[course.pk for course in courses], withdrawn=False)
        .values("pk")
        .annotate(
            recorded=Count("records"),
            attended=Count("records", filter=Q(records__present=True)),
            excused=Count("records", filter=Q(records__status=Status.EXCUSED)),
        )
        .values_list("course_id", "recorded", "attended", "excused")
    ):
        students[course_id] += 1
        recorded[course_id] += student_recorded
        present[course_id] += student_present
        excused[course_id] += student_excused
        defaulters[course_id] += is_defaulter(
            attended=student_present, held=student_recorded, excused=student_excused, cutoff=cutoff
        )
    return [
        CourseSummary(
            course=course,
            students=students[course.pk],
            dates=course.date_count,
            present=present[course.pk],
            recorded=recorded[course.pk],
            defaulters=defaulters[course.pk],
            latest_date=course.latest,
            excused=excused[course.pk],
        )
        for course in courses
    ]
