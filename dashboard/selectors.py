"""Reads that only the dashboard's pages need: units, a unit's students and task grid, course cards and grids.

The CSV downloads stay in `doubtfire.selectors`; these shape the same tables for reading on screen.
Each function states its query count, which does not grow with the size of the unit.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q

from attendance.models import Course, CourseStudent, Record, Session, SourceFormat
from attendance.selectors import attendance_report, is_defaulter, natural_roll_key
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
class TaskRow:
    project_id: int
    username: str
    name: str
    cells: list[tuple[int, int, str]]  # (definition id, status id, status label) per definition


@dataclass
class TaskGrid:
    definitions: list[tuple[int, str, str]]  # (id, abbreviation, name)
    rows: list[TaskRow]
    complete_counts: list[int]  # per definition: students (of the rows) whose task is Complete


def task_grid(unit: Unit, *, tutorials: list[str] = ()) -> TaskGrid:
    """Every enrolled student (of `tutorials`, when given) × every task definition, with the task's status (Not
    Started when there is no task yet), and how many of them are Complete per task. Three queries."""
    definitions = list(
        TaskDefinition.objects.filter(unit=unit)
        .order_by("target_grade", "start_date", "abbreviation")
        .values_list("pk", "abbreviation", "name")
    )
    projects = Project.objects.filter(unit=unit, enrolled=True)
    if tutorials:
        projects = projects.filter(tutorial_enrolments__tutorial__abbreviation__in=tutorials).distinct()
    projects = list(projects.order_by("user__username").values_list("pk", "user__username", "user__first_name",
                                                                     "user__last_name"))
    wanted = [pk for pk, *_ in projects]
    statuses = {
        (project_id, definition_id): status
        for project_id, definition_id, status in Task.objects.filter(project_id__in=wanted).values_list(
            "project_id", "definition_id", "status"
        )
    }
    complete = defaultdict(int)
    rows = []
    for project_id, username, first, last in projects:
        cells = []
        for definition_id, _, _ in definitions:
            status = statuses.get((project_id, definition_id), TaskStatus.NOT_STARTED)
            if status == TaskStatus.COMPLETE:
                complete[definition_id] += 1
            cells.append((definition_id, int(status), TaskStatus(status).label))
        rows.append(TaskRow(project_id, username, f"{first} {last}".strip(), cells))
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
class OverviewCell:
    mark: str  # "Present", "Absent" or "" (no record: not on the roster yet that day)
    minutes: int | None  # minutes attended, as the report measured them (None: the report gives no durations)
    flagged: bool  # the teacher's flag: absent whatever the report says
    still_connected: bool = False  # the list was saved with them connected: minutes run to its last event


@dataclass
class OverviewRow:
    student_pk: int
    roll: str
    name: str
    cells: list[OverviewCell]
    attended: int
    recorded: int
    percent: float | None
    defaulter: bool
    at_risk: bool


@dataclass
class SessionColumn:
    date: object
    present: int
    recorded: int
    percent: float | None


@dataclass
class ChartBar:
    label: str
    percent: float
    low: bool
    title: str


@dataclass
class CourseOverview:
    students: int
    sessions: list[SessionColumn]
    rows: list[OverviewRow]  # filtered and sorted as asked
    average: float | None  # over every student with a record
    defaulters: int
    at_risk: int
    chart: list[ChartBar]
    chart_by_week: bool
    show: str
    sort: str

    @property
    def any_still_connected(self) -> bool:
        return any(cell.still_connected for row in self.rows for cell in row.cells)


# Close to the cutoff: not yet a defaulter, but within this many percentage points of it.
AT_RISK_MARGIN = 10
# More sessions than this and the chart shows one bar per week, so its bars and labels stay readable.
CHART_DAYS = 30

_SORTS = {
    "roll": lambda row: natural_roll_key(row.roll),
    "name": lambda row: (row.name.casefold(), natural_roll_key(row.roll)),
    "percent": lambda row: (row.percent is None, row.percent or 0, natural_roll_key(row.roll)),
    "-percent": lambda row: (row.percent is None, -(row.percent or 0), natural_roll_key(row.roll)),
    "attended": lambda row: (row.attended, natural_roll_key(row.roll)),
}


def course_overview(*, course: Course, cutoff: Fraction, sort: str = "roll", show: str = "all") -> CourseOverview:
    """The course as its page shows it: per student the classes attended out of those recorded, the
    percentage, whether they are a defaulter under `cutoff` (attendance.selectors' rule, shared with the
    reports) or close to it; each class's mark and minutes; headline numbers; the chart. Four queries."""
    report = attendance_report(course=course)
    students = list(CourseStudent.objects.filter(course=course).values_list("roll", "pk"))
    pks = dict(students)
    details = {
        (roll, date): (seconds, flagged, still_connected)
        for roll, date, seconds, flagged, still_connected in Record.objects.filter(session__course=course).values_list(
            "student__roll", "session__date", "seconds_attended", "flagged", "still_connected"
        )
    }
    present_by_date = [0] * len(report.dates)
    recorded_by_date = [0] * len(report.dates)
    rows = []
    for _, roll, name, *marks in report.rows:
        cells = []
        for index, (date, mark) in enumerate(zip(report.dates, marks)):
            seconds, flagged, still_connected = details.get((roll, date), (None, False, False))
            cells.append(OverviewCell(mark, None if seconds is None else round(seconds / 60), flagged, still_connected))
            if mark:
                recorded_by_date[index] += 1
                present_by_date[index] += mark == "Present"
        recorded = sum(1 for cell in cells if cell.mark)
        attended = sum(1 for cell in cells if cell.mark == "Present")
        defaulter = is_defaulter(attended=attended, recorded=recorded, cutoff=cutoff)
        at_risk = bool(recorded) and not defaulter and Fraction(attended * 100, recorded) < cutoff + AT_RISK_MARGIN
        rows.append(OverviewRow(pks.get(roll, 0), roll, name, cells, attended, recorded, _share(attended, recorded),
                                defaulter, at_risk))
    sessions = [SessionColumn(date, present_by_date[i], recorded_by_date[i], _share(present_by_date[i], recorded_by_date[i]))
                for i, date in enumerate(report.dates)]
    shares = [row.percent for row in rows if row.percent is not None]
    shown = [row for row in rows if show == "all" or (show == "defaulters" and row.defaulter)
             or (show == "at-risk" and row.at_risk)]
    shown.sort(key=_SORTS.get(sort, _SORTS["roll"]))
    chart, by_week = _chart(sessions, cutoff)
    return CourseOverview(
        students=len(students), sessions=sessions, rows=shown,
        average=round(sum(shares) / len(shares), 1) if shares else None,
        defaulters=sum(row.defaulter for row in rows), at_risk=sum(row.at_risk for row in rows),
        chart=chart, chart_by_week=by_week, show=show, sort=sort,
    )


def _chart(sessions: list[SessionColumn], cutoff: Fraction) -> tuple[list[ChartBar], bool]:
    """One bar per class, or per week (Monday's date) when there are more than CHART_DAYS classes."""
    if len(sessions) <= CHART_DAYS:
        return [ChartBar(f"{s.date:%-d %b}", s.percent or 0, (s.percent or 0) < cutoff,
                         f"{s.date:%a %-d %b %Y}: {s.present} of {s.recorded} present") for s in sessions], False
    weeks: dict = {}
    for session in sessions:
        monday = session.date - datetime.timedelta(days=session.date.weekday())
        present, recorded = weeks.get(monday, (0, 0))
        weeks[monday] = (present + session.present, recorded + session.recorded)
    bars = []
    for monday, (present, recorded) in sorted(weeks.items()):
        percent = _share(present, recorded) or 0
        bars.append(ChartBar(f"w/c {monday:%-d %b}", percent, percent < cutoff,
                             f"Week of {monday:%-d %b %Y}: {present} of {recorded} marks present"))
    return bars, True


@dataclass
class RosterLine:
    pk: int
    roll: str
    name: str
    marks: int


def course_roster(*, course: Course) -> list[RosterLine]:
    """The course's students in natural roll order, with how many attendance marks each has. One query."""
    students = CourseStudent.objects.filter(course=course).annotate(marks=Count("records")).values_list(
        "pk", "roll", "name", "marks")
    return sorted((RosterLine(*values) for values in students), key=lambda line: natural_roll_key(line.roll))


@dataclass
class SessionLine:
    pk: int
    date: object
    source_format: str
    present: int
    recorded: int
    uploaded_at: object
    uploaded_by: str


def course_sessions(*, course: Course) -> list[SessionLine]:
    """The course's recorded classes, newest first, with their counts. One query."""
    sessions = (
        Session.objects.filter(course=course)
        .annotate(recorded=Count("records"), present=Count("records", filter=Q(records__present=True)))
        .order_by("-date")
        .values_list("pk", "date", "source_format", "present", "recorded", "uploaded_at", "uploaded_by__username")
    )
    return [SessionLine(pk, date, SourceFormat(fmt).label if fmt in SourceFormat.values else fmt, present, recorded,
                        uploaded_at, by or "") for pk, date, fmt, present, recorded, uploaded_at, by in sessions]


def course_counts(*, course: Course) -> dict:
    """How much deleting the course would delete. Three queries."""
    return {
        "student_count": CourseStudent.objects.filter(course=course).count(),
        "date_count": Session.objects.filter(course=course).count(),
        "record_count": Record.objects.filter(session__course=course).count(),
    }
