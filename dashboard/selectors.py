"""Reads that only the dashboard's pages need: lists of units, a unit's students and its task grid.

The CSV downloads stay in `doubtfire.selectors`; these shape the same tables for reading on screen.
Each function states its query count, which does not grow with the size of the unit.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from doubtfire.models import Project, Role, Task, TaskDefinition, TaskStatus, TutorialEnrolment, Unit, UnitRole, User
from doubtfire.permissions import system_role


@dataclass
class UnitSummary:
    unit: Unit
    role: str
    students: int


def units_for(user: User) -> list[UnitSummary]:
    """The units where `user` holds a unit role (Tutor or Convenor); every unit for an Admin.

    An Admin's own unit role is shown where there is one. Two queries.
    """
    roles = dict(UnitRole.objects.filter(user=user).values_list("unit_id", "role"))
    units = Unit.objects.annotate(students=Count("projects", filter=Q(projects__enrolled=True)))
    if system_role(user) != Role.ADMIN:
        units = units.filter(pk__in=list(roles))
    return [UnitSummary(unit, roles.get(unit.pk, Role.ADMIN.value), unit.students) for unit in units]


@dataclass
class StudentLine:
    username: str
    name: str
    email: str
    student_id: str
    campus: str
    enrolled: bool
    tutorials: list[str] = field(default_factory=list)


def unit_student_list(
    unit: Unit, *, tutorial: str = "", campus: str = "", status: str = "enrolled", search: str = ""
) -> list[StudentLine]:
    """The unit's students, filtered; by username. `status` is enrolled, withdrawn or all. Two queries."""
    projects = Project.objects.filter(unit=unit)
    if status == "enrolled":
        projects = projects.filter(enrolled=True)
    elif status == "withdrawn":
        projects = projects.filter(enrolled=False)
    if campus:
        projects = projects.filter(campus__abbreviation=campus)
    if tutorial:
        projects = projects.filter(tutorial_enrolments__tutorial__abbreviation=tutorial)
    if search:
        projects = projects.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    rows = list(
        projects.order_by("user__username").values_list(
            "pk",
            "user__username",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__student_id",
            "campus__abbreviation",
            "enrolled",
        )
    )
    tutorials = defaultdict(list)
    for project_id, abbreviation in (
        TutorialEnrolment.objects.filter(project_id__in=[row[0] for row in rows])
        .order_by("tutorial__abbreviation")
        .values_list("project_id", "tutorial__abbreviation")
    ):
        tutorials[project_id].append(abbreviation)
    return [
        StudentLine(username, f"{first} {last}".strip(), email, student_id or "", campus_abbr or "", enrolled, tutorials[pk])
        for pk, username, first, last, email, student_id, campus_abbr, enrolled in rows
    ]


def unit_filter_choices(unit: Unit) -> tuple[list[str], list[str]]:
    """(tutorial abbreviations, campus abbreviations) used in the unit. Two queries."""
    tutorials = list(unit.tutorials.order_by("abbreviation").values_list("abbreviation", flat=True))
    campuses = list(
        Project.objects.filter(unit=unit, campus__isnull=False)
        .order_by("campus__abbreviation")
        .values_list("campus__abbreviation", flat=True)
        .distinct()
    )
    return tutorials, campuses


@dataclass
class TaskGrid:
    definitions: list[tuple[int, str, str]]  # (id, abbreviation, name)
    rows: list[tuple[str, str, list[tuple[int, str]]]]  # (username, name, [(status id, status label)])
    complete_counts: list[int]  # per definition: students whose task is Complete


def task_grid(unit: Unit) -> TaskGrid:
    """Every enrolled student × every task definition, with the task's status (Not Started when there
    is no task yet), and how many students are Complete per task. Three queries.
    """
    definitions = list(
        TaskDefinition.objects.filter(unit=unit)
        .order_by("target_grade", "start_date", "abbreviation")
        .values_list("pk", "abbreviation", "name")
    )
    projects = list(
        Project.objects.filter(unit=unit, enrolled=True)
        .order_by("user__username")
        .values_list("pk", "user__username", "user__first_name", "user__last_name")
    )
    statuses = {
        (project_id, definition_id): status
        for project_id, definition_id, status in Task.objects.filter(
            project__unit=unit, project__enrolled=True
        ).values_list("project_id", "definition_id", "status")
    }
    complete = defaultdict(int)
    rows = []
    for project_id, username, first, last in projects:
        cells = []
        for definition_id, _, _ in definitions:
            status = statuses.get((project_id, definition_id), TaskStatus.NOT_STARTED)
            if status == TaskStatus.COMPLETE:
                complete[definition_id] += 1
            cells.append((int(status), TaskStatus(status).label))
        rows.append((username, f"{first} {last}".strip(), cells))
    totals = [complete[definition_id] for definition_id, _, _ in definitions]
    return TaskGrid(definitions, rows, totals)
