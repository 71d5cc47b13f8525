"""Who may call what: every route of the product × every kind of caller → the status SPEC §1–§4 promise.

ONE table (`MATRIX`) drives the test. Each row is one route (method + path, with the small VALID body it
needs, so that only permission decides) and one expected status per actor, in the column order of
`ACTORS` (abbreviated in the column heads: ano(nymous), bad/exp(ired)/rev(oked) token, stu(dent),
oTu = tutor of another unit, tut(or), oCo = convenor of another unit, con(venor), adm(in), oTe = other
teacher). `login` means "302 to the dashboard's sign-in page"; a plain 302 is a redirect anywhere else.

How each actor presents itself depends on the route family (SPEC §1):
* `csv`, `rest`, `auth` — Doubtfire's `Username` + `Auth_Token` headers. Auth failures: 419 on /api/csv, 401
  elsewhere.
* `att` (attendance seed routes) — the `token` form field with `api=1`. Auth failures: 401.
* `dash` (server-rendered dashboard) — people sign in with a session (`force_login`); the token actors
  send their token as headers and as a `token` field, and must be treated as anonymous (302 to sign-in).

The world (built afresh for every case with factories): unit COS10001 with a stream `LA`, a tutorial
`LA1-01` in it (tutored by the tutor), one enrolled student with a task; unit COS20002 staffed by the "other"
tutor and convenor; the admin (aadmin), and a second Admin (badmin) who also convenes COS10001. The convenor of
COS10001 is also the attendance teacher: they own course CS101/2026 with two students and 2026-02-13 recorded,
shared with badmin. The other teacher (signed up through /api_signup: system role Tutor, no unit role) owns
CS202/2026. badmin owns LAB1/2026, a course that follows tutorial LA1-01 (its roster: the student), with
2026-02-13 recorded, shared with the other teacher: the convenor sees it as the unit's Convenor, the tutor as
the tutorial's tutor, the admin as an Admin with no role in the unit, the other teacher as its co-teacher. The broken tokens (bad, expired, revoked) are all
presented in the convenor's name, the person who would otherwise get through almost everywhere, so that only
the state of the token decides.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient, ForceAuthClientHandler

from attendance import services as attendance_services
from attendance.models import Course, CourseStudent, Record, Session, SourceFormat
from dashboard.models import StagedUpload
from dashboard.services.staging import stage_upload
from dashboard.services.trash import delete_with_undo
from jobs.models import Job
from doubtfire.models import AuthToken, Role, TaskStatus, TutorialEnrolment, UnitRole
from doubtfire.services import issue_auth_token, revoke_auth_token
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

PASSWORD = "correct horse battery staple"  # the factories' password
NEW_PASSWORD = "a different long passphrase 7"
LOGIN_URL = "/accounts/login/"
LOGIN = "login"  # expected: a 302 to the sign-in page

ACTORS = (
    "anonymous",
    "bad token",
    "expired token",
    "revoked token",
    "student",
    "tutor of another unit",
    "tutor",
    "convenor of another unit",
    "convenor",
    "admin",
    "other teacher",
)
TOKEN_ACTORS = ("bad token", "expired token", "revoked token")
PEOPLE = ACTORS[4:]

# --- small VALID files, so that only permission decides -------------------------------------------

USERS_CSV = "username,email,role,first_name,last_name\nnewbie,newbie@example.edu,Student,New,Bie\n"
# COS10001 has the stream LA, so the enrolment file has one column per stream instead of `tutorial`.
ENROL_CSV = "unit_code,username,email,first_name,last_name,la\nCOS10001,newbie,newbie@example.edu,New,Bie,LA1-01\n"
WITHDRAW_CSV = "unit_code,username\nCOS10001,sstudent\n"
# The admin actor (aadmin) as a student of COS10001.
ENROL_ADMIN_CSV = "unit_code,username,email,first_name,last_name,la\nCOS10001,aadmin,aadmin@example.edu,A,Admin,LA1-01\n"
TASKS_CSV = (
    "name,abbreviation,start_week,start_day,target_week,target_day,tutorial_stream\n"
    "Pass task 9,P9,1,Mon,2,Mon,LA\n"
)
ROSTER_CSV = "Roll Number,Name\n1,Asha\n2,Ravi\n3,Mina\n"
# A legacy Teams log for a date not yet recorded (2026-02-14); rolls 1 and 2 are on CS101's roster.
REPORT_CSV = (
    "Full Name,User Action,Timestamp\n"
    '1,Joined,"14/2/2026, 9:00:00 AM"\n'
    '1,Left,"14/2/2026, 10:00:00 AM"\n'
    '2,Joined,"14/2/2026, 9:05:00 AM"\n'
    '2,Left,"14/2/2026, 9:10:00 AM"\n'
)
REPORT_END = "14/2/2026, 11:00:00 AM"
# The same for LAB1, whose roster follows tutorial LA1-01: its one student's roll is their username.
LAB_REPORT_CSV = (
    "Full Name,User Action,Timestamp\n"
    'sstudent,Joined,"14/2/2026, 9:00:00 AM"\n'
    'sstudent,Left,"14/2/2026, 10:00:00 AM"\n'
)


def upload(name: str, text: str):
    handle = io.BytesIO(text.encode("utf-8"))
    handle.name = name
    return handle


def xlsx_upload(name: str, rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    handle.name = name
    return handle


# --- the world ------------------------------------------------------------------------------------


# The rows a path may name, as {placeholder} in the table's paths.
ID_NAMES = (
    "unit", "campus", "stream", "tutorial", "unit_role", "admin_role", "student", "project", "task", "course", "progress",
    "definition", "course_student", "session", "staged_course", "staged_unit", "staged_users", "deletion",
    "lab_course", "co_teacher", "co_teacher_pk",
)
UUID_IDS = {"progress", "staged_course", "staged_unit", "staged_users", "deletion"}


@dataclass
class World:
    people: dict[str, object]
    ids: dict[str, object]  # keys: ID_NAMES


def build_world() -> World:
    campus = CampusFactory(name="Burwood", abbreviation="B")
    unit = UnitFactory(code="COS10001", start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 6, 26))
    other_unit = UnitFactory(code="COS20002")
    stream = TutorialStreamFactory(unit=unit, name="Labs", abbreviation="LA")
    tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01", campus=campus, stream=stream)

    student = UserFactory(username="sstudent", role=Role.STUDENT)
    project = ProjectFactory(user=student, unit=unit, campus=campus)
    TutorialEnrolment.objects.create(project=project, tutorial=tutorial, stream=stream)
    task = TaskFactory(project=project, definition=TaskDefinitionFactory(unit=unit, abbreviation="P1", tutorial_stream=stream))

    def staff(username, system_role, unit_, kind):
        return UnitRoleFactory(user=UserFactory(username=username, role=system_role), unit=unit_, role=kind)

    other_tutor = staff("otutor", Role.TUTOR, other_unit, UnitRole.Kind.TUTOR)
    tutor_role = staff("ttutor", Role.TUTOR, unit, UnitRole.Kind.TUTOR)
    other_convenor = staff("oconvenor", Role.CONVENOR, other_unit, UnitRole.Kind.CONVENOR)
    convenor = staff("cconvenor", Role.CONVENOR, unit, UnitRole.Kind.CONVENOR)
    admin = UserFactory(username="aadmin", role=Role.ADMIN)
    # A second Admin who convenes COS10001 beside cconvenor: the role nobody but an Admin may touch.
    admin_role = staff("badmin", Role.ADMIN, unit, UnitRole.Kind.CONVENOR)
    other_teacher = UserFactory(username="oteacher@example.edu", email="oteacher@example.edu", role=Role.TUTOR)

    course = Course.objects.create(owner=convenor.user, course_id="CS101", course_name="Intro", batch=2026)
    rolls = [CourseStudent.objects.create(course=course, roll=roll, name=name) for roll, name in (("1", "Asha"), ("2", "Ravi"))]
    session = Session.objects.create(
        course=course, date=datetime.date(2026, 2, 13), source_format=SourceFormat.TEAMS_LEGACY, uploaded_by=convenor.user
    )
    Record.objects.bulk_create(
        [Record(session=session, student=rolls[0], status="present", present=True, seconds_attended=3600),
         Record(session=session, student=rolls[1], status="absent", present=False, seconds_attended=0)]
    )
    other_course = Course.objects.create(owner=other_teacher, course_id="CS202", course_name="Other", batch=2026)
    CourseStudent.objects.create(course=other_course, roll="1", name="Zed")
    course.co_teachers.add(admin_role.user)

    tutorial.tutor = tutor_role
    tutorial.save()
    lab = attendance_services.create_course_from_unit(
        owner=admin_role.user, course_id="LAB1", course_name="Labs", batch=2026, unit=unit, tutorial=tutorial
    )
    lab.co_teachers.add(other_teacher)
    lab_session = Session.objects.create(
        course=lab, date=datetime.date(2026, 2, 13), source_format=SourceFormat.TEAMS_LEGACY, uploaded_by=admin_role.user
    )
    Record.objects.create(session=lab_session, student=lab.students.get(), status="present", present=True, seconds_attended=3000)
    # The progress of an upload the convenor has under way in the dashboard.
    progress = Job.objects.create(kind="dashboard_upload", owner=convenor.user)
    # Uploads the convenor has waiting for Confirm, and a deletion they may still undo.
    staged_course = stage_upload(owner=convenor.user, kind=StagedUpload.Kind.ATTENDANCE, course=course,
                                 files=[("teams.csv", REPORT_CSV.encode())], options={"end_time": REPORT_END})
    staged_unit = stage_upload(owner=convenor.user, kind=StagedUpload.Kind.ENROLMENTS, unit=unit,
                               files=[("students.csv", ENROL_CSV.encode())], options={})
    staged_users = stage_upload(owner=convenor.user, kind=StagedUpload.Kind.USERS,
                                files=[("users.csv", USERS_CSV.encode())], options={})
    gone = CourseStudent.objects.create(course=course, roll="99", name="Gone")
    deletion = delete_with_undo(owner=convenor.user, objects=[gone], kind="student", course=course, description="Gone")

    return World(
        people={
            "student": student,
            "tutor of another unit": other_tutor.user,
            "tutor": tutor_role.user,
            "convenor of another unit": other_convenor.user,
            "convenor": convenor.user,
            "admin": admin,
            "other teacher": other_teacher,
        },
        ids={
            "unit": unit.pk,
            "campus": campus.pk,
            "stream": stream.pk,
            "tutorial": tutorial.pk,
            "unit_role": tutor_role.pk,
            "admin_role": admin_role.pk,
            "student": student.pk,
            "project": project.pk,
            "task": task.pk,
            "course": course.pk,
            "progress": progress.pk,
            "definition": task.definition_id,
            "course_student": rolls[1].pk,
            "session": session.pk,
            "staged_course": staged_course.pk,
            "staged_unit": staged_unit.pk,
            "staged_users": staged_users.pk,
            "deletion": deletion.pk,
            "lab_course": lab.pk,
            "co_teacher": admin_role.user.username,
            "co_teacher_pk": admin_role.user.pk,
        },
    )


def broken_token(world: World, actor: str) -> str:
    """A token in the convenor's name that does not work: made up, expired, or signed out."""
    owner = world.people["convenor"]
    if actor == "bad token":
        return "not-a-real-token-" + "x" * 30
    if actor == "expired token":
        raw = issue_auth_token(user=owner)
        AuthToken.objects.filter(digest=AuthToken.digest_of(raw)).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        return raw
    raw = issue_auth_token(user=owner)
    assert revoke_auth_token(raw=raw)
    return raw


# --- the table --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    family: str  # csv | auth | att | rest | dash
    method: str
    path: str  # placeholders: the keys of World.ids
    expected: dict[str, int | str]
    body: Callable[[World], dict] | None = None
    fmt: str = "multipart"
    note: str = ""  # tells apart two rows of one route
    refused_rows: tuple[str, ...] = ()  # csv uploads: actors whose 201 reports the file's rows as errors

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.note})" if self.note else "")


def row(family, method, path, statuses: str, body=None, fmt="multipart", note="", refused_rows=()) -> Route:
    values = statuses.split()
    assert len(values) == len(ACTORS), f"{method} {path}: {len(values)} statuses for {len(ACTORS)} actors"
    expected = {actor: (value if value == LOGIN else int(value)) for actor, value in zip(ACTORS, values)}
    return Route(family, method, path, expected, body, fmt, note, refused_rows)


def csv(*args, **kwargs):
    return row("csv", *args, **kwargs)


def auth(*args, **kwargs):
    return row("auth", *args, **kwargs)


def att(*args, **kwargs):
    return row("att", *args, **kwargs)


def rest(*args, **kwargs):
    return row("rest", *args, **kwargs)


def dash(*args, **kwargs):
    return row("dash", *args, **kwargs)


def attendance_report():
    return upload("teams.csv", REPORT_CSV)


def lab_report():
    return upload("teams.csv", LAB_REPORT_CSV)


MATRIX = [
    # route                                                        ano bad exp rev stu oTu tut oCo con adm oTe
    # --- Doubtfire CSV API (SPEC §2): 419 for every auth failure, then the role table --------------------
    csv("GET", "/api/csv/users",                                  "419 419 419 419 403 403 403 403 403 200 403"),
    csv("POST", "/api/csv/users",                                 "419 419 419 419 403 403 403 201 201 201 403",
        lambda w: {"file": upload("users.csv", USERS_CSV)}),
    csv("GET", "/api/csv/units/{unit}",                           "419 419 419 419 403 403 200 403 200 200 403"),
    csv("POST", "/api/csv/units/{unit}",                          "419 419 419 419 403 403 403 403 201 201 403",
        lambda w: {"file": upload("students.csv", ENROL_CSV)}),
    # Roles cannot be used against their grantor (issue 11 item 8): only an Admin enrols an Admin as a student.
    csv("POST", "/api/csv/units/{unit}",                          "419 419 419 419 403 403 403 403 201 201 403",
        lambda w: {"file": upload("students.csv", ENROL_ADMIN_CSV)}, note="enrolling an Admin", refused_rows=("convenor",)),
    csv("POST", "/api/csv/units/{unit}/withdraw",                 "419 419 419 419 403 403 403 403 201 201 403",
        lambda w: {"file": upload("withdraw.csv", WITHDRAW_CSV)}),
    csv("GET", "/api/csv/units/{unit}/task_completion",           "419 419 419 419 403 403 200 403 200 200 403"),
    csv("GET", "/api/csv/units/{unit}/task_completion.json",      "419 419 419 419 403 403 200 403 200 200 403"),
    csv("GET", "/api/csv/units/{unit}/tutor_assessments",         "419 419 419 419 403 403 200 403 200 200 403"),
    csv("GET", "/api/csv/units/{unit}/tutor_assessments.json",    "419 419 419 419 403 403 200 403 200 200 403"),
    csv("GET", "/api/csv/units/{unit}/attendance",                "419 419 419 419 403 403 200 403 200 200 403"),
    csv("GET", "/api/csv/task_definitions?unit_id={unit}",        "419 419 419 419 403 403 200 403 200 200 403"),
    csv("POST", "/api/csv/task_definitions",                      "419 419 419 419 403 403 403 403 201 201 403",
        lambda w: {"unit_id": str(w.ids["unit"]), "file": upload("tasks.csv", TASKS_CSV)}),
    # --- /api/auth (SPEC §1): anyone may sign in with a password; signing out needs a live token --------
    # People sign in with their own password; anonymous and the broken tokens with the convenor's.
    auth("POST", "/api/auth",                                     "201 201 201 201 201 201 201 201 201 201 201",
        lambda w: {}, fmt="json"),
    auth("DELETE", "/api/auth",                                   "401 401 401 401 200 200 200 200 200 200 200"),
    # doubtfire-web's hourly refresh: a new token for a live one; every failure is 419, as on /api/csv.
    auth("PUT", "/api/auth",                                      "419 419 419 419 200 200 200 200 200 200 200",
        lambda w: {"remember": True}, fmt="json"),
    # What doubtfire-web reads before anyone signs in: public, and a broken token sent with it is ignored.
    auth("GET", "/api/auth/method",                               "200 200 200 200 200 200 200 200 200 200 200"),
    auth("GET", "/api/auth/signout_url",                          "200 200 200 200 200 200 200 200 200 200 200"),
    auth("GET", "/api/settings",                                  "200 200 200 200 200 200 200 200 200 200 200"),
    # --- attendance seed routes (SPEC §3): 401 for auth failures, 404 for a course that is not yours ----
    att("POST", "/api_signup",                                    "200 200 200 200 200 200 200 200 200 200 200",
        lambda w: {"name": "New Teacher", "email": "new.teacher@example.edu", "password": NEW_PASSWORD}),
    att("POST", "/add_course",                                    "401 401 401 401 200 200 200 200 200 200 200",
        lambda w: {"course_id": "NEW1", "course_name": "New", "batch": "2026", "file": upload("roster.csv", ROSTER_CSV)}),
    att("POST", "/delete_course",                                 "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_id": "CS101", "batch": "2026"}),
    att("POST", "/upload_attendance",                             "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_id": "CS101", "batch": "2026", "threshold": "0", "end_time": REPORT_END,
                   "file": attendance_report()}),
    att("POST", "/download_attendance",                           "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"down-course": "CS101-2026", "report_type": "1", "report_format": "0"}),
    att("POST", "/get_all_courses",                               "401 401 401 401 200 200 200 200 200 200 200",
        lambda w: {}),
    att("POST", "/add_students",                                  "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_id": "CS101", "batch": "2026", "file": upload("roster.csv", ROSTER_CSV)}),
    att("POST", "/remove_student",                                "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_id": "CS101", "batch": "2026", "roll": "2"}),
    att("POST", "/delete_date",                                   "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_id": "CS101", "batch": "2026", "date": "2026-02-13"}),
    # --- courses that follow a unit (issue 14): who sees what (attendance.permissions) -----------------
    # LAB1 follows tutorial LA1-01: its tutor, the unit's Convenor, an Admin with no role in the unit and its
    # co-teacher see it and record for it; changing or deleting it is for its owner (badmin) only: 403 for them.
    att("POST", "/upload_attendance",                             "401 401 401 401 404 404 200 404 200 200 200",
        lambda w: {"course_id": "LAB1", "batch": "2026", "threshold": "0", "end_time": REPORT_END, "file": lab_report()},
        note="a course that follows a tutorial"),
    att("POST", "/download_attendance",                           "401 401 401 401 404 404 200 404 200 200 200",
        lambda w: {"down-course": "LAB1-2026", "report_type": "1", "report_format": "0"},
        note="a course that follows a tutorial"),
    att("POST", "/delete_date",                                   "401 401 401 401 404 404 200 404 200 200 200",
        lambda w: {"course_id": "LAB1", "batch": "2026", "date": "2026-02-13"}, note="a course that follows a tutorial"),
    att("POST", "/delete_course",                                 "401 401 401 401 404 404 403 404 403 403 403",
        lambda w: {"course_id": "LAB1", "batch": "2026"}, note="a course that follows a tutorial"),
    # A tutor links only their own tutorials; the Convenors (and an Admin with no role) link anything of the unit.
    att("POST", "/add_course_from_unit",                          "401 401 401 401 403 403 200 403 200 200 403",
        lambda w: {"course_id": "NEW2", "course_name": "Lab", "batch": "2026", "unit_id": str(w.ids["unit"]),
                   "tutorial": "LA1-01"}),
    att("POST", "/add_course_from_unit",                          "401 401 401 401 403 403 403 403 200 200 403",
        lambda w: {"course_id": "NEW2", "course_name": "Unit", "batch": "2026", "unit_id": str(w.ids["unit"])},
        note="the whole unit"),
    # --- REST resources (SPEC §4): 401 for auth failures; rows outside your scope are not found --------
    rest("GET", "/api/",                                          "401 401 401 401 200 200 200 200 200 200 200"),
    # The API's documents are public, but a token that is sent must be good.
    rest("GET", "/api/schema/",                                   "200 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/docs/",                                     "200 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/users/",                                    "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/users/{student}/",                          "401 401 401 401 200 404 404 404 404 200 404"),
    rest("POST", "/api/users/",                                   "401 401 401 401 403 403 403 403 403 201 403",
        lambda w: {"username": "created", "email": "created@example.edu", "first_name": "C", "last_name": "R",
                   "role": "Student"}, fmt="json"),
    rest("PATCH", "/api/users/{student}/",                        "401 401 401 401 200 404 404 404 404 200 404",
        lambda w: {"first_name": "Changed"}, fmt="json"),
    rest("DELETE", "/api/users/{student}/",                       "401 401 401 401 403 403 403 403 403 204 403"),
    rest("GET", "/api/campuses/",                                 "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/campuses/{campus}/",                        "401 401 401 401 200 200 200 200 200 200 200"),
    rest("POST", "/api/campuses/",                                "401 401 401 401 403 403 403 403 403 201 403",
        lambda w: {"name": "Waurn Ponds", "abbreviation": "W"}, fmt="json"),
    rest("PATCH", "/api/campuses/{campus}/",                      "401 401 401 401 403 403 403 403 403 200 403",
        lambda w: {"name": "Burwood campus"}, fmt="json"),
    rest("GET", "/api/units/",                                    "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/units/{unit}/",                             "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/units/",                                   "401 401 401 401 403 403 403 403 403 201 403",
        lambda w: {"code": "NEW100", "name": "New unit", "start_date": "2026-07-06", "end_date": "2026-10-30"},
        fmt="json"),
    # Writes: who manages no unit at all is refused (403) before the row is looked up; who manages other
    # units does not find this one (404).
    rest("PATCH", "/api/units/{unit}/",                           "401 401 401 401 403 403 403 404 200 200 403",
        lambda w: {"name": "Renamed"}, fmt="json"),
    rest("DELETE", "/api/units/{unit}/",                          "401 401 401 401 403 403 403 403 403 204 403"),
    rest("GET", "/api/tutorial_streams/",                         "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/tutorial_streams/{stream}/",                "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/tutorial_streams/",                        "401 401 401 401 403 403 403 403 201 201 403",
        lambda w: {"unit": w.ids["unit"], "name": "Workshops", "abbreviation": "WS"}, fmt="json"),
    rest("PATCH", "/api/tutorial_streams/{stream}/",              "401 401 401 401 403 403 403 404 200 200 403",
        lambda w: {"name": "Labs two"}, fmt="json"),
    rest("GET", "/api/tutorials/",                                "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/tutorials/{tutorial}/",                     "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/tutorials/",                               "401 401 401 401 403 403 403 403 201 201 403",
        lambda w: {"unit": w.ids["unit"], "abbreviation": "LA1-02", "campus": "B", "stream": "LA", "tutor": "ttutor"},
        fmt="json"),
    rest("DELETE", "/api/tutorials/{tutorial}/",                  "401 401 401 401 403 403 403 404 204 204 403"),
    rest("GET", "/api/unit_roles/",                               "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/unit_roles/{unit_role}/",                   "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/unit_roles/",                              "401 401 401 401 403 403 403 403 201 201 403",
        lambda w: {"unit": w.ids["unit"], "user": "oteacher@example.edu", "role": "Tutor"}, fmt="json"),
    # Promoting the tutor to Convenor.
    rest("PATCH", "/api/unit_roles/{unit_role}/",                 "401 401 401 401 403 403 403 404 200 200 403",
        lambda w: {"role": "Convenor"}, fmt="json"),
    # Roles cannot be used against their grantor (issue 11 item 8): the unit's Convenor may not give, change
    # or remove an Admin's role in it; only an Admin may.
    rest("POST", "/api/unit_roles/",                              "401 401 401 401 403 403 403 403 403 201 403",
        lambda w: {"unit": w.ids["unit"], "user": "aadmin", "role": "Tutor"}, fmt="json", note="an Admin as Tutor"),
    rest("PATCH", "/api/unit_roles/{admin_role}/",                "401 401 401 401 403 403 403 404 403 200 403",
        lambda w: {"role": "Tutor"}, fmt="json"),
    rest("PUT", "/api/unit_roles/{admin_role}/",                  "401 401 401 401 403 403 403 404 403 200 403",
        lambda w: {"unit": w.ids["unit"], "user": "badmin", "role": "Tutor"}, fmt="json"),
    rest("DELETE", "/api/unit_roles/{admin_role}/",               "401 401 401 401 403 403 403 404 403 204 403"),
    rest("GET", "/api/projects/",                                 "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/projects/{project}/",                       "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/projects/",                                "401 401 401 401 405 405 405 405 405 405 405",
        lambda w: {"unit": w.ids["unit"], "user": "oteacher@example.edu"}, fmt="json"),
    rest("GET", "/api/tasks/",                                    "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/tasks/{task}/",                             "401 401 401 401 200 404 200 404 200 200 404"),
    rest("POST", "/api/tasks/",                                   "401 401 401 401 405 405 405 405 405 405 405",
        lambda w: {"status": TaskStatus.COMPLETE}, fmt="json"),
    # A staff-only status: the student may not set it even on their own task.
    rest("PATCH", "/api/tasks/{task}/",                           "401 401 401 401 403 404 200 404 200 200 404",
        lambda w: {"status": TaskStatus.FIX_AND_RESUBMIT}, fmt="json"),
    rest("GET", "/api/courses/",                                  "401 401 401 401 200 200 200 200 200 200 200"),
    rest("GET", "/api/courses/{course}/",                         "401 401 401 401 404 404 404 404 200 404 404"),
    rest("POST", "/api/courses/",                                 "401 401 401 401 201 201 201 201 201 201 201",
        lambda w: {"course_id": "NEW1", "course_name": "New", "batch": 2026}, fmt="json"),
    rest("PATCH", "/api/courses/{course}/",                       "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"course_name": "Renamed"}, fmt="json"),
    rest("DELETE", "/api/courses/{course}/",                      "401 401 401 401 404 404 404 404 204 404 404"),
    # Issue 14: a course's cells (corrections with their history) are its owner's, like the course.
    rest("POST", "/api/courses/{course}/corrections/",            "401 401 401 401 404 404 404 404 201 404 404",
        lambda w: {"roll": "1", "date": "2026-02-13", "status": "Excused", "remark": "Doctor's note"}, fmt="json"),
    rest("GET", "/api/courses/{course}/history/?roll=1&date=2026-02-13",
                                                                  "401 401 401 401 404 404 404 404 200 404 404"),
    # ... and so are its planned classes and its students' standing.
    rest("GET", "/api/courses/{course}/planned_classes/",         "401 401 401 401 404 404 404 404 200 404 404"),
    rest("POST", "/api/courses/{course}/planned_classes/",        "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"classes": [{"date": "2026-03-02", "start_time": "09:00"}]}, fmt="json"),
    rest("POST", "/api/courses/{course}/planned_classes/generate/",
                                                                  "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"weekday": "Monday", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30"}, fmt="json"),
    rest("POST", "/api/courses/{course}/planned_classes/remove/", "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"classes": [{"date": "2026-03-02"}]}, fmt="json"),
    rest("GET", "/api/courses/{course}/standing/",                "401 401 401 401 404 404 404 404 200 404 404"),
    rest("GET", "/api/courses/{course}/student/?roll=1",          "401 401 401 401 404 404 404 404 200 404 404"),
    rest("GET", "/api/courses/{lab_course}/",                     "401 401 401 401 404 404 200 404 200 200 200"),
    rest("PATCH", "/api/courses/{lab_course}/",                   "401 401 401 401 404 404 403 404 403 403 403",
        lambda w: {"course_name": "Renamed"}, fmt="json"),
    rest("POST", "/api/courses/",                                 "401 401 401 401 403 403 201 403 201 201 403",
        lambda w: {"course_id": "NEW2", "course_name": "Lab", "batch": 2026, "unit": w.ids["unit"], "tutorial": "LA1-01"},
        fmt="json", note="following a tutorial"),
    # Sharing a course is its owner's: the convenor owns CS101; LAB1 is badmin's.
    rest("POST", "/api/courses/{course}/co_teachers/",            "401 401 401 401 404 404 404 404 200 404 404",
        lambda w: {"user": "ttutor"}, fmt="json"),
    rest("POST", "/api/courses/{lab_course}/co_teachers/",        "401 401 401 401 404 404 403 404 403 403 403",
        lambda w: {"user": "ttutor"}, fmt="json"),
    rest("DELETE", "/api/courses/{course}/co_teachers/{co_teacher}/", "401 401 401 401 404 404 404 404 200 404 404"),
    # Everyone signed in sees their own attendance (the student: LAB1's), and only their own.
    rest("GET", "/api/my_attendance",                             "401 401 401 401 200 200 200 200 200 200 200"),
    # --- dashboard (session sign-in; token actors are anonymous there) ----------------------------------
    # route                                                     ano   bad   exp   rev   stu   oTu   tut   oCo   con   adm   oTe
    # A student teaches no course: the home page sends them to their own attendance.
    dash("GET", "/",                                         "login login login login   302   200   200   200   200   200   200"),
    dash("GET", "/my-attendance/",                           "login login login login   200   200   200   200   200   200   200"),
    dash("GET", "/help/",                                    "  200   200   200   200   200   200   200   200   200   200   200"),
    dash("GET", "/accounts/login/",                          "  200   200   200   200   302   302   302   302   302   302   302"),
    dash("POST", "/accounts/login/",                         "  302   302   302   302   302   302   302   302   302   302   302",
        lambda w: {"username": "cconvenor", "password": PASSWORD}),
    dash("GET", "/accounts/signup/",                         "  200   200   200   200   302   302   302   302   302   302   302"),
    dash("POST", "/accounts/signup/",                        "  302   302   302   302   302   302   302   302   302   302   302",
        lambda w: {"name": "New Teacher", "email": "new.teacher@example.edu", "password": NEW_PASSWORD,
                   "password_again": NEW_PASSWORD}),
    dash("POST", "/accounts/logout/",                        "login login login login login login login login login login login"),
    # The browsable API's sign-in page (Django's LoginView, also behind django-axes).
    dash("GET", "/api-auth/login/",                          "  200   200   200   200   200   200   200   200   200   200   200"),
    dash("POST", "/api-auth/logout/",                        "login login login login login login login login login login login"),
    dash("GET", "/accounts/password/",                       "login login login login   200   200   200   200   200   200   200"),
    dash("POST", "/accounts/password/",                      "login login login login   302   302   302   302   302   302   302",
        lambda w: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
    dash("GET", "/accounts/password/done/",                  "login login login login   200   200   200   200   200   200   200"),
    dash("GET", "/units/",                                   "login login login login   200   200   200   200   200   200   200"),
    dash("GET", "/units/users/upload/",                      "login login login login   403   403   403   200   200   200   403"),
    dash("POST", "/units/users/upload/",                     "login login login login   403   403   403   302   302   302   403",
        lambda w: {"file": upload("users.csv", USERS_CSV)}),
    # A waiting upload is its owner's (the convenor's): another person allowed to upload finds nothing there.
    dash("GET", "/units/users/uploads/{staged_users}/",      "login login login login   403   403   403   404   200   404   403"),
    dash("POST", "/units/users/uploads/{staged_users}/confirm/", "login login login login   403   403   403   404   302   404   403",
        lambda w: {"fingerprint": "stale"}),
    dash("POST", "/units/users/uploads/{staged_users}/discard/", "login login login login   403   403   403   302   302   302   403",
        lambda w: {}),
    dash("GET", "/units/{unit}/",                            "login login login login   403   403   200   403   200   200   403"),
    dash("GET", "/units/{unit}/tasks/",                      "login login login login   403   403   200   403   200   200   403"),
    dash("GET", "/units/{unit}/tasks/{project}/{definition}/", "login login login login   403   403   200   403   200   200   403"),
    dash("POST", "/units/{unit}/tasks/{project}/{definition}/", "login login login login   403   403   302   403   302   302   403",
        lambda w: {"status": str(TaskStatus.COMPLETE)}),
    dash("GET", "/units/{unit}/upload/enrolments/",          "login login login login   403   403   403   403   200   200   403"),
    dash("POST", "/units/{unit}/upload/enrolments/",         "login login login login   403   403   403   403   302   302   403",
        lambda w: {"file": upload("students.csv", ENROL_CSV)}),
    dash("GET", "/units/{unit}/upload/withdrawals/",         "login login login login   403   403   403   403   200   200   403"),
    dash("POST", "/units/{unit}/upload/withdrawals/",        "login login login login   403   403   403   403   302   302   403",
        lambda w: {"file": upload("withdraw.csv", WITHDRAW_CSV)}),
    dash("GET", "/units/{unit}/upload/task-definitions/",    "login login login login   403   403   403   403   200   200   403"),
    dash("POST", "/units/{unit}/upload/task-definitions/",   "login login login login   403   403   403   403   302   302   403",
        lambda w: {"file": upload("tasks.csv", TASKS_CSV)}),
    dash("GET", "/units/{unit}/uploads/{staged_unit}/",      "login login login login   403   403   403   403   200   404   403"),
    dash("POST", "/units/{unit}/uploads/{staged_unit}/confirm/", "login login login login   403   403   403   403   302   404   403",
        lambda w: {"fingerprint": "stale"}),
    dash("POST", "/units/{unit}/uploads/{staged_unit}/discard/", "login login login login   403   403   403   403   302   302   403",
        lambda w: {}),
    dash("GET", "/courses/new/",                             "login login login login   200   200   200   200   200   200   200"),
    dash("POST", "/courses/new/",                            "login login login login   302   302   302   302   302   302   302",
        lambda w: {"course_id": "NEW1", "course_name": "New", "batch": "2026",
                   "roster": xlsx_upload("roster.xlsx", [["Roll Number", "Name"], ["1", "Asha"]])}),
    # A course is its owner's (the convenor's): to anyone else it answers as one that does not exist.
    dash("GET", "/courses/{course}/",                        "login login login login   404   404   404   404   200   404   404"),
    dash("GET", "/courses/{course}/upload/",                 "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/upload/",                "login login login login   404   404   404   404   302   404   404",
        lambda w: {"files": attendance_report(), "threshold_minutes": "0", "end_time": REPORT_END, "flags": "",
                   "date_order": "day-first", "match_by": "name"}),
    dash("GET", "/courses/{course}/uploads/{staged_course}/", "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/uploads/{staged_course}/confirm/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {"fingerprint": "stale"}),
    dash("POST", "/courses/{course}/uploads/{staged_course}/choices/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {"answer": "replace"}),
    dash("POST", "/courses/{course}/uploads/{staged_course}/add-students/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    dash("POST", "/courses/{course}/uploads/{staged_course}/discard/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    dash("GET", "/courses/{course}/students/",               "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/students/add/",          "login login login login   404   404   404   404   302   404   404",
        lambda w: {"roll": "9", "name": "Nia"}),
    dash("POST", "/courses/{course}/students/add-file/",     "login login login login   404   404   404   404   302   404   404",
        lambda w: {"roster": xlsx_upload("more.xlsx", [["Roll Number", "Name"], ["7", "Sam"]])}),
    dash("POST", "/courses/{course}/students/{course_student}/rename/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {"name": "Ravi K"}),
    dash("GET", "/courses/{course}/students/{course_student}/remove/", "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/students/{course_student}/remove/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    dash("GET", "/courses/{course}/dates/",                  "login login login login   404   404   404   404   200   404   404"),
    dash("GET", "/courses/{course}/dates/{session}/delete/", "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/dates/{session}/delete/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    dash("GET", "/courses/{course}/settings/",               "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/settings/",              "login login login login   404   404   404   404   302   404   404",
        lambda w: {"threshold_minutes": "20", "cutoff": "80"}),
    dash("GET", "/courses/{course}/delete/",                 "login login login login   404   404   404   404   200   404   404"),
    dash("GET", "/courses/{course}/students/{course_student}/", "login login login login   404   404   404   404   200   404   404"),
    dash("GET", "/courses/{course}/cells/{session}/{course_student}/", "login login login login   404   404   404   404   200   404   404"),
    dash("POST", "/courses/{course}/cells/{session}/{course_student}/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {"status": "excused", "remark": "Doctor's certificate"}),
    dash("POST", "/courses/{course}/dates/plan/generate/",   "login login login login   404   404   404   404   302   404   404",
        lambda w: {"weekday": "0", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30"}),
    dash("POST", "/courses/{course}/dates/plan/import/",     "login login login login   404   404   404   404   302   404   404",
        lambda w: {"file": upload("plan.csv", "Date,Start Time\n2026-03-02,09:00\n")}),
    dash("POST", "/courses/{course}/dates/plan/remove-break/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {"first": "2026-03-02", "last": "2026-03-08"}),
    # Nothing is planned on that date: the convenor is told so (400); everyone else never learns the course exists.
    dash("POST", "/courses/{course}/dates/plan/remove-class/", "login login login login   404   404   404   404   400   404   404",
        lambda w: {"date": "2026-03-02", "start_time": "09:00"}),
    dash("POST", "/courses/{course}/settings/teachers/",     "login login login login   404   404   404   404   302   404   404",
        lambda w: {"person": "ttutor"}),
    dash("POST", "/courses/{course}/settings/teachers/{co_teacher_pk}/remove/", "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    # LAB1 follows the tutor's tutorial: they, the unit's Convenor, an Admin and its co-teacher see and record it,
    # but only its owner shares it.
    dash("POST", "/courses/{lab_course}/settings/teachers/", "login login login login   404   404   403   404   403   403   403",
        lambda w: {"person": "ttutor"}),
    dash("POST", "/courses/{lab_course}/dates/plan/generate/", "login login login login   404   404   302   404   302   302   302",
        lambda w: {"weekday": "0", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30"}),
    dash("GET", "/courses/new/from-unit/",                   "login login login login   200   200   200   200   200   200   200"),
    # Only the unit's Convenor (and an Admin) may make a course of the whole unit; the form offers it to nobody else.
    dash("POST", "/courses/new/from-unit/",                  "login login login login   400   400   400   400   302   302   400",
        lambda w: {"follows": f"unit:{w.ids['unit']}", "course_id": "ALL", "course_name": "Everyone", "batch": "2026"}),
    dash("GET", "/courses/{lab_course}/",                    "login login login login   404   404   200   404   200   200   200"),
    dash("POST", "/courses/{lab_course}/delete/",            "login login login login   404   404   403   404   403   403   403",
        lambda w: {}),
    dash("POST", "/courses/{course}/delete/",                "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    # Undo is its maker's: anyone else's Undo finds nothing.
    dash("POST", "/undo/{deletion}/",                        "login login login login   404   404   404   404   302   404   404",
        lambda w: {}),
    # Progress of a long upload: the page makes a job, then polls it like Doubtfire's client polls its jobs
    # (someone else's job is 403, as upstream's /api/sidekiq/:id says).
    dash("POST", "/progress/",                               "login login login login   201   201   201   201   201   201   201",
        lambda w: {}),
    csv("GET", "/api/jobs/{progress}",                       "419 419 419 419 403 403 403 403 200 403 403"),
    csv("GET", "/api/sidekiq/{progress}",                    "419 419 419 419 403 403 403 403 200 403 403"),
]

# Cells known to be wrong in the code under test: (route name, actor) → the bug, reported to the lead.
# Cells known to be wrong, as strict xfails (empty: every bug found by this table is fixed).
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def cases():
    for route in MATRIX:
        for actor in ACTORS:
            marks = []
            bug = KNOWN_BUGS.get((route.name, actor))
            if bug:
                marks.append(pytest.mark.xfail(strict=True, reason=f"BUG: {bug}"))
            yield pytest.param(route, actor, id=f"{route.name} | {actor}", marks=marks)


# --- sending a request as an actor ------------------------------------------------------------------


def request_as(world: World, route: Route, actor: str, handler=None):
    client = APIClient()
    if handler is not None:
        client.handler = handler
    person = world.people.get(actor)
    path = route.path.format(**world.ids)
    body = route.body(world) if route.body else None

    token = None
    if actor in TOKEN_ACTORS:
        token = broken_token(world, actor)
        username = world.people["convenor"].username
    elif person is not None and route.family != "dash":
        token = issue_auth_token(user=person)
        username = person.username

    if route.family == "dash":
        if person is not None:
            client.force_login(person)
        elif token is not None:
            # A script's token means nothing to the dashboard: it must be treated as anonymous.
            client.credentials(HTTP_USERNAME=username, HTTP_AUTH_TOKEN=token)
            if body is not None:
                body = {**body, "api": "1", "token": token}
    elif route.family == "att":
        if token is not None and body is not None:
            body = {**body, "api": "1", "token": token}
    elif token is not None:
        client.credentials(HTTP_USERNAME=username, HTTP_AUTH_TOKEN=token)

    if route.path == "/api/auth" and route.method == "POST":
        who = person if person is not None else world.people["convenor"]
        body = {"username": who.username, "password": PASSWORD}

    send = getattr(client, route.method.lower())
    if body is None:
        return send(path)
    return send(path, body, format=route.fmt)


def describe(response) -> str:
    location = response.headers.get("Location", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return f"{response.status_code} {location} {content[:300]!r}"


@pytest.fixture(scope="module")
def handler():
    """One request handler for the whole table: building the middleware chain (WhiteNoise indexes every
    static file) costs more than a request, and the chain holds no per-request state."""
    return ForceAuthClientHandler(enforce_csrf_checks=False)


@pytest.mark.django_db
@pytest.mark.parametrize("route, actor", list(cases()))
def test_authorisation_matrix(route: Route, actor: str, handler):
    world = build_world()
    response = request_as(world, route, actor, handler)
    expected = route.expected[actor]

    if expected == LOGIN:
        assert response.status_code == 302, describe(response)
        assert response["Location"].startswith(LOGIN_URL), describe(response)
        return
    assert response.status_code == expected, describe(response)
    if expected == 302:
        # A success redirect, not a disguised bounce to the sign-in page.
        assert not response["Location"].startswith(LOGIN_URL), describe(response)
    documents = ("/api/schema/", "/api/docs/")  # answered in their own formats (OpenAPI, HTML)
    if route.family in {"csv", "att", "rest", "auth"} and expected >= 400 and route.path not in documents:
        assert response.json()["error"], describe(response)
    if route.family == "csv" and expected == 201:
        body = response.json()
        if actor in route.refused_rows:
            assert body["success"] == [] and body["errors"], body
        else:
            # The small files are valid: the upload really did its work, for whoever was allowed.
            assert body["errors"] == [] and body["success"], body


# Routes deliberately outside the table: Django's own admin site (its login and staff checks are Django's)
# and the format-suffix twins DRF's router adds for every REST route (`/api/users.json`: same view).
LEFT_OUT = ("admin/",)


def url_patterns(resolver=None, prefix=""):
    """Every URL pattern of the site, spelt as `resolve(path).route` spells the one a path reaches."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern).removeprefix("^") if prefix else str(entry.pattern)
        if hasattr(entry, "url_patterns"):
            yield from url_patterns(entry, text)
        else:
            yield route_key(text)


def route_key(route: str) -> str:
    return route.removeprefix("^").removesuffix("$")


def test_the_table_has_a_row_for_every_route():
    """A new route cannot slip past without someone deciding, in the table, who may call it."""
    suffix_twins = ("(?P<format>", "<drf_format_suffix")
    every = {
        text for text in url_patterns() if not text.startswith(LEFT_OUT) and not any(twin in text for twin in suffix_twins)
    }
    placeholders = {key: "00000000-0000-4000-8000-000000000001" if key in UUID_IDS else "1" for key in ID_NAMES}
    in_table = {route_key(resolve(urlsplit(route.path.format(**placeholders)).path).route) for route in MATRIX}
    assert every - in_table == set()


# --- found while building the table -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, fields",
    [
        ("/add_course", {"course_id": "NEW1", "course_name": "New\x00course", "batch": "2026"}),
        ("/remove_student", {"course_id": "CS101", "batch": "2026", "roll": "2\x00"}),
    ],
    ids=["add_course course_name", "remove_student roll"],
)
def test_a_nul_character_in_an_attendance_field_is_a_400_not_a_500(path, fields, handler):
    """PostgreSQL cannot store or compare text with NUL (0x00): such a field used to reach the database and
    answer 500 there (SQLite stored it). Every attendance field is now refused with a sentence."""
    world = build_world()
    client = APIClient(raise_request_exception=False)
    client.handler = handler
    token = issue_auth_token(user=world.people["convenor"])
    response = client.post(
        path, {"api": "1", "token": token, **fields, "file": upload("roster.csv", ROSTER_CSV)}, format="multipart"
    )
    assert response.status_code == 400, describe(response)
    assert "NUL" in response.json()["error"]
    assert not Course.objects.filter(course_id="NEW1").exists()
    assert CourseStudent.objects.filter(course__course_id="CS101", roll="2").exists()
