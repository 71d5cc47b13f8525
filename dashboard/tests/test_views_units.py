"""The units pages: who sees which unit, the student filters, uploads and their three tables."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from doubtfire.models import Project, Role, TaskStatus, UnitRole
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    TutorialFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return UnitFactory(code="COS10001", name="Intro to Programming")


@pytest.fixture
def convenor(unit, make_user):
    user = make_user(Role.CONVENOR, username="conv")
    UnitRoleFactory(user=user, unit=unit, role=UnitRole.Kind.CONVENOR)
    return user


@pytest.fixture
def tutor(unit, make_user):
    user = make_user(Role.TUTOR, username="tutor")
    UnitRoleFactory(user=user, unit=unit, role=UnitRole.Kind.TUTOR)
    return user


def signed_in(client, user):
    client.force_login(user)
    return client


def test_my_units_lists_only_units_where_i_have_a_role(client, unit, tutor):
    UnitFactory(code="OTHER1")
    response = signed_in(client, tutor).get("/units/")
    assert response.status_code == 200
    codes = [item.unit.code for item in response.context["units"]]
    assert codes == ["COS10001"]
    assert response.context["units"][0].role == "Tutor"


def test_an_admin_sees_every_unit(client, unit, admin_account):
    UnitFactory(code="OTHER1")
    response = signed_in(client, admin_account).get("/units/")
    assert sorted(item.unit.code for item in response.context["units"]) == ["COS10001", "OTHER1"]


def test_units_pages_send_strangers_to_sign_in(client, unit):
    for url in ("/units/", f"/units/{unit.pk}/", f"/units/{unit.pk}/tasks/", f"/units/{unit.pk}/upload/enrolments/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_a_teacher_without_a_role_in_the_unit_is_refused(client, unit, make_user):
    outsider = make_user(Role.CONVENOR, username="outsider")
    signed_in(client, outsider)
    assert client.get(f"/units/{unit.pk}/").status_code == 403
    assert client.get(f"/units/{unit.pk}/tasks/").status_code == 403
    assert client.get("/units/999999/").status_code == 404


def test_the_unit_page_lists_students_and_filters_them(client, unit, tutor):
    east, west = CampusFactory(abbreviation="E"), CampusFactory(abbreviation="W")
    lab = TutorialFactory(unit=unit, abbreviation="LA1-01", campus=east)
    anna = ProjectFactory(unit=unit, user=UserFactory(username="anna"), campus=east)
    ProjectFactory(unit=unit, user=UserFactory(username="bob"), campus=west)
    ProjectFactory(unit=unit, user=UserFactory(username="cara"), campus=west, enrolled=False)
    anna.tutorial_enrolments.create(tutorial=lab)
    signed_in(client, tutor)

    def usernames(query=""):
        response = client.get(f"/units/{unit.pk}/{query}")
        assert response.status_code == 200
        return [student.username for student in response.context["students"]]

    assert usernames() == ["anna", "bob"]
    assert usernames("?campus=W") == ["bob"]
    assert usernames("?tutorial=LA1-01") == ["anna"]
    assert usernames("?status=withdrawn") == ["cara"]
    assert usernames("?status=all") == ["anna", "bob", "cara"]
    assert usernames("?search=BO") == ["bob"]
    page = client.get(f"/units/{unit.pk}/").content.decode()
    assert f'href="/api/csv/units/{unit.pk}"' in page
    assert f'href="/api/csv/units/{unit.pk}/task_completion"' in page
    assert f'href="/api/csv/task_definitions?unit_id={unit.pk}"' in page
    assert "Enrol students" not in page  # a tutor is not offered uploads


def test_a_tutor_cannot_upload_to_a_unit(client, unit, tutor):
    signed_in(client, tutor)
    assert client.get(f"/units/{unit.pk}/upload/enrolments/").status_code == 403
    csv = SimpleUploadedFile("s.csv", b"unit_code,username,email,tutorial\nCOS10001,zed,zed@uni.edu,\n")
    assert client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": csv}).status_code == 403
    assert not Project.objects.filter(user__username="zed").exists()


def test_an_unknown_upload_kind_is_not_found(client, unit, convenor):
    assert signed_in(client, convenor).get(f"/units/{unit.pk}/upload/grades/").status_code == 404


def test_a_convenor_enrols_students_and_sees_three_tables_with_row_numbers(client, unit, convenor):
    signed_in(client, convenor)
    csv = SimpleUploadedFile(
        "students.csv",
        b"unit_code,username,email,first_name,last_name,tutorial\n"
        b"COS10001,zed,zed@uni.edu,Zed,Zee,\n"
        b"WRONG,yan,yan@uni.edu,Yan,Why,\n"
        b"COS10001,,nobody@uni.edu,No,Body,\n",
    )
    response = client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": csv})
    assert response.status_code == 200
    result = response.context["result"]
    assert [entry["row_number"] for entry in result.success] == [2]
    assert [entry["row_number"] for entry in result.ignored] == [3]
    assert [entry["row_number"] for entry in result.errors] == [4]
    assert Project.objects.filter(unit=unit, user__username="zed", enrolled=True).exists()
    page = response.content.decode()
    assert 'data-result="ok"' in page and 'data-result="warn"' in page and 'data-result="bad"' in page
    assert "Import finished: 1 done, 1 unchanged, 1 with errors." in page


def test_a_file_with_missing_headings_is_refused_with_a_sentence(client, unit, convenor):
    signed_in(client, convenor)
    csv = SimpleUploadedFile("students.csv", b"who,what\nzed,1\n")
    response = client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": csv})
    assert response.status_code == 400
    assert "Missing headings" in response.content.decode()
    assert response.context["result"] is None


def test_a_pdf_is_refused_without_a_500(client, unit, convenor):
    signed_in(client, convenor)
    pdf = SimpleUploadedFile("students.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    response = client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": pdf})
    assert response.status_code == 400
    assert "Nothing was imported" in response.content.decode()


def test_an_upload_without_a_file_asks_for_one(client, unit, convenor):
    response = signed_in(client, convenor).post(f"/units/{unit.pk}/upload/withdrawals/", {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_withdrawing_a_student_from_the_page(client, unit, convenor):
    ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    signed_in(client, convenor)
    csv = SimpleUploadedFile("w.csv", b"unit_code,username\nCOS10001,anna\n")
    response = client.post(f"/units/{unit.pk}/upload/withdrawals/", {"file": csv})
    assert response.status_code == 200
    assert len(response.context["result"].success) == 1
    assert not Project.objects.get(user__username="anna").enrolled


def test_uploads_need_the_csrf_token(unit, convenor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(convenor)
    csv = SimpleUploadedFile("w.csv", b"unit_code,username\nCOS10001,anna\n")
    assert browser.post(f"/units/{unit.pk}/upload/withdrawals/", {"file": csv}).status_code == 403


def test_users_upload_is_for_admins_and_convenors(client, make_user):
    signed_in(client, make_user(Role.TUTOR, username="tut"))
    assert client.get("/units/users/upload/").status_code == 403
    signed_in(client, make_user(Role.CONVENOR, username="boss"))
    csv = SimpleUploadedFile(
        "users.csv",
        b"username,email,role,first_name,last_name\nnewbie,newbie@uni.edu,Student,New,Bie\n"
        b"admin2,admin2@uni.edu,Admin,Ad,Min\n",
    )
    response = client.post("/units/users/upload/", {"file": csv})
    assert response.status_code == 200
    result = response.context["result"]
    assert [entry["message"] for entry in result.success] == ["Added user newbie as Student."]
    assert [entry["row_number"] for entry in result.errors] == [3]


def test_task_grid_shows_statuses_and_tutor_assessments(client, unit, tutor):
    anna = ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    ProjectFactory(unit=unit, user=UserFactory(username="bob"))
    first = TaskDefinitionFactory(unit=unit, abbreviation="P1")
    TaskDefinitionFactory(unit=unit, abbreviation="P2")
    task = TaskFactory(project=anna, definition=first, status=TaskStatus.COMPLETE)
    task.assessments.create(assessor=tutor, status=TaskStatus.COMPLETE)
    response = signed_in(client, tutor).get(f"/units/{unit.pk}/tasks/")
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [abbreviation for _, abbreviation, _ in grid.definitions] == ["P1", "P2"]
    assert grid.rows[0][0] == "anna" and grid.rows[0][2] == [(2, "Complete"), (1, "Not Started")]
    assert grid.rows[1][2] == [(1, "Not Started"), (1, "Not Started")]
    assert grid.complete_counts == [1, 0]
    assert response.context["assessments"] == [["tutor", tutor.full_name, 1]]
    page = response.content.decode()
    assert 'class="status status-2">Complete<' in page


def test_a_long_result_lists_the_first_rows_and_keeps_the_counts_whole(client, unit, convenor, monkeypatch):
    monkeypatch.setattr("dashboard.views.RESULT_ROWS_SHOWN", {"ok": 3, "warn": 3, "bad": 3})
    signed_in(client, convenor)
    lines = [f"COS10001,s{n},s{n}@uni.edu,Stu,Dent{n}," for n in range(5)] + ["COS10001,,x@uni.edu,No,Name,"]
    csv = SimpleUploadedFile("students.csv", ("unit_code,username,email,first_name,last_name,tutorial\n" + "\n".join(lines)).encode())
    response = client.post(f"/units/{unit.pk}/upload/enrolments/", {"file": csv})
    assert response.status_code == 200
    assert Project.objects.filter(unit=unit, enrolled=True).count() == 5  # every row imported, only the list is short
    page = response.content.decode()
    done = page.split('data-result="ok"')[1].split("</table>")[0]
    assert done.count('<th scope="row"') == 3
    assert "Showing the first 3 of 5 rows; all 5 were processed." in page
    assert 'data-result-hidden="bad"' not in page  # one error: listed whole, no note
    assert '<span class="badge badge-ok">5</span>' in page
