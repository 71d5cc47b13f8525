"""`/api/csv/units/<id>` (students download, enrol upload) and `/withdraw`: upstream csv_test.rb 16–39."""

import pytest
from rest_framework.test import APIClient

from csvapi.tests.uploads import bad_token_client, fixture_file, named
from doubtfire.models import Project, Role, TutorialEnrolment, UnitRole, User
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)


pytestmark = pytest.mark.django_db





def empty_token_client(user):
    client = APIClient()
    client.credentials(HTTP_USERNAME=user.username, HTTP_AUTH_TOKEN="")
    return client


@pytest.fixture
def admin(admin_account, token_client):
    return token_client(admin_account)


@pytest.fixture
def factory_unit():
    """Upstream's "factory unit": code COS10001, no students, no streams, one tutorial LA1-01 at campus B."""
    unit = UnitFactory(code="COS10001")
    campus = CampusFactory(name="Burwood", abbreviation="B")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=campus)
    return unit


@pytest.fixture
def convenor(factory_unit, token_client):
    role = UnitRoleFactory(unit=factory_unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(role=Role.CONVENOR))
    return token_client(role.user)


def enrol_fixture(client, unit, name="COS10001-Students.csv"):
    with fixture_file(name) as handle:
        return client.post(f"/api/csv/units/{unit.pk}", {"file": handle}, format="multipart")


# --- GET /api/csv/units/:id -------------------------------------------------------------------------


def test_16_admin_downloads_students(admin, factory_unit):
    response = admin.get(f"/api/csv/units/{factory_unit.pk}", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=COS10001-Students.csv"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content) == (
        b"unit_code,campus,username,student_id,preferred_name,first_name,last_name,email,tutorial\n"
    )


@pytest.mark.parametrize("unit_id", ["string", "999", "1abc"])
def test_18_19_unknown_unit_is_404(admin, unit_id):
    response = admin.get(f"/api/csv/units/{unit_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "Unable to find requested Unit"}


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("odd", ["²", "-1", "+1", "1e3", "0x10", "99999999999999999999999", "9" * 5000])
def test_an_id_that_is_not_ascii_digits_in_range_is_404_never_500(admin, factory_unit, odd):
    # `²` passed str.isdigit() and then made int() fail: a 500.
    response = admin.get(f"/api/csv/units/{odd}")
    assert response.status_code == 404
    assert response.json() == {"error": "Unable to find requested Unit"}


def test_a_unit_id_in_another_scripts_digits_does_not_find_the_unit(admin, factory_unit):
    # int("٣") == 3: the look-alike used to find unit 3.
    response = admin.get(f"/api/csv/units/{str(factory_unit.pk).translate(ARABIC_INDIC)}")
    assert response.status_code == 404


def test_20_21_bad_or_empty_token_is_419(admin_account, factory_unit):
    for client in (bad_token_client(), empty_token_client(admin_account), APIClient()):
        response = client.get(f"/api/csv/units/{factory_unit.pk}")
        assert response.status_code == 419
        assert list(response.json()) == ["error"]


def test_expired_token_is_419_with_the_expiry_message(admin_account, factory_unit):
    from datetime import timedelta

    from doubtfire.services import issue_auth_token

    client = APIClient()
    client.credentials(
        HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN=issue_auth_token(user=admin_account, lifetime=timedelta(seconds=-1))
    )
    response = client.get(f"/api/csv/units/{factory_unit.pk}")
    assert response.status_code == 419
    assert response.json() == {"error": "Authentication token expired."}


# --- POST /api/csv/units/:id ------------------------------------------------------------------------


def test_22_convenor_enrols_the_upstream_sample(convenor, factory_unit):
    response = enrol_fixture(convenor, factory_unit)
    assert response.status_code == 201
    body = response.json()
    assert body["ignored"] == [] and body["errors"] == []
    assert [(e["row_number"], e["message"]) for e in body["success"]] == [(2, "Enrolled student. Enrolled in LA1-01.")]
    project = Project.objects.filter(unit=factory_unit).latest("pk")
    assert project.user.username == "test_csv_student"
    assert project.campus.abbreviation == "B"
    user = project.user
    assert (user.first_name, user.last_name, user.role) == ("Test", "CSV", Role.STUDENT)  # not "Csv"
    assert not user.has_usable_password()
    assert TutorialEnrolment.objects.get(project=project).tutorial.abbreviation == "LA1-01"


def test_22_again_same_file_is_no_change(convenor, factory_unit):
    enrol_fixture(convenor, factory_unit)
    body = enrol_fixture(convenor, factory_unit).json()
    assert body["success"] == [] and body["errors"] == []
    assert [e["message"] for e in body["ignored"]] == ["No change."]


def test_22_xlsx_sample_enrols_too(convenor, factory_unit):
    body = enrol_fixture(convenor, factory_unit, "COS10001-Students.xlsx").json()
    assert [e["message"] for e in body["success"]] == ["Enrolled student. Enrolled in LA1-01."]
    assert User.objects.get(username="test_csv_student").email == "test_csv_student@doubtfire.com"


def test_23_24_bad_or_empty_token_is_419(admin_account, factory_unit):
    client = APIClient()
    with fixture_file("COS10001-Students.csv") as handle:
        response = client.post(
            f"/api/csv/units/{factory_unit.pk}", {"file": handle, "auth_token": "", "username": "aadmin"}, format="multipart"
        )
    assert response.status_code == 419
    for client in (bad_token_client(), empty_token_client(admin_account)):
        assert enrol_fixture(client, factory_unit).status_code == 419
    assert not Project.objects.exists()


def test_25_text_id_is_404(convenor):
    with fixture_file("COS10001-Students.csv") as handle:
        response = convenor.post("/api/csv/units/test", {"file": handle}, format="multipart")
    assert response.status_code == 404
    assert response.json() == {"error": "Unable to find requested Unit"}


def test_28_pdf_is_403(convenor, factory_unit):
    response = enrol_fixture(convenor, factory_unit, "COS10001-Students.pdf")
    assert response.status_code == 403
    assert response.json() == {"error": "File given is not a csv file - detected application/pdf"}


def test_29_blank_file_is_400(convenor, factory_unit):
    response = convenor.post(f"/api/csv/units/{factory_unit.pk}", {"file": ""}, format="multipart")
    assert response.status_code == 400


def test_30_unknown_unit_is_404(convenor):
    with fixture_file("COS10001-Students.csv") as handle:
        assert convenor.post("/api/csv/units/999", {"file": handle}, format="multipart").status_code == 404


def test_no_file_beats_unknown_unit(convenor):
    assert convenor.post("/api/csv/units/999", {}, format="multipart").status_code == 400


def test_tutor_uploading_is_403(factory_unit, token_client):
    tutor = token_client(UnitRoleFactory(unit=factory_unit).user)
    response = enrol_fixture(tutor, factory_unit)
    assert response.status_code == 403
    assert response.json() == {"error": "Not authorised to upload CSV of students to COS10001"}


def test_missing_tutorial_column_is_400(convenor, factory_unit):
    response = convenor.post(
        f"/api/csv/units/{factory_unit.pk}", {"file": named("unit_code,username,email\nCOS10001,a,a@x.com\n")}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Missing headings: tutorial.")


# --- POST /api/csv/units/:id/withdraw ---------------------------------------------------------------


@pytest.fixture
def enrolled(convenor, factory_unit):
    assert enrol_fixture(convenor, factory_unit).status_code == 201
    return Project.objects.get(unit=factory_unit, user__username="test_csv_student")


def withdraw(client, unit_path, name="COS10001-Students.csv"):
    with fixture_file(name) as handle:
        return client.post(f"/api/csv/units/{unit_path}/withdraw", {"file": handle}, format="multipart")


def still_enrolled(project):
    project.refresh_from_db()
    return project.enrolled


def test_31_convenor_withdraws(convenor, factory_unit, enrolled):
    response = withdraw(convenor, factory_unit.pk)
    assert response.status_code == 201
    body = response.json()
    assert [e["message"] for e in body["success"]] == ["User test_csv_student withdrawn from unit."]
    assert not still_enrolled(enrolled)
    assert TutorialEnrolment.objects.filter(project=enrolled).count() == 1  # the enrolment row is kept
    again = withdraw(convenor, factory_unit.pk).json()
    assert [e["message"] for e in again["ignored"]] == ["User test_csv_student not enrolled in unit."]


def test_32_33_bad_or_empty_token_keep_enrolment(admin_account, factory_unit, enrolled):
    assert withdraw(bad_token_client(), factory_unit.pk).status_code == 419
    assert withdraw(empty_token_client(admin_account), factory_unit.pk).status_code == 419
    assert still_enrolled(enrolled)


@pytest.mark.parametrize("unit_path", ["test", ""])
def test_34_35_text_or_empty_id_is_404(convenor, enrolled, unit_path):
    response = withdraw(convenor, unit_path)
    assert response.status_code == 404
    assert response.json() == {"error": "Unable to find requested Unit"}
    assert still_enrolled(enrolled)


def test_36_admin_without_unit_role_withdraws_with_xlsx(admin, factory_unit, enrolled):
    response = withdraw(admin, factory_unit.pk, "COS10001-Students.xlsx")
    assert response.status_code == 201
    assert len(response.json()["success"]) == 1
    assert not still_enrolled(enrolled)


def test_37_pdf_is_403(convenor, factory_unit, enrolled):
    response = withdraw(convenor, factory_unit.pk, "COS10001-Students.pdf")
    assert response.status_code == 403
    assert still_enrolled(enrolled)


def test_38_blank_file_is_400(convenor, factory_unit, enrolled):
    response = convenor.post(f"/api/csv/units/{factory_unit.pk}/withdraw", {"file": ""}, format="multipart")
    assert response.status_code == 400
    assert still_enrolled(enrolled)


def test_39_unknown_unit_is_404(convenor, enrolled):
    assert withdraw(convenor, 999).status_code == 404
    assert still_enrolled(enrolled)


# --- download contents and round trip ---------------------------------------------------------------


def test_download_lists_enrolled_students_by_username_with_or_without_campus(admin, factory_unit):
    tutorial = factory_unit.tutorials.get()
    b = ProjectFactory(unit=factory_unit, user=UserFactory(username="bea", nickname="Bee", student_id="7"), campus=tutorial.campus)
    TutorialEnrolment.objects.create(project=b, tutorial=tutorial)
    ProjectFactory(unit=factory_unit, user=UserFactory(username="abe", first_name="Abe", last_name="A", email="abe@x.com"))
    ProjectFactory(unit=factory_unit, user=UserFactory(username="gone"), enrolled=False)
    body = b"".join(admin.get(f"/api/csv/units/{factory_unit.pk}").streaming_content).decode()
    lines = body.splitlines()
    assert len(lines) == 3
    assert lines[1] == "COS10001,,abe,,,Abe,A,abe@x.com,"
    assert lines[2].startswith("COS10001,B,bea,7,Bee,") and lines[2].endswith(",LA1-01")


def test_students_export_then_enrol_import_is_all_no_change(admin, factory_unit):
    stream_unit = UnitFactory(code="SIT101")
    prac = TutorialStreamFactory(unit=stream_unit, abbreviation="Prc01", name="Practical")
    stu = TutorialStreamFactory(unit=stream_unit, abbreviation="Stu01", name="Studio")
    campus = CampusFactory(name="Online", abbreviation="C")
    p1 = TutorialFactory(unit=stream_unit, abbreviation="P1", stream=prac, campus=campus)
    s1 = TutorialFactory(unit=stream_unit, abbreviation="S1", stream=stu, campus=None)
    for n in range(4):
        project = ProjectFactory(
            unit=stream_unit, user=UserFactory(username=f"s{n}", student_id=f"10{n}"), campus=campus if n % 2 else None
        )
        if n % 2:
            TutorialEnrolment.objects.create(project=project, tutorial=p1)
        TutorialEnrolment.objects.create(project=project, tutorial=s1)
    exported = b"".join(admin.get(f"/api/csv/units/{stream_unit.pk}").streaming_content)
    assert exported.decode().splitlines()[0].endswith(",email,Prc01,Stu01")
    before = sorted(TutorialEnrolment.objects.values_list("project_id", "tutorial_id"))
    body = admin.post(f"/api/csv/units/{stream_unit.pk}", {"file": named(exported)}).json()
    assert body["success"] == [] and body["errors"] == []
    assert [e["message"] for e in body["ignored"]] == ["No change."] * 4
    assert sorted(TutorialEnrolment.objects.values_list("project_id", "tutorial_id")) == before


def test_formula_looking_names_tutorials_and_streams_survive_export_then_enrol_import(admin):
    # Guarded cells (and a guarded stream heading) must lose exactly the download's apostrophe on import.
    unit = UnitFactory(code="=U1")
    stream = TutorialStreamFactory(unit=unit, abbreviation="-Prac", name="Practical")
    TutorialFactory(unit=unit, abbreviation="@T1", stream=stream, campus=None)
    campus = CampusFactory(name="Online", abbreviation="+C")
    user = UserFactory(username="eve", first_name="=cmd|' /C calc'!A0", last_name="'=typed", nickname="'", student_id="-7x")
    project = ProjectFactory(unit=unit, user=user, campus=campus)
    TutorialEnrolment.objects.create(project=project, tutorial=unit.tutorials.get())
    exported = b"".join(admin.get(f"/api/csv/units/{unit.pk}").streaming_content)
    assert exported.decode().splitlines() == [
        "unit_code,campus,username,student_id,preferred_name,first_name,last_name,email,'-Prac",
        "'=U1,'+C,eve,'-7x,','=cmd|' /C calc'!A0,''=typed,eve@example.edu,'@T1",
    ]
    user.delete()
    body = admin.post(f"/api/csv/units/{unit.pk}", {"file": named(exported)}).json()
    assert body["errors"] == [] and body["ignored"] == []
    assert [e["message"] for e in body["success"]] == ["Enrolled student. Enrolled in @T1."]
    user = User.objects.get(username="eve")
    assert (user.first_name, user.last_name, user.nickname, user.student_id) == ("=cmd|' /C calc'!A0", "'=typed", "'", "-7x")
    project = Project.objects.get(unit=unit, user=user)
    assert project.campus == campus
    assert [e.tutorial.abbreviation for e in project.tutorial_enrolments.all()] == ["@T1"]


def test_withdraw_accepts_a_downloaded_students_file_of_a_formula_looking_unit_code(admin):
    unit = UnitFactory(code="+U2")
    ProjectFactory(unit=unit, user=UserFactory(username="wes"))
    exported = b"".join(admin.get(f"/api/csv/units/{unit.pk}").streaming_content)
    assert exported.decode().splitlines()[1].startswith("'+U2,")
    body = admin.post(f"/api/csv/units/{unit.pk}/withdraw", {"file": named(exported)}).json()
    assert [e["message"] for e in body["success"]] == ["User wes withdrawn from unit."]


def test_students_download_of_a_stream_abbreviation_full_of_semicolons_reads_back(admin):
    unit = UnitFactory(code="SEMI1")
    TutorialStreamFactory(unit=unit, abbreviation="a;b;c;d;e;f;g;h;i;j", name="Semicolons")
    ProjectFactory(unit=unit, user=UserFactory(username="sam"))
    exported = b"".join(admin.get(f"/api/csv/units/{unit.pk}").streaming_content)
    response = admin.post(f"/api/csv/units/{unit.pk}", {"file": named(exported)})
    assert response.status_code == 201, response.json()
    assert [e["message"] for e in response.json()["ignored"]] == ["No change."]


@pytest.mark.parametrize("students", [10, 100])
def test_enrol_query_count_does_not_grow_with_rows(admin, factory_unit, students, django_assert_max_num_queries):
    lines = ["unit_code,username,email,tutorial,campus"]
    lines += [f"COS10001,st{n},st{n}@x.com,LA1-01,B" for n in range(students)]
    with django_assert_max_num_queries(25):
        body = admin.post(f"/api/csv/units/{factory_unit.pk}", {"file": named("\n".join(lines))}).json()
    assert len(body["success"]) == students
    assert TutorialEnrolment.objects.filter(tutorial__unit=factory_unit).count() == students


# --- an unchanged re-upload (issue 12) --------------------------------------------------------------


def categories(body):
    """{username: (category, message)} of an upload's reply."""
    return {
        entry["row"]["username"]: (category, entry["message"])
        for category in ("success", "ignored", "errors")
        for entry in body[category]
    }


def test_unchanged_enrolment_reupload_reports_each_row_as_a_first_upload_would(admin, factory_unit):
    """A row whose tutorial cannot be set is a warning in its message, whichever upload it is on.

    Before the first upload `stuck` is already enrolled (campus B), so that row's outcome on the first upload
    ("enrolled, tutorial not set") is the one every warned row has on the second: both must be `ignored`."""
    online = CampusFactory(name="Online", abbreviation="C")
    kept = ProjectFactory(unit=factory_unit, user=UserFactory(username="kept", email="kept@x.com"), campus=factory_unit.tutorials.get().campus)
    TutorialEnrolment.objects.create(project=kept, tutorial=factory_unit.tutorials.get())
    ProjectFactory(unit=factory_unit, user=UserFactory(username="stuck", email="stuck@x.com"), campus=online)
    text = (
        "unit_code,username,email,tutorial,campus\n"
        "COS10001,kept,kept@x.com,LA1-01,B\n"  # nothing to do
        "COS10001,stuck,stuck@x.com,LA1-99,C\n"  # enrolled already; no such tutorial
        "COS10001,newbie,newbie@x.com,LA1-99,C\n"  # enrolled now; no such tutorial
        "COS10001,faraway,faraway@x.com,LA1-01,C\n"  # enrolled now; LA1-01 is on campus B
        "COS10001,fresh,fresh@x.com,LA1-01,B\n"  # enrolled now, in LA1-01
        "COS10001,broken,not-an-email,LA1-01,B\n"  # never enrolled
    ).encode()
    no_tutorial = "Unable to enrol in LA1-99: COS10001 has no such tutorial."
    other_campus = "Unable to enrol in LA1-01: it runs on campus B but the student is on campus C."

    first = admin.post(f"/api/csv/units/{factory_unit.pk}", {"file": named(text)}, format="multipart")
    assert first.status_code == 201
    assert categories(first.json()) == {
        "kept": ("ignored", "No change."),
        "stuck": ("ignored", f"No change. {no_tutorial}"),
        "newbie": ("success", f"Enrolled student. {no_tutorial}"),
        "faraway": ("success", f"Enrolled student. {other_campus}"),
        "fresh": ("success", "Enrolled student. Enrolled in LA1-01."),
        "broken": ("errors", "Invalid email address (not-an-email)."),
    }

    second = admin.post(f"/api/csv/units/{factory_unit.pk}", {"file": named(text)}, format="multipart")
    assert second.status_code == 201
    again = categories(second.json())
    assert again == {
        "kept": ("ignored", "No change."),
        "stuck": ("ignored", f"No change. {no_tutorial}"),
        "newbie": ("ignored", f"No change. {no_tutorial}"),
        "faraway": ("ignored", f"No change. {other_campus}"),
        "fresh": ("ignored", "No change."),
        "broken": ("errors", "Invalid email address (not-an-email)."),
    }
    # newbie's outcome now is stuck's on the first upload (enrolled already, tutorial not set): same category.
    assert again["newbie"][0] == categories(first.json())["stuck"][0]
    third = admin.post(f"/api/csv/units/{factory_unit.pk}", {"file": named(text)}, format="multipart")
    assert categories(third.json()) == again
    assert sorted(Project.objects.filter(unit=factory_unit, enrolled=True).values_list("user__username", flat=True)) == [
        "faraway", "fresh", "kept", "newbie", "stuck"
    ]
    assert sorted(TutorialEnrolment.objects.filter(tutorial__unit=factory_unit).values_list("project__user__username", flat=True)) == [
        "fresh", "kept"
    ]
