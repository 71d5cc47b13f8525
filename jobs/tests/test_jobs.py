"""Background jobs through HTTP: asked for with `Prefer: respond-async` (or ?async=1), or given where Doubtfire's
newest client expects one (CSV_JOBS=always); run by the tasks framework's database worker; polled at
/api/sidekiq/<id> and /api/jobs/<id> with the same result the route gives when it answers at once.

Most tests run the worker's own `run_task` on each queued task in this process (the worker's loop would close
the test's connection); the PostgreSQL tests start real `manage.py db_worker` processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from doubtfire.models import Project, Role, TaskDefinition, UnitRole, User
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import ProjectFactory, TaskDefinitionFactory, TutorialFactory, UnitFactory, UserFactory
from jobs.models import Job, JobFile
from jobs.services import JobProgress, prune_expired_jobs

ROOT = Path(__file__).resolve().parents[2]
ASYNC = {"HTTP_PREFER": "respond-async"}


def run_queued_tasks() -> int:
    """What `manage.py db_worker --batch` does, minus its connection housekeeping: claim and run each task."""
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    ran = 0
    while (task := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran


def enrolment_csv(rows: int, *, code: str = "COS10001") -> bytes:
    lines = ["unit_code,username,email,first_name,last_name,tutorial"]
    lines += [f"{code},s{n:04d},s{n:04d}@uni.edu,First,Last,LA1-01" for n in range(rows)]
    lines.append(f"{code},,blank@uni.edu,No,Name,LA1-01")  # an error row, so all three lists are exercised
    lines.append(f"{code},s0000,s0000@uni.edu,First,Last,LA1-01")  # a repeat: the later row wins
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def world(db):
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01")
    convenor = UserFactory(role=Role.CONVENOR, username="conv")
    UnitRole.objects.create(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    client = APIClient()
    client.credentials(HTTP_USERNAME="conv", HTTP_AUTH_TOKEN=issue_auth_token(user=convenor))
    return {"unit": unit, "convenor": convenor, "client": client}


def enrol(world, data: bytes, **extra):
    return world["client"].post(f"/api/csv/units/{world['unit'].pk}", {"file": SimpleUploadedFile("s.csv", data)},
                                format="multipart", **extra)


def poll(client, job_id: str, path: str = "jobs"):
    return client.get(f"/api/{path}/{job_id}")


# --- The job's lifecycle ---------------------------------------------------------------------------------


def test_an_async_enrolment_is_queued_then_worked_then_complete_with_the_routes_own_result(world, monkeypatch):
    data = enrolment_csv(30)
    # What the route answers at once, on the same file and the same data (then undone).
    with transaction.atomic():
        at_once = enrol(world, data)
        assert at_once.status_code == 201
        transaction.set_rollback(True)
    assert not Project.objects.exists()

    queued = enrol(world, data, **ASYNC)
    assert queued.status_code == 202
    assert queued["Preference-Applied"] == "respond-async"
    job = queued.json()
    assert queued["Location"] == f"/api/jobs/{job['id']}"
    assert (job["status"], job["job_class"], job["result"], job["pct_complete"]) == (
        "queued", "ImportStudentsCsvJob", None, 0
    )
    assert not Project.objects.exists()  # nothing done in the request
    assert JobFile.objects.filter(job_id=job["id"]).count() == 1

    seen_while_running = []
    real_call = JobProgress.__call__

    def watching(progress, stage, done, total):
        real_call(progress, stage, done, total)
        if not seen_while_running:  # what a poller sees at the first report, from outside the import
            seen_while_running.append(poll(world["client"], job["id"]).json()["status"])

    monkeypatch.setattr(JobProgress, "__call__", watching)
    assert run_queued_tasks() == 1
    assert seen_while_running == ["working"]

    done = poll(world["client"], job["id"], "sidekiq")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["pct_complete"], body["result_status"]) == ("complete", 100, 201)
    assert (body["processed_count"], body["total_count"]) == (32, 32)  # 30 students, a repeat, a blank
    assert json.loads(body["result"]) == at_once.json()
    assert body["message"] == "Imported: 30 done, 1 unchanged, 1 with errors."
    assert Project.objects.filter(unit=world["unit"]).count() == 30
    assert not JobFile.objects.filter(job_id=job["id"]).exists()  # the upload's bytes are gone with the run


def test_a_failed_job_says_why_with_the_routes_own_message(world):
    data = b"unit_code,username\nCOS10001,anna\n"  # no email or tutorial column
    at_once = enrol(world, data)
    job = enrol(world, data, **ASYNC).json()
    run_queued_tasks()
    body = poll(world["client"], job["id"]).json()
    assert (body["status"], body["result_status"]) == ("failed", at_once.status_code)
    assert body["message"] == at_once.json()["error"]
    assert json.loads(body["result"]) == at_once.json()


def test_a_file_of_the_wrong_kind_is_refused_before_it_is_queued(world):
    refused = enrol(world, b"%PDF-1.4 not a spreadsheet", **ASYNC)
    assert refused.status_code == 403
    assert refused.json() == {"error": "File given is not a csv file - detected application/pdf"}
    assert not Job.objects.exists()


def test_someone_elses_job_is_403_an_unknown_one_404_and_strangers_419(world):
    job = enrol(world, enrolment_csv(2), **ASYNC).json()
    other = UserFactory(role=Role.ADMIN, username="boss")
    them = APIClient()
    them.credentials(HTTP_USERNAME="boss", HTTP_AUTH_TOKEN=issue_auth_token(user=other))
    refused = poll(them, job["id"], "sidekiq")
    assert refused.status_code == 403
    assert refused.json() == {"error": "You do not have permission to access this job"}
    assert poll(world["client"], "00000000-0000-4000-8000-000000000000").status_code == 404
    assert APIClient().get(f"/api/jobs/{job['id']}").status_code == 419


def test_the_same_work_for_the_same_unit_is_409_until_the_first_job_ends(world):
    first = enrol(world, enrolment_csv(2), **ASYNC)
    again = enrol(world, enrolment_csv(3), **ASYNC)
    assert again.status_code == 409
    assert again.json() == {"error": "Failed to create job. Job may already be in progress."}
    other_unit = UnitFactory(code="COS20002")
    UnitRole.objects.create(user=world["convenor"], unit=other_unit, role=UnitRole.Kind.CONVENOR)
    elsewhere = world["client"].post(
        f"/api/csv/units/{other_unit.pk}", {"file": SimpleUploadedFile("s.csv", b"unit_code,username,email,tutorial\n")},
        format="multipart", **ASYNC,
    )
    assert elsewhere.status_code == 202  # another unit is other work
    run_queued_tasks()
    assert poll(world["client"], first.json()["id"]).json()["status"] == "complete"
    assert enrol(world, enrolment_csv(3), **ASYNC).status_code == 202


def test_a_lost_jobs_lock_is_released_after_a_while(world):
    first = enrol(world, enrolment_csv(2), **ASYNC).json()
    Job.objects.filter(pk=first["id"]).update(status="working", updated_at="2020-01-01T00:00:00Z")
    assert enrol(world, enrolment_csv(2), **ASYNC).status_code == 202
    lost = poll(world["client"], first["id"]).json()
    assert lost["status"] == "failed" and "its worker went away" in lost["message"]


def test_query_async_works_like_the_prefer_header_and_other_preferences_are_ignored(world):
    assert enrol(world, enrolment_csv(1), HTTP_PREFER="return=minimal").status_code == 201
    response = world["client"].post(f"/api/csv/units/{world['unit'].pk}?async=1",
                                    {"file": SimpleUploadedFile("s.csv", enrolment_csv(1))}, format="multipart")
    assert response.status_code == 202


# --- CSV_JOBS=always: where Doubtfire's newest client expects a job ------------------------------------------


def test_csv_jobs_always_gives_the_newest_client_its_jobs_and_leaves_other_routes_alone(world, settings):
    settings.CSV_JOBS = "always"
    unit = world["unit"]
    student = ProjectFactory(unit=unit, user=UserFactory(username="anna")).user
    TaskDefinitionFactory(unit=unit, abbreviation="P1")
    enrolled = enrol(world, enrolment_csv(2))
    assert enrolled.status_code == 201 and enrolled.json()["status"] == "queued"  # 201 with a job, as upstream
    downloads = {}
    for path, job_class in (("task_completion", "DownloadTaskCompletionCsvJob"),
                            ("tutor_assessments", "DownloadTutorAssessmentStatsJob")):
        response = world["client"].get(f"/api/csv/units/{unit.pk}/{path}")
        assert response.status_code == 200 and response.json()["job_class"] == job_class
        downloads[path] = response.json()["id"]
    # Routes that stay synchronous upstream answer as before.
    students = world["client"].get(f"/api/csv/units/{unit.pk}")
    assert students.status_code == 200 and students["Content-Disposition"].startswith("attachment; filename=")
    run_queued_tasks()
    settings.CSV_JOBS = "request"
    for path, job_id in downloads.items():
        at_once = b"".join(world["client"].get(f"/api/csv/units/{unit.pk}/{path}").streaming_content).decode()
        assert poll(world["client"], job_id).json()["result"] == at_once
    completion = poll(world["client"], downloads["task_completion"]).json()["result"]
    assert completion.startswith("Student ID,Username,") and f",{student.username}," in completion


def test_users_and_task_definition_imports_and_withdrawals_run_as_jobs_too(world, admin_account, token_client):
    admin = token_client(admin_account)
    users = admin.post("/api/csv/users", {"file": SimpleUploadedFile(
        "u.csv", b"username,email,role,first_name,last_name\nnewbie,newbie@uni.edu,Student,N,B\n")},
        format="multipart", **ASYNC)
    tasks = world["client"].post(f"/api/csv/task_definitions?unit_id={world['unit'].pk}", {
        "unit_id": str(world["unit"].pk), "file": SimpleUploadedFile(
            "t.csv", b"name,abbreviation,start_week,start_day,target_week,target_day\nTask,T1,1,Mon,2,Fri\n")},
        format="multipart", **ASYNC)
    withdraw = world["client"].post(f"/api/csv/units/{world['unit'].pk}/withdraw", {
        "file": SimpleUploadedFile("w.csv", b"unit_code,username\nCOS10001,nobody\n")}, format="multipart", **ASYNC)
    assert [response.status_code for response in (users, tasks, withdraw)] == [202, 202, 202]
    assert run_queued_tasks() == 3
    assert User.objects.filter(username="newbie").exists()
    assert TaskDefinition.objects.filter(abbreviation="T1").exists()
    results = [json.loads(poll(client, response.json()["id"]).json()["result"])
               for client, response in ((admin, users), (world["client"], tasks), (world["client"], withdraw))]
    assert [len(result["success"]) for result in results] == [1, 1, 0]
    assert results[2]["errors"][0]["message"] == "User nobody not found."


def test_a_role_taken_away_while_the_job_waited_counts(world):
    job = enrol(world, enrolment_csv(2), **ASYNC).json()
    UnitRole.objects.filter(user=world["convenor"]).delete()
    run_queued_tasks()
    body = poll(world["client"], job["id"]).json()
    assert (body["status"], body["result_status"]) == ("failed", 403)
    assert not Project.objects.exists()


def test_expired_jobs_and_their_tasks_are_pruned_after_each_job(world, settings):
    old = enrol(world, enrolment_csv(1), **ASYNC).json()
    run_queued_tasks()
    Job.objects.filter(pk=old["id"]).update(expires_at="2020-01-01T00:00:00Z")
    DBTaskResult.objects.update(finished_at="2020-01-01T00:00:00Z")
    enrol(world, enrolment_csv(2), **ASYNC)
    run_queued_tasks()  # the next job prunes on its way out
    assert not Job.objects.filter(pk=old["id"]).exists()
    assert DBTaskResult.objects.count() == 1
    assert prune_expired_jobs() == 0


# --- Real workers -----------------------------------------------------------------------------------------


# A worker's start (Python, Django) and its jobs take seconds; on a machine busy with other test runs, many more.
WORKER_TIMEOUT = 180


def worker_env() -> dict:
    """The environment of a `manage.py db_worker` that uses this test run's PostgreSQL database."""
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "", safe="")
    url = f"postgres://{settings['USER']}@{host}"
    if settings.get("PORT"):
        url += f":{settings['PORT']}"
    return {**os.environ, "DATABASE_URL": f"{url}/{settings['NAME']}", "SECRET_KEY": "test-worker-key-0123456789abcdef",
            "LOG_LEVEL": "ERROR"}


@pytest.fixture
def start_worker():
    """Start `manage.py db_worker` processes (without the autoreloader that DEBUG turns on: its child process would
    keep running after `--max-tasks` is reached); each is stopped (and its pipe closed) when the test ends, passed or
    failed, so a worker that overran never runs into the next test's jobs."""
    started: list[subprocess.Popen] = []

    def start(*extra: str) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*", "--interval", "0.1",
             "--no-startup-delay", "--no-reload", *extra],
            env=worker_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stderr.close()


def finished(worker: subprocess.Popen, timeout: float = WORKER_TIMEOUT) -> int:
    """The worker's exit status once it has stopped (a failure naming its stderr if it has not within `timeout`)."""
    try:
        return worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(f"the worker did not finish within {timeout} s: {worker.communicate()[1][-2000:]}")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_queued_work_survives_a_worker_that_stops_and_a_new_one_finishes_it(start_worker):
    world_ = _committed_world(units=2)
    jobs = [enrol({**world_, "unit": unit}, enrolment_csv(5, code=unit.code), **ASYNC).json()["id"]
            for unit in world_["units"]]
    first = start_worker("--max-tasks", "1")  # runs one job, then stops (a restart, a deploy, a crash between jobs)
    assert finished(first) == 0, first.stderr.read()
    statuses = sorted(Job.objects.filter(pk__in=jobs).values_list("status", flat=True))
    assert statuses == ["complete", "queued"]
    second = start_worker("--batch")
    assert finished(second) == 0, second.stderr.read()
    assert set(Job.objects.filter(pk__in=jobs).values_list("status", flat=True)) == {"complete"}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_job(start_worker):
    world_ = _committed_world(units=12)
    jobs = [enrol({**world_, "unit": unit}, enrolment_csv(20, code=unit.code), **ASYNC).json()["id"]
            for unit in world_["units"]]
    workers = [start_worker("--batch"), start_worker("--batch")]
    for worker in workers:
        assert finished(worker) == 0, worker.stderr.read()
    assert set(Job.objects.filter(pk__in=jobs).values_list("status", flat=True)) == {"complete"}
    tasks = list(DBTaskResult.objects.all())
    assert len(tasks) == 12 and all(len(task.worker_ids) == 1 for task in tasks)
    assert len({worker for task in tasks for worker in task.worker_ids}) == 2  # both took part
    # Every student enrolled exactly once per unit: no job's rows were written twice.
    assert Project.objects.count() == 12 * 20


def _committed_world(*, units: int) -> dict:
    convenor = UserFactory(role=Role.CONVENOR, username="conv")
    made = []
    for number in range(units):
        unit = UnitFactory(code=f"COS1{number:04d}")
        TutorialFactory(unit=unit, abbreviation="LA1-01")
        UnitRole.objects.create(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
        made.append(unit)
    client = APIClient()
    client.credentials(HTTP_USERNAME="conv", HTTP_AUTH_TOKEN=issue_auth_token(user=convenor))
    return {"units": made, "convenor": convenor, "client": client}


def test_an_attendance_upload_of_several_reports_as_a_job_records_what_the_route_would(db):
    from attendance.models import Record
    from attendance.tests import reports
    from attendance.tests.test_api_attendance import form_csv, post, signup, upload

    client = APIClient()
    token = signup(client)
    made = post(client, "/add_course", token, course_id="CS402", course_name="Algorithms", batch="2021",
                file=upload("students.csv", reports.ROSTER.read_bytes()))
    assert made.status_code == 200

    def files():
        return [upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), upload("form.csv", form_csv("2021-02-11", ["1", "3"]))]

    fields = {"token": token, "course_id": "CS402", "batch": "2021", "end_time": "11:00", "threshold": "60"}
    with transaction.atomic():
        at_once = client.post("/upload_attendance", {**fields, "file": files()}, format="multipart")
        assert at_once.status_code == 200
        transaction.set_rollback(True)
    queued = client.post("/upload_attendance?async=1", {**fields, "file": files()}, format="multipart")
    assert queued.status_code == 202 and queued.json()["job_class"] == "UploadAttendanceJob"
    assert not Record.objects.exists()
    again = client.post("/upload_attendance?async=1", {**fields, "file": files()}, format="multipart")
    assert again.status_code == 409  # the same course's upload is still waiting
    run_queued_tasks()
    job = client.get(f"/api/jobs/{queued.json()['id']}", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert (job["status"], job["total_count"]) == ("complete", 2)
    assert json.loads(job["result"]) == at_once.json()
    assert Record.objects.count() == 8  # four students on two dates
