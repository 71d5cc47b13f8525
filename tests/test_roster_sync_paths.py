"""Every route that changes who is enrolled where keeps the rosters of the attendance courses that follow the unit
in step, in the same transaction: the CSV routes, the REST resources that can change it, and the Django admin.

(`attendance/tests/test_linked_courses.py` covers the services themselves, a failed row included.)
"""

import datetime
import io

import pytest
from django.urls import reverse

from attendance import services
from attendance.models import CourseStudent
from doubtfire.models import Project, Role, Tutorial, TutorialEnrolment, UnitRole, User
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class World:
    """COS70007, stream LAB with tutorials L1 and L2; students amy (L1) and ben (L2); courses that follow the unit,
    the stream and each tutorial, owned by its convenor (also the admin who uses the admin site)."""

    def __init__(self):
        self.campus = CampusFactory(abbreviation="B", name="Burwood")
        self.unit = UnitFactory(code="COS70007", start_date=datetime.date(2026, 3, 2))
        self.stream = TutorialStreamFactory(unit=self.unit, abbreviation="LAB", name="Labs")
        self.convenor = UnitRoleFactory(
            unit=self.unit, role=UnitRole.Kind.CONVENOR,
            user=UserFactory(username="conv", role=Role.ADMIN, is_superuser=True, is_staff=True),
        ).user
        self.l1 = TutorialFactory(unit=self.unit, abbreviation="L1", stream=self.stream, campus=self.campus)
        self.l2 = TutorialFactory(unit=self.unit, abbreviation="L2", stream=self.stream, campus=self.campus)
        self.amy = UserFactory(username="amy", student_id="S1", first_name="Amy", last_name="Ito")
        self.ben = UserFactory(username="ben", student_id="S2", first_name="Ben", last_name="Ode")
        for user, tutorial in ((self.amy, self.l1), (self.ben, self.l2)):
            TutorialEnrolment.objects.create(project=ProjectFactory(unit=self.unit, user=user, campus=self.campus), tutorial=tutorial)

        def course(course_id, **link):
            return services.create_course_from_unit(
                owner=self.convenor, course_id=course_id, course_name=course_id, batch=2026, unit=self.unit, **link
            )

        self.whole, self.labs = course("ALL"), course("LABS", stream=self.stream)
        self.c1, self.c2 = course("C1", tutorial=self.l1), course("C2", tutorial=self.l2)

    def project(self, user):
        return Project.objects.get(unit=self.unit, user=user)


@pytest.fixture
def world():
    return World()


def on(course) -> set[str]:
    """The rolls on a course's roster (withdrawn left out)."""
    return set(CourseStudent.objects.filter(course=course, withdrawn=False).values_list("roll", flat=True))


def named(text, name="students.csv"):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


# --- the CSV routes -------------------------------------------------------------------------------------------


def test_the_enrolment_csv_route_enrols_moves_and_the_rosters_follow(world, token_client):
    client = token_client(world.convenor)
    text = (
        "unit_code,username,email,student_id,first_name,last_name,lab\n"
        "COS70007,cat,cat@uni.edu,S3,Cat,Ng,L1\n"  # new
        "COS70007,ben,ben@example.edu,S2,Ben,Ode,L1\n"  # moves from L2 to L1
    )
    response = client.post(f"/api/csv/units/{world.unit.pk}", {"file": named(text)}, format="multipart")
    assert response.status_code == 201 and not response.json()["errors"], response.json()
    assert on(world.whole) == on(world.labs) == {"S1", "S2", "S3"}
    assert on(world.c1) == {"S1", "S2", "S3"} and on(world.c2) == set()
    assert CourseStudent.objects.get(course=world.c2, roll="S2").withdrawn


def test_the_withdrawal_csv_route_withdraws_from_every_roster(world, token_client):
    client = token_client(world.convenor)
    response = client.post(
        f"/api/csv/units/{world.unit.pk}/withdraw", {"file": named("unit_code,username\nCOS70007,amy\n")}, format="multipart"
    )
    assert response.status_code == 201 and response.json()["success"], response.json()
    for course in (world.whole, world.labs, world.c1):
        assert on(course) == ({"S2"} if course != world.c1 else set())
        assert CourseStudent.objects.get(course=course, roll="S1").withdrawn


def test_an_enrolment_row_that_fails_leaves_the_rosters_as_they_were(world, token_client):
    """A row refused before the write (its e-mail taken by someone else) touches no roster; the good row does."""
    UserFactory(username="other", email="taken@uni.edu")
    text = (
        "unit_code,username,email,student_id,first_name,last_name,lab\n"
        "COS70007,dan,dan@uni.edu,S4,Dan,Ra,L2\n"
        "COS70007,eve,taken@uni.edu,S5,Eve,Su,L2\n"
    )
    response = token_client(world.convenor).post(f"/api/csv/units/{world.unit.pk}", {"file": named(text)}, format="multipart")
    assert [entry["row_number"] for entry in response.json()["errors"]] == [3]
    assert on(world.c2) == {"S2", "S4"}
    assert not CourseStudent.objects.filter(roll="S5").exists()


# --- REST ---------------------------------------------------------------------------------------------------------


def test_rest_enrolments_are_read_only_so_they_cannot_bypass_the_rosters(world, token_client):
    client = token_client(world.convenor)
    assert client.post("/api/projects/", {"unit": world.unit.pk, "user": "amy"}, format="json").status_code == 405
    assert client.patch(f"/api/projects/{world.project(world.amy).pk}/", {"enrolled": False}, format="json").status_code == 405


def test_rest_moving_a_tutorial_to_another_stream_updates_the_stream_courses(world, token_client):
    other = TutorialStreamFactory(unit=world.unit, abbreviation="WRK", name="Workshops")
    workshops = services.create_course_from_unit(
        owner=world.convenor, course_id="WRK", course_name="W", batch=2026, unit=world.unit, stream=other
    )
    response = token_client(world.convenor).patch(f"/api/tutorials/{world.l2.pk}/", {"stream": "WRK"}, format="json")
    assert response.status_code == 200, response.json()
    assert on(world.labs) == {"S1"} and on(workshops) == {"S2"}


def test_rest_deleting_a_tutorial_unlinks_its_course_and_updates_the_stream(world, token_client):
    response = token_client(world.convenor).delete(f"/api/tutorials/{world.l2.pk}/")
    assert response.status_code == 204, response.content
    world.c2.refresh_from_db()
    assert world.c2.unit_id is None and world.c2.tutorial_id is None  # unlinked whole, roster kept
    assert on(world.c2) == {"S2"}
    assert on(world.labs) == {"S1"}  # ben has no lab any more
    assert on(world.whole) == {"S1", "S2"}  # still enrolled in the unit


def test_rest_changing_a_persons_details_reaches_their_rosters(world, token_client):
    admin = UserFactory(username="root", role=Role.ADMIN)
    response = token_client(admin).patch(
        f"/api/users/{world.amy.pk}/", {"first_name": "Amelia", "email": "amelia@uni.edu"}, format="json"
    )
    assert response.status_code == 200, response.json()
    entry = CourseStudent.objects.get(course=world.whole, user=world.amy)
    assert (entry.name, entry.email) == ("Amelia Ito", "amelia@uni.edu")


# --- the Django admin ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_site(client, world):
    client.force_login(world.convenor)
    return client


def change_form_data(response) -> dict:
    """What the admin change page would post back unchanged: its form and its inlines, as rendered."""
    data = {}

    def put(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, datetime.datetime):  # the admin's split date and time widget
                data[f"{bound.html_name}_0"] = f"{value:%Y-%m-%d}"
                data[f"{bound.html_name}_1"] = f"{value:%H:%M:%S}"
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    return data


def test_admin_withdrawing_an_enrolment_withdraws_from_the_rosters(world, admin_site):
    url = reverse("admin:doubtfire_project_change", args=[world.project(world.amy).pk])
    data = change_form_data(admin_site.get(url))
    data.pop("enrolled")
    response = admin_site.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert not world.project(world.amy).enrolled
    assert on(world.whole) == {"S2"} and on(world.c1) == set()


def test_admin_changing_a_tutorial_place_in_the_enrolment_moves_between_courses(world, admin_site):
    url = reverse("admin:doubtfire_project_change", args=[world.project(world.amy).pk])
    data = change_form_data(admin_site.get(url))
    data["tutorial_enrolments-0-tutorial"] = str(world.l2.pk)
    response = admin_site.post(url, data)
    assert response.status_code == 302
    assert on(world.c1) == set() and on(world.c2) == {"S1", "S2"}


def test_admin_adding_and_deleting_a_tutorial_place(world, admin_site):
    cat = UserFactory(username="cat", student_id="S3")
    project = ProjectFactory(unit=world.unit, user=cat)
    services.sync_rosters_for_projects([project.pk])  # as the route that made it would
    assert on(world.whole) == {"S1", "S2", "S3"} and on(world.c1) == {"S1"}
    response = admin_site.post(
        reverse("admin:doubtfire_tutorialenrolment_add"), {"project": project.pk, "tutorial": world.l1.pk}
    )
    assert response.status_code == 302
    assert on(world.c1) == {"S1", "S3"} and on(world.labs) == {"S1", "S2", "S3"}
    place = TutorialEnrolment.objects.get(project=project)
    response = admin_site.post(reverse("admin:doubtfire_tutorialenrolment_delete", args=[place.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert on(world.c1) == {"S1"} and on(world.labs) == {"S1", "S2"} and on(world.whole) == {"S1", "S2", "S3"}


def test_admin_deleting_enrolments_one_or_many(world, admin_site):
    response = admin_site.post(
        reverse("admin:doubtfire_project_delete", args=[world.project(world.amy).pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert on(world.whole) == {"S2"} and CourseStudent.objects.get(course=world.whole, roll="S1").withdrawn
    response = admin_site.post(
        reverse("admin:doubtfire_project_changelist"),
        {"action": "delete_selected", "_selected_action": [world.project(world.ben).pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert on(world.whole) == set() and on(world.c2) == set()


def test_admin_deleting_or_moving_a_tutorial(world, admin_site):
    url = reverse("admin:doubtfire_tutorial_change", args=[world.l2.pk])
    data = change_form_data(admin_site.get(url))
    data["stream"] = ""
    assert admin_site.post(url, data).status_code == 302
    assert on(world.labs) == {"S1"} and on(world.c2) == {"S2"}
    response = admin_site.post(reverse("admin:doubtfire_tutorial_delete", args=[world.l1.pk]), {"post": "yes"})
    assert response.status_code == 302
    world.c1.refresh_from_db()
    assert world.c1.unit_id is None and on(world.c1) == {"S1"}
    assert on(world.labs) == set()


def test_admin_changing_a_persons_details_reaches_their_rosters(world, admin_site):
    url = reverse("admin:doubtfire_user_change", args=[world.ben.pk])
    data = change_form_data(admin_site.get(url))
    data.update({"student_id": "S20", "nickname": "Benny"})
    response = admin_site.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    entry = CourseStudent.objects.get(course=world.whole, user=world.ben)
    assert (entry.roll, entry.name) == ("S20", "Benny Ode")
    assert User.objects.get(pk=world.ben.pk).student_id == "S20"
    assert Tutorial.objects.filter(pk=world.l2.pk).exists()


def test_admin_linking_a_hand_made_course_fills_its_roster_and_refuses_a_mismatch(world, admin_site):
    hand = services.create_course(
        owner=world.convenor, course_id="HAND", course_name="Hand", batch=2026,
        roster=services.read_roster(name="r.csv", data=b"Roll Number,Name\nS1,Amy by hand\nG1,A guest\n"),
    )
    url = reverse("admin:attendance_course_change", args=[hand.pk])
    data = change_form_data(admin_site.get(url))
    foreign = TutorialFactory(unit=UnitFactory(code="COS80008"), abbreviation="F1")
    response = admin_site.post(url, {**data, "unit": str(world.unit.pk), "tutorial": str(foreign.pk)})
    assert response.status_code == 200 and "Choose a tutorial of the course" in response.content.decode()
    response = admin_site.post(url, {**data, "unit": str(world.unit.pk), "tutorial": str(world.l2.pk)})
    assert response.status_code == 302
    # Hand-made entries stay as they are (no account: the sync leaves them alone); ben, in L2, joins.
    assert on(hand) == {"S1", "G1", "S2"}
    assert CourseStudent.objects.get(course=hand, roll="S2").user == world.ben
    assert not CourseStudent.objects.filter(course=hand, user=world.amy).exists()  # not in L2
