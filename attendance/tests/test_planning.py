"""Planned classes and the at-risk projection (issue 14 item 6): the generator, the routes, and each student's
needed / cannot reach, hand-computed."""

import datetime
import io
import re

import pytest
from rest_framework.test import APIClient

from attendance import selectors
from attendance.models import Course, CourseStudent, PlannedClass, Record, Session, Status
from attendance.schedule import ScheduleError, class_schedule, weekday_number
from attendance.tests import reports
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import UserFactory

D = datetime.date
NINE = datetime.time(9, 0)


# --- the generator (pure) -------------------------------------------------------------------------------


def test_mondays_over_a_range_of_weeks_with_a_break():
    # Mondays from Mon 2 March to Mon 30 March 2026; the break (16-20 March) takes the 16th.
    classes = class_schedule(0, NINE, D(2026, 3, 2), D(2026, 3, 30), [(D(2026, 3, 16), D(2026, 3, 20))])
    assert classes == [datetime.datetime.combine(day, NINE) for day in (D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 23), D(2026, 3, 30))]


def test_the_first_class_is_the_first_meeting_day_on_or_after_the_start():
    # Start on Wednesday 4 March 2026; Fridays: 6, 13 March. A one-day break (a date) takes the 13th.
    assert [at.date() for at in class_schedule(4, NINE, D(2026, 3, 4), D(2026, 3, 20))] == [D(2026, 3, 6), D(2026, 3, 13), D(2026, 3, 20)]
    assert [at.date() for at in class_schedule(4, NINE, D(2026, 3, 4), D(2026, 3, 20), [D(2026, 3, 13)])] == [D(2026, 3, 6), D(2026, 3, 20)]
    # The range's last day is included; a range shorter than a week may have no meeting day.
    assert class_schedule(0, NINE, D(2026, 3, 3), D(2026, 3, 8)) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0, NINE, D(2026, 3, 9), D(2026, 3, 2)), "ends (2026-03-02) before it starts (2026-03-09)"),
        ((0, NINE, D(2026, 1, 1), D(2028, 1, 10)), "more than two years"),
        ((0, NINE, D(2026, 3, 2), D(2026, 3, 30), [(D(2026, 3, 20), D(2026, 3, 16))]), "A break ends"),
        ((7, NINE, D(2026, 3, 2), D(2026, 3, 30)), "weekday"),
    ],
)
def test_a_schedule_that_makes_no_sense_is_refused(arguments, message):
    with pytest.raises(ScheduleError, match=re.escape(message)):
        class_schedule(*arguments)


@pytest.mark.parametrize(("value", "number"), [("Monday", 0), ("mon", 0), ("SUNDAY", 6), ("Thu", 3), ("2", 2), (5, 5)])
def test_weekdays_by_name_or_number(value, number):
    assert weekday_number(value) == number


@pytest.mark.parametrize("value", ["Mondays", "7", "", "-1", True])
def test_a_day_that_is_not_one(value):
    with pytest.raises(ScheduleError):
        weekday_number(value)


# --- the routes -------------------------------------------------------------------------------------------


@pytest.fixture
def course(owner):
    return Course.objects.create(owner=owner, course_id="CS402", course_name="Algorithms", batch=2026)


def planned():
    return [(f"{date:%Y-%m-%d}", f"{time:%H:%M}") for date, time in PlannedClass.objects.values_list("date", "start_time")]


def test_generate_planned_classes_from_a_meeting_day_and_time(api, course):
    response = api.post(
        f"/api/courses/{course.pk}/planned_classes/generate/",
        {"weekday": "Monday", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30",
         "breaks": [{"start": "2026-03-16", "end": "2026-03-20"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["message"], body["added"], body["count"]) == ("4 planned classes added.", 4, 4)
    assert planned() == [("2026-03-02", "09:00"), ("2026-03-09", "09:00"), ("2026-03-23", "09:00"), ("2026-03-30", "09:00")]
    # Again: nothing new. A lab on Thursdays joins the plan beside the lectures.
    again = api.post(f"/api/courses/{course.pk}/planned_classes/generate/",
                     {"weekday": "Mon", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30"}, format="json")
    # No break sent this time: the 16th joins the plan, the other four were planned already.
    assert again.json()["message"] == "1 planned class added, 4 already planned."
    assert PlannedClass.objects.count() == 5
    thursdays = api.post(f"/api/courses/{course.pk}/planned_classes/generate/",
                         {"weekday": 3, "time": "14:00", "start": "2026-03-02", "end": "2026-03-13", "replace": True},
                         format="json")
    assert thursdays.json()["removed"] == 5 and planned() == [("2026-03-05", "14:00"), ("2026-03-12", "14:00")]


def test_plan_classes_listed_then_remove_a_break_and_a_class(api, course):
    listed = api.post(f"/api/courses/{course.pk}/planned_classes/", {"classes": [
        {"date": "2026-03-02", "start_time": "09:00"}, {"date": "2026-03-02", "start_time": "14:00"},
        {"date": "2026-03-09", "start_time": "09:00"}, {"date": "2026-03-16"}, {"date": "2026-03-23", "start_time": "09:00"},
    ]}, format="json")
    assert listed.status_code == 200 and listed.json()["added"] == 5
    removed = api.post(f"/api/courses/{course.pk}/planned_classes/remove/", {
        "classes": [{"date": "2026-03-02", "start_time": "14:00"}],
        "breaks": [{"start": "2026-03-15", "end": "2026-03-22"}],
    }, format="json")
    assert removed.status_code == 200 and removed.json()["message"] == "2 planned classes removed."
    assert planned() == [("2026-03-02", "09:00"), ("2026-03-09", "09:00"), ("2026-03-23", "09:00")]
    # A date without a start time removes every class of the date.
    api.post(f"/api/courses/{course.pk}/planned_classes/remove/", {"classes": [{"date": "2026-03-09"}]}, format="json")
    assert api.get(f"/api/courses/{course.pk}/planned_classes/").json()["planned_classes"] == [
        {"date": "2026-03-02", "start_time": "09:00"}, {"date": "2026-03-23", "start_time": "09:00"}
    ]


def test_import_planned_classes_from_a_file(api, course):
    rows = [["Week", "Date", "Start Time"], ["1", "2026-03-02", "09:00"], ["2", "9/3/2026", "2:00 PM"],
            ["2", "9/3/2026", "14:00"], ["3", "16/03/2026", ""]]
    for data in (reports.comma_csv(rows), reports.xlsx(rows)):
        PlannedClass.objects.all().delete()
        file = io.BytesIO(data)
        file.name = "plan.csv"
        response = api.post(f"/api/courses/{course.pk}/planned_classes/", {"file": file}, format="multipart")
        assert response.status_code == 200, response.json()
        # 9 March 2:00 PM and 14:00 are one class; a blank start time is 00:00 (not stated).
        assert planned() == [("2026-03-02", "09:00"), ("2026-03-09", "14:00"), ("2026-03-16", "00:00")]


@pytest.mark.parametrize(
    ("route", "body", "fmt", "message"),
    [
        ("planned_classes/", {}, "json", "Send the classes as a list (classes) or as a file (file), one of the two."),
        ("planned_classes/", {"classes": []}, "json", "No classes to plan"),
        ("planned_classes/", {"classes": [{"date": "2/3/2026"}]}, "json", "date"),
        ("planned_classes/", {"file": ("plan.csv", b"Date\n31/2/2026\n")}, "multipart", "plan.csv: Row 2: the Date"),
        ("planned_classes/", {"file": ("plan.csv", b"Day\nMonday\n")}, "multipart", "plan.csv: Missing headings: date"),
        ("planned_classes/", {"file": ("plan.csv", b"Date,Start Time\n2026-03-02,25:00\n")}, "multipart", "Start Time '25:00'"),
        ("planned_classes/generate/", {"weekday": "Mondays", "time": "09:00", "start": "2026-03-02", "end": "2026-03-30"},
         "json", "weekday must be a day such as Monday"),
        ("planned_classes/generate/", {"weekday": "Mon", "time": "09:00", "start": "2026-03-30", "end": "2026-03-02"},
         "json", "The schedule ends (2026-03-02) before it starts (2026-03-30)."),
        ("planned_classes/remove/", {}, "json", "Nothing to remove"),
        ("planned_classes/remove/", {"breaks": [{"start": "2026-03-20", "end": "2026-03-16"}]}, "json", "A break ends"),
    ],
)
def test_a_plan_that_cannot_be_made_is_a_400(api, course, route, body, fmt, message):
    if "file" in body:
        name, data = body["file"]
        body = {"file": io.BytesIO(data)}
        body["file"].name = name
    response = api.post(f"/api/courses/{course.pk}/{route}", body, format=fmt)
    assert response.status_code == 400, response.json()
    assert message in response.json()["error"]
    assert not PlannedClass.objects.exists()


def test_another_teachers_plan_is_not_found(course):
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=UserFactory())}")
    assert stranger.get(f"/api/courses/{course.pk}/planned_classes/").status_code == 404
    assert stranger.post(f"/api/courses/{course.pk}/planned_classes/", {"classes": [{"date": "2026-03-02"}]},
                         format="json").status_code == 404
    assert stranger.get(f"/api/courses/{course.pk}/standing/").status_code == 404
    assert not PlannedClass.objects.exists()


# --- needed and cannot reach, over a course with 18 sessions held and 6 planned to come ------------------------

FIRST = D(2026, 3, 2)
HELD = [FIRST + datetime.timedelta(days=n) for n in range(18)]  # 2 to 19 March
TO_COME = [D(2026, 4, 1) + datetime.timedelta(days=7 * n) for n in range(6)]  # 1 April to 6 May
AS_OF = D(2026, 3, 25)


def record(course, statuses_by_roll: dict[str, list[str]]):
    """A session on each day of HELD; each roll's statuses in order (fewer statuses: enrolled later)."""
    sessions = Session.objects.bulk_create(Session(course=course, date=day, source_format="teams") for day in HELD)
    for roll, statuses in statuses_by_roll.items():
        student = CourseStudent.objects.create(course=course, roll=roll, name=f"Student {roll}")
        Record.objects.bulk_create(
            Record(session=session, student=student, status=status, present=status in ("present", "late"))
            for session, status in zip(sessions[len(sessions) - len(statuses):], statuses)
        )


def attending(attended, *, excused=0, late=0, held=18):
    return ["late"] * late + ["present"] * (attended - late) + ["excused"] * excused + ["absent"] * (held - attended - excused)


def test_needed_and_cannot_reach_at_and_around_the_cutoff(api, course):
    record(course, {
        "a": attending(13),  # 13 of 18: needs 18 of 24 at the end, so 5 of the 6 remaining
        "b": attending(12),  # 12 + 6 = 18 of 24 = 75 % exactly: needs all 6, and reaches
        "c": attending(11),  # 11 + 6 = 17 of 24 = 70.8 %: cannot reach
        "d": attending(13, excused=2),  # 13 of 16 counted; 16 + 6 = 22 at the end, 75 % = 16.5: needs 17, so 4
        "e": attending(13, late=3),  # Late attended: as "a"
        "f": attending(3, held=4),  # enrolled for the last 4 sessions only: 3 of 4, + 6 = 10, 75 % = 7.5: needs 5
    })
    for day in TO_COME:
        PlannedClass.objects.create(course=course, date=day, start_time=NINE)
    # Planned on a held date: held, not remaining. Planned before as_of with nothing recorded: not remaining.
    PlannedClass.objects.create(course=course, date=HELD[0], start_time=NINE)
    PlannedClass.objects.create(course=course, date=D(2026, 3, 24), start_time=NINE)

    response = api.get(f"/api/courses/{course.pk}/standing/", {"as_of": "2026-03-25", "cutoff": "75"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["cutoff"], body["as_of"], body["planned"], body["planned_classes"], body["remaining"]) == (
        "75", "2026-03-25", True, 8, 6
    )
    assert body["unrecorded"] == ["2026-03-24"]
    by_roll = {student["roll"]: student for student in body["students"]}
    figures = {roll: (s["attended"], s["held"], s["excused"], s["percentage"], s["needed"], s["cannot_reach"], s["at_risk"])
               for roll, s in by_roll.items()}
    assert figures == {
        "a": (13, 18, 0, "72.22", 5, False, True),  # 13/18 = 72.2̅ %
        "b": (12, 18, 0, "66.66", 6, False, True),  # 12/18 = 66.6̅ %, shown rounded down
        "c": (11, 18, 0, "61.11", None, True, True),
        "d": (13, 18, 2, "81.25", 4, False, True),  # 13/16
        "e": (13, 18, 0, "72.22", 5, False, True),
        "f": (3, 4, 0, "75.00", 5, False, True),  # 3/4; 5 of 6 remaining is most
    }
    assert (by_roll["e"]["late"], by_roll["a"]["fraction"], by_roll["d"]["fraction"]) == (3, "13/18", "13/16")
    assert [s["defaulter"] for s in body["students"]] == [True, True, True, False, True, False]


def test_without_planned_classes_nothing_is_projected(api, course):
    record(course, {"a": attending(13)})
    body = api.get(f"/api/courses/{course.pk}/standing/").json()
    assert (body["planned"], body["remaining"], body["cutoff"]) == (False, None, "75")
    [student] = body["students"]
    assert (student["remaining"], student["needed"], student["cannot_reach"], student["at_risk"]) == (None, None, False, False)


def test_the_cutoff_of_the_standing(api, course):
    record(course, {"a": attending(13)})
    # 13/18 = 72.2̅ %: not a defaulter at 72.2, a defaulter at 72.3 and at 650/9 + ...; exactly 650/9 is not.
    assert api.get(f"/api/courses/{course.pk}/standing/", {"cutoff": "650/9"}).json()["students"][0]["defaulter"] is False
    assert api.get(f"/api/courses/{course.pk}/standing/", {"cutoff": "72.3"}).json()["students"][0]["defaulter"] is True
    bad = api.get(f"/api/courses/{course.pk}/standing/", {"cutoff": "101"})
    assert bad.status_code == 400 and "cutoff must be a percentage between 0 and 100" in bad.json()["error"]


@pytest.mark.parametrize("students", [3, 60])
def test_standings_cost_four_queries_whatever_the_number_of_students(course, students, django_assert_max_num_queries):
    record(course, {str(n): attending(n % 18) for n in range(students)})
    for day in TO_COME:
        PlannedClass.objects.create(course=course, date=day, start_time=NINE)
    with django_assert_max_num_queries(4):
        standings = selectors.course_standings(course=course, as_of=AS_OF)
    assert len(standings.students) == students and standings.plan.remaining == 6
    assert {Status.PRESENT} <= set(Record.objects.values_list("status", flat=True))
