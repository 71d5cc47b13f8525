"""Each student's standing in a course (attended, held, excused, percentage, and with planned classes the
projection: remaining, needed, cannot reach, at risk), judged by the one set of rules in attendance.standing.

What "remaining" counts: the course's planned classes dated on or after ``as_of`` (today unless told), less
the sessions already recorded on those dates, date by date (a planned class is held once a session is
recorded on its date, whatever the session's start time: reports state the time a meeting opened, not the
timetable's). A planned class dated before ``as_of`` with no session on its date is neither held nor
remaining: it was cancelled, or its report is not uploaded yet (`PlanProgress.unrecorded` lists them).
Every remaining class is assumed held, and none excused.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count
from django.utils import timezone

from attendance.models import Course, CourseStudent, PlannedClass, Record, Session, Status
from attendance.selectors.rolls import natural_roll_key
from attendance.standing import DEFAULT_CUTOFF, Standing, percentage_text


@dataclass(frozen=True)
class PlanProgress:
    planned: int  # planned classes, all dates
    remaining: int  # still to come (on or after as_of), less sessions already recorded on their dates
    unrecorded: list[datetime.date]  # dates before as_of with more planned classes than recorded sessions


def plan_progress(*, course: Course, as_of: datetime.date | None = None) -> PlanProgress | None:
    """How much of the course's plan is left on ``as_of`` (today by default); None when it plans nothing.
    Two queries: planned classes by date, recorded sessions by date."""
    return plans_progress(course_ids=[course.pk], as_of=as_of).get(course.pk)


def plans_progress(*, course_ids, as_of: datetime.date | None = None) -> dict[int, PlanProgress]:
    """`plan_progress` of each of ``course_ids`` that plans classes, by course id. Two queries whatever the
    number of courses."""
    as_of = as_of or timezone.localdate()
    planned: dict[int, Counter] = defaultdict(Counter)
    for course_id, date in PlannedClass.objects.filter(course_id__in=list(course_ids)).values_list("course_id", "date"):
        planned[course_id][date] += 1
    if not planned:
        return {}
    held = {
        (course_id, date): number
        for course_id, date, number in Session.objects.filter(
            course_id__in=list(planned), date__in={date for dates in planned.values() for date in dates}
        )
        .order_by()
        .values("course_id", "date")
        .annotate(n=Count("pk"))
        .values_list("course_id", "date", "n")
    }
    progress = {}
    for course_id, dates in planned.items():
        remaining = sum(max(0, count - held.get((course_id, date), 0)) for date, count in dates.items() if date >= as_of)
        unrecorded = sorted(
            date for date, count in dates.items() if date < as_of and count > held.get((course_id, date), 0)
        )
        progress[course_id] = PlanProgress(planned=sum(dates.values()), remaining=remaining, unrecorded=unrecorded)
    return progress


@dataclass(frozen=True)
class StudentStanding:
    roll: str
    name: str
    standing: Standing

    def as_dict(self) -> dict:
        """One student's figures as the API gives them (percentage shown rounded down; the exact ratio beside)."""
        standing = self.standing
        return {
            "roll": self.roll,
            "name": self.name,
            "attended": standing.attended,
            "late": standing.late,
            "excused": standing.excused,
            "held": standing.held,
            "percentage": percentage_text(standing.percentage) or None,
            "fraction": standing.fraction or None,
            "defaulter": standing.defaulter,
            "remaining": standing.remaining,
            "needed": standing.needed,
            "cannot_reach": standing.cannot_reach,
            "at_risk": standing.at_risk,
        }


@dataclass(frozen=True)
class CourseStandings:
    cutoff: Fraction
    as_of: datetime.date
    plan: PlanProgress | None
    students: list[StudentStanding]  # in natural roll order


def counts_by_student(records) -> dict[int, Counter]:
    """{student id: Counter of statuses} from (student id, status) pairs."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for student_id, status in records:
        counts[student_id][status] += 1
    return counts


def standing_of(counts: Counter, *, remaining: int | None, cutoff: Fraction) -> Standing:
    """A student's Standing from the count of each status over the sessions they have a record for."""
    return Standing(
        attended=counts[Status.PRESENT] + counts[Status.LATE],
        held=sum(counts.values()),
        excused=counts[Status.EXCUSED],
        late=counts[Status.LATE],
        remaining=remaining,
        cutoff=cutoff,
    )


def course_standings(
    *, course: Course, cutoff: Fraction = DEFAULT_CUTOFF, as_of: datetime.date | None = None
) -> CourseStandings:
    """Every student's standing (withdrawn students left out). Four queries whatever the number of students and sessions: students, their
    records counted by status (in SQL), and the plan's two (`plan_progress`)."""
    as_of = as_of or timezone.localdate()
    students = sorted(
        CourseStudent.objects.filter(course=course, withdrawn=False).values_list("pk", "roll", "name"),
        key=lambda s: natural_roll_key(s[1]),
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    for student_id, status, number in (
        Record.objects.filter(session__course=course).order_by().values("student_id", "status").annotate(number=Count("pk"))
        .values_list("student_id", "status", "number")
    ):
        counts[student_id][status] = number
    plan = plan_progress(course=course, as_of=as_of)
    remaining = plan.remaining if plan else None
    return CourseStandings(
        cutoff=cutoff,
        as_of=as_of,
        plan=plan,
        students=[
            StudentStanding(roll, name, standing_of(counts[pk], remaining=remaining, cutoff=cutoff))
            for pk, roll, name in students
        ],
    )
