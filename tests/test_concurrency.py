"""Concurrent writers on PostgreSQL: overlapping enrolments and uploads of the same attendance date.

Every request must be answered (no 500), and the database must hold each person, enrolment and session
exactly once, however the requests interleave.
"""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from attendance.models import Course, Session
from doubtfire.models import Project, Role, UnitRole, User
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import CampusFactory, TutorialFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

THREADS = 8
ROSTER = b"Roll Number,Name\n1,Shreya\n2,Riya\n3,Ranesha\n4,Ritwik\n"
LOG = (
    b"Full Name,User Action,Timestamp\n"
    b"1,Joined,13/02/2021 09:00:00\n1,Left,13/02/2021 09:50:00\n"
    b"2,Joined,13/02/2021 09:10:00\n2,Left,13/02/2021 09:20:00\n"
)


def run_in_threads(work):
    results, errors = [None] * THREADS, []
    barrier = threading.Barrier(THREADS)

    def target(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # reported below; a thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def enrolment_csv(first: int, count: int) -> bytes:
    lines = ["unit_code,username,student_id,first_name,last_name,email,tutorial,campus"]
    for number in range(first, first + count):
        lines.append(f"COS10001,student{number},{900000 + number},First{number},Last{number},"
                     f"student{number}@example.edu,LA1-01,B")
    return ("\n".join(lines) + "\n").encode()


def test_overlapping_enrolments_from_eight_clients():
    admin = UserFactory(role=Role.ADMIN, username="aadmin")
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(name="Burwood", abbreviation="B"))
    UnitRole.objects.create(user=admin, unit=unit, role=UnitRole.Kind.CONVENOR)
    token = issue_auth_token(user=admin)

    def enrol(index):
        client = APIClient()
        client.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN=token)
        # Thread i enrols students 5i .. 5i+19: every student is in up to four files.
        data = enrolment_csv(5 * index, 20)
        response = client.post(f"/api/csv/units/{unit.pk}", {"file": SimpleUploadedFile("e.csv", data)}, format="multipart")
        return response.status_code, response.json()

    results = run_in_threads(enrol)
    assert all(status == 201 for status, _ in results), results
    assert all(not body["errors"] for _, body in results), results
    expected = {f"student{number}" for number in range(0, 5 * (THREADS - 1) + 20)}
    assert set(User.objects.filter(role=Role.STUDENT).values_list("username", flat=True)) == expected
    assert Project.objects.filter(unit=unit).count() == len(expected)


def test_the_same_attendance_date_uploaded_by_eight_clients_is_recorded_once():
    teacher = UserFactory(role=Role.CONVENOR, username="t@example.edu", email="t@example.edu")
    token = issue_auth_token(user=teacher)
    created = APIClient().post(
        "/add_course",
        {"api": "1", "token": token, "course_id": "CS101", "course_name": "Intro", "batch": "2026",
         "file": SimpleUploadedFile("r.csv", ROSTER)},
        format="multipart",
    )
    assert created.status_code == 200, created.content

    def upload(index):
        response = APIClient().post(
            "/upload_attendance",
            {"api": "1", "token": token, "course_id": "CS101", "batch": "2026", "threshold": "600",
             "end_time": "13/02/2021 10:00:00", "file": SimpleUploadedFile("log.csv", LOG)},
            format="multipart",
        )
        return response.status_code, response.json()

    results = run_in_threads(upload)
    statuses = sorted(status for status, _ in results)
    assert statuses.count(200) == 1, results
    assert statuses.count(400) == THREADS - 1, results
    assert all("already" in body["error"] for status, body in results if status == 400), results
    course = Course.objects.get(course_id="CS101")
    assert Session.objects.filter(course=course).count() == 1
