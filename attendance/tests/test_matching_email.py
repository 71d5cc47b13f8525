"""Identity matching by e-mail first (then roll, roll in the display name, name), and the reply and preview
saying how each participant was matched."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from attendance import services
from attendance.formats import Participant, parse_roster
from attendance.matching import match_participants
from attendance.models import Course, CourseStudent, Record
from attendance.tests import reports
from doubtfire.models import Role, TutorialEnrolment, UnitRole
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import ProjectFactory, TutorialFactory, UnitFactory, UnitRoleFactory, UserFactory
from spreadsheets import FileFormatError

pytestmark = pytest.mark.django_db

# A current Teams report (UTF-16, three sections) whose display names are nothing like the roster's names:
# a nickname, a device name, an "(External)" tag. Only the e-mail column and the UPN identify them.
PARTICIPANTS = [
    ["Ash (she/her)", "2/3/2026, 9:00:00 AM", "2/3/2026, 9:50:00 AM", "50m 0s", "asha.rao@uni.edu", "asha.rao@uni.edu", "Attendee"],
    ["Galaxy S21", "2/3/2026, 9:00:00 AM", "2/3/2026, 9:10:00 AM", "10m 0s", "", "BEN.NG@UNI.EDU", "Attendee"],
    ["21CS003 phone (External)", "2/3/2026, 9:00:00 AM", "2/3/2026, 9:40:00 AM", "40m 0s", "", "", "Attendee"],
    ["Dev Patel", "2/3/2026, 9:00:00 AM", "2/3/2026, 9:30:00 AM", "30m 0s", "dev.p@gmail.com", "", "Attendee"],
    ["A visitor", "2/3/2026, 9:00:00 AM", "2/3/2026, 9:30:00 AM", "30m 0s", "guest@example.com", "", "Attendee"],
]
ACTIVITIES = [[name, first, last, duration, email or upn, role] for name, first, last, duration, email, upn, role in PARTICIPANTS]


class Unit:
    """COS60006 with one tutorial; four students enrolled; a course that follows the tutorial, owned by the convenor."""

    def __init__(self):
        unit = UnitFactory(code="COS60006")
        self.convenor = UnitRoleFactory(unit=unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(username="conv", role=Role.CONVENOR)).user
        tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01")
        for username, email, student_id, first, last in (
            ("asha", "asha.rao@uni.edu", "21CS001", "Asha", "Rao"),
            ("ben", "ben.ng@uni.edu", "21CS002", "Benjamin", "Ng"),
            ("cara", "cara@uni.edu", "21CS003", "Cara", "Smith"),
            ("dev", "dev@uni.edu", "21CS004", "Dev", "Patel"),
        ):
            user = UserFactory(username=username, email=email, student_id=student_id, first_name=first, last_name=last)
            TutorialEnrolment.objects.create(project=ProjectFactory(unit=unit, user=user), tutorial=tutorial)
        self.course = services.create_course_from_unit(
            owner=self.convenor, course_id="LAB", course_name="Lab", batch=2026, unit=unit, tutorial=tutorial
        )


@pytest.fixture
def unit():
    return Unit()


def teams_file():
    handle = io.BytesIO(reports.teams_report(participants=PARTICIPANTS, activities=ACTIVITIES,
                                             start="2/3/2026, 9:00:00 AM", end="2/3/2026, 10:00:00 AM"))
    handle.name = "Lab attendance.csv"
    return handle


def test_a_teams_report_whose_names_differ_from_the_roster_is_matched_by_email(unit):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=unit.convenor)}")
    response = client.post(
        "/upload_attendance",
        {"course_id": "LAB", "batch": "2026", "threshold": "1800", "unknown": "ignore", "file": teams_file()},
    )
    assert response.status_code == 200, response.json()
    # Asha 50 min ≥ 30 present (by e-mail, though she joined as "Ash (she/her)"); Ben 10 min absent (by his UPN,
    # any case, from a phone named "Galaxy S21"); Cara 40 min present (roll 21CS003 in the display name); Dev
    # 30 min present (by name: his Gmail address is not the one the unit knows); the visitor matches nobody.
    assert dict(Record.objects.values_list("student__roll", "seconds_attended")) == {
        "21CS001": 3000, "21CS002": 600, "21CS003": 2400, "21CS004": 1800,
    }
    assert response.json()["summary"]["2026-03-02"]["present"] == 3
    # The reply says how each participant was matched, in the file's order.
    assert response.json()["matched"]["2026-03-02"] == [
        {"participant": "Ash (she/her)", "email": "asha.rao@uni.edu", "roll": "21CS001", "matched_by": "email"},
        {"participant": "Galaxy S21", "email": "BEN.NG@UNI.EDU", "roll": "21CS002", "matched_by": "email"},
        {"participant": "21CS003 phone (External)", "email": "", "roll": "21CS003", "matched_by": "roll in name"},
        {"participant": "Dev Patel", "email": "dev.p@gmail.com", "roll": "21CS004", "matched_by": "name"},
        {"participant": "A visitor", "email": "guest@example.com", "roll": None, "matched_by": None},
    ]


def test_the_dashboard_preview_says_how_each_student_was_matched(unit, client):
    client.force_login(unit.convenor)
    response = client.post(
        f"/courses/{unit.course.pk}/upload/",
        {"files": SimpleUploadedFile("teams.csv", teams_file().getvalue()), "threshold_minutes": "30", "flags": "",
         "date_order": "day-first", "match_by": "name"},
    )
    assert response.status_code == 302
    staged = response["Location"]
    client.post(f"{staged}choices/", {"answer": "ignore-unknown"})  # the report has a guest: leave them out
    response = client.get(staged)
    assert response.status_code == 200
    [day] = response.context["preview"].dates
    assert {line.roll: line.matched_by for line in day.lines} == {
        "21CS001": "email", "21CS002": "email", "21CS003": "roll in name", "21CS004": "name",
    }
    page = response.content.decode()
    assert "Matched by" in page and '<td class="matched-by">roll in name</td>' in page
    assert not Record.objects.exists()


def test_match_by_email_still_keys_participants_by_the_address(unit):
    """The old option: the participant's key becomes the e-mail's local part. Matching still starts with the
    whole address, so the result is the same."""
    result = services.record_attendance(
        course=unit.course, uploaded_by=unit.convenor, files=[("teams.csv", teams_file().getvalue())],
        options=services.UploadOptions(identity="email", ignore_unknown=True, threshold_seconds=1800),
    )
    matched = {entry["roll"]: (entry["participant"], entry["matched_by"]) for entry in result.sessions[0].matched}
    assert matched["21CS001"] == ("asha.rao", "email")
    assert matched["21CS002"] == ("BEN.NG", "email")
    assert Record.objects.filter(present=True).count() == 3


def test_a_hand_made_roster_can_carry_emails_and_zoom_is_matched_by_them(db):
    teacher = UserFactory(username="t@uni.edu", role=Role.TUTOR)
    roster = parse_roster(b"Roll Number,Name,E-mail\n1,Asha Rao,asha@uni.edu\n2,Ben Ng,\n")
    assert [(entry.roll, entry.email) for entry in roster] == [("1", "asha@uni.edu"), ("2", "")]
    course = services.create_course(owner=teacher, course_id="Z", course_name="Z", batch=2026, roster=roster)
    assert dict(CourseStudent.objects.filter(course=course).values_list("roll", "email")) == {"1": "asha@uni.edu", "2": ""}
    zoom = reports.zoom_report(
        [["Tablet (Asha)", "ASHA@uni.edu", "13/02/2026 09:00:00 AM", "13/02/2026 09:30:00 AM", "30", "No"],
         ["Ben Ng", "ben@gmail.com", "13/02/2026 09:00:00 AM", "13/02/2026 09:20:00 AM", "20", "No"]]
    )
    result = services.record_attendance(course=course, uploaded_by=teacher, files=[("zoom.csv", zoom)], options=services.UploadOptions())
    assert [(e["roll"], e["matched_by"]) for e in result.sessions[0].matched] == [("1", "email"), ("2", "name")]
    # Adding students can fill in an e-mail later.
    services.add_students(course=course, roster=parse_roster(b"Roll Number,Name,Email\n2,Ben Ng,ben@uni.edu\n"))
    assert CourseStudent.objects.get(course=course, roll="2").email == "ben@uni.edu"
    with pytest.raises(FileFormatError, match="not an address"):
        parse_roster(b"Roll Number,Name,Email\n1,Asha,asha at uni\n")


def test_the_rules_in_order():
    roster = {"21CS001": "Asha Rao", "21CS002": "Ben Ng", "21CS003": "Asha Rao", "X1": "Cara"}
    emails = {"21CS001": "asha@uni.edu", "21CS002": "shared@uni.edu", "21CS003": "shared@uni.edu"}

    def person(key, email="", names=()):
        return Participant(key=key, first_row=2, names=list(names), email=email)

    matches = match_participants(
        roster,
        [
            person("21CS002", email="asha@uni.edu"),  # the e-mail wins over the roll in the name
            person("x1"),  # a roll, any case
            person("Ben Ng"),  # a name
            person("Asha Rao"),  # a name two students share: ambiguous
            person("someone", email="shared@uni.edu"),  # an e-mail two students share: ambiguous
            person("nobody", email="no@uni.edu"),
        ],
        emails=emails,
    )
    assert [(p.key, roll, rule) for p, roll, rule in matches.matched] == [
        ("21CS002", "21CS001", "email"), ("x1", "X1", "roll"), ("Ben Ng", "21CS002", "name"),
    ]
    assert [(p.key, rolls) for p, rolls in matches.ambiguous] == [
        ("Asha Rao", ["21CS001", "21CS003"]), ("someone", ["21CS002", "21CS003"]),
    ]
    assert [p.key for p in matches.unknown] == ["nobody"]
    assert not Course.objects.exists()
