"""A course's pages through HTTP: the upload that waits at its own address (preview → confirm / discard, the
answers to its problems), the overview that reads first, students and dates with confirm + undo.

Test2.csv, worked by hand with the meeting ending at 13/2/2021 11:00:00 AM (union of connected time):
  roll 1: 9:35:35→9:35:39 (4 s) + 10:42:03→11:00:00 (1077 s)                        = 1081 s (18 min)
  roll 2: joins 9:38:57 and 9:39:28, leaves 9:49:09 and 10:13:15 → 9:38:57→10:13:15    = 2058 s (34 min)
  roll 3: joins 9:40:30 and 10:03:52, one leave 10:41:53 → still connected until 11:00 = 4770 s (80 min)
  roll 4: a leave at 9:39:06 with nothing open, joins 9:44:46, open until 11:00        = 4514 s (75 min)
With "present after 30 minutes" (1800 s): 1 absent, 2, 3, 4 present.
"""

import datetime
import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attendance.models import Course, CourseStudent, Record, Session
from attendance.services import UploadOptions, record_attendance
from dashboard.models import CourseDefaults, Deletion, StagedUpload
from doubtfire.models import Role

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
ROSTER = (FIXTURES / "students.csv").read_bytes()
TEAMS_LOG = (FIXTURES / "Test2.csv").read_bytes()
EXPECTED_SECONDS = {"1": 1081, "2": 2058, "3": 4770, "4": 4514}


@pytest.fixture
def teacher(make_user):
    return make_user(Role.TUTOR, username="teacher@uni.edu", email="teacher@uni.edu")


@pytest.fixture
def browser(client, teacher):
    client.force_login(teacher)
    return client


@pytest.fixture
def course(browser):
    response = browser.post("/courses/new/", {"course_id": "CS402", "course_name": "Networks", "batch": "2017",
                                              "roster": SimpleUploadedFile("students.csv", ROSTER)})
    assert response.status_code == 302
    return Course.objects.get(course_id="CS402")


def stage(browser, course, **fields) -> str:
    """POST the upload form; returns the address of the waiting upload it redirects to."""
    data = {"threshold_minutes": "30", "end_time": "13/2/2021, 11:00 AM", "flags": "", "date_order": "day-first",
            "match_by": "name"}
    data.update(fields)
    data.setdefault("files", SimpleUploadedFile("Test2.csv", TEAMS_LOG))
    response = browser.post(f"/courses/{course.pk}/upload/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def confirm(browser, url):
    page = browser.get(url)
    return browser.post(url + "confirm/", {"fingerprint": page.context["fingerprint"]}, follow=True)


# --- The waiting upload ----------------------------------------------------------------------------------


def test_an_upload_waits_at_its_own_address_and_reload_back_and_a_second_tab_show_the_same_preview(browser, course):
    url = stage(browser, course, flags="3")
    staged = StagedUpload.objects.get()
    assert url == f"/courses/{course.pk}/uploads/{staged.pk}/"
    first = browser.get(url)
    assert first.status_code == 200
    [day] = first.context["preview"].dates
    assert {line.roll: (line.seconds, line.present, line.flagged) for line in day.lines} == {
        "1": (1081, False, False), "2": (2058, True, False), "3": (4770, False, True), "4": (4514, True, False),
    }
    page = first.content.decode()
    assert "Confirm and save" in page and "18 min" in page and "1 h 19" in page  # minutes, as a teacher reads them
    # Reload, and a second tab (another client of the same teacher), show the same thing; nothing is written.
    again = browser.get(url)
    other_tab = Client()
    other_tab.force_login(course.owner)
    assert other_tab.get(url).context["fingerprint"] == again.context["fingerprint"] == first.context["fingerprint"]
    assert not Session.objects.exists()
    # The teacher's threshold is remembered for the course.
    assert CourseDefaults.objects.get(course=course).threshold_minutes == 30
    assert browser.get(f"/courses/{course.pk}/upload/").context["form"].initial["threshold_minutes"] == 30


def test_confirm_writes_exactly_what_the_preview_showed_once(browser, course):
    url = stage(browser, course, flags="3")
    done = confirm(browser, url)
    assert done.redirect_chain[-1][0] == f"/courses/{course.pk}/"
    assert "Attendance recorded for Sat 13 Feb." in done.content.decode()
    assert dict(Record.objects.values_list("student__roll", "present")) == {"1": False, "2": True, "3": False, "4": True}
    assert dict(Record.objects.values_list("student__roll", "seconds_attended")) == EXPECTED_SECONDS
    assert not StagedUpload.objects.exists()
    # The bookmark of the confirmed upload says it is gone, and a second Confirm (another tab) writes nothing.
    assert browser.get(url).status_code == 404
    assert browser.post(url + "confirm/", {"fingerprint": "x"}).status_code == 404
    assert Session.objects.count() == 1


def test_confirm_shows_the_new_preview_when_something_changed_since(browser, course, teacher):
    url = stage(browser, course)
    fingerprint = browser.get(url).context["fingerprint"]
    # Meanwhile a script records the same date.
    record_attendance(course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG)],
                      options=UploadOptions(end_time="13/2/2021, 11:00 AM"))
    response = browser.post(url + "confirm/", {"fingerprint": fingerprint}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Something changed since this preview" in response.content.decode()
    assert Session.objects.count() == 1 and Record.objects.count() == 4


def test_a_date_already_recorded_offers_replace_it_keeping_the_file(browser, course):
    confirm(browser, stage(browser, course))
    url = stage(browser, course, threshold_minutes="0")
    page = browser.get(url)
    assert page.context["explanation"].offer_replace
    text = page.content.decode()
    assert "Attendance for 2021-02-13 is already recorded" in text and "Replace it" in text
    assert "replace=1" not in text  # the API's words stay in the API
    browser.post(url + "choices/", {"answer": "replace"})
    replaced = confirm(browser, url)
    assert replaced.status_code == 200
    assert set(Record.objects.values_list("present", flat=True)) == {True}  # 0 minutes: everyone who joined


def test_unknown_people_can_be_ignored_or_added_to_the_roster_without_uploading_again(browser, course):
    CourseStudent.objects.filter(course=course, roll="4").delete()
    url = stage(browser, course)
    page = browser.get(url)
    assert [(person.key, person.first_row) for person in page.context["unknown_people"]] == [("4", 4)]
    text = page.content.decode()
    assert "Ignore them" in text and "Add these students" in text and "unknown=ignore" not in text
    # Add the person as roll 4 again (their name taken from the report), then the preview shows them.
    added = browser.post(url + "add-students/", {"key": ["4"], "roll": ["4"], "name": ["Ritwik"]}, follow=True)
    assert added.redirect_chain[-1][0] == url
    assert "Added 1 student to the roster" in added.content.decode()
    assert {line.roll for line in added.context["preview"].dates[0].lines} == {"1", "2", "3", "4"}
    # A roll number that is taken is refused, naming whose it is.
    CourseStudent.objects.filter(course=course, roll="4").delete()
    refused = browser.post(url + "add-students/", {"key": ["4"], "roll": ["2"], "name": ["Ritwik"]}, follow=True)
    assert "roll 2 is already Riya's" in html.unescape(refused.content.decode())
    ignored = browser.post(url + "choices/", {"answer": "ignore-unknown"}, follow=True)
    assert {line.roll for line in ignored.context["preview"].dates[0].lines} == {"1", "2", "3"}


def test_problems_speak_to_a_teacher_and_the_choices_can_be_changed_on_the_page(browser, course):
    url = stage(browser, course, files=SimpleUploadedFile("report.pdf", b"%PDF-1.4 not a report"))
    page = browser.get(url)
    text = page.content.decode()
    assert "This file is a PDF, not a spreadsheet" in text and "detected application/pdf" not in text
    assert '<div class="message message-error" role="alert">' in text
    early = stage(browser, course, end_time="13/2/2021, 10:00 AM")
    explanation = browser.get(early).context["explanation"]
    assert "the meeting end time" in explanation.sentence and "end_time" not in explanation.sentence
    fixed = browser.post(early + "choices/", {"threshold_minutes": "30", "end_time": "13/2/2021, 11:00 AM",
                                              "flags": "", "date_order": "day-first", "match_by": "name"}, follow=True)
    assert fixed.context["preview"] is not None
    assert not Session.objects.exists()


def test_a_refused_form_keeps_the_choices_and_points_at_the_problem(browser, course):
    response = browser.post(f"/courses/{course.pk}/upload/", {"threshold_minutes": "45", "end_time": "11:00",
                                                               "date_order": "day-first", "match_by": "name"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "data-focus-errors" in text and 'value="45"' in text and 'value="11:00"' in text


def test_discard_removes_the_waiting_upload(browser, course):
    url = stage(browser, course)
    response = browser.post(url + "discard/", follow=True)
    assert "Upload discarded; nothing was recorded." in response.content.decode()
    assert not StagedUpload.objects.exists() and not Session.objects.exists()


def test_someone_elses_waiting_upload_is_not_found(browser, course, make_user):
    url = stage(browser, course)
    stranger = Client()
    stranger.force_login(make_user(Role.TUTOR, username="other@uni.edu"))
    for response in (stranger.get(url), stranger.post(url + "confirm/", {}), stranger.post(url + "discard/")):
        assert response.status_code == 404
    assert StagedUpload.objects.exists()


def test_several_files_are_previewed_together(browser, course):
    other_day = TEAMS_LOG.replace(b"13/2/2021", b"14/2/2021")
    url = stage(browser, course, end_time="11:00 AM", files=[SimpleUploadedFile("a.csv", TEAMS_LOG),
                                                             SimpleUploadedFile("b.csv", other_day)])
    assert [str(day.date) for day in browser.get(url).context["preview"].dates] == ["2021-02-13", "2021-02-14"]
    confirm(browser, url)
    assert sorted(str(date) for date in Session.objects.values_list("date", flat=True)) == ["2021-02-13", "2021-02-14"]


def test_expired_uploads_are_pruned(browser, course):
    url = stage(browser, course)
    StagedUpload.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    stage(browser, course)  # staging prunes on its way
    assert StagedUpload.objects.count() == 1 and browser.get(url).status_code == 404


# --- The overview -------------------------------------------------------------------------------------------


def test_the_overview_reads_first_with_sort_and_filters_kept_in_the_address(browser, course):
    confirm(browser, stage(browser, course, flags="3"))
    page = browser.get(f"/courses/{course.pk}/")
    overview = page.context["overview"]
    assert (overview.students, len(overview.sessions), overview.defaulters, overview.average) == (4, 1, 2, 50.0)
    assert [(row.roll, row.standing.attended, row.standing.held, row.percent, row.defaulter) for row in overview.rows] == [
        ("1", 0, 1, 0, True), ("2", 1, 1, 100, False), ("3", 0, 1, 0, True), ("4", 1, 1, 100, False)]
    # Whole minutes, rounded down as the student statement shows them: 1081 s, 2058 s, 4770 s, 4514 s.
    assert [cell.minutes for row in overview.rows for cell in row.cells] == [18, 34, 79, 75]
    defaulters = browser.get(f"/courses/{course.pk}/?show=defaulters&sort=name")
    assert [row.name for row in defaulters.context["overview"].rows] == ["Ranesha", "Shreya"]
    by_percent = browser.get(f"/courses/{course.pk}/?sort=-percent")
    assert [row.roll for row in by_percent.context["overview"].rows] == ["2", "4", "1", "3"]
    text = by_percent.content.decode()
    assert 'href="?show=defaulters&amp;cutoff=75"' in text  # the headline number links to the filtered view


@pytest.mark.parametrize("students", [5, 40])
def test_the_overview_costs_the_same_queries_at_any_size(browser, teacher, django_assert_max_num_queries, students):
    course = Course.objects.create(owner=teacher, course_id="Q1", course_name="Q", batch=2024)
    made = CourseStudent.objects.bulk_create(CourseStudent(course=course, roll=str(n), name=f"S{n}") for n in range(students))
    for day in range(1, 4):
        session = Session.objects.create(course=course, date=datetime.date(2024, 3, day), source_format="google_form")
        Record.objects.bulk_create(Record(session=session, student=s, status="present" if int(s.roll) % 2 == 0 else "absent",
                                                present=int(s.roll) % 2 == 0) for s in made)
    with django_assert_max_num_queries(12):
        response = browser.get(f"/courses/{course.pk}/")
    assert len(response.context["overview"].rows) == students


def test_the_chart_keeps_its_text_and_groups_weeks_past_thirty_classes(browser, teacher):
    course = Course.objects.create(owner=teacher, course_id="L1", course_name="Long", batch=2024)
    student = CourseStudent.objects.create(course=course, roll="1", name="One")
    for day in range(40):
        session = Session.objects.create(course=course, date=datetime.date(2024, 3, 4) + datetime.timedelta(days=day),
                                         source_format="google_form")
        Record.objects.create(session=session, student=student, status="present", present=True)
    overview = browser.get(f"/courses/{course.pk}/").context["overview"]
    assert overview.chart_by_week and len(overview.chart) == 6  # 4 Mar .. 12 Apr 2024: six weeks
    assert overview.chart[0].label == "w/c 4 Mar" and overview.chart[0].percent == 100.0


# --- Students and dates: refused duplicates, confirm, undo ------------------------------------------------


def test_adding_a_student_whose_roll_is_taken_is_refused_naming_both(browser, course):
    response = browser.post(f"/courses/{course.pk}/students/add/", {"roll": "2", "name": "Riya Duplicate"})
    assert response.status_code == 400
    assert "Roll number 2 is already Riya's. To add Riya Duplicate" in html.unescape(response.content.decode())
    assert CourseStudent.objects.get(course=course, roll="2").name == "Riya"
    added = browser.post(f"/courses/{course.pk}/students/add/", {"roll": "007", "name": "Bond"}, follow=True)
    assert "Added Bond (roll 007)." in added.content.decode()
    student = CourseStudent.objects.get(course=course, roll="2")
    browser.post(f"/courses/{course.pk}/students/{student.pk}/rename/", {"name": "Riya Sen"})
    assert CourseStudent.objects.get(pk=student.pk).name == "Riya Sen"


def test_removing_a_student_asks_first_then_can_be_undone(browser, course):
    confirm(browser, stage(browser, course))
    student = CourseStudent.objects.get(course=course, roll="2")
    ask = browser.get(f"/courses/{course.pk}/students/{student.pk}/remove/")
    assert ask.status_code == 200
    assert "Their 1 attendance mark is deleted." in ask.content.decode()
    assert CourseStudent.objects.filter(pk=student.pk).exists()
    removed = browser.post(f"/courses/{course.pk}/students/{student.pk}/remove/", follow=True)
    text = removed.content.decode()
    assert "Removed Riya (roll 2) and 1 attendance mark." in text and ">Undo</button>" in text
    assert not CourseStudent.objects.filter(pk=student.pk).exists() and Record.objects.count() == 3
    deletion = Deletion.objects.get()
    undone = browser.post(f"/undo/{deletion.pk}/", follow=True)
    assert "is back" in undone.content.decode()
    assert CourseStudent.objects.get(pk=student.pk).name == "Riya" and Record.objects.count() == 4


def test_deleting_a_date_asks_first_then_can_be_undone_unless_it_was_recorded_again(browser, course, teacher):
    confirm(browser, stage(browser, course))
    session = Session.objects.get()
    ask = browser.get(f"/courses/{course.pk}/dates/{session.pk}/delete/").content.decode()
    assert "Delete the attendance of Saturday 13 February 2021?" in ask and "4 students" in ask
    browser.post(f"/courses/{course.pk}/dates/{session.pk}/delete/")
    assert not Session.objects.exists() and not Record.objects.exists()
    deletion = Deletion.objects.get()
    record_attendance(course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG)],
                      options=UploadOptions(end_time="13/2/2021, 11:00 AM"))
    refused = browser.post(f"/undo/{deletion.pk}/", follow=True)
    assert "cannot be undone any more" in refused.content.decode()
    Session.objects.all().delete()
    browser.post(f"/undo/{deletion.pk}/")
    assert Session.objects.get().pk == session.pk and Record.objects.count() == 4


def test_deleting_the_course_asks_first_with_counts_and_can_be_undone(browser, course):
    confirm(browser, stage(browser, course))
    ask = browser.get(f"/courses/{course.pk}/delete/").content.decode()
    assert "4 students on the roster." in ask and "1 recorded date with 4 attendance marks." in ask
    assert 'class="button button-danger"' in ask
    gone = browser.post(f"/courses/{course.pk}/delete/", follow=True)
    assert "Deleted course CS402-2017 with all its attendance." in gone.content.decode()
    assert not Course.objects.exists()
    back = browser.post(f"/undo/{Deletion.objects.get().pk}/", follow=True)
    assert back.redirect_chain[-1][0] == f"/courses/{course.pk}/"
    assert Course.objects.get().pk == course.pk and Record.objects.count() == 4 and CourseStudent.objects.count() == 4


def test_undo_is_for_its_owner_and_for_a_few_minutes(browser, course, make_user, settings):
    student = CourseStudent.objects.get(course=course, roll="1")
    browser.post(f"/courses/{course.pk}/students/{student.pk}/remove/")
    deletion = Deletion.objects.get()
    stranger = Client()
    stranger.force_login(make_user(Role.TUTOR, username="other@uni.edu"))
    assert stranger.post(f"/undo/{deletion.pk}/").status_code == 404
    Deletion.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    late = browser.post(f"/undo/{deletion.pk}/", follow=True)
    assert "too late to undo" in late.content.decode()
    assert not CourseStudent.objects.filter(pk=student.pk).exists()


def test_the_course_settings_remember_threshold_and_cutoff(browser, course):
    browser.post(f"/courses/{course.pk}/settings/", {"threshold_minutes": "20", "cutoff": "80"})
    defaults = CourseDefaults.objects.get(course=course)
    assert (defaults.threshold_minutes, str(defaults.cutoff)) == (20, "80.00")
    assert browser.get(f"/courses/{course.pk}/").context["cutoff"] == 80
