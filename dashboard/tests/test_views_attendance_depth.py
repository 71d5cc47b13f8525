"""The dashboard's pages for attendance as teachers take it (issue 14): a cell's history and correction, a
student's statement, planned classes on the Dates tab, the late allowance and co-teachers in Settings, courses
made from a unit, and a student's own attendance. Through HTTP, as a browser would send it."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attendance.models import (
    Course,
    PlannedClass,
    Record,
    RecordChange,
    Session,
    Status,
)
from attendance.tests.test_linked_courses import World
from doubtfire.models import Role
from doubtfire.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROSTER = b"Roll Number,Name\n1,Asha Rao\n2,Ravi Kumar\n3,Mina Lee\n"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teacher():
    return UserFactory(role=Role.TUTOR, username="teach", email="teach@uni.edu")


@pytest.fixture
def course(teacher):
    """CS402 with three students and two recorded classes: on 2 March everyone present; on 9 March roll 3 absent."""
    client = signed_in(teacher)
    response = client.post("/courses/new/", {"course_id": "CS402", "course_name": "Networks", "batch": "2026",
                                             "roster": SimpleUploadedFile("r.csv", ROSTER)})
    assert response.status_code == 302
    course = Course.objects.get(course_id="CS402")
    students = {student.roll: student for student in course.students.all()}
    for day, absent in ((2, ()), (9, ("3",))):
        session = Session.objects.create(course=course, date=datetime.date(2026, 3, day), source_format="zoom")
        for roll, student in students.items():
            record = Record(session=session, student=student, seconds_attended=3000)
            record.set_status(Status.ABSENT if roll in absent else Status.PRESENT)
            record.save()
    return course


def cell_url(course, roll, day):
    session = Session.objects.get(course=course, date=datetime.date(2026, 3, day))
    student = course.students.get(roll=roll)
    return f"/courses/{course.pk}/cells/{session.pk}/{student.pk}/"


# --- A cell: history and correction -------------------------------------------------------------------------


def test_every_mark_on_the_course_page_opens_its_cell(teacher, course):
    page = signed_in(teacher).get(f"/courses/{course.pk}/").content.decode()
    for roll in "123":
        for day in (2, 9):
            assert f'href="{cell_url(course, roll, day)}"' in page


def test_a_correction_with_a_remark_changes_the_cell_the_figures_and_the_history(teacher, course):
    client = signed_in(teacher)
    url = cell_url(course, "3", 9)
    page = client.get(url)
    assert page.status_code == 200 and "Absent" in page.content.decode()
    response = client.post(url, {"status": Status.EXCUSED, "remark": "Doctor's certificate"})
    assert response.status_code == 302 and response["Location"] == url
    record = Record.objects.get(session__date=datetime.date(2026, 3, 9), student__roll="3")
    assert (record.status, record.corrected, record.present) == (Status.EXCUSED, True, False)
    change = RecordChange.objects.get(record=record)
    assert (change.before, change.after, change.remark, change.changed_by) == (
        Status.ABSENT, Status.EXCUSED, "Doctor's certificate", teacher)
    history = client.get(url).content.decode()
    assert "Doctor&#x27;s certificate" in history and "teach" in history and "Correction by staff" in history
    # Excused leaves the denominator: roll 3 attended 1 of 1 counted class, 100 %, no longer a defaulter.
    statement = client.get(f"/courses/{course.pk}/students/{record.student.pk}/").content.decode()
    assert "100.0" in statement and "Below the cutoff" not in statement


def test_a_correction_without_a_remark_is_refused_and_nothing_changes(teacher, course):
    client = signed_in(teacher)
    response = client.post(cell_url(course, "3", 9), {"status": Status.PRESENT, "remark": "   "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode() or "remark" in response.content.decode()
    record = Record.objects.get(session__date=datetime.date(2026, 3, 9), student__roll="3")
    assert (record.status, record.corrected) == (Status.ABSENT, False)
    assert not RecordChange.objects.exists()


def test_an_unknown_status_is_refused(teacher, course):
    response = signed_in(teacher).post(cell_url(course, "3", 9), {"status": "asleep", "remark": "x"})
    assert response.status_code == 400
    assert Record.objects.get(session__date=datetime.date(2026, 3, 9), student__roll="3").status == Status.ABSENT


def test_another_teacher_cannot_see_or_correct_a_cell(course):
    stranger = signed_in(UserFactory(role=Role.TUTOR, username="stranger"))
    url = cell_url(course, "3", 9)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"status": Status.PRESENT, "remark": "mine now"}).status_code == 404
    assert not RecordChange.objects.exists()


# --- A student's statement --------------------------------------------------------------------------------


def test_the_statement_lists_each_class_and_downloads_as_the_student_report(teacher, course):
    client = signed_in(teacher)
    student = course.students.get(roll="3")
    page = client.get(f"/courses/{course.pk}/students/{student.pk}/").content.decode()
    assert "Mina Lee" in page and "50.0" in page and "Below the cutoff" in page
    assert f'href="{cell_url(course, "3", 2)}"' in page and f'href="{cell_url(course, "3", 9)}"' in page
    response = client.post("/download_attendance", {"down-course": "CS402-2026", "report_type": "3", "roll": "3",
                                                    "report_format": "0", "cutoff": "75"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig"))))
    assert rows[0] == ["Roll Number", "3"]
    assert ["Percentage", "50.00"] in rows or any(row[:1] == ["Percentage"] for row in rows)
    statuses = [row[3] for row in rows if row and row[0].startswith("2026-03")]
    assert statuses == ["Present", "Absent"]


# --- Planned classes -------------------------------------------------------------------------------------------


def test_planning_weekly_classes_with_a_break_shows_needed_and_offers_the_at_risk_report(teacher, course):
    client = signed_in(teacher)
    response = client.post(f"/courses/{course.pk}/dates/plan/generate/", {
        "weekday": "0", "time": "09:00", "start": "2026-03-02", "end": "2026-05-25",
        "breaks": "2026-04-06 to 2026-04-17",
    })
    assert response.status_code == 302
    planned = list(PlannedClass.objects.filter(course=course).values_list("date", flat=True))
    # Mondays 2 March to 25 May is 13; the break takes 6 and 13 April.
    assert len(planned) == 11 and datetime.date(2026, 4, 6) not in planned and datetime.date(2026, 4, 13) not in planned
    dates_page = client.get(f"/courses/{course.pk}/dates/").content.decode()
    assert "Mon 25 May 2026 09:00" in dates_page
    overview = client.get(f"/courses/{course.pk}/?cutoff=75").content.decode()
    assert ">Needed<" in overview and "Students at risk" in overview


def test_removing_a_break_and_one_class_from_the_plan(teacher, course):
    client = signed_in(teacher)
    client.post(f"/courses/{course.pk}/dates/plan/generate/", {
        "weekday": "0", "time": "09:00", "start": "2026-03-02", "end": "2026-05-25", "breaks": ""})
    assert PlannedClass.objects.filter(course=course).count() == 13
    assert client.post(f"/courses/{course.pk}/dates/plan/remove-break/",
                       {"first": "2026-04-06", "last": "2026-04-17"}).status_code == 302
    assert PlannedClass.objects.filter(course=course).count() == 11
    assert client.post(f"/courses/{course.pk}/dates/plan/remove-class/",
                       {"date": "2026-05-25", "start_time": "09:00"}).status_code == 302
    assert not PlannedClass.objects.filter(course=course, date=datetime.date(2026, 5, 25)).exists()
    missing = client.post(f"/courses/{course.pk}/dates/plan/remove-class/", {"date": "2026-05-25", "start_time": "09:00"})
    assert missing.status_code == 400 and "nothing was removed" in missing.content.decode()


def test_a_schedule_that_makes_no_sense_is_refused_in_words(teacher, course):
    client = signed_in(teacher)
    backwards = client.post(f"/courses/{course.pk}/dates/plan/generate/", {
        "weekday": "0", "time": "09:00", "start": "2026-05-25", "end": "2026-03-02"})
    assert backwards.status_code == 400 and "The last day is before the first week" in backwards.content.decode()
    bad_break = client.post(f"/courses/{course.pk}/dates/plan/generate/", {
        "weekday": "0", "time": "09:00", "start": "2026-03-02", "end": "2026-05-25", "breaks": "Easter"})
    assert bad_break.status_code == 400 and "Line 1 (&#x27;Easter&#x27;)" in bad_break.content.decode()
    assert not PlannedClass.objects.exists()


def test_planned_classes_import_from_a_file_and_a_bad_file_is_named(teacher, course):
    client = signed_in(teacher)
    good = SimpleUploadedFile("plan.csv", b"Date,Start Time\n2026-06-01,09:00\n2026-06-08,09:00\n")
    assert client.post(f"/courses/{course.pk}/dates/plan/import/", {"file": good}).status_code == 302
    assert PlannedClass.objects.filter(course=course).count() == 2
    bad = SimpleUploadedFile("plan.csv", b"When\nsoon\n")
    response = client.post(f"/courses/{course.pk}/dates/plan/import/", {"file": bad})
    assert response.status_code == 400 and "plan.csv" in response.content.decode()
    assert PlannedClass.objects.filter(course=course).count() == 2


def test_a_linked_tutorial_fills_in_the_schedule(db):
    world = World()
    world.la1.meeting_day, world.la1.meeting_time = "Wednesday", datetime.time(14, 30)
    world.la1.save()
    course = world.course("LAB-LA1", tutorial=world.la1)
    page = signed_in(world.convenor).get(f"/courses/{course.pk}/dates/").content.decode()
    assert '<option value="2" selected>Wednesday</option>' in page
    assert 'value="14:30"' in page and f'value="{world.unit.start_date:%Y-%m-%d}"' in page


# --- Settings: late allowance, co-teachers -----------------------------------------------------------------


def test_the_late_allowance_is_saved_on_the_course_and_can_be_cleared(teacher, course):
    client = signed_in(teacher)
    assert client.post(f"/courses/{course.pk}/settings/", {"threshold_minutes": "10", "cutoff": "75",
                                                           "late_allowance_minutes": "5"}).status_code == 302
    course.refresh_from_db()
    assert course.late_allowance_minutes == 5
    client.post(f"/courses/{course.pk}/settings/", {"threshold_minutes": "10", "cutoff": "75", "late_allowance_minutes": ""})
    course.refresh_from_db()
    assert course.late_allowance_minutes is None


def test_sharing_a_course_lets_the_co_teacher_work_in_it_but_not_delete_or_share_it(teacher, course):
    colleague = UserFactory(role=Role.TUTOR, username="colleague", email="colleague@uni.edu")
    owner = signed_in(teacher)
    assert owner.post(f"/courses/{course.pk}/settings/teachers/", {"person": "COLLEAGUE@uni.edu"}).status_code == 302
    assert list(course.co_teachers.all()) == [colleague]
    other = signed_in(colleague)
    home = other.get("/").content.decode()
    assert "CS402" in home and "shared by teach" in home
    settings_page = other.get(f"/courses/{course.pk}/settings/").content.decode()
    assert "Delete this course" not in settings_page and "Share the course" not in settings_page
    assert other.post(f"/courses/{course.pk}/settings/teachers/", {"person": "teach"}).status_code == 403
    assert other.get(f"/courses/{course.pk}/delete/").status_code == 403
    response = other.post(cell_url(course, "1", 2), {"status": Status.LATE, "remark": "Joined at 09:20"})
    assert response.status_code == 302
    assert owner.post(f"/courses/{course.pk}/settings/teachers/{colleague.pk}/remove/").status_code == 302
    assert other.get(f"/courses/{course.pk}/").status_code == 404


def test_sharing_with_nobody_or_a_student_is_refused(teacher, course):
    UserFactory(role=Role.STUDENT, username="kid")
    owner = signed_in(teacher)
    for person in ("nobody@nowhere", "kid"):
        response = owner.post(f"/courses/{course.pk}/settings/teachers/", {"person": person})
        assert response.status_code == 400
    assert not course.co_teachers.exists()


# --- Courses made from a unit --------------------------------------------------------------------------------


def test_a_convenor_makes_a_course_from_a_stream_and_its_roster_follows_the_unit(db):
    world = World()
    client = signed_in(world.convenor)
    form = client.get("/courses/new/from-unit/").content.decode()
    for option in (f"unit:{world.unit.pk}", f"stream:{world.labs.pk}", f"tutorial:{world.la1.pk}", f"tutorial:{world.ws1.pk}"):
        assert f'value="{option}"' in form
    response = client.post("/courses/new/from-unit/", {
        "follows": f"tutorial:{world.la1.pk}", "course_id": "LAB-LA1", "course_name": "Lab LA1-01", "batch": "2026"})
    assert response.status_code == 302
    course = Course.objects.get(course_id="LAB-LA1")
    assert (course.unit, course.tutorial) == (world.unit, world.la1)
    assert sorted(course.students.values_list("username", flat=True)) == ["asha", "mina"]
    world.withdraw("mina")
    students_page = client.get(f"/courses/{course.pk}/students/").content.decode()
    assert "Withdrawn" in students_page and "Add one student" not in students_page
    refused = client.post(f"/courses/{course.pk}/students/add/", {"roll": "9", "name": "Hand Made"})
    assert refused.status_code == 302 and not course.students.filter(roll="9").exists()


def test_a_tutor_is_offered_only_their_own_tutorial_and_cannot_forge_another(db):
    world = World()
    client = signed_in(world.tutor)
    form = client.get("/courses/new/from-unit/").content.decode()
    assert f'value="tutorial:{world.la1.pk}"' in form
    assert f'value="unit:{world.unit.pk}"' not in form and f'value="tutorial:{world.la2.pk}"' not in form
    forged = client.post("/courses/new/from-unit/", {
        "follows": f"unit:{world.unit.pk}", "course_id": "ALL", "course_name": "All", "batch": "2026"})
    assert forged.status_code == 400 and not Course.objects.filter(course_id="ALL").exists()


# --- A student's own attendance -----------------------------------------------------------------------------


def test_a_student_sees_their_own_attendance_and_nothing_of_anyone_else(db):
    world = World()
    course = world.course("LAB-LA1", tutorial=world.la1)
    session = Session.objects.create(course=course, date=datetime.date(2026, 3, 2), source_format="zoom")
    for student in course.students.all():
        record = Record(session=session, student=student, seconds_attended=600 if student.username == "asha" else 0)
        record.set_status(Status.PRESENT if student.username == "asha" else Status.ABSENT)
        record.save()
    asha = signed_in(world.unit.projects.get(user__username="asha").user)
    assert asha.get("/")["Location"] == "/my-attendance/"
    page = asha.get("/my-attendance/").content.decode()
    assert "LAB-LA1" in page and "Present" in page and "10" in page
    assert "Mina" not in page and "Absent" not in page
    assert asha.get(f"/courses/{course.pk}/").status_code == 404
    assert asha.get(cell_url(course, course.students.get(username="mina").roll, 2)).status_code == 404


# --- A correction met by a re-upload, in the preview ---------------------------------------------------------


def test_a_re_upload_keeps_a_correction_and_the_preview_says_so_with_a_way_to_take_the_report(teacher):
    from pathlib import Path

    from attendance import services

    fixtures = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
    report = (fixtures / "Test2.csv").read_bytes()
    course = services.create_course(owner=teacher, course_id="CS9", course_name="Nine", batch=2021,
                                    roster=services.read_roster(name="s.csv", data=(fixtures / "students.csv").read_bytes()))
    options = {"threshold_minutes": "30", "end_time": "13/2/2021, 11:00 AM", "flags": "", "date_order": "day-first",
               "match_by": "name"}
    services.record_attendance(course=course, uploaded_by=teacher, files=[("Test2.csv", report)],
                               options=services.UploadOptions(end_time="13/2/2021, 11:00 AM", threshold_seconds=1800))
    # Roll 1 was connected 1,081 s (< 1,800): Absent. A teacher excuses them.
    client = signed_in(teacher)
    session = course.sessions.get()
    student = course.students.get(roll="1")
    client.post(f"/courses/{course.pk}/cells/{session.pk}/{student.pk}/", {"status": Status.EXCUSED, "remark": "Sick note"})
    staged = client.post(f"/courses/{course.pk}/upload/", {**options, "files": SimpleUploadedFile("Test2.csv", report)})["Location"]
    client.post(f"{staged}choices/", {"answer": "replace"})
    page = client.get(staged).content.decode()
    assert "Corrections kept" in page and "roll 1 stays Excused (the report says Absent)" in page
    assert "Use the report's marks instead" in page
    # Taking the report's marks: the preview now says what Confirm will overwrite; nothing is written yet.
    client.post(f"{staged}choices/", {"answer": "overwrite-corrections"})
    page = client.get(staged)
    assert "Corrections overwritten" in page.content.decode() and "roll 1 Excused → Absent" in page.content.decode()
    assert Record.objects.get(student=student).status == Status.EXCUSED
    client.post(f"{staged}confirm/", {"fingerprint": page.context["fingerprint"]})
    record = Record.objects.get(student=student)
    assert (record.status, record.corrected) == (Status.ABSENT, False)
