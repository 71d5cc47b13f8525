"""Services called directly: concurrency of uploads, and the roster import of the admin."""

import threading

import pytest
import tablib
from django.db import connection

from attendance import services
from attendance.models import Course, CourseStudent, Session
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
