"""Task definition import: upstream M6 (a 36-row file with quotes, commas and line breaks, with and
without a stream, group-set tasks with a missing group set), the week convention and the round trip."""

import datetime
from pathlib import Path

import pytest

from doubtfire.models import GroupSet, Role, TaskDefinition
from doubtfire.selectors import date_of_week_day, task_definitions_table, week_and_day
from doubtfire.services import import_task_definitions_from_table
from spreadsheets import FileFormatError, csv_bytes, read_table
from doubtfire.tests.factories import TaskDefinitionFactory, TutorialStreamFactory, UnitFactory

DATA = Path(__file__).parent / "data"
MONDAY = datetime.date(2026, 3, 2)

pytestmark = pytest.mark.django_db


def table_of(name):
    return read_table((DATA / name).read_bytes())


def text_table(text):
    return read_table(text.encode("utf-8"))


@pytest.fixture
def actor(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def unit():
    return UnitFactory(code="COS10001", start_date=MONDAY, end_date=datetime.date(2026, 6, 26))


def export_bytes(unit):
    exported = task_definitions_table(unit)
    return csv_bytes(exported.header, exported.rows)


def snapshot(unit):
    return list(
        TaskDefinition.objects.filter(unit=unit)
        .order_by("abbreviation")
        .values(
            "name", "abbreviation", "description", "weighting", "target_grade", "restrict_status_updates",
            "max_quality_pts", "is_graded", "plagiarism_warn_pct", "plagiarism_checks", "group_set",
            "upload_requirements", "start_date", "target_date", "due_date", "tutorial_stream",
        )
    )


def test_m6_thirty_six_tasks_into_a_streamed_unit(actor, unit):
    stream = TutorialStreamFactory(unit=unit, abbreviation="import-tasks", name="Import tasks")
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=table_of("COS10001-ImportTasks.csv"))
    assert result.errors == [] and result.ignored == []
    assert len(result.success) == 36
    assert TaskDefinition.objects.filter(unit=unit, tutorial_stream=stream).count() == 36
    first = TaskDefinition.objects.get(unit=unit, abbreviation="1.1P")
    assert first.name == 'Task 1: "Pass" part, 1'
    assert first.description == 'Read chapter 1, then write "notes", with commas, and quotes.\nSecond line.'
    assert first.upload_requirements == [{"key": "file0", "name": "Code 1", "type": "code"}]
    # week 0 Tue = the Tuesday before the start; week 2 Thu = 12 March; week 4 Sat = 28 March.
    assert (first.start_date, first.target_date, first.due_date) == (
        datetime.date(2026, 2, 24),
        datetime.date(2026, 3, 12),
        datetime.date(2026, 3, 28),
    )
    assert TaskDefinition.objects.get(unit=unit, abbreviation="4.2C").due_date is None
    sixth = TaskDefinition.objects.get(unit=unit, abbreviation="6.2C")
    assert (sixth.is_graded, sixth.restrict_status_updates, sixth.target_grade) == (True, True, 2)
    seventh = TaskDefinition.objects.get(unit=unit, abbreviation="7.1P")
    assert seventh.plagiarism_checks == [{"key": "check0", "type": "moss python", "pattern": "*.py"}]


def test_m6_same_file_without_stream_into_a_unit_without_streams(actor, unit):
    text = (DATA / "COS10001-ImportTasks.csv").read_text().replace(",import-tasks\n", ",\n")
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=text_table(text))
    assert len(result.success) == 36
    exported = export_bytes(unit).decode()
    assert all(line.endswith(",") for line in exported.splitlines()[1:] if line.endswith(("Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,")))
    assert TaskDefinition.objects.filter(unit=unit, tutorial_stream__isnull=True).count() == 36


def test_streamed_unit_refuses_a_definition_without_stream(actor, unit):
    TutorialStreamFactory(unit=unit, abbreviation="prac")
    result = import_task_definitions_from_table(
        actor=actor, unit=unit, table=text_table("name,abbreviation,start_week,start_day,target_week,target_day\nT,T1,1,Mon,2,Mon\n")
    )
    assert [e["message"] for e in result.errors] == [
        "Tutorial stream must be one of the tutorial streams in the unit (prac)."
    ]
    assert not TaskDefinition.objects.exists()


def test_m6_group_tasks_with_a_missing_group_set(actor, unit):
    group_work = GroupSet.objects.create(unit=unit, name="Group Work")
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=table_of("import_group_tasks.csv"))
    assert [e["message"] for e in result.success] == ["Added new task definition GT1."]
    assert [(e["row_number"], e["message"]) for e in result.errors] == [
        (3, "Unable to find groupset with name Group Work1 in unit.")
    ]
    assert TaskDefinition.objects.get(unit=unit).group_set == group_work


def test_round_trip_keeps_every_field(actor, unit):
    stream = TutorialStreamFactory(unit=unit, abbreviation="import-tasks", name="Import tasks")
    group_set = GroupSet.objects.create(unit=unit, name="Teams")
    import_task_definitions_from_table(actor=actor, unit=unit, table=table_of("COS10001-ImportTasks.csv"))
    TaskDefinition.objects.filter(unit=unit, abbreviation="2.2C").update(group_set=group_set, description="=SUM(A1)")
    before = snapshot(unit)
    exported = export_bytes(unit)
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=read_table(exported))
    assert result.success == [] and result.errors == []
    assert [e["message"] for e in result.ignored] == ["No change."] * 36
    assert snapshot(unit) == before
    # and into an empty unit: every field arrives
    other = UnitFactory(code="COS10002", start_date=MONDAY)
    TutorialStreamFactory(unit=other, abbreviation="import-tasks", name="Import tasks")
    GroupSet.objects.create(unit=other, name="Teams")
    copied = import_task_definitions_from_table(actor=actor, unit=other, table=read_table(exported))
    assert len(copied.success) == 36
    strip = lambda rows: [{k: v for k, v in row.items() if k not in ("group_set", "tutorial_stream", "description")} for row in rows]
    assert strip(snapshot(other)) == strip(before)
    assert TaskDefinition.objects.get(unit=other, abbreviation="2.2C").group_set.name == "Teams"
    assert stream.pk != TaskDefinition.objects.get(unit=other, abbreviation="2.2C").tutorial_stream_id


def test_update_by_abbreviation_and_by_name(actor, unit):
    TaskDefinitionFactory(unit=unit, abbreviation="P1", name="Old name", weighting=1)
    TaskDefinitionFactory(unit=unit, abbreviation="OLD", name="Keep name")
    text = (
        "name,abbreviation,weighting,start_week,start_day,target_week,target_day\n"
        "New name,P1,3,1,Mon,3,Mon\n"
        "Keep name,NEW,0,1,Mon,3,Mon\n"
    )
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=text_table(text))
    assert [e["message"] for e in result.success] == [
        "Updated existing task definition P1.",
        "Updated existing task definition NEW.",
    ]
    assert TaskDefinition.objects.get(unit=unit, abbreviation="P1").name == "New name"
    assert TaskDefinition.objects.filter(unit=unit, abbreviation="NEW", name="Keep name").exists()


def test_bad_cells_are_row_errors(actor, unit):
    text = (
        "name,abbreviation,target_grade,upload_requirements,start_week,start_day,target_week,target_day\n"
        ",X0,0,[],1,Mon,2,Mon\n"
        "A,X1,7,[],1,Mon,2,Mon\n"
        "B,X2,0,{not json,1,Mon,2,Mon\n"
        "C,X3,0,\"[{\"\"key\"\":\"\"f\"\"}]\",1,Mon,2,Mon\n"
        "D,X4,0,[],one,Mon,2,Mon\n"
        "E,X5,0,[],1,Mon,2,Someday\n"
        "F,X5,0,[],1,Mon,2,Mon\n"
        "G,X6,0,\"[{\"\"key\"\"=>\"\"file0\"\", \"\"name\"\"=>\"\"Code\"\", \"\"type\"\"=>\"\"code\"\"}]\",1,Mon,2,Mon\n"
    )
    result = import_task_definitions_from_table(actor=actor, unit=unit, table=text_table(text))
    assert [(e["row_number"], e["message"]) for e in result.errors] == [
        (2, "Abbreviation and name cannot be empty."),
        (3, "target_grade must be between 0 and 3, not 7."),
        (4, "upload_requirements is not valid JSON: {not json"),
        (5, "upload_requirements entries need exactly the keys key, name and type (tii_check and tii_pct are optional)."),
        (6, "Unable to determine start date for X4 -- need week number, and day short text eg. 'Wed'."),
        (7, "Unable to determine target date for X5 -- need week number, and day short text eg. 'Wed'."),
    ]
    # The first X5 row failed, so the second may use the abbreviation; Ruby inspect format
    # (Doubtfire 8.0's export) is read as JSON.
    assert [e["message"] for e in result.success] == ["Added new task definition X5.", "Added new task definition X6."]
    assert TaskDefinition.objects.get(abbreviation="X6").upload_requirements == [
        {"key": "file0", "name": "Code", "type": "code"}
    ]


def test_missing_headings_raise(actor, unit):
    with pytest.raises(FileFormatError, match="Missing headings: start_week, start_day"):
        import_task_definitions_from_table(actor=actor, unit=unit, table=text_table("name,abbreviation,target_week,target_day\nA,B,1,Mon\n"))


@pytest.mark.parametrize("start", [MONDAY, datetime.date(2026, 3, 4)])
def test_week_convention_is_its_own_inverse(start):
    for offset in range(-30, 120):
        date = start + datetime.timedelta(days=offset)
        week, day = week_and_day(start, date)
        assert date_of_week_day(start, week, day) == date
    assert week_and_day(start, start) == (1, start.strftime("%a"))
    assert week_and_day(start, start - datetime.timedelta(days=1))[0] == 0


@pytest.mark.parametrize("rows", [10, 100])
def test_import_query_count_is_constant(actor, unit, rows, django_assert_max_num_queries):
    text = "name,abbreviation,start_week,start_day,target_week,target_day\n" + "".join(
        f"Task {n},T{n},1,Mon,2,Fri\n" for n in range(rows)
    )
    with django_assert_max_num_queries(10):
        result = import_task_definitions_from_table(actor=actor, unit=unit, table=text_table(text))
    assert len(result.success) == rows


@pytest.mark.parametrize("count", [3, 30])
def test_round_trip_of_streamed_definitions_costs_the_same_queries_at_any_size(actor, unit, count, django_assert_num_queries):
    # Comparing a row with a definition that has a stream once loaded that stream: one query per row.
    stream = TutorialStreamFactory(unit=unit, abbreviation="prac")
    for number in range(count):
        TaskDefinitionFactory(unit=unit, tutorial_stream=stream if number % 2 else None)
    table = read_table(export_bytes(unit))
    # savepoint, lock the unit, definitions (with their streams and group sets), group sets, streams, release
    with django_assert_num_queries(6):
        result = import_task_definitions_from_table(actor=actor, unit=unit, table=table)
    assert result.counts == {"success": 0, "ignored": count, "errors": 0}
