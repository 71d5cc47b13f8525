"""Courses that follow a unit: made from the whole unit, a stream or a tutorial, their rosters kept in step by every
CSV enrolment and withdrawal in the same row savepoint, withdrawn students kept but left out."""

import datetime
from fractions import Fraction

import pytest
from django.db import DatabaseError

from attendance import selectors, services
from attendance.models import Course, CourseStudent, Record, Session, SourceFormat
from doubtfire import services as unit_services
from doubtfire.models import Project, Role, TutorialEnrolment, UnitRole, User
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)
from spreadsheets import read_table

pytestmark = pytest.mark.django_db

HEADER = "unit_code,username,email,student_id,first_name,last_name,preferred_name,lab,wrk\n"


def table(text: str):
    return read_table(text.encode("utf-8"))


class World:
    """COS30001 with two streams: labs (LA1-01, LA1-02) and workshops (WS1-01); its convenor and the tutor of
    LA1-01; four students enrolled through the enrolment CSV."""

    def __init__(self):
        campus = CampusFactory(abbreviation="B", name="Burwood")
        self.unit = UnitFactory(code="COS30001")
        self.labs = TutorialStreamFactory(unit=self.unit, name="Labs", abbreviation="LAB")
        self.workshops = TutorialStreamFactory(unit=self.unit, name="Workshops", abbreviation="WRK")
        self.convenor = UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="conv", role=Role.CONVENOR)).user
        tutor_role = UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.TUTOR, user=UserFactory(username="tut", role=Role.TUTOR))
        self.tutor = tutor_role.user
        self.la1 = TutorialFactory(unit=self.unit, abbreviation="LA1-01", stream=self.labs, campus=campus, tutor=tutor_role)
        self.la2 = TutorialFactory(unit=self.unit, abbreviation="LA1-02", stream=self.labs, campus=campus)
        self.ws1 = TutorialFactory(unit=self.unit, abbreviation="WS1-01", stream=self.workshops, campus=campus)
        self.enrol(
            "COS30001,asha,asha@uni.edu,21CS001,Asha,Rao,,LA1-01,WS1-01\n"
            "COS30001,ravi,ravi@uni.edu,,Ravi,Kumar,Rav,LA1-02,WS1-01\n"
            "COS30001,mina,mina@uni.edu,21CS003,Mina,Lee,,LA1-01,\n"
            "COS30001,zed,zed@uni.edu,21CS004,Zed,Ng,,,\n"
        )

    def enrol(self, rows: str):
        result = unit_services.enrol_students_from_table(actor=self.convenor, unit=self.unit, table=table(HEADER + rows))
        assert not result.errors, result.errors
        return result

    def withdraw(self, *usernames):
        text = "unit_code,username\n" + "".join(f"COS30001,{name}\n" for name in usernames)
        result = unit_services.withdraw_students_from_table(actor=self.convenor, unit=self.unit, table=table(text))
        assert not result.errors, result.errors
        return result

    def course(self, course_id, **link):
        return services.create_course_from_unit(
            owner=self.convenor, course_id=course_id, course_name=course_id, batch=2026, unit=self.unit, **link
        )


@pytest.fixture
def world():
    return World()


def roster(course, *, withdrawn=False):
    """{roll: (name, email, username)} of the course's entries (withdrawn ones when asked)."""
    return {
        s.roll: (s.name, s.email, s.username)
        for s in CourseStudent.objects.filter(course=course, withdrawn=withdrawn)
    }


# --- made from a unit, a stream, a tutorial --------------------------------------------------------------------


def test_a_course_from_the_whole_unit_has_every_enrolled_student(world):
    course = world.course("ALL")
    # Roll: the student ID, else the username. Name: preferred (else first) name and last name.
    assert roster(course) == {
        "21CS001": ("Asha Rao", "asha@uni.edu", "asha"),
        "ravi": ("Rav Kumar", "ravi@uni.edu", "ravi"),
        "21CS003": ("Mina Lee", "mina@uni.edu", "mina"),
        "21CS004": ("Zed Ng", "zed@uni.edu", "zed"),
    }
    assert set(CourseStudent.objects.filter(course=course).values_list("user__username", flat=True)) == {
        "asha", "ravi", "mina", "zed"
    }
    assert course.unit == world.unit and course.stream is None and course.tutorial is None


def test_a_course_from_a_stream_has_the_students_in_its_tutorials(world):
    labs = world.course("LABS", stream=world.labs)
    workshops = world.course("WRK", stream=world.workshops)
    assert set(roster(labs)) == {"21CS001", "ravi", "21CS003"}
    assert set(roster(workshops)) == {"21CS001", "ravi"}


def test_a_course_from_a_tutorial_has_its_students(world):
    assert set(roster(world.course("LA1", tutorial=world.la1))) == {"21CS001", "21CS003"}
    assert set(roster(world.course("LA2", tutorial=world.la2))) == {"ravi"}


def test_withdrawn_students_are_not_put_on_a_new_course(world):
    world.withdraw("zed")
    assert "21CS004" not in roster(world.course("ALL"))


def test_who_may_link_what(world):
    stranger = UserFactory(username="stranger", role=Role.TUTOR)
    # The tutor: their own tutorial only.
    services.create_course_from_unit(
        owner=world.tutor, course_id="T1", course_name="T1", batch=2026, unit=world.unit, tutorial=world.la1
    )
    with pytest.raises(services.CourseLinkRefused, match="do not tutor LA1-02"):
        services.create_course_from_unit(
            owner=world.tutor, course_id="T2", course_name="T2", batch=2026, unit=world.unit, tutorial=world.la2
        )
    with pytest.raises(services.CourseLinkRefused, match="Only the Convenors"):
        services.create_course_from_unit(owner=world.tutor, course_id="T3", course_name="T3", batch=2026, unit=world.unit)
    with pytest.raises(services.CourseLinkRefused, match="not staff"):
        services.create_course_from_unit(owner=stranger, course_id="S", course_name="S", batch=2026, unit=world.unit)
    student = User.objects.get(username="asha")
    with pytest.raises(services.CourseLinkRefused):
        services.create_course_from_unit(owner=student, course_id="S", course_name="S", batch=2026, unit=world.unit)
    assert not Course.objects.filter(course_id__in=["T2", "T3", "S"]).exists()


def test_a_stream_or_tutorial_of_another_unit_or_both_is_refused(world):
    other = UnitFactory(code="COS40004")
    foreign = TutorialStreamFactory(unit=other, abbreviation="X")
    with pytest.raises(services.AttendanceError, match="not a tutorial stream of COS30001"):
        world.course("X", stream=foreign)
    with pytest.raises(services.AttendanceError, match="not both"):
        world.course("X", stream=world.labs, tutorial=world.la1)
    world.course("X")
    with pytest.raises(services.AttendanceError, match="already have a course X"):
        world.course("X")


def test_a_roster_that_follows_a_unit_is_not_edited_by_hand(world):
    course = world.course("ALL")
    entry = services.read_roster(name="r.csv", data=b"Roll Number,Name\n99,Guest\n")
    with pytest.raises(services.AttendanceError, match="follows unit COS30001"):
        services.add_students(course=course, roster=entry)
    with pytest.raises(services.AttendanceError, match="follows unit COS30001"):
        services.remove_student(course=course, roll="21CS001")


# --- the roster follows the enrolment and withdrawal CSVs ------------------------------------------------------


def test_enrolling_through_the_csv_adds_to_every_course_that_follows(world):
    whole, labs, la2 = world.course("ALL"), world.course("LABS", stream=world.labs), world.course("LA2", tutorial=world.la2)
    world.enrol("COS30001,nia,nia@uni.edu,21CS005,Nia,Okafor,,LA1-02,\n")
    for course in (whole, labs, la2):
        assert roster(course)["21CS005"] == ("Nia Okafor", "nia@uni.edu", "nia")


def test_withdrawing_through_the_csv_marks_withdrawn_and_keeps_history(world):
    course = world.course("LA1", tutorial=world.la1)
    asha = course.students.get(roll="21CS001")
    session = Session.objects.create(course=course, date=datetime.date(2026, 3, 2), source_format=SourceFormat.ZOOM)
    Record.objects.create(session=session, student=asha, status="present", present=True, seconds_attended=3600)

    world.withdraw("asha")
    asha.refresh_from_db()
    assert asha.withdrawn and asha.user.username == "asha"
    assert Record.objects.filter(student=asha).count() == 1  # history kept
    # Re-enrolled: the same entry comes back, with its history.
    world.enrol("COS30001,asha,asha@uni.edu,21CS001,Asha,Rao,,LA1-01,WS1-01\n")
    asha.refresh_from_db()
    assert not asha.withdrawn and CourseStudent.objects.filter(course=course, user__username="asha").count() == 1


def test_a_tutorial_change_through_the_csv_moves_the_student_between_courses(world):
    la1, la2, labs = world.course("LA1", tutorial=world.la1), world.course("LA2", tutorial=world.la2), world.course("LABS", stream=world.labs)
    world.enrol("COS30001,asha,asha@uni.edu,21CS001,Asha,Rao,,LA1-02,WS1-01\n")
    assert "21CS001" in roster(la1, withdrawn=True) and "21CS001" not in roster(la1)
    assert "21CS001" in roster(la2)
    assert "21CS001" in roster(labs)  # still in the stream


def test_account_changes_in_the_csv_reach_the_roster(world):
    course = world.course("ALL")
    world.enrol("COS30001,ravi,ravi@uni.edu,21CS002,Ravi,Kumar,Rav,LA1-02,WS1-01\n")  # a student ID now
    assert "21CS002" in roster(course) and "ravi" not in roster(course)


def test_a_failed_enrolment_row_leaves_the_roster_untouched(world, monkeypatch):
    """Rows are atomic: the sync runs inside the row's savepoint, so when the row's write fails after the roster
    changed, the roster change is undone with it, and the other rows (and their roster entries) stay."""
    course = world.course("ALL")
    real = unit_services.sync_unit_rosters

    def failing_for_bad(*, unit_ids, user_ids=None, course_ids=None):
        outcome = real(unit_ids=unit_ids, user_ids=user_ids, course_ids=course_ids)
        if user_ids is not None and User.objects.filter(username="bad", pk__in=user_ids).exists():
            raise DatabaseError("the row's write failed after the roster was changed")
        return outcome

    monkeypatch.setattr(unit_services, "sync_unit_rosters", failing_for_bad)
    result = unit_services.enrol_students_from_table(
        actor=world.convenor,
        unit=world.unit,
        table=table(
            HEADER
            + "COS30001,good,good@uni.edu,21CS010,Good,One,,LA1-01,\n"
            + "COS30001,bad,bad@uni.edu,21CS011,Bad,Two,,LA1-01,\n"
        ),
    )
    assert [entry["row_number"] for entry in result.errors] == [3]
    assert [entry["row_number"] for entry in result.success] == [2]
    assert "21CS010" in roster(course)
    assert "21CS011" not in roster(course) and "21CS011" not in roster(course, withdrawn=True)
    assert not Project.objects.filter(user__username="bad").exists()


def test_a_failed_withdrawal_row_leaves_the_roster_untouched(world, monkeypatch):
    course = world.course("ALL")
    real = unit_services.sync_unit_rosters
    mina = User.objects.get(username="mina").pk

    def failing_for_mina(*, unit_ids, user_ids=None, course_ids=None):
        outcome = real(unit_ids=unit_ids, user_ids=user_ids, course_ids=course_ids)
        if user_ids is not None and mina in user_ids:
            raise DatabaseError("failed after the roster was changed")
        return outcome

    monkeypatch.setattr(unit_services, "sync_unit_rosters", failing_for_mina)
    text = "unit_code,username\nCOS30001,zed\nCOS30001,mina\n"
    result = unit_services.withdraw_students_from_table(actor=world.convenor, unit=world.unit, table=table(text))
    assert [entry["row_number"] for entry in result.errors] == [3]
    assert "21CS004" in roster(course, withdrawn=True)
    assert "21CS003" in roster(course)  # mina: row failed, still on the roster
    assert Project.objects.get(user__username="mina").enrolled


def test_unlinked_courses_are_untouched_by_enrolments(world):
    hand = services.create_course(
        owner=world.convenor, course_id="HAND", course_name="Hand", batch=2026,
        roster=services.read_roster(name="r.csv", data=b"Roll Number,Name\n21CS001,Asha\n"),
    )
    world.withdraw("asha")
    world.enrol("COS30001,nia,nia@uni.edu,21CS005,Nia,Okafor,,LA1-02,\n")
    assert roster(hand) == {"21CS001": ("Asha", "", "")}


def test_the_sync_costs_the_same_queries_for_ten_or_a_hundred_students(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (10, 100):
        unit = UnitFactory()
        stream = TutorialStreamFactory(unit=unit)
        tutorial = TutorialFactory(unit=unit, stream=stream)
        owner = UnitRoleFactory(unit=unit, role=UnitRole.Kind.CONVENOR).user
        for n in range(size):
            project = ProjectFactory(unit=unit, user=UserFactory(username=f"q{size}-{n}"))
            TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
        for course_id, link in (("A", {}), ("S", {"stream": stream}), ("T", {"tutorial": tutorial})):
            services.create_course_from_unit(owner=owner, course_id=course_id, course_name="c", batch=2026, unit=unit, **link)
        Project.objects.filter(unit=unit, user__username__endswith="-1").update(enrolled=False)
        with CaptureQueriesContext(connection) as captured:
            services.sync_unit_rosters(unit_ids=[unit.pk])
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 6


# --- withdrawn students: kept, left out of percentages and reports ---------------------------------------------


def test_withdrawn_students_are_left_out_of_reports_percentages_and_course_objects(world):
    course = world.course("LA1", tutorial=world.la1)
    asha, mina = course.students.get(roll="21CS001"), course.students.get(roll="21CS003")
    session = Session.objects.create(course=course, date=datetime.date(2026, 3, 2), source_format=SourceFormat.ZOOM)
    Record.objects.create(session=session, student=asha, status="absent", present=False, seconds_attended=0)
    Record.objects.create(session=session, student=mina, status="present", present=True, seconds_attended=3600)
    world.withdraw("asha")

    report = selectors.attendance_report(course=course)
    assert [row[1] for row in report.rows] == ["21CS003"]
    assert [row[1] for row in selectors.attendance_report(course=course, include_withdrawn=True).rows] == ["21CS001", "21CS003"]
    assert selectors.attendance_report(course=course, defaulters_only=True).rows == []  # asha, absent, is gone
    [summary] = [s for s in selectors.course_summaries(owner=world.convenor) if s.course == course]
    assert (summary.students, summary.present, summary.recorded, summary.defaulters) == (1, 1, 1, 0)
    [objects] = selectors.courses_as_objects(course=course)
    assert objects["students"] == {"21CS003": {"2026-03-02": True}}
    assert objects["withdrawn"] == {"21CS001": {"2026-03-02": False}}


def test_uploads_leave_withdrawn_students_out_and_say_so(world):
    from attendance.tests import reports

    course = world.course("LA1", tutorial=world.la1)
    world.withdraw("asha")
    data = reports.teams_report(
        participants=[
            ["Asha R.", "13/2/2026, 9:00:00 AM", "13/2/2026, 10:00:00 AM", "1h 0m 0s", "asha@uni.edu", "asha@uni.edu", "Attendee"],
            ["M. Lee", "13/2/2026, 9:00:00 AM", "13/2/2026, 10:00:00 AM", "1h 0m 0s", "mina@uni.edu", "mina@uni.edu", "Attendee"],
        ]
    )
    result = services.record_attendance(
        course=course, uploaded_by=world.convenor, files=[("teams.csv", data)], options=services.UploadOptions()
    )
    assert result.summary["2026-02-13"]["present"] == 1 and result.summary["2026-02-13"]["absent"] == 0
    assert not Record.objects.filter(student__roll="21CS001").exists()
    [asha] = [entry for entry in result.as_dict()["matched"]["2026-02-13"] if entry["roll"] == "21CS001"]
    assert asha["withdrawn"] is True and asha["matched_by"] == "email"
    with pytest.raises(services.AttendanceError, match="not enrolled"):
        services.record_attendance(
            course=course, uploaded_by=world.convenor, files=[("teams.csv", data)],
            options=services.UploadOptions(flags=("21CS001",), replace=True),
        )


def test_a_students_own_percentage_is_attended_over_held_rounded_down(world):
    course = world.course("LA1", tutorial=world.la1)
    asha = course.students.get(roll="21CS001")
    for day, present in ((2, True), (3, True), (4, False)):
        session = Session.objects.create(course=course, date=datetime.date(2026, 3, day), source_format=SourceFormat.ZOOM)
        Record.objects.create(session=session, student=asha, status="present" if present else "absent", present=present)
    [mine] = selectors.my_attendance(asha.user)
    assert (mine.attended, mine.held, mine.percentage) == (2, 3, Fraction(200, 3))  # 2 of 3
    assert selectors.percent_text(Fraction(200, 3)) == "66.6"  # rounded down, never up to a cutoff
    assert selectors.percent_text(Fraction(7496, 100)) == "74.9"
    assert selectors.percent_text(Fraction(100)) == "100.0"
    assert selectors.percent_text(None) == ""


# --- deletions -------------------------------------------------------------------------------------------------


def test_deleting_the_tutorial_unlinks_its_course_whole_and_keeps_the_roster(world):
    course = world.course("LA2", tutorial=world.la2)
    world.la2.delete()
    course.refresh_from_db()
    assert (course.unit, course.stream, course.tutorial) == (None, None, None)
    assert set(roster(course)) == {"ravi"}
    # Now a hand-made course: enrolments no longer reach it.
    world.enrol("COS30001,nia,nia@uni.edu,21CS005,Nia,Okafor,,LA1-01,\n")
    assert set(roster(course)) == {"ravi"}


def test_deleting_the_unit_unlinks_its_courses(world):
    courses = [world.course("ALL"), world.course("LABS", stream=world.labs), world.course("LA1", tutorial=world.la1)]
    world.unit.delete()
    for course in courses:
        course.refresh_from_db()
        assert (course.unit_id, course.stream_id, course.tutorial_id) == (None, None, None)
        assert CourseStudent.objects.filter(course=course).exists()


def test_deleting_a_user_withdraws_their_entries(world):
    course = world.course("ALL")
    User.objects.get(username="zed").delete()
    entry = course.students.get(roll="21CS004")
    assert entry.withdrawn and entry.user is None


def test_a_roll_held_by_another_entry_is_not_taken(world):
    course = world.course("ALL")
    # Ravi's roll is his username; a new student whose student ID is "ravi" gets their username instead.
    world.enrol("COS30001,nia,nia@uni.edu,ravi,Nia,Okafor,,LA1-01,\n")
    assert roster(course)["nia"] == ("Nia Okafor", "nia@uni.edu", "nia")
    assert roster(course)["ravi"][2] == "ravi"


def test_link_choices_list_what_each_person_may_link(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        [convenes] = selectors.link_choices(world.convenor)
    assert convenes.unit == world.unit and convenes.whole_unit
    assert [s.abbreviation for s in convenes.streams] == ["LAB", "WRK"]
    assert [t.abbreviation for t in convenes.tutorials] == ["LA1-01", "LA1-02", "WS1-01"]
    [tutors] = selectors.link_choices(world.tutor)
    assert (tutors.whole_unit, tutors.streams, [t.abbreviation for t in tutors.tutorials]) == (False, [], ["LA1-01"])
    assert selectors.link_choices(User.objects.get(username="asha")) == []
    assert selectors.link_choices(UserFactory(role=Role.TUTOR)) == []
    admin = UserFactory(role=Role.ADMIN)
    assert [choice.unit for choice in selectors.link_choices(admin)] == [world.unit]


# --- planned classes from the linked tutorial, and the API's guards on linked rosters -------------------------


def _api(user):
    from rest_framework.test import APIClient

    from doubtfire.services import issue_auth_token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=user)}")
    return client


def test_a_tutorials_course_generates_its_plan_from_the_meeting_day_and_the_unit_dates(world):
    world.la1.meeting_day, world.la1.meeting_time = "Wednesday", datetime.time(14, 30)
    world.la1.save()
    world.unit.start_date, world.unit.end_date = datetime.date(2026, 3, 2), datetime.date(2026, 3, 31)
    world.unit.save()
    course = world.course("LA1", tutorial=world.la1)
    response = _api(world.convenor).post(f"/api/courses/{course.pk}/planned_classes/generate/", {}, format="json")
    assert response.status_code == 200, response.json()
    # Wednesdays of March 2026: 4, 11, 18, 25, at the tutorial's time.
    assert [(c["date"], c["start_time"]) for c in response.json()["planned_classes"]] == [
        ("2026-03-04", "14:30"), ("2026-03-11", "14:30"), ("2026-03-18", "14:30"), ("2026-03-25", "14:30")]
    # A time as /api/tutorials/ writes it (with seconds) is accepted too, and sent values win over the defaults.
    again = _api(world.convenor).post(f"/api/courses/{course.pk}/planned_classes/generate/",
                                      {"time": "16:00:00", "weekday": "Friday", "replace": True}, format="json")
    assert [c["start_time"] for c in again.json()["planned_classes"]] == ["16:00"] * 4


def test_a_course_with_nothing_to_take_the_schedule_from_is_told_what_to_send(world):
    course = world.course("ALL")  # the whole unit: dates known, no meeting day
    response = _api(world.convenor).post(f"/api/courses/{course.pk}/planned_classes/generate/", {}, format="json")
    assert response.status_code == 400
    assert "Send weekday, time" in str(response.json()) and "follows no tutorial" in str(response.json())
    assert not course.planned_classes.exists()


def test_add_students_on_a_linked_course_is_a_400_not_a_500(world):
    course = world.course("LA1", tutorial=world.la1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = _api(world.convenor).post("/add_students", {
        "course": "LA1-2026", "file": SimpleUploadedFile("r.csv", b"Roll Number,Name\n99,Hand Made\n")})
    assert response.status_code == 400, response.content
    assert not course.students.filter(roll="99").exists()


def test_a_linked_course_made_through_rest_keeps_its_late_allowance(world):
    response = _api(world.convenor).post("/api/courses/", {
        "course_id": "LATE", "course_name": "Late", "batch": 2026, "late_allowance_minutes": 10,
        "unit": world.unit.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert Course.objects.get(course_id="LATE").late_allowance_minutes == 10


def test_the_admin_shows_marks_and_linked_rosters_read_only(world, admin_client):
    course = world.course("LA1", tutorial=world.la1)
    session = Session.objects.create(course=course, date=datetime.date(2026, 3, 2), source_format=SourceFormat.ZOOM)
    record = Record.objects.create(session=session, student=course.students.first(), status="absent", present=False)
    response = admin_client.post(f"/admin/attendance/record/{record.pk}/change/", {
        "session": session.pk, "student": record.student_id, "status": "present", "present": "on"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == "absent"
    page = admin_client.get(f"/admin/attendance/course/{course.pk}/change/").content.decode()
    assert 'name="students-MAX_NUM_FORMS" value="0"' in page and 'name="students-0-DELETE"' not in page
    assert 'name="students-0-roll"' not in page  # shown, not editable
