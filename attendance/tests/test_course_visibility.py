"""Who sees what (attendance.permissions): convenors every course of their unit, tutors the courses of their
tutorials, co-teachers what is shared with them, students only their own attendance — through the selectors and
the routes."""

import datetime
import io

import pytest
from rest_framework.test import APIClient

from attendance import selectors, services
from attendance.models import Course, CourseStudent, Record, Session, SourceFormat
from attendance.permissions import MANAGE_COURSE, UPLOAD_ATTENDANCE, VIEW_COURSE, ActionRefused, AmbiguousCourse, NoSuchCourse
from doubtfire.models import Role, TutorialEnrolment, UnitRole, User
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import (
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class World:
    """COS50005 with tutorials T1 (tutor t1) and T2 (tutor t2) in stream S; its convenor; students a (T1) and b (T2);
    a course per tutorial and one for the unit, all owned by the convenor; a hand-made course of another teacher."""

    def __init__(self):
        self.unit = UnitFactory(code="COS50005")
        stream = TutorialStreamFactory(unit=self.unit, abbreviation="S")
        self.convenor = UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="conv", role=Role.CONVENOR)).user
        roles = {
            name: UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.TUTOR, user=UserFactory(username=name, role=Role.TUTOR))
            for name in ("t1", "t2")
        }
        self.t1, self.t2 = roles["t1"].user, roles["t2"].user
        self.tut1 = TutorialFactory(unit=self.unit, abbreviation="T1", stream=stream, tutor=roles["t1"])
        self.tut2 = TutorialFactory(unit=self.unit, abbreviation="T2", stream=stream, tutor=roles["t2"])
        self.a = UserFactory(username="a", email="a@uni.edu", first_name="Ann", last_name="A")
        self.b = UserFactory(username="b", email="b@uni.edu", first_name="Bo", last_name="B")
        for student, tutorial in ((self.a, self.tut1), (self.b, self.tut2)):
            TutorialEnrolment.objects.create(project=ProjectFactory(unit=self.unit, user=student), tutorial=tutorial)

        def course(course_id, **link):
            return services.create_course_from_unit(
                owner=self.convenor, course_id=course_id, course_name=course_id, batch=2026, unit=self.unit, **link
            )

        self.c1, self.c2, self.whole = course("C1", tutorial=self.tut1), course("C2", tutorial=self.tut2), course("ALL")
        self.teacher = UserFactory(username="teacher@uni.edu", email="teacher@uni.edu", role=Role.TUTOR)
        self.hand = services.create_course(owner=self.teacher, course_id="H", course_name="Hand", batch=2026, roster=[])
        for course_ in (self.c1, self.whole):
            session = Session.objects.create(course=course_, date=datetime.date(2026, 3, 2), source_format=SourceFormat.ZOOM)
            Record.objects.create(session=session, student=course_.students.get(user=self.a), status="present", present=True, seconds_attended=3000)
            if course_ == self.whole:
                Record.objects.create(session=session, student=course_.students.get(user=self.b), status="absent", present=False, seconds_attended=60)


@pytest.fixture
def world():
    return World()


def visible(user):
    return sorted(course.course_id for course in selectors.courses_visible_to(user))


def client_of(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=user)}")
    return client


def test_convenors_see_every_course_of_their_unit(world):
    assert visible(world.convenor) == ["ALL", "C1", "C2"]
    assert visible(UnitRoleFactory(role=UnitRole.Kind.CONVENOR).user) == []  # another unit's convenor


def test_tutors_see_only_the_courses_of_their_tutorials(world):
    assert visible(world.t1) == ["C1"]
    assert visible(world.t2) == ["C2"]
    with pytest.raises(NoSuchCourse):
        selectors.course_for(world.t1, course_id="C2", batch=2026, action=VIEW_COURSE)
    assert selectors.course_for(world.t1, course_id="C1", batch=2026, action=UPLOAD_ATTENDANCE) == world.c1
    with pytest.raises(ActionRefused, match="Only the owner"):
        selectors.course_for(world.t1, course_id="C1", batch=2026, action=MANAGE_COURSE)


def test_students_see_no_course_only_their_own_attendance(world):
    assert visible(world.a) == []
    mine = selectors.my_attendance(world.a)
    assert [(m.course.course_id, m.roll, m.attended, m.held) for m in mine] == [("ALL", "a", 1, 1), ("C1", "a", 1, 1)]
    assert mine[0].sessions[0].status_label == "Present" and mine[0].sessions[0].minutes == 50
    body = client_of(world.a).get("/api/my_attendance").json()
    assert [c["course_id"] for c in body["courses"]] == ["ALL", "C1"]
    assert {c["roll"] for c in body["courses"]} == {"a"}  # nobody else's
    assert body["courses"][0]["percentage"] == 100.0 and body["courses"][0]["needed"] is None
    assert body["courses"][0]["sessions"] == [
        {"date": "2026-03-02", "start_time": "00:00", "status": "Present", "minutes": 50, "flagged": False}
    ]
    other = client_of(world.b).get("/api/my_attendance").json()
    assert [(c["course_id"], c["percentage"], [s["status"] for s in c["sessions"]]) for c in other["courses"]] == [
        ("ALL", 0.0, ["Absent"]), ("C2", None, [])
    ]
    # A student with no course: an empty list, not an error. And the student's token finds no course.
    assert client_of(UserFactory()).get("/api/my_attendance").json() == {"courses": []}
    response = client_of(world.a).post("/download_attendance", {"down-course": "C1-2026", "report_type": "1", "report_format": "0"})
    assert response.status_code == 404


def test_my_attendance_costs_the_same_queries_for_one_course_or_many(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        selectors.my_attendance(world.b)
    # Roster entries with their courses, sessions, records, and the plans' two.
    with django_assert_max_num_queries(5) as two:
        selectors.my_attendance(world.a)
    assert len(one) == len(two)


def test_co_teachers_see_and_record_but_do_not_manage(world):
    assert visible(world.teacher) == ["H"]
    owner = client_of(world.convenor)
    response = owner.post(f"/api/courses/{world.c1.pk}/co_teachers/", {"user": "Teacher@Uni.edu"}, format="json")
    assert response.status_code == 200 and response.json()["co_teachers"] == ["teacher@uni.edu"]
    assert visible(world.teacher) == ["C1", "H"]
    assert selectors.course_for(world.teacher, course_id="C1", batch=2026, action=UPLOAD_ATTENDANCE) == world.c1
    shared = client_of(world.teacher)
    assert shared.get(f"/api/courses/{world.c1.pk}/").status_code == 200
    refused = shared.patch(f"/api/courses/{world.c1.pk}/", {"course_name": "Mine now"}, format="json")
    assert refused.status_code == 403 and "Only the owner" in refused.json()["error"]
    assert shared.post(f"/api/courses/{world.c1.pk}/co_teachers/", {"user": "t2"}, format="json").status_code == 403
    # Students cannot be co-teachers; removing stops the sharing.
    student = owner.post(f"/api/courses/{world.c1.pk}/co_teachers/", {"user": "a"}, format="json")
    assert student.status_code == 400 and "student account" in student.json()["error"]
    assert owner.delete(f"/api/courses/{world.c1.pk}/co_teachers/teacher@uni.edu/").status_code == 200
    assert visible(world.teacher) == ["H"]
    again = owner.delete(f"/api/courses/{world.c1.pk}/co_teachers/teacher@uni.edu/")
    assert again.status_code == 400 and "not a co-teacher" in again.json()["error"]


def test_get_all_courses_lists_shared_courses_with_their_owner(world):
    client = client_of(world.t1)
    courses = client.post("/get_all_courses", {"api": "1"}).json()["courses"]
    assert [(c["course_id"], c["owner"], sorted(c["students"])) for c in courses] == [("C1", "conv", ["a"])]
    own = client_of(world.teacher).post("/get_all_courses", {"api": "1"}).json()["courses"]
    assert own == [{"course_id": "H", "course_name": "Hand", "batch": 2026, "dates": [], "students": {}}]  # the seed's shape


def test_a_shared_course_id_and_batch_own_course_first_else_400_naming_owners(world):
    # The tutor t1 makes their own C1 too (same id and batch as the convenor's C1, which they see).
    own = services.create_course(owner=world.t1, course_id="C1", course_name="Mine", batch=2026, roster=[])
    assert selectors.course_for(world.t1, course_id="C1", batch=2026, action=VIEW_COURSE) == own
    assert selectors.course_for(world.t1, course_id="C1", batch=2026, action=VIEW_COURSE, owner="conv") == world.c1
    # Someone who owns neither and sees both: ambiguous, unless they say whose.
    world.c1.co_teachers.add(world.teacher)
    own.co_teachers.add(world.teacher)
    with pytest.raises(AmbiguousCourse, match="owners: conv, t1"):
        selectors.course_for(world.teacher, course_id="C1", batch=2026, action=VIEW_COURSE)
    client = client_of(world.teacher)
    response = client.post("/download_attendance", {"down-course": "C1-2026", "report_type": "1", "report_format": "0"})
    assert response.status_code == 400 and "send owner=<username>" in response.json()["error"]
    chosen = client.post(
        "/download_attendance", {"down-course": "C1-2026", "report_type": "1", "report_format": "0", "owner": "conv"}
    )
    assert chosen.status_code == 200 and chosen["Content-Disposition"] == "attachment; filename=C1_2026_asOf_2026-03-02.csv"
    nobody = client.post("/download_attendance", {"down-course": "C1-2026", "report_type": "1", "report_format": "0", "owner": "zz"})
    assert nobody.status_code == 404


def test_another_teachers_course_is_still_404(world):
    client = client_of(world.teacher)
    assert client.post("/delete_course", {"course_id": "C1", "batch": "2026"}).status_code == 404
    assert client.get(f"/api/courses/{world.c1.pk}/").status_code == 404
    assert Course.objects.filter(pk=world.c1.pk).exists()


def test_a_tutor_uploads_for_their_tutorials_course(world):
    report = (
        "Full Name,User Action,Timestamp\n"
        'a,Joined,"3/3/2026, 9:00:00 AM"\n'
        'a,Left,"3/3/2026, 10:00:00 AM"\n'
    ).encode()
    handle = io.BytesIO(report)
    handle.name = "teams.csv"
    response = client_of(world.t1).post(
        "/upload_attendance", {"course_id": "C1", "batch": "2026", "end_time": "3/3/2026, 10:00:00 AM", "file": handle}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["matched"]["2026-03-03"] == [{"participant": "a", "email": "", "roll": "a", "matched_by": "roll"}]
    assert Session.objects.filter(course=world.c1, date=datetime.date(2026, 3, 3), uploaded_by=world.t1).exists()


def test_courses_from_a_unit_through_the_api_and_rest(world):
    convenor = client_of(world.convenor)
    response = convenor.post(
        "/add_course_from_unit",
        {"course_id": "STREAM", "course_name": "Stream S", "batch": "2026", "unit_id": str(world.unit.pk), "stream": "s"},
    )
    assert response.status_code == 200, response.json()
    assert sorted(response.json()["course"]["students"]) == ["a", "b"]
    created = convenor.post(
        "/api/courses/",
        {"course_id": "T2C", "course_name": "T2", "batch": 2026, "unit": world.unit.pk, "tutorial": "T2"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["unit"], body["stream"], body["tutorial"], body["owner"]) == (world.unit.pk, None, "T2", "conv")
    assert body["students"] == [{"roll": "b", "name": "Bo B", "email": "b@uni.edu", "username": "b", "withdrawn": False}]
    # The link is set once.
    moved = convenor.patch(f"/api/courses/{body['id']}/", {"tutorial": "T1"}, format="json")
    assert moved.status_code == 400 and "linked to a unit when it is created" in moved.json()["error"]
    same = convenor.patch(f"/api/courses/{body['id']}/", {"tutorial": "T2", "course_name": "Tutorial 2"}, format="json")
    assert same.status_code == 200 and same.json()["course_name"] == "Tutorial 2"
    # Bad names and units.
    assert convenor.post(
        "/add_course_from_unit", {"course_id": "X", "course_name": "X", "batch": "2026", "unit_id": str(world.unit.pk), "tutorial": "T9"}
    ).json()["error"] == "tutorial: COS50005 has no tutorial 'T9'."
    assert convenor.post(
        "/add_course_from_unit", {"course_id": "X", "course_name": "X", "batch": "2026", "unit_id": "999999"}
    ).status_code == 404
    assert convenor.post(
        "/api/courses/", {"course_id": "X", "course_name": "X", "batch": 2026, "tutorial": "T1"}, format="json"
    ).status_code == 400
    refused = client_of(world.t1).post(
        "/add_course_from_unit", {"course_id": "X", "course_name": "X", "batch": "2026", "unit_id": str(world.unit.pk), "tutorial": "T2"}
    )
    assert refused.status_code == 403 and "do not tutor T2" in refused.json()["error"]


def test_the_dashboard_shows_tutors_their_tutorials_courses(world, client):
    client.force_login(world.t1)
    assert client.get(f"/courses/{world.c1.pk}/").status_code == 200
    assert client.get(f"/courses/{world.c2.pk}/").status_code == 404
    assert client.post(f"/courses/{world.c1.pk}/delete/").status_code == 403
    home = client.get("/").content.decode()
    assert "C1" in home and "C2" not in home
    # A roster that follows a unit is not edited by hand from the page either (a message, not a 500).
    response = client.post(f"/courses/{world.c1.pk}/students/add/", {"roll": "9", "name": "Nia"})
    assert response.status_code == 302
    assert not CourseStudent.objects.filter(course=world.c1, roll="9").exists()


def test_an_admin_with_a_student_place_in_the_unit_does_not_see_its_courses(world):
    admin = UserFactory(username="root", role=Role.ADMIN)
    assert visible(admin) == ["ALL", "C1", "C2"]
    ProjectFactory(unit=world.unit, user=admin)
    assert visible(admin) == []
    assert User.objects.filter(username="root").exists()
