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


def stage(client, path, name, data: bytes) -> str:
    response = client.post(path, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:1500]
    return response["Location"]


def confirm(client, url):
    page = client.get(url)
    return client.post(url + "confirm/", {"fingerprint": page.context["fingerprint"]}, follow=True)


def test_an_enrolment_waits_with_a_dry_run_in_three_tables_then_confirm_imports_it(client, unit, convenor):
    signed_in(client, convenor)
    url = stage(client, f"/units/{unit.pk}/upload/enrolments/", "students.csv",
                b"unit_code,username,email,first_name,last_name,tutorial\n"
                b"COS10001,zed,zed@uni.edu,Zed,Zee,\n"
                b"WRONG,yan,yan@uni.edu,Yan,Why,\n"
                b"COS10001,,nobody@uni.edu,No,Body,\n")
    assert url.startswith(f"/units/{unit.pk}/uploads/")
    preview = client.get(url)
    outcome = preview.context["outcome"]
    assert [entry["row_number"] for entry in outcome.success] == [2]
    assert [entry["row_number"] for entry in outcome.ignored] == [3]
    assert [entry["row_number"] for entry in outcome.errors] == [4]
    page = preview.content.decode()
    assert 'data-result="ok"' in page and 'data-result="warn"' in page and 'data-result="bad"' in page
    assert not Project.objects.filter(user__username="zed").exists()  # a dry run: nothing written
    assert client.get(url).context["fingerprint"] == preview.context["fingerprint"]  # Reload shows the same
    done = confirm(client, url)
    assert done.redirect_chain[-1][0] == f"/units/{unit.pk}/"
    assert "Enrol students: 1 done, 1 left as they were, 1 with errors." in done.content.decode()
    assert Project.objects.filter(unit=unit, user__username="zed", enrolled=True).exists()
    assert client.get(url).status_code == 404


def test_a_total_failure_is_a_red_banner_not_a_green_one(client, unit, convenor):
    signed_in(client, convenor)
    url = stage(client, f"/units/{unit.pk}/upload/enrolments/", "s.csv",
                b"unit_code,username,email,tutorial\nCOS10001,,a@uni.edu,\nCOS10001,b,not-an-email,\n")
    page = client.get(url).content.decode()
    assert "Nothing in this file can be imported" in page and 'class="message message-error"' in page
    assert "disabled" in page.split("Confirm")[0].rsplit("<button", 1)[1]


def test_a_file_with_missing_headings_or_a_pdf_is_explained_and_can_be_discarded(client, unit, convenor):
    signed_in(client, convenor)
    url = stage(client, f"/units/{unit.pk}/upload/enrolments/", "students.csv", b"who,what\nzed,1\n")
    assert "Missing headings" in client.get(url).context["problem"]
    pdf = stage(client, f"/units/{unit.pk}/upload/enrolments/", "students.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    problem = client.get(pdf).context["problem"]
    assert problem.startswith("This file is a PDF, not a spreadsheet.")
    gone = client.post(pdf + "discard/", follow=True)
    assert "Upload discarded; nothing was imported." in gone.content.decode()


def test_an_upload_without_a_file_asks_for_one(client, unit, convenor):
    response = signed_in(client, convenor).post(f"/units/{unit.pk}/upload/withdrawals/", {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_withdrawal_is_confirmed_then_can_be_undone(client, unit, convenor):
    ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    signed_in(client, convenor)
    url = stage(client, f"/units/{unit.pk}/upload/withdrawals/", "w.csv", b"unit_code,username\nCOS10001,anna\n")
    assert Project.objects.get(user__username="anna").enrolled  # not before Confirm
    done = confirm(client, url)
    assert ">Undo</button>" in done.content.decode()
    assert not Project.objects.get(user__username="anna").enrolled
    undo = done.context["messages"]
    deletion_url = [m for m in undo][0].extra_tags.split()[1]
    back = client.post(deletion_url, follow=True)
    assert "is back" in back.content.decode()
    assert Project.objects.get(user__username="anna").enrolled


def test_uploads_need_the_csrf_token(unit, convenor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(convenor)
    csv = SimpleUploadedFile("w.csv", b"unit_code,username\nCOS10001,anna\n")
    assert browser.post(f"/units/{unit.pk}/upload/withdrawals/", {"file": csv}).status_code == 403


def test_users_upload_is_for_admins_and_convenors(client, make_user):
    signed_in(client, make_user(Role.TUTOR, username="tut"))
    assert client.get("/units/users/upload/").status_code == 403
    signed_in(client, make_user(Role.CONVENOR, username="boss"))
    url = stage(client, "/units/users/upload/", "users.csv",
                b"username,email,role,first_name,last_name\nnewbie,newbie@uni.edu,Student,New,Bie\n"
                b"admin2,admin2@uni.edu,Admin,Ad,Min\n")
    assert url.startswith("/units/users/uploads/")
    outcome = client.get(url).context["outcome"]
    assert [entry["message"] for entry in outcome.success] == ["Added user newbie as Student."]
    assert [entry["row_number"] for entry in outcome.errors] == [3]
    confirm(client, url)
    assert Project.objects.count() == 0 and client.get(url).status_code == 404


def test_task_grid_shows_statuses_and_tutor_assessments(client, unit, tutor):
    anna = ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    ProjectFactory(unit=unit, user=UserFactory(username="bob"))
    first = TaskDefinitionFactory(unit=unit, abbreviation="P1", name="Pass task one")
    second = TaskDefinitionFactory(unit=unit, abbreviation="P2")
    task = TaskFactory(project=anna, definition=first, status=TaskStatus.COMPLETE)
    task.assessments.create(assessor=tutor, status=TaskStatus.COMPLETE)
    response = signed_in(client, tutor).get(f"/units/{unit.pk}/tasks/")
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [abbreviation for _, abbreviation, _ in grid.definitions] == ["P1", "P2"]
    assert (grid.rows[0].username, grid.rows[0].cells) == ("anna", [(first.pk, 2, "Complete"), (second.pk, 1, "Not Started")])
    assert grid.complete_counts == [1, 0]
    assert response.context["assessments"] == [["tutor", tutor.full_name, 1]]
    page = response.content.decode()
    assert "Pass task one" in page  # full names, not only in tooltips
    assert f'href="/units/{unit.pk}/tasks/{anna.pk}/{first.pk}/"' in page  # staff open a cell to mark it


def test_staff_set_a_status_from_the_grid_which_records_an_assessment(client, unit, tutor):
    anna = ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    definition = TaskDefinitionFactory(unit=unit, abbreviation="P1")
    signed_in(client, tutor)
    page = client.get(f"/units/{unit.pk}/tasks/{anna.pk}/{definition.pk}/")
    assert page.status_code == 200 and "now Not Started" in page.content.decode()
    done = client.post(f"/units/{unit.pk}/tasks/{anna.pk}/{definition.pk}/", {"status": str(TaskStatus.COMPLETE)},
                       follow=True)
    assert done.redirect_chain[-1][0].startswith(f"/units/{unit.pk}/tasks/")
    task = anna.tasks.get(definition=definition)
    assert task.status == TaskStatus.COMPLETE and task.assessments.get().assessor == tutor
    student = UserFactory(username="sam")
    ProjectFactory(unit=unit, user=student)
    signed_in(client, student)
    assert client.get(f"/units/{unit.pk}/tasks/{anna.pk}/{definition.pk}/").status_code == 403


def test_a_tutor_sees_their_own_tutorials_first(client, unit, tutor):
    mine = TutorialFactory(unit=unit, abbreviation="LA1-01", tutor=UnitRole.objects.get(user=tutor, unit=unit))
    TutorialFactory(unit=unit, abbreviation="LA1-02")
    anna = ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    ProjectFactory(unit=unit, user=UserFactory(username="bob"))
    anna.tutorial_enrolments.create(tutorial=mine)
    TaskDefinitionFactory(unit=unit, abbreviation="P1")
    signed_in(client, tutor)
    assert [row.username for row in client.get(f"/units/{unit.pk}/tasks/").context["grid"].rows] == ["anna"]
    assert [row.username for row in client.get(f"/units/{unit.pk}/tasks/?tutorial=all").context["grid"].rows] == ["anna", "bob"]


def test_a_long_preview_lists_the_first_rows_and_keeps_the_counts_whole(client, unit, convenor, monkeypatch):
    monkeypatch.setattr("dashboard.views.units.RESULT_ROWS_SHOWN", {"ok": 3, "warn": 3, "bad": 3})
    signed_in(client, convenor)
    lines = [f"COS10001,s{n},s{n}@uni.edu,Stu,Dent{n}," for n in range(5)] + ["COS10001,,x@uni.edu,No,Name,"]
    url = stage(client, f"/units/{unit.pk}/upload/enrolments/", "students.csv",
                ("unit_code,username,email,first_name,last_name,tutorial\n" + "\n".join(lines)).encode())
    page = client.get(url).content.decode()
    done = page.split('data-result="ok"')[1].split("</table>")[0]
    assert done.count('<th scope="row"') == 3
    assert "Showing the first 3 of 5 rows; all 5 are counted." in page
    assert 'data-result-hidden="bad"' not in page  # one error: listed whole, no note
    assert '<span class="badge badge-ok">5</span>' in page
    confirm(client, url)
    assert Project.objects.filter(unit=unit, enrolled=True).count() == 5
