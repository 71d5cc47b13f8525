"""Progress of long uploads: the services report per batch, the dashboard's pages write it to a job any
worker can read, and /api/jobs/<id> (the route Doubtfire's client polls) shows it to its owner only."""

import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import Client

from attendance import services as attendance_services
from attendance.models import Course, CourseStudent
from jobs.models import Job
from jobs.services import JobProgress, describe, start_inline_job
from doubtfire import services as unit_services
from doubtfire.models import Project, Role, UnitRole, User
from spreadsheets import read_table
from doubtfire.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
ROSTER = (FIXTURES / "students.csv").read_bytes()
TEAMS_LOG = (FIXTURES / "Test2.csv").read_bytes()

ROWS = 2_500  # three batches of 1,000 rows: 1,000 + 1,000 + 500


def enrolment_csv(count: int) -> bytes:
    lines = ["unit_code,username,email,first_name,last_name,tutorial"]
    lines += [f"COS10001,s{number:05d},s{number:05d}@uni.edu,First,Last," for number in range(count)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def unit(db):
    return UnitFactory(code="COS10001")


@pytest.fixture
def convenor(unit):
    user = UserFactory(role=Role.CONVENOR, username="conv")
    UnitRoleFactory(user=user, unit=unit, role=UnitRole.Kind.CONVENOR)
    return user


def stage_and_confirm(client, path, files: dict, progress_id: str | None = None, **fields):
    """Send a dashboard upload (it waits at its own address), then confirm it, reporting to `progress_id`."""
    staged = client.post(path, {**fields, **files})
    assert staged.status_code == 302, staged.content[:500]
    preview = client.get(staged["Location"])
    data = {"fingerprint": preview.context["fingerprint"]}
    if progress_id:
        data["progress_id"] = progress_id
    return client.post(staged["Location"] + "confirm/", data)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The endpoint -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_endpoint_reports_rows_done_to_its_owner_only(convenor):
    client = signed_in(convenor)
    made = client.post("/progress/")
    assert made.status_code == 201
    url = made.json()["url"]
    assert url == f"/api/jobs/{made.json()['id']}"
    first = client.get(url)
    assert first.status_code == 200
    assert (first.json()["stage"], first.json()["status"]) == ("waiting", "queued")

    # What an import in another worker writes while it runs.
    Job.objects.filter(pk=made.json()["id"]).update(
        stage="writing", status="working", processed_count=12_000, total_count=20_000,
        message=describe("writing", 12_000, 20_000, "rows"),
    )
    state = client.get(url).json()
    assert (state["stage"], state["processed_count"], state["total_count"], state["pct_complete"]) == (
        "writing", 12_000, 20_000, 60
    )
    assert state["message"] == "Saving: 12,000 of 20,000 rows"

    other = signed_in(UserFactory(role=Role.CONVENOR, username="someone.else"))
    assert other.get(url).status_code == 403
    assert Client().get(url).status_code == 419  # strangers: Doubtfire's "not signed in"
    assert client.get(f"/api/jobs/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/jobs/not-a-uuid").status_code == 404
    assert client.get("/progress/").status_code == 405


@pytest.mark.django_db
def test_making_a_progress_job_needs_the_csrf_token_and_clears_expired_jobs(convenor):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(convenor)
    assert strict.post("/progress/").status_code == 403
    old = Job.objects.create(kind="dashboard_upload", owner=UserFactory(), expires_at="2020-01-01T00:00:00Z")
    start_inline_job(kind="dashboard_upload", owner=convenor)
    assert not Job.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "counting", "done", "total", "text"),
    [
        ("reading", "rows", 0, None, "Reading the file…"),
        ("checking", "rows", 0, 20_000, "Checking 20,000 rows…"),
        ("checking", "files", 1, 3, "Checking: 1 of 3 files"),
        ("done", "files", 1, 1, "Done: 1 file"),
        ("failed", "rows", 0, None, "Stopped…"),
    ],
)
def test_what_the_page_says_at_each_stage(stage, counting, done, total, text):
    assert describe(stage, done, total, counting) == text


# --- The services call back per batch, not per row ----------------------------------------------------


@pytest.mark.django_db
def test_unit_imports_report_once_per_thousand_rows(unit, convenor):
    calls = []
    result = unit_services.enrol_students_from_table(
        actor=convenor, unit=unit, table=read_table(enrolment_csv(ROWS)), progress=lambda *a: calls.append(a)
    )
    assert len(result.success) == ROWS
    assert calls == [("writing", 0, 2500), ("writing", 1000, 2500), ("writing", 2000, 2500), ("writing", 2500, 2500)]
    assert Project.objects.filter(unit=unit).count() == ROWS

    calls.clear()
    csv = "username,email,role,first_name,last_name\n" + "".join(
        f"u{n:05d},u{n:05d}@uni.edu,Student,U,Ser\n" for n in range(1_001)
    )
    unit_services.import_users_from_table(
        actor=convenor, table=read_table(csv.encode()), progress=lambda *a: calls.append(a)
    )
    assert calls == [("writing", 0, 1001), ("writing", 1000, 1001), ("writing", 1001, 1001)]
    assert User.objects.filter(username__startswith="u0").count() == 1_001


@pytest.mark.django_db
def test_attendance_uploads_report_once_per_file(convenor):
    roster = attendance_services.read_roster(name="students.csv", data=ROSTER)
    course = attendance_services.create_course(owner=convenor, course_id="CS402", course_name="N", batch=2017, roster=roster)
    calls = []
    attendance_services.record_attendance(
        course=course,
        uploaded_by=convenor,
        files=[("a.csv", TEAMS_LOG), ("b.csv", TEAMS_LOG.replace(b"13/2/2021", b"14/2/2021"))],
        options=attendance_services.UploadOptions(end_time="11:00 AM"),
        progress=lambda *a: calls.append(a),
    )
    assert calls == [("checking", 1, 2), ("checking", 2, 2), ("writing", 0, 2)]


# --- Through the pages ------------------------------------------------------------------------------------


def spy_on_reports(monkeypatch, *, look_from_another_connection=False):
    """Record every report the page makes; optionally, what another connection (worker) sees just after."""
    reported, seen = [], []
    real_call = JobProgress.__call__

    def call(report, stage, done, total):
        real_call(report, stage, done, total)
        reported.append((str(stage), done, total))
        if look_from_another_connection:
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT stage, processed_count, total_count FROM jobs_job WHERE id = %s",
                        [Job._meta.pk.get_db_prep_value(report.pk, connection=other)],
                    )
                    seen.append(cursor.fetchone())
            finally:
                other.close()

    monkeypatch.setattr(JobProgress, "__call__", call)
    return reported, seen


@pytest.mark.django_db(transaction=True)
def test_a_unit_upload_reports_its_stages_and_rows_and_ends_done(unit, convenor, monkeypatch):
    reported, _ = spy_on_reports(monkeypatch)
    client = signed_in(convenor)
    progress_id = client.post("/progress/").json()["id"]
    response = stage_and_confirm(client, f"/units/{unit.pk}/upload/enrolments/",
                                 {"file": SimpleUploadedFile("students.csv", enrolment_csv(ROWS))}, progress_id)
    assert response.status_code == 302
    assert Project.objects.filter(unit=unit).count() == ROWS
    assert reported == [
        ("reading", 0, None),
        ("checking", 0, 2500),
        ("writing", 0, 2500),
        ("writing", 1000, 2500),
        ("writing", 2000, 2500),
        ("writing", 2500, 2500),
        ("done", 2500, 2500),
    ]
    state = client.get(f"/api/jobs/{progress_id}").json()
    assert (state["stage"], state["processed_count"], state["total_count"], state["status"]) == (
        "done", 2500, 2500, "complete"
    )
    assert state["message"] == "Done: 2,500 rows"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_another_worker_sees_the_rows_done_while_the_import_is_still_running(unit, convenor, monkeypatch):
    _, seen = spy_on_reports(monkeypatch, look_from_another_connection=True)
    client = signed_in(convenor)
    progress_id = client.post("/progress/").json()["id"]
    stage_and_confirm(client, f"/units/{unit.pk}/upload/enrolments/",
                      {"file": SimpleUploadedFile("students.csv", enrolment_csv(ROWS))}, progress_id)
    # Each batch is visible to another connection while the import's own transaction is still open.
    assert seen == [
        ("reading", 0, None),
        ("checking", 0, 2500),
        ("writing", 0, 2500),
        ("writing", 1000, 2500),
        ("writing", 2000, 2500),
        ("writing", 2500, 2500),
        ("done", 2500, 2500),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_report_inside_the_imports_transaction_never_stalls_or_fails_it(convenor):
    progress = start_inline_job(kind="dashboard_upload", owner=convenor)
    started = time.monotonic()
    with JobProgress(progress) as report, transaction.atomic():
        UserFactory(username="written.by.the.import")  # the import holds the write lock from here
        report("writing", 5, 10)
    assert time.monotonic() - started < 2  # SQLite's lock wait is 20 s: the report did not wait for it
    progress.refresh_from_db()
    if connection.vendor == "sqlite":
        # One writer at a time: the report is skipped; the stages before and after the import still show.
        assert (progress.stage, progress.processed_count) == ("waiting", 0)
    else:
        assert (progress.stage, progress.processed_count, progress.total_count) == ("writing", 5, 10)


@pytest.mark.django_db(transaction=True)
def test_an_attendance_confirm_reports_files_and_ends_done(convenor, monkeypatch):
    reported, _ = spy_on_reports(monkeypatch)
    client = signed_in(convenor)
    client.post(
        "/courses/new/",
        {"course_id": "CS402", "course_name": "N", "batch": "2017", "roster": SimpleUploadedFile("s.csv", ROSTER)},
    )
    course = Course.objects.get(course_id="CS402")
    confirm_id = client.post("/progress/").json()["id"]
    stage_and_confirm(client, f"/courses/{course.pk}/upload/", {"files": SimpleUploadedFile("Test2.csv", TEAMS_LOG)},
                      confirm_id, threshold_minutes="0", end_time="11:00 AM", date_order="day-first", match_by="name")
    # Confirm goes through the files once more: checking them, then writing, then done.
    assert reported == [("checking", 0, 1), ("checking", 1, 1), ("writing", 0, 1), ("done", 1, 1)]
    assert client.get(f"/api/jobs/{confirm_id}").json()["message"] == "Done: 1 file"
    assert CourseStudent.objects.filter(course=course, records__present=True).count() == 4


@pytest.mark.django_db(transaction=True)
def test_someone_elses_progress_id_is_ignored_by_an_upload(unit, convenor):
    theirs = start_inline_job(kind="dashboard_upload", owner=UserFactory(username="other"))
    client = signed_in(convenor)
    response = stage_and_confirm(client, f"/units/{unit.pk}/upload/withdrawals/",
                                 {"file": SimpleUploadedFile("w.csv", b"unit_code,username\nCOS10001,anna\n")}, str(theirs.pk))
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.stage, theirs.total_count) == ("waiting", None)
