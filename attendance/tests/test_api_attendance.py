"""The six seed routes and the three extra ones, through HTTP with a token from /api_signup."""

import csv
import datetime
import io

import openpyxl
import pytest
from rest_framework.test import APIClient

from attendance.models import Course, Record, Session
from attendance.tests import reports
from doubtfire.models import Role, User

PASSWORD = "a long enough passphrase 42"
END = "13/2/2021, 11:00:00 AM"


def upload(name, data):
    file = io.BytesIO(data)
    file.name = name
    return file


def signup(client, email="Asha.Rao@Uni.edu", name="Asha  Rao"):
    response = client.post("/api_signup", {"name": name, "email": email, "password": PASSWORD, "api": "1"})
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def post(client, route, token, **data):
    return client.post(route, {"api": "1", "token": token, **data}, format="multipart")


def form_csv(date_iso, rolls):
    year, month, day = date_iso.split("-")
    rows = [["Timestamp", "Your Roll Number"]] + [[f"{year}/{month}/{day} 10:00:00 AM GMT+5:30", roll] for roll in rolls]
    return reports.comma_csv(rows)


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def token(client, db):
    return signup(client)


@pytest.fixture
def course(client, token):
    response = post(
        client, "/add_course", token, course_id="CS402", course_name="Algorithms", batch="2021",
        file=upload("students.csv", reports.ROSTER.read_bytes()),
    )
    assert response.status_code == 200, response.json()
    return Course.objects.get(course_id="CS402")


def db_state():
    return (Session.objects.count(), Record.objects.count())


# --- The seed, route by route ------------------------------------------------------------------------


def test_signup_creates_a_tutor_with_the_email_as_username(client, db):
    token = signup(client)
    user = User.objects.get()
    # System role Tutor (issue 11): a stranger who signs up owns attendance courses and nothing else.
    assert (user.username, user.email, user.first_name, user.last_name, user.role) == (
        "asha.rao@uni.edu", "asha.rao@uni.edu", "Asha", "Rao", Role.TUTOR,
    )
    assert user.check_password(PASSWORD) and isinstance(token, str) and len(token) >= 32


def test_a_signed_up_teacher_cannot_create_users_or_read_anyone(client, db):
    token = signup(client)
    headers = {"HTTP_USERNAME": "asha.rao@uni.edu", "HTTP_AUTH_TOKEN": token}
    users_file = b"username,email,role,first_name,last_name\nsquatted,squat@uni.edu,Student,S,Q\n"
    upload = client.post("/api/csv/users", {"file": io.BytesIO(users_file)}, **headers)
    assert upload.status_code == 403 and "Not authorised" in upload.json()["error"]
    assert not User.objects.filter(username="squatted").exists()
    assert client.get("/api/csv/users", **headers).status_code == 403
    listed = client.get("/api/users/", **headers).json()
    assert [person["username"] for person in listed["results"]] == ["asha.rao@uni.edu"]
    # Their own courses still work, exactly as the seed describes.
    roster = io.BytesIO(b"Roll Number,Name\n1,Shreya\n")
    roster.name = "students.csv"
    added = client.post("/add_course", {"token": token, "api": "1", "course_id": "CS1", "course_name": "C",
                                        "batch": "2026", "file": roster})
    assert added.status_code == 200


def test_signup_rejects_a_repeated_email_in_any_case_a_weak_password_and_blanks(client, db):
    signup(client)
    again = client.post("/api_signup", {"name": "X", "email": "ASHA.RAO@uni.edu", "password": PASSWORD, "api": "1"})
    assert again.status_code == 400 and "already registered" in again.json()["error"]
    weak = client.post("/api_signup", {"name": "X", "email": "x@uni.edu", "password": "123", "api": "1"})
    assert weak.status_code == 400 and "password" in weak.json()["error"].lower()
    blank = client.post("/api_signup", {"email": "y@uni.edu", "password": PASSWORD})
    assert blank.status_code == 400 and "name" in blank.json()["error"]
    assert User.objects.count() == 1


def test_add_course_returns_the_seed_course_object(client, token):
    response = post(
        client, "/add_course", token, course_id="CS402", course_name="Algorithms", batch="2021",
        file=upload("students.csv", reports.ROSTER.read_bytes()),
    )
    assert response.status_code == 200
    assert response.json() == {
        "course": {"course_id": "CS402", "course_name": "Algorithms", "batch": 2021, "dates": [],
                   "students": {"1": {}, "2": {}, "3": {}, "4": {}}}
    }


def test_add_course_twice_is_a_400_and_bad_rosters_name_the_problem(client, token, course):
    again = post(client, "/add_course", token, course_id="CS402", course_name="A", batch="2021",
                 file=upload("s.csv", reports.ROSTER.read_bytes()))
    assert again.status_code == 400 and "already have a course CS402 for batch 2021" in again.json()["error"]
    cases = [
        ({}, "No file was uploaded"),
        ({"file": upload("s.csv", b"Student,Name\n1,A\n")}, "Missing headings: roll_number"),
        ({"file": upload("s.csv", b"Roll Number,Name\n01,A\n01,B\n")}, "more than once: 01"),
        ({"file": upload("s.pdf", b"%PDF-1.4\n")}, "pdf"),
        ({"file": upload("s.csv", b"")}, "empty"),
    ]
    for extra, message in cases:
        response = post(client, "/add_course", token, course_id="NEW1", course_name="N", batch="2022", **extra)
        assert response.status_code == 400 and message in response.json()["error"], (message, response.json())
    bad_batch = post(client, "/add_course", token, course_id="NEW1", course_name="N", batch="20x1",
                     file=upload("s.csv", reports.ROSTER.read_bytes()))
    assert bad_batch.status_code == 400 and "batch" in bad_batch.json()["error"]
    assert list(Course.objects.values_list("course_id", flat=True)) == ["CS402"]


def test_upload_get_all_courses_download_and_delete(client, token, course):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", end_time=END,
                    threshold="2000", date="2021-02-13", file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()))
    assert response.status_code == 200, response.json()
    body = response.json()
    # Seconds by hand (see test_formats.FIXTURE_SECONDS): 1 → 1081 < 2000 absent; 2058, 4770, 4514 present.
    assert body["dates"] == ["2021-02-13"]
    assert body["summary"] == {"2021-02-13": {"present": 3, "absent": 1, "flagged": 0, "still_connected": 0}}
    assert body["message"] == "Attendance recorded for 2021-02-13."
    # With end_time, whoever is connected at the end is closed there: nobody is marked still connected.
    assert body["still_connected"] == {}
    seconds = dict(Record.objects.values_list("student__roll", "seconds_attended"))
    assert seconds == {"1": 1081, "2": 2058, "3": 4770, "4": 4514}
    assert not Record.objects.filter(still_connected=True).exists()

    courses = client.post("/get_all_courses", {"api": "1", "token": token}, format="json")
    assert courses.status_code == 200
    assert courses.json() == {
        "courses": [{"course_id": "CS402", "course_name": "Algorithms", "batch": 2021, "dates": ["2021-02-13"],
                     "students": {"1": {"2021-02-13": False}, "2": {"2021-02-13": True},
                                  "3": {"2021-02-13": True}, "4": {"2021-02-13": True}}}]
    }

    download = post(client, "/download_attendance", token, **{"down-course": "CS402-2021", "report_type": "1", "report_format": "0"})
    assert download.status_code == 200
    assert download["Content-Disposition"] == "attachment; filename=CS402_2021_asOf_2021-02-13.csv"
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    # The seed's columns first and unchanged, then each student's figures (issue 14).
    assert rows == [
        ["Sl. No.", "Roll Number", "Name", "2021-02-13", "Attended", "Held", "Excused", "Percentage"],
        ["1", "1", "Shreya", "Absent", "0", "1", "0", "0.00"], ["2", "2", "Riya", "Present", "1", "1", "0", "100.00"],
        ["3", "3", "Ranesha", "Present", "1", "1", "0", "100.00"], ["4", "4", "Ritwik", "Present", "1", "1", "0", "100.00"],
    ]

    deleted = post(client, "/delete_course", token, course_id="CS402", batch="2021")
    assert deleted.status_code == 200 and "message" in deleted.json()
    assert (Course.objects.count(), *db_state()) == (0, 0, 0)
    assert client.post("/get_all_courses", {"token": token}, format="json").json() == {"courses": []}


def test_token_is_required_and_checked(client, course):
    missing = client.post("/get_all_courses", {"api": "1"}, format="json")
    assert missing.status_code == 401 and "error" in missing.json()
    wrong = client.post("/delete_course", {"api": "1", "token": "nope", "course_id": "CS402", "batch": "2021"})
    assert wrong.status_code == 401 and "error" in wrong.json()
    assert Course.objects.count() == 1


def test_bearer_header_works_too(client, token, course):
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/get_all_courses", {}, format="json").json()["courses"][0]["course_id"] == "CS402"


# --- Presence rules through the upload ------------------------------------------------------------------


def upload_log(client, token, **data):
    data.setdefault("end_time", END)
    return post(client, "/upload_attendance", token, course_id="CS402", batch="2021",
                file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), **data)


def presence():
    return dict(Record.objects.values_list("student__roll", "present"))


def test_threshold_boundary_exactly_equal_is_present(client, token, course):
    # Roll 2 attended 2058 s (9:38:57–10:13:15).
    assert upload_log(client, token, threshold="2058").status_code == 200
    assert presence()["2"] is True
    assert upload_log(client, token, threshold="2059", replace="1").status_code == 200
    assert presence()["2"] is False
    assert Session.objects.count() == 1


def test_end_time_may_be_just_a_time(client, token, course):
    assert upload_log(client, token, end_time="11:00").status_code == 200
    assert dict(Record.objects.values_list("student__roll", "seconds_attended"))["4"] == 4514


def test_flags_force_absent_and_unknown_flags_are_rejected(client, token, course):
    bad = upload_log(client, token, flags="3, 99")
    assert bad.status_code == 400 and "99" in bad.json()["error"] and db_state() == (0, 0)
    response = upload_log(client, token, flags="3, ,4,")
    assert response.status_code == 200
    assert response.json()["summary"]["2021-02-13"] == {"present": 2, "absent": 2, "flagged": 2, "still_connected": 0}
    assert presence() == {"1": True, "2": True, "3": False, "4": False}
    assert Record.objects.get(student__roll="3").seconds_attended == 4770


def test_enrolled_but_missing_from_the_report_is_absent(client, token, course):
    added = post(client, "/add_students", token, course_id="CS402", batch="2021",
                 file=upload("more.csv", b"Roll Number,Name\n5,Kiran\n2,Riya S\n"))
    assert added.status_code == 200 and added.json()["added"] == ["5"] and added.json()["renamed"] == ["2"]
    assert upload_log(client, token).status_code == 200
    record = Record.objects.get(student__roll="5")
    assert (record.present, record.seconds_attended) == (False, 0)


def test_event_after_end_time_is_400(client, token, course):
    late = upload_log(client, token, end_time="13/2/2021, 10:30:00 AM")
    assert late.status_code == 400 and "after the meeting end time" in late.json()["error"]
    assert "Row 11" in late.json()["error"]  # roll 1 rejoins at 10:42:03 on row 11
    assert db_state() == (0, 0)


# Test2.csv without end_time (SPEC §3): its last event is row 11, roll 1 joining again at 10:42:03, and whoever
# is connected then is counted to it and marked. By hand:
#   roll 1: 9:35:35–9:35:39 = 4 s, then joins 10:42:03 and never leaves: + 0 s to 10:42:03 → 4 s, still connected
#   roll 2: two devices, union 9:38:57–10:13:15 = 34 min 18 s = 2058 s, left → not marked
#   roll 3: joins 9:40:30 and 10:03:52, one leave 10:41:53 → one stays open: 9:40:30–10:42:03
#           = 1 h 1 min 33 s = 3693 s, still connected
#   roll 4: the 9:39:06 leave comes before any join and closes nothing; joins 9:44:46 → 10:42:03
#           = 57 min 17 s = 3437 s, still connected
NO_END_SECONDS = {"1": 4, "2": 2058, "3": 3693, "4": 3437}
STILL = "Still connected when the list was saved"


def test_legacy_list_still_connected_without_end_time_is_counted_to_the_last_event_and_marked(client, token, course):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", threshold="1800",
                    file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()))
    assert response.status_code == 200, response.json()
    body = response.json()
    # threshold 1800 s: roll 1 (4 s) absent; 2058, 3693 and 3437 s present.
    assert body["summary"] == {"2021-02-13": {"present": 3, "absent": 1, "flagged": 0, "still_connected": 3}}
    assert body["still_connected"] == {"2021-02-13": {"rolls": ["1", "3", "4"], "counted_to": "2021-02-13T10:42:03"}}
    assert body["message"] == (
        "Attendance recorded for 2021-02-13. 3 students were still connected when the list of 2021-02-13 was saved "
        "and are counted to its last event (10:42:03): rolls 1, 3, 4."
    )
    records = {roll: (seconds, present, still) for roll, seconds, present, still in Record.objects.values_list(
        "student__roll", "seconds_attended", "present", "still_connected")}
    assert records == {"1": (4, False, True), "2": (2058, True, False), "3": (3693, True, True), "4": (3437, True, True)}
    assert Session.objects.get().end_time is None  # no end time was given; the mark says how it was counted

    courses = client.post("/get_all_courses", {"api": "1", "token": token}, format="json").json()["courses"]
    assert courses == [{
        "course_id": "CS402", "course_name": "Algorithms", "batch": 2021, "dates": ["2021-02-13"],
        "students": {"1": {"2021-02-13": False}, "2": {"2021-02-13": True}, "3": {"2021-02-13": True},
                     "4": {"2021-02-13": True}},
        "still_connected": {"2021-02-13": ["1", "3", "4"]},
    }]


def test_reports_keep_present_absent_and_add_a_column_for_still_connected_dates(client, token, course):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", threshold="1800",
                    file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()))
    assert response.status_code == 200, response.json()
    # The date cells stay exactly Present/Absent (seconds as in NO_END_SECONDS, threshold 1800 s); a last
    # column lists each student's marked dates.
    complete = download(client, token, "CS402-2021", report_type="1", report_format="0")
    figures = ["Attended", "Held", "Excused", "Percentage"]
    assert read_csv(complete) == [
        ["Sl. No.", "Roll Number", "Name", "2021-02-13", *figures, STILL],
        ["1", "1", "Shreya", "Absent", "0", "1", "0", "0.00", "2021-02-13"],
        ["2", "2", "Riya", "Present", "1", "1", "0", "100.00", ""],
        ["3", "3", "Ranesha", "Present", "1", "1", "0", "100.00", "2021-02-13"],
        ["4", "4", "Ritwik", "Present", "1", "1", "0", "100.00", "2021-02-13"],
    ]
    defaulters = download(client, token, "CS402-2021", report_type="0", report_format="0")
    assert read_csv(defaulters) == [
        ["Sl. No.", "Roll Number", "Name", "2021-02-13", *figures, STILL],
        ["1", "1", "Shreya", "Absent", "0", "1", "0", "0.00", "2021-02-13"],
    ]
    workbook = download(client, token, "CS402-2021", report_type="1", report_format="1")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Sl. No.", "Roll Number", "Name", "2021-02-13", *figures, STILL],
        [1, "1", "Shreya", "Absent", 0, 1, 0, 0, "2021-02-13"],
        [2, "2", "Riya", "Present", 1, 1, 0, 100, None],
        [3, "3", "Ranesha", "Present", 1, 1, 0, 100, "2021-02-13"],
        [4, "4", "Ritwik", "Present", 1, 1, 0, 100, "2021-02-13"],
    ]


def test_still_connected_and_the_teachers_flag_are_two_marks(client, token, course):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", flags="3",
                    file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()))
    assert response.status_code == 200, response.json()
    # threshold 0: everyone in the list is present except roll 3, whom the teacher flagged absent.
    assert response.json()["summary"]["2021-02-13"] == {"present": 3, "absent": 1, "flagged": 1, "still_connected": 3}
    record = Record.objects.get(student__roll="3")
    assert (record.seconds_attended, record.present, record.flagged, record.still_connected) == (3693, False, True, True)


def test_a_batch_without_end_time_marks_only_the_list_that_ends_with_someone_connected(client, token, course):
    # The upstream page's batch upload: several files, no end time. The form responses have no connections.
    response = client.post("/upload_attendance", {"token": token, "course_id": "CS402", "batch": "2021", "file": [
        upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), upload("form.csv", form_csv("2021-02-11", ["1", "3"]))]},
        format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["summary"]["2021-02-11"] == {"present": 2, "absent": 2, "flagged": 0, "still_connected": 0}
    assert body["summary"]["2021-02-13"]["still_connected"] == 3
    assert list(body["still_connected"]) == ["2021-02-13"]
    assert dict(Record.objects.filter(session__date="2021-02-13").values_list("student__roll", "seconds_attended")) == NO_END_SECONDS


def test_unknown_participants_are_named_unless_ignored(client, token, course):
    post(client, "/remove_student", token, course_id="CS402", batch="2021", roll="4")
    rejected = upload_log(client, token)
    assert rejected.status_code == 400 and "'4' (row 4)" in rejected.json()["error"] and db_state() == (0, 0)
    assert upload_log(client, token, unknown="ignore").status_code == 200
    assert set(presence()) == {"1", "2", "3"}


def test_recorded_date_needs_replace(client, token, course):
    assert upload_log(client, token).status_code == 200
    again = upload_log(client, token, threshold="5000")
    assert again.status_code == 400 and "already been recorded" in again.json()["error"]
    assert presence() == {"1": True, "2": True, "3": True, "4": True}
    assert upload_log(client, token, threshold="5000", replace="1").status_code == 200
    assert presence() == {"1": False, "2": False, "3": False, "4": False}
    assert Session.objects.count() == 1


def test_date_field_must_match_the_report(client, token, course):
    response = upload_log(client, token, date="2021-02-14")
    assert response.status_code == 400 and "dated 2021-02-13, not 2021-02-14" in response.json()["error"]


def test_several_files_in_one_upload_are_all_checked_first(client, token, course):
    def good():
        return [upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), upload("form.csv", form_csv("2021-02-11", ["1", "3"]))]

    bad = [*good(), upload("wrong.csv", b"Roll,Present\n1,yes\n")]
    response = client.post("/upload_attendance", {"token": token, "course_id": "CS402", "batch": "2021",
                                                  "end_time": "11:00", "file": bad}, format="multipart")
    assert response.status_code == 400 and "wrong.csv" in response.json()["error"] and db_state() == (0, 0)
    same_day = [upload("a.csv", form_csv("2021-02-11", ["1"])), upload("b.csv", form_csv("2021-02-11", ["2"]))]
    response = client.post("/upload_attendance", {"token": token, "course_id": "CS402", "batch": "2021", "file": same_day},
                           format="multipart")
    assert response.status_code == 400 and "both dated 2021-02-11" in response.json()["error"]
    response = client.post("/upload_attendance", {"token": token, "course_id": "CS402", "batch": "2021",
                                                  "end_time": "11:00", "file": good()}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["dates"] == ["2021-02-11", "2021-02-13"]
    assert response.json()["summary"]["2021-02-11"] == {"present": 2, "absent": 2, "flagged": 0, "still_connected": 0}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "No file was uploaded"),
        ([("empty.csv", b"")], "empty"),
        ([("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")], "is a PDF"),
        ([("wrong.csv", b"Name,Minutes\nAsha,30\n")], "are not those of"),
        ([("two.csv", b'Full Name,User Action,Timestamp\n1,Joined,"13/2/2021, 9:00 AM"\n1,Left,"14/2/2021, 9:00 AM"\n')],
         "covers two dates"),
        ([("form.csv", reports.comma_csv([["Timestamp", "Your Roll Number"], ["2021/02/11 10:00:00", "77"]]))],
         "'77' (row 2)"),
    ],
)
def test_bad_uploads_are_400_naming_the_problem_with_nothing_written(client, token, course, files, message):
    data = {"token": token, "course_id": "CS402", "batch": "2021", "end_time": "11:00"}
    if files:
        data["file"] = [upload(name, content) for name, content in files]
    response = client.post("/upload_attendance", data, format="multipart")
    assert response.status_code == 400, response.json()
    assert message in response.json()["error"]
    assert db_state() == (0, 0)


def test_bom_and_blank_lines_are_accepted(client, token, course):
    rows = reports.fixture_rows()
    data = reports.comma_csv([rows[0], [], *rows[1:5], [], *rows[5:]], bom=True)
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", end_time=END,
                    file=upload("bom.csv", data))
    assert response.status_code == 200, response.json()
    assert dict(Record.objects.values_list("student__roll", "seconds_attended"))["2"] == 2058


def test_current_teams_report_matched_by_name_and_by_email(client, token, db):
    roster = b"Roll Number,Name\n21CS001,Asha Rao\n21CS002,Ben Ng\n"
    post(client, "/add_course", token, course_id="ML", course_name="ML", batch="2026", file=upload("r.csv", roster))
    report = reports.teams_report(
        participants=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "21cs001@uni.edu", "", "Attendee"],
                      ["BEN  NG (External)", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:10:00 AM", "10m 0s", "x@y.z", "", "Attendee"]],
        activities=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "21cs001@uni.edu", "Attendee"],
                    ["BEN  NG (External)", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:10:00 AM", "10m 0s", "x@y.z", "Attendee"]],
    )
    response = post(client, "/upload_attendance", token, course_id="ML", batch="2026", threshold="1800",
                    file=upload("teams.csv", report))
    assert response.status_code == 200, response.json()
    # Asha 40 min = 2400 s ≥ 1800 present; Ben 10 min = 600 s absent.
    assert dict(Record.objects.values_list("student__roll", "seconds_attended")) == {"21CS001": 2400, "21CS002": 600}
    assert post(client, "/upload_attendance", token, course_id="ML", batch="2026", match_by="email", replace="1",
                unknown="ignore", file=upload("teams.csv", report)).status_code == 200


def test_current_teams_report_re_saved_from_excel_as_xlsx(client, token, db):
    roster = b"Roll Number,Name\n21CS001,Asha Rao\n21CS002,Ben Ng\n"
    post(client, "/add_course", token, course_id="ML", course_name="ML", batch="2026", file=upload("r.csv", roster))
    report = reports.teams_report(
        participants=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "a@uni.edu", "", "Attendee"],
                      ["Ben Ng", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:10:00 AM", "10m 0s", "b@uni.edu", "", "Attendee"]],
        encode=lambda rows: reports.xlsx(reports.excel_dates(rows)),
    )
    response = post(client, "/upload_attendance", token, course_id="ML", batch="2026", threshold="1800",
                    file=upload("teams.xlsx", report))
    assert response.status_code == 200, response.json()
    # In-Meeting Duration (no activities section): Asha 40 min = 2400 s, Ben 10 min = 600 s.
    assert dict(Record.objects.values_list("student__roll", "seconds_attended")) == {"21CS001": 2400, "21CS002": 600}
    assert Session.objects.get().date == datetime.date(2026, 2, 13)


def test_a_bad_time_in_an_xlsx_teams_report_names_its_excel_row(client, token, db):
    post(client, "/add_course", token, course_id="ML", course_name="ML", batch="2026",
         file=upload("r.csv", b"Roll Number,Name\n1,Asha Rao\n"))
    report = reports.teams_report(
        participants=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "a@uni.edu", "", "Attendee"],
                      ["Ben Ng", "half past nine", "13/2/2026, 9:10:00 AM", "10m 0s", "b@uni.edu", "", "Attendee"]],
        encode=reports.xlsx,
    )
    response = post(client, "/upload_attendance", token, course_id="ML", batch="2026", file=upload("teams.xlsx", report))
    assert response.status_code == 400
    # Rows 1-6 summary, 7 blank, 8 section title, 9 headings, 10 Asha, 11 Ben.
    assert "Row 11" in response.json()["error"] and "half past nine" in response.json()["error"]
    assert Session.objects.count() == 0


def test_zoom_report(client, token, db):
    post(client, "/add_course", token, course_id="ML", course_name="ML", batch="2026",
         file=upload("r.csv", b"Roll Number,Name\n1,Asha Rao\n2,Ben Ng\n"))
    report = reports.zoom_report([
        ["Asha Rao", "", "13/02/2026 09:01:00 AM", "13/02/2026 09:30:00 AM", "29", "No"],
        ["Asha Rao", "", "13/02/2026 09:20:00 AM", "13/02/2026 09:50:00 AM", "30", "No"],
        ["Benny (Ben Ng)", "", "13/02/2026 09:00:00 AM", "13/02/2026 09:05:00 AM", "5", "No"],
    ])
    response = post(client, "/upload_attendance", token, course_id="ML", batch="2026", file=upload("zoom.csv", report))
    assert response.status_code == 200, response.json()
    # Asha: 9:01–9:50 = 49 min = 2940 s; Ben: 5 min = 300 s.
    assert dict(Record.objects.values_list("student__roll", "seconds_attended")) == {"1": 2940, "2": 300}


# --- Reports -------------------------------------------------------------------------------------------


@pytest.fixture
def four_dates(client, token):
    roster = b"Roll Number,Name\n10,Ten\n2,Two\n007,Seven\n1,One\n"
    post(client, "/add_course", token, course_id="CS-402", course_name="Algo", batch="2021", file=upload("r.csv", roster))
    # Uploaded out of date order. Presence: 10 → 4/4; 2 → 3/4 (75 %); 007 → 2/4; 1 → 0/4.
    for date, rolls in [("2021-02-18", ["10", "2"]), ("2021-02-06", ["10", "2", "007"]),
                        ("2021-02-11", ["10", "007"]), ("2021-02-13", ["10", "2"])]:
        response = post(client, "/upload_attendance", token, course_id="CS-402", batch="2021",
                        file=upload(f"{date}.csv", form_csv(date, rolls)))
        assert response.status_code == 200, response.json()


def download(client, token, down_course="CS-402-2021", **data):
    return post(client, "/download_attendance", token, **{"down-course": down_course, **data})


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_complete_csv_report(client, token, four_dates):
    response = download(client, token, report_type="1", report_format="0")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == "attachment; filename=CS-402_2021_asOf_2021-02-18.csv"
    assert read_csv(response) == [
        ["Sl. No.", "Roll Number", "Name", "2021-02-06", "2021-02-11", "2021-02-13", "2021-02-18",
         "Attended", "Held", "Excused", "Percentage"],
        ["1", "1", "One", "Absent", "Absent", "Absent", "Absent", "0", "4", "0", "0.00"],
        ["2", "2", "Two", "Present", "Absent", "Present", "Present", "3", "4", "0", "75.00"],
        ["3", "007", "Seven", "Present", "Present", "Absent", "Absent", "2", "4", "0", "50.00"],
        ["4", "10", "Ten", "Present", "Present", "Present", "Present", "4", "4", "0", "100.00"],
    ]


def test_defaulter_boundary_is_exactly_the_cutoff(client, token, four_dates):
    default = download(client, token, "CS-402_2021", report_type="0", report_format="0")
    assert default["Content-Disposition"] == 'attachment; filename="CS-402_2021_asOf_2021-02-18(Defaulter).csv"'
    # 75 % (roll 2) is not below 75: not a defaulter. Sl. No. renumbered.
    assert [row[:2] for row in read_csv(default)[1:]] == [["1", "1"], ["2", "007"]]
    stricter = download(client, token, report_type="0", report_format="0", cutoff="75.01")
    assert [row[1] for row in read_csv(stricter)[1:]] == ["1", "2", "007"]


def test_xlsx_report_keeps_rolls_as_text(client, token, four_dates):
    response = download(client, token, report_type="1", report_format="1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename=CS-402_2021_asOf_2021-02-18.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Sl. No.", "Roll Number", "Name", "2021-02-06", "2021-02-11", "2021-02-13", "2021-02-18",
                       "Attended", "Held", "Excused", "Percentage"]
    assert [row[1] for row in rows[1:]] == ["1", "2", "007", "10"]
    assert rows[3][3:] == ["Present", "Present", "Absent", "Absent", 2, 4, 0, 50]


def test_download_without_dates_and_bad_parameters(client, token, course):
    empty = download(client, token, "CS402-2021", report_type="1", report_format="0")
    assert empty.status_code == 400 and "no attendance recorded yet" in empty.json()["error"]
    assert download(client, token, "CS402", report_type="1").status_code == 400
    assert download(client, token, "CS402-2021", report_type="2").status_code == 400
    assert download(client, token, "CS402-2021", cutoff="150").status_code == 400


def test_delete_one_date(client, token, four_dates):
    course = Course.objects.get()
    bad = post(client, "/delete_date", token, course_id="CS-402", batch="2021", date="2021-03-01")
    assert bad.status_code == 400
    response = post(client, "/delete_date", token, course_id="CS-402", batch="2021", date="2021-02-18")
    assert response.status_code == 200
    assert response.json()["course"]["dates"] == ["2021-02-06", "2021-02-11", "2021-02-13"]
    assert Session.objects.filter(course=course).count() == 3 and Record.objects.count() == 12


def test_remove_student_deletes_their_records(client, token, four_dates):
    response = post(client, "/remove_student", token, course_id="CS-402", batch="2021", roll="007")
    assert response.status_code == 200 and "007" not in response.json()["course"]["students"]
    assert Record.objects.count() == 12
    assert post(client, "/remove_student", token, course_id="CS-402", batch="2021", roll="007").status_code == 400


# --- Isolation ------------------------------------------------------------------------------------------


def test_another_teacher_gets_404_on_every_route(client, token, four_dates):
    other = signup(APIClient(), email="b@uni.edu", name="Bea")
    course_fields = {"course_id": "CS-402", "batch": "2021"}
    attempts = [
        ("/delete_course", course_fields),
        ("/upload_attendance", {**course_fields, "file": upload("f.csv", form_csv("2021-03-01", ["1"]))}),
        ("/download_attendance", {"down-course": "CS-402-2021", "report_type": "1", "report_format": "0"}),
        ("/add_students", {**course_fields, "file": upload("r.csv", b"Roll Number,Name\n9,Nine\n")}),
        ("/remove_student", {**course_fields, "roll": "1"}),
        ("/delete_date", {**course_fields, "date": "2021-02-06"}),
    ]
    before = (Course.objects.count(), *db_state())
    for route, data in attempts:
        response = post(APIClient(), route, other, **data)
        assert response.status_code == 404, route
        assert response.json() == {"error": "You have no course CS-402 for batch 2021."}
    assert (Course.objects.count(), *db_state()) == before
    assert post(APIClient(), "/get_all_courses", other).json() == {"courses": []}
    bob = APIClient()
    bob.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert bob.get(f"/api/courses/{Course.objects.get().pk}/").status_code == 404
    assert bob.get("/api/courses/").json()["results"] == []
    # Course ids are per teacher: B may use the same id and batch.
    same = post(APIClient(), "/add_course", other, course_id="CS-402", course_name="Mine", batch="2021",
                file=upload("r.csv", b"Roll Number,Name\n1,X\n"))
    assert same.status_code == 200


def test_a_downloaded_report_used_as_a_roster_keeps_names_and_rolls_as_typed(client, token):
    people = [("@r1", "=HYPERLINK(\"http://x\")"), ("+A2", "+Plus Name"), ("-7", "Plain"), ("9", "-Minus")]
    roster = reports.comma_csv([["Roll Number", "Name"], *[[roll, name] for roll, name in people]])
    assert post(client, "/add_course", token, course_id="HOST", course_name="H", batch="2026",
                file=upload("r.csv", roster)).status_code == 200
    assert post(client, "/upload_attendance", token, course_id="HOST", batch="2026",
                file=upload("form.csv", form_csv("2026-03-02", ["9"]))).status_code == 200
    download = post(client, "/download_attendance", token, **{"down-course": "HOST-2026", "report_type": "1", "report_format": "0"})
    exported = b"".join(download.streaming_content)
    assert b"'=HYPERLINK" in exported and b"'+A2,'+Plus Name" in exported  # guarded on the way out
    copied = post(client, "/add_course", token, course_id="COPY", course_name="C", batch="2026",
                  file=upload("report.csv", exported))
    assert copied.status_code == 200, copied.json()
    students = Course.objects.get(course_id="COPY").students.values_list("roll", "name")
    assert sorted(students) == sorted(people)
