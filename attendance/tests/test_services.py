"""Services called directly: concurrency of uploads, and the roster import of the admin."""

import datetime
import threading

import pytest
import tablib
from django.db import connection

from attendance import services
from attendance.models import Course, CourseStudent, Record, Session
from attendance.resources import CourseStudentResource
from attendance.tests import reports
from doubtfire.tests.factories import UserFactory


def make_course(owner):
    roster = services.read_roster(name="students.csv", data=reports.ROSTER.read_bytes())
    return services.create_course(owner=owner, course_id="CS402", course_name="Algo", batch=2021, roster=roster)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_one_date_record_one_session():
    owner = UserFactory()
    course = make_course(owner)
    barrier = threading.Barrier(2)
    outcomes = []

    def upload():
        try:
            barrier.wait()
            services.record_attendance(
                course=course,
                uploaded_by=owner,
                files=[("Test2.csv", reports.TEAMS_LOG.read_bytes())],
                options=services.UploadOptions(end_time="11:00"),
            )
            outcomes.append("recorded")
        except services.AttendanceError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "recorded"
    assert "already been recorded" in sorted(outcomes)[0] or "just been recorded" in sorted(outcomes)[0]
    assert Session.objects.filter(course=course).count() == 1


def test_create_course_keeps_leading_zeros(db):
    course = services.create_course(
        owner=UserFactory(), course_id="X", course_name="X", batch=2024,
        roster=services.read_roster(name="r.csv", data=b"Roll Number,Name\n007,Bond\n"),
    )
    assert list(course.students.values_list("roll", flat=True)) == ["007"]


def test_roster_resource_imports_and_exports_rolls_as_text(db):
    course = make_course(UserFactory())
    dataset = tablib.Dataset(headers=["Course", "Roll Number", "Name"])
    dataset.append([course.pk, "005", "Five"])
    dataset.append([course.pk, "1", "Shreya K"])
    result = CourseStudentResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert CourseStudent.objects.get(course=course, roll="005").name == "Five"
    assert CourseStudent.objects.get(course=course, roll="1").name == "Shreya K"
    exported = CourseStudentResource().export()
    assert exported.headers == ["Course", "Roll Number", "Name"]
    assert [course.pk, "005", "Five"] in [list(row) for row in exported] or [str(course.pk), "005", "Five"] in [
        list(row) for row in exported
    ]
    assert Course.objects.count() == 1


def test_unknown_participants_come_with_the_people_for_a_page_and_the_sentence_for_the_api(db):
    owner = UserFactory()
    course = make_course(owner)
    services.remove_student(course=course, roll="4")
    with pytest.raises(services.UnknownParticipants) as raised:
        services.record_attendance(
            course=course,
            uploaded_by=owner,
            files=[("Test2.csv", reports.TEAMS_LOG.read_bytes())],
            options=services.UploadOptions(end_time="11:00"),
        )
    error = raised.value
    assert isinstance(error, services.AttendanceError)  # the API's 400 is unchanged
    assert error.file_name == "Test2.csv"
    # Test2.csv's display name "4" first appears on row 4.
    assert [(p.key, p.first_row) for p in error.participants] == [("4", 4)]
    assert "'4' (row 4)" in error.message and "unknown=ignore" in error.message
    assert not Session.objects.exists()


# --- Still connected when the list was saved (SPEC §3, issue 12) ----------------------------------------


def record_without_end_time(course, owner, files, **options):
    return services.record_attendance(course=course, uploaded_by=owner, files=files, options=services.UploadOptions(**options))


def marks(course):
    return {
        roll: (seconds, still)
        for roll, seconds, still in Record.objects.filter(session__course=course).values_list(
            "student__roll", "seconds_attended", "still_connected"
        )
    }


def test_the_files_last_event_counts_even_when_it_is_someone_left_out(db):
    # Roll 1 is taken off the roster and left out with unknown=ignore, but the file's last event is still its
    # join at 10:42:03 (row 11): the list was saved then. Roll 3: 9:40:30–10:42:03 = 3693 s; roll 4:
    # 9:44:46–10:42:03 = 3437 s; roll 2 left at 10:13:15: 9:38:57–10:13:15 = 2058 s.
    owner = UserFactory()
    course = make_course(owner)
    services.remove_student(course=course, roll="1")
    result = record_without_end_time(course, owner, [("Test2.csv", reports.TEAMS_LOG.read_bytes())], ignore_unknown=True)
    assert marks(course) == {"2": (2058, False), "3": (3693, True), "4": (3437, True)}
    still = result.still_connected["2021-02-13"]
    assert (still.rolls, still.counted_to) == (["3", "4"], datetime.datetime(2021, 2, 13, 10, 42, 3))


def test_a_list_whose_last_rows_are_leaves_counts_to_the_last_leave(db):
    # Roll 1 joins 9:00 and never leaves; roll 2 joins 9:10 and leaves 9:55, the last event.
    # Roll 1: 9:00–9:55 = 55 min = 3300 s, still connected. Roll 2: 45 min = 2700 s.
    owner = UserFactory()
    course = make_course(owner)
    log = reports.comma_csv([
        ["Full Name", "User Action", "Timestamp"],
        ["1", "Joined", "13/2/2021, 9:00:00 AM"],
        ["2", "Joined", "13/2/2021, 9:10:00 AM"],
        ["2", "Left", "13/2/2021, 9:55:00 AM"],
    ])
    record_without_end_time(course, owner, [("log.csv", log)])
    assert marks(course) == {"1": (3300, True), "2": (2700, False), "3": (0, False), "4": (0, False)}


def test_current_teams_and_zoom_reports_close_every_connection_so_nobody_is_marked(db):
    # Both formats give a leave time for every join, so no connection is left open without end_time.
    owner = UserFactory()
    course = services.create_course(
        owner=owner, course_id="ML", course_name="ML", batch=2026,
        roster=services.read_roster(name="r.csv", data=b"Roll Number,Name\n1,Asha Rao\n2,Ben Ng\n"),
    )
    teams = reports.teams_report(
        participants=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "a@uni.edu", "", "Attendee"]],
        activities=[["Asha Rao", "13/2/2026, 9:00:00 AM", "13/2/2026, 9:40:00 AM", "40m 0s", "a@uni.edu", "Attendee"]],
    )
    zoom = reports.zoom_report([["Ben Ng", "", "14/02/2026 09:00:00 AM", "14/02/2026 09:05:00 AM", "5", "No"]])
    result = record_without_end_time(course, owner, [("teams.csv", teams), ("zoom.csv", zoom)])
    # Asha 9:00–9:40 = 2400 s on the 13th; Ben 9:00–9:05 = 300 s on the 14th.
    assert sorted(Record.objects.filter(seconds_attended__gt=0).values_list("student__roll", "seconds_attended")) == [
        ("1", 2400), ("2", 300)
    ]
    assert result.still_connected == {}
    assert not Record.objects.filter(still_connected=True).exists()
