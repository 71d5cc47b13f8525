"""Courses that follow a unit: making one from a unit, a stream or a tutorial, and keeping its roster in step
with the unit's enrolments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from attendance.errors import AttendanceError
from attendance.models import Course, CourseStudent
from attendance.permissions import STREAM, TUTORIAL, WHOLE_UNIT, may_link
from attendance.services.courses import new_course
from doubtfire.models import Project, Role, TutorialEnrolment
from doubtfire.permissions import role_in_unit

#
# A course linked to a unit (the whole unit, one stream or one tutorial) has the unit's enrolled students as its
# roster. Every write that changes who is enrolled where calls `sync_rosters_for_projects` (or, when it knows the
# units, `sync_unit_rosters`) inside its own transaction: the CSV enrolment and withdrawal services (in each row
# batch's savepoint, so a failed row leaves the rosters as they were), the REST tutorial and user resources and
# the Django admin. Explicit calls, not signals: the rule is visible at each write, and bulk writes (which send
# no signals) are covered the same way.

# Above this many projects a sync reads the whole of each unit rather than an `IN` list of its people.
_SYNC_BY_PERSON_LIMIT = 1000
_ID_CHUNK = 10_000


class CourseLinkRefused(AttendanceError):
    """The person may not link a course to this unit, stream or tutorial (a 403)."""


@dataclass
class RosterSync:
    """What a sync changed, counted in roster entries."""

    added: int = 0
    withdrawn: int = 0
    reinstated: int = 0
    updated: int = 0  # roll, name, e-mail or username changed with the user's account

    def __iadd__(self, other: "RosterSync") -> "RosterSync":
        self.added += other.added
        self.withdrawn += other.withdrawn
        self.reinstated += other.reinstated
        self.updated += other.updated
        return self


def roster_details(*, username: str, student_id: str | None, nickname: str, first_name: str, last_name: str, email: str):
    """(roll, name, e-mail, username) of a student on a roster that follows a unit.

    Roll: the student ID, else the username. Name: the preferred name (else the first name) and the last name,
    as Doubtfire shows a student; the username when both are blank.
    """
    roll = (student_id or "").strip() or username
    name = " ".join(f"{nickname or first_name} {last_name}".split()) or username
    return roll[:64], name[:200], email, username


def create_course_from_unit(
    *, owner, course_id: str, course_name: str, batch: int, unit, stream=None, tutorial=None,
    late_allowance_minutes: int | None = None,
) -> Course:
    """A course of ``owner`` whose roster is the enrolled students of ``unit`` — all of them, those in a tutorial
    of ``stream``, or those in ``tutorial`` — and follows them from now on.

    Who may (attendance.permissions.LINK_SCOPES): the unit's Convenors (and Admins with no role in it) link the
    unit, any stream or any tutorial; a tutor links only a tutorial they tutor; anyone else gets
    `CourseLinkRefused`. A stream or tutorial of another unit, or both at once, is an AttendanceError. The course
    id and batch are unique per owner, as for any course. About ten queries whatever the unit's size.
    """
    if stream is not None and tutorial is not None:
        raise AttendanceError("Link a course to a stream or to a tutorial, not both.")
    if stream is not None and stream.unit_id != unit.pk:
        raise AttendanceError(f"{stream.abbreviation} is not a tutorial stream of {unit.code}.")
    if tutorial is not None and tutorial.unit_id != unit.pk:
        raise AttendanceError(f"{tutorial.abbreviation} is not a tutorial of {unit.code}.")
    scope = TUTORIAL if tutorial is not None else STREAM if stream is not None else WHOLE_UNIT
    role = role_in_unit(owner, unit)
    if not may_link(owner, role, scope=scope, tutorial=tutorial):
        if role == Role.TUTOR and scope == TUTORIAL:
            raise CourseLinkRefused(f"You do not tutor {tutorial.abbreviation} of {unit.code}: a tutor may link only their own tutorials.")
        if role == Role.TUTOR:
            raise CourseLinkRefused(
                f"Only the Convenors of {unit.code} (or an Admin) may link a course to the whole unit or a stream; "
                "a tutor may link one of their own tutorials."
            )
        raise CourseLinkRefused(
            f"You are not staff of {unit.code}: only its Convenors and the tutors of its tutorials may link a course to it."
        )
    with transaction.atomic():
        course = new_course(
            owner=owner, course_id=course_id, batch=batch, course_name=course_name, unit=unit, stream=stream,
            tutorial=tutorial, late_allowance_minutes=late_allowance_minutes,
        )
        sync_unit_rosters(unit_ids=[unit.pk], course_ids=[course.pk])
    return course


def sync_rosters_for_projects(project_ids) -> RosterSync:
    """Bring every course that follows the units of these enrolments (``project_ids``) in step with them: add the
    enrolled students who are missing, mark those who left withdrawn (history kept), reinstate those who came back,
    and refresh roll, name, e-mail and username from their accounts.

    Call it in the transaction of the write that changed the enrolments (enrolled, withdrawn, tutorial moved),
    after the write, with the projects it touched (deleted ones: call `sync_unit_rosters` with their units).
    Queries: one per 10,000 ids to find the units and people, then `sync_unit_rosters`'s (one when no course
    follows these units). Constant in the number of students.
    """
    ids = list(dict.fromkeys(project_ids))
    if not ids:
        return RosterSync()
    units, users = set(), set()
    for start in range(0, len(ids), _ID_CHUNK):
        for unit_id, user_id in Project.objects.filter(pk__in=ids[start : start + _ID_CHUNK]).values_list("unit_id", "user_id"):
            units.add(unit_id)
            users.add(user_id)
    if not units:
        return RosterSync()
    return sync_unit_rosters(unit_ids=sorted(units), user_ids=sorted(users))


def sync_rosters_for_users(user_ids) -> RosterSync:
    """After people's accounts change (name, e-mail, student ID): refresh their entries on every roster that
    follows a unit they are enrolled in. Queries: one to find the units, then `sync_unit_rosters`'s."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return RosterSync()
    units = set()
    for start in range(0, len(ids), _ID_CHUNK):
        units.update(Project.objects.filter(user_id__in=ids[start : start + _ID_CHUNK]).values_list("unit_id", flat=True))
    if not units:
        return RosterSync()
    return sync_unit_rosters(unit_ids=sorted(units), user_ids=ids)


def sync_unit_rosters(*, unit_ids, user_ids=None, course_ids=None) -> RosterSync:
    """Bring the rosters of the courses that follow ``unit_ids`` (only ``course_ids`` when given) in step with the
    units' enrolments — for the people ``user_ids`` only, or everyone when None (also when there are more than
    _SYNC_BY_PERSON_LIMIT of them: reading the whole unit is then cheaper than a long `IN` list, and as correct).

    A student is on a course's roster when their enrolment is current (`Project.enrolled`) and, for a stream's
    course, they are in a tutorial of that stream, or for a tutorial's course, in that tutorial. An entry is
    matched to its student by account, never by roll; a roll that another entry of the course holds is not taken
    (the entry keeps its roll, or a new entry uses the username, until it is free). Hand-made entries (no account)
    are left alone.

    Six queries whatever the number of students: the courses (locked, so two syncs of one course take turns), the
    enrolments with their people, their tutorials, the courses' entries, one insert and one update (in batches).
    One when no course follows these units. It joins the caller's transaction (no savepoint of its own).
    """
    unit_ids = list(unit_ids)
    if user_ids is not None:
        user_ids = list(user_ids)
        if len(user_ids) > _SYNC_BY_PERSON_LIMIT:
            user_ids = None
    with transaction.atomic(savepoint=False):
        courses = Course.objects.select_for_update().filter(unit_id__in=unit_ids)
        if course_ids is not None:
            courses = courses.filter(pk__in=list(course_ids))
        courses = list(courses.order_by("pk").values_list("pk", "unit_id", "stream_id", "tutorial_id"))
        if not courses:
            return RosterSync()
        people = Project.objects.filter(unit_id__in=unit_ids, enrolled=True)
        placements = TutorialEnrolment.objects.filter(project__unit_id__in=unit_ids, project__enrolled=True)
        if user_ids is not None:
            people = people.filter(user_id__in=user_ids)
            placements = placements.filter(project__user_id__in=user_ids)
        details: dict[int, tuple] = {}
        enrolled_in: dict[int, set[int]] = defaultdict(set)  # unit id -> user ids
        for unit_id, user_id, username, student_id, nickname, first, last, email in people.values_list(
            "unit_id", "user_id", "user__username", "user__student_id", "user__nickname", "user__first_name",
            "user__last_name", "user__email",
        ):
            details[user_id] = roster_details(
                username=username, student_id=student_id, nickname=nickname, first_name=first, last_name=last, email=email
            )
            enrolled_in[unit_id].add(user_id)
        in_tutorial: dict[int, set[int]] = defaultdict(set)  # tutorial id -> user ids
        in_stream: dict[int, set[int]] = defaultdict(set)  # stream id -> user ids
        for user_id, tutorial_id, stream_id in placements.values_list("project__user_id", "tutorial_id", "tutorial__stream_id"):
            in_tutorial[tutorial_id].add(user_id)
            if stream_id is not None:
                in_stream[stream_id].add(user_id)

        entries_by_course: dict[int, list[CourseStudent]] = defaultdict(list)
        for entry in CourseStudent.objects.filter(course_id__in=[pk for pk, *_ in courses]).only(
            "pk", "course_id", "user_id", "roll", "name", "email", "username", "withdrawn"
        ):
            entries_by_course[entry.course_id].append(entry)

        in_scope = None if user_ids is None else set(user_ids)
        outcome = RosterSync()
        new: list[CourseStudent] = []
        changed: list[CourseStudent] = []
        for course_pk, unit_id, stream_id, tutorial_id in courses:
            if tutorial_id is not None:
                members = in_tutorial[tutorial_id] & enrolled_in[unit_id]
            elif stream_id is not None:
                members = in_stream[stream_id] & enrolled_in[unit_id]
            else:
                members = enrolled_in[unit_id]
            outcome += _sync_course(course_pk, entries_by_course[course_pk], members, details, in_scope, new, changed)
        CourseStudent.objects.bulk_create(new, batch_size=500)
        CourseStudent.objects.bulk_update(changed, ["roll", "name", "email", "username", "withdrawn"], batch_size=500)
    return outcome


def _sync_course(course_pk, entries, members, details, in_scope, new, changed) -> RosterSync:
    """Plan one course's changes into ``new`` and ``changed``. No queries."""
    outcome = RosterSync()
    taken = {entry.roll for entry in entries}  # rolls held now: never reused in the same pass
    by_user = {entry.user_id: entry for entry in entries if entry.user_id is not None}
    for user_id, entry in by_user.items():
        if in_scope is not None and user_id not in in_scope:
            continue
        if user_id not in members:
            if not entry.withdrawn:
                entry.withdrawn = True
                changed.append(entry)
                outcome.withdrawn += 1
            continue
        roll, name, email, username = details[user_id]
        reinstated = entry.withdrawn
        updated = False
        if roll != entry.roll and roll not in taken:
            taken.add(roll)
            entry.roll = roll
            updated = True
        if (name, email, username) != (entry.name, entry.email, entry.username):
            entry.name, entry.email, entry.username = name, email, username
            updated = True
        entry.withdrawn = False
        if reinstated or updated:
            changed.append(entry)
            outcome.reinstated += reinstated
            outcome.updated += updated
    for user_id in sorted(members - by_user.keys()):
        roll, name, email, username = details[user_id]
        for candidate in (roll, username[:64], f"{username[:40]}-{user_id}"):
            if candidate not in taken:
                roll = candidate
                break
        taken.add(roll)
        new.append(CourseStudent(course_id=course_pk, user_id=user_id, roll=roll, name=name, email=email, username=username))
        outcome.added += 1
    return outcome
