"""The attendance pages: sign up, courses, the upload preview, confirm/cancel, and who may see what."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attendance.models import Course, CourseStudent, Record, Session
from doubtfire.models import Role, User

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
ROSTER = (FIXTURES / "students.csv").read_bytes()
TEAMS_LOG = (FIXTURES / "Test2.csv").read_bytes()

# Test2.csv, worked by hand with the meeting ending at 13/2/2021 11:00:00 AM (union of connected time):
#   roll 1: 9:35:35→9:35:39 (4 s) + 10:42:03→11:00:00 (1077 s)                        = 1081 s
#   roll 2: joins 9:38:57 and 9:39:28, leaves 9:49:09 and 10:13:15 → 9:38:57→10:13:15    = 2058 s
#   roll 3: joins 9:40:30 and 10:03:52, one leave 10:41:53 → still connected until 11:00 = 4770 s
#   roll 4: a leave at 9:39:06 with nothing open, joins 9:44:46, open until 11:00        = 4514 s
EXPECTED_SECONDS = {"1": 1081, "2": 2058, "3": 4770, "4": 4514}


@pytest.fixture
def teacher(make_user):
    return make_user(Role.CONVENOR, username="teacher@uni.edu", email="teacher@uni.edu")


@pytest.fixture
def browser(client, teacher):
    client.force_login(teacher)
    return client


@pytest.fixture
def course(browser):
    response = browser.post(
        "/courses/new/",
        {"course_id": "CS402", "course_name": "Networks", "batch": "2017", "roster": SimpleUploadedFile("students.csv", ROSTER)},
    )
    assert response.status_code == 302
    return Course.objects.get(course_id="CS402")


# --- Signing up ---------------------------------------------------------------------------------------


def test_sign_up_makes_a_tutor_and_signs_them_in(client):
    response = client.post(
        "/accounts/signup/",
        {"name": "Asha Rao", "email": "Asha@Uni.edu", "password": "a long passphrase", "password_again": "a long passphrase"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    user = User.objects.get(email="asha@uni.edu")
    assert user.role == Role.TUTOR  # owns attendance courses, nothing else (issue 11)
    assert response.context["user"] == user
    assert user.check_password("a long passphrase")


def test_sign_up_refuses_a_taken_email_and_weak_or_mismatched_passwords(client, teacher):
    taken = client.post(
        "/accounts/signup/",
        {"name": "X", "email": "TEACHER@uni.edu", "password": "a long passphrase", "password_again": "a long passphrase"},
    )
    assert taken.status_code == 400
    assert "already registered" in taken.content.decode()
    weak = client.post("/accounts/signup/", {"name": "Y", "email": "y@uni.edu", "password": "123", "password_again": "124"})
    assert weak.status_code == 400
    assert "not the same" in weak.content.decode()
    assert "too short" in weak.content.decode()
    assert not User.objects.filter(email="y@uni.edu").exists()


def test_sign_up_needs_its_csrf_token():
    response = Client(enforce_csrf_checks=True).post(
        "/accounts/signup/", {"name": "Z", "email": "z@uni.edu", "password": "a long passphrase", "password_again": "a long passphrase"}
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="z@uni.edu").exists()


def _sign_up_limit(settings) -> int:
    # "10/hour" by default; SIGN_UP_RATE may change the number, and the test follows it.
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["sign_up"].split("/")[0])


def test_sign_up_is_rate_limited_per_address_with_a_friendly_page(settings):
    limit = _sign_up_limit(settings)
    crowd = Client(REMOTE_ADDR="203.0.113.7")
    assert crowd.get("/accounts/signup/").status_code == 200  # looking at the form costs nothing
    mismatched = {"name": "N", "email": "n@uni.edu", "password": "a long passphrase", "password_again": "other"}
    for _ in range(limit - 1):
        assert crowd.post("/accounts/signup/", mismatched).status_code == 400  # failed attempts count too
    last = {"name": "Last One", "email": "last@uni.edu", "password": "a long passphrase", "password_again": "a long passphrase"}
    assert Client(REMOTE_ADDR="203.0.113.7").post("/accounts/signup/", last).status_code == 302
    refused = Client(REMOTE_ADDR="203.0.113.7").post(
        "/accounts/signup/", {**last, "email": "one.more@uni.edu"}
    )
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Please wait a little before trying again" in page
    assert "try again in about" in page
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert not User.objects.filter(email="one.more@uni.edu").exists()
    # /api_signup shares the budget: the same address is refused there too, with the API's error shape.
    api = Client(REMOTE_ADDR="203.0.113.7").post(
        "/api_signup", {"name": "Api", "email": "api@uni.edu", "password": "a long passphrase", "api": "1"}
    )
    assert api.status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="198.51.100.2").post("/accounts/signup/", {**last, "email": "other@uni.edu"})
    assert other.status_code == 302
    assert User.objects.filter(email="other@uni.edu").exists()


def test_api_sign_ups_count_against_the_dashboards_budget(settings):
    limit = _sign_up_limit(settings)
    for number in range(limit):
        Client(REMOTE_ADDR="203.0.113.9").post("/api_signup", {"name": "N", "email": f"n{number}@uni.edu", "password": "x"})
    refused = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/signup/",
        {"name": "Late", "email": "late@uni.edu", "password": "a long passphrase", "password_again": "a long passphrase"},
    )
    assert refused.status_code == 429
    assert not User.objects.filter(email="late@uni.edu").exists()


# --- Courses --------------------------------------------------------------------------------------------


def test_creating_a_course_with_the_fixture_roster(browser, course):
    assert sorted(CourseStudent.objects.filter(course=course).values_list("roll", "name")) == [
        ("1", "Shreya"), ("2", "Riya"), ("3", "Ranesha"), ("4", "Ritwik")
    ]
    page = browser.get(f"/courses/{course.pk}/")
    assert page.status_code == 200
    assert "Course CS402-2017 created with 4 students." in page.content.decode()


def test_a_duplicate_course_or_a_bad_roster_is_refused_with_a_sentence(browser, course):
    again = browser.post(
        "/courses/new/",
        {"course_id": "CS402", "course_name": "Again", "batch": "2017", "roster": SimpleUploadedFile("s.csv", ROSTER)},
    )
    assert again.status_code == 400
    assert "already have a course CS402 for batch 2017" in again.content.decode()
    bad = browser.post(
        "/courses/new/",
        {"course_id": "CS403", "course_name": "Bad", "batch": "17", "roster": SimpleUploadedFile("s.csv", b"Who\nx\n")},
    )
    assert bad.status_code == 400
    assert not Course.objects.filter(course_id="CS403").exists()


@pytest.mark.parametrize("courses", [1, 10])
def test_my_courses_costs_the_same_queries_for_one_course_or_ten(
    browser, teacher, django_assert_max_num_queries, courses
):
    for number in range(courses):
        course = Course.objects.create(owner=teacher, course_id=f"C{number:02d}", course_name="C", batch=2024)
        students = CourseStudent.objects.bulk_create(
            CourseStudent(course=course, roll=str(roll), name=f"S{roll}") for roll in range(1, 5)
        )
        session = Session.objects.create(course=course, date=datetime.date(2024, 3, 1), source_format="google_form")
        # Rolls 1 and 2 present, 3 and 4 absent: 50 % average, two defaulters under 75 %.
        Record.objects.bulk_create(
            Record(session=session, student=student, status="present" if student.roll in ("1", "2") else "absent",
                   present=student.roll in ("1", "2")) for student in students
        )
    # The session, the user, the teacher's unit roles (2: courses of units they convene are theirs to see too),
    # the two of course_summaries, and whether they teach a unit to make a course from (2 more: their unit roles;
    # the units' streams and tutorials are not asked for without units): the same at both sizes (it was 1 + 6
    # per course).
    with django_assert_max_num_queries(8):
        response = browser.get("/")
    cards = response.context["cards"]
    assert len(cards) == courses
    assert {(card.students, card.dates, card.average, card.defaulters) for card in cards} == {(4, 1, 50.0, 2)}
    assert response.content.decode().count("Defaulters (below 75 %)") == courses


def test_anonymous_visitors_are_sent_to_sign_in(client, teacher):
    course = Course.objects.create(owner=teacher, course_id="X1", course_name="X", batch=2020)
    for url in ("/", "/courses/new/", f"/courses/{course.pk}/", f"/courses/{course.pk}/delete/",
                f"/courses/{course.pk}/students/", f"/courses/{course.pk}/dates/", f"/courses/{course.pk}/upload/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    response = client.post(f"/courses/{course.pk}/upload/", {})
    assert response.status_code == 302


def test_a_teacher_never_sees_another_teachers_course(client, teacher, make_user):
    theirs = Course.objects.create(owner=teacher, course_id="CS402", course_name="Secret", batch=2017)
    CourseStudent.objects.create(course=theirs, roll="1", name="Shreya")
    client.force_login(make_user(Role.CONVENOR, username="other@uni.edu"))
    pk = theirs.pk
    assert client.get(f"/courses/{pk}/").status_code == 404
    assert client.get(f"/courses/{pk}/delete/").status_code == 404
    assert client.post(f"/courses/{pk}/delete/").status_code == 404
    student = CourseStudent.objects.get(course=theirs)
    assert client.post(f"/courses/{pk}/students/{student.pk}/remove/").status_code == 404
    assert client.get(f"/courses/{pk}/students/").status_code == 404
    assert client.get(f"/courses/{pk}/dates/").status_code == 404
    files = SimpleUploadedFile("Test2.csv", TEAMS_LOG)
    assert client.post(f"/courses/{pk}/upload/", {"files": files, "threshold_minutes": "0"}).status_code == 404
    assert "Secret" not in client.get("/").content.decode()
    assert Course.objects.filter(pk=pk).exists() and CourseStudent.objects.filter(course=theirs).exists()
