"""`manage.py demo_data`: a small, realistic unit to click around in and to point the seed's curl examples at.

Idempotent: rows are looked up by their natural keys and only missing ones are created, so `make run` can call
it on every start. On a fresh database the unit COS10001 gets id 1, which the seed's `/api/csv/units/1` examples
expect. Passwords are set only when an account is created (a changed demo password is left alone).
"""

import datetime
import os
import random

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from attendance.services import sync_unit_rosters
from doubtfire.models import (
    Assessment,
    Campus,
    Project,
    Role,
    Task,
    TaskDefinition,
    TaskStatus,
    Tutorial,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    UnitRole,
    User,
)

# Printed on every run: it is only ever meant for a laptop.
DEFAULT_DEMO_PASSWORD = "demo-Passw0rd-local"

CAMPUSES = [("Online", "C", Campus.Mode.AUTOMATIC), ("Burwood", "B", Campus.Mode.TIMETABLE),
            ("Geelong", "G", Campus.Mode.TIMETABLE)]

# username, first name, last name, system role
STAFF = [
    ("aadmin", "Ada", "Admin", Role.ADMIN),
    ("cconvenor", "Cam", "Convenor", Role.CONVENOR),
    ("atutor", "Alex", "Tutor", Role.TUTOR),
    ("btutor", "Bea", "Tutor", Role.TUTOR),
]

UNIT = {"code": "COS10001", "name": "Introduction to Programming", "start_date": datetime.date(2026, 3, 2),
        "end_date": datetime.date(2026, 6, 26),
        "description": "Demo unit: the first steps of programming, with weekly lab and workshop tasks."}

STREAMS = [("Laboratory", "LA1", "Lab"), ("Workshop", "WS1", "Workshop")]

# abbreviation, stream, campus, tutor, day, time, location
TUTORIALS = [
    ("LA1-01", "LA1", "B", "atutor", "Monday", datetime.time(9, 30), "ATC101"),
    ("LA1-02", "LA1", "G", "btutor", "Tuesday", datetime.time(13, 30), "KA4.204"),
    ("WS1-01", "WS1", "C", "atutor", "Wednesday", datetime.time(18, 0), "Online"),
    ("WS1-02", "WS1", "B", "btutor", "Thursday", datetime.time(11, 30), "EN302"),
]

# abbreviation, name, target grade (0 Pass .. 3 High Distinction), week it starts, graded, max quality points
TASK_DEFINITIONS = [
    ("1.1P", "Hello World", 0, 1, False, 0),
    ("1.2P", "Variables and Types", 0, 2, False, 0),
    ("2.1P", "Control Flow", 0, 3, False, 0),
    ("2.2C", "Guessing Game", 1, 4, False, 3),
    ("3.1P", "Functions and Procedures", 0, 5, False, 0),
    ("3.2D", "Custom Program Design", 2, 6, True, 5),
    ("4.1P", "Arrays and Lists", 0, 7, False, 0),
    ("5.1HD", "Research Report", 3, 9, True, 5),
]

STUDENT_COUNT = 50
FIRST_NAMES = ["Ava", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamish", "Isla", "Jack", "Kai", "Lena",
               "Mia", "Noah", "Olivia", "Priya", "Quinn", "Ruby", "Sam", "Tara", "Uma", "Vik", "Wen", "Xavier", "Yui"]
LAST_NAMES = ["Nguyen", "Smith", "Patel", "Chen", "Brown", "Kaur", "Wilson", "Tran", "Jones", "Singh"]

# How far along a student is with a task: (steps, weight). A step is (who, status, days after the target date).
# The tutor's steps become Assessment rows; the student's do not (as `update_task` decides).
PROGRESS = [
    ([], 3),
    ([("student", TaskStatus.WORKING_ON_IT, -3)], 2),
    ([("student", TaskStatus.NEED_HELP, -1)], 1),
    ([("tutor", TaskStatus.READY_FOR_FEEDBACK, 0)], 1),
    ([("tutor", TaskStatus.DISCUSS, 2)], 1),
    ([("tutor", TaskStatus.DEMONSTRATE, 2)], 1),
    ([("tutor", TaskStatus.FIX_AND_RESUBMIT, 2)], 2),
    ([("tutor", TaskStatus.FIX_AND_RESUBMIT, 2), ("tutor", TaskStatus.COMPLETE, 9)], 3),
    ([("tutor", TaskStatus.COMPLETE, 3)], 5),
    ([("tutor", TaskStatus.REDO, 3)], 1),
    ([("tutor", TaskStatus.TIME_EXCEEDED, 1)], 1),
    ([("tutor", TaskStatus.FEEDBACK_EXCEEDED, 4)], 1),
    ([("tutor", TaskStatus.FAIL, 5)], 1),
]


# The demo semester's attendance: (owner, course id, name, students (demo numbers), weekdays, start time).
DEMO_COURSES = [
    ("cconvenor", "COS10001-LA", "Introduction to Programming: labs", range(1, 41), (0, 3), datetime.time(9, 30)),
    ("atutor", "COS10001-WS", "Introduction to Programming: workshops", range(11, 51), (1, 4), datetime.time(18, 0)),
]
DEMO_WEEKS = 12  # two classes a week: 24 recorded dates

# And a course that follows the unit, in the middle of its term whenever the demo is loaded: atutor's tutorial
# LA1-01 (its 25 students, Mondays at its meeting time), the last LINKED_WEEKS_HELD Mondays recorded and
# LINKED_WEEKS_AHEAD more planned. Its students see it on My attendance, and the course page has students who
# need most of what is left (at risk) or cannot reach the cutoff any more.
DEMO_LINKED = ("atutor", "COS10001-LA1-01", "Introduction to Programming: lab LA1-01", "LA1-01")
LINKED_WEEKS_HELD, LINKED_WEEKS_AHEAD = 10, 6


def seed_attendance(stdout) -> None:
    """A semester of attendance for `cconvenor` and `atutor`: 40 students each, 24 classes, recorded by
    uploading generated Teams, Zoom and Google Form reports through the attendance service (as a teacher would).

    Idempotent: a course that exists keeps its roster, and only dates not yet recorded are uploaded.
    """
    from attendance import demo_semester

    rng = random.Random(20260302)
    defaults = apps.get_model("dashboard", "CourseDefaults")
    for owner_name, course_id, name, numbers, weekdays, start in DEMO_COURSES:
        owner = User.objects.get(username=owner_name)
        people = []
        for student in User.objects.filter(username__in=[f"student{n:02d}" for n in numbers]).order_by("username"):
            people.append((student.student_id or student.username, student.full_name or student.username, student.email))
        students = demo_semester.profiles(people, rng)
        course = demo_semester.demo_course(owner=owner, course_id=course_id, course_name=name,
                                           batch=UNIT["start_date"].year, students=students)
        defaults.objects.get_or_create(course=course, defaults={"threshold_minutes": 30})
        dates = demo_semester.semester_dates(UNIT["start_date"], weekdays, DEMO_WEEKS)
        recorded = demo_semester.record_semester(course=course, owner=owner, students=students, dates=dates,
                                                 start=start, rng=rng)
        stdout.write(f"Attendance: {course_id} of {owner_name}: {len(students)} students, "
                     f"{recorded} class{'es' if recorded != 1 else ''} recorded now.")
    seed_linked_course(stdout, rng)


def seed_linked_course(stdout, rng) -> None:
    """DEMO_LINKED: made from the tutorial (its roster is the tutorial's students, with their accounts), its past
    Mondays uploaded as reports, its plan generated from the tutorial's meeting day and time."""
    from attendance import demo_semester
    from attendance import services as attendance_services
    from attendance.models import Course
    from attendance.selectors import schedule_defaults

    owner_name, course_id, name, tutorial_name = DEMO_LINKED
    owner = User.objects.get(username=owner_name)
    unit = Unit.objects.get(code=UNIT["code"], start_date=UNIT["start_date"])
    course = Course.objects.filter(owner=owner, course_id=course_id, batch=UNIT["start_date"].year).first()
    if course is None:
        course = attendance_services.create_course_from_unit(
            owner=owner, course_id=course_id, course_name=name, batch=UNIT["start_date"].year, unit=unit,
            tutorial=unit.tutorials.get(abbreviation=tutorial_name),
        )
    apps.get_model("dashboard", "CourseDefaults").objects.get_or_create(course=course, defaults={"threshold_minutes": 30})
    people = [(entry.roll, entry.name, entry.email) for entry in course.students.filter(withdrawn=False).order_by("roll")]
    students = demo_semester.profiles(people, rng)
    schedule = schedule_defaults(course)
    today = timezone.localdate()
    latest = today - datetime.timedelta(days=(today.weekday() - schedule.weekday - 1) % 7 + 1)  # before today
    held = [latest - datetime.timedelta(weeks=week) for week in reversed(range(LINKED_WEEKS_HELD))]
    ahead = [latest + datetime.timedelta(weeks=week) for week in range(1, LINKED_WEEKS_AHEAD + 1)]
    recorded = demo_semester.record_semester(course=course, owner=owner, students=students, dates=held,
                                             start=schedule.time, rng=rng)
    attendance_services.plan_classes(course=course, classes=[(day, schedule.time) for day in held + ahead])
    stdout.write(f"Attendance: {course_id} of {owner_name} (follows {tutorial_name}): {len(students)} students, "
                 f"{recorded} class{'es' if recorded != 1 else ''} recorded now, {LINKED_WEEKS_AHEAD} planned ahead.")


class Command(BaseCommand):
    help = "Create (or complete) the demo unit, staff, students, tasks and assessments. Safe to run repeatedly."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        with transaction.atomic():
            counts = seed_units(password=password)
        seed_attendance(self.stdout)
        created = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
        self.stdout.write(f"Demo data ready ({'created ' + created if created else 'nothing new to create'}).")
        self.stdout.write("")
        self.stdout.write(self.style.WARNING(
            "Demo logins - FOR LOCAL USE ONLY: these passwords are public; never load demo data on a shared server."
        ))
        shown = password if password != DEFAULT_DEMO_PASSWORD else f"{password} (set DEMO_PASSWORD to change)"
        for username, _, _, role in STAFF:
            self.stdout.write(f"  {username:<10} {role:<9} password: {shown}")
        self.stdout.write(f"  student01 .. student{STUDENT_COUNT:02d}  Student   password: {shown}")
        self.stdout.write("  (accounts that already existed keep the password they had)")


def seed_units(*, password: str) -> dict[str, int]:
    """Create whatever part of the demo unit is missing; returns how many rows of each kind were created."""
    counts = {}
    hashed = make_password(password)  # hashed once: the same demo password for every account
    rng = random.Random(20260302)  # fixed seed: every run plans the same statuses

    campuses = {}
    for name, abbreviation, mode in CAMPUSES:
        campuses[abbreviation], new = Campus.objects.get_or_create(
            abbreviation=abbreviation, defaults={"name": name, "mode": mode}
        )
        counts["campuses"] = counts.get("campuses", 0) + new

    people = {}
    for username, first, last, role in STAFF:
        people[username], new = _account(username, hashed, first_name=first, last_name=last, role=role,
                                         is_superuser=role == Role.ADMIN)
        counts["staff"] = counts.get("staff", 0) + new

    unit = Unit.objects.filter(code__iexact=UNIT["code"]).order_by("pk").first()
    if unit is None:
        unit = Unit.objects.create(**UNIT)
        counts["units"] = 1

    roles = {}
    for username, kind in [("cconvenor", UnitRole.Kind.CONVENOR), ("atutor", UnitRole.Kind.TUTOR),
                           ("btutor", UnitRole.Kind.TUTOR)]:
        roles[username], new = UnitRole.objects.get_or_create(unit=unit, user=people[username],
                                                              defaults={"role": kind})
        counts["unit roles"] = counts.get("unit roles", 0) + new

    streams = {}
    for name, abbreviation, activity in STREAMS:
        streams[abbreviation], new = TutorialStream.objects.get_or_create(
            unit=unit, abbreviation=abbreviation, defaults={"name": name, "activity_type": activity}
        )
        counts["streams"] = counts.get("streams", 0) + new

    tutorials = {}
    for abbreviation, stream, campus, tutor, day, time, location in TUTORIALS:
        tutorials[abbreviation], new = Tutorial.objects.get_or_create(
            unit=unit, abbreviation=abbreviation,
            defaults={"stream": streams[stream], "campus": campuses[campus], "tutor": roles[tutor],
                      "meeting_day": day, "meeting_time": time, "meeting_location": location, "capacity": 30},
        )
        counts["tutorials"] = counts.get("tutorials", 0) + new

    definitions = []
    for abbreviation, name, target, week, graded, max_quality in TASK_DEFINITIONS:
        start = UNIT["start_date"] + datetime.timedelta(weeks=week - 1)
        definition, new = TaskDefinition.objects.get_or_create(
            unit=unit, abbreviation=abbreviation,
            defaults={"name": name, "target_grade": target, "start_date": start,
                      "target_date": start + datetime.timedelta(days=13),
                      "due_date": start + datetime.timedelta(days=27), "weighting": 4 if graded else 2,
                      "is_graded": graded, "max_quality_pts": max_quality,
                      "description": f"Week {week}: {name}."},
        )
        definitions.append(definition)
        counts["task definitions"] = counts.get("task definitions", 0) + new

    projects = []
    for n in range(1, STUDENT_COUNT + 1):
        lab = tutorials["LA1-01" if n % 2 else "LA1-02"]
        workshop = tutorials["WS1-01" if n % 3 else "WS1-02"]
        student, new = _account(
            f"student{n:02d}", hashed, first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[n % len(LAST_NAMES)], role=Role.STUDENT, student_id=f"1020{n:04d}",
        )
        counts["students"] = counts.get("students", 0) + new
        project, new = Project.objects.get_or_create(
            user=student, unit=unit, defaults={"campus": lab.campus, "target_grade": n % 4}
        )
        counts["enrolments"] = counts.get("enrolments", 0) + new
        for tutorial in (lab, workshop):
            # One per stream: an existing place in the stream (perhaps changed by hand) is kept.
            if not TutorialEnrolment.objects.filter(project=project, stream=tutorial.stream).exists():
                TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
                counts["tutorial enrolments"] = counts.get("tutorial enrolments", 0) + 1
        projects.append((project, lab.tutor.user))
    sync_unit_rosters(unit_ids=[unit.pk])  # attendance courses that follow the unit (made since a first run)

    counts.update(_seed_tasks(projects, definitions, rng))
    return counts


def _account(username, hashed, **fields):
    user = User.objects.filter(username__iexact=username).first()
    if user is not None:
        return user, False
    user = User(username=username, email=f"{username}@example.edu", password=hashed, **fields)
    user.save()
    return user, True


def _seed_tasks(projects, definitions, rng) -> dict[str, int]:
    """Tasks with statuses and the assessments that explain them, in bulk.

    Only tasks that do not exist yet are created (with their assessments), so `times_assessed` always equals
    the number of Assessment rows of the task.
    """
    existing = set(
        Task.objects.filter(project__in=[p for p, _ in projects]).values_list("project_id", "definition_id")
    )
    progress, weights = zip(*PROGRESS)
    tasks, plans = [], []
    for index, definition in enumerate(definitions):
        for project, tutor in projects:
            # Plan for every pair, created or not, so the random sequence (and so the data) is the same each run.
            steps = rng.choices(progress, weights=weights)[0]
            if index >= len(definitions) - 2 and rng.random() < 0.6:
                steps = []  # the late tasks: most students have not started them
            if (project.pk, definition.pk) in existing:
                continue
            task = Task(project=project, definition=definition)
            target = timezone.make_aware(datetime.datetime.combine(definition.target_date, datetime.time(12, 0)))
            plan = []
            for who, status, days in steps:
                at = target + datetime.timedelta(days=days, hours=rng.randint(0, 6), minutes=len(plan))
                task.status = status
                if who == "tutor":
                    task.times_assessed += 1
                    task.assessment_date = at
                    plan.append(Assessment(assessor=tutor, status=status, assessed_at=at))
                if status == TaskStatus.COMPLETE:
                    task.completion_date = at
                    if definition.is_graded:
                        task.grade = rng.randint(0, 3)
                    if definition.max_quality_pts:
                        task.quality_pts = rng.randint(1, definition.max_quality_pts)
            tasks.append(task)
            plans.append(plan)
    created = Task.objects.bulk_create(tasks)
    assessments = []
    for task, plan in zip(created, plans):
        for assessment in plan:
            assessment.task = task
            assessments.append(assessment)
    Assessment.objects.bulk_create(assessments)
    return {"tasks": len(created), "assessments": len(assessments)}
