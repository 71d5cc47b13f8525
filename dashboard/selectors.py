"""Reads that only the dashboard's pages need: units, a unit's students and task grid, course cards and grids.

The CSV downloads stay in `doubtfire.selectors`; these shape the same tables for reading on screen.
Each function states its query count, which does not grow with the size of the unit.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q

from attendance.models import Course, CourseStudent, Record, Session
from attendance.selectors import attendance_report
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


# --- Attendance --------------------------------------------------------------------------------------
#
# The reports themselves (who is present, who is a defaulter under a cutoff) come from
# attendance.selectors.attendance_report, the function behind the downloads, so the page and the file
# never disagree; the course cards are attendance.selectors.course_summaries. What is added here is only
# arithmetic for display: percentages and chart geometry.


def _share(present: int, recorded: int) -> float | None:
    return round(100 * present / recorded, 1) if recorded else None


@dataclass
class GridCell:
    mark: str  # "Present", "Absent" or "" (no record: enrolled after that date)
    seconds: int | None
    flagged: bool  # the teacher's flag: absent whatever the report says
    still_connected: bool = False  # the list was saved with them connected: seconds run to its last event


@dataclass
class GridRow:
    roll: str
    name: str
    cells: list[GridCell]
    percent: float | None
    defaulter: bool


@dataclass
class DateColumn:
    date: object
    present: int
    recorded: int
    percent: float | None
    # Bar geometry for the inline SVG chart (viewBox 0 0 width 120; bars grow up from y=100).
    x: float = 0
    y: float = 0
    height: float = 0
    label_y: float = 0


@dataclass
class AttendanceGrid:
    dates: list[DateColumn]
    rows: list[GridRow]
    defaulters: int
    chart_width: int

    @property
    def any_still_connected(self) -> bool:
        """Whether the grid needs the legend of its still-connected mark."""
        return any(cell.still_connected for row in self.rows for cell in row.cells)


def attendance_grid(*, course: Course, cutoff: Fraction) -> AttendanceGrid:
    """Students × dates with Present/Absent, seconds and flags, each student's percentage, whether they
    are a defaulter under `cutoff`, and per-date totals for the chart. Six queries.
    """
    report = attendance_report(course=course, cutoff=cutoff)
    details = {
        (roll, session_id): (seconds, flagged, still_connected)
        for roll, session_id, seconds, flagged, still_connected in Record.objects.filter(session__course=course).values_list(
            "student__roll", "session_id", "seconds_attended", "flagged", "still_connected"
        )
    }
    rows = []
    present_by_date = [0] * len(report.dates)
    recorded_by_date = [0] * len(report.dates)
    for _, roll, name, *marks in report.rows:
        cells = []
        # `marks` goes on with the report's figures and notes; zip stops at the last session.
        for index, (column, mark) in enumerate(zip(report.sessions, marks)):
            seconds, flagged, still_connected = details.get((roll, column.pk), (None, False, False))
            cells.append(GridCell(mark, seconds, flagged, still_connected))
            if mark:
                recorded_by_date[index] += 1
                present_by_date[index] += mark == "Present"
        # The one percentage rule (attendance.standing), as the downloads: Excused leaves the denominator.
        standing = report.standings[roll]
        percent = None if standing.percentage is None else round(float(standing.percentage), 1)
        rows.append(GridRow(roll, name, cells, percent, standing.defaulter))
    defaulter_rolls = [row.roll for row in rows if row.defaulter]
    bar, gap = 36, 14
    columns = []
    for index, date in enumerate(report.dates):
        percent = _share(present_by_date[index], recorded_by_date[index])
        height = percent or 0
        columns.append(
            DateColumn(date, present_by_date[index], recorded_by_date[index], percent,
                       x=40 + index * (bar + gap), y=100 - height, height=height, label_y=100 - height - 3)
        )
    return AttendanceGrid(columns, rows, len(defaulter_rolls), 40 + max(len(columns), 1) * (bar + gap))


def course_counts(*, course: Course) -> dict:
    """How much deleting the course would delete. Three queries."""
    return {
        "student_count": CourseStudent.objects.filter(course=course).count(),
        "date_count": Session.objects.filter(course=course).count(),
        "record_count": Record.objects.filter(session__course=course).count(),
    }
