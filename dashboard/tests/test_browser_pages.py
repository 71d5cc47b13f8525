"""Every dashboard page at desktop (1280×800) and phone (390×844) size, in real Chromium: a screenshot of each in
test-artifacts/ on every run (for a reviewer to look at), axe-core's accessibility rules with no serious or
critical violation, and nothing wider than the screen on a phone except the tables that scroll on purpose."""

import datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from attendance import services as attendance_services
from attendance.services import UploadOptions, record_attendance
from conftest import DEFAULT_PASSWORD
from dashboard.models import StagedUpload
from dashboard.services import staging
from dashboard.tests.conftest import DESKTOP, PHONE
from doubtfire.models import Role, TaskStatus, UnitRole
from doubtfire.tests.factories import (
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    TutorialFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"
TEAMS_LOG = (FIXTURES / "Test2.csv").read_bytes()
AXE = Axe()
# Elements reaching past the right edge of the screen, outside the tables and chart that scroll on purpose.
WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest(".table-wrap, .bar-chart-wrap"))
    .slice(0, 5).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
}"""


def world(make_user):
    """A Convenor who teaches a unit with tasks and owns a course with three recorded classes."""
    convenor = make_user(Role.CONVENOR, username="cconvenor", first_name="Cam", last_name="Convenor")
    unit = UnitFactory(code="COS10001", name="Introduction to Programming")
    role = UnitRoleFactory(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01", tutor=role)
    definitions = [TaskDefinitionFactory(unit=unit, abbreviation=f"{n}.1P", name=f"Task number {n}") for n in range(1, 10)]
    for number in range(6):
        project = ProjectFactory(unit=unit, user=UserFactory(username=f"student{number:02d}"))
        project.tutorial_enrolments.create(tutorial=tutorial)
        for definition in definitions[: number + 2]:
            TaskFactory(project=project, definition=definition, status=TaskStatus.COMPLETE if number % 2 else TaskStatus.WORKING_ON_IT)
    roster = attendance_services.read_roster(name="students.csv", data=(FIXTURES / "students.csv").read_bytes())
    course = attendance_services.create_course(owner=convenor, course_id="CS402", course_name="Networks", batch=2026,
                                               roster=roster)
    for day in ("13/2/2021", "14/2/2021", "15/2/2021"):
        record_attendance(course=course, uploaded_by=convenor, files=[("Test2.csv", TEAMS_LOG.replace(b"13/2/2021", day.encode()))],
                          options=UploadOptions(end_time="11:00 AM", threshold_seconds=1800, flags=("3",) if day[:2] == "14" else ()))
    preview = staging.stage_upload(owner=convenor, kind=StagedUpload.Kind.ATTENDANCE, course=course,
                                   files=[("Test2.csv", TEAMS_LOG.replace(b"13/2/2021", b"16/2/2021"))],
                                   options={"threshold_minutes": 30, "end_time": "11:00 AM", "flags": [],
                                            "date_order": "day-first", "match_by": "name"})
    problem = staging.stage_upload(owner=convenor, kind=StagedUpload.Kind.ATTENDANCE, course=course,
                                   files=[("Test2.csv", TEAMS_LOG)], options={"threshold_minutes": 30})
    enrol = staging.stage_upload(owner=convenor, kind=StagedUpload.Kind.ENROLMENTS, unit=unit, options={},
                                 files=[("s.csv", b"unit_code,username,email,tutorial\nCOS10001,new1,new1@uni.edu,LA1-01\n"
                                         b"COS10001,,x@uni.edu,LA1-01\n")])
    student = course.students.get(roll="2")
    project = unit.projects.first()
    # Planned Saturdays through March (so the Overview has Needed and at risk), one corrected cell with history,
    # and a course that follows the unit (its students see it on My attendance).
    attendance_services.plan_classes(course=course, classes=attendance_services.generated_classes(
        weekday=5, time=datetime.time(9, 30), start=datetime.date(2021, 2, 13), end=datetime.date(2021, 3, 27)))
    first = course.sessions.order_by("date").first()
    attendance_services.correct_attendance(course=course, roll="2", date=first.date, status="excused",
                                           remark="Doctor's certificate", changed_by=convenor)
    linked = attendance_services.create_course_from_unit(owner=convenor, course_id="COS10001-LA1", course_name="Lab",
                                                         batch=2026, unit=unit, tutorial=tutorial)
    linked_session = linked.sessions.create(date=datetime.date(2026, 3, 2), source_format="zoom", uploaded_by=convenor)
    for number, entry in enumerate(linked.students.all()):
        record = linked_session.records.model(session=linked_session, student=entry, seconds_attended=3000 - number * 600)
        record.set_status("present" if number % 3 else "absent")
        record.save()
    return {
        "login": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "help": "/help/",
        "my-courses": "/",
        "add-course": "/courses/new/",
        "course-overview": f"/courses/{course.pk}/",
        "course-upload": f"/courses/{course.pk}/upload/",
        "upload-preview": f"/courses/{course.pk}/uploads/{preview.pk}/",
        "upload-date-recorded": f"/courses/{course.pk}/uploads/{problem.pk}/",
        "course-student": f"/courses/{course.pk}/students/{student.pk}/",
        "course-cell": f"/courses/{course.pk}/cells/{first.pk}/{student.pk}/",
        "add-course-from-unit": "/courses/new/from-unit/",
        "linked-course-students": f"/courses/{linked.pk}/students/",
        "linked-course-dates": f"/courses/{linked.pk}/dates/",
        "course-students": f"/courses/{course.pk}/students/",
        "confirm-remove-student": f"/courses/{course.pk}/students/{student.pk}/remove/",
        "course-dates": f"/courses/{course.pk}/dates/",
        "course-settings": f"/courses/{course.pk}/settings/",
        "confirm-delete-course": f"/courses/{course.pk}/delete/",
        "my-units": "/units/",
        "unit": f"/units/{unit.pk}/",
        "unit-tasks": f"/units/{unit.pk}/tasks/?tutorial=all",
        "unit-task-status": f"/units/{unit.pk}/tasks/{project.pk}/{definitions[0].pk}/",
        "unit-upload": f"/units/{unit.pk}/upload/enrolments/",
        "unit-upload-preview": f"/units/{unit.pk}/uploads/{enrol.pk}/",
        "account": "/accounts/password/",
    }


ANONYMOUS = {"login", "sign-up", "help"}


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_every_page_is_accessible_and_fits_the_screen(page, make_user):
    pages = world(make_user)
    for name in ANONYMOUS:
        page.goto(pages[name])
        _check(page, name)
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill("cconvenor")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My courses").wait_for()
    for name, url in pages.items():
        if name in ANONYMOUS:
            continue
        response = page.goto(url)
        assert response.status == 200, (name, response.status)
        _check(page, name)
    # A student of the unit: their own attendance, and nothing else.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill("student01")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My attendance").wait_for()
    _check(page, "my-attendance")


def _check(page, name: str) -> None:
    page.artifact(name)
    results = AXE.run(page)
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: {serious}"
    width = page.viewport_size["width"]
    # Nothing but the scrolling tables may be wider than the screen (no sideways page scroll).
    page_width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert page_width <= width + 1, f"{name}: the page is {page_width} px wide on a {width} px screen: {wide}"
