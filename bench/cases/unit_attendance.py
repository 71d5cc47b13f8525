"""`GET /api/csv/units/{id}/attendance`: 1,000 enrolled students, five linked courses (the whole unit and four
tutorials) × 60 sessions each, so 120,000 attendance records behind one CSV of 1,000 rows.

The same download of an identical unit with a tenth of the students shows whether the number of queries depends
on the number of rows (it must not).
"""

from __future__ import annotations

import datetime
import random

from bench import faculty
from bench.cases.downloads import measure_download, queries_of
from bench.measure import Outcome

TUTORIALS = 4


def make_unit(bench, code: str, students: int, sessions: int, *, seed: int):
    """A unit with `students` enrolled over four tutorials and five courses following it (the unit, each tutorial),
    each with `sessions` sessions recorded. Built in bulk; never timed."""
    from attendance import services
    from attendance.models import CourseStudent, Record, Session, SourceFormat
    from doubtfire.models import Project, Role, Tutorial, TutorialEnrolment, User

    rng = random.Random(seed)
    unit, layout = faculty.make_unit(code, convenor=bench.admin, streams={"Lab": TUTORIALS}, tutors=TUTORIALS)
    tutorials = list(Tutorial.objects.filter(unit=unit).order_by("abbreviation"))
    users = User.objects.bulk_create(
        [
            faculty._user(f"{code.lower()}-s{n:05d}", Role.STUDENT, student_id=f"{code}{n:05d}", last_name="Student")
            for n in range(students)
        ],
        batch_size=1000,
    )
    projects = Project.objects.bulk_create([Project(user=user, unit=unit) for user in users], batch_size=1000)
    TutorialEnrolment.objects.bulk_create(
        [
            TutorialEnrolment(project=project, tutorial=tutorials[n % TUTORIALS], stream_id=tutorials[n % TUTORIALS].stream_id)
            for n, project in enumerate(projects)
        ],
        batch_size=1000,
    )
    links = [{}] + [{"tutorial": tutorial} for tutorial in tutorials]
    courses = [
        services.create_course_from_unit(
            owner=bench.admin, course_id=f"{code}-{index}", course_name="Bench", batch=2026, unit=unit, **link
        )
        for index, link in enumerate(links)
    ]
    first = datetime.date(2026, 3, 2)
    for course in courses:
        entries = list(CourseStudent.objects.filter(course=course).values_list("pk", flat=True))
        made = Session.objects.bulk_create(
            [
                Session(course=course, date=first + datetime.timedelta(days=day), source_format=SourceFormat.ZOOM, uploaded_by=bench.admin)
                for day in range(sessions)
            ]
        )
        Record.objects.bulk_create(
            (
                Record(session=session, student_id=entry, status="present" if present else "absent", present=present,
                       seconds_attended=rng.randint(0, 7200))
                for session in made
                for entry in entries
                for present in [rng.random() < 0.8]
            ),
            batch_size=5000,
        )
    return unit


def run(bench) -> list[Outcome]:
    students, sessions = bench.sizes.report_students, bench.sizes.report_dates
    small = max(students // 10, 10)
    unit = make_unit(bench, "UAT100", students, sessions, seed=21)
    small_unit = make_unit(bench, "UAT200", small, sessions, seed=22)
    records = students * sessions * 2  # the whole-unit course, and each student's tutorial course
    outcome = Outcome(
        "unit attendance CSV download",
        f"{students:,} students × 5 courses × {sessions} sessions ({records:,} records)",
        students,
        target="≤ 1.0 s; queries independent of rows",
    )
    measure_download(bench, outcome, f"/api/csv/units/{unit.pk}/attendance")
    small_queries = queries_of(bench, f"/api/csv/units/{small_unit.pk}/attendance")
    outcome.notes.append(f"{small:,} students: {small_queries} queries")
    outcome.passed = outcome.seconds <= 1.0 and small_queries == outcome.queries
    return [outcome]
