"""Several sessions on one date (issue 14 item 4), through the seed's routes with a token from /api_signup.

Report times used below: the fixture Test2.csv (a legacy Teams list of 13/2/2021) states no start, and its
first join is roll 1's at 9:35:35 AM, so its session starts at 09:35.
"""

import csv
import datetime
import io

import pytest
from rest_framework.test import APIClient

from attendance.models import Record, Session
from attendance.tests import reports
from attendance.tests.test_api_attendance import form_csv, post, signup, upload


def legacy_log(day: str, events) -> bytes:
    """A legacy Teams list: `events` are (roll, action, "h:mm:ss AM") on `day` (d/m/yyyy)."""
    return reports.comma_csv([["Full Name", "User Action", "Timestamp"], *([roll, action, f"{day}, {at}"] for roll, action, at in events)])


AFTERNOON = legacy_log(
    "13/2/2021",
    [("1", "Joined", "2:00:00 PM"), ("1", "Left", "2:50:00 PM"), ("2", "Joined", "2:05:00 PM"), ("2", "Left", "2:45:00 PM")],
)


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def token(client, db):
    return signup(client)


@pytest.fixture
def course(client, token):
    response = post(client, "/add_course", token, course_id="CS402", course_name="Algorithms", batch="2021",
                    file=upload("students.csv", reports.ROSTER.read_bytes()))
    assert response.status_code == 200
    return response


def morning(client, token, **fields):
    return post(client, "/upload_attendance", token, course_id="CS402", batch="2021", end_time="11:00", threshold="60",
                file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), **fields)


def afternoon(client, token, **fields):
    return post(client, "/upload_attendance", token, course_id="CS402", batch="2021", threshold="60",
                file=upload("afternoon.csv", AFTERNOON), **fields)


def courses(client, token):
    return client.post("/get_all_courses", {"api": "1", "token": token}, format="json").json()["courses"]


def download(client, token, **fields):
    response = post(client, "/download_attendance", token, **{"down-course": "CS402-2021", "report_type": "1",
                                                              "report_format": "0", **fields})
    assert response.status_code == 200, response.content
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def starts():
    return sorted((f"{date:%Y-%m-%d}", f"{start:%H:%M}") for date, start in Session.objects.values_list("date", "start_time"))


def test_two_sessions_on_one_date_through_the_seed_routes(client, token, course):
    # The morning lecture: one session on the date, so every seed answer is as before.
    first = morning(client, token)
    assert first.status_code == 200, first.json()
    assert first.json()["summary"] == {"2021-02-13": {"present": 4, "absent": 0, "flagged": 0, "still_connected": 0}}
    assert first.json()["sessions"] == [
        {"date": "2021-02-13", "start_time": "09:35", "heading": "2021-02-13", "file": "Test2.csv", "replaced": False,
         "statuses": {"present": 4, "late": 0, "excused": 0, "absent": 0}}
    ]
    assert courses(client, token)[0]["dates"] == ["2021-02-13"]
    assert download(client, token)[0][:4] == ["Sl. No.", "Roll Number", "Name", "2021-02-13"]

    # The afternoon lab, named by its start time: a second session on the date.
    second = afternoon(client, token, start_time="14:00")
    assert second.status_code == 200, second.json()
    body = second.json()
    assert body["message"] == "Attendance recorded for 2021-02-13 14:00."
    # Rolls 1 (50 min) and 2 (40 min) were there, 3 and 4 were not.
    assert body["summary"] == {"2021-02-13 14:00": {"present": 2, "absent": 2, "flagged": 0, "still_connected": 0}}
    assert starts() == [("2021-02-13", "09:35"), ("2021-02-13", "14:00")]

    # Each session is now its own column, named by date and start time, in reports and course objects alike.
    [course_object] = courses(client, token)
    assert course_object["dates"] == ["2021-02-13 09:35", "2021-02-13 14:00"]
    assert course_object["students"]["3"] == {"2021-02-13 09:35": True, "2021-02-13 14:00": False}
    rows = download(client, token)
    assert rows[0][:5] == ["Sl. No.", "Roll Number", "Name", "2021-02-13 09:35", "2021-02-13 14:00"]
    assert rows[3][:5] == ["3", "3", "Ranesha", "Present", "Absent"]

    # A call that does not say which session is refused, naming the start times; nothing changes.
    for response in (
        afternoon(client, token, replace="1"),
        post(client, "/delete_date", token, course_id="CS402", batch="2021", date="2021-02-13"),
    ):
        assert response.status_code == 400
        assert "2021-02-13 has sessions at 09:35 and 14:00" in response.json()["error"]
        assert "start_time" in response.json()["error"]
    assert starts() == [("2021-02-13", "09:35"), ("2021-02-13", "14:00")]

    # Named, the lab is deleted; the date has one session again and is named by its date alone.
    deleted = post(client, "/delete_date", token, course_id="CS402", batch="2021", date="2021-02-13", start_time="14:00")
    assert deleted.status_code == 200, deleted.json()
    assert deleted.json()["message"] == "Deleted the attendance of 2021-02-13 at 14:00 from CS402-2021."
    assert deleted.json()["course"]["dates"] == ["2021-02-13"]
    assert starts() == [("2021-02-13", "09:35")]


def test_a_second_report_of_a_recorded_date_without_start_time_is_refused_with_the_way_to_add_it(client, token, course):
    assert morning(client, token).status_code == 200
    refused = afternoon(client, token)
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "Attendance for 2021-02-13 (afternoon.csv) has already been recorded. afternoon.csv starts at 14:00 and the "
        "recorded session at 09:35: send start_time=14:00 to record it as another session on that date, or "
        "replace=1 to replace the recorded one."
    )
    assert starts() == [("2021-02-13", "09:35")]


def test_replace_with_one_session_on_the_date_replaces_it_in_place(client, token, course):
    assert morning(client, token).status_code == 200
    session = Session.objects.get()
    records = set(Record.objects.values_list("pk", flat=True))
    replaced = afternoon(client, token, replace="1")
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["message"] == "Attendance recorded for 2021-02-13 (replacing what was recorded before for 2021-02-13)."
    # The same session and the same records, now holding the afternoon report and its start.
    again = Session.objects.get()
    assert again.pk == session.pk and f"{again.start_time:%H:%M}" == "14:00"
    assert set(Record.objects.values_list("pk", flat=True)) == records
    assert dict(Record.objects.values_list("student__roll", "present")) == {"1": True, "2": True, "3": False, "4": False}


def test_replace_naming_a_start_time_replaces_that_session_only(client, token, course):
    assert morning(client, token).status_code == 200
    assert afternoon(client, token, start_time="14:00").status_code == 200
    # Already recorded at 14:00: refused without replace=1, replaced with it.
    again = afternoon(client, token, start_time="14:00")
    assert again.status_code == 400
    assert again.json()["error"] == (
        "Attendance for 2021-02-13 at 14:00 (afternoon.csv) has already been recorded; send replace=1 to replace it."
    )
    replaced = afternoon(client, token, start_time="14:00", replace="1", flags="1")
    assert replaced.status_code == 200
    assert replaced.json()["summary"] == {"2021-02-13 14:00": {"present": 1, "absent": 3, "flagged": 1, "still_connected": 0}}
    morning_marks = Record.objects.filter(session__start_time=datetime.time(9, 35))
    assert morning_marks.filter(present=True).count() == 4


@pytest.mark.parametrize(
    ("data", "expected", "why"),
    [
        (reports.teams_report(participants=[["Shreya", "13/2/2026, 9:04:00 AM", "13/2/2026, 9:58:00 AM", "54m 0s",
                                             "s@uni.edu", "s@uni.edu", "Attendee"]],
                              start="13/2/2026, 8:58:30 AM"), "08:58", "the Teams summary's Start time, to the minute"),
        (reports.zoom_report([["Shreya", "s@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:30:00 AM", "29", "No"]]),
         "09:00", "the Zoom meeting block's Start Time"),
        (reports.zoom_report([["Shreya", "s@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:30:00 AM", "29", "No"]],
                             summary=False), "09:01", "no stated start: the first join"),
        (form_csv("2026-02-13", ["1"]), "00:00", "a form's responses are not a class's times"),
    ],
)
def test_a_new_sessions_start_comes_from_the_report(client, token, course, data, expected, why):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", file=upload("r.csv", data))
    assert response.status_code == 200, response.json()
    assert response.json()["sessions"][0]["start_time"] == expected, why


def test_the_teachers_start_time_comes_before_the_reports(client, token, course):
    data = reports.zoom_report([["Shreya", "s@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:30:00 AM", "29", "No"]])
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", start_time="9:10",
                    file=upload("r.csv", data))
    assert response.status_code == 200 and response.json()["sessions"][0]["start_time"] == "09:10"


def test_two_reports_of_one_date_in_one_upload_are_two_sessions_when_they_start_apart(client, token, course):
    # No end_time (one would not fit both): the morning list's open connections run to its last event.
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", threshold="60",
                    file=[upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), upload("afternoon.csv", AFTERNOON)])
    assert response.status_code == 200, response.json()
    assert response.json()["message"].startswith("Attendance recorded for 2021-02-13 09:35, 2021-02-13 14:00. ")
    assert list(response.json()["still_connected"]) == ["2021-02-13 09:35"]
    assert starts() == [("2021-02-13", "09:35"), ("2021-02-13", "14:00")]


@pytest.mark.parametrize("value", ["25:00", "9", "09:00:00", "nine", "9:00 AM"])
def test_a_start_time_that_is_not_hh_mm_is_a_400(client, token, course, value):
    response = afternoon(client, token, start_time=value)
    assert response.status_code == 400 and "start_time must be a time of day as HH:MM" in response.json()["error"]
    assert not Session.objects.exists()


def test_deleting_a_start_time_the_date_does_not_have_names_those_it_has(client, token, course):
    assert morning(client, token).status_code == 200
    response = post(client, "/delete_date", token, course_id="CS402", batch="2021", date="2021-02-13", start_time="14:00")
    assert response.status_code == 400
    assert response.json()["error"] == (
        "No attendance is recorded for 2021-02-13 at 14:00 in CS402-2021; 2021-02-13 has sessions at 09:35."
    )


def test_an_upload_job_keeps_the_start_time(client, token, course):
    from jobs.tests.test_jobs import run_queued_tasks

    assert morning(client, token).status_code == 200
    queued = post(client, "/upload_attendance?async=1", token, course_id="CS402", batch="2021", threshold="60",
                  start_time="14:00", file=upload("afternoon.csv", AFTERNOON))
    assert queued.status_code == 202, queued.json()
    run_queued_tasks()
    assert starts() == [("2021-02-13", "09:35"), ("2021-02-13", "14:00")]
