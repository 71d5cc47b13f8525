"""The REST resources of SPEC §4: who may list, create and change what, and what it costs.

The world: unit A (convened by `conv_a`, tutored by `tutor_a`, studied by `student_a` and `student_a2`) and
unit B (convened by `conv_b`, studied by `student_b`). Each actor is tried on each resource; the expected
answers are written out by hand in the tables below.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from doubtfire.models import (
    Assessment,
    Campus,
    Role,
    Task,
    TaskStatus,
    Tutorial,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    UnitRole,
    User,
)
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

ACTORS = ["admin", "conv_a", "conv_b", "tutor_a", "student_a", "anonymous"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test builds a dozen accounts; the production hasher would spend seconds on each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.campus = CampusFactory(name="Burwood", abbreviation="B")
    w.campus_g = CampusFactory(name="Geelong", abbreviation="G")
    w.unit_a = UnitFactory(code="COS10001", name="Intro A")
    w.unit_b = UnitFactory(code="COS20002", name="Other B")
    w.admin = UserFactory(username="aadmin", role=Role.ADMIN)
    w.conv_a = UserFactory(username="conv_a", role=Role.CONVENOR)
    w.conv_b = UserFactory(username="conv_b", role=Role.CONVENOR)
    w.tutor_a = UserFactory(username="tutor_a", role=Role.TUTOR)
    w.tutor_a2 = UserFactory(username="tutor_a2", role=Role.TUTOR)
    w.student_a = UserFactory(username="student_a", student_id="1001")
    w.student_a2 = UserFactory(username="student_a2", student_id="1002")
    w.student_b = UserFactory(username="student_b", student_id="2001")
    w.role_conv_a = UnitRoleFactory(unit=w.unit_a, user=w.conv_a, role=UnitRole.Kind.CONVENOR)
    w.role_tutor_a = UnitRoleFactory(unit=w.unit_a, user=w.tutor_a, role=UnitRole.Kind.TUTOR)
    w.role_tutor_a2 = UnitRoleFactory(unit=w.unit_a, user=w.tutor_a2, role=UnitRole.Kind.TUTOR)
    w.role_conv_b = UnitRoleFactory(unit=w.unit_b, user=w.conv_b, role=UnitRole.Kind.CONVENOR)
    w.stream_a = TutorialStreamFactory(unit=w.unit_a, name="Lab", abbreviation="LA1")
    w.stream_b = TutorialStreamFactory(unit=w.unit_b, name="Lab", abbreviation="LA1")
    w.tut_a = TutorialFactory(unit=w.unit_a, abbreviation="LA1-01", campus=w.campus, stream=w.stream_a,
                              tutor=w.role_tutor_a)
    w.tut_b = TutorialFactory(unit=w.unit_b, abbreviation="LA1-01", campus=w.campus, stream=w.stream_b)
    w.proj_a = ProjectFactory(user=w.student_a, unit=w.unit_a, campus=w.campus)
    w.proj_a2 = ProjectFactory(user=w.student_a2, unit=w.unit_a, campus=w.campus)
    w.proj_b = ProjectFactory(user=w.student_b, unit=w.unit_b, campus=w.campus)
    w.def_a = TaskDefinitionFactory(unit=w.unit_a, abbreviation="1.1P", name="Hello", max_quality_pts=5)
    w.def_b = TaskDefinitionFactory(unit=w.unit_b, abbreviation="1.1P", name="Hello")
    w.task_a = TaskFactory(project=w.proj_a, definition=w.def_a)
    w.task_a2 = TaskFactory(project=w.proj_a2, definition=w.def_a)
    w.task_b = TaskFactory(project=w.proj_b, definition=w.def_b)
    w.unit_c = UnitFactory(code="COS30003", name="Empty C")
    UnitRoleFactory(unit=w.unit_c, user=w.conv_a, role=UnitRole.Kind.CONVENOR)
    w.anonymous = None
    return w


def client_for(world, actor, token_client):
    user = getattr(world, actor)
    return APIClient() if user is None else token_client(user)


def listed(response, key="id"):
    return sorted(row[key] for row in response.json()["results"])


# --- lists: which rows each actor sees ------------------------------------------------------------

# resource → actor → the rows expected in the list (by a readable key), or an HTTP status when refused.
LIST_EXPECTATIONS = {
    "users": ("username", {
        "admin": ["aadmin", "conv_a", "conv_b", "student_a", "student_a2", "student_b", "tutor_a", "tutor_a2"],
        "conv_a": ["conv_a"],
        "conv_b": ["conv_b"],
        "tutor_a": ["tutor_a"],
        "student_a": ["student_a"],
        "anonymous": 401,
    }),
    "campuses": ("abbreviation", {
        "admin": ["B", "G"], "conv_a": ["B", "G"], "conv_b": ["B", "G"], "tutor_a": ["B", "G"],
        "student_a": ["B", "G"], "anonymous": 401,
    }),
    "units": ("code", {
        "admin": ["COS10001", "COS20002", "COS30003"], "conv_a": ["COS10001", "COS30003"], "conv_b": ["COS20002"],
        "tutor_a": ["COS10001"], "student_a": ["COS10001"], "anonymous": 401,
    }),
    "tutorial_streams": ("unit", {
        "admin": ["A", "B"], "conv_a": ["A"], "conv_b": ["B"], "tutor_a": ["A"], "student_a": ["A"], "anonymous": 401,
    }),
    "tutorials": ("unit", {
        "admin": ["A", "B"], "conv_a": ["A"], "conv_b": ["B"], "tutor_a": ["A"], "student_a": ["A"], "anonymous": 401,
    }),
    "unit_roles": ("user", {
        "admin": ["conv_a", "conv_a", "conv_b", "tutor_a", "tutor_a2"],
        "conv_a": ["conv_a", "conv_a", "tutor_a", "tutor_a2"],
        "conv_b": ["conv_b"],
        "tutor_a": ["conv_a", "tutor_a", "tutor_a2"],
        "student_a": ["conv_a", "tutor_a", "tutor_a2"],
        "anonymous": 401,
    }),
    "projects": ("username", {
        "admin": ["student_a", "student_a2", "student_b"],
        "conv_a": ["student_a", "student_a2"],
        "conv_b": ["student_b"],
        "tutor_a": ["student_a", "student_a2"],
        "student_a": ["student_a"],
        "anonymous": 401,
    }),
    "tasks": ("username", {
        "admin": ["student_a", "student_a2", "student_b"],
        "conv_a": ["student_a", "student_a2"],
        "conv_b": ["student_b"],
        "tutor_a": ["student_a", "student_a2"],
        "student_a": ["student_a"],
        "anonymous": 401,
    }),
}

LIST_CASES = [
    (resource, actor, expected)
    for resource, (_, by_actor) in LIST_EXPECTATIONS.items()
    for actor, expected in by_actor.items()
]


@pytest.mark.parametrize("resource,actor,expected", LIST_CASES)
def test_list_shows_each_actor_only_their_rows(world, token_client, resource, actor, expected):
    response = client_for(world, actor, token_client).get(f"/api/{resource}/")
    if isinstance(expected, int):
        assert response.status_code == expected
        assert "error" in response.json()
        return
    assert response.status_code == 200, response.content
    key = LIST_EXPECTATIONS[resource][0]
    rows = response.json()["results"]
    if key == "unit":
        names = {world.unit_a.pk: "A", world.unit_b.pk: "B"}
        assert sorted({names[row["unit"]] for row in rows}) == expected
    else:
        assert sorted(row[key] for row in rows) == expected


# --- creates ---------------------------------------------------------------------------------------


def create_body(world, resource):
    """A valid body for each resource, in unit A where there is a unit."""
    return {
        "users": {"username": "newbie", "email": "newbie@example.edu", "first_name": "New", "role": "Student",
                  "password": "a-Long-enough-passw0rd"},
        "campuses": {"name": "Online", "abbreviation": "C"},
        "units": {"code": "COS30003", "name": "New unit", "start_date": "2026-07-01", "end_date": "2026-10-30"},
        "tutorial_streams": {"unit": world.unit_a.pk, "name": "Workshop", "abbreviation": "WS"},
        "tutorials": {"unit": world.unit_a.pk, "abbreviation": "LA1-02", "campus": "G", "stream": "LA1",
                      "tutor": "tutor_a2", "meeting_day": "Tuesday", "meeting_time": "10:30",
                      "meeting_location": "EN302", "capacity": 20},
        "unit_roles": {"unit": world.unit_a.pk, "user": "student_b", "role": "Tutor"},
        "projects": {"unit": world.unit_a.pk, "user": world.student_b.pk},
        "tasks": {"project": world.proj_a.pk, "definition": world.def_a.pk},
    }[resource]


UNIT_MANAGED = {"admin": 201, "conv_a": 201, "conv_b": 403, "tutor_a": 403, "student_a": 403, "anonymous": 401}
ADMIN_ONLY = {"admin": 201, "conv_a": 403, "conv_b": 403, "tutor_a": 403, "student_a": 403, "anonymous": 401}
NOT_CREATABLE = {"admin": 405, "conv_a": 405, "conv_b": 405, "tutor_a": 405, "student_a": 405, "anonymous": 401}

CREATE_EXPECTATIONS = {
    "users": ADMIN_ONLY,
    "campuses": ADMIN_ONLY,
    "units": ADMIN_ONLY,
    "tutorial_streams": UNIT_MANAGED,
    "tutorials": UNIT_MANAGED,
    "unit_roles": UNIT_MANAGED,
    "projects": NOT_CREATABLE,
    "tasks": NOT_CREATABLE,
}

CREATE_CASES = [
    (resource, actor, expected)
    for resource, by_actor in CREATE_EXPECTATIONS.items()
    for actor, expected in by_actor.items()
]


@pytest.mark.parametrize("resource,actor,expected", CREATE_CASES)
def test_create_is_allowed_only_to_the_right_roles(world, token_client, resource, actor, expected):
    response = client_for(world, actor, token_client).post(
        f"/api/{resource}/", create_body(world, resource), format="json"
    )
    assert response.status_code == expected, response.content
    if expected != 201:
        assert "error" in response.json()


# --- updates ---------------------------------------------------------------------------------------


def update_target(world, resource):
    """(row id, a PATCH body) for a row of unit A (or of student_a)."""
    return {
        "users": (world.student_a.pk, {"nickname": "Ace"}),
        "campuses": (world.campus.pk, {"name": "Burwood campus"}),
        "units": (world.unit_a.pk, {"name": "Introduction to A"}),
        "tutorial_streams": (world.stream_a.pk, {"name": "Laboratory"}),
        "tutorials": (world.tut_a.pk, {"meeting_location": "ATC101"}),
        "unit_roles": (world.role_tutor_a2.pk, {"role": "Convenor"}),
        "projects": (world.proj_a.pk, {"grade": 2}),
        "tasks": (world.task_a.pk, {"status": TaskStatus.FIX_AND_RESUBMIT.value}),
    }[resource]


# Hidden rows answer 404 (the person cannot even see them); visible but not theirs to change, 403.
UPDATE_EXPECTATIONS = {
    "users": {"admin": 200, "conv_a": 404, "conv_b": 404, "tutor_a": 404, "student_a": 200, "anonymous": 401},
    "campuses": {"admin": 200, "conv_a": 403, "conv_b": 403, "tutor_a": 403, "student_a": 403, "anonymous": 401},
    "units": {"admin": 200, "conv_a": 200, "conv_b": 404, "tutor_a": 403, "student_a": 403, "anonymous": 401},
    "tutorial_streams": {"admin": 200, "conv_a": 200, "conv_b": 404, "tutor_a": 403, "student_a": 403,
                         "anonymous": 401},
    "tutorials": {"admin": 200, "conv_a": 200, "conv_b": 404, "tutor_a": 403, "student_a": 403, "anonymous": 401},
    "unit_roles": {"admin": 200, "conv_a": 200, "conv_b": 404, "tutor_a": 403, "student_a": 403, "anonymous": 401},
    "projects": {"admin": 405, "conv_a": 405, "conv_b": 405, "tutor_a": 405, "student_a": 405, "anonymous": 401},
    # Setting "Fix and Resubmit" is for the unit's staff; the student may not, other units' staff cannot see it.
    "tasks": {"admin": 200, "conv_a": 200, "conv_b": 404, "tutor_a": 200, "student_a": 403, "anonymous": 401},
}

UPDATE_CASES = [
    (resource, actor, expected)
    for resource, by_actor in UPDATE_EXPECTATIONS.items()
    for actor, expected in by_actor.items()
]


@pytest.mark.parametrize("resource,actor,expected", UPDATE_CASES)
def test_update_is_allowed_only_to_the_right_roles(world, token_client, resource, actor, expected):
    pk, body = update_target(world, resource)
    response = client_for(world, actor, token_client).patch(f"/api/{resource}/{pk}/", body, format="json")
    assert response.status_code == expected, response.content
    if expected == 200:
        field, value = next(iter(body.items()))
        assert response.json()[field] == value
    else:
        assert "error" in response.json()


DELETE_EXPECTATIONS = {
    "tutorials": ("tut_a", {"admin": 204, "conv_a": 204, "conv_b": 404, "tutor_a": 403, "student_a": 403,
                            "anonymous": 401}),
    # Only an Admin deletes a unit, even its own Convenor may not.
    "units": ("unit_c", {"admin": 204, "conv_a": 403, "conv_b": 403, "tutor_a": 403, "student_a": 403,
                         "anonymous": 401}),
    "users": ("student_a2", {"admin": 204, "conv_a": 403, "conv_b": 403, "tutor_a": 403, "student_a": 403,
                             "anonymous": 401}),
}


@pytest.mark.parametrize(
    "resource,actor,expected",
    [(r, a, e) for r, (_, by_actor) in DELETE_EXPECTATIONS.items() for a, e in by_actor.items()],
)
def test_delete_is_allowed_only_to_the_right_roles(world, token_client, resource, actor, expected):
    row = getattr(world, DELETE_EXPECTATIONS[resource][0])
    response = client_for(world, actor, token_client).delete(f"/api/{resource}/{row.pk}/")
    assert response.status_code == expected, response.content
    assert type(row).objects.filter(pk=row.pk).exists() == (expected != 204)


# --- shapes and rules ------------------------------------------------------------------------------


def test_tutorial_fields_name_campus_stream_and_tutor(world, token_client):
    response = token_client(world.conv_a).get(f"/api/tutorials/{world.tut_a.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == world.unit_a.pk
    assert body["abbreviation"] == "LA1-01"
    assert body["campus"] == "B"
    assert body["stream"] == "LA1"
    assert body["tutor"] == "tutor_a"


def test_tutorial_created_by_convenor_resolves_names_in_its_unit(world, token_client):
    response = token_client(world.conv_a).post(
        "/api/tutorials/", create_body(world, "tutorials"), format="json"
    )
    assert response.status_code == 201, response.content
    tutorial = Tutorial.objects.get(unit=world.unit_a, abbreviation="LA1-02")
    assert tutorial.campus == world.campus_g
    assert tutorial.stream == world.stream_a
    assert tutorial.tutor == world.role_tutor_a2
    assert tutorial.capacity == 20
    assert str(tutorial.meeting_time) == "10:30:00"


def test_tutorial_with_nulls_has_no_stream_or_tutor(world, token_client):
    body = {"unit": world.unit_a.pk, "abbreviation": "X-01", "campus": None, "stream": None, "tutor": None}
    response = token_client(world.admin).post("/api/tutorials/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["stream"], response.json()["tutor"], response.json()["campus"]) == (None, None, None)


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"stream": "WS9"}, "stream", "has no stream 'WS9'"),
        ({"tutor": "conv_b"}, "tutor", "not a member of staff"),
        ({"tutor": "nobody"}, "tutor", "not a member of staff"),
        ({"campus": "Z"}, "campus", "Z"),
        ({"abbreviation": "LA1-01"}, "abbreviation", "already has a tutorial"),
        ({"capacity": -5}, "capacity", "unlimited"),
    ],
)
def test_tutorial_body_that_does_not_fit_its_unit_is_a_400_naming_the_field(world, token_client, change, field, words):
    body = {**create_body(world, "tutorials"), **change}
    response = token_client(world.conv_a).post("/api/tutorials/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert words in response.json()["error"]
    assert not Tutorial.objects.filter(unit=world.unit_a, abbreviation="LA1-02").exists()


def test_stream_of_another_unit_is_not_found_by_abbreviation(world, token_client):
    # Both units have a stream LA1: the one used must be unit A's own.
    body = {**create_body(world, "tutorials"), "stream": "LA1"}
    response = token_client(world.admin).post("/api/tutorials/", body, format="json")
    assert response.status_code == 201
    assert Tutorial.objects.get(pk=response.json()["id"]).stream_id == world.stream_a.pk


def test_a_row_cannot_move_to_another_unit(world, token_client):
    response = token_client(world.admin).patch(
        f"/api/tutorials/{world.tut_a.pk}/", {"unit": world.unit_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "another unit" in response.json()["error"]


def test_convenor_cannot_create_rows_in_another_unit(world, token_client):
    body = {"unit": world.unit_b.pk, "name": "Workshop", "abbreviation": "WS"}
    response = token_client(world.conv_a).post("/api/tutorial_streams/", body, format="json")
    assert response.status_code == 403
    assert "COS20002" in response.json()["error"]
    assert not TutorialStream.objects.filter(unit=world.unit_b, abbreviation="WS").exists()


def test_duplicate_unit_role_is_a_400(world, token_client):
    body = {"unit": world.unit_a.pk, "user": "TUTOR_A", "role": "Convenor"}
    response = token_client(world.conv_a).post("/api/unit_roles/", body, format="json")
    assert response.status_code == 400
    assert "tutor_a already has a role in COS10001" in response.json()["error"]


def test_unit_role_user_is_found_regardless_of_case(world, token_client):
    body = {"unit": world.unit_a.pk, "user": "Student_B", "role": "Tutor"}
    response = token_client(world.conv_a).post("/api/unit_roles/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["user"] == "student_b"


def test_deleting_a_stream_still_used_is_a_409_not_a_500(world, token_client):
    response = token_client(world.conv_a).delete(f"/api/tutorial_streams/{world.stream_a.pk}/")
    assert response.status_code == 409
    assert "tutorials" in response.json()["error"]
    assert TutorialStream.objects.filter(pk=world.stream_a.pk).exists()


def test_campus_abbreviation_clash_is_a_400(world, token_client):
    response = token_client(world.admin).post("/api/campuses/", {"name": "Other", "abbreviation": "B"}, format="json")
    assert response.status_code == 400
    assert "abbreviation" in response.json()["fields"]
    assert Campus.objects.count() == 2


def test_unit_code_clash_ignores_case(world, token_client):
    body = {"code": "cos10001", "name": "Copy", "start_date": str(world.unit_a.start_date),
            "end_date": str(world.unit_a.end_date)}
    response = token_client(world.admin).post("/api/units/", body, format="json")
    assert response.status_code == 400
    assert "already a unit" in response.json()["error"]


@pytest.mark.parametrize("code", ["=SUM(A1)", 'x.html; filename="evil.html"; x=', "COS\r\n1", "COS  1", "José1"])
def test_a_unit_code_outside_the_safe_alphabet_is_a_400_on_create_and_change(world, token_client, code):
    admin = token_client(world.admin)
    body = {"code": code, "name": "Odd", "start_date": "2026-07-01", "end_date": "2026-10-30"}
    created = admin.post("/api/units/", body, format="json")
    assert created.status_code == 400
    assert created.json()["error"].startswith("code: A unit code uses the letters A-Z")
    changed = admin.patch(f"/api/units/{world.unit_a.pk}/", {"code": code}, format="json")
    assert changed.status_code == 400
    assert Unit.objects.get(pk=world.unit_a.pk).code == "COS10001"
    assert not Unit.objects.filter(name="Odd").exists()


def test_a_unit_stored_with_an_old_code_can_still_be_changed_without_touching_the_code(world, token_client):
    Unit.objects.filter(pk=world.unit_a.pk).update(code="=OLD;1")
    response = token_client(world.admin).patch(f"/api/units/{world.unit_a.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    assert Unit.objects.get(pk=world.unit_a.pk).code == "=OLD;1"


def test_unit_must_end_after_it_starts(world, token_client):
    body = {"code": "COS9", "name": "Backwards", "start_date": "2026-07-01", "end_date": "2026-06-01"}
    response = token_client(world.admin).post("/api/units/", body, format="json")
    assert response.status_code == 400
    assert "end_date" in response.json()["fields"]


# --- users -----------------------------------------------------------------------------------------


def test_admin_creates_a_user_whose_password_works(world, token_client):
    response = token_client(world.admin).post("/api/users/", create_body(world, "users"), format="json")
    assert response.status_code == 201
    assert "password" not in response.json()
    user = User.objects.get(username="newbie")
    assert user.check_password("a-Long-enough-passw0rd")
    assert user.student_id is None


def test_weak_password_is_refused_by_the_validators(world, token_client):
    body = {**create_body(world, "users"), "password": "12345678"}
    response = token_client(world.admin).post("/api/users/", body, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["fields"]


def test_username_clash_ignores_case(world, token_client):
    body = {**create_body(world, "users"), "username": "Student_A", "email": "x@example.edu"}
    response = token_client(world.admin).post("/api/users/", body, format="json")
    assert response.status_code == 400
    assert "taken" in response.json()["error"]


def test_user_may_not_promote_themselves(world, token_client):
    response = token_client(world.student_a).patch(
        f"/api/users/{world.student_a.pk}/", {"role": "Admin"}, format="json"
    )
    assert response.status_code == 400
    assert "Only an Admin" in response.json()["error"]
    world.student_a.refresh_from_db()
    assert world.student_a.role == Role.STUDENT


# --- tasks -----------------------------------------------------------------------------------------


def test_staff_status_change_records_an_assessment(world, token_client):
    response = token_client(world.tutor_a).patch(
        f"/api/tasks/{world.task_a.pk}/", {"status": TaskStatus.DISCUSS.value, "quality_pts": 4}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status_name"] == "Discuss"
    assert response.json()["times_assessed"] == 1
    assessment = Assessment.objects.get(task=world.task_a)
    assert (assessment.assessor, assessment.status) == (world.tutor_a, TaskStatus.DISCUSS)
    task = Task.objects.get(pk=world.task_a.pk)
    assert (task.status, task.quality_pts, task.times_assessed) == (TaskStatus.DISCUSS, 4, 1)


def test_student_may_set_their_own_working_status_without_an_assessment(world, token_client):
    response = token_client(world.student_a).patch(
        f"/api/tasks/{world.task_a.pk}/", {"status": TaskStatus.WORKING_ON_IT.value}, format="json"
    )
    assert response.status_code == 200
    assert Task.objects.get(pk=world.task_a.pk).status == TaskStatus.WORKING_ON_IT
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "body,words",
    [
        ({"status": TaskStatus.COMPLETE.value + 8}, "Discuss"),  # 10 is Demonstrate
        ({"status": TaskStatus.DISCUSS.value}, "Discuss"),
        ({"grade": 3}, "Only staff"),
        ({"quality_pts": 5}, "Only staff"),
    ],
)
def test_student_cannot_set_staff_status_or_grades(world, token_client, body, words):
    response = token_client(world.student_a).patch(f"/api/tasks/{world.task_a.pk}/", body, format="json")
    assert response.status_code == 403
    if "status" in body and body["status"] == TaskStatus.DISCUSS.value:
        assert words in response.json()["error"]
    task = Task.objects.get(pk=world.task_a.pk)
    assert (task.status, task.grade, task.quality_pts) == (TaskStatus.NOT_STARTED, None, -1)
    assert not Assessment.objects.exists()


def test_student_cannot_see_or_change_a_classmates_task(world, token_client):
    response = token_client(world.student_a).patch(
        f"/api/tasks/{world.task_a2.pk}/", {"status": TaskStatus.WORKING_ON_IT.value}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [({"status": 13}, "status"), ({"quality_pts": 6}, "quality_pts"), ({"grade": 9}, "grade"), ({}, "error")],
)
def test_bad_task_changes_are_400s(world, token_client, body, field):
    response = token_client(world.tutor_a).patch(f"/api/tasks/{world.task_a.pk}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Assessment.objects.exists()


def test_tasks_and_projects_filter_by_unit(world, token_client):
    client = token_client(world.admin)
    projects = client.get(f"/api/projects/?unit={world.unit_b.pk}").json()["results"]
    assert [row["username"] for row in projects] == ["student_b"]
    tasks = client.get(f"/api/tasks/?unit={world.unit_a.pk}").json()["results"]
    assert sorted(row["username"] for row in tasks) == ["student_a", "student_a2"]


def test_project_lists_its_tutorials(world, token_client):
    TutorialEnrolment.objects.create(project=world.proj_a, tutorial=world.tut_a)
    body = token_client(world.student_a).get(f"/api/projects/{world.proj_a.pk}/").json()
    assert body["tutorials"] == ["LA1-01"]
    assert body["campus"] == "B"
    assert body["student_id"] == "1001"


# --- query counts ----------------------------------------------------------------------------------


def grow(world, first, last):
    """Add rows numbered first..last-1 of every kind (mostly to unit A)."""
    for n in range(first, last):
        student = UserFactory(username=f"extra{n}")
        project = ProjectFactory(user=student, unit=world.unit_a, campus=world.campus)
        stream = TutorialStreamFactory(unit=world.unit_a, name=f"S{n}", abbreviation=f"S{n}")
        tutorial = TutorialFactory(unit=world.unit_a, abbreviation=f"X{n}", campus=world.campus_g, stream=stream,
                                   tutor=world.role_tutor_a2)
        TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
        TaskFactory(project=project, definition=world.def_a)
        UnitRoleFactory(unit=world.unit_a, user=UserFactory(username=f"staff{n}"))
        UnitFactory(code=f"COS9{n:03d}")
        CampusFactory(abbreviation=f"Q{n}")


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


@pytest.mark.parametrize("resource", list(LIST_EXPECTATIONS))
@pytest.mark.parametrize("actor", ["admin", "conv_a"])
def test_list_query_count_does_not_grow_with_rows(world, token_client, resource, actor):
    client = token_client(getattr(world, actor))
    grow(world, 0, 2)
    small, small_rows = queries_for(client, f"/api/{resource}/")
    grow(world, 2, 22)
    large, large_rows = queries_for(client, f"/api/{resource}/")
    if actor == "conv_a" and resource in ("users", "units"):
        assert large_rows == small_rows  # themselves / their one unit, whatever the size
    else:
        assert large_rows > small_rows
    assert large == small
    # token lookup, role lookups (2), count, page, and one prefetch at most
    assert large <= 7


# --- browsable API and documents -------------------------------------------------------------------


def test_browsable_api_works_with_a_session(world):
    client = APIClient()
    client.force_login(world.conv_a)
    response = client.get("/api/tutorials/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Tutorial" in response.content and b"LA1-01" in response.content
    root = client.get("/api/", HTTP_ACCEPT="application/json")
    assert root.status_code == 200
    assert set(root.json()) >= {"users", "campuses", "units", "tutorial_streams", "tutorials", "unit_roles",
                                "projects", "tasks"}


def test_session_login_page_of_the_browsable_api_renders(db):
    assert APIClient().get("/api-auth/login/").status_code == 200


def test_session_write_needs_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.admin)
    response = client.post("/api/campuses/", {"name": "Online", "abbreviation": "C"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]


def test_schema_and_docs_are_served_offline(world):
    client = APIClient()
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for resource in LIST_EXPECTATIONS:
        assert f"/api/{resource}/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def test_schema_of_the_resources_validates_without_warnings():
    """`manage.py spectacular --validate --fail-on-warn`, limited to the routes of this module."""
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/", include("csvapi.views.resources"))]).get_schema(public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    assert "/api/tutorials/{id}/" in schema["paths"]
    tutorial = schema["components"]["schemas"]["Tutorial"]["properties"]
    assert tutorial["tutor"]["type"] == "string" and tutorial["tutor"]["nullable"] is True


def test_unit_scope_agrees_with_role_in_unit(world):
    """The bulk filter of the lists gives, unit by unit, the same answer as the role table's `may_in_unit`."""
    from csvapi.permissions import unit_scope
    from doubtfire.models import Unit
    from doubtfire.permissions import ASSESS_TASKS, MANAGE_UNIT, VIEW_UNIT, may_in_unit

    # An Admin who tutors unit B has a tutor's rights there, not an Admin's.
    UnitRoleFactory(unit=world.unit_b, user=world.admin, role=UnitRole.Kind.TUTOR)
    for actor in ["admin", "conv_a", "conv_b", "tutor_a", "student_a", "student_b"]:
        user = getattr(world, actor)
        for action in [VIEW_UNIT, ASSESS_TASKS, MANAGE_UNIT]:
            scoped = set(Unit.objects.filter(unit_scope(user, action, through="pk")).values_list("pk", flat=True))
            expected = {unit.pk for unit in Unit.objects.all() if may_in_unit(user, action, unit)}
            assert scoped == expected, (actor, action)


# --- Doubtfire's profile form: PUT /api/users/<id> with {"user": {...}} ----------------------------------------


def doubtfire_web_user_body(user, **changes):
    """What doubtfire-web 8.0.x sends from its profile form: every mapped key but `id`, snake_case, wrapped in
    `user` (User.toJson, user.service.ts mapAllKeysToJsonExcept('id')); `pronouns` is its own, unknown here."""
    body = {
        "first_name": user.first_name, "last_name": user.last_name, "opt_in_to_research": None,
        "student_id": user.student_id, "email": user.email, "username": user.username, "nickname": user.nickname,
        "system_role": user.role, "receive_task_notifications": True, "receive_portfolio_notifications": True,
        "receive_feedback_notifications": True, "has_run_first_time_setup": True, "pronouns": "they/them",
    }
    return {"user": {**body, **changes}}


def test_a_student_saves_doubtfire_webs_profile_form(world, token_client):
    client = token_client(world.student_a)
    body = doubtfire_web_user_body(
        world.student_a, nickname="Ash", opt_in_to_research=True, receive_task_notifications=False
    )
    response = client.put(f"/api/users/{world.student_a.pk}", body, format="json")  # no slash, as the client asks
    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["nickname"] == "Ash" and saved["system_role"] == "Student"
    assert saved["opt_in_to_research"] is True and saved["receive_task_notifications"] is False
    world.student_a.refresh_from_db()
    assert (world.student_a.nickname, world.student_a.opt_in_to_research) == ("Ash", True)
    assert world.student_a.receive_task_notifications is False


def test_the_profile_form_cannot_change_ones_own_system_role(world, token_client):
    body = doubtfire_web_user_body(world.student_a, system_role="Admin")
    response = token_client(world.student_a).put(f"/api/users/{world.student_a.pk}", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "Only an Admin may change: role."
    world.student_a.refresh_from_db()
    assert world.student_a.role == Role.STUDENT


def test_an_admin_changes_a_system_role_through_the_profile_form(world, token_client):
    body = doubtfire_web_user_body(world.tutor_a, system_role="Convenor")
    response = token_client(world.admin).put(f"/api/users/{world.tutor_a.pk}", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["system_role"] == response.json()["role"] == "Convenor"


def test_the_profile_form_cannot_reach_another_persons_account(world, token_client):
    body = doubtfire_web_user_body(world.student_a2, nickname="Not mine")
    response = token_client(world.student_a).put(f"/api/users/{world.student_a2.pk}", body, format="json")
    assert response.status_code == 404
    assert list(response.json()) == ["error"]


def test_flat_bodies_and_trailing_slashes_still_work(world, token_client):
    client = token_client(world.student_a)
    for url in (f"/api/users/{world.student_a.pk}/", f"/api/users/{world.student_a.pk}"):
        response = client.patch(url, {"receive_feedback_notifications": False}, format="json")
        assert response.status_code == 200, (url, response.content)
    assert client.get("/api/users").status_code == 200
