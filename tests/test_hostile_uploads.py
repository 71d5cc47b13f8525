"""Issue 11 through HTTP: what a stranger with a fresh sign-up could send to pin a worker or fill the service.

Each hostile file is generated here (none is stored): the 214 KB XLSX that held a worker for a minute, wide
files whose rejected rows used to be echoed a hundred times over, floods of tiny rows, over-long cells, and
bodies too big to read. The answers must be clear 4xx sentences or bounded import results, nothing half-written.
"""

from __future__ import annotations

import functools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.parsers import MultiPartParser
from rest_framework.test import APIClient

from doubtfire.models import User
from doubtfire.services import ECHO_CELL_CHARS, ECHO_FACTOR, ECHO_MIN_CHARS
from spreadsheets.tests.workbooks import wide_hostile_xlsx
from tests.test_bad_input import ROUTES, post, snapshot, world  # noqa: F401  (world is a fixture)


@functools.cache
def issue_file() -> bytes:
    return wide_hostile_xlsx()


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_the_issue_xlsx_is_refused_by_every_upload_route_at_its_heading_row(world, route):
    before = snapshot()
    response = post(world, route, "wide.xlsx", issue_file())
    assert response.status_code == 400, response.content[:300]
    assert "at most 1,000 columns are accepted" in response.json()["error"]
    assert snapshot() == before


# --- Bounded replies -----------------------------------------------------------------------------------

# Per Doubtfire route: the heading row it needs, and one data row that it rejects (so every row is echoed).
REJECTED_ROWS = {
    "csv_users": ("username,email,role,first_name,last_name", "user{n},,Student,First,Last"),
    "csv_enrol": ("unit_code,username,email,tutorial", "COS10001,user{n},not-an-email,LA1-01"),
    "csv_withdraw": ("unit_code,username", "COS10001,nobody{n}"),
    "csv_task_definitions": ("name,abbreviation,start_week,start_day,target_week,target_day", "Task {n},T{n},x,Mon,2,Fri"),
}


def wide_file(route: str, extra_columns: int, rows: int) -> bytes:
    heading, row = REJECTED_ROWS[route]
    extra_heading = ",".join(f"extra{i}" for i in range(extra_columns))
    extra_cells = ",".join("xx" for _ in range(extra_columns))
    lines = [f"{heading},{extra_heading}"] + [f"{row.format(n=n)},{extra_cells}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("route", sorted(REJECTED_ROWS))
def test_a_wide_rejected_file_gets_a_reply_at_most_four_times_its_size(world, route, settings):
    # The report's case: 4,000 extra columns x 150 rejected rows (the column budget raised to let it in).
    settings.SPREADSHEET_MAX_COLUMNS = 20_000
    data = wide_file(route, 4000, 150)
    response = post(world, route, "wide.csv", data)
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    entries = body["errors"] + body["ignored"]
    assert len(entries) == 150
    assert len(response.content) <= 4 * len(data)
    # The echo holds only columns the route reads, never the extra ones.
    assert all(not any(key.startswith("extra") for key in entry["row"]) for entry in entries)


def test_a_flood_of_tiny_rows_is_summarised_once_the_reply_reaches_its_bound(world):
    rows = 100_000
    data = b"username,email,role,first_name,last_name\n" + b"x\n" * rows
    response = post(world, "csv_users", "flood.csv", data)
    assert response.status_code == 201
    errors = response.json()["errors"]
    summary = errors[-1]
    listed = len(errors) - 1
    assert summary["row"] == {} and summary["unlisted"] == rows - listed
    assert summary["message"].startswith(f"{rows - listed:,} more rows from row {summary['row_number']:,} on")
    assert errors[0] == {"row": {"username": "x", "email": "", "role": "", "first_name": "", "last_name": ""},
                         "row_number": 2, "message": "The email cannot be blank or empty."}
    assert len(response.content) <= ECHO_FACTOR * len(data) + ECHO_MIN_CHARS + 10_000
    assert len(response.content) < 4 * 2**20  # was about 15 MB


def test_the_dashboard_result_page_counts_every_row_of_a_summarised_import(client, admin_account):
    client.force_login(admin_account)
    data = b"username,email,role,first_name,last_name\n" + b"x\n" * 60_000
    staged = client.post("/units/users/upload/", {"file": SimpleUploadedFile("flood.csv", data)})
    preview = client.get(staged["Location"])
    assert preview.context["outcome"].counts == {"success": 0, "ignored": 0, "errors": 60_000}
    assert "60000 with errors" in preview.content.decode() and "Nothing in this file can be imported" in preview.content.decode()


# --- Every field checked at the door ----------------------------------------------------------------


def test_cells_longer_than_their_field_allows_are_row_errors_and_nothing_is_stored(world):
    long_name = "N" * 1000
    data = (
        "username,email,role,first_name,last_name\n"
        f"longname,longname@uni.edu,Student,{long_name},Last\n"
        f"{'u' * 151},u@uni.edu,Student,First,Last\n"
        "fine,fine@uni.edu,Student,First,Last\n"
    ).encode()
    response = post(world, "csv_users", "long.csv", data)
    assert response.status_code == 201
    body = response.json()
    assert [entry["message"] for entry in body["errors"]] == [
        "The first_name has 1,000 characters; at most 150 are allowed.",
        "The username has 151 characters; at most 150 are allowed.",
    ]
    assert body["errors"][0]["row"]["first_name"] == "N" * ECHO_CELL_CHARS + "…"  # cut in the echo only
    assert [entry["row"]["username"] for entry in body["success"]] == ["fine"]
    assert not User.objects.filter(username__in=["longname", "u" * 151]).exists()


def test_an_enrolment_with_an_over_long_preferred_name_is_a_row_error(world):
    data = (
        "unit_code,username,email,preferred_name,tutorial\n"
        f"COS10001,newbie,newbie@uni.edu,{'P' * 151},LA1-01\n"
    ).encode()
    response = post(world, "csv_enrol", "long.csv", data)
    assert response.status_code == 201
    assert response.json()["errors"][0]["message"] == "The preferred_name has 151 characters; at most 150 are allowed."
    assert not User.objects.filter(username="newbie").exists()


def test_a_ten_megabyte_first_name_is_refused_by_the_reader(world):
    data = b"username,email,role,first_name,last_name\nbig,big@uni.edu,Student," + b"x" * (9 * 2**20) + b",L\n"
    response = post(world, "csv_users", "big.csv", data)
    assert response.status_code == 400
    assert response.json()["error"].endswith("a cell may hold at most 32,767.")


# --- Bodies: refused unread, kept off the disk, credentials first -------------------------------------

DECLARED = str(499 * 2**20)


@pytest.mark.parametrize("path", ["/api/csv/users", "/api/csv/units/1", "/upload_attendance", "/add_course", "/api/auth"])
def test_a_declared_body_over_the_limit_is_refused_before_anything_reads_it(db, path):
    response = APIClient().generic("POST", path, b"x" * 100, "multipart/form-data; boundary=b", CONTENT_LENGTH=DECLARED)
    assert response.status_code == 413
    assert response.json() == {
        "error": "The upload is 499.0 MiB; the largest file accepted is 10.0 MiB. Split it into smaller files."
    }
    assert response["Connection"] == "close"


def test_a_browser_gets_the_limit_as_a_page(db, client):
    response = client.generic("POST", "/courses/1/upload/", b"x", "multipart/form-data; boundary=b",
                              CONTENT_LENGTH=DECLARED, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 413 and b"the largest file accepted is 10.0 MiB" in response.content


def test_no_upload_reaches_the_disk_signed_in_or_not(world, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    row = b"u,u@uni.edu,Student," + b"F" * 100 + b",L\n"
    data = b"username,email,role,first_name,last_name\n" + row * (9 * 2**20 // len(row))
    anonymous = APIClient().post("/api/csv/users", {"file": SimpleUploadedFile("big.csv", data)}, format="multipart")
    assert anonymous.status_code == 419
    signed_in = post(world, "csv_users", "big.csv", data)
    assert signed_in.status_code == 201
    assert list(tmp_path.iterdir()) == []


def test_header_credentials_are_checked_before_the_body_is_parsed(world, monkeypatch):
    parsed = []
    original = MultiPartParser.parse

    def counting(self, stream, media_type=None, parser_context=None):
        parsed.append(media_type)
        return original(self, stream, media_type, parser_context)

    monkeypatch.setattr(MultiPartParser, "parse", counting)
    forged = APIClient()
    forged.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN="forged-token")
    data = b"username,email,role,first_name,last_name\nx,x@uni.edu,Student,F,L\n"
    refused = forged.post("/api/csv/users", {"file": SimpleUploadedFile("u.csv", data)}, format="multipart")
    assert refused.status_code == 419 and parsed == []
    accepted = post(world, "csv_users", "u.csv", data)
    assert accepted.status_code == 201 and len(parsed) == 1


def test_the_import_reply_is_json_of_the_documented_shape(world):
    response = post(world, "csv_users", "u.csv", b"username,email,role,first_name,last_name\nx,x@uni.edu,Student,F,L\n")
    body = json.loads(response.content)
    assert set(body) == {"success", "ignored", "errors"}
    assert body["success"][0]["message"] == "Added user x as Student."
