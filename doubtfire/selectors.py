"""Reads that join or aggregate: the CSV downloads of the Doubtfire API.

Each export returns an `ExportTable` (file name, header, rows) whose rows are produced from a fixed
number of queries, whatever the size of the unit: everything is loaded with a few `values_list`
queries and pivoted in Python, or aggregated in SQL. Views stream the rows through
`spreadsheets.csv_lines`.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from operator import itemgetter
from dataclasses import dataclass

from django.db.models import Count

from doubtfire.models import (
    Assessment,
    GroupMembership,
    GroupSet,
    Project,
    Task,
    TaskDefinition,
    TaskStatus,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    User,
)


@dataclass
class ExportTable:
    filename: str
    header: list[str]
    rows: Iterable[list]


# --- Teaching weeks ----------------------------------------------------------------------------------
#
# One convention both ways (upstream shifts by a week between its import and export): week 1 is the
# seven days starting on the unit's start date, week 2 the next seven, week 0 the seven days before the
# start, week -1 the seven before those. A day name picks the day of that week.

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def date_of_week_day(start: datetime.date, week: int, day: str) -> datetime.date:
    """The date of `day` ('mon'…'sun') in teaching week `week` of a unit starting on `start`."""
    offset = (WEEKDAYS.index(day.lower()[:3]) - start.weekday()) % 7
    return start + datetime.timedelta(days=7 * (week - 1) + offset)


def week_and_day(start: datetime.date, date: datetime.date) -> tuple[int, str]:
    """The inverse of `date_of_week_day`: (teaching week, 'Mon'…'Sun')."""
    return (date - start).days // 7 + 1, _DAY_NAMES[date.weekday()]


# --- Users -------------------------------------------------------------------------------------------

USER_COLUMNS = ["email", "first_name", "last_name", "username", "nickname", "role", "student_id"]


def users_table() -> ExportTable:
    """Every user, ordered by id (as upstream). One query, streamed in chunks."""
    rows = (
        list(values)
        for values in User.objects.order_by("pk").values_list(*USER_COLUMNS).iterator(chunk_size=2000)
    )
    return ExportTable("doubtfire_users.csv", list(USER_COLUMNS), rows)


# --- Students of a unit ------------------------------------------------------------------------------

STUDENT_COLUMNS = ["unit_code", "campus", "username", "student_id", "preferred_name", "first_name", "last_name", "email"]


def _tutorials_by_project(unit: Unit) -> dict[int, list[tuple[str, int | None]]]:
    """{project id: [(tutorial abbreviation, stream id)]} for the unit's enrolled students. One query."""
    found = defaultdict(list)
    for project_id, abbreviation, stream_id in TutorialEnrolment.objects.filter(
        project__unit=unit, project__enrolled=True
    ).values_list("project_id", "tutorial__abbreviation", "tutorial__stream_id"):
        found[project_id].append((abbreviation, stream_id))
    return found


def _tutorial_cells(streams, tutorials: list[tuple[str, int | None]]) -> list[str]:
    """One cell per stream (a tutorial without a stream shows under every stream), or the one tutorial."""
    if not streams:
        return [max((abbreviation for abbreviation, _ in tutorials), default="")]
    cells = []
    for stream in streams:
        cells.append(
            next((abbreviation for abbreviation, stream_id in tutorials if stream_id in (stream.pk, None)), "")
        )
    return cells


def unit_students_table(unit: Unit) -> ExportTable:
    """`<CODE>-Students.csv`: one row per enrolled student (with or without a campus), by username.

    Columns: STUDENT_COLUMNS, then `tutorial` (no streams) or one column per stream abbreviation
    (streams by abbreviation). Three queries.
    """
    streams = list(TutorialStream.objects.filter(unit=unit).order_by("abbreviation"))
    tutorials = _tutorials_by_project(unit)
    projects = (
        Project.objects.filter(unit=unit, enrolled=True)
        .order_by("user__username")
        .values_list(
            "pk",
            "campus__abbreviation",
            "user__username",
            "user__student_id",
            "user__nickname",
            "user__first_name",
            "user__last_name",
            "user__email",
        )
    )

    def rows():
        for project_id, campus, username, student_id, nickname, first, last, email in projects:
            yield [unit.code, campus, username, student_id, nickname, first, last, email] + _tutorial_cells(
                streams, tutorials.get(project_id, [])
            )

    header = STUDENT_COLUMNS + ([stream.abbreviation for stream in streams] if streams else ["tutorial"])
    return ExportTable(f"{unit.code}-Students.csv", header, rows())


# --- Task completion ---------------------------------------------------------------------------------

TARGET_GRADE_NAMES = {0: "Pass", 1: "Credit", 2: "Distinction", 3: "High Distinction"}
SHORT_GRADES = {0: "P", 1: "C", 2: "D", 3: "HD"}


def short_grade(grade: int | None) -> str:
    if grade is None:
        return ""
    return SHORT_GRADES.get(grade, "F")


def task_completion_table(unit: Unit) -> ExportTable:
    """`<CODE>-TaskCompletion.csv`, upstream's columns (reference §4.1), one row per enrolled student
    ordered by username. Seven queries: streams, group sets, definitions, students, tutorials, group
    memberships, tasks.
    """
    streams = list(TutorialStream.objects.filter(unit=unit).order_by("abbreviation"))
    group_sets = list(GroupSet.objects.filter(unit=unit).order_by("name"))
    definitions = list(
        TaskDefinition.objects.filter(unit=unit)
        .order_by("target_grade", "start_date", "abbreviation")
        .values_list("pk", "abbreviation", "is_graded", "max_quality_pts", "group_set_id")
    )
    header = ["Student ID", "Username", "Student Name", "Target Grade", "Email", "Portfolio", "Grade", "Rationale"]
    header += [stream.abbreviation for stream in streams] if streams else ["Tutorial"]
    header += [group_set.name for group_set in group_sets]
    for _, abbreviation, is_graded, max_quality_pts, group_set_id in definitions:
        header.append(abbreviation)
        if is_graded:
            header.append(f"{abbreviation} grade")
        if max_quality_pts > 0:
            header.append(f"{abbreviation} stars")
        if group_set_id:
            header.append(f"{abbreviation} contribution")

    projects = (
        Project.objects.filter(unit=unit, enrolled=True)
        .order_by("user__username", "pk")
        .values_list(
            "pk",
            "user__student_id",
            "user__username",
            "user__first_name",
            "user__last_name",
            "target_grade",
            "user__email",
            "portfolio_production_date",
            "compile_portfolio",
            "grade",
            "grade_rationale",
        )
        .iterator(chunk_size=2000)
    )
    tutorials = _tutorials_by_project(unit)
    groups: dict[int, dict[int, str]] = defaultdict(dict)
    for project_id, group_set_id, group_name in GroupMembership.objects.filter(
        active=True, project__unit=unit, project__enrolled=True
    ).values_list("project_id", "group__group_set_id", "group__name"):
        groups[project_id][group_set_id] = group_name
    # In the students' order, so each student's tasks are the next group: one student's tasks in memory.
    tasks_by_project = groupby(
        Task.objects.filter(project__unit=unit, project__enrolled=True)
        .order_by("project__user__username", "project_id")
        .values_list("project_id", "definition_id", "status", "grade", "quality_pts", "contribution_pts")
        .iterator(chunk_size=5000),
        key=itemgetter(0),
    )

    def rows():
        pending = next(tasks_by_project, None)
        for (
            project_id,
            student_id,
            username,
            first,
            last,
            target_grade,
            email,
            production_date,
            compile_portfolio,
            grade,
            rationale,
        ) in projects:
            # Upstream also checks the PDF exists on disk; portfolios are not stored here.
            portfolio = production_date is not None and not compile_portfolio
            cells = [
                student_id,
                username,
                f"{first} {last}".strip(),
                TARGET_GRADE_NAMES.get(target_grade, "Fail"),
                email,
                portfolio,
                grade if grade and grade > 0 else "",
                rationale,
            ]
            cells += _tutorial_cells(streams, tutorials.get(project_id, []))
            cells += [groups[project_id].get(group_set.pk, "") for group_set in group_sets]
            tasks = {}
            if pending is not None and pending[0] == project_id:
                tasks = {definition_id: rest for _, definition_id, *rest in pending[1]}
                pending = next(tasks_by_project, None)
            for definition_id, _, is_graded, max_quality_pts, group_set_id in definitions:
                task = tasks.get(definition_id)
                status, task_grade, stars, contribution = task if task else (TaskStatus.NOT_STARTED, None, "", "")
                cells.append(TaskStatus(status).label)
                if is_graded:
                    cells.append(short_grade(task_grade))
                if max_quality_pts > 0:
                    cells.append(stars)
                if group_set_id:
                    cells.append(contribution)
            yield cells

    return ExportTable(f"{unit.code}-TaskCompletion.csv", header, rows())


# --- Tutor assessments -------------------------------------------------------------------------------

TUTOR_ASSESSMENT_COLUMNS = ["Username", "Tutor Name", "Total Tasks Assessed"]


def tutor_assessments_table(unit: Unit) -> ExportTable:
    """`<CODE>-TutorAssessments.csv`: per staff member who recorded assessments on the tasks of the
    unit's enrolled students, how many assessments they made. Ordered by username. One query.
    """
    totals = (
        Assessment.objects.filter(task__project__unit=unit, task__project__enrolled=True)
        .values("assessor__username", "assessor__first_name", "assessor__last_name")
        .annotate(total=Count("pk"))
        .order_by("assessor__username")
        .values_list("assessor__username", "assessor__first_name", "assessor__last_name", "total")
    )
    rows = ([username, f"{first} {last}".strip(), total] for username, first, last, total in totals)
    return ExportTable(f"{unit.code}-TutorAssessments.csv", list(TUTOR_ASSESSMENT_COLUMNS), rows)


# --- Task definitions --------------------------------------------------------------------------------

TASK_DEFINITION_COLUMNS = [
    "name",
    "abbreviation",
    "description",
    "weighting",
    "target_grade",
    "restrict_status_updates",
    "max_quality_pts",
    "is_graded",
    "plagiarism_warn_pct",
    "plagiarism_checks",
    "group_set",
    "upload_requirements",
    "start_week",
    "start_day",
    "target_week",
    "target_day",
    "due_week",
    "due_day",
    "tutorial_stream",
]


def _json_cell(value) -> str:
    return json.dumps(value if value is not None else [], separators=(",", ":"), ensure_ascii=False)


def task_definitions_table(unit: Unit) -> ExportTable:
    """`<CODE>-Tasks.csv`: TASK_DEFINITION_COLUMNS, one row per definition by start date then
    abbreviation. JSON columns are JSON; weeks follow `week_and_day`; no due date → blank due cells.
    One query.
    """
    definitions = (
        TaskDefinition.objects.filter(unit=unit)
        .order_by("start_date", "abbreviation")
        .select_related("group_set", "tutorial_stream")
    )

    def rows():
        for definition in definitions:
            start_week, start_day = week_and_day(unit.start_date, definition.start_date)
            target_week, target_day = week_and_day(unit.start_date, definition.target_date)
            due_week, due_day = (
                week_and_day(unit.start_date, definition.due_date) if definition.due_date else ("", "")
            )
            yield [
                definition.name,
                definition.abbreviation,
                definition.description,
                definition.weighting,
                definition.target_grade,
                definition.restrict_status_updates,
                definition.max_quality_pts,
                definition.is_graded,
                definition.plagiarism_warn_pct,
                _json_cell(definition.plagiarism_checks),
                definition.group_set.name if definition.group_set else "",
                _json_cell(definition.upload_requirements),
                start_week,
                start_day,
                target_week,
                target_day,
                due_week,
                due_day,
                definition.tutorial_stream.abbreviation if definition.tutorial_stream else "",
            ]

    return ExportTable(f"{unit.code}-Tasks.csv", list(TASK_DEFINITION_COLUMNS), rows())
