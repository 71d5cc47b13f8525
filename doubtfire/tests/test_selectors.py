"""The CSV download selectors: columns and values (upstream M3, M4), row order, and constant query counts."""

import datetime

import pytest

from doubtfire.models import Assessment, Group, GroupMembership, GroupSet, TaskStatus, TutorialEnrolment, UnitRole
from doubtfire.selectors import (
    task_completion_table,
    task_definitions_table,
    tutor_assessments_table,
    unit_students_table,
    users_table,
)
from doubtfire.tests.factories import (
    CampusFactory,
    ProjectFactory,
    TaskDefinitionFactory,
    TaskFactory,
    TutorialFactory,
    TutorialStreamFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def rows_of(table):
    return [list(row) for row in table.rows]


def test_m3_students_export_columns_and_values():
    unit = UnitFactory(code="SIT101")
    campus = CampusFactory(name="Burwood", abbreviation="B")
    tutorial = TutorialFactory(unit=unit, abbreviation="LA1-01", campus=campus)
    for username, nickname in (("zoe", "Zo"), ("amy", "")):
        project = ProjectFactory(
            unit=unit,
            campus=campus,
            user=UserFactory(username=username, nickname=nickname, first_name=username.title(), last_name="L", student_id=f"id-{username}"),
        )
        TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
    ProjectFactory(unit=unit, enrolled=False)
    table = unit_students_table(unit)
    assert table.filename == "SIT101-Students.csv"
    assert table.header == [
        "unit_code", "campus", "username", "student_id", "preferred_name", "first_name", "last_name", "email", "tutorial",
    ]
    assert rows_of(table) == [
        ["SIT101", "B", "amy", "id-amy", "", "Amy", "L", "amy@example.edu", "LA1-01"],
        ["SIT101", "B", "zoe", "id-zoe", "Zo", "Zoe", "L", "zoe@example.edu", "LA1-01"],
    ]


def test_students_export_streams_show_stream_less_tutorial_under_every_stream():
    unit = UnitFactory(code="SIT102")
    a = TutorialStreamFactory(unit=unit, abbreviation="Lab")
    TutorialStreamFactory(unit=unit, abbreviation="Tut")
    lab1 = TutorialFactory(unit=unit, abbreviation="L1", stream=a, campus=None)
    anywhere = TutorialFactory(unit=unit, abbreviation="ANY", stream=None, campus=None)
    p1 = ProjectFactory(unit=unit, user=UserFactory(username="p1"))
    p2 = ProjectFactory(unit=unit, user=UserFactory(username="p2"))
    TutorialEnrolment.objects.create(project=p1, tutorial=lab1)
    TutorialEnrolment.objects.create(project=p2, tutorial=anywhere)
    table = unit_students_table(unit)
    assert table.header[-2:] == ["Lab", "Tut"]
    assert [row[-2:] for row in rows_of(table)] == [["L1", ""], ["ANY", "ANY"]]


def test_m4_task_completion_rich_case_has_17_columns():
    unit = UnitFactory(code="COS30001", start_date=datetime.date(2026, 3, 2))
    s1 = TutorialStreamFactory(unit=unit, abbreviation="Lab")
    TutorialStreamFactory(unit=unit, abbreviation="Wks")
    lab = TutorialFactory(unit=unit, abbreviation="L01", stream=s1, campus=None)
    teams = GroupSet.objects.create(unit=unit, name="Teams")
    group = Group.objects.create(group_set=teams, name="Red")
    plain = TaskDefinitionFactory(unit=unit, abbreviation="P1", start_date=datetime.date(2026, 3, 2))
    starred = TaskDefinitionFactory(unit=unit, abbreviation="S1", max_quality_pts=5, start_date=datetime.date(2026, 3, 3))
    graded = TaskDefinitionFactory(unit=unit, abbreviation="G1", is_graded=True, group_set=teams, target_grade=2)
    student = UserFactory(username="stu", first_name="Stu", last_name="Dent", student_id="42", email="stu@x.com")
    project = ProjectFactory(unit=unit, user=student, target_grade=1, grade=70, grade_rationale="Good")
    TutorialEnrolment.objects.create(project=project, tutorial=lab)
    GroupMembership.objects.create(group=group, project=project)
    TaskFactory(project=project, definition=plain, status=TaskStatus.COMPLETE)
    TaskFactory(project=project, definition=graded, status=TaskStatus.DISCUSS, grade=3, contribution_pts=4)
    other = ProjectFactory(unit=unit, user=UserFactory(username="zed", first_name="Zed", last_name="Z", email="zed@x.com"))
    TaskFactory(project=other, definition=starred, status=TaskStatus.FIX_AND_RESUBMIT, quality_pts=4, grade=9)

    table = task_completion_table(unit)
    assert table.filename == "COS30001-TaskCompletion.csv"
    assert table.header == [
        "Student ID", "Username", "Student Name", "Target Grade", "Email", "Portfolio", "Grade", "Rationale",
        "Lab", "Wks", "Teams", "P1", "S1", "S1 stars", "G1", "G1 grade", "G1 contribution",
    ]
    assert len(table.header) == 17
    assert rows_of(table) == [
        ["42", "stu", "Stu Dent", "Credit", "stu@x.com", False, 70, "Good", "L01", "", "Red",
         "Complete", "Not Started", "", "Discuss", "HD", 4],
        [None, "zed", "Zed Z", "Pass", "zed@x.com", False, "", "", "", "", "",
         "Not Started", "Fix and Resubmit", 4, "Not Started", "", ""],
    ]


def test_tutor_assessments_by_assessor_enrolled_only():
    unit = UnitFactory(code="COS1")
    tutor = UnitRoleFactory(unit=unit, user=UserFactory(username="bob", first_name="Bob", last_name="B")).user
    other = UserFactory(username="al", first_name="Al", last_name="A")
    enrolled_task = TaskFactory(project=ProjectFactory(unit=unit), definition=TaskDefinitionFactory(unit=unit))
    withdrawn_task = TaskFactory(project=ProjectFactory(unit=unit, enrolled=False), definition=enrolled_task.definition)
    foreign_task = TaskFactory()
    for assessor, task in ((tutor, enrolled_task), (tutor, enrolled_task), (other, enrolled_task), (tutor, withdrawn_task), (tutor, foreign_task)):
        Assessment.objects.create(task=task, assessor=assessor, status=TaskStatus.COMPLETE)
    table = tutor_assessments_table(unit)
    assert table.header == ["Username", "Tutor Name", "Total Tasks Assessed"]
    assert rows_of(table) == [["al", "Al A", 1], ["bob", "Bob B", 2]]


def test_task_definitions_export_values():
    unit = UnitFactory(code="COS2", start_date=datetime.date(2026, 3, 2))
    stream = TutorialStreamFactory(unit=unit, abbreviation="prac")
    TaskDefinitionFactory(
        unit=unit, name="Later", abbreviation="B", start_date=datetime.date(2026, 3, 9), target_date=datetime.date(2026, 3, 20),
        due_date=datetime.date(2026, 3, 27), upload_requirements=[{"key": "f", "name": "Café", "type": "code"}],
        tutorial_stream=stream, is_graded=True, weighting=4,
    )
    TaskDefinitionFactory(unit=unit, name="Early", abbreviation="A", start_date=datetime.date(2026, 2, 28), target_date=datetime.date(2026, 3, 2))
    table = task_definitions_table(unit)
    assert rows_of(table) == [
        ["Early", "A", "", 0, 0, False, 0, False, 50, "[]", "", "[]", 0, "Sat", 1, "Mon", "", "", ""],
        ["Later", "B", "", 4, 0, False, 0, True, 50, "[]", "", '[{"key":"f","name":"Café","type":"code"}]',
         2, "Mon", 3, "Fri", 4, "Fri", "prac"],
    ]


def build_unit(students):
    """A unit with streams, group sets, tasks, tutorials and assessments for `students` students."""
    unit = UnitFactory(code="BIG")
    campus = CampusFactory(abbreviation="B", name="Burwood")
    streams = [TutorialStreamFactory(unit=unit, abbreviation=f"S{n}") for n in range(2)]
    tutorials = [TutorialFactory(unit=unit, stream=stream, campus=campus) for stream in streams]
    group_set = GroupSet.objects.create(unit=unit, name="Teams")
    group = Group.objects.create(group_set=group_set, name="G")
    definitions = [
        TaskDefinitionFactory(unit=unit, is_graded=True, max_quality_pts=3, group_set=group_set, tutorial_stream=streams[0]),
        TaskDefinitionFactory(unit=unit, tutorial_stream=streams[1]),
    ]
    tutor = UnitRoleFactory(unit=unit, role=UnitRole.Kind.TUTOR).user
    for n in range(students):
        project = ProjectFactory(unit=unit, campus=campus)
        for tutorial in tutorials:
            TutorialEnrolment.objects.create(project=project, tutorial=tutorial)
        GroupMembership.objects.create(group=group, project=project)
        task = TaskFactory(project=project, definition=definitions[n % 2], grade=1)
        Assessment.objects.create(task=task, assessor=tutor, status=TaskStatus.COMPLETE)
    return unit


SELECTORS = {
    "users": (lambda unit: users_table(), 1),
    "students": (unit_students_table, 3),
    "task_completion": (task_completion_table, 7),
    "tutor_assessments": (tutor_assessments_table, 1),
    "task_definitions": (task_definitions_table, 1),
}


@pytest.mark.parametrize("students", [5, 200])
@pytest.mark.parametrize("name", list(SELECTORS))
def test_export_query_count_does_not_depend_on_unit_size(name, students, django_assert_max_num_queries):
    unit = build_unit(students)
    selector, bound = SELECTORS[name]
    with django_assert_max_num_queries(bound):
        rows = rows_of(selector(unit))
    if name in ("students", "task_completion"):
        assert len(rows) == students
