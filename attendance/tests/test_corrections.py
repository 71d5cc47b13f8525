"""Correcting a cell by hand, its history, and re-uploads that meet a correction (issue 14 item 5).

The fixture Test2.csv with end_time 11:00 and threshold 2000 s (test_api_attendance): roll 1 was connected
1081 s (Absent), rolls 2, 3, 4 2058, 4770 and 4514 s (Present).
"""

import datetime

import pytest
from rest_framework.test import APIClient

from attendance.models import Course, CourseStudent, Record, RecordChange
from attendance.tests import reports
from attendance.tests.test_api_attendance import END, post, signup, upload


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


def record(client, token, **fields):
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", end_time=END,
                    threshold="2000", file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()), **fields)
    assert response.status_code == 200, response.json()
    return response.json()


def correct(client, token, course, **fields):
    return client.post(f"/api/courses/{course.pk}/corrections/", fields, format="json",
                       HTTP_AUTHORIZATION=f"Token {token}")


def history(client, token, course, **params):
    return client.get(f"/api/courses/{course.pk}/history/", params, HTTP_AUTHORIZATION=f"Token {token}")


def status_of(roll):
    return Record.objects.get(student__roll=roll).status


def test_a_correction_sets_the_status_and_starts_the_cells_history(client, token, course):
    record(client, token)
    response = correct(client, token, course, roll="1", date="2021-02-13", status="excused", remark="Doctor's note")
    assert response.status_code == 201, response.json()
    cell = response.json()
    assert {key: cell[key] for key in ("roll", "name", "session", "start_time", "status", "present", "corrected",
                                       "seconds_attended", "flagged")} == {
        "roll": "1", "name": "Shreya", "session": "2021-02-13", "start_time": "09:35", "status": "Excused",
        "present": False, "corrected": True, "seconds_attended": 1081, "flagged": False,
    }
    assert cell["recorded"]["source_format"] == "Microsoft Teams attendance list (legacy event log)"
    assert cell["recorded"]["uploaded_by"] == "asha.rao@uni.edu"
    [change] = cell["history"]
    assert {key: change[key] for key in ("changed_by", "source", "before", "after", "remark")} == {
        "changed_by": "asha.rao@uni.edu", "source": "correction", "before": "Absent", "after": "Excused",
        "remark": "Doctor's note",
    }
    assert history(client, token, course, roll="1", date="2021-02-13").json() == cell
    # The seed's true/false stays what it is (Excused is not present); the refinement is beside it.
    [course_object] = client.post("/get_all_courses", {"api": "1", "token": token}, format="json").json()["courses"]
    assert course_object["students"]["1"] == {"2021-02-13": False}
    assert course_object["statuses"] == {"1": {"2021-02-13": "Excused"}}


def test_a_manual_correction_survives_a_re_upload_and_the_reply_says_so(client, token, course):
    record(client, token)
    assert correct(client, token, course, roll="1", date="2021-02-13", status="Excused", remark="Doctor's note").status_code == 201
    # A correction the report agrees with is no conflict: nothing to say about it.
    assert correct(client, token, course, roll="2", date="2021-02-13", status="Present", remark="Checked").status_code == 201

    again = record(client, token, replace="1")
    assert again["corrections"] == {
        "kept": [{"roll": "1", "session": "2021-02-13", "correction": "Excused", "report": "Absent"}],
        "overwritten": [],
    }
    assert again["message"] == (
        "Attendance recorded for 2021-02-13 (replacing what was recorded before for 2021-02-13). 1 manual correction "
        "was kept where the report says otherwise: roll 1 on 2021-02-13 stays Excused (the report says Absent). "
        "Send overwrite_corrections=1 to replace corrections with the report's marks."
    )
    # What is recorded counts the correction: 3 present, 1 absent (Excused), as the statuses say.
    assert again["summary"]["2021-02-13"] == {"present": 3, "absent": 1, "flagged": 0, "still_connected": 0}
    assert again["sessions"][0]["statuses"] == {"present": 3, "late": 0, "excused": 1, "absent": 0}
    assert (status_of("1"), status_of("2")) == ("excused", "present")
    assert RecordChange.objects.count() == 2  # the two corrections; the re-upload changed nothing

    # Told to, the report's marks replace the corrections; the history says who did it, when and why.
    overwritten = record(client, token, replace="1", overwrite_corrections="1")
    assert overwritten["corrections"] == {
        "kept": [],
        "overwritten": [{"roll": "1", "session": "2021-02-13", "correction": "Excused", "report": "Absent"}],
    }
    assert overwritten["message"].endswith(
        "1 manual correction was replaced by the report's marks: roll 1 on 2021-02-13 is now Absent (was Excused)."
    )
    assert status_of("1") == "absent"
    cell = history(client, token, course, roll="1", date="2021-02-13").json()
    assert cell["corrected"] is False
    assert [(c["source"], c["before"], c["after"]) for c in cell["history"]] == [
        ("correction", "Absent", "Excused"),
        ("upload", "Excused", "Absent"),
    ]
    assert cell["history"][1]["remark"] == "The report uploaded again with overwrite_corrections=1 replaced a correction."
    # Roll 2's correction agreed with the report: still a correction, kept without a word.
    assert Record.objects.get(student__roll="2").corrected


def test_a_re_upload_that_changes_a_status_adds_it_to_the_history(client, token, course):
    record(client, token)
    # Threshold 2100 s: roll 2 (2058 s) is now absent.
    response = post(client, "/upload_attendance", token, course_id="CS402", batch="2021", end_time=END,
                    threshold="2100", replace="1", file=upload("Test2.csv", reports.TEAMS_LOG.read_bytes()))
    assert response.status_code == 200
    [change] = history(client, token, course, roll="2", date="2021-02-13").json()["history"]
    assert (change["source"], change["before"], change["after"], change["remark"]) == (
        "upload", "Present", "Absent", "The report uploaded again says otherwise."
    )


def test_correcting_a_blank_cell_makes_it(client, token, course):
    record(client, token)
    CourseStudent.objects.create(course=course, roll="5", name="Enrolled after the date")
    assert history(client, token, course, roll="5", date="2021-02-13").json()["status"] is None
    response = correct(client, token, course, roll="5", date="2021-02-13", status="Present", remark="Was there, not yet listed")
    assert response.status_code == 201
    assert response.json()["history"][0]["before"] is None
    assert status_of("5") == "present"


def test_several_sessions_on_the_date_need_the_start_time(client, token, course):
    from attendance.tests.test_api_sessions import AFTERNOON

    record(client, token)
    assert post(client, "/upload_attendance", token, course_id="CS402", batch="2021", start_time="14:00",
                file=upload("afternoon.csv", AFTERNOON)).status_code == 200
    refused = correct(client, token, course, roll="3", date="2021-02-13", status="Excused", remark="Sick")
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "2021-02-13 has sessions at 09:35 and 14:00 in CS402-2021; send start_time (HH:MM) to say which."
    )
    named = correct(client, token, course, roll="3", date="2021-02-13", start_time="14:00", status="Excused", remark="Sick")
    assert named.status_code == 201 and named.json()["session"] == "2021-02-13 14:00"
    assert Record.objects.get(student__roll="3", session__start_time="14:00").status == "excused"
    assert Record.objects.get(student__roll="3", session__start_time="09:35").status == "present"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "Excused", "remark": "  "}, "remark"),
        ({"status": "Excused"}, "remark: This field is required."),
        ({"status": "Sick", "remark": "x"}, "status must be one of Present, Late, Excused, Absent, not 'Sick'."),
        ({"status": "Excused", "remark": "x" * 501}, "remark"),
        ({"status": "Excused", "remark": "x", "roll": "99"}, "Roll 99 is not enrolled in CS402-2021."),
        ({"status": "Excused", "remark": "x", "date": "2021-02-14"}, "No attendance is recorded for 2021-02-14 in CS402-2021."),
        ({"status": "Excused", "remark": "x", "date": "13/02/2021"}, "date:"),
        ({"status": "Excused", "remark": "x", "start_time": "9"}, "start_time:"),
    ],
)
def test_a_correction_that_cannot_be_made_is_a_400_and_changes_nothing(client, token, course, fields, message):
    record(client, token)
    response = correct(client, token, course, **{"roll": "1", "date": "2021-02-13", **fields})
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert status_of("1") == "absent" and not RecordChange.objects.exists()


def test_another_teachers_course_is_not_found(client, token, course):
    record(client, token)
    other = signup(APIClient(), email="other@uni.edu")
    response = correct(client, other, course, roll="1", date="2021-02-13", status="Excused", remark="x")
    assert response.status_code == 404
    assert history(client, other, course, roll="1", date="2021-02-13").status_code == 404
    assert status_of("1") == "absent"


@pytest.mark.parametrize("students", [3, 40])
def test_a_cells_history_costs_the_same_whatever_the_course(client, token, course, students, django_assert_max_num_queries):
    record(client, token)
    CourseStudent.objects.bulk_create(CourseStudent(course=course, roll=f"x{n}", name="N") for n in range(students))
    for remark in ("one", "two", "three"):
        correct(client, token, course, roll="1", date="2021-02-13", status="Excused", remark=remark)
    from attendance import selectors

    with django_assert_max_num_queries(4):
        cell = selectors.cell_history(course=course, roll="1", date=datetime.date(2021, 2, 13))
        cell.as_dict()
    assert len(cell.changes) == 3


# 100: within one batch of SQLite's bulk update (999 parameters); bigger rosters are written in a few batches.
@pytest.mark.parametrize("students", [4, 100])
def test_a_re_upload_costs_the_same_queries_whatever_the_roster(owner_course_of, students, django_assert_max_num_queries):
    from attendance import services
    from attendance.tests.test_api_attendance import form_csv

    course, owner = owner_course_of(students)
    rolls = [str(n) for n in range(1, students + 1)]
    report = [("form.csv", form_csv("2026-02-13", rolls[::2]))]
    services.record_attendance(course=course, uploaded_by=owner, files=report, options=services.UploadOptions())
    services.correct_attendance(course=course, roll="2", date=datetime.date(2026, 2, 13), status="Excused", remark="Ill",
                                changed_by=owner)
    # Roster, course lock, sessions of the date, students, session update, their records, record update, history
    # insert (every roll flips), statuses counted, and the savepoint and its release.
    with django_assert_max_num_queries(11):
        result = services.record_attendance(
            course=course, uploaded_by=owner, files=[("form.csv", form_csv("2026-02-13", rolls[1::2]))],
            options=services.UploadOptions(replace=True),
        )
    assert result.corrections_kept == [{"roll": "2", "session": "2026-02-13", "correction": "Excused", "report": "Present"}]


@pytest.fixture
def owner_course_of(db):
    from doubtfire.tests.factories import UserFactory

    def make(students):
        owner = UserFactory()
        course = Course.objects.create(owner=owner, course_id="Q", course_name="Q", batch=2026)
        CourseStudent.objects.bulk_create(CourseStudent(course=course, roll=str(n), name=f"S{n}") for n in range(1, students + 1))
        return course, owner

    return make
