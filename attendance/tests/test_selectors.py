"""Reports and course objects cost a fixed number of queries whatever the size of the course."""

import datetime

import pytest

from attendance import selectors
from attendance.models import Course, CourseStudent, Record, Session
from doubtfire.tests.factories import UserFactory


def build_course(owner, *, students: int, dates: int, course_id="C1") -> Course:
    course = Course.objects.create(owner=owner, course_id=course_id, course_name="C", batch=2026)
    roster = CourseStudent.objects.bulk_create(
        CourseStudent(course=course, roll=str(n), name=f"Student {n}") for n in range(1, students + 1)
    )
    sessions = Session.objects.bulk_create(
        Session(course=course, date=datetime.date(2026, 3, 1) + datetime.timedelta(days=d), source_format="google_form")
        for d in range(dates)
    )
    Record.objects.bulk_create(
        Record(session=session, student=student, present=(i + j) % 3 != 0)
        for i, session in enumerate(sessions)
        for j, student in enumerate(roster)
    )
    return course


@pytest.mark.parametrize(("students", "dates"), [(3, 2), (80, 12)])
def test_report_query_count_is_constant(db, django_assert_max_num_queries, students, dates):
    course = build_course(UserFactory(), students=students, dates=dates)
    with django_assert_max_num_queries(3):
        report = selectors.attendance_report(course=course)
    assert len(report.rows) == students and len(report.header) == 3 + dates
    with django_assert_max_num_queries(3):
        selectors.attendance_report(course=course, defaulters_only=True)


@pytest.mark.parametrize(("students", "dates"), [(3, 2), (80, 12)])
def test_course_objects_query_count_is_constant(db, django_assert_max_num_queries, students, dates):
    owner = UserFactory()
    build_course(owner, students=students, dates=dates, course_id="A")
    build_course(owner, students=students, dates=dates, course_id="B")
    with django_assert_max_num_queries(4):
        objects = selectors.courses_as_objects(owner=owner)
    assert [len(o["students"]) for o in objects] == [students, students]
    assert all(len(marks) == dates for o in objects for marks in o["students"].values())


def test_natural_roll_order():
    rolls = ["10", "2", "CS10", "007", "CS9", "1", "b", "A"]
    assert sorted(rolls, key=selectors.natural_roll_key) == ["1", "2", "007", "10", "A", "b", "CS9", "CS10"]


def test_student_enrolled_after_a_date_has_a_blank_cell_and_is_judged_on_their_dates(db):
    course = build_course(UserFactory(), students=1, dates=2)
    late = CourseStudent.objects.create(course=course, roll="9", name="Late")
    session = Session.objects.create(course=course, date=datetime.date(2026, 4, 1), source_format="google_form")
    Record.objects.create(session=session, student=late, present=True)
    Record.objects.create(session=session, student=CourseStudent.objects.get(roll="1"), present=True)
    report = selectors.attendance_report(course=course)
    assert report.rows[1] == [2, "9", "Late", "", "", "Present"]
    # Late: 1 of 1 recorded date = 100 %, not a defaulter. Roll 1: absent, present, present = 2/3 < 75 %.
    assert [row[1] for row in selectors.attendance_report(course=course, defaulters_only=True).rows] == ["1"]
