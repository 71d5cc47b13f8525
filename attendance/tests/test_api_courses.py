"""The courses REST resource (/api/courses/) and the admin pages of the attendance tables."""

import pytest
from rest_framework.test import APIClient

from attendance import services
from attendance.models import Course
from doubtfire.models import Role
from doubtfire.services import issue_auth_token


@pytest.fixture
def teacher(make_user):
    return make_user(Role.CONVENOR, username="teach")


@pytest.fixture
def api(teacher):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=teacher)}")
    return client


def test_create_list_update_delete(api, teacher):
    created = api.post("/api/courses/", {"course_id": "CS1", "course_name": "Intro", "batch": 2026}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["students"] == [] and created.json()["dates"] == []
    pk = created.json()["id"]
    services.add_students(
        course=Course.objects.get(pk=pk),
        roster=services.read_roster(name="r.csv", data=b"Roll Number,Name\n10,Ten\n2,Two\n"),
    )
    listed = api.get("/api/courses/").json()["results"]
    assert [(c["course_id"], [s["roll"] for s in c["students"]]) for c in listed] == [("CS1", ["2", "10"])]
    duplicate = api.post("/api/courses/", {"course_id": "CS1", "course_name": "Again", "batch": 2026}, format="json")
    assert duplicate.status_code == 400 and "already have a course" in duplicate.json()["error"]
    renamed = api.patch(f"/api/courses/{pk}/", {"course_name": "Introduction"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["course_name"] == "Introduction"
    assert api.delete(f"/api/courses/{pk}/").status_code == 204
    assert not Course.objects.exists()


def test_list_query_count_does_not_grow(api, teacher, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(first, count):
        for n in range(first, first + count):
            course = services.create_course(owner=teacher, course_id=f"C{n}", course_name="C", batch=2026, roster=[])
            services.add_students(course=course, roster=services.read_roster(name="r", data=b"Roll Number,Name\n1,A\n2,B\n"))

    make(0, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/courses/").json()["results"]) == 1
    make(1, 4)
    # token lookup, the caller's unit roles (2), count, courses, students, sessions, co-teachers (+ token slack)
    with django_assert_max_num_queries(10) as five:
        assert len(api.get("/api/courses/").json()["results"]) == 5
    assert len(five) == len(one)


def test_browsable_for_a_signed_in_teacher(teacher):
    client = APIClient()
    client.force_login(teacher)
    response = client.get("/api/courses/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content.lower()


def test_anonymous_is_401(db):
    response = APIClient().get("/api/courses/")
    assert response.status_code == 401 and "error" in response.json()


@pytest.fixture
def superuser(make_user):
    return make_user(Role.ADMIN, username="root", is_superuser=True)


@pytest.mark.parametrize("model", ["course", "coursestudent", "session", "record", "recordchange", "plannedclass"])
def test_admin_pages_render(client, superuser, teacher, model):
    services.create_course(owner=teacher, course_id="CS1", course_name="Intro", batch=2026,
                           roster=services.read_roster(name="r", data=b"Roll Number,Name\n1,A\n"))
    client.force_login(superuser)
    assert client.get(f"/admin/attendance/{model}/").status_code == 200


def test_admin_roster_import_page(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/attendance/coursestudent/import/").status_code == 200
    assert client.get("/admin/attendance/coursestudent/export/").status_code == 200
