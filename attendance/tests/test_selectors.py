"""Reports and course objects cost a fixed number of queries whatever the size of the course."""

import datetime

import pytest

from attendance import selectors
from attendance.models import Course, CourseStudent, Record, Session
from doubtfire.tests.factories import UserFactory


def build_course(owner, *, students: int, dates: int, course_id="C1", still_connected=False) -> Course:
    course = Course.objects.create(owner=owner, course_id=course_id, course_name="C", batch=2026)
    roster = CourseStudent.objects.bulk_create(
        CourseStudent(course=course, roll=str(n), name=f"Student {n}") for n in range(1, students + 1)
    )
    sessions = Session.objects.bulk_create(
        Session(course=course, date=datetime.date(2026, 3, 1) + datetime.timedelta(days=d), source_format="google_form")
        for d in range(dates)
    )
    Record.objects.bulk_create(
        # With still_connected, some records were still connected when the list was saved (issue 12).
        Record(
            session=session,
            student=student,
            status="present" if (i + j) % 3 != 0 else "absent",
            present=(i + j) % 3 != 0,
            still_connected=still_connected and (i + 2 * j) % 7 == 0,
        )
        for i, session in enumerate(sessions)
        for j, student in enumerate(roster)
    )
    return course


@pytest.mark.parametrize(("students", "dates"), [(3, 2), (80, 12)])
def test_report_query_count_is_constant(db, django_assert_max_num_queries, students, dates):
    # The still-connected column and key come from the same queries.
    course = build_course(UserFactory(), students=students, dates=dates, still_connected=True)
    # Sessions, students, records, and the planned classes (none here: the plan's second query is not needed).
    with django_assert_max_num_queries(4):
        report = selectors.attendance_report(course=course)
    assert len(report.rows) == students and len(report.header) == 3 + dates + 4 + 1
    assert report.header[-1] == selectors.STILL_CONNECTED_COLUMN
    with django_assert_max_num_queries(4):
        selectors.attendance_report(course=course, defaulters_only=True)


@pytest.mark.parametrize(("students", "dates"), [(3, 2), (80, 12)])
def test_course_objects_query_count_is_constant(db, django_assert_max_num_queries, students, dates):
    owner = UserFactory()
    build_course(owner, students=students, dates=dates, course_id="A", still_connected=True)
    build_course(owner, students=students, dates=dates, course_id="B", still_connected=True)
    with django_assert_max_num_queries(4):
        objects = selectors.courses_as_objects(owner=owner)
    assert [len(o["students"]) for o in objects] == [students, students]
    assert all(len(marks) == dates for o in objects for marks in o["students"].values())
    assert all(o["still_connected"] for o in objects)


def test_natural_roll_order():
    rolls = ["10", "2", "CS10", "007", "CS9", "1", "b", "A"]
    assert sorted(rolls, key=selectors.natural_roll_key) == ["1", "2", "007", "10", "A", "b", "CS9", "CS10"]


def test_natural_roll_order_with_digits_of_other_scripts():
    # "٣" is a decimal digit (Arabic-Indic three); "²" is a digit to isdigit() but not a number to int().
    assert sorted(["10", "²", "٣", "2", "a²"], key=selectors.natural_roll_key) == ["2", "٣", "10", "a²", "²"]


def test_student_enrolled_after_a_date_has_a_blank_cell_and_is_judged_on_their_dates(db):
    course = build_course(UserFactory(), students=1, dates=2)
    late = CourseStudent.objects.create(course=course, roll="9", name="Late")
    session = Session.objects.create(course=course, date=datetime.date(2026, 4, 1), source_format="google_form")
    Record.objects.create(session=session, student=late, status="present", present=True)
    Record.objects.create(session=session, student=CourseStudent.objects.get(roll="1"), status="present", present=True)
    report = selectors.attendance_report(course=course)
    assert report.rows[1][:6] == [2, "9", "Late", "", "", "Present"]
    # Late: 1 of 1 recorded date = 100 %, not a defaulter. Roll 1: absent, present, present = 2/3 < 75 %.
    assert [row[1] for row in selectors.attendance_report(course=course, defaulters_only=True).rows] == ["1"]


@pytest.mark.parametrize(
    ("attended", "recorded", "cutoff", "expected"),
    [
        (3, 4, 75, False),  # exactly the cutoff is not a defaulter
        (2, 3, 75, True),  # 66.7 %
        (0, 0, 75, False),  # nothing recorded yet: nothing to judge
        (0, 1, 0, False),  # a 0 % cutoff has no defaulters
        (99, 100, 100, True),
    ],
)
def test_the_defaulter_rule(attended, recorded, cutoff, expected):
    assert selectors.is_defaulter(attended=attended, held=recorded, cutoff=selectors.Fraction(cutoff)) is expected


@pytest.mark.parametrize("courses", [1, 10])
def test_course_summaries_cost_two_queries_for_any_number_of_courses(db, django_assert_max_num_queries, courses):
    owner = UserFactory()
    for number in range(courses):
        build_course(owner, students=3, dates=2, course_id=f"C{number:02d}")
    build_course(UserFactory(), students=5, dates=1, course_id="THEIRS")
    with django_assert_max_num_queries(2):
        summaries = selectors.course_summaries(owner=owner)
    # build_course marks student j absent on date i when (i + j) % 3 == 0: on date 0 student 0, on date 1
    # student 2. So students 0 and 2 attended 1 of 2 (50 % < 75 %: defaulters), student 1 2 of 2;
    # 4 Present marks of 6 recorded = 66.7 %.
    assert [s.course.course_id for s in summaries] == [f"C{number:02d}" for number in range(courses)]
    for summary in summaries:
        assert (summary.students, summary.dates, summary.present, summary.recorded) == (3, 2, 4, 6)
        assert summary.defaulters == 2
        assert summary.average == 66.7
        assert summary.latest_date == datetime.date(2026, 3, 2)


def test_course_summaries_use_the_cutoff_and_count_students_without_records(db):
    owner = UserFactory()
    course = build_course(owner, students=3, dates=2)
    CourseStudent.objects.create(course=course, roll="late", name="Enrolled after both dates")
    Course.objects.create(owner=owner, course_id="EMPTY", course_name="No dates yet", batch=2026)
    at_half, empty = selectors.course_summaries(owner=owner, cutoff=selectors.Fraction(50))
    # 50 % is exactly the cutoff: not a defaulter. The late student has no record: counted, not judged.
    assert (at_half.students, at_half.defaulters, at_half.recorded) == (4, 0, 6)
    assert (empty.course.course_id, empty.students, empty.dates, empty.average, empty.latest_date) == (
        "EMPTY", 0, 0, None, None
    )
    [strict] = [s for s in selectors.course_summaries(owner=owner, cutoff=selectors.Fraction(100)) if s.dates]
    assert strict.defaulters == 2
