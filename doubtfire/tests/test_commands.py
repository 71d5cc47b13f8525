"""Management commands for cron jobs: same services and selectors as the CSV routes."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from doubtfire.models import Project, Role, TaskDefinition, User
from doubtfire.tests.factories import CampusFactory, ProjectFactory, TutorialFactory, UnitFactory, UserFactory

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "doubtfire"
DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def unit():
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(abbreviation="B", name="Burwood"))
    return unit


def test_import_users_prints_the_api_result(tmp_path):
    out, err = run("import_users", str(FIXTURES / "doubtfire_users.csv"))
    result = json.loads(out)
    assert [e["message"] for e in result["success"]] == ["Added user test_case as Student."]
    assert err.strip() == "1 success, 0 ignored, 0 errors"
    assert not User.objects.get(username="test_case").has_usable_password()


def test_import_users_as_a_convenor_obeys_their_limits(tmp_path, make_user):
    make_user(Role.CONVENOR, username="conv")
    path = tmp_path / "u.csv"
    path.write_text("email,first_name,last_name,username,role\na@x.com,A,A,boss,Admin\n")
    result = json.loads(run("import_users", str(path), "--actor", "conv")[0])
    assert result["errors"][0]["message"].startswith("A Convenor may only add Students and Tutors")


def test_dry_run_writes_nothing():
    out, err = run("import_users", str(FIXTURES / "doubtfire_users.xlsx"), "--dry-run")
    assert len(json.loads(out)["success"]) == 1
    assert "dry run" in err
    assert not User.objects.filter(username="test_case").exists()


def test_enrol_then_export_then_withdraw(unit, tmp_path):
    run("enrol_students", str(FIXTURES / "COS10001-Students.csv"), "--unit", str(unit.pk))
    out, _ = run("export_students", "--unit", str(unit.pk))
    assert out == (
        "unit_code,campus,username,student_id,preferred_name,first_name,last_name,email,tutorial\n"
        "COS10001,B,test_csv_student,,Test,Test,CSV,test_csv_student@doubtfire.com,LA1-01\n"
    )
    target = tmp_path / "students.csv"
    run("export_students", "--unit", str(unit.pk), "-o", str(target))
    assert target.read_text() == out
    result = json.loads(run("withdraw_students", str(target), "--unit", str(unit.pk))[0])
    assert [e["message"] for e in result["success"]] == ["User test_csv_student withdrawn from unit."]
    assert not Project.objects.get(unit=unit).enrolled


def test_task_definitions_commands_round_trip(unit, tmp_path):
    run("import_task_definitions", str(FIXTURES / "COS10001-Tasks.csv"), "--unit", str(unit.pk))
    assert TaskDefinition.objects.get(unit=unit).abbreviation == "A12"
    target = tmp_path / "tasks.csv"
    run("export_task_definitions", "--unit", str(unit.pk), "-o", str(target))
    result = json.loads(run("import_task_definitions", str(target), "--unit", str(unit.pk))[0])
    assert [e["message"] for e in result["ignored"]] == ["No change."]


def test_other_exports(unit, admin_account):
    ProjectFactory(unit=unit, user=UserFactory(username="s1", student_id="9"))
    assert run("export_task_completion", "--unit", str(unit.pk))[0].splitlines()[1].startswith("9,s1,")
    assert run("export_tutor_assessments", "--unit", str(unit.pk))[0] == "Username,Tutor Name,Total Tasks Assessed\n"
    assert "aadmin" in run("export_users")[0]


def test_errors_are_command_errors(unit, tmp_path):
    with pytest.raises(CommandError, match="There is no unit with id 999"):
        run("export_students", "--unit", "999")
    with pytest.raises(CommandError, match="File given is not a csv file - detected application/pdf"):
        run("enrol_students", str(FIXTURES / "COS10001-Students.pdf"), "--unit", str(unit.pk))
    with pytest.raises(CommandError, match="Missing headings"):
        run("import_task_definitions", str(DATA / "SIT101-Enrol-Students.csv"), "--unit", str(unit.pk))
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_users", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="no user called ghost"):
        run("import_users", str(FIXTURES / "doubtfire_users.csv"), "--actor", "ghost")


def test_set_role_makes_a_signed_up_teacher_a_convenor_who_may_then_add_users():
    from rest_framework.test import APIClient

    from doubtfire.services import issue_auth_token

    teacher = UserFactory(username="asha@uni.edu", role=Role.TUTOR)
    client = APIClient()
    client.credentials(HTTP_USERNAME=teacher.username, HTTP_AUTH_TOKEN=issue_auth_token(user=teacher))
    users = b"username,email,role,first_name,last_name\nnew1,new1@uni.edu,Student,N,One\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert client.post("/api/csv/users", {"file": SimpleUploadedFile("u.csv", users)}).status_code == 403
    out, _ = run("set_role", "ASHA@uni.edu", "convenor")
    assert out.strip() == "asha@uni.edu: Tutor -> Convenor."
    assert client.post("/api/csv/users", {"file": SimpleUploadedFile("u.csv", users)}).status_code == 201


def test_set_role_moving_an_admin_off_admin_takes_the_admin_site_away():
    admin = UserFactory(username="boss", role=Role.ADMIN)
    assert User.objects.get(pk=admin.pk).is_staff
    run("set_role", "boss", "Convenor")
    assert (User.objects.get(pk=admin.pk).role, User.objects.get(pk=admin.pk).is_staff) == (Role.CONVENOR, False)
    with pytest.raises(CommandError, match="Unknown role 'Dean'"):
        run("set_role", "boss", "Dean")
    with pytest.raises(CommandError, match="There is no user called ghost"):
        run("set_role", "ghost", "Tutor")
