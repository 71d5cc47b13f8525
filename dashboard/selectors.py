"""Reads that only the dashboard's pages need: units, a unit's students and task grid, course cards and grids.

The CSV downloads stay in `doubtfire.selectors`; these shape the same tables for reading on screen.
Each function states its query count, which does not grow with the size of the unit.
"""

import datetime
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q
from django.utils import timezone

from attendance.headings import session_headings
from attendance.models import Course, CourseStudent, PlannedClass, Record, Session, SourceFormat, Status
from attendance.selectors import PlanProgress, natural_roll_key, plan_progress
from attendance.selectors.standings import standing_of
from attendance.standing import Standing, attendance_percentage
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
# Who is a defaulter or at risk, and every percentage, come from attendance.standing (the one rule, shared
# with the downloads and the API) through attendance.selectors.standing_of, so the page and the file never
# disagree. What is added here is only the shape for reading on screen: cells, sorting, the chart.


def _shown(percentage: Fraction | None) -> Decimal | None:
    """A percentage to show on a page: one decimal, rounded down (never above the exact figure, as the reports)."""
    if percentage is None:
        return None
    return Decimal(math.floor(percentage * 10)).scaleb(-1)


@dataclass
class OverviewCell:
    session_pk: int
    status: str  # attendance.models.Status, or "" (no record: not on the roster for that class)
    minutes: int | None  # whole minutes attended, rounded down (None: the report gives no durations)
    flagged: bool  # the teacher's flag: absent whatever the report says
    still_connected: bool = False  # the list was saved with them connected: minutes run to its last event
    corrected: bool = False  # set by staff (the cell's history says who, when and why)

    @property
    def letter(self) -> str:
        return STATUS_LETTERS.get(self.status, "")


STATUS_LETTERS = {Status.PRESENT: "P", Status.LATE: "L", Status.EXCUSED: "E", Status.ABSENT: "A"}


@dataclass
class OverviewRow:
    student_pk: int
    roll: str
    name: str
    cells: list[OverviewCell]
    standing: Standing

    @property
    def percent(self) -> Decimal | None:
        return _shown(self.standing.percentage)

    @property
    def defaulter(self) -> bool:
        return self.standing.defaulter

    @property
    def at_risk(self) -> bool:
        return self.standing.at_risk


@dataclass
class SessionColumn:
    pk: int
    date: datetime.date
    start_time: datetime.time
    heading: str  # the date, or the date and start time when the date has several sessions
    several: bool  # the date has several sessions: pages show the start time
    present: int  # Present or Late
    counted: int  # records less Excused: the class's own percentage is present / counted
    percent: Decimal | None


@dataclass
class ChartBar:
    label: str
    percent: Decimal
    low: bool
    title: str


@dataclass
class CourseOverview:
    students: int
    sessions: list[SessionColumn]
    rows: list[OverviewRow]  # filtered and sorted as asked
    average: Decimal | None  # the mean of the students' percentages (those with one)
    defaulters: int
    at_risk: int
    plan: PlanProgress | None  # None: the course plans no classes, so nobody can be judged at risk
    chart: list[ChartBar]
    chart_by_week: bool
    show: str
    sort: str

    @property
    def any_still_connected(self) -> bool:
        return any(cell.still_connected for row in self.rows for cell in row.cells)

    @property
    def any_corrected(self) -> bool:
        return any(cell.corrected for row in self.rows for cell in row.cells)


# More sessions than this and the chart shows one bar per week, so its bars and labels stay readable.
CHART_DAYS = 30

SHOWS = ("all", "defaulters", "at-risk")
_SORTS = {
    "roll": lambda row: natural_roll_key(row.roll),
    "name": lambda row: (row.name.casefold(), natural_roll_key(row.roll)),
    "percent": lambda row: (row.standing.percentage is None, row.standing.percentage or 0, natural_roll_key(row.roll)),
    "-percent": lambda row: (row.standing.percentage is None, -(row.standing.percentage or 0), natural_roll_key(row.roll)),
    "attended": lambda row: (row.standing.attended, natural_roll_key(row.roll)),
    "needed": lambda row: (row.standing.needed is not None, -(row.standing.needed or 0), natural_roll_key(row.roll)),
}


def course_overview(
    *, course: Course, cutoff: Fraction, sort: str = "roll", show: str = "all", as_of: datetime.date | None = None
) -> CourseOverview:
    """The course as its page shows it: per student each class's status and minutes, and their standing
    (attended, held, excused, percentage, defaulter under `cutoff`, and with planned classes what they still
    need and whether they are at risk: attendance.standing, the rule the reports use); per class its share
    present; the headline numbers and the chart. Five queries whatever the size: sessions, students, records
    and the plan's two."""
    sessions = list(Session.objects.filter(course=course).order_by("date", "start_time").values_list("pk", "date", "start_time"))
    per_date = Counter(date for _, date, _ in sessions)
    headings = session_headings((date, start) for _, date, start in sessions)
    # Withdrawn students (they left the unit the course follows) keep their history but leave the page's figures,
    # as they leave the reports; the Students tab lists them.
    students = sorted(CourseStudent.objects.filter(course=course, withdrawn=False).values_list("pk", "roll", "name"),
                      key=lambda student: natural_roll_key(student[1]))
    position = {pk: index for index, (pk, _, _) in enumerate(sessions)}
    cells: dict[int, list[OverviewCell | None]] = defaultdict(lambda: [None] * len(sessions))
    for student_pk, session_pk, status, seconds, flagged, still, corrected in Record.objects.filter(
        session__course=course, student__withdrawn=False
    ).values_list("student_id", "session_id", "status", "seconds_attended", "flagged", "still_connected", "corrected"):
        cells[student_pk][position[session_pk]] = OverviewCell(
            session_pk, status, None if seconds is None else seconds // 60, flagged, still, corrected
        )
    plan = plan_progress(course=course, as_of=as_of)
    remaining = plan.remaining if plan else None
    present = [0] * len(sessions)
    counted = [0] * len(sessions)
    rows = []
    for student_pk, roll, name in students:
        row_cells = [
            cell or OverviewCell(sessions[index][0], "", None, False) for index, cell in enumerate(cells[student_pk])
        ]
        counts = Counter(cell.status for cell in row_cells if cell.status)
        for index, cell in enumerate(row_cells):
            if cell.status and cell.status != Status.EXCUSED:
                counted[index] += 1
                present[index] += cell.status in (Status.PRESENT, Status.LATE)
        rows.append(OverviewRow(student_pk, roll, name, row_cells, standing_of(counts, remaining=remaining, cutoff=cutoff)))
    columns = [
        SessionColumn(pk, date, start, heading, per_date[date] > 1, present[i], counted[i],
                      _shown(attendance_percentage(attended=present[i], held=counted[i])))
        for i, ((pk, date, start), heading) in enumerate(zip(sessions, headings))
    ]
    percentages = [row.standing.percentage for row in rows if row.standing.percentage is not None]
    show = show if show in SHOWS else "all"
    if show == "at-risk" and plan is None:
        show = "all"
    shown = [row for row in rows if show == "all" or (show == "defaulters" and row.defaulter)
             or (show == "at-risk" and row.at_risk)]
    shown.sort(key=_SORTS.get(sort, _SORTS["roll"]))
    chart, by_week = _chart(columns, cutoff)
    return CourseOverview(
        students=len(students), sessions=columns, rows=shown,
        average=_shown(sum(percentages) / len(percentages)) if percentages else None,
        defaulters=sum(row.defaulter for row in rows), at_risk=sum(row.at_risk for row in rows), plan=plan,
        chart=chart, chart_by_week=by_week, show=show, sort=sort if sort in _SORTS else "roll",
    )


def _chart(sessions: list[SessionColumn], cutoff: Fraction) -> tuple[list[ChartBar], bool]:
    """One bar per class, or per week (Monday's date) when there are more than CHART_DAYS classes."""
    if len(sessions) <= CHART_DAYS:
        return [
            ChartBar(
                f"{s.date:%-d %b}" + (f" {s.start_time:%H:%M}" if s.several else ""), s.percent or Decimal(0),
                (s.percent or 0) < cutoff, f"{s.date:%a %-d %b %Y}{f' {s.start_time:%H:%M}' if s.several else ''}: "
                f"{s.present} of {s.counted} present",
            )
            for s in sessions
        ], False
    weeks: dict = {}
    for session in sessions:
        monday = session.date - datetime.timedelta(days=session.date.weekday())
        present, counted = weeks.get(monday, (0, 0))
        weeks[monday] = (present + session.present, counted + session.counted)
    bars = []
    for monday, (present, counted) in sorted(weeks.items()):
        percent = _shown(attendance_percentage(attended=present, held=counted)) or Decimal(0)
        bars.append(ChartBar(f"w/c {monday:%-d %b}", percent, percent < cutoff,
                             f"Week of {monday:%-d %b %Y}: {present} of {counted} marks present"))
    return bars, True


@dataclass
class RosterLine:
    pk: int
    roll: str
    name: str
    marks: int
    email: str = ""
    withdrawn: bool = False


def course_roster(*, course: Course) -> list[RosterLine]:
    """The course's students in natural roll order (withdrawn ones last), with how many attendance marks each
    has. One query."""
    students = CourseStudent.objects.filter(course=course).annotate(marks=Count("records")).values_list(
        "pk", "roll", "name", "marks", "email", "withdrawn")
    return sorted((RosterLine(*values) for values in students),
                  key=lambda line: (line.withdrawn, natural_roll_key(line.roll)))


@dataclass
class PlannedLine:
    date: datetime.date
    start_time: datetime.time
    recorded: bool  # a session is recorded on that date at that start time
    past: bool  # before today


@dataclass
class CoursePlan:
    classes: list[PlannedLine]
    progress: PlanProgress | None

    @property
    def several_a_day(self) -> bool:
        return len({line.date for line in self.classes}) < len(self.classes)


def course_plan(*, course: Course, as_of: datetime.date | None = None) -> CoursePlan:
    """The course's planned classes by date and start time, each marked recorded or not, and how much of the plan
    is left (attendance.selectors.plan_progress). Four queries."""
    as_of = as_of or timezone.localdate()
    # As plan_progress counts: a date's sessions account for its planned classes in order, whatever their start
    # times (a report's own start is rarely the timetable's to the minute).
    held = Counter(Session.objects.filter(course=course).values_list("date", flat=True))
    seen: Counter = Counter()
    classes = []
    for date, start in PlannedClass.objects.filter(course=course).order_by("date", "start_time").values_list("date", "start_time"):
        seen[date] += 1
        classes.append(PlannedLine(date, start, seen[date] <= held[date], date < as_of))
    return CoursePlan(classes, plan_progress(course=course, as_of=as_of))


@dataclass
class SessionLine:
    pk: int
    date: object
    start_time: object
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
        .order_by("-date", "-start_time")
        .values_list("pk", "date", "start_time", "source_format", "present", "recorded", "uploaded_at", "uploaded_by__username")
    )
    return [SessionLine(pk, date, start, SourceFormat(fmt).label if fmt in SourceFormat.values else fmt, present,
                        recorded, uploaded_at, by or "")
            for pk, date, start, fmt, present, recorded, uploaded_at, by in sessions]


def course_counts(*, course: Course) -> dict:
    """How much deleting the course would delete. Three queries."""
    return {
        "student_count": CourseStudent.objects.filter(course=course).count(),
        "date_count": Session.objects.filter(course=course).count(),
        "record_count": Record.objects.filter(session__course=course).count(),
    }
