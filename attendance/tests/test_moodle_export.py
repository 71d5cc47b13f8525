"""The Moodle attendance import file (issue 15 item 3) through /download_attendance, re-read with the csv module.

What mod_attendance's "Upload attendance by CSV" reads is in attendance/selectors/moodle.py (with its sources):
one row per student, a user column headed by the Moodle field (email, username or idnumber), and a status
acronym column per session that the teacher picks in Moodle's mapping form.

The course below (CS402, batch 2021); roll 5 has left the unit the course follows:

    roll  email            username  2026-03-02 09:00  2026-03-02 14:00  2026-03-03 10:30
    1     shreya@uni.edu   shreya    Present           Late              Absent, corrected to Excused
    2     Riya@Uni.edu     riya      Absent            Absent            Present
    4     ritwik@uni.edu   ritwik    (not enrolled)    (not enrolled)    Absent
    10    ranesha@uni.edu  ranesha   Present           Present           Late
    5     gone@uni.edu     gone      Present           Absent            Absent       (withdrawn: not in the file)
"""

import csv
import datetime
import io

import pytest

from attendance import selectors, services
from attendance.models import Course, CourseStudent, Record, Session
from doubtfire.tests.factories import UserFactory

D, T = datetime.date, datetime.time
SESSIONS = [(D(2026, 3, 2), T(9, 0)), (D(2026, 3, 2), T(14, 0)), (D(2026, 3, 3), T(10, 30))]
STUDENTS = {  # roll: (name, email, username, marks, withdrawn)
    "1": ("Shreya", "shreya@uni.edu", "shreya", ["present", "late", "absent"], False),
    "2": ("Riya", "Riya@Uni.edu", "riya", ["absent", "absent", "present"], False),
    "10": ("Ranesha", "ranesha@uni.edu", "ranesha", ["present", "present", "late"], False),
    "4": ("Ritwik", "ritwik@uni.edu", "ritwik", [None, None, "absent"], False),
    "5": ("Gone", "gone@uni.edu", "gone", ["present", "absent", "absent"], True),
}
SESSION_HEADINGS = ["2026-03-02 09:00", "2026-03-02 14:00", "2026-03-03 10:30"]
MARKS = {  # in natural roll order; roll 1's last mark is the correction
    "1": ["P", "L", "E"],
    "2": ["A", "A", "P"],
    "4": ["", "", "A"],
    "10": ["P", "P", "L"],
}


def build(owner, *, extra_students=0, **overrides) -> Course:
    """The course of the module docstring; ``overrides`` replace a roll's (email, username)."""
    course = Course.objects.create(owner=owner, course_id="CS402", course_name="Algorithms", batch=2021)
    sessions = Session.objects.bulk_create(
        Session(course=course, date=date, start_time=start, source_format="teams", uploaded_by=owner) for date, start in SESSIONS
    )
    students = {
        **STUDENTS,
        **{f"x{n}": (f"Extra {n}", f"x{n}@uni.edu", f"x{n}", ["present", "absent", "late"], False) for n in range(extra_students)},
    }
    for roll, (name, email, username, marks, withdrawn) in students.items():
        email, username = overrides.get(roll, (email, username))
        student = CourseStudent.objects.create(
            course=course, roll=roll, name=name, email=email, username=username, withdrawn=withdrawn
        )
        Record.objects.bulk_create(
            Record(session=session, student=student, status=mark, present=mark in ("present", "late"), seconds_attended=3000)
            for session, mark in zip(sessions, marks) if mark is not None
        )
    services.correct_attendance(course=course, roll="1", date=D(2026, 3, 3), status="Excused",
                                remark="Doctor's note", changed_by=owner)
    return course


def download(api, **fields):
    return api.post("/download_attendance", {"down-course": "CS402-2021", "report_type": "moodle", **fields}, format="multipart")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.json()
    body = b"".join(response.streaming_content)
    assert not body.startswith(b"\xef\xbb\xbf")  # Moodle's form defaults to UTF-8; no byte-order mark needed
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def test_the_moodle_file_cell_by_cell(api, owner):
    build(owner)
    response = download(api)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="CS402_2021_asOf_2026-03-03(Moodle).csv"'
    rows = read_csv(response)
    # E-mail by default, headed as Moodle's field so that its mapping form picks the column; the roster's
    # e-mail as written (Moodle compares without case). Rolls in natural order; withdrawn roll 5 left out.
    assert rows == [
        ["email", "Name", *SESSION_HEADINGS],
        ["shreya@uni.edu", "Shreya", *MARKS["1"]],
        ["Riya@Uni.edu", "Riya", *MARKS["2"]],
        ["ritwik@uni.edu", "Ritwik", *MARKS["4"]],
        ["ranesha@uni.edu", "Ranesha", *MARKS["10"]],
    ]


def test_every_cell_is_a_moodle_default_acronym_or_blank(api, owner):
    build(owner)
    rows = read_csv(download(api))
    assert {cell for row in rows[1:] for cell in row[2:]} == {"P", "L", "E", "A", ""}


@pytest.mark.parametrize(
    ("moodle_user", "heading", "column"),
    [
        ("username", "username", ["shreya", "riya", "ritwik", "ranesha"]),
        ("roll", "idnumber", ["1", "2", "4", "10"]),
        ("idnumber", "idnumber", ["1", "2", "4", "10"]),  # Moodle's own name for the field
        ("EMAIL", "email", ["shreya@uni.edu", "Riya@Uni.edu", "ritwik@uni.edu", "ranesha@uni.edu"]),
    ],
)
def test_the_identifier_column_follows_moodle_user(api, owner, moodle_user, heading, column):
    build(owner)
    rows = read_csv(download(api, moodle_user=moodle_user, report_type="4"))  # "4" is "moodle"
    assert rows[0] == [heading, "Name", *SESSION_HEADINGS]
    assert [row[0] for row in rows[1:]] == column
    assert [row[2:] for row in rows[1:]] == [MARKS[roll] for roll in ("1", "2", "4", "10")]


def test_one_sessions_column_with_date_and_start_time(api, owner):
    build(owner)
    rows = read_csv(download(api, date="2026-03-02", start_time="14:00"))
    assert rows[0] == ["email", "Name", "2026-03-02 14:00"]
    assert [row[2] for row in rows[1:]] == ["L", "A", "", "P"]


def test_students_without_the_identifier_are_a_400_naming_them(api, owner):
    # A hand-made entry has no e-mail or username: Moodle would skip the row, so no file is made.
    build(owner, **{"4": ("", ""), "10": ("", "ranesha")})
    response = download(api)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error == (
        "Moodle would match the students of CS402-2021 by e-mail address, but 2 students cannot be matched by it: "
        "4 Ritwik (no e-mail address); 10 Ranesha (no e-mail address). Send moodle_user=roll (Moodle's ID number) "
        "instead, which matches every student, or give each of them their own e-mail address."
    )
    assert "Moodle's Username" not in error  # roll 4 has no username either
    # The withdrawn student's missing e-mail would not matter: they are not in the file.


def test_a_roster_with_no_emails_or_usernames_is_told_to_use_the_roll(api, owner):
    overrides = {roll: ("", "") for roll in STUDENTS}
    build(owner, extra_students=6, **{**overrides, **{f"x{n}": ("", "") for n in range(6)}})
    response = download(api, moodle_user="username")
    assert response.status_code == 400
    error = response.json()["error"]
    # The first five are named, then how many more.
    assert "10 students cannot be matched by it: 1 Shreya (no username); 2 Riya (no username); 4 Ritwik (no username); " in error
    assert "; and 5 more. Send moodle_user=roll (Moodle's ID number) instead" in error
    assert read_csv(download(api, moodle_user="roll"))[1][:2] == ["1", "Shreya"]


def test_a_shared_identifier_is_a_400(api, owner):
    # Moodle lower-cases both sides, so these are one user to it: it would mark one and warn for the other.
    build(owner, **{"4": ("riya@uni.edu", "ritwik")})
    response = download(api)
    assert response.status_code == 400
    assert "2 Riya (Riya@Uni.edu, also another student's); 4 Ritwik (riya@uni.edu, also another student's)" in response.json()["error"]
    assert "moodle_user=username (Moodle's Username) or moodle_user=roll (Moodle's ID number)" in response.json()["error"]


def test_an_identifier_the_formula_guard_would_change_is_a_400(api, owner):
    # The download writes '=x as "'=x"; Moodle would then look for a user called '=x.
    build(owner, **{"2": ("riya@uni.edu", "=riya")})
    response = download(api, moodle_user="username")
    assert response.status_code == 400
    assert "2 Riya (=riya, which a spreadsheet would take for a formula)" in response.json()["error"]


def test_xlsx_is_refused_since_moodle_reads_csv_only(api, owner):
    build(owner)
    response = download(api, report_format="1")
    assert response.status_code == 400
    assert response.json() == {
        "error": "Moodle's attendance import reads CSV files only (its upload form accepts .csv); send report_format=0."
    }


def test_an_unknown_moodle_user_is_a_400(api, owner):
    build(owner)
    response = download(api, moodle_user="id")
    assert response.status_code == 400
    assert response.json()["error"] == "moodle_user must be email, username or roll (the roll number as Moodle's ID number)."


def test_a_course_without_attendance_is_a_400(api, owner):
    Course.objects.create(owner=owner, course_id="CS402", course_name="Algorithms", batch=2021)
    response = download(api)
    assert response.status_code == 400 and "no attendance recorded yet" in response.json()["error"]


def test_another_teachers_course_is_a_404(api, owner):
    build(UserFactory())
    assert download(api).status_code == 404


@pytest.mark.parametrize("extra", [0, 60])
def test_the_moodle_file_costs_the_same_queries_for_any_number_of_students(api, owner, extra, django_assert_max_num_queries):
    course = build(owner, extra_students=extra)
    # Sessions, students, records.
    with django_assert_max_num_queries(3):
        moodle = selectors.moodle_attendance_file(course=course)
    assert len(moodle.rows) == 4 + extra
    # Through HTTP: authentication and finding the course, then the same three.
    with django_assert_max_num_queries(7):
        rows = read_csv(download(api))
    assert len(rows) == 1 + 4 + extra
