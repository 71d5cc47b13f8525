"""Enrolment and withdrawal services: upstream model scenarios M1, M2 and M5 with our own files."""

import datetime
from pathlib import Path

import pytest

from doubtfire.models import Project, Role, TutorialEnrolment, User
from doubtfire.services import enrol_students_from_table, withdraw_students_from_table
from spreadsheets import FileFormatError, read_table
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UserFactory,
)

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.django_db


def table(name_or_text):
    if isinstance(name_or_text, str) and not name_or_text.endswith(".csv"):
        return read_table(name_or_text.encode("utf-8"))
    return read_table((DATA / name_or_text).read_bytes())


@pytest.fixture
def actor(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def campuses():
    return CampusFactory(name="Burwood", abbreviation="B"), CampusFactory(name="Online", abbreviation="C")


@pytest.fixture
def sit101(campuses):
    burwood, online = campuses
    unit = UnitFactory(code="SIT101", start_date=datetime.date(2026, 3, 2))
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=burwood)
    TutorialFactory(unit=unit, abbreviation="LA1-03", campus=online)
    return unit


def in_tutorial(unit, abbreviation):
    return sorted(
        TutorialEnrolment.objects.filter(tutorial__unit=unit, tutorial__abbreviation=abbreviation).values_list(
            "project__user__username", flat=True
        )
    )


def test_m1_enrol_with_duplicates_bad_email_unknown_tutorial_and_campus_mismatch(actor, sit101):
    result = enrol_students_from_table(actor=actor, unit=sit101, table=table("SIT101-Enrol-Students.csv"))
    assert [(e["row_number"], e["message"]) for e in result.errors] == [(12, "Invalid email address (blah!).")]
    assert [(e["row_number"], e["message"]) for e in result.ignored] == [
        (8, "Skipping duplicate row for import_7: row 13 is used instead.")
    ]
    messages = {e["row"]["username"]: e["message"] for e in result.success}
    assert messages["import_1"] == "Enrolled student. Enrolled in LA1-01."
    assert messages["import_8"] == (
        "Enrolled student. Unable to enrol in LA1-01: it runs on campus B but the student is on campus C."
    )
    assert messages["import_9"] == "Enrolled student. Unable to enrol in LA1-99: SIT101 has no such tutorial."
    assert messages["import_10"] == "Enrolled student."
    assert messages["import_7"] == (
        "Enrolled student. Unable to enrol in LA1-03: it runs on campus C but the student is on campus B."
    )
    assert Project.objects.filter(unit=sit101).count() == 10
    assert Project.objects.get(unit=sit101, user__username="import_8").campus.abbreviation == "C"
    assert in_tutorial(sit101, "LA1-01") == ["import_1", "import_2", "import_3"]
    assert in_tutorial(sit101, "LA1-03") == ["import_4", "import_5", "import_6"]
    # Names as given, emails as given, nickname defaults to the first name, no usable password.
    user = User.objects.get(username="import_2")
    assert (user.first_name, user.last_name, user.nickname, user.email) == ("Bob", "Brown", "Bob", "bobby@example.edu")
    assert not user.has_usable_password()
    assert not User.objects.filter(username="import_11").exists()


def test_m1_uploading_again_changes_nothing(actor, sit101):
    enrol_students_from_table(actor=actor, unit=sit101, table=table("SIT101-Enrol-Students.csv"))
    again = enrol_students_from_table(actor=actor, unit=sit101, table=table("SIT101-Enrol-Students.csv"))
    no_change = [e["row"]["username"] for e in again.ignored if e["message"] == "No change."]
    assert sorted(no_change) == sorted(["import_1", "import_2", "import_3", "import_4", "import_5", "import_6", "import_10"])
    # A tutorial that cannot be joined stays the warning it was on the first upload; the row is unchanged.
    warned = {e["row"]["username"]: e["message"] for e in again.ignored if e["message"].startswith("No change. ")}
    assert warned == {
        "import_7": "No change. Unable to enrol in LA1-03: it runs on campus C but the student is on campus B.",
        "import_8": "No change. Unable to enrol in LA1-01: it runs on campus B but the student is on campus C.",
        "import_9": "No change. Unable to enrol in LA1-99: SIT101 has no such tutorial.",
    }
    assert [e["row"]["username"] for e in again.errors] == ["import_11"]  # the bad email, as the first time
    assert again.success == []


def test_m2_streamed_unit_with_mixed_case_stream_columns_and_campus_names(actor, campuses):
    burwood, online = campuses
    unit = UnitFactory(code="SIT101")
    prc = TutorialStreamFactory(unit=unit, abbreviation="Prc01", name="Practical")
    stu = TutorialStreamFactory(unit=unit, abbreviation="Stu01", name="Studio")
    TutorialFactory(unit=unit, abbreviation="LA1-01", stream=prc, campus=burwood)
    TutorialFactory(unit=unit, abbreviation="LA1-03", stream=prc, campus=online)
    TutorialFactory(unit=unit, abbreviation="LA1-02", stream=stu, campus=None)
    result = enrol_students_from_table(actor=actor, unit=unit, table=table("SIT101-Enrol-Students-Stream.csv"))
    assert result.errors == [] and result.ignored == []
    assert len(result.success) == 8
    assert Project.objects.filter(unit=unit).count() == 8
    assert len(in_tutorial(unit, "LA1-01")) == 4
    assert len(in_tutorial(unit, "LA1-03")) == 4
    assert len(in_tutorial(unit, "LA1-02")) == 8
    assert Project.objects.get(unit=unit, user__username="s_7").campus == online


def test_streamed_unit_requires_every_stream_column(actor, campuses):
    unit = UnitFactory(code="SIT101")
    TutorialStreamFactory(unit=unit, abbreviation="Prc01")
    with pytest.raises(FileFormatError, match="Missing headings: prc01"):
        enrol_students_from_table(actor=actor, unit=unit, table=table("unit_code,username,email,tutorial\nSIT101,a,a@x.com,\n"))


def test_moving_within_a_stream_replaces_the_tutorial(actor, campuses):
    unit = UnitFactory(code="SIT102")
    prc = TutorialStreamFactory(unit=unit, abbreviation="P")
    TutorialFactory(unit=unit, abbreviation="P1", stream=prc, campus=None)
    TutorialFactory(unit=unit, abbreviation="P2", stream=prc, campus=None)
    enrol_students_from_table(actor=actor, unit=unit, table=table("unit_code,username,email,p\nsit102,a,a@x.com,P1\n"))
    result = enrol_students_from_table(actor=actor, unit=unit, table=table("unit_code,username,email,p\nSIT102,a,a@x.com,P2\n"))
    assert [e["message"] for e in result.success] == ["Enrolled in P2."]
    assert in_tutorial(unit, "P1") == [] and in_tutorial(unit, "P2") == ["a"]


def test_m5_campus_change_and_reenrolment_are_reported_in_clean_sentences(actor, sit101, campuses):
    burwood, online = campuses
    student = UserFactory(username="moving", email="moving@x.com", student_id="111")
    ProjectFactory(unit=sit101, user=student, campus=burwood, enrolled=False)
    header = "unit_code,username,email,tutorial,campus,student_id\n"
    result = enrol_students_from_table(actor=actor, unit=sit101, table=table(header + "SIT101,moving,moving@x.com,,C,111\n"))
    assert [e["message"] for e in result.success] == ["Re-enrolled student. Campus updated."]
    project = Project.objects.get(unit=sit101, user=student)
    assert (project.enrolled, project.campus) == (True, online)
    same = enrol_students_from_table(actor=actor, unit=sit101, table=table(header + "SIT101,moving,moving@x.com,,Online,111\n"))
    assert [e["message"] for e in same.ignored] == ["No change."]
    new_id = enrol_students_from_table(actor=actor, unit=sit101, table=table(header + "SIT101,moving,moving@x.com,,,222\n"))
    assert [e["message"] for e in new_id.success] == ["Student ID updated."]
    assert User.objects.get(username="moving").student_id == "222"


def test_unknown_campus_wrong_unit_code_and_clashing_new_user(actor, sit101):
    UserFactory(username="owner", email="taken@x.com", student_id="999")
    header = "unit_code,username,email,tutorial,campus,student_id\n"
    rows = (
        "SIT101,a,a@x.com,,Mars,\n"
        "COS10001,b,b@x.com,,,\n"
        "SIT101,c,TAKEN@x.com,,,\n"
        "SIT101,d,d@x.com,,,999\n"
        "SIT101,,e@x.com,,,\n"
    )
    result = enrol_students_from_table(actor=actor, unit=sit101, table=table(header + rows))
    assert [e["message"] for e in result.errors] == [
        "Unable to find campus (Mars).",
        "The username cannot be blank or empty.",
        "Student record is invalid. The email address TAKEN@x.com is already used by another user.",
        "Student record is invalid. The student ID 999 is already used by another user.",
    ]
    assert [e["message"] for e in result.ignored] == ["Invalid unit code. COS10001 does not match SIT101."]
    assert not Project.objects.filter(unit=sit101).exists()


def test_multi_code_unit_accepts_either_code(actor, campuses):
    unit = UnitFactory(code="COS10001/COS60001")
    result = enrol_students_from_table(
        actor=actor, unit=unit, table=table("unit_code,username,email,tutorial\ncos60001,a,a@x.com,\nCOS10001,b,b@x.com,\n")
    )
    assert len(result.success) == 2


def test_withdraw_file_with_bare_cr_line_endings_and_blank_rows(actor):
    unit = UnitFactory(code="COS20007")
    for username in ("student_0", "student_1", "cliff"):
        ProjectFactory(unit=unit, user=UserFactory(username=username))
    result = withdraw_students_from_table(actor=actor, unit=unit, table=table("COS20007-Withdraw-Students.csv"))
    assert [(e["row_number"], e["message"]) for e in result.success] == [
        (2, "User student_0 withdrawn from unit."),
        (3, "User cliff withdrawn from unit."),
        (7, "User student_1 withdrawn from unit."),
    ]
    assert [(e["row_number"], e["message"]) for e in result.ignored] == [
        (6, "Invalid unit code. COS10001 does not match COS20007.")
    ]
    assert [(e["row_number"], e["message"]) for e in result.errors] == [(8, "User student_999 not found.")]
    assert not Project.objects.filter(unit=unit, enrolled=True).exists()
    assert Project.objects.filter(unit=unit).count() == 3  # withdrawn, not deleted


@pytest.mark.parametrize("rows", [10, 100])
def test_withdraw_query_count_is_constant(actor, rows, django_assert_max_num_queries):
    unit = UnitFactory(code="BIG1")
    for n in range(rows):
        ProjectFactory(unit=unit, user=UserFactory(username=f"w{n}"))
    text = "unit_code,username\n" + "".join(f"BIG1,w{n}\n" for n in range(rows))
    # 8, and one more for the attendance courses that follow the unit (none here: their rosters would follow).
    with django_assert_max_num_queries(9):
        result = withdraw_students_from_table(actor=actor, unit=unit, table=table(text))
    assert len(result.success) == rows
