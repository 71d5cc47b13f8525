"""Who may call each of the nine CSV routes, from one table (SPEC §2, upstream §1.2).

Every route × {no token, bad token, student of the unit, tutor of another unit, tutor, convenor, admin}.
Allowed callers get 200/201; signed-in callers without the right get 403; bad credentials get 419.
"""

import io

import pytest
from rest_framework.test import APIClient

from doubtfire.models import Role, UnitRole
from doubtfire.tests.factories import ProjectFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS_CSV = "email,first_name,last_name,username,nickname,role,student_id\nn@x.com,N,N,newbie,,Student,\n"
STUDENTS_CSV = "unit_code,username,email,tutorial\nPERM101,newbie,n@x.com,\n"
TASKS_CSV = "name,abbreviation,start_week,start_day,target_week,target_day\nTask,T1,1,Mon,2,Mon\n"

CALLERS = ["no token", "bad token", "student", "other tutor", "tutor", "convenor", "admin"]

# route: (method, path template, upload or None, the callers allowed)
ROUTES = {
    "GET users": ("get", "/api/csv/users", None, {"admin"}),
    "POST users": ("post", "/api/csv/users", USERS_CSV, {"convenor", "admin"}),
    "GET students": ("get", "/api/csv/units/{unit}", None, {"tutor", "convenor", "admin"}),
    "POST students": ("post", "/api/csv/units/{unit}", STUDENTS_CSV, {"convenor", "admin"}),
    "POST withdraw": ("post", "/api/csv/units/{unit}/withdraw", STUDENTS_CSV, {"convenor", "admin"}),
    "GET task_completion": ("get", "/api/csv/units/{unit}/task_completion", None, {"tutor", "convenor", "admin"}),
    "GET tutor_assessments": ("get", "/api/csv/units/{unit}/tutor_assessments", None, {"tutor", "convenor", "admin"}),
    "GET task_definitions": ("get", "/api/csv/task_definitions?unit_id={unit}", None, {"tutor", "convenor", "admin"}),
    "POST task_definitions": ("post", "/api/csv/task_definitions", TASKS_CSV, {"convenor", "admin"}),
}


def expected_status(route, caller):
    method, _, _, allowed = ROUTES[route]
    if caller in ("no token", "bad token"):
        return 419
    if caller in allowed:
        return 200 if method == "get" else 201
    return 403


@pytest.fixture
def setting(token_client):
    unit = UnitFactory(code="PERM101")
    other = UnitFactory(code="OTHER1")
    people = {
        # The convenor holds the system role Convenor as well: the users upload is theirs too.
        "student": ProjectFactory(unit=unit, user=UserFactory(role=Role.STUDENT)).user,
        "other tutor": UnitRoleFactory(unit=other).user,
        "tutor": UnitRoleFactory(unit=unit).user,
        "convenor": UnitRoleFactory(unit=unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(role=Role.CONVENOR)).user,
        "admin": UserFactory(role=Role.ADMIN, username="aadmin"),
    }
    clients = {name: token_client(user) for name, user in people.items()}
    clients["no token"] = APIClient()
    bad = APIClient()
    bad.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN="not-the-token")
    clients["bad token"] = bad
    return unit, clients


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_permission_matrix(setting, route, caller):
    unit, clients = setting
    method, template, upload, _ = ROUTES[route]
    path = template.format(unit=unit.pk)
    client = clients[caller]
    if method == "get":
        response = client.get(path)
    else:
        handle = io.BytesIO(upload.encode())
        handle.name = "upload.csv"
        data = {"file": handle}
        if "task_definitions" in path:
            data["unit_id"] = str(unit.pk)
        response = client.post(path, data, format="multipart")
    assert response.status_code == expected_status(route, caller), response.content[:300]
    if response.status_code in (403, 419):
        assert set(response.json()) == {"error"}
        assert response.json()["error"]
    if response.status_code == 201:
        assert set(response.json()) == {"success", "ignored", "errors"}
