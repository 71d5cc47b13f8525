"""The database a faculty-scale benchmark needs, built with bulk_create (setup, never timed).

Everything goes through the models directly: this is the state the measured routes then read or change.
"""

from __future__ import annotations

import datetime
import random
from datetime import timedelta

from django.utils import timezone

from attendance.models import Course, CourseStudent, PlannedClass, Record, Session, SourceFormat, Status
from doubtfire.models import (
    Assessment,
    Project,
    Role,
    Task,
    TaskDefinition,
    TaskStatus,
    Tutorial,
    TutorialStream,
    Unit,
    UnitRole,
    User,
)
from doubtfire.services import issue_auth_token

UNIT_START = datetime.date(2026, 3, 2)


def _user(username: str, role: str, **extra) -> User:
    user = User(username=username, email=f"{username}@example.edu", role=role, first_name=username.title(), **extra)
    user.set_unusable_password()
    return user


def make_admin() -> tuple[User, str]:
    """A system Admin and an API token for them, valid for the whole run."""
    admin = User.objects.create(
        username="bench-admin", email="bench-admin@example.edu", role=Role.ADMIN, first_name="Bench", last_name="Admin"
    )
    return admin, issue_auth_token(user=admin, lifetime=timedelta(hours=6))


def make_unit(code: str, *, convenor: User, streams: dict[str, int] | None, tutors: int) -> tuple[Unit, dict[str, list[str]]]:
    """A unit where `convenor` is Convenor, with `tutors` tutors and `streams` {abbreviation: tutorial count}.

    Returns the unit and {stream abbreviation: [tutorial abbreviations]}.
    """
    unit = Unit.objects.create(code=code, name=f"Benchmark unit {code}", start_date=UNIT_START, end_date=UNIT_START + timedelta(weeks=14))
    UnitRole.objects.create(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    tutor_users = User.objects.bulk_create([_user(f"{code.lower()}-tutor{n:03d}", Role.TUTOR) for n in range(tutors)])
    tutor_roles = UnitRole.objects.bulk_create(
        [UnitRole(user=user, unit=unit, role=UnitRole.Kind.TUTOR) for user in tutor_users]
    )
    layout: dict[str, list[str]] = {}
    for index, (abbreviation, count) in enumerate((streams or {}).items()):
        stream = TutorialStream.objects.create(unit=unit, name=f"{abbreviation} classes", abbreviation=abbreviation)
        names = [f"{abbreviation[0]}{n + 1:02d}" for n in range(count)]
        Tutorial.objects.bulk_create(
            [
                Tutorial(
                    unit=unit,
                    abbreviation=name,
                    stream=stream,
                    tutor=tutor_roles[(index * count + n) % len(tutor_roles)] if tutor_roles else None,
                    meeting_day="Mon",
                    meeting_location="Room 1",
                )
                for n, name in enumerate(names)
            ]
        )
        layout[abbreviation] = names
    return unit, layout


def add_tasks(unit: Unit, definitions: int, *, seed: int = 11) -> int:
    """`definitions` task definitions (a third graded, half with stars) and one task per enrolled student each."""
    rng = random.Random(seed)
    defs = TaskDefinition.objects.bulk_create(
        [
            TaskDefinition(
                unit=unit,
                name=f"Task {n + 1:02d}",
                abbreviation=f"{n + 1}.{n % 4 + 1}P",
                target_grade=n % 4,
                is_graded=n % 3 == 0,
                max_quality_pts=5 if n % 2 else 0,
                start_date=UNIT_START + timedelta(days=n),
                target_date=UNIT_START + timedelta(days=n + 7),
            )
            for n in range(definitions)
        ]
    )
    project_ids = list(Project.objects.filter(unit=unit).order_by("pk").values_list("pk", flat=True))
    statuses = [choice.value for choice in TaskStatus]
    tasks = [
        Task(
            project_id=project_id,
            definition=definition,
            status=rng.choice(statuses),
            grade=rng.choice([None, 0, 1, 2, 3]) if definition.is_graded else None,
            quality_pts=rng.randint(0, 5) if definition.max_quality_pts else -1,
        )
        for project_id in project_ids
        for definition in defs
    ]
    Task.objects.bulk_create(tasks, batch_size=5000)
    return len(tasks)


def add_assessments(unit: Unit, count: int, *, seed: int = 12) -> int:
    """`count` assessments on the unit's tasks, spread over its tutors."""
    rng = random.Random(seed)
    task_ids = list(Task.objects.filter(project__unit=unit).order_by("pk").values_list("pk", flat=True))
    tutor_ids = list(UnitRole.objects.filter(unit=unit, role=UnitRole.Kind.TUTOR).values_list("user_id", flat=True))
    now = timezone.now()
    batch = []
    for n in range(count):
        batch.append(
            Assessment(
                task_id=task_ids[n % len(task_ids)],
                assessor_id=tutor_ids[rng.randrange(len(tutor_ids))],
                status=rng.choice((TaskStatus.COMPLETE, TaskStatus.FIX_AND_RESUBMIT, TaskStatus.DISCUSS)),
                assessed_at=now - timedelta(minutes=n),
            )
        )
        if len(batch) == 20_000:
            Assessment.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Assessment.objects.bulk_create(batch, batch_size=5000)
    return count


def make_course_with_attendance(
    owner: User, students: list[tuple[str, str]], dates: int, *, seed: int = 13, planned: int = 0
) -> Course:
    """An attendance course with `students` (roll, name) and a session on each of `dates` days: about 72 %
    Present, 8 % Late, 3 % Excused and 17 % Absent. With `planned`, the sessions' days are planned classes and
    so are `planned` more days after them (classes still to come, as the at-risk projection counts them)."""
    rng = random.Random(seed)
    course = Course.objects.create(owner=owner, course_id="CS402", course_name="Benchmark course", batch=2021)
    CourseStudent.objects.bulk_create([CourseStudent(course=course, roll=roll, name=name) for roll, name in students])
    student_ids = list(CourseStudent.objects.filter(course=course).values_list("pk", flat=True))
    first = datetime.date(2021, 2, 1)
    sessions = Session.objects.bulk_create(
        [
            Session(course=course, date=first + timedelta(days=n), source_format=SourceFormat.TEAMS_LEGACY, uploaded_by=owner)
            for n in range(dates)
        ]
    )

    def record(session, student_id):
        draw = rng.random()
        status = Status.PRESENT if draw < 0.72 else Status.LATE if draw < 0.8 else Status.EXCUSED if draw < 0.83 else Status.ABSENT
        return Record(session=session, student_id=student_id, status=status, present=status in (Status.PRESENT, Status.LATE),
                      seconds_attended=rng.randint(0, 7200))

    Record.objects.bulk_create(
        (record(session, student_id) for session in sessions for student_id in student_ids), batch_size=5000
    )
    if planned:
        PlannedClass.objects.bulk_create(
            PlannedClass(course=course, date=first + timedelta(days=n)) for n in range(dates + planned)
        )
    return course
