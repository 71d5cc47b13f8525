"""Who may do what with an attendance course, in one table (as `doubtfire.permissions` does for units).

A person stands to a course in one or more ways (`RELATIONS`); each way grants a set of actions
(`COURSE_PERMISSIONS`), and what they may do is the union. Students are in no row: they see their own
attendance (`attendance.selectors.student_attendance`) and no course. Inside a unit, the person's role in
that unit wins over their system role, as everywhere in the product (`doubtfire.permissions.role_in_unit`): an
Admin with no role in the unit acts as its Convenor; an Admin who tutors it, as a tutor.

Every route finds its course through `attendance.selectors.course_for` / `course_for_pk` /
`courses_visible_to`, which read this table; a course the person cannot view answers 404 like one that does
not exist.
"""

from __future__ import annotations

from django.db.models import Q

from attendance.models import Course
from doubtfire.models import Project, Role, UnitRole

# Actions on a course.
VIEW_COURSE = "view_course"  # see it, its roster and attendance; download its reports
UPLOAD_ATTENDANCE = "upload_attendance"  # record attendance, delete a date, edit a hand-made roster
MANAGE_COURSE = "manage_course"  # rename, delete, add or remove co-teachers

# How a person stands to a course.
OWNER = "owner"  # made it
CO_TEACHER = "co-teacher"  # the owner shared it with them
UNIT_CONVENOR = "unit convenor"  # Convenor of the unit the course follows (or an Admin with no role there)
TUTORIAL_TUTOR = "tutorial tutor"  # tutor of the tutorial the course follows

COURSE_PERMISSIONS: dict[str, frozenset[str]] = {
    OWNER: frozenset({VIEW_COURSE, UPLOAD_ATTENDANCE, MANAGE_COURSE}),
    CO_TEACHER: frozenset({VIEW_COURSE, UPLOAD_ATTENDANCE}),
    UNIT_CONVENOR: frozenset({VIEW_COURSE, UPLOAD_ATTENDANCE}),
    TUTORIAL_TUTOR: frozenset({VIEW_COURSE, UPLOAD_ATTENDANCE}),
}
RELATIONS = tuple(COURSE_PERMISSIONS)

# Linking a new course to a unit: by the person's role in the unit, which parts they may link.
WHOLE_UNIT, STREAM, TUTORIAL = "unit", "stream", "tutorial"
LINK_SCOPES: dict[str, frozenset[str]] = {
    Role.CONVENOR: frozenset({WHOLE_UNIT, STREAM, TUTORIAL}),
    Role.ADMIN: frozenset({WHOLE_UNIT, STREAM, TUTORIAL}),
    Role.TUTOR: frozenset({TUTORIAL}),  # only a tutorial they tutor (`may_link`)
    Role.STUDENT: frozenset(),
}


class CourseRefused(Exception):
    """The course cannot be used as asked; ``status`` is the HTTP answer (404, 400 or 403), ``message`` says why."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NoSuchCourse(CourseRefused):
    status = 404


class AmbiguousCourse(CourseRefused):
    status = 400


class ActionRefused(CourseRefused):
    status = 403


def unit_roles(user) -> dict[int, str]:
    """The person's role in every unit where they hold one (Convenor/Tutor, else Student if enrolled). Two queries."""
    enrolled = Project.objects.filter(user=user, enrolled=True).values_list("unit_id", flat=True)
    roles = {unit_id: Role.STUDENT for unit_id in enrolled}
    roles.update(UnitRole.objects.filter(user=user).values_list("unit_id", "role"))
    return roles


def relation_filters(user, roles: dict[int, str]) -> dict[str, Q]:
    """{relation: a Course filter keeping the courses where ``user`` stands so}. No queries of its own."""
    convened = [unit_id for unit_id, role in roles.items() if role == Role.CONVENOR]
    if user.is_admin:
        # An Admin acts as Convenor in every unit where they hold no role (their role there wins).
        as_convenor = Q(unit__isnull=False) & ~Q(unit_id__in=[u for u, role in roles.items() if role != Role.CONVENOR])
    else:
        as_convenor = Q(unit_id__in=convened)
    return {
        OWNER: Q(owner=user),
        # A subquery, not a join: a join would repeat a course once per co-teacher.
        CO_TEACHER: Q(pk__in=Course.co_teachers.through.objects.filter(user=user).values("course_id")),
        UNIT_CONVENOR: as_convenor,
        TUTORIAL_TUTOR: Q(tutorial__tutor__user=user),
    }


def course_filter(user, action: str, roles: dict[int, str] | None = None) -> Q:
    """A Course filter keeping exactly the courses on which ``user`` may do ``action``. Two queries (roles)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    roles = unit_roles(user) if roles is None else roles
    filters = relation_filters(user, roles)
    allowed = Q(pk__in=[])
    for relation, granted in COURSE_PERMISSIONS.items():
        if action in granted:
            allowed |= filters[relation]
    return allowed


def relations_to(user, course) -> set[str]:
    """How ``user`` stands to ``course``. At most four queries."""
    if not user.is_authenticated:
        return set()
    relations = set()
    if course.owner_id == user.pk:
        relations.add(OWNER)
    if course.co_teachers.filter(pk=user.pk).exists():
        relations.add(CO_TEACHER)
    if course.unit_id is not None:
        role = UnitRole.objects.filter(user=user, unit_id=course.unit_id).values_list("role", flat=True).first()
        if role is None and user.is_admin:
            enrolled = Project.objects.filter(user=user, unit_id=course.unit_id, enrolled=True).exists()
            role = None if enrolled else Role.ADMIN
        if role in (Role.CONVENOR, Role.ADMIN):
            relations.add(UNIT_CONVENOR)
        tutorial = course.tutorial if course.tutorial_id is not None else None
        if tutorial is not None and tutorial.tutor_id is not None and tutorial.tutor.user_id == user.pk:
            relations.add(TUTORIAL_TUTOR)
    return relations


def may_on_course(user, action: str, course) -> bool:
    return any(action in COURSE_PERMISSIONS[relation] for relation in relations_to(user, course))


def refusal(action: str, course) -> str:
    """The sentence for someone who may view ``course`` but not do ``action`` on it."""
    if action == MANAGE_COURSE:
        return f"Only the owner of {course} ({course.owner.username}) may change or delete it, or share it."
    return f"You may view {course} but not record attendance for it."


def may_link(user, role: str | None, *, scope: str, tutorial=None) -> bool:
    """Whether a person with ``role`` in a unit may create a course following ``scope`` of it (a tutor: only
    a tutorial whose tutor they are)."""
    if role is None or scope not in LINK_SCOPES.get(role, ()):
        return False
    if role == Role.TUTOR:
        return tutorial is not None and tutorial.tutor is not None and tutorial.tutor.user_id == user.pk
    return True
