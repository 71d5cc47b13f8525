"""Rules the database itself enforces, and the user model's own rules (SPEC §0, issue 2 items 3 and 4)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models import RestrictedError

from doubtfire.models import (
    UNIT_CODE_RULE,
    Role,
    TaskDefinition,
    Tutorial,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    User,
    validate_unit_code,
)
from doubtfire.tests.factories import (
    ProjectFactory,
    TaskDefinitionFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UserFactory,
)


def refused(make):
    """Whether the database refuses the write (inside a savepoint, so the test can go on)."""
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


# --- users -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_usernames_differing_only_in_case_are_refused():
    User.objects.create(username="jsmith", email="j1@example.edu")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="JSmith", email="j2@example.edu")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_emails_differing_only_in_case_are_refused():
    User.objects.create(username="a", email="Jo.Smith@Example.edu")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="b", email="jo.smith@example.EDU")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_blank_username_is_refused():
    assert refused(lambda: User.objects.create(username="", email="x@example.edu"))


@pytest.mark.django_db
def test_student_id_null_is_allowed_many_times_but_a_value_only_once():
    for n in range(3):
        User.objects.create(username=f"u{n}", email=f"u{n}@example.edu", student_id=None)
    assert User.objects.filter(student_id__isnull=True).count() == 3
    User.objects.create(username="s1", email="s1@example.edu", student_id="00123")
    assert refused(lambda: User.objects.create(username="s2", email="s2@example.edu", student_id="00123"))


@pytest.mark.django_db
def test_blank_student_id_becomes_null():
    first = User.objects.create(username="a", email="a@example.edu", student_id="")
    second = User.objects.create(username="b", email="b@example.edu", student_id="   ")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.student_id is None and second.student_id is None


@pytest.mark.django_db
def test_student_id_keeps_leading_zeros():
    user = User.objects.create(username="a", email="a@example.edu", student_id="000123")
    user.refresh_from_db()
    assert user.student_id == "000123"


@pytest.mark.django_db
def test_sign_in_lookup_ignores_case():
    user = UserFactory(username="MixedCase")
    assert User.objects.get_by_natural_key("mixedcase") == user


@pytest.mark.django_db
def test_a_superuser_is_an_admin():
    user = User.objects.create_superuser(username="root", email="root@example.edu", password="x-Long-Passw0rd")
    assert user.role == Role.ADMIN
    assert user.is_admin and user.is_staff and user.is_superuser


@pytest.mark.django_db
def test_making_an_existing_user_superuser_makes_them_admin():
    user = UserFactory(username="later", role=Role.TUTOR)
    user.is_superuser = True
    user.save()
    user.refresh_from_db()
    assert user.role == Role.ADMIN


@pytest.mark.django_db
def test_system_admin_can_sign_in_to_the_admin_site():
    assert UserFactory(username="boss", role=Role.ADMIN).is_staff


@pytest.mark.django_db
def test_createsuperuser_noinput_with_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-Long-enough-passw0rd")
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.edu", verbosity=0)
    user = User.objects.get(username="root")
    assert user.role == Role.ADMIN and user.is_superuser and user.is_admin
    assert user.email == "root@example.edu"
    assert user.check_password("a-Long-enough-passw0rd")


# --- units -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tutorial_enrolment_at_most_one_per_stream():
    unit = UnitFactory()
    lab, workshop = TutorialStreamFactory(unit=unit), TutorialStreamFactory(unit=unit)
    lab1, lab2 = TutorialFactory(unit=unit, stream=lab), TutorialFactory(unit=unit, stream=lab)
    workshop1 = TutorialFactory(unit=unit, stream=workshop)
    project = ProjectFactory(unit=unit)
    TutorialEnrolment.objects.create(project=project, tutorial=lab1)
    # A place in another stream is fine; a second place in the same stream is not.
    TutorialEnrolment.objects.create(project=project, tutorial=workshop1)
    assert refused(lambda: TutorialEnrolment.objects.create(project=project, tutorial=lab2))
    assert TutorialEnrolment.objects.filter(project=project).count() == 2


@pytest.mark.django_db
def test_tutorial_enrolment_at_most_one_without_streams():
    unit = UnitFactory()
    first, second = TutorialFactory(unit=unit), TutorialFactory(unit=unit)
    project = ProjectFactory(unit=unit)
    TutorialEnrolment.objects.create(project=project, tutorial=first)
    assert refused(lambda: TutorialEnrolment.objects.create(project=project, tutorial=second))


@pytest.mark.django_db
def test_tutorial_abbreviation_unique_within_its_unit_only():
    unit, other = UnitFactory(), UnitFactory()
    TutorialFactory(unit=unit, abbreviation="LA1-01")
    TutorialFactory(unit=other, abbreviation="LA1-01")
    assert refused(lambda: TutorialFactory(unit=unit, abbreviation="LA1-01"))


@pytest.mark.django_db
def test_unit_code_unique_per_start_date_regardless_of_case():
    UnitFactory(code="COS10001")
    assert refused(lambda: UnitFactory(code="cos10001"))


@pytest.mark.django_db
def test_project_one_per_student_and_unit():
    project = ProjectFactory()
    assert refused(lambda: ProjectFactory(user=project.user, unit=project.unit))


def test_deleting_a_unit_removes_its_streams_tutorials_and_tasks(db):
    unit = UnitFactory()
    stream = TutorialStreamFactory(unit=unit)
    TutorialFactory(unit=unit, stream=stream)
    TaskDefinitionFactory(unit=unit, tutorial_stream=stream)
    unit.delete()
    assert not Unit.objects.exists()
    assert not TutorialStream.objects.exists()
    assert not Tutorial.objects.exists()
    assert not TaskDefinition.objects.exists()


def test_a_stream_still_used_by_a_tutorial_cannot_be_deleted_alone(db):
    stream = TutorialStreamFactory()
    TutorialFactory(unit=stream.unit, stream=stream)
    with pytest.raises(RestrictedError):
        stream.delete()


def test_a_system_admin_who_is_not_a_superuser_manages_the_admin_site(db, client):
    admin = UserFactory(role=Role.ADMIN, is_superuser=False)
    assert admin.is_staff
    client.force_login(admin)
    assert client.get("/admin/doubtfire/unit/").status_code == 200
    assert client.get("/admin/doubtfire/user/add/").status_code == 200
    tutor = UserFactory(role=Role.TUTOR)
    assert not tutor.has_perm("doubtfire.change_unit")


def test_finding_a_user_by_name_uses_the_case_insensitive_index(db):
    UserFactory(username="aadmin")
    query = User.objects.filter(username__lower=Lower(Value("AADMIN")))
    assert [user.username for user in query] == ["aadmin"]
    if connection.vendor == "sqlite":  # the plan names the index; PostgreSQL may still scan a tiny table
        assert "user_username_ci_unique" in query.explain()
    assert User.objects.get_by_natural_key("AAdmin").username == "aadmin"


# --- unit codes: a safe alphabet -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["COS10001", "cos10001", "SIT101/SIT701", "ICT 2024-S1", "A_B.C", "X", "1"])
def test_unit_codes_of_letters_digits_and_single_separators_are_valid(code):
    validate_unit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "", " COS1", "COS1 ", "COS  1", "COS--1", "COS/-1", "-X1", "=SUM(A1)", "+SIT101", "@U", "'=Q",
        'x.html; filename="evil.html"; x=', "COS\r\n1", "COS\t1", "COS1;", "Jos\u00e9", "COS\x001", "A/", "/A",
    ],
)
def test_anything_else_is_not_a_unit_code(code):
    with pytest.raises(ValidationError) as refusal:
        validate_unit_code(code)
    assert refusal.value.messages == [UNIT_CODE_RULE]


@pytest.mark.django_db
def test_a_stored_code_from_before_the_rule_still_loads_and_saves():
    # The rule is a validator: forms and serializers check it, a plain save() of an old row does not.
    unit = UnitFactory(code="=OLD;1")
    unit.name = "Renamed"
    unit.save()
    assert Unit.objects.get(pk=unit.pk).code == "=OLD;1"
