"""Task definitions (upstream csv_test.rb 1–15), task completion (40–45), tutor assessments (46–51)."""

import datetime

import pytest
from rest_framework.test import APIClient

from csvapi.tests.uploads import bad_token_client, body_of, fixture_file, named
from doubtfire.models import Role, TaskDefinition, TaskStatus, UnitRole
from doubtfire.services import update_task
from doubtfire.tests.factories import (
    TutorialStreamFactory,
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

TASKS = "/api/csv/task_definitions"

pytestmark = pytest.mark.django_db





def empty_token_client():
    client = APIClient()
    client.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN="")
    return client



@pytest.fixture
def admin(admin_account, token_client):
    return token_client(admin_account)


@pytest.fixture
def unit():
    # Starts on a Monday: week 1 is 2 to 8 March 2026.
    return UnitFactory(code="COS10001", start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 6, 26))


# --- GET /api/csv/task_definitions ------------------------------------------------------------------


def test_1_admin_downloads_task_definitions(admin, unit):
    TaskDefinitionFactory(unit=unit, abbreviation="T1", name="Task one")
    response = admin.get(TASKS, {"unit_id": unit.pk}, HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=COS10001-Tasks.csv"
    lines = body_of(response).splitlines()
    assert lines[0] == (
        "name,abbreviation,description,weighting,target_grade,restrict_status_updates,max_quality_pts,is_graded,"
        "plagiarism_warn_pct,plagiarism_checks,group_set,upload_requirements,start_week,start_day,target_week,"
        "target_day,due_week,due_day,tutorial_stream"
    )
    assert lines[1] == "Task one,T1,,0,0,false,0,false,50,[],,[],1,Mon,3,Mon,,,"


@pytest.mark.parametrize(
    "unit_id, status",
    [
        ("", 404), ("999", 404), ("string", 400),
        # An integer that is no unit's id is not found; what is not an integer is invalid. `²` used to be a 500.
        ("-1", 404), ("99999999999999999999999", 404), ("²", 400), ("٣", 400), ("1e3", 400), ("0x10", 400),
    ],
)
def test_2_3_4_unit_id_checks(admin, unit_id, status):
    response = admin.get(TASKS, {"unit_id": unit_id})
    assert response.status_code == status
    assert response.json() == {"error": "unit_id is invalid" if status == 400 else "Unable to find requested Unit"}


def test_missing_unit_id_is_400(admin):
    response = admin.get(TASKS)
    assert response.status_code == 400
    assert response.json() == {"error": "unit_id is missing"}


def test_5_6_bad_or_empty_token_is_419_before_parameters(admin_account):
    assert bad_token_client().get(TASKS, {"unit_id": "string"}).status_code == 419
    assert empty_token_client().get(TASKS, {"unit_id": "string"}).status_code == 419


# --- POST /api/csv/task_definitions -----------------------------------------------------------------


def post_tasks(client, unit_id, name="COS10001-Tasks.csv"):
    with fixture_file(name) as handle:
        return client.post(TASKS, {"file": handle, "unit_id": unit_id}, format="multipart")


def test_7_admin_uploads_upstream_csv_without_tutorial_stream_column(admin, unit):
    response = post_tasks(admin, unit.pk)
    assert response.status_code == 201
    body = response.json()
    assert body["errors"] == [] and body["ignored"] == []
    assert [e["message"] for e in body["success"]] == ["Added new task definition A12."]
    definition = TaskDefinition.objects.get(unit=unit, abbreviation="A12")
    assert definition.name == "Assignment 12"
    assert definition.upload_requirements == [{"key": "file0", "name": "Assumenda accusamus quas", "type": "image"}]
    # week -1 Sat = 21 Feb; week 1 Mon = 2 Mar; week 13 Mon = 25 May.
    assert (definition.start_date, definition.target_date, definition.due_date) == (
        datetime.date(2026, 2, 21),
        datetime.date(2026, 3, 2),
        datetime.date(2026, 5, 25),
    )
    assert (definition.weighting, definition.restrict_status_updates, definition.is_graded) == (2, False, False)


def test_8_9_bad_or_empty_token_is_419(admin_account, unit):
    assert post_tasks(bad_token_client(), unit.pk).status_code == 419
    assert post_tasks(empty_token_client(), unit.pk).status_code == 419
    assert not TaskDefinition.objects.exists()


@pytest.mark.parametrize(
    "unit_id, status", [("string", 400), ("", 404), ("9999", 404), ("²", 400), ("99999999999999999999999", 404)]
)
def test_10_11_15_unit_id_checks(admin, unit, unit_id, status):
    response = post_tasks(admin, unit_id)
    assert response.status_code == status
    assert not TaskDefinition.objects.exists()


def test_12_xlsx_into_a_fresh_unit_adds_exactly_one(admin, unit):
    response = post_tasks(admin, unit.pk, "COS10001-Tasks.xlsx")
    assert response.status_code == 201
    assert len(response.json()["success"]) == 1
    assert TaskDefinition.objects.filter(unit=unit).count() == 1
    assert TaskDefinition.objects.get(unit=unit).abbreviation == "NEWTD1"


def test_13_pdf_is_403(admin, unit):
    response = post_tasks(admin, unit.pk, "COS10001-Tasks.pdf")
    assert response.status_code == 403
    assert response.json() == {"error": "File given is not a csv file - detected application/pdf"}


def test_14_blank_file_is_400(admin, unit):
    assert admin.post(TASKS, {"file": "", "unit_id": unit.pk}, format="multipart").status_code == 400


def test_tutor_uploading_tasks_is_403(unit, token_client):
    tutor = token_client(UnitRoleFactory(unit=unit).user)
    response = post_tasks(tutor, unit.pk)
    assert response.status_code == 403
    assert response.json() == {"error": "Not authorised to upload CSV of tasks"}


def test_task_definitions_round_trip_over_http(admin, unit):
    first = post_tasks(admin, unit.pk)
    assert first.status_code == 201
    exported = admin.get(TASKS, {"unit_id": unit.pk})
    again = admin.post(TASKS, {"file": named(body_of(exported)), "unit_id": unit.pk}, format="multipart").json()
    assert again["success"] == [] and again["errors"] == []
    assert [e["message"] for e in again["ignored"]] == ["No change."]


def test_a_name_typed_with_an_apostrophe_before_a_formula_survives_export_then_import(admin, unit):
    # The import used to strip any "'" before a formula character, so a teacher's own '=x came back as =x.
    TaskDefinitionFactory(unit=unit, abbreviation="'+T1", name="'=typed", description="=SUM(A1)")
    exported = body_of(admin.get(TASKS, {"unit_id": unit.pk}))
    assert exported.splitlines()[1].startswith("''=typed,''+T1,'=SUM(A1),")
    TaskDefinition.objects.filter(unit=unit).delete()
    body = admin.post(TASKS, {"file": named(exported), "unit_id": unit.pk}, format="multipart").json()
    assert [e["message"] for e in body["success"]] == ["Added new task definition '+T1."]
    definition = TaskDefinition.objects.get(unit=unit)
    assert (definition.name, definition.abbreviation, definition.description) == ("'=typed", "'+T1", "=SUM(A1)")


# --- GET /api/csv/units/:id/task_completion ---------------------------------------------------------


def test_40_admin_downloads_task_completion(admin, unit):
    response = admin.get(f"/api/csv/units/{unit.pk}/task_completion", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=COS10001-TaskCompletion.csv"
    assert body_of(response) == "Student ID,Username,Student Name,Target Grade,Email,Portfolio,Grade,Rationale,Tutorial\n"


def test_task_completion_json_suffix_gives_the_same_csv(admin, unit):
    plain = admin.get(f"/api/csv/units/{unit.pk}/task_completion")
    suffixed = admin.get(f"/api/csv/units/{unit.pk}/task_completion.json")
    assert suffixed.status_code == 200
    assert suffixed["Content-Type"] == "text/csv; charset=utf-8"
    assert body_of(suffixed) == body_of(plain)


@pytest.mark.parametrize("path", ["/api/csv/units//task_completion", "/api/csv/units/string/task_completion", "/api/csv/units/999/task_completion"])
def test_41_42_43_missing_text_or_unknown_id_is_404(admin, path):
    response = admin.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Unable to find requested Unit"}


def test_44_45_bad_or_empty_token_is_419(admin_account, unit):
    for client in (bad_token_client(), empty_token_client()):
        assert client.get(f"/api/csv/units/{unit.pk}/task_completion").status_code == 419


# --- GET /api/csv/units/:id/tutor_assessments -------------------------------------------------------


def test_46_tutor_assessments_count_assessments_by_who_made_them(admin, unit, make_user):
    tutor = UnitRoleFactory(unit=unit, user=UserFactory(username="tina", first_name="Tina", last_name="T")).user
    convenor = UnitRoleFactory(
        unit=unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="carl", first_name="Carl", last_name="C")
    ).user
    definition = TaskDefinitionFactory(unit=unit)
    enrolled = TaskFactory(project=ProjectFactory(unit=unit), definition=definition)
    withdrawn = TaskFactory(project=ProjectFactory(unit=unit, enrolled=False), definition=definition)
    update_task(actor=tutor, task=enrolled, status=TaskStatus.DISCUSS)
    update_task(actor=tutor, task=enrolled, status=TaskStatus.COMPLETE)
    update_task(actor=convenor, task=enrolled, status=TaskStatus.FIX_AND_RESUBMIT)
    update_task(actor=tutor, task=withdrawn, status=TaskStatus.COMPLETE)  # withdrawn: not counted
    response = admin.get(f"/api/csv/units/{unit.pk}/tutor_assessments", HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=COS10001-TutorAssessments.csv"
    expected = "Username,Tutor Name,Total Tasks Assessed\ncarl,Carl C,1\ntina,Tina T,2\n"
    assert body_of(response) == expected
    assert body_of(admin.get(f"/api/csv/units/{unit.pk}/tutor_assessments.json")) == expected


@pytest.mark.parametrize("unit_path", ["", "string", "999"])
def test_47_48_49_missing_text_or_unknown_id_is_404(admin, unit_path):
    assert admin.get(f"/api/csv/units/{unit_path}/tutor_assessments").status_code == 404


def test_50_51_bad_or_empty_token_is_419(admin_account, unit):
    for client in (bad_token_client(), empty_token_client()):
        assert client.get(f"/api/csv/units/{unit.pk}/tutor_assessments").status_code == 419


def test_system_convenor_without_unit_role_gets_403(unit, make_user, token_client):
    client = token_client(make_user(Role.CONVENOR))
    response = client.get(f"/api/csv/units/{unit.pk}/tutor_assessments")
    assert response.status_code == 403
    assert response.json() == {"error": "Not authorised to download stats of statistics for COS10001"}


# --- round trip on a unit with tutorial streams (issue 12) ------------------------------------------


def raw_body(response):
    return b"".join(response.streaming_content)


def test_streamed_demo_unit_task_definitions_round_trip_to_no_change(admin_account, token_client):
    """The demo unit has streams LA1 and WS1 and eight definitions without a stream (as the admin, the REST
    API or a stream added later leave them); a ninth, added here, has one. Downloading and uploading the same
    bytes changes nothing, and a real edit of a stream-less definition still updates it."""
    from doubtfire.management.commands.demo_data import seed_units

    seed_units(password="demo-Passw0rd-local")
    unit = UnitRole.objects.get(user__username="cconvenor").unit
    TaskDefinitionFactory(unit=unit, abbreviation="9.1P", name="Streamed task", tutorial_stream=unit.tutorial_streams.get(abbreviation="WS1"))
    client = token_client(admin_account)

    exported = raw_body(client.get(TASKS, {"unit_id": unit.pk}))
    lines = exported.decode().splitlines()
    assert len(lines) == 1 + 9
    assert sum(line.endswith(",") for line in lines[1:]) == 8  # eight blank tutorial_stream cells
    assert [line for line in lines if line.endswith(",WS1")] == [
        "Streamed task,9.1P,,0,0,false,0,false,50,[],,[],1,Mon,3,Mon,,,WS1"
    ]
    before = list(TaskDefinition.objects.filter(unit=unit).order_by("pk").values())

    again = client.post(TASKS, {"file": named(exported, "COS10001-Tasks.csv"), "unit_id": unit.pk}, format="multipart")
    assert again.status_code == 201
    body = again.json()
    assert body["success"] == [] and body["errors"] == []
    assert [entry["message"] for entry in body["ignored"]] == ["No change."] * 9
    assert list(TaskDefinition.objects.filter(unit=unit).order_by("pk").values()) == before

    # Hello World's weighting 2 -> 7 in the same file: an update, its stream still none.
    edited = exported.replace(b"Hello World,1.1P,Week 1: Hello World.,2,", b"Hello World,1.1P,Week 1: Hello World.,7,")
    assert edited != exported
    body = client.post(TASKS, {"file": named(edited), "unit_id": unit.pk}, format="multipart").json()
    assert [entry["message"] for entry in body["success"]] == ["Updated existing task definition 1.1P."]
    assert body["errors"] == [] and len(body["ignored"]) == 8
    hello = TaskDefinition.objects.get(unit=unit, abbreviation="1.1P")
    assert (hello.weighting, hello.tutorial_stream) == (7, None)


def test_streamed_unit_still_asks_a_new_definition_for_its_stream(admin, unit):
    """Only a definition the file creates must name one of the streams (upstream's rule)."""
    TutorialStreamFactory(unit=unit, abbreviation="LA1", name="Laboratory")
    TaskDefinitionFactory(unit=unit, abbreviation="OLD", name="Old task")  # starts week 1 Mon, no stream
    text = (
        "name,abbreviation,start_week,start_day,target_week,target_day,tutorial_stream\n"
        "Old task,OLD,2,Mon,3,Mon,\n"
        "New task,NEW,1,Mon,3,Mon,\n"
        "Lab task,LAB,1,Mon,3,Mon,la1\n"
    )
    body = admin.post(TASKS, {"file": named(text), "unit_id": unit.pk}, format="multipart").json()
    assert [(entry["row_number"], entry["message"]) for entry in body["errors"]] == [
        (3, "Tutorial stream must be one of the tutorial streams in the unit (LA1).")
    ]
    assert sorted(entry["message"] for entry in body["success"]) == [
        "Added new task definition LAB.",
        "Updated existing task definition OLD.",
    ]
    assert TaskDefinition.objects.get(unit=unit, abbreviation="LAB").tutorial_stream.abbreviation == "LA1"


def test_upload_unit_id_from_the_query_or_the_form_and_both_must_agree(db, admin_account, token_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from doubtfire.models import UnitRole
    from doubtfire.tests.factories import UnitFactory

    unit, other = UnitFactory(code="COS10001"), UnitFactory(code="COS20002")
    UnitRole.objects.create(user=admin_account, unit=unit, role=UnitRole.Kind.CONVENOR)
    client = token_client(admin_account)
    data = b"name,abbreviation,start_week,start_day,target_week,target_day\nTask,T1,1,Mon,2,Fri\n"

    def post(path, **form):
        return client.post(path, {**form, "file": SimpleUploadedFile("t.csv", data)}, format="multipart")

    assert post(f"/api/csv/task_definitions?unit_id={unit.pk}").status_code == 201  # the web client's way
    assert post("/api/csv/task_definitions", unit_id=str(unit.pk)).status_code == 201  # the seed's way
    assert post(f"/api/csv/task_definitions?unit_id={unit.pk}", unit_id=f" {unit.pk} ").status_code == 201
    clash = post(f"/api/csv/task_definitions?unit_id={other.pk}", unit_id=str(unit.pk))
    assert clash.status_code == 400
    assert clash.json() == {"error": f"unit_id is sent twice with two values (query string '{other.pk}', "
                                     f"form '{unit.pk}'); send it once."}
    assert post("/api/csv/task_definitions").json() == {"error": "unit_id is missing"}
