"""The attendance pages: sign up, courses, the upload preview, confirm/cancel, and who may see what."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attendance.models import Course, CourseStudent, Record, Session
from attendance.services import UploadOptions, record_attendance
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


def upload(browser, course, **fields):
    data = {"threshold": "1800", "end_time": "13/2/2021, 11:00 AM", "flags": "", "date_order": "day-first", "match_by": "name"}
    data.update(fields)
    data.setdefault("files", SimpleUploadedFile("Test2.csv", TEAMS_LOG))
    return browser.post(f"/courses/{course.pk}/upload/", data)


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


def test_my_courses_shows_cards_with_counts(browser, course):
    upload(browser, course)
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    response = browser.get("/")
    [card] = response.context["cards"]
    assert (card.students, card.dates, card.defaulters) == (4, 1, 1)  # roll 1 absent → 0 % < 75 %
    assert card.average == 75.0


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
            Record(session=session, student=student, present=student.roll in ("1", "2")) for student in students
        )
    # The session, the user, the teacher's unit roles (2: courses of units they convene are theirs to see too) and
    # the two of course_summaries: the same at both sizes (it was 1 + 6 per course).
    with django_assert_max_num_queries(6):
        response = browser.get("/")
    cards = response.context["cards"]
    assert len(cards) == courses
    assert {(card.students, card.dates, card.average, card.defaulters) for card in cards} == {(4, 1, 50.0, 2)}
    assert response.content.decode().count("Defaulters (below 75 %)") == courses


def test_anonymous_visitors_are_sent_to_sign_in(client, teacher):
    course = Course.objects.create(owner=teacher, course_id="X1", course_name="X", batch=2020)
    for url in ("/", "/courses/new/", f"/courses/{course.pk}/", f"/courses/{course.pk}/delete/"):
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
    assert client.post(f"/courses/{pk}/students/remove/", {"roll": "1"}).status_code == 404
    assert client.post(f"/courses/{pk}/dates/delete/", {"date": "2021-02-13"}).status_code == 404
    files = SimpleUploadedFile("Test2.csv", TEAMS_LOG)
    assert client.post(f"/courses/{pk}/upload/", {"files": files, "threshold": "0"}).status_code == 404
    assert "Secret" not in client.get("/").content.decode()
    assert Course.objects.filter(pk=pk).exists() and CourseStudent.objects.filter(course=theirs).exists()


# --- Uploading with a preview ---------------------------------------------------------------------------


def test_the_preview_shows_seconds_and_present_absent_and_writes_nothing(browser, course):
    response = upload(browser, course, flags="3")
    assert response.status_code == 200
    [day] = response.context["preview"].dates
    assert str(day.date) == "2021-02-13"
    lines = {line.roll: (line.seconds, line.present, line.flagged) for line in day.lines}
    assert lines == {
        "1": (1081, False, False),  # under 1800 s
        "2": (2058, True, False),
        "3": (4770, False, True),  # long enough, but flagged
        "4": (4514, True, False),
    }
    assert not Session.objects.exists() and not Record.objects.exists()
    assert "Confirm and save" in response.content.decode()


# Test2.csv with no end time: its last event is roll 1 joining again at 10:42:03, and whoever is still
# connected then is counted to it (SPEC §3):
#   roll 1: 9:35:35→9:35:39 (4 s) + 10:42:03→10:42:03 (0 s)          = 4 s, still connected
#   roll 2: 9:38:57→10:13:15, left                                     = 2058 s
#   roll 3: 9:40:30→10:42:03 (one of two connections never closed)     = 3693 s, still connected
#   roll 4: 9:44:46→10:42:03                                           = 3437 s, still connected


def test_without_end_time_the_preview_the_grid_and_the_downloads_mark_who_was_still_connected(browser, course):
    preview = upload(browser, course, end_time="")
    assert preview.status_code == 200
    [day] = preview.context["preview"].dates
    lines = {line.roll: (line.seconds, line.present, line.still_connected) for line in day.lines}
    assert lines == {"1": (4, False, True), "2": (2058, True, False), "3": (3693, True, True), "4": (3437, True, True)}
    assert (day.still_connected, day.counted_to) == (3, datetime.datetime(2021, 2, 13, 10, 42, 3))
    page = preview.content.decode()
    assert "3 still connected" in page
    assert "3 students were still connected when the list was saved" in page and "(10:42:03)" in page
    assert page.count("(still connected when the list was saved)") == 3

    confirmed = browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True)
    page = confirmed.content.decode()
    assert "3 students were still connected when the list of 2021-02-13 was saved" in page
    grid = confirmed.context["grid"]
    assert grid.any_still_connected
    assert [(row.roll, [(cell.mark, cell.seconds, cell.still_connected) for cell in row.cells]) for row in grid.rows] == [
        ("1", [("Absent", 4, True)]), ("2", [("Present", 2058, False)]),
        ("3", [("Present", 3693, True)]), ("4", [("Present", 3437, True)]),
    ]
    # Each marked cell says so to a screen reader and in its tooltip; the caption explains the star.
    assert page.count('<span class="visually-hidden"> (still connected when the list was saved)</span>') == 3
    assert page.count('title="still connected when the list was saved; ') == 3
    assert "still connected when the list was saved: no end time was given" in page

    # The download form of this page posts to /download_attendance with the browser's session.
    csv_download = browser.post("/download_attendance", {"down-course": "CS402-2017", "report_type": "1", "report_format": "0"})
    assert b"".join(csv_download.streaming_content).decode().splitlines() == [
        "Sl. No.,Roll Number,Name,2021-02-13,Still connected when the list was saved",
        "1,1,Shreya,Absent,2021-02-13",
        "2,2,Riya,Present,",
        "3,3,Ranesha,Present,2021-02-13",
        "4,4,Ritwik,Present,2021-02-13",
    ]


def test_with_end_time_the_grid_has_no_still_connected_mark(browser, course):
    upload(browser, course)
    page = browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True)
    assert not page.context["grid"].any_still_connected
    html = page.content.decode()
    assert "mark-still-connected" not in html and "still connected when the list was saved" not in html


def test_confirm_records_what_the_preview_showed(browser, course):
    upload(browser, course, flags="3")
    response = browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True)
    assert "Attendance recorded for 2021-02-13." in response.content.decode()
    marks = dict(Record.objects.values_list("student__roll", "present"))
    assert marks == {"1": False, "2": True, "3": False, "4": True}
    seconds = dict(Record.objects.values_list("student__roll", "seconds_attended"))
    assert seconds == EXPECTED_SECONDS
    grid = response.context["grid"]
    assert [(row.roll, [cell.mark for cell in row.cells], row.defaulter) for row in grid.rows] == [
        ("1", ["Absent"], True), ("2", ["Present"], False), ("3", ["Absent"], True), ("4", ["Present"], False)
    ]
    # A second confirm has nothing left to confirm.
    again = browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True)
    assert "no upload waiting" in again.content.decode()
    assert Session.objects.count() == 1


def test_cancel_writes_nothing(browser, course):
    upload(browser, course)
    response = browser.post(f"/courses/{course.pk}/upload/cancel/", follow=True)
    assert "nothing was recorded" in response.content.decode()
    assert browser.post(f"/courses/{course.pk}/upload/confirm/").status_code == 302
    assert not Session.objects.exists()


def test_problems_are_shown_beside_the_form_and_nothing_is_written(browser, course):
    early = upload(browser, course, end_time="13/2/2021, 10:00 AM")
    assert early.status_code == 400
    assert "after the meeting end time" in early.content.decode()
    unknown_flag = upload(browser, course, flags="99")
    assert unknown_flag.status_code == 400
    assert "99" in unknown_flag.content.decode()
    no_file = browser.post(f"/courses/{course.pk}/upload/", {"threshold": "0", "date_order": "day-first", "match_by": "name"})
    assert no_file.status_code == 400
    assert not Session.objects.exists()


def test_unknown_participants_are_listed_with_two_ways_on(browser, course):
    browser.post(f"/courses/{course.pk}/students/remove/", {"roll": "4"})
    response = upload(browser, course)
    assert response.status_code == 400
    page = response.content.decode()
    # Roll 4 is in Test2.csv under the display name "4", first on the file's row 4, and is no longer enrolled.
    assert [(p.key, p.first_row) for p in response.context["unknown_people"]] == [("4", 4)]
    assert '<tr data-key="4">' in page
    assert "Some people in the report are not on the roster" in page
    assert "Ignore them for this upload" in page
    assert f'href="/courses/{course.pk}/#students"' in page and "Add students to the roster" in page
    # The API's wording is for scripts, not for teachers.
    assert "/add_students" not in page and "unknown=ignore" not in page
    # Nothing can be confirmed from a failed preview.
    refused = browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True)
    assert "no upload waiting" in refused.content.decode()
    assert not Session.objects.exists()

    ignored = browser.post(f"/courses/{course.pk}/upload/ignore-unknown/")
    assert ignored.status_code == 200
    [day] = ignored.context["preview"].dates
    # The teacher's threshold (1800 s) and end time are kept: roll 1 (1081 s) absent, 2 and 3 present.
    assert {line.roll: line.present for line in day.lines} == {"1": False, "2": True, "3": True}
    assert not Session.objects.exists()
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    assert dict(Record.objects.values_list("student__roll", "present")) == {"1": False, "2": True, "3": True}


def test_ignoring_unknown_people_needs_a_held_upload_of_ones_own_course(browser, course, make_user):
    nothing = browser.post(f"/courses/{course.pk}/upload/ignore-unknown/", follow=True)
    assert "no upload waiting" in nothing.content.decode()
    browser.post(f"/courses/{course.pk}/students/remove/", {"roll": "4"})
    upload(browser, course)
    stranger = Client()
    stranger.force_login(make_user(Role.CONVENOR, username="other@uni.edu"))
    assert stranger.post(f"/courses/{course.pk}/upload/ignore-unknown/").status_code == 404
    assert browser.get(f"/courses/{course.pk}/upload/ignore-unknown/").status_code == 405
    assert not Session.objects.exists()


def test_a_problem_found_when_ignoring_unknown_people_is_reported_on_the_course_page(browser, course, teacher):
    browser.post(f"/courses/{course.pk}/students/remove/", {"roll": "4"})
    upload(browser, course)
    # Meanwhile a script records the same date.
    record_attendance(
        course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG)],
        options=UploadOptions(end_time="13/2/2021, 11:00 AM", ignore_unknown=True),
    )
    response = browser.post(f"/courses/{course.pk}/upload/ignore-unknown/", follow=True)
    assert response.redirect_chain[-1][0] == f"/courses/{course.pk}/"
    assert "Nothing was recorded" in response.content.decode()
    assert "already been recorded" in response.content.decode()
    assert Session.objects.count() == 1
    assert browser.post(f"/courses/{course.pk}/upload/confirm/", follow=True).status_code == 200
    assert Session.objects.count() == 1 and Record.objects.count() == 3


def test_several_files_at_once_are_previewed_together(browser, course):
    other_day = TEAMS_LOG.replace(b"13/2/2021", b"14/2/2021")
    response = upload(
        browser,
        course,
        end_time="11:00 AM",
        files=[SimpleUploadedFile("Test2.csv", TEAMS_LOG), SimpleUploadedFile("Test2b.csv", other_day)],
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    assert [str(day.date) for day in response.context["preview"].dates] == ["2021-02-13", "2021-02-14"]
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    assert sorted(str(d) for d in Session.objects.values_list("date", flat=True)) == ["2021-02-13", "2021-02-14"]


def test_uploads_need_the_csrf_token(teacher, course):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    response = strict.post(f"/courses/{course.pk}/upload/", {"files": SimpleUploadedFile("Test2.csv", TEAMS_LOG), "threshold": "0"})
    assert response.status_code == 403


# --- Changing a course ----------------------------------------------------------------------------------


def test_replace_and_delete_a_date(browser, course):
    upload(browser, course)
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    refused = upload(browser, course, threshold="0")
    assert refused.status_code == 400 and "already been recorded" in refused.content.decode()
    replaced = upload(browser, course, threshold="0", replace="on")
    assert replaced.status_code == 200
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    assert set(Record.objects.values_list("present", flat=True)) == {True}
    response = browser.post(f"/courses/{course.pk}/dates/delete/", {"date": "2021-02-13"}, follow=True)
    assert "Deleted the attendance of 2021-02-13." in response.content.decode()
    assert not Session.objects.exists()


def test_add_and_remove_students(browser, course):
    one = browser.post(f"/courses/{course.pk}/students/add/", {"roll": "007", "name": "Bond"}, follow=True)
    assert "Added 1 student" in one.content.decode()
    many = browser.post(
        f"/courses/{course.pk}/students/add/",
        {"roster": SimpleUploadedFile("more.csv", b"Roll Number,Name\n5,Five\n1,Shreya R\n")},
        follow=True,
    )
    assert "Added 1 student, renamed 1, 0 unchanged." in many.content.decode()
    gone = browser.post(f"/courses/{course.pk}/students/remove/", {"roll": "2"}, follow=True)
    assert "Removed roll 2" in gone.content.decode()
    assert sorted(CourseStudent.objects.filter(course=course).values_list("roll", flat=True)) == ["007", "1", "3", "4", "5"]
    missing = browser.post(f"/courses/{course.pk}/students/remove/", {"roll": "2"}, follow=True)
    assert "not enrolled" in missing.content.decode()


def test_deleting_a_course_asks_first(browser, course):
    page = browser.get(f"/courses/{course.pk}/delete/")
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()
    assert Course.objects.filter(pk=course.pk).exists()
    response = browser.post(f"/courses/{course.pk}/delete/", follow=True)
    assert "Deleted course CS402-2017" in response.content.decode()
    assert not Course.objects.exists() and not CourseStudent.objects.exists()


def test_the_download_form_posts_to_the_api_route_with_the_session(teacher, course, browser):
    upload(browser, course, flags="3")
    browser.post(f"/courses/{course.pk}/upload/confirm/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    page = strict.get(f"/courses/{course.pk}/")
    token = page.context["csrf_token"]
    assert 'action="/download_attendance"' in page.content.decode()
    response = strict.post(
        "/download_attendance",
        {"csrfmiddlewaretoken": str(token), "down-course": "CS402-2017", "report_type": "0", "report_format": "0", "cutoff": "75"},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CS402_2017_asOf_2021-02-13(Defaulter).csv"'
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == ["Sl. No.,Roll Number,Name,2021-02-13", "1,1,Shreya,Absent", "2,3,Ranesha,Absent"]
