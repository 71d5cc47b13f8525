"""Statuses from reports (issue 14 item 5): Present, Late (the course's late allowance), Absent."""

import pytest
from rest_framework.test import APIClient

from attendance.models import Course, Record
from attendance.tests import reports
from attendance.tests.test_api_attendance import form_csv, post, signup, upload


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
    return Course.objects.get()


def set_allowance(client, token, course, minutes):
    response = client.patch(f"/api/courses/{course.pk}/", {"late_allowance_minutes": minutes}, format="json",
                            HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200, response.json()
    assert response.json()["late_allowance_minutes"] == minutes


def zoom(*joins):
    """A Zoom report of 13/02/2026 whose meeting block states the Start Time 09:00; `joins` are
    (name, join "hh:mm:ss AM", leave "hh:mm:ss AM")."""
    return reports.zoom_report(
        [[name, "", f"13/02/2026 {joined}", f"13/02/2026 {left}", "0", "No"] for name, joined, left in joins]
    )


# The roster: 1 Shreya, 2 Riya, 3 Ranesha, 4 Ritwik. The session starts at 09:00 (the Zoom meeting block).
BOUNDARY = zoom(
    ("Shreya", "09:10:00 AM", "09:58:00 AM"),  # exactly 10 minutes after the start: not late
    ("Riya", "09:10:01 AM", "09:58:00 AM"),  # one second more: late
    ("Ranesha", "09:30:00 AM", "09:31:00 AM"),  # late, but 60 s < the 600 s threshold: absent
    ("Ritwik", "08:55:00 AM", "09:58:00 AM"),  # early
)


def statuses():
    return dict(Record.objects.values_list("student__roll", "status"))


def upload_report(client, token, data, **fields):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", threshold="600",
                    file=upload("zoom.csv", data), **fields)
    assert response.status_code == 200, response.json()
    return response.json()


def test_late_is_joining_more_than_the_allowance_after_the_start(client, token, course):
    set_allowance(client, token, course, 10)
    body = upload_report(client, token, BOUNDARY, flags="4")
    assert statuses() == {"1": "present", "2": "late", "3": "absent", "4": "absent"}  # 4 flagged: absent
    # Late is present to every true/false reader: the seed's summary counts it present.
    assert body["summary"] == {"2026-02-13": {"present": 2, "absent": 2, "flagged": 1, "still_connected": 0}}
    assert body["sessions"][0]["statuses"] == {"present": 1, "late": 1, "excused": 0, "absent": 2}
    assert dict(Record.objects.values_list("student__roll", "present")) == {"1": True, "2": True, "3": False, "4": False}
    # The first join is kept, to the second: what Late was judged on.
    assert Record.objects.get(student__roll="2").first_join.isoformat() == "09:10:01"


def test_without_an_allowance_nobody_is_late(client, token, course):
    upload_report(client, token, BOUNDARY)
    assert statuses() == {"1": "present", "2": "present", "3": "absent", "4": "present"}


def test_an_allowance_of_zero_makes_any_join_after_the_start_late(client, token, course):
    set_allowance(client, token, course, 0)
    upload_report(client, token, zoom(("Shreya", "09:00:00 AM", "09:50:00 AM"), ("Riya", "09:00:01 AM", "09:50:00 AM")))
    assert statuses() == {"1": "present", "2": "late", "3": "absent", "4": "absent"}


def test_late_is_measured_from_the_start_time_the_teacher_sends(client, token, course):
    # Sent 09:05: the deadline is 09:15, so Riya (09:10:01) is on time.
    set_allowance(client, token, course, 10)
    upload_report(client, token, BOUNDARY, start_time="09:05")
    assert statuses() == {"1": "present", "2": "present", "3": "absent", "4": "present"}


def test_nobody_is_late_in_a_report_without_times(client, token, course):
    # A form's responses give no start (the session is at 00:00) and no join times.
    set_allowance(client, token, course, 0)
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021",
                    file=upload("form.csv", form_csv("2026-02-13", ["1", "2"])))
    assert response.status_code == 200
    assert statuses() == {"1": "present", "2": "present", "3": "absent", "4": "absent"}


def test_a_new_allowance_applies_when_a_report_is_uploaded_again(client, token, course):
    upload_report(client, token, BOUNDARY)
    set_allowance(client, token, course, 10)
    assert statuses()["2"] == "present"  # what was recorded stays as it was judged
    upload_report(client, token, BOUNDARY, replace="1")
    assert statuses()["2"] == "late"


@pytest.mark.parametrize("minutes", [-1, 1441, "ten"])
def test_a_late_allowance_out_of_range_is_a_400(client, token, course, minutes):
    response = client.patch(f"/api/courses/{course.pk}/", {"late_allowance_minutes": minutes}, format="json",
                            HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 400 and response.json()["error"]
    course.refresh_from_db()
    assert course.late_allowance_minutes is None


def test_a_late_allowance_is_cleared_with_null(client, token, course):
    set_allowance(client, token, course, 5)
    set_allowance(client, token, course, None)
    course.refresh_from_db()
    assert course.late_allowance_minutes is None
