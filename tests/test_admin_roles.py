"""Roles cannot be used against their grantor (issue 11 item 8): inside a unit, nobody but an Admin gives,
changes or removes an Admin's unit role, or enrols an Admin as a student.

The finding: a unit's Convenor sent `POST /api/unit_roles/ {"unit": 1, "user": "aadmin", "role": "Tutor"}`;
the unit role then won over the system role, so the Admin had a tutor's rights in the unit and could not undo
it outside the Django admin. Every route that writes a unit role or an enrolment is tried here through HTTP.
"""

import io

import pytest

from doubtfire.models import Project, Role, UnitRole
from doubtfire.permissions import MANAGE_UNIT, may_in_unit
from doubtfire.tests.factories import ProjectFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return UnitFactory(code="COS10001")


@pytest.fixture
def convenor(unit):
    return UnitRoleFactory(unit=unit, user=UserFactory(username="cconvenor", role=Role.CONVENOR),
                           role=UnitRole.Kind.CONVENOR).user


@pytest.fixture
def admin():
    return UserFactory(username="aadmin", role=Role.ADMIN)


@pytest.fixture
def superuser():
    # A Django superuser is an Admin whatever the role column says.
    return UserFactory(username="root", role=Role.STUDENT, is_superuser=True)


@pytest.fixture
def admin_role(unit, admin):
    """The Admin convenes the unit too, as an Admin set it up."""
    return UnitRoleFactory(unit=unit, user=admin, role=UnitRole.Kind.CONVENOR)


def refused_as_against_an_admin(response, username="aadmin"):
    assert response.status_code == 403, response.content
    assert response.json() == {
        "error": f"{username} is an Admin: only an Admin may change an Admin's role in COS10001."
    }


# --- /api/unit_roles/ --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Tutor", "Convenor"])
def test_a_convenor_cannot_give_an_admin_a_role_in_the_unit(unit, convenor, admin, token_client, role):
    response = token_client(convenor).post(
        "/api/unit_roles/", {"unit": unit.pk, "user": "aadmin", "role": role}, format="json"
    )
    refused_as_against_an_admin(response)
    assert not UnitRole.objects.filter(user=admin).exists()
    assert may_in_unit(admin, MANAGE_UNIT, unit)


def test_a_superuser_is_an_admin_here_too(unit, convenor, superuser, token_client):
    response = token_client(convenor).post(
        "/api/unit_roles/", {"unit": unit.pk, "user": "root", "role": "Tutor"}, format="json"
    )
    refused_as_against_an_admin(response, "root")


@pytest.mark.parametrize("method, body", [("patch", {"role": "Tutor"}), ("put", None), ("delete", None)])
def test_a_convenor_cannot_change_or_remove_an_admins_role(unit, convenor, admin_role, token_client, method, body):
    if method == "put":
        body = {"unit": unit.pk, "user": "aadmin", "role": "Tutor"}
    response = getattr(token_client(convenor), method)(f"/api/unit_roles/{admin_role.pk}/", body, format="json")
    refused_as_against_an_admin(response)
    admin_role.refresh_from_db()
    assert admin_role.role == UnitRole.Kind.CONVENOR


def test_a_convenor_cannot_hand_a_tutors_role_over_to_an_admin(unit, convenor, admin, token_client):
    tutor_role = UnitRoleFactory(unit=unit, user=UserFactory(username="ttutor"), role=UnitRole.Kind.TUTOR)
    response = token_client(convenor).patch(f"/api/unit_roles/{tutor_role.pk}/", {"user": "aadmin"}, format="json")
    refused_as_against_an_admin(response)
    tutor_role.refresh_from_db()
    assert tutor_role.user.username == "ttutor"


def test_the_convenor_still_manages_everyone_else(unit, convenor, token_client):
    client = token_client(convenor)
    UserFactory(username="newtutor", role=Role.TUTOR)
    created = client.post("/api/unit_roles/", {"unit": unit.pk, "user": "newtutor", "role": "Tutor"}, format="json")
    assert created.status_code == 201
    promoted = client.patch(f"/api/unit_roles/{created.json()['id']}/", {"role": "Convenor"}, format="json")
    assert promoted.status_code == 200
    assert client.delete(f"/api/unit_roles/{created.json()['id']}/").status_code == 204


def test_an_admin_gives_changes_and_removes_another_admins_role(unit, admin, admin_role, token_client):
    other_admin = UserFactory(username="badmin", role=Role.ADMIN)
    client = token_client(UserFactory(username="zadmin", role=Role.ADMIN))
    created = client.post("/api/unit_roles/", {"unit": unit.pk, "user": "badmin", "role": "Tutor"}, format="json")
    assert created.status_code == 201
    assert client.patch(f"/api/unit_roles/{admin_role.pk}/", {"role": "Tutor"}, format="json").status_code == 200
    assert client.delete(f"/api/unit_roles/{admin_role.pk}/").status_code == 204
    assert list(UnitRole.objects.filter(user__in=[admin, other_admin]).values_list("user__username", "role")) == [
        ("badmin", "Tutor")
    ]


def test_who_may_not_manage_the_unit_gets_the_units_own_refusal(unit, admin, token_client):
    tutor = UnitRoleFactory(unit=unit, user=UserFactory(username="ttutor"), role=UnitRole.Kind.TUTOR).user
    UnitRoleFactory(unit=UnitFactory(code="COS20002"), user=tutor, role=UnitRole.Kind.CONVENOR)
    response = token_client(tutor).post(
        "/api/unit_roles/", {"unit": unit.pk, "user": "aadmin", "role": "Tutor"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"error": "Only the Convenors of COS10001 (or an Admin) may add to it."}


# --- the enrolment CSV (POST /api/csv/units/<id>, the dashboard's upload, the admin button) -----------


def students_file(*usernames: str) -> io.BytesIO:
    lines = ["unit_code,username,email,first_name,last_name,tutorial"]
    lines += [f"COS10001,{name},{name}@example.edu,First,Last," for name in usernames]
    handle = io.BytesIO("\n".join(lines).encode())
    handle.name = "students.csv"
    return handle


def test_a_convenor_cannot_enrol_an_admin_as_a_student(unit, convenor, admin, token_client):
    response = token_client(convenor).post(
        f"/api/csv/units/{unit.pk}", {"file": students_file("aadmin", "newstudent")}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert [entry["message"] for entry in body["errors"]] == [
        "aadmin is an Admin: only an Admin may enrol an Admin as a student."
    ]
    assert [entry["row"]["username"] for entry in body["success"]] == ["newstudent"]
    assert not Project.objects.filter(user=admin).exists()
    assert may_in_unit(admin, MANAGE_UNIT, unit)


def test_a_convenor_cannot_re_enrol_a_withdrawn_admin(unit, convenor, admin, token_client):
    project = ProjectFactory(unit=unit, user=admin, enrolled=False)
    response = token_client(convenor).post(
        f"/api/csv/units/{unit.pk}", {"file": students_file("aadmin")}, format="multipart"
    )
    assert response.json()["errors"][0]["message"] == (
        "aadmin is an Admin: only an Admin may enrol an Admin as a student."
    )
    project.refresh_from_db()
    assert not project.enrolled


def test_an_admin_already_enrolled_by_an_admin_is_no_change_for_the_convenor(unit, convenor, admin, token_client):
    ProjectFactory(unit=unit, user=admin)
    response = token_client(convenor).post(
        f"/api/csv/units/{unit.pk}", {"file": students_file("aadmin")}, format="multipart"
    )
    assert response.json()["ignored"][0]["message"] == "No change."


def test_an_admin_may_enrol_an_admin(unit, admin, token_client):
    client = token_client(UserFactory(username="zadmin", role=Role.ADMIN))
    response = client.post(f"/api/csv/units/{unit.pk}", {"file": students_file("aadmin")}, format="multipart")
    assert response.json()["errors"] == []
    assert Project.objects.get(user=admin).enrolled


def test_the_dashboards_enrolment_upload_follows_the_same_rule(unit, convenor, admin, client):
    client.force_login(convenor)
    staged = client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": students_file("aadmin")})
    assert staged.status_code == 302
    preview = client.get(staged["Location"])
    assert "only an Admin may enrol an Admin as a student" in preview.content.decode()
    client.post(staged["Location"] + "confirm/", {"fingerprint": preview.context["fingerprint"]})
    assert not Project.objects.filter(user=admin).exists()
