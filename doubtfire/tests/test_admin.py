"""The admin: every units model is registered, and its list (with a search), add and change pages render."""

import pytest
from django.contrib import admin
from django.urls import reverse

from doubtfire import models
from doubtfire.models import Role, TaskStatus, User
from doubtfire.services import issue_auth_token, update_task
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

EVERY_MODEL = [
    models.User, models.AuthToken, models.Campus, models.Unit, models.UnitRole, models.TutorialStream,
    models.Tutorial, models.Project, models.TutorialEnrolment, models.GroupSet, models.Group,
    models.GroupMembership, models.TaskDefinition, models.Task, models.Assessment,
]
# Tokens are only ever issued through /api/auth.
NO_ADD_PAGE = {models.AuthToken}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def populated(db):
    """One row of every model, so that list pages render real rows."""
    admin_user = UserFactory(username="aadmin", role=Role.ADMIN, is_superuser=True)
    tutor = UserFactory(username="ttutor", role=Role.TUTOR)
    unit = UnitFactory(code="COS10001")
    role = UnitRoleFactory(unit=unit, user=tutor)
    stream = TutorialStreamFactory(unit=unit, abbreviation="LA1")
    tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(abbreviation="B"),
                               stream=stream, tutor=role)
    project = ProjectFactory(unit=unit, user=UserFactory(username="sstudent", student_id="1001"))
    models.TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
    group_set = models.GroupSet.objects.create(unit=unit, name="Teams")
    group = models.Group.objects.create(group_set=group_set, tutorial=tutorial, name="Team 1")
    models.GroupMembership.objects.create(group=group, project=project)
    task = TaskFactory(project=project, definition=TaskDefinitionFactory(unit=unit, abbreviation="1.1P"))
    update_task(actor=tutor, task=task, status=TaskStatus.DISCUSS)
    issue_auth_token(user=tutor)
    return admin_user


@pytest.fixture
def admin_client(client, populated):
    client.force_login(populated)
    return client


def test_every_units_model_is_registered():
    registered = set(admin.site._registry)
    assert set(EVERY_MODEL) <= registered


def test_admin_classes_that_import_export_extends_are_named():
    from doubtfire import admin as doubtfire_admin

    assert admin.site._registry[models.User].__class__ is doubtfire_admin.UserAdmin
    assert admin.site._registry[models.Project].__class__ is doubtfire_admin.ProjectAdmin
    assert admin.site._registry[models.TaskDefinition].__class__ is doubtfire_admin.TaskDefinitionAdmin


@pytest.mark.parametrize("model", EVERY_MODEL, ids=lambda m: m.__name__)
def test_changelist_with_search_renders(admin_client, model):
    url = reverse(f"admin:doubtfire_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "COS"}).status_code == 200


@pytest.mark.parametrize("model", [m for m in EVERY_MODEL if m not in NO_ADD_PAGE], ids=lambda m: m.__name__)
def test_add_page_renders(admin_client, model):
    response = admin_client.get(reverse(f"admin:doubtfire_{model._meta.model_name}_add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", EVERY_MODEL, ids=lambda m: m.__name__)
def test_change_page_renders(admin_client, model):
    row = model.objects.order_by("pk").first()
    response = admin_client.get(reverse(f"admin:doubtfire_{model._meta.model_name}_change", args=[row.pk]))
    assert response.status_code == 200


def test_search_finds_a_student_by_student_id(admin_client):
    response = admin_client.get(reverse("admin:doubtfire_user_changelist"), {"q": "1001"})
    assert b"sstudent" in response.content
    assert b"ttutor" not in response.content


def test_add_user_form_creates_a_user_with_our_fields(admin_client):
    response = admin_client.post(
        reverse("admin:doubtfire_user_add"),
        {
            "username": "newtutor", "email": "newtutor@example.edu", "first_name": "New", "last_name": "Tutor",
            "role": Role.TUTOR, "student_id": "", "usable_password": "true",
            "password1": "a-Long-enough-passw0rd", "password2": "a-Long-enough-passw0rd",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(username="newtutor")
    assert (user.role, user.student_id, user.email) == (Role.TUTOR, None, "newtutor@example.edu")
    assert user.check_password("a-Long-enough-passw0rd")


@pytest.mark.parametrize(
    "username,email,words",
    [("SSTUDENT", "other@example.edu", b"already exists"), ("fresh", "SStudent@Example.edu", b"already uses")],
)
def test_add_user_refuses_names_and_emails_that_differ_only_in_case(admin_client, username, email, words):
    existing = User.objects.get(username="sstudent")
    existing.email = "sstudent@example.edu"
    existing.save()
    response = admin_client.post(
        reverse("admin:doubtfire_user_add"),
        {"username": username, "email": email, "role": Role.STUDENT, "usable_password": "false"},
    )
    assert response.status_code == 200
    assert words in response.content
    assert User.objects.count() == 3


def unit_form(code: str) -> dict:
    # The add page's unit form with its two empty inlines (unit roles, tutorial streams).
    empty_inline = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}
    return {
        "code": code, "name": "Odd", "description": "", "start_date": "2026-07-01", "end_date": "2026-10-30",
        "active": "on",
        **{f"unit_roles-{key}": value for key, value in empty_inline.items()},
        **{f"tutorial_streams-{key}": value for key, value in empty_inline.items()},
    }


@pytest.mark.parametrize("code, saved", [("SIT101/SIT701", True), ("=SUM(A1)", False), ("COS1; x=", False)])
def test_add_unit_form_checks_the_unit_code_alphabet(admin_client, code, saved):
    response = admin_client.post(reverse("admin:doubtfire_unit_add"), unit_form(code))
    assert response.status_code == (302 if saved else 200), response.content[:2000]
    assert models.Unit.objects.filter(code=code).exists() == saved
    if not saved:
        assert b"A unit code uses the letters A-Z" in response.content


@pytest.mark.parametrize("odd", ["²", "1e3", "99999999999999999999999"])
def test_an_odd_id_in_an_autocomplete_field_is_the_fields_error_not_a_500(admin_client, odd):
    # Django's autocomplete widget looked the refused value up again to show it: ValueError/OverflowError.
    response = admin_client.post(reverse("admin:doubtfire_unitrole_add"), {"user": odd, "unit": odd, "role": "Tutor"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"user", "unit"}


def test_change_user_form_saves_and_keeps_blank_student_id_null(admin_client):
    user = User.objects.get(username="ttutor")
    url = reverse("admin:doubtfire_user_change", args=[user.pk])
    response = admin_client.post(
        url,
        {
            "username": "ttutor", "first_name": "Tina", "last_name": "Tutor", "nickname": "T",
            "email": "ttutor@example.edu", "student_id": "  ", "role": Role.CONVENOR, "is_active": "on",
            "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
            "unit_roles-TOTAL_FORMS": "1", "unit_roles-INITIAL_FORMS": "1", "unit_roles-MIN_NUM_FORMS": "0",
            "unit_roles-MAX_NUM_FORMS": "1000", "unit_roles-0-id": str(user.unit_roles.get().pk),
            "unit_roles-0-user": str(user.pk), "unit_roles-0-unit": str(user.unit_roles.get().unit_id),
            "unit_roles-0-role": "Tutor",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert (user.first_name, user.role, user.student_id) == ("Tina", Role.CONVENOR, None)


def test_autocomplete_of_users_answers(admin_client):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "doubtfire", "model_name": "project", "field_name": "user", "term": "sstu"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["sstudent"]
