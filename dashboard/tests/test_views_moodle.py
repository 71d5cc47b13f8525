"""The course page's "Moodle attendance import file" download: the form as the page renders it, posted as a
browser would (CSRF checked), gives the file of /download_attendance report_type=moodle."""

import csv
import datetime
import html
import io
import re

import pytest
from django.test import Client

from attendance.models import Course, CourseStudent, Record, Session
from doubtfire.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(make_user):
    return make_user(Role.TUTOR, username="teacher@uni.edu", email="teacher@uni.edu")


@pytest.fixture
def browser(teacher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    return client


def make_course(teacher, *, emails: bool) -> Course:
    course = Course.objects.create(owner=teacher, course_id="CS402", course_name="Networks", batch=2017)
    session = Session.objects.create(course=course, date=datetime.date(2026, 3, 2), start_time=datetime.time(9, 0),
                                     source_format="zoom")
    for roll, name, status in [("1", "Asha", "present"), ("2", "Ben", "late"), ("3", "Cleo", "absent")]:
        student = CourseStudent.objects.create(course=course, roll=roll, name=name,
                                               email=f"{name.lower()}@uni.edu" if emails else "")
        Record.objects.create(session=session, student=student, status=status, present=status != "absent")
    return course


def moodle_form(page: str) -> tuple[str, dict[str, str], list[str]]:
    """The Moodle form's action, the fields it would post (hidden inputs, the selected option) and the options."""
    form = re.search(r'<form [^>]*id="moodle-download-form"[^>]*>(.*?)</form>', page, re.S)
    assert form, "the course page has no Moodle download form"
    action = re.search(r'action="([^"]+)"', form.group(0)).group(1)
    fields = {}
    for tag in re.findall(r"<input [^>]*>", form.group(1)):
        fields[re.search(r'name="([^"]+)"', tag).group(1)] = html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    select = re.search(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form.group(1), re.S)
    options = re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', select.group(2), re.S)
    fields[select.group(1)] = next(value for value, selected, _ in options if selected)
    return action, fields, [html.unescape(label) for _, _, label in options]


def test_the_course_page_offers_the_moodle_file_and_it_downloads(browser, teacher):
    course = make_course(teacher, emails=True)
    page = browser.get(f"/courses/{course.pk}/").content.decode()
    action, fields, labels = moodle_form(page)
    assert labels == ["E-mail address", "Username (3 students cannot be matched)", "Roll number (Moodle's ID number)"]
    assert fields["moodle_user"] == "email" and fields["report_type"] == "moodle"
    response = browser.post(action, fields)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CS402_2017_asOf_2026-03-02(Moodle).csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["email", "Name", "2026-03-02 09:00"],
        ["asha@uni.edu", "Asha", "P"],
        ["ben@uni.edu", "Ben", "L"],
        ["cleo@uni.edu", "Cleo", "A"],
    ]


def test_a_hand_made_roster_without_emails_starts_with_the_roll_number(browser, teacher):
    course = make_course(teacher, emails=False)
    action, fields, labels = moodle_form(browser.get(f"/courses/{course.pk}/").content.decode())
    assert labels[0] == "E-mail address (3 students cannot be matched)"
    assert fields["moodle_user"] == "roll"
    rows = list(csv.reader(io.StringIO(b"".join(browser.post(action, fields).streaming_content).decode())))
    assert rows[0][0] == "idnumber" and [row[0] for row in rows[1:]] == ["1", "2", "3"]
