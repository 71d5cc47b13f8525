"""Every parser and import that reads user text, fed cells holding 300 KiB runs of whitespace (issue 11).

What is checked: each call returns, or refuses the input with its own clear error (`FileFormatError` and
its subclasses for the parsers, `AttendanceError` for the attendance service, row errors of an
`ImportResult` for the Doubtfire imports, a 4xx `{"error": ...}` over HTTP). Never another exception, never
a hang. Where the padded text is still readable (a timestamp with long gaps, a name ending in "(Guest)"),
the test also checks what was read.

How slowness is caught without timing anything (the house rule: no assertion on wall-clock time).
Python's `re` keeps no step count to assert on, and comparing times at two sizes would be timing by another
name. What separates the code before and after this issue is not a percentage but orders of magnitude, so
the tests are built to make that gap impossible to miss, and a hang guard turns "does not come back" into a
failure:

* `hang_guard` interrupts a case after GUARD_SECONDS (10 s; the cases take milliseconds, the heaviest HTTP
  one under a second) and fails it. It measures nothing and is compared with nothing. The regular expression engine checks for
  signals every few thousand steps of a match, so a pattern that would run for hours (the timestamp and
  duration patterns were polynomial of degree 3 to 5 in the run length) is stopped mid-match; a shorter
  stall is stopped as soon as the call returns. Its exception derives from BaseException, so no
  `except Exception` on the way (openpyxl's, Django's) can turn it into a format error or a 500, and the
  guard also records that it fired.
* A quadratic clean-up costs only seconds on one 300 KiB name (the old Teams tag pattern: about 7 s here),
  too close to any honest guard. So the name clean-ups also get files holding AMPLIFY such names: the old
  code pays its seconds once per row, about two minutes in all, while the new code stays in milliseconds.

Run against the code before issue 11, the Teams, Zoom and timestamp cases fail through the guard.
tests/test_regex_audit.py checks the shape of every pattern in the code, so that a new one cannot bring the
problem back where these cases do not reach; bench/cases/whitespace_runs.py measures the time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import signal
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from attendance.formats import Participant, parse_report, parse_roster
from attendance.matching import match_participants
from attendance.models import Course
from attendance.services import AttendanceError, UploadOptions, record_attendance
from attendance.tests import reports
from doubtfire.models import Role
from doubtfire.services import (
    ImportResult,
    enrol_students_from_table,
    import_task_definitions_from_table,
    import_users_from_table,
    issue_auth_token,
    withdraw_students_from_table,
)
from doubtfire.tests.factories import CampusFactory, TutorialFactory, UnitFactory, UserFactory
from spreadsheets import FileFormatError, ReadBudget, read_table

GUARD_SECONDS = 10
LONG = 300 * 1024  # characters in one run: 300 KiB of ASCII whitespace
AMPLIFY = 16  # hostile names in one file, for the clean-ups that run once per row

RUNS = {"spaces": " " * LONG, "tabs": "\t" * LONG, "mixed": " \t" * (LONG // 2)}

# The reader's budget refuses any cell over 32,767 characters before a parser sees it (issue 11 item 1). These
# tests are about what lies behind that guard, so they lift that one limit, as a deployment may.
WIDE = ReadBudget(cell_chars=4 * LONG)


@pytest.fixture(autouse=True)
def _cells_as_long_as_the_runs(settings):
    settings.SPREADSHEET_MAX_CELL_CHARS = WIDE.cell_chars


def hostile(name: str, run: str) -> str:
    """The cell values of the issue: long runs between, before and after the characters patterns look for."""
    return {
        "a-run-b": "a" + run + "b",
        "paren-run": "(" + run,
        "run-tag-x": run + "(guest)x",
        "x-run-tag-x": "x" + run + "(guest)x",
        "name-run-tag": "Asha" + run + "(Guest)",
        "name-run-original": "a" + run + "(b)",
        "date-run-x": "13/2/2021" + run + "x",
        "time-run-x": "13/2/2021, 9:35:35" + run + "x",
        "padded-time": "13/2/2021," + run + "9:35:35" + run + "AM",
        "duration-run-x": "1h" + run + "x",
        "padded-duration": "52m" + run + "0s",
        "email-of-dots": "a@" + "a." * (LONG // 2) + "!",
        "email-run": "a" + run + "@uni.edu",
    }[name]


class Hung(BaseException):
    """The guard's alarm. Not an Exception, so that nothing under test can catch it as one."""


@contextlib.contextmanager
def hang_guard(seconds: float = GUARD_SECONDS):
    """Fail the block if it has not returned after ``seconds`` (a hang guard, not a measurement)."""
    fired = []

    def alarm(signum, frame):
        fired.append(signum)
        raise Hung(f"still running after {seconds} s: a backtracking hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired, "the hang guard fired and something swallowed its exception"


def returns_or_refuses(call, refusals=(FileFormatError,)):
    """call()'s value, or the refusal it raised (which must say something); anything else fails the test."""
    with hang_guard():
        try:
            return call()
        except refusals as refusal:
            assert str(refusal).strip(), f"{type(refusal).__name__} without a message"
            return refusal


# --- Files, as each exporter writes them, with one cell replaced ---------------------------------------------


def xlsx_with_long_cells(rows) -> bytes:
    """XLSX bytes of ``rows``, long cells included.

    openpyxl cuts text at Excel's 32,767 characters when it writes; a hand-made file has no such limit,
    so long cells go into the worksheet XML after openpyxl wrote a placeholder for each.
    """
    long_cells, placed = {}, []
    for row in rows:
        placed.append([])
        for value in row:
            if isinstance(value, str) and len(value) > 1000:
                key = f"LONGCELL{len(long_cells)}"
                long_cells[key] = value
                value = key
            placed[-1].append(value)
    written = zipfile.ZipFile(io.BytesIO(reports.xlsx(placed)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in written.infolist():
            content = written.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = content.decode("utf-8")
                for key, value in long_cells.items():
                    assert f"<t>{key}</t>" in text
                    text = text.replace(f"<t>{key}</t>", f'<t xml:space="preserve">{escape(value)}</t>')
                content = text.encode("utf-8")
            archive.writestr(item, content)
    return out.getvalue()


ENCODINGS = {"comma-csv": reports.comma_csv, "utf16-tab": reports.utf16_tab, "xlsx": xlsx_with_long_cells}


def with_cell(rows, column: str, value: str, row: int = 1):
    """``rows`` (heading first) with the cell of ``column`` in data row ``row`` replaced by ``value``."""
    rows = [list(r) for r in rows]
    rows[row][rows[0].index(column)] = value
    return rows


LEGACY_LOG = [
    ["Full Name", "User Action", "Timestamp"],
    ["1", "Joined", "13/2/2021, 9:35:35 AM"],
    ["1", "Left", "13/2/2021, 10:35:35 AM"],
]
LEGACY_CELLS = [
    ("Full Name", "a-run-b"),
    ("Full Name", "paren-run"),
    ("Full Name", "run-tag-x"),
    ("User Action", "a-run-b"),
    ("Timestamp", "date-run-x"),
    ("Timestamp", "time-run-x"),
    ("Timestamp", "padded-time"),
]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize(("column", "value"), LEGACY_CELLS)
def test_legacy_teams_list(run, encoding, column, value):
    data = ENCODINGS[encoding](with_cell(LEGACY_LOG, column, hostile(value, RUNS[run])))
    returns_or_refuses(lambda: parse_report(data, budget=WIDE))


PARTICIPANT_HEADINGS = ["Name", "First join", "Last leave", "In-meeting duration", "Email", "Participant ID (UPN)", "Role"]
PARTICIPANT = ["Asha Rao", "13/2/2026, 9:01:00 AM", "13/2/2026, 9:58:00 AM", "52m 0s", "1@uni.edu", "1@uni.edu", "Attendee"]
ACTIVITY_HEADINGS = ["Name", "Join time", "Leave time", "Duration", "Email", "Role"]
ACTIVITY = ["Asha Rao", "13/2/2026, 9:01:00 AM", "13/2/2026, 9:30:00 AM", "29m 0s", "1@uni.edu", "Attendee"]
TEAMS_CELLS = [
    ("participants", "Name", "a-run-b"),
    ("participants", "Name", "x-run-tag-x"),
    ("participants", "Name", "name-run-tag"),
    ("participants", "Name", "paren-run"),
    ("participants", "First join", "time-run-x"),
    ("participants", "In-meeting duration", "duration-run-x"),
    ("participants", "In-meeting duration", "padded-duration"),
    ("participants", "Email", "email-of-dots"),
    ("activities", "Name", "a-run-b"),
    ("activities", "Join time", "date-run-x"),
    ("summary", "Start time", "time-run-x"),
]


def teams_report(table: str, column: str, value: str, encode) -> bytes:
    participants = [PARTICIPANT_HEADINGS, PARTICIPANT]
    activities = [ACTIVITY_HEADINGS, ACTIVITY] if table == "activities" else None
    if table == "participants":
        participants = with_cell(participants, column, value)
    if table == "activities":
        activities = with_cell(activities, column, value)
    start = value if table == "summary" else "13/2/2026, 9:00:00 AM"
    return reports.teams_report(
        participants=participants[1:], activities=activities and activities[1:], start=start, encode=encode
    )


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("encoding", ["utf16-tab", "xlsx"])
@pytest.mark.parametrize(("table", "column", "value"), TEAMS_CELLS)
def test_current_teams_report(run, encoding, table, column, value):
    data = teams_report(table, column, hostile(value, RUNS[run]), encode=ENCODINGS[encoding] if encoding == "xlsx" else None)
    returns_or_refuses(lambda: parse_report(data, budget=WIDE))


ZOOM_HEADINGS = ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]
ZOOM_ROW = ["Asha Rao", "1@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:58:00 AM", "57", "No"]
ZOOM_CELLS = [
    ("Name (Original Name)", "a-run-b"),
    ("Name (Original Name)", "paren-run"),
    ("Name (Original Name)", "name-run-original"),
    ("User Email", "email-of-dots"),
    ("User Email", "email-run"),
    ("Join Time", "time-run-x"),
    ("Duration (Minutes)", "a-run-b"),
]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize(
    ("summary", "encoding"), [(True, "comma-csv"), (False, "comma-csv"), (True, "xlsx"), (False, "xlsx")]
)
@pytest.mark.parametrize(("column", "value"), ZOOM_CELLS)
def test_zoom_participants_report(run, summary, encoding, column, value):
    rows = with_cell([ZOOM_HEADINGS, ZOOM_ROW], column, hostile(value, RUNS[run]))
    data = reports.zoom_report(rows[1:], summary=summary, encode=ENCODINGS[encoding])
    returns_or_refuses(lambda: parse_report(data, budget=WIDE))


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("value", ["a-run-b", "time-run-x"])
def test_zoom_unique_users_report_and_meeting_block(run, value):
    # The "unique users" export (a total duration per person) and the meeting block's End Time.
    totals = [["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Total Duration (Minutes)"]]
    totals.append(["Asha", "1@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:58:00 AM", hostile(value, RUNS[run])])
    returns_or_refuses(lambda: parse_report(reports.comma_csv(totals), budget=WIDE))
    block = [
        ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
        ["812 3456 7890", "Algorithms", "13/02/2026 09:00:00 AM", hostile(value, RUNS[run]), "t@uni.edu", "60", "1"],
        [],
        ZOOM_HEADINGS,
        ZOOM_ROW,
    ]
    returns_or_refuses(lambda: parse_report(reports.comma_csv(block), budget=WIDE))


FORM = [["Timestamp", "Username", "Your Roll Number"], ["2021/02/11 12:46:13 PM GMT+5:30", "a@uni.edu", "1"]]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("encoding", ["comma-csv", "xlsx"])
@pytest.mark.parametrize(
    ("column", "value"), [("Timestamp", "date-run-x"), ("Timestamp", "padded-time"), ("Your Roll Number", "a-run-b")]
)
def test_google_form(run, encoding, column, value):
    data = ENCODINGS[encoding](with_cell(FORM, column, hostile(value, RUNS[run])))
    returns_or_refuses(lambda: parse_report(data, budget=WIDE))


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("encoding", ["comma-csv", "xlsx"])
@pytest.mark.parametrize(("column", "value"), [("Name", "a-run-b"), ("Name", "name-run-tag"), ("Roll Number", "a-run-b")])
def test_roster(run, encoding, column, value):
    data = ENCODINGS[encoding](with_cell([["Roll Number", "Name"], ["1", "Asha"]], column, hostile(value, RUNS[run])))
    returns_or_refuses(lambda: parse_roster(data, budget=WIDE))


# --- The per-row name clean-ups, with AMPLIFY hostile names in one file ---------------------------------------


def participants_table(names) -> bytes:
    """A Teams participants table (as the issue's finding sent it: comma CSV) naming ``names``."""
    rows = [["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Role"]]
    rows += [[name, "13/2/2021, 9:01:00 AM", "13/2/2021, 9:58:00 AM", "57m 0s", "", "Attendee"] for name in names]
    return reports.comma_csv(rows)


def zoom_table(names) -> bytes:
    return reports.zoom_report([[name, *ZOOM_ROW[1:]] for name in names], summary=False)


@pytest.mark.parametrize("value", ["a-run-b", "x-run-tag-x", "name-run-tag", "paren-run", "name-run-original"])
@pytest.mark.parametrize("build", [participants_table, zoom_table], ids=["teams", "zoom"])
def test_many_hostile_names_in_one_report(build, value):
    names = [f"{number}{hostile(value, RUNS['spaces'])}" for number in range(AMPLIFY)]
    report = returns_or_refuses(lambda: parse_report(build(names), budget=WIDE), refusals=())
    assert len(report.participants) == AMPLIFY


# --- What is read from padded cells that are still readable ----------------------------------------------------


@pytest.mark.parametrize("run", sorted(RUNS))
def test_padded_cells_are_read_as_the_teacher_meant(run):
    log = with_cell(LEGACY_LOG, "Timestamp", "13/2/2021," + RUNS[run] + "9:35:35" + RUNS[run] + "AM")
    report = returns_or_refuses(lambda: parse_report(reports.comma_csv(log), budget=WIDE))
    assert [c.at.hour for c in report.participants["1"].connections] == [9, 10]

    guest = teams_report("participants", "Name", "Asha" + RUNS[run] + "(Guest)", encode=None)
    report = returns_or_refuses(lambda: parse_report(guest, budget=WIDE))
    (participant,) = report.participants.values()
    assert "Asha" in participant.names and participant.reported_seconds == 52 * 60

    renamed = with_cell([ZOOM_HEADINGS, ZOOM_ROW], "Name (Original Name)", "Asha" + RUNS[run] + "(21CS001)")
    report = returns_or_refuses(lambda: parse_report(reports.zoom_report(renamed[1:]), budget=WIDE))
    (participant,) = report.participants.values()
    assert {"Asha", "21CS001"} <= set(participant.names)


@pytest.mark.parametrize("run", sorted(RUNS))
def test_name_matching(run):
    roster = {"21CS001": "Asha" + RUNS[run] + "Rao", "2": "a" + RUNS[run] + "b", "3": "Ben"}
    names = [hostile(name, RUNS[run]) for name in ("a-run-b", "paren-run", "run-tag-x", "name-run-tag")]
    participants = [Participant(key=name, first_row=2 + i, names=[name, "[" + RUNS[run] + "]"]) for i, name in enumerate(names)]
    participants.append(Participant(key="21CS001" + RUNS[run] + "Asha Rao", first_row=9))
    matches = returns_or_refuses(lambda: match_participants(roster, participants), refusals=())
    assert [p.key for p in matches.by_roll["2"]] == [names[0]]  # equal to a roster name, spaces aside
    assert [p.first_row for p in matches.by_roll["21CS001"]] == [9]  # a roll as a separate word


# --- The Doubtfire imports, through their services -----------------------------------------------------------


def csv_of(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def imported(service, rows, **context) -> ImportResult | FileFormatError:
    """The result of one import of ``rows``: every data row accounted for, or a refusal of the file."""
    result = returns_or_refuses(lambda: service(table=read_table(csv_of(rows), budget=WIDE), **context))
    if isinstance(result, ImportResult):
        assert len(result.success) + len(result.ignored) + len(result.errors) == len(rows) - 1
    return result


@pytest.fixture
def unit(db):
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(name="Burwood", abbreviation="B"))
    return unit


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN, username="aadmin")


USERS = [
    ["username", "email", "role", "first_name", "last_name", "student_id"],
    ["asha", "asha@uni.edu", "Student", "Asha", "Rao", "S1"],
    ["ben", "ben@uni.edu", "Student", "Ben", "Ng", "S2"],
]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("username", "a-run-b"),
        ("email", "email-of-dots"),
        ("email", "email-run"),
        ("role", "a-run-b"),
        ("first_name", "a-run-b"),
        ("student_id", "a-run-b"),
    ],
)
def test_users_import(admin, run, column, value):
    imported(import_users_from_table, with_cell(USERS, column, hostile(value, RUNS[run])), actor=admin)


STUDENTS = [
    ["unit_code", "username", "student_id", "first_name", "last_name", "email", "campus", "tutorial"],
    ["COS10001", "asha", "S1", "Asha", "Rao", "asha@uni.edu", "B", "LA1-01"],
]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("unit_code", "a-run-b"),
        ("username", "a-run-b"),
        ("email", "email-of-dots"),
        ("campus", "a-run-b"),
        ("tutorial", "a-run-b"),
        ("last_name", "a-run-b"),
    ],
)
def test_enrolment_and_withdrawal(admin, unit, run, column, value):
    rows = with_cell(STUDENTS, column, hostile(value, RUNS[run]))
    imported(enrol_students_from_table, rows, actor=admin, unit=unit)
    imported(withdraw_students_from_table, rows, actor=admin, unit=unit)


TASKS_HEADINGS = [
    "name", "abbreviation", "description", "weighting", "target_grade", "restrict_status_updates",
    "upload_requirements", "max_quality_pts", "is_graded", "plagiarism_warn_pct", "plagiarism_checks",
    "group_set", "start_week", "start_day", "target_week", "target_day", "due_week", "due_day", "tutorial_stream",
]  # fmt: skip
TASK = ["Task 1", "1.1P", "Read", "1", "0", "FALSE", "[]", "0", "no", "80", "[]", "", "1", "Tue", "2", "Thu", "4", "Sat", ""]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize(
    ("column", "template"),
    [
        ("name", "a{}b"),
        ("abbreviation", "a{}b"),
        ("weighting", "1{}x"),
        ("start_week", "1{}x"),
        ("start_day", "Tue{}x"),
        ("group_set", "a{}b"),
        ("tutorial_stream", "a{}b"),
        # Doubtfire 8's Ruby-style export ({"key"=>"x"}) is read by a pattern with `\s*` on both sides.
        ("upload_requirements", '[{{"key"{}=>{}"file0", "name"{}=>"Code", "type"=>"code"}}]'),
        ("upload_requirements", '[{{"key"{}x'),
        ("plagiarism_checks", '"{}=>'),
    ],
)
def test_task_definitions_import(admin, unit, run, column, template):
    value = template.format(*[RUNS[run]] * template.count("{}"))
    imported(import_task_definitions_from_table, with_cell([TASKS_HEADINGS, TASK], column, value), actor=admin, unit=unit)


# --- Through HTTP ------------------------------------------------------------------------------------------------


@pytest.fixture
def teacher(db):
    """A teacher with course CS101/2026 (rolls 1 to 4), made through the API; returns (client, token)."""
    user = UserFactory(role=Role.TUTOR, username="teacher@uni.edu", email="teacher@uni.edu")
    token = issue_auth_token(user=user)
    client = APIClient()
    response = client.post(
        "/add_course",
        {"api": "1", "token": token, "course_id": "CS101", "course_name": "Intro", "batch": "2026",
         "file": SimpleUploadedFile("students.csv", b"Name,Roll Number\nShreya,1\nRiya,2\nRanesha,3\nRitwik,4\n")},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 200, response.content[:300]
    return client, token


def post_attendance(teacher, data: bytes, **fields):
    client, token = teacher
    form = {"api": "1", "token": token, "course_id": "CS101", "batch": "2026", **fields}
    form["file"] = SimpleUploadedFile("participants.csv", data, content_type="text/csv")
    with hang_guard():
        return client.post("/upload_attendance", form, format="multipart")


def assert_clear_answer(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response.json()["error"].strip()


# The finding of issue 11, as sent: a Teams participants table whose Name is "a", 290,000 spaces and "b".
FINDING = reports.comma_csv(
    [
        ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Role"],
        ["Shreya", "13/2/2021, 9:00:00 AM", "13/2/2021, 10:00:00 AM", "1h 0m 0s", "1@uni.edu", "Attendee"],
        ["a" + " " * 290_000 + "b", "13/2/2021, 9:01:00 AM", "13/2/2021, 9:58:00 AM", "57m 0s", "", "Attendee"],
    ]
)


def test_upload_attendance_with_the_hostile_teams_participants_file(teacher):
    refused = post_attendance(teacher, FINDING)
    assert_clear_answer(refused, 400)
    assert "not on the course roster" in refused.json()["error"]
    accepted = post_attendance(teacher, FINDING, unknown="ignore")
    assert_clear_answer(accepted, 200)
    assert accepted.json()["summary"] == {"2021-02-13": {"present": 1, "absent": 3, "flagged": 0, "still_connected": 0}}


def test_upload_attendance_with_many_hostile_names(teacher):
    names = ["a" + " " * 290_000 + f"b{number}" for number in range(AMPLIFY)]
    response = post_attendance(teacher, participants_table(["Shreya", *names]), unknown="ignore")
    assert_clear_answer(response, 200)
    assert response.json()["summary"] == {"2021-02-13": {"present": 1, "absent": 3, "flagged": 0, "still_connected": 0}}


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize(
    ("field", "template"),
    [("end_time", "13/2/2021,{}11:00{}x"), ("end_time", "{}11:00{}AM{}"), ("date", "2021-02-13{}x"), ("flags", "1,{},2{}x")],
)
def test_upload_attendance_fields(teacher, run, field, template):
    value = template.format(*[RUNS[run]] * template.count("{}"))
    assert_clear_answer(post_attendance(teacher, FINDING, unknown="ignore", **{field: value}), 200, 400)


@pytest.mark.parametrize("run", sorted(RUNS))
def test_add_course_and_download_with_hostile_text(teacher, run):
    client, token = teacher
    roster = reports.comma_csv([["Roll Number", "Name"], ["1", "a" + RUNS[run] + "b"], ["2" + RUNS[run] + "x", "Riya"]])
    with hang_guard():
        response = client.post(
            "/add_course",
            {"api": "1", "token": token, "course_id": "CS102", "course_name": "x", "batch": "2026",
             "file": SimpleUploadedFile("students.csv", roster)},
            format="multipart",
        )  # fmt: skip
    assert_clear_answer(response, 200, 400)
    with hang_guard():
        response = client.post(
            "/download_attendance",
            {"api": "1", "token": token, "down-course": "CS101" + RUNS[run] + "-2026", "report_type": "1", "report_format": "0"},
        )
    assert_clear_answer(response, 400, 404)


def test_doubtfire_users_upload_with_a_hostile_email(admin):
    client = APIClient()
    client.credentials(HTTP_USERNAME=admin.username, HTTP_AUTH_TOKEN=issue_auth_token(user=admin))
    data = csv_of(with_cell(USERS, "email", hostile("email-of-dots", "")))
    with hang_guard():
        response = client.post("/api/csv/users", {"file": SimpleUploadedFile("users.csv", data)}, format="multipart")
    assert response.status_code == 201, response.content[:300]
    assert [e["row_number"] for e in response.json()["errors"]] == [2]


def test_dashboard_preview_with_the_hostile_teams_participants_file(teacher):
    course = Course.objects.get(course_id="CS101")
    browser = APIClient()
    browser.force_login(course.owner)
    form = {"threshold": "0", "end_time": "", "flags": "", "date_order": "day-first", "match_by": "name"}
    with hang_guard():
        refused = browser.post(f"/courses/{course.pk}/upload/", {**form, "files": SimpleUploadedFile("p.csv", FINDING)})
        previewed = browser.post(
            f"/courses/{course.pk}/upload/", {**form, "ignore_unknown": "on", "files": SimpleUploadedFile("p.csv", FINDING)}
        )
    assert refused.status_code == 400 and b"not on the roster" in refused.content
    assert previewed.status_code == 200 and b"Shreya" in previewed.content


def test_the_attendance_service_refuses_with_its_own_error(teacher):
    course = Course.objects.get(course_id="CS101")
    options = UploadOptions(end_time="13/2/2021," + RUNS["mixed"] + "11:00" + RUNS["mixed"] + "x")
    outcome = returns_or_refuses(
        lambda: record_attendance(course=course, uploaded_by=course.owner, files=[("p.csv", FINDING)], options=options),
        refusals=(AttendanceError,),
    )
    assert isinstance(outcome, AttendanceError)


def test_the_guard_stops_a_backtracking_pattern_in_the_middle_of_a_match():
    # The guard itself, on the timestamp pattern used before issue 11: it would run for hours.
    before = re.compile(
        r"^\s*(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})(?:\s*,?\s*|T)"
        r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<meridiem>[AaPp]\.?\s?[Mm]\.?)?)?"
        r"\s*(?:Z|UTC|GMT|(?:GMT|UTC)?\s*[+\-]\d{1,2}(?::?\d{2})?|\([^)]*\))?\s*$"
    )
    with pytest.raises(Hung):
        with hang_guard(seconds=0.2):
            before.match(hostile("date-run-x", RUNS["spaces"]))
