"""The dashboard in real Chromium, as a teacher meets it (issue 13): each flow is a test.

Upload → preview → Reload → Back → Forward → Confirm; a second tab on the same waiting upload; confirm and undo
for each destructive action; sorting and filtering the course table; keyboard only, with focus landing on the
problem; a taken roll number refused. Screenshots of the pages go to test-artifacts/ on every run.
"""

from pathlib import Path

import pytest

from attendance.models import Course, CourseStudent, Record, Session
from conftest import DEFAULT_PASSWORD
from doubtfire.models import Project, Role, UnitRole
from doubtfire.tests.factories import ProjectFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
ROSTER = FIXTURES / "students.csv"
TEAMS_LOG = FIXTURES / "Test2.csv"


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My courses").wait_for()


@pytest.fixture
def teacher(make_user):
    return make_user(Role.TUTOR, username="teacher@uni.edu", email="teacher@uni.edu", first_name="Asha")


@pytest.fixture
def course(teacher):
    from attendance import services

    roster = services.read_roster(name="students.csv", data=ROSTER.read_bytes())
    return services.create_course(owner=teacher, course_id="CS402", course_name="Networks", batch=2017, roster=roster)


def choose_report(page, *, minutes="30", end_time="13/2/2021, 11:00 AM"):
    page.locator("#id_files").set_input_files(str(TEAMS_LOG))
    page.get_by_label("Present after (minutes)").fill(minutes)
    page.get_by_label("Meeting end time (optional)").fill(end_time)


def test_sign_up_add_a_course_and_record_a_class_through_reload_back_and_forward(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Your name").fill("Asha Rao")
    page.get_by_label("Email").fill("asha@uni.edu")
    page.locator("#id_password").fill("a long passphrase")
    page.get_by_label("Password again").fill("a long passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="My courses").wait_for()
    page.get_by_role("link", name="Add a course").first.click()
    page.get_by_label("Course ID").fill("CS402")
    page.get_by_label("Course name").fill("Networks")
    page.get_by_label("Batch (starting year)").fill("2017")
    page.get_by_label("Roster (CSV or XLSX)").set_input_files(str(ROSTER))
    page.get_by_role("button", name="Create the course").click()
    page.get_by_text("Course CS402-2017 created with 4 students.").wait_for()
    course_url = page.url

    page.get_by_role("link", name="Upload", exact=True).click()
    upload_url = page.url
    choose_report(page)
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Check before saving").wait_for()
    preview_url = page.url
    assert "/uploads/" in preview_url  # the preview has an address of its own
    rows = page.locator("table.preview-table tbody tr")
    assert rows.count() == 4

    page.reload()  # Reload shows the same preview, not a browser error
    page.get_by_role("heading", name="Check before saving").wait_for()
    page.go_back()  # Back: the upload form, not a course page with a stale preview on it
    page.wait_for_url(upload_url)
    assert page.get_by_role("heading", name="Upload attendance reports").is_visible()
    page.go_forward()  # Forward: the preview again
    page.wait_for_url(preview_url)
    page.get_by_role("heading", name="Check before saving").wait_for()
    assert not Session.objects.exists()

    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_text("Attendance recorded for Sat 13 Feb.").wait_for()
    assert page.url == course_url
    assert Record.objects.filter(present=True).count() == 3
    grid = page.locator("table.attendance-grid")
    # What the cell shows (its link's hidden words, for screen readers, say it opens the history).
    assert grid.locator("tr[data-roll='1'] td.cell").inner_text().split()[:3] == ["A", "18", "min"]
    page.artifact("course-overview-after-first-upload")

    page.get_by_label("Complete report", exact=True).check()
    page.get_by_label("CSV", exact=True).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    assert download_info.value.suggested_filename == "CS402_2017_asOf_2021-02-13.csv"


def test_a_second_tab_sees_the_same_waiting_upload_and_only_one_confirm_writes(page, teacher, course):
    sign_in(page, teacher.username)
    page.goto(f"/courses/{course.pk}/upload/")
    choose_report(page)
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Check before saving").wait_for()
    second = page.browser_context.new_page()
    second.goto(page.url)
    second.get_by_role("heading", name="Check before saving").wait_for()
    assert second.locator("table.preview-table tbody tr").count() == 4
    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_text("Attendance recorded").wait_for()
    with second.expect_response(lambda response: response.url.endswith("/confirm/")) as answer:
        second.get_by_role("button", name="Confirm and save").click()  # the other tab is too late
    assert answer.value.status == 404  # the upload is no longer waiting; nothing is written twice
    assert Session.objects.count() == 1 and Record.objects.count() == 4


def test_confirm_then_undo_removing_a_student_deleting_a_date_and_the_course(page, teacher, course):
    from attendance.services import UploadOptions, record_attendance

    record_attendance(course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG.read_bytes())],
                      options=UploadOptions(end_time="13/2/2021, 11:00 AM"))
    sign_in(page, teacher.username)
    page.goto(f"/courses/{course.pk}/students/")
    page.artifact("course-students")
    page.locator("tr[data-roll='2']").get_by_role("link", name="Remove…").click()
    page.get_by_role("heading", name="Remove Riya?").wait_for()
    assert "Their 1 attendance mark is deleted." in page.locator("main").inner_text()
    danger = page.get_by_role("button", name="Remove the student")
    assert danger.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(179, 38, 30)"  # danger is red
    page.artifact("confirm-remove-student")
    danger.click()
    page.get_by_text("Removed Riya (roll 2)").wait_for()
    assert not CourseStudent.objects.filter(roll="2").exists()
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("is back").wait_for()
    assert CourseStudent.objects.filter(roll="2").exists() and Record.objects.count() == 4

    page.goto(f"/courses/{course.pk}/dates/")
    page.artifact("course-dates")
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete this date").click()
    page.get_by_text("Deleted the attendance of Saturday 13 February 2021").wait_for()
    assert not Session.objects.exists()
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("is back").wait_for()
    assert Session.objects.count() == 1

    page.goto(f"/courses/{course.pk}/settings/")
    page.artifact("course-settings")
    page.get_by_role("link", name="Delete this course…").click()
    assert "4 students on the roster." in page.locator("main").inner_text()
    page.artifact("confirm-delete-course")
    page.get_by_role("button", name="Delete the course").click()
    page.get_by_text("Deleted course CS402-2017").wait_for()
    assert not Course.objects.exists()
    page.get_by_role("button", name="Undo").click()
    page.get_by_role("heading", name="CS402").wait_for()
    assert Course.objects.count() == 1 and Record.objects.count() == 4


def test_withdrawing_students_is_confirmed_then_undone(page, make_user):
    unit = UnitFactory(code="COS10001", name="Intro to Programming")
    convenor = make_user(Role.CONVENOR, username="conv")
    UnitRoleFactory(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    ProjectFactory(unit=unit, user=UserFactory(username="anna"))
    sign_in(page, "conv")
    page.goto(f"/units/{unit.pk}/upload/withdrawals/")
    page.artifact("unit-upload-withdrawals")
    page.locator("#id_file").set_input_files(files=[{"name": "w.csv", "mimeType": "text/csv",
                                                    "buffer": b"unit_code,username\nCOS10001,anna\n"}])
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Confirm the withdrawals").wait_for()
    page.artifact("unit-withdrawal-preview")
    assert Project.objects.get(user__username="anna").enrolled
    page.get_by_role("button", name="Confirm the withdrawals").click()
    page.get_by_text("Withdraw students: 1 done").wait_for()
    assert not Project.objects.get(user__username="anna").enrolled
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("is back").wait_for()
    assert Project.objects.get(user__username="anna").enrolled


def test_the_course_table_sorts_and_filters_and_keeps_them_on_reload(page, teacher, course):
    from attendance.services import UploadOptions, record_attendance

    record_attendance(course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG.read_bytes())],
                      options=UploadOptions(end_time="13/2/2021, 11:00 AM", threshold_seconds=1800, flags=("3",)))
    sign_in(page, teacher.username)
    page.goto(f"/courses/{course.pk}/")

    def rolls():
        return page.locator("table.attendance-grid tbody th").all_inner_texts()

    assert rolls() == ["1", "2", "3", "4"]
    heading = page.locator("table.attendance-grid thead").get_by_role("link", name="Attendance", exact=True)
    heading.click()  # the column heading sorts
    assert rolls() == ["1", "3", "2", "4"]  # lowest first; ties by roll
    heading.click()
    assert rolls() == ["2", "4", "1", "3"]
    page.locator(".headline").get_by_role("link", name="2", exact=True).click()  # the defaulters headline number
    assert rolls() == ["1", "3"]
    page.reload()
    assert rolls() == ["1", "3"] and "show=defaulters" in page.url
    page.artifact("course-overview-defaulters")
    page.locator("#id_show").select_option("all")
    page.locator("#id_sort").select_option("name")
    page.get_by_role("button", name="Show").click()
    assert page.locator("table.attendance-grid tbody td.sticky-2").all_inner_texts() == ["Ranesha", "Ritwik", "Riya", "Shreya"]


def test_keyboard_only_upload_lands_on_the_problem(page, teacher, course, tmp_path):
    sign_in(page, teacher.username)
    page.goto(f"/courses/{course.pk}/upload/")
    minutes = page.get_by_label("Present after (minutes)")
    minutes.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("25")
    page.keyboard.press("Enter")  # no file chosen: the browser refuses and puts focus on the file field
    assert page.evaluate("document.activeElement.id") == "id_files"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 this is not an attendance report")
    page.locator("#id_files").set_input_files(str(pdf))  # what the file dialog does after Enter on the field
    minutes.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="This upload needs your attention").wait_for()
    focused = page.evaluate("document.activeElement.textContent")
    assert "This file is a PDF, not a spreadsheet" in focused  # focus lands on the problem, not the top
    page.artifact("upload-problem")
    assert "present after 25 minutes" in page.locator("main").inner_text()  # the chosen options stay


def test_a_taken_roll_number_is_refused_naming_both_students(page, teacher, course):
    sign_in(page, teacher.username)
    page.goto(f"/courses/{course.pk}/students/")
    page.get_by_label("Roll number").fill("2")
    page.locator("#id_name").fill("Riya Duplicate")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("Roll number 2 is already Riya's.").wait_for()
    assert page.evaluate("document.activeElement.id") == "id_roll"
    assert CourseStudent.objects.get(course=course, roll="2").name == "Riya"


def test_a_demo_teacher_lands_on_a_populated_course(page):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo_data", stdout=StringIO())
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill("cconvenor")
    page.get_by_label("Password").fill("demo-Passw0rd-local")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My courses").wait_for()
    page.artifact("demo-my-courses")
    page.get_by_role("link", name="COS10001-LA · 2026").click()
    headline = page.locator(".headline").inner_text()
    assert "40" in headline and "24" in headline
    assert page.locator("table.attendance-grid tbody tr").count() == 40
    assert page.locator("table.attendance-grid tbody tr.defaulter").count() >= 1
    page.artifact("demo-course-overview")


def test_correct_a_cell_plan_classes_and_share_survive_reload_and_back(page, teacher, course):
    """Issue 14's pages: every form answers with a redirect, so Reload never sends it again and Back returns to
    the page before, with what was saved still shown."""
    from attendance import services

    services.record_attendance(
        course=course, uploaded_by=teacher, files=[("Test2.csv", TEAMS_LOG.read_bytes())],
        options=services.UploadOptions(end_time="13/2/2021, 11:00 AM", threshold_seconds=1800),
    )
    UserFactory(role=Role.TUTOR, username="colleague", email="colleague@uni.edu")
    sign_in(page, "teacher@uni.edu")
    page.goto(f"/courses/{course.pk}/")
    # A mark opens its cell; a correction with a remark comes back to the cell with its history.
    page.locator("tr[data-roll='2'] td.cell a").click()
    page.get_by_role("heading", name="History").wait_for()
    page.get_by_label("Excused").check()
    page.get_by_label("Why (kept in the history)").fill("Doctor's certificate")
    page.get_by_role("button", name="Save the correction").click()
    page.get_by_text("Corrected Riya's attendance").wait_for()
    page.reload()
    assert page.locator("table.history-table tbody tr").count() == 1  # Reload did not correct it twice
    assert "Doctor's certificate" in page.locator("table.history-table").inner_text()
    page.artifact("flow-cell-corrected")
    page.go_back()  # the cell as it was first opened (the form's answer was a redirect to the same address)
    page.get_by_role("heading", name="History").wait_for()
    page.go_back()
    page.wait_for_url(f"**/courses/{course.pk}/")
    page.reload()
    assert "E" in page.locator("tr[data-roll='2'] td.cell").inner_text()
    # Plan weekly classes on the Dates tab; Reload shows the plan and adds nothing.
    page.get_by_role("link", name="Dates").click()
    page.get_by_label("Day:", exact=True).select_option("5")
    page.get_by_label("Starts at").fill("09:30")
    page.get_by_label("First week").fill("2021-02-13")
    page.get_by_label("Last day").fill("2021-03-27")
    page.get_by_role("button", name="Plan these classes").click()
    page.get_by_text("Planned classes: 7 planned classes added.").wait_for()
    page.reload()
    assert page.locator("tr[data-planned]").count() == 7
    assert not page.get_by_text("Planned classes: 7 planned classes added.").is_visible()  # the message was once
    page.go_back()
    page.get_by_role("heading", name="Planned classes").wait_for()
    assert "Recorded classes" in page.content()
    # Share the course: Reload keeps one co-teacher.
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Username or e-mail").fill("colleague@uni.edu")
    page.get_by_role("button", name="Share the course").click()
    page.get_by_text("colleague can now see").wait_for()
    page.reload()
    assert list(course.co_teachers.values_list("username", flat=True)) == ["colleague"]
    page.artifact("flow-course-shared")
