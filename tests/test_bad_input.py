"""Every file of the bad-input corpus, posted to every upload route: a clear 4xx, never a 500, nothing written.

The corpus (tests/data/bad/, written by tests/data/make_bad_files.py) holds files that are bad as a whole
(empty, binary, PDF, zip bombs, ragged, ...) and files whose every row is bad. So for every route and file
the database must be exactly as it was, and the answer either `{"error": ...}` with a 4xx status, or a
Doubtfire import result whose `success` list is empty.
"""

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from doubtfire.models import Role, UnitRole
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import CampusFactory, TutorialFactory, UnitFactory, UserFactory
from tests.data.make_bad_files import large_files

BAD = Path(__file__).resolve().parent / "data" / "bad"
ROSTER = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "attendance" / "students.csv"
if not ROSTER.exists():  # a clean clone has shared/ beside it; fall back to the workplace path
    ROSTER = Path("/work/shared/fixtures/attendance/students.csv")

CORPUS = sorted(path.name for path in BAD.iterdir())
LARGE = sorted(large_files())

# Route name → (path, extra form fields, who posts, whether the answer may be a Doubtfire import result).
ROUTES = {
    "csv_users": ("/api/csv/users", {}, "admin", True),
    "csv_enrol": ("/api/csv/units/{unit}", {}, "admin", True),
    "csv_withdraw": ("/api/csv/units/{unit}/withdraw", {}, "admin", True),
    "csv_task_definitions": ("/api/csv/task_definitions", {"unit_id": "{unit}"}, "admin", True),
    "add_course": ("/add_course", {"course_id": "BAD101", "course_name": "Bad input", "batch": "2026"}, "teacher", False),
    "add_students": ("/add_students", {"course_id": "CS101", "batch": "2026"}, "teacher", False),
    "upload_attendance": (
        "/upload_attendance",
        {"course_id": "CS101", "batch": "2026", "threshold": "0", "end_time": "2021-03-01 23:59:00"},
        "teacher",
        False,
    ),
}


def snapshot() -> dict[str, str]:
    """Row count and a content digest of every table of ours (tokens and lockout bookkeeping aside)."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"doubtfire", "attendance"} or model.__name__ == "AuthToken":
            continue
        rows = list(model.objects.order_by("pk").values_list())
        state[model._meta.label] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
    return state


@pytest.fixture
def world(db):
    """A unit with a tutorial, an admin, and a teacher with course CS101/2026 made through the API."""
    admin = UserFactory(role=Role.ADMIN, username="aadmin")
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(name="Burwood", abbreviation="B"))
    UnitRole.objects.create(user=admin, unit=unit, role=UnitRole.Kind.CONVENOR)
    teacher = UserFactory(role=Role.CONVENOR, username="teacher@example.edu", email="teacher@example.edu")

    admin_client = APIClient()
    admin_client.credentials(HTTP_USERNAME=admin.username, HTTP_AUTH_TOKEN=issue_auth_token(user=admin))
    teacher_token = issue_auth_token(user=teacher)
    teacher_client = APIClient()
    created = teacher_client.post(
        "/add_course",
        {
            "api": "1",
            "token": teacher_token,
            "course_id": "CS101",
            "course_name": "Intro",
            "batch": "2026",
            "file": SimpleUploadedFile("students.csv", ROSTER.read_bytes()),
        },
        format="multipart",
    )
    assert created.status_code == 200, created.content
    return {"unit": unit, "admin": admin_client, "teacher": teacher_client, "teacher_token": teacher_token}


def post(world, route: str, name: str, data: bytes):
    path, fields, who, _ = ROUTES[route]
    form = {key: value.format(unit=world["unit"].pk) for key, value in fields.items()}
    form["file"] = SimpleUploadedFile(name, data, content_type="text/csv")
    if who == "teacher":
        form.update(api="1", token=world["teacher_token"])
    return world[who].post(path.format(unit=world["unit"].pk), form, format="multipart")


def assert_refused_cleanly(world, route, name, data, expected_status=None):
    before = snapshot()
    response = post(world, route, name, data)
    assert response.status_code != 500, response.content[:500]
    assert snapshot() == before, f"{route} wrote something for {name}"
    body = response.json()
    if response.status_code >= 400:
        assert 400 <= response.status_code < 500
        assert isinstance(body.get("error"), str) and body["error"].strip(), body
    else:
        assert ROUTES[route][3], f"{route} accepted {name}: {body}"
        assert response.status_code == 201
        assert set(body) >= {"success", "ignored", "errors"}
        assert body["success"] == [], body
    if expected_status is not None:
        assert response.status_code == expected_status, body
    return response


def test_the_corpus_is_big_enough():
    assert len(CORPUS) + len(LARGE) >= 40


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("name", CORPUS)
def test_every_bad_file_is_refused_cleanly(world, route, name):
    assert_refused_cleanly(world, route, name, (BAD / name).read_bytes())


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_large_files_are_refused_cleanly(world, route):
    for name, data in large_files().items():
        expected = 413 if len(data) > 10 * 2**20 else None
        assert_refused_cleanly(world, route, name, data, expected_status=expected)


@pytest.mark.parametrize("threshold", ["-5", "99999999999999999999", "ten minutes", "1e400", "NaN"])
def test_impossible_thresholds_are_refused(world, threshold):
    log = (
        b"Full Name,User Action,Timestamp\n"
        b"1,Joined,01/03/2021 10:00:00\n1,Left,01/03/2021 10:30:00\n"
    )
    before = snapshot()
    response = world["teacher"].post(
        "/upload_attendance",
        {
            "api": "1",
            "token": world["teacher_token"],
            "course_id": "CS101",
            "batch": "2026",
            "threshold": threshold,
            "file": SimpleUploadedFile("log.csv", log),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert "threshold" in response.json()["error"].lower()
    assert snapshot() == before
