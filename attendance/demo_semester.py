"""A demo semester of attendance, recorded the way a teacher records it: by uploading the reports their meeting
tools exported, through the same service as the upload routes (`record_attendance`), never by writing rows.

Each class gets a report in one of the formats teachers are handed (the older Teams list, the current Teams
report as Teams saves it in UTF-16, a Zoom participants report, Google Form responses), generated from a
seeded plan of who came for how long, so every run builds the same semester. Students differ: most come to
nearly everything, a few hover around the 75 % cutoff, a few stay away.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
from dataclasses import dataclass

from attendance import services
from attendance.formats import RosterEntry
from attendance.models import Course

THRESHOLD_SECONDS = 30 * 60
CLASS_LENGTH = datetime.timedelta(minutes=90)


@dataclass(frozen=True)
class DemoStudent:
    roll: str
    name: str
    email: str
    chance: float  # how likely they are to come to a class


def semester_dates(first: datetime.date, weekdays: tuple[int, int], weeks: int) -> list[datetime.date]:
    """Two classes a week (Monday = 0) for `weeks` weeks from the week of `first`."""
    monday = first - datetime.timedelta(days=first.weekday())
    return [monday + datetime.timedelta(weeks=week, days=day) for week in range(weeks) for day in weekdays]


def profiles(people: list[tuple[str, str, str]], rng: random.Random) -> list[DemoStudent]:
    """(roll, name, email) → students with a chance of coming: 1 in 10 rarely come, 1 in 7 hover near the
    cutoff, the rest nearly always come."""
    students = []
    for index, (roll, name, email) in enumerate(people):
        if index % 10 == 3:
            chance = rng.uniform(0.35, 0.6)
        elif index % 7 == 5:
            chance = rng.uniform(0.72, 0.82)
        else:
            chance = rng.uniform(0.9, 0.99)
        students.append(DemoStudent(roll, name, email, chance))
    return students


def _at(date: datetime.date, start: datetime.time, minutes: float) -> datetime.datetime:
    return datetime.datetime.combine(date, start) + datetime.timedelta(minutes=minutes)


def _plan(students, rng) -> list[tuple[DemoStudent, float, float]]:
    """Who joined (minutes after the start) and left, for one class. Someone who did not come either is not in
    the report or dropped in for a few minutes (absent under the 30-minute threshold)."""
    plan = []
    for student in students:
        if rng.random() < student.chance:
            joined = max(0.0, rng.gauss(2, 3))
            plan.append((student, joined, min(90.0, 90 - abs(rng.gauss(2, 4)))))
        elif rng.random() < 0.3:
            joined = rng.uniform(5, 40)
            plan.append((student, joined, joined + rng.uniform(1, 12)))
    return plan


def _csv(rows, *, delimiter=",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _stamp(moment: datetime.datetime) -> str:
    return f"{moment.day}/{moment.month}/{moment.year}, {moment.strftime('%I:%M:%S %p').lstrip('0')}"


def teams_list(date, start, plan) -> tuple[str, bytes]:
    """The older Teams attendance list: one line per join and leave."""
    rows = [["Full Name", "User Action", "Timestamp"]]
    events = []
    for student, joined, left in plan:
        events += [(_at(date, start, joined), student.name, "Joined"), (_at(date, start, left), student.name, "Left")]
    rows += [[name, action, _stamp(moment)] for moment, name, action in sorted(events)]
    return f"meetingAttendanceList {date:%Y-%m-%d}.csv", _csv(rows).encode("utf-8")


def teams_report(date, start, plan) -> tuple[str, bytes]:
    """The current Teams attendance report as Teams saves it: UTF-16, tab-separated, in sections."""
    begin, end = datetime.datetime.combine(date, start), datetime.datetime.combine(date, start) + CLASS_LENGTH
    rows = [["1. Summary"], ["Meeting title", "Class"], ["Start time", _stamp(begin)], ["End time", _stamp(end)], [],
            ["2. Participants"],
            ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"]]
    for student, joined, left in plan:
        seconds = round((left - joined) * 60)
        rows.append([student.name, _stamp(_at(date, start, joined)), _stamp(_at(date, start, left)),
                     f"{seconds // 60}m {seconds % 60}s", student.email, student.email, "Attendee"])
    rows += [[], ["3. In-Meeting Activities"], ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"]]
    for student, joined, left in plan:
        seconds = round((left - joined) * 60)
        rows.append([student.name, _stamp(_at(date, start, joined)), _stamp(_at(date, start, left)),
                     f"{seconds // 60}m {seconds % 60}s", student.email, "Attendee"])
    return f"{date:%Y-%m-%d} Class - Attendance report.csv", _csv(rows, delimiter="\t").encode("utf-16")


def zoom_report(date, start, plan) -> tuple[str, bytes]:
    """A Zoom participants report with its meeting block."""
    begin = datetime.datetime.combine(date, start)

    def zoom(moment):
        return moment.strftime("%d/%m/%Y %I:%M:%S %p")

    rows = [["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
            ["812 3456 7890", "Class", zoom(begin), zoom(begin + CLASS_LENGTH), "teacher@example.edu", "90", str(len(plan))],
            [],
            ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]]
    for student, joined, left in plan:
        rows.append([student.name, student.email, zoom(_at(date, start, joined)), zoom(_at(date, start, left)),
                     str(max(1, round(left - joined))), "No"])
    return f"participants_{date:%Y%m%d}.csv", _csv(rows).encode("utf-8")


def google_form(date, start, plan) -> tuple[str, bytes]:
    """Google Form responses: one line per student who answered during the class (present by answering)."""
    rows = [["Timestamp", "Your Roll Number"]]
    for student, joined, left in plan:
        if left - joined >= 30:
            moment = _at(date, start, joined + 5)
            rows.append([moment.strftime("%Y/%m/%d %I:%M:%S %p") + " GMT+11", student.roll])
    return f"Attendance {date:%Y-%m-%d} (Responses).csv", _csv(rows).encode("utf-8")


FORMATS = (teams_list, teams_report, zoom_report, google_form)


def record_semester(*, course: Course, owner, students: list[DemoStudent], dates: list[datetime.date],
                    start: datetime.time, rng: random.Random) -> int:
    """Upload one generated report per date not yet recorded, through `record_attendance`. Returns how many
    dates were recorded. The plan is drawn for every date, recorded or not, so each run builds the same data."""
    recorded = set(course.sessions.values_list("date", flat=True))
    done = 0
    for index, date in enumerate(dates):
        plan = _plan(students, rng)
        if date in recorded:
            continue
        name, data = FORMATS[index % len(FORMATS)](date, start, plan)
        end = datetime.datetime.combine(date, start) + CLASS_LENGTH
        services.record_attendance(
            course=course, uploaded_by=owner, files=[(name, data)],
            # The class's start time, as a teacher types it: a Google Form's responses carry none of their own.
            options=services.UploadOptions(end_time=f"{end:%Y-%m-%d %H:%M}", threshold_seconds=THRESHOLD_SECONDS,
                                           ignore_unknown=True, start_time=start),
        )
        done += 1
    return done


def demo_course(*, owner, course_id: str, course_name: str, batch: int, students: list[DemoStudent]) -> Course:
    """The owner's course, created with its roster when missing."""
    course = Course.objects.filter(owner=owner, course_id=course_id, batch=batch).first()
    if course is None:
        roster = [RosterEntry(roll=student.roll, name=student.name, row=0) for student in students]
        course = services.create_course(owner=owner, course_id=course_id, course_name=course_name, batch=batch,
                                        roster=roster)
    return course
