"""HTTP under mixed load: the http_load setup (gunicorn with the project's config, 2 workers, 16 clients for
20 s on 127.0.0.1), but every client loops over real writes and reads of the public API, and afterwards
the rows in the database must be exactly what the answers said was written.

The requests take turns, one in five of each:

* `GET /api/csv/units/{id}`: the students CSV of the 2,000-student unit (it grows during the run);
* `POST /api/csv/units/{id}`: 3 new students unique to the request, and 2 students already enrolled with
  their own tutorials (must come back `ignored`, changing nothing);
* `POST /download_attendance`: the complete report (CSV) of a course of 200 students (50 with --quick);
* `POST /upload_attendance`: a legacy Teams log of that course for a date unique to the request;
* `POST /api/csv/users`: 3 new users unique to the request and one existing user (`ignored`).

The expected counts are tallied from the answers (a 2xx and its `success` rows, or the uploaded date) and
compared with the tables after the run; the 64 students re-enrolled again and again must keep their enrolment
and tutorials exactly. A request fails on a non-2xx answer, a broken connection or timeout,
or an answer that does not say what was sent (a new row not in `success`, an existing one not `ignored`).
"""

from __future__ import annotations

import datetime
import json
import random
import threading
from collections import Counter

from attendance.models import Course, Record, Session
from bench import datasets
from bench.context import expect
from bench.load import drive, error_notes, gunicorn, latencies_text, load_outcome, multipart, request
from bench.measure import Outcome
from doubtfire.models import Project, TutorialEnrolment, TutorialStream, User

COURSE_ID, BATCH = "LOAD1", "2021"
NEW_PER_REQUEST = 3
EXISTING_PER_REQUEST = 2
FIRST_DATE = datetime.date(2030, 1, 1)  # request n records FIRST_DATE + n days: a date no other request uses


def _existing_students(unit, streams: list, count: int) -> list[dict]:
    """`count` students enrolled in `unit` as the students CSV would list them: same tutorials, so no change."""
    projects = list(Project.objects.filter(unit=unit, enrolled=True).select_related("user").order_by("pk")[:count])
    tutorial_of: dict[int, dict[int, str]] = {project.pk: {} for project in projects}
    for enrolment in TutorialEnrolment.objects.filter(project__in=projects).select_related("tutorial"):
        tutorial_of[enrolment.project_id][enrolment.stream_id] = enrolment.tutorial.abbreviation
    return [
        {
            "username": project.user.username,
            "email": project.user.email,
            "student_id": project.user.student_id or "",
            "first_name": project.user.first_name,
            "last_name": project.user.last_name,
            "tutorials": [tutorial_of[project.pk].get(stream.pk, "") for stream in streams],
        }
        for project in projects
    ]


def _counts(unit, course) -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "enrolments": Project.objects.filter(unit=unit).count(),
        "tutorial enrolments": TutorialEnrolment.objects.filter(project__unit=unit).count(),
        "sessions": Session.objects.filter(course=course).count(),
        "attendance records": Record.objects.filter(session__course=course).count(),
    }


def _new_people(sequence: int, prefix: str) -> list[dict]:
    """NEW_PER_REQUEST people that only request `sequence` uploads: usernames, emails, student IDs unique."""
    numbers = range(sequence * NEW_PER_REQUEST, (sequence + 1) * NEW_PER_REQUEST)
    return [datasets.person(random.Random(number), prefix, number) for number in numbers]


def _unexpected(result: dict, new: list[dict], old: list[dict]) -> str | None:
    """A sentence when an import's answer is not: every new row in `success`, every existing one `ignored`."""
    def usernames(entries):
        return {entry["row"]["username"].lower() for entry in entries}

    answered = (usernames(result["success"]), usernames(result["ignored"]), len(result["errors"]))
    if answered == ({p["username"].lower() for p in new}, {p["username"].lower() for p in old}, 0):
        return None
    return f"unexpected result: {json.dumps(result)[:300]}"


def run(bench) -> list[Outcome]:
    unit = bench.shared["big_unit"]
    seconds, clients = bench.sizes.load_seconds, bench.sizes.load_clients
    streams = list(TutorialStream.objects.filter(unit=unit).order_by("abbreviation"))
    stream_names = [stream.abbreviation for stream in streams]
    tutorials = {
        stream.pk: list(stream.tutorials.order_by("pk").values_list("abbreviation", flat=True)) for stream in streams
    }
    existing = _existing_students(unit, streams, 64)
    roster = datasets.roster(bench.sizes.load_roster, seed=7)
    names = [name for _, name in roster]

    # Setup, before the server starts: the course, through the route a teacher uses.
    expect(
        bench.attendance_client().post(
            "/add_course",
            {
                "course_id": COURSE_ID,
                "course_name": "Mixed load course",
                "batch": BATCH,
                "file": bench.upload("roster.csv", datasets.roster_csv(roster)),
            },
        ),
        200,
    )
    course = Course.objects.get(owner=bench.admin, course_id=COURSE_ID, batch=int(BATCH))

    csv_headers = {"Username": bench.admin.username, "Auth_Token": bench.token}
    attendance_headers = {"Authorization": f"Token {bench.token}"}
    students_path = f"/api/csv/units/{unit.pk}"
    expected = Counter()  # rows the answers say were written, by table
    lock = threading.Lock()

    def post(path: str, headers: dict, fields: dict, files: dict) -> tuple[int, bytes]:
        body, content_type = multipart(fields, files)
        return request(port, "POST", path, {**headers, "Content-Type": content_type}, body)

    def students_download(sequence: int) -> str | None:
        status, body = request(port, "GET", students_path, {**csv_headers, "Accept": "text/csv"})
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        if len(body.splitlines()) - 1 < enrolled_before:
            return f"{len(body.splitlines()) - 1} students listed, {enrolled_before} were enrolled before the run"
        return None

    def enrol(sequence: int) -> str | None:
        new = _new_people(sequence, "ml")
        for number, student in enumerate(new, start=sequence * NEW_PER_REQUEST):
            student["tutorials"] = [choices[number % len(choices)] for choices in tutorials.values()]
        old = [existing[(sequence * EXISTING_PER_REQUEST + k) % len(existing)] for k in range(EXISTING_PER_REQUEST)]
        data = datasets.students_csv_of(unit.code, new + old, stream_names)
        status, body = post(students_path, csv_headers, {}, {"file": ("students.csv", data)})
        if status != 201:
            return f"HTTP {status}: {body[:200]!r}"
        result = json.loads(body)
        with lock:
            expected["users"] += len(result["success"])
            expected["enrolments"] += len(result["success"])
            expected["tutorial enrolments"] += len(result["success"]) * len(streams)
        return _unexpected(result, new, old)

    def report_download(sequence: int) -> str | None:
        fields = {"down-course": f"{COURSE_ID}-{BATCH}", "report_type": "1", "report_format": "0"}
        status, body = post("/download_attendance", attendance_headers, fields, {})
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        if len(body.splitlines()) != len(roster) + 1:
            return f"the report has {len(body.splitlines())} lines, not {len(roster) + 1}"
        return None

    def attendance_upload(sequence: int) -> str | None:
        date = FIRST_DATE + datetime.timedelta(days=sequence)
        log = datasets.teams_legacy_log(names, 4 * len(names), date=date, seed=sequence)
        fields = {"course_id": COURSE_ID, "batch": BATCH, "date": f"{date:%Y-%m-%d}", "threshold": "600"}
        status, body = post("/upload_attendance", attendance_headers, fields, {"file": ("Attendance.csv", log)})
        if status != 200:
            return f"HTTP {status}: {body[:200]!r}"
        day = json.loads(body)["summary"][f"{date:%Y-%m-%d}"]
        with lock:
            expected["sessions"] += 1
            expected["attendance records"] += day["present"] + day["absent"]
        if day["present"] + day["absent"] != len(roster):
            return f"unexpected summary {day} for a roster of {len(roster)}"
        return None

    def users_upload(sequence: int) -> str | None:
        new = _new_people(sequence, "mu")
        for k, person in enumerate(new):
            person["role"] = "Tutor" if k == 0 else "Student"
        old = [dict(existing[sequence % len(existing)], role="Student")]
        data = datasets.users_csv_of(new + old)
        status, body = post("/api/csv/users", csv_headers, {}, {"file": ("users.csv", data)})
        if status != 201:
            return f"HTTP {status}: {body[:200]!r}"
        result = json.loads(body)
        with lock:
            expected["users"] += len(result["success"])
        return _unexpected(result, new, old)

    kinds = {
        "GET students CSV": students_download,
        "POST enrol CSV": enrol,
        "POST download_attendance": report_download,
        "POST upload_attendance": attendance_upload,
        "POST users CSV": users_upload,
    }
    order = list(kinds)

    def step(client: int, sequence: int) -> tuple[str, str | None]:
        kind = order[sequence % len(order)]
        return kind, kinds[kind](sequence)

    with gunicorn(students_path, csv_headers) as port:
        # One date before the clock, so that the report has something to show from the first request on.
        problem = attendance_upload(-1)
        if problem:
            raise RuntimeError(f"the first attendance upload failed: {problem}")
        before = _counts(unit, course)
        enrolled_before = Project.objects.filter(unit=unit, enrolled=True).count()
        expected.clear()
        result = drive(clients, seconds, step)
    after = _counts(unit, course)
    existing_unchanged = _existing_students(unit, streams, len(existing)) == existing

    outcome = load_outcome(
        "HTTP load: mixed uploads and downloads",
        f"gunicorn 2 workers, {clients} clients, {seconds:.0f} s, {len(kinds)} routes",
        result,
        "0 errors; row counts = expected",
    )
    rows = {name: {"expected": before[name] + expected[name], "found": after[name]} for name in before}
    counts_equal = all(row["expected"] == row["found"] for row in rows.values())
    outcome.load["by_kind"] = {kind: result.summary(kind) for kind in kinds}
    outcome.load["row_counts"] = rows
    outcome.load["row_counts_equal"] = counts_equal
    outcome.load["re_enrolled_unchanged"] = existing_unchanged
    for kind in kinds:
        part = result.summary(kind)
        outcome.notes.append(f"{kind}: {part['requests']} requests, {latencies_text(part)}")
    outcome.notes.append(
        "row counts: "
        + ", ".join(f"{name} {row['expected']:,}={row['found']:,}" for name, row in rows.items())
        + (" - all equal" if counts_equal else " - NOT EQUAL")
    )
    outcome.notes.append(
        f"the {len(existing)} students re-enrolled during the run: "
        + ("enrolment and tutorials unchanged" if existing_unchanged else "CHANGED")
    )
    outcome.notes += error_notes(result)
    every_kind_answered = all(result.summary(kind)["requests"] for kind in kinds)
    outcome.passed = not result.errors and counts_equal and existing_unchanged and every_kind_answered
    return [outcome]
