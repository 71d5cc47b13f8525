"""`GET /api/csv/units/<id>/attendance`: one row per enrolled student, one column per course that follows the unit
with the student's percentage, then `Needed` — with the conventions of the other unit downloads."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import services
from attendance.models import CourseStudent, Record, Session, SourceFormat
from csvapi.tests.uploads import bad_token_client
from doubtfire.models import Project, Role, TutorialEnrolment, UnitRole
from doubtfire.tests.factories import (
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def record(course, user, day, present):
    session, _ = Session.objects.get_or_create(
        course=course, date=datetime.date(2026, 3, day), defaults={"source_format": SourceFormat.ZOOM}
    )
    Record.objects.create(session=session, student=CourseStudent.objects.get(course=course, user=user), status="present" if present else "absent", present=present)


class World:
    """SIT202 (stream P: tutorials P01 with tutor tina, P02); students ann, bob (P01) and cy (P02), dee (no tutorial);
    courses: WHOLE (the unit), P01 and P02 (their tutorials), all by the convenor."""

    def __init__(self):
        self.unit = UnitFactory(code="SIT202")
        stream = TutorialStreamFactory(unit=self.unit, abbreviation="P")
        self.convenor = UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="conv", role=Role.CONVENOR)).user
        tina = UnitRoleFactory(unit=self.unit, role=UnitRole.Kind.TUTOR, user=UserFactory(username="tina", role=Role.TUTOR))
        self.tutor = tina.user
        p01 = TutorialFactory(unit=self.unit, abbreviation="P01", stream=stream, tutor=tina)
        p02 = TutorialFactory(unit=self.unit, abbreviation="P02", stream=stream)
        self.people = {}
        for username, student_id, tutorial in (("ann", "S1", p01), ("bob", "S2", p01), ("cy", None, p02), ("dee", "S4", None)):
            user = UserFactory(username=username, student_id=student_id, first_name=username.title(), last_name="Lee")
            project = ProjectFactory(unit=self.unit, user=user)
            if tutorial is not None:
                TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
            self.people[username] = user

        def course(course_id, **link):
            return services.create_course_from_unit(
                owner=self.convenor, course_id=course_id, course_name=course_id, batch=2026, unit=self.unit, **link
            )

        self.whole, self.p01, self.p02 = course("WHOLE"), course("P01", tutorial=p01), course("P02", tutorial=p02)
        ann, bob, cy, dee = (self.people[n] for n in ("ann", "bob", "cy", "dee"))
        # WHOLE: three sessions. ann 3/3 = 100 %, bob 2/3 = 66.66… → 66.6, cy 1/3 → 33.3, dee 0/3 → 0.0.
        for day in (2, 3, 4):
            record(self.whole, ann, day, True)
            record(self.whole, bob, day, day != 4)
            record(self.whole, cy, day, day == 2)
            record(self.whole, dee, day, False)
        # P01: ann 1/2 = 50.0, bob 2/2 = 100.0. P02: nothing held yet.
        for day in (2, 3):
            record(self.p01, ann, day, day == 2)
            record(self.p01, bob, day, True)


@pytest.fixture
def world():
    return World()


def test_one_row_per_enrolled_student_one_column_per_course_then_needed(world, token_client):
    response = token_client(world.convenor).get(f"/api/csv/units/{world.unit.pk}/attendance")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename=SIT202-Attendance.csv"
    assert rows_of(response) == [
        ["unit_code", "username", "student_id", "first_name", "last_name", "email", "P01-2026", "P02-2026", "WHOLE-2026", "Needed"],
        ["SIT202", "ann", "S1", "Ann", "Lee", "ann@example.edu", "50.0", "", "100.0", ""],
        ["SIT202", "bob", "S2", "Bob", "Lee", "bob@example.edu", "100.0", "", "66.6", ""],
        ["SIT202", "cy", "", "Cy", "Lee", "cy@example.edu", "", "", "33.3", ""],
        ["SIT202", "dee", "S4", "Dee", "Lee", "dee@example.edu", "", "", "0.0", ""],
    ]


def test_withdrawn_students_are_left_out(world, token_client):
    text = "unit_code,username\nSIT202,bob\n"
    from doubtfire.services import withdraw_students_from_table
    from spreadsheets import read_table

    withdraw_students_from_table(actor=world.convenor, unit=world.unit, table=read_table(text.encode()))
    usernames = [row[1] for row in rows_of(token_client(world.convenor).get(f"/api/csv/units/{world.unit.pk}/attendance"))]
    assert usernames == ["username", "ann", "cy", "dee"]
    # A student who moved tutorial keeps a row, with the old tutorial's course blank (withdrawn from it).
    from doubtfire.models import Tutorial

    TutorialEnrolment.objects.filter(project__user=world.people["ann"]).update(tutorial=Tutorial.objects.get(abbreviation="P02"))
    services.sync_unit_rosters(unit_ids=[world.unit.pk])
    rows = rows_of(token_client(world.convenor).get(f"/api/csv/units/{world.unit.pk}/attendance"))
    assert rows[1][:2] == ["SIT202", "ann"] and rows[1][6:] == ["", "", "100.0", ""]


def test_a_tutor_sees_the_columns_of_their_tutorials_courses(world, token_client):
    rows = rows_of(token_client(world.tutor).get(f"/api/csv/units/{world.unit.pk}/attendance"))
    assert rows[0][6:] == ["P01-2026", "Needed"]
    assert len(rows) == 5  # every enrolled student, as the students download gives tutors


def test_two_courses_of_one_name_are_told_apart_by_owner(world, token_client):
    badmin = UnitRoleFactory(unit=world.unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="boss", role=Role.CONVENOR)).user
    services.create_course_from_unit(owner=badmin, course_id="WHOLE", course_name="Again", batch=2026, unit=world.unit)
    header = rows_of(token_client(world.convenor).get(f"/api/csv/units/{world.unit.pk}/attendance"))[0]
    assert header[6:] == ["P01-2026", "P02-2026", "WHOLE-2026 (boss)", "WHOLE-2026 (conv)", "Needed"]


def test_order_of_checks_419_404_403(world, token_client):
    assert bad_token_client().get(f"/api/csv/units/{world.unit.pk}/attendance").status_code == 419
    missing = token_client(world.convenor).get("/api/csv/units/999999/attendance")
    assert missing.status_code == 404 and missing.json() == {"error": "Unable to find requested Unit"}
    assert token_client(world.convenor).get("/api/csv/units/test/attendance").status_code == 404
    # Unknown unit before permission: a student gets 404 for a unit that does not exist, 403 for this one.
    student = token_client(world.people["ann"])
    assert student.get("/api/csv/units/999999/attendance").status_code == 404
    refused = student.get(f"/api/csv/units/{world.unit.pk}/attendance")
    assert refused.status_code == 403 and refused.json()["error"] == "Not authorised to download CSV of attendance in SIT202"


def test_cells_that_look_like_formulas_are_neutralised(world, token_client):
    world.people["dee"].first_name = "=HYPERLINK(1)"
    world.people["dee"].save()
    rows = rows_of(token_client(world.convenor).get(f"/api/csv/units/{world.unit.pk}/attendance"))
    assert rows[4][3] == "'=HYPERLINK(1)"


def make_unit(code: str, students: int, sessions: int):
    unit = UnitFactory(code=code)
    convenor = UnitRoleFactory(unit=unit, role=UnitRole.Kind.CONVENOR).user
    tutorials = [TutorialFactory(unit=unit, abbreviation=f"{code}-T{n}") for n in range(2)]
    for n in range(students):
        project = ProjectFactory(unit=unit, user=UserFactory(username=f"{code}-{n}"))
        TutorialEnrolment.objects.create(project=project, tutorial=tutorials[n % 2])
    courses = [
        services.create_course_from_unit(owner=convenor, course_id=f"{code}-{suffix}", course_name="c", batch=2026, unit=unit, **link)
        for suffix, link in (("A", {}), ("T0", {"tutorial": tutorials[0]}), ("T1", {"tutorial": tutorials[1]}))
    ]
    for course in courses:
        entries = list(CourseStudent.objects.filter(course=course))
        for day in range(1, sessions + 1):
            session = Session.objects.create(course=course, date=datetime.date(2026, 3, day), source_format=SourceFormat.ZOOM)
            Record.objects.bulk_create(
                Record(session=session, student=entry, status="present" if there else "absent", present=there)
                for entry in entries
                for there in [(day + entry.pk) % 3 != 0]
            )
    Project.objects.filter(unit=unit, user__username=f"{code}-0").update(enrolled=False)
    return unit, convenor


def test_query_count_is_the_same_for_ten_or_a_hundred_students(token_client, django_assert_max_num_queries):
    counts = []
    for code, students, sessions in (("QA", 10, 2), ("QB", 100, 6)):
        unit, convenor = make_unit(code, students, sessions)
        client = token_client(convenor)
        with CaptureQueriesContext(connection) as captured:
            rows = rows_of(client.get(f"/api/csv/units/{unit.pk}/attendance"))
        assert len(rows) == students  # a header and every enrolled student but the one withdrawn
        counts.append(len(captured))
    # The token, the unit, the permission (the Convenor's unit role), then the selector's five: the caller's unit
    # roles (2), the courses, every record of them, the enrolled students.
    assert counts[0] == counts[1] <= 9, counts  # with the plans' two queries (Needed)
