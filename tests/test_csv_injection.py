"""No download lets a spreadsheet run a formula from a student's name (OWASP CSV injection).

Data containing `=`, `+`, `-`, `@`, tab and CR at the start of cells is put everywhere a person can type
text, then every CSV and XLSX download is read back: no cell may start with a formula character (plain
numbers such as -1 excepted), and XLSX cells are strings, never formulas.
"""

import csv
import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from doubtfire.models import Role, TaskStatus, UnitRole
from doubtfire.services import issue_auth_token, update_task
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    TutorialFactory,
    UnitFactory,
    UserFactory,
)

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
DANGEROUS_START = tuple("=+-@\t\r\0")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def assert_safe(cell: str, where: str):
    if cell.startswith(DANGEROUS_START):
        assert PLAIN_NUMBER.fullmatch(cell), f"{where}: formula cell {cell!r}"


@pytest.fixture
def poisoned(db):
    admin = UserFactory(role=Role.ADMIN, username="aadmin", first_name=FORMULAS[0], last_name=FORMULAS[3])
    unit = UnitFactory(code="COS10001", name=FORMULAS[1])
    campus = CampusFactory(name=FORMULAS[2], abbreviation="B")
    tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01", campus=campus)
    UnitRole.objects.create(user=admin, unit=unit, role=UnitRole.Kind.CONVENOR)
    definition = TaskDefinitionFactory(unit=unit, name=FORMULAS[0], abbreviation="T1", description=FORMULAS[4])
    for index, formula in enumerate(FORMULAS):
        student = UserFactory(
            username=f"s{index}", first_name=formula, last_name=formula, nickname=formula, student_id=f"{index}"
        )
        project = ProjectFactory(user=student, unit=unit, campus=campus, grade_rationale=formula)
        project.tutorial_enrolments.create(tutorial=tutorial)
        task = TaskFactory(project=project, definition=definition)
        update_task(actor=admin, task=task, status=TaskStatus.COMPLETE)

    client = APIClient()
    client.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN=issue_auth_token(user=admin))

    teacher = UserFactory(role=Role.CONVENOR, username="t@example.edu", email="t@example.edu")
    token = issue_auth_token(user=teacher)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Roll Number", "Name"], *enumerate(FORMULAS[:4])])
    roster = buffer.getvalue()
    teacher_client = APIClient()
    created = teacher_client.post(
        "/add_course",
        {"api": "1", "token": token, "course_id": "=CS101", "course_name": FORMULAS[0], "batch": "2026",
         "file": SimpleUploadedFile("r.csv", roster.encode())},
        format="multipart",
    )
    assert created.status_code == 200, created.content
    log = "Full Name,User Action,Timestamp\n0,Joined,13/02/2021 09:00:00\n0,Left,13/02/2021 09:50:00\n"
    uploaded = teacher_client.post(
        "/upload_attendance",
        {"api": "1", "token": token, "course_id": "=CS101", "batch": "2026", "threshold": "60",
         "file": SimpleUploadedFile("log.csv", log.encode())},
        format="multipart",
    )
    assert uploaded.status_code == 200, uploaded.content
    return {"unit": unit, "client": client, "teacher_client": teacher_client, "token": token}


def csv_cells(content: bytes):
    for row in csv.reader(io.StringIO(content.decode("utf-8"), newline="")):
        yield from row


def test_every_doubtfire_download_neutralises_formulas(poisoned):
    unit = poisoned["unit"].pk
    routes = [
        "/api/csv/users",
        f"/api/csv/units/{unit}",
        f"/api/csv/units/{unit}/task_completion",
        f"/api/csv/units/{unit}/tutor_assessments",
        f"/api/csv/task_definitions?unit_id={unit}",
    ]
    for route in routes:
        response = poisoned["client"].get(route)
        assert response.status_code == 200, route
        content = b"".join(response.streaming_content) if response.streaming else response.content
        cells = list(csv_cells(content))
        assert any("HYPERLINK" in cell or "SUM" in cell or "cmd" in cell for cell in cells), route
        for cell in cells:
            assert_safe(cell, route)


@pytest.mark.parametrize("report_type", ["1", "0"])
def test_attendance_reports_neutralise_formulas_in_csv_and_xlsx(poisoned, report_type):
    form = {"api": "1", "token": poisoned["token"], "down-course": "=CS101-2026", "report_type": report_type}
    as_csv = poisoned["teacher_client"].post("/download_attendance", {**form, "report_format": "0"})
    assert as_csv.status_code == 200, as_csv.content
    content = b"".join(as_csv.streaming_content) if as_csv.streaming else as_csv.content
    for cell in csv_cells(content):
        assert_safe(cell, "attendance csv")

    as_xlsx = poisoned["teacher_client"].post("/download_attendance", {**form, "report_format": "1"})
    assert as_xlsx.status_code == 200, as_xlsx.content
    content = b"".join(as_xlsx.streaming_content) if as_xlsx.streaming else as_xlsx.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
            if isinstance(cell.value, str):
                assert_safe(cell.value, f"attendance xlsx {cell.coordinate}")
