"""Which courses a person may use, by the one table of who may do what (attendance.permissions): finding the
course a request names, by (course id, batch) or by id, and listing the courses someone sees."""

from __future__ import annotations

from attendance.models import Course
from attendance.permissions import VIEW_COURSE, ActionRefused, AmbiguousCourse, NoSuchCourse, course_filter, refusal, unit_roles


def courses_visible_to(user, action: str = VIEW_COURSE):
    """The courses on which ``user`` may do ``action`` (default: view), by course id, batch and owner, with the
    owner joined. Three queries when evaluated (two for the person's unit roles, then the courses)."""
    return (
        Course.objects.filter(course_filter(user, action))
        .select_related("owner")
        .order_by("course_id", "batch", "owner__username")
    )


def course_for(user, *, course_id: str, batch: int, action: str, owner: str | None = None) -> Course:
    """The course (course_id, batch) that ``user`` means, checked for ``action``.

    (course_id, batch) is unique per owner only, so with shared courses two courses the person sees may share
    it: ``owner`` (a username or e-mail) picks one; else their own course wins; else the only one they see;
    else `AmbiguousCourse` naming the owners. A course they cannot view is `NoSuchCourse` (404, exactly as one
    that does not exist); one they may view but not ``action`` is `ActionRefused` (403). Four queries at most.
    """
    roles = unit_roles(user) if user.is_authenticated else {}
    candidates = list(
        Course.objects.filter(course_filter(user, VIEW_COURSE, roles), course_id=course_id, batch=batch)
        .select_related("owner")
        .order_by("owner__username")
    )
    if owner:
        wanted = owner.strip().casefold()
        candidates = [c for c in candidates if wanted in (c.owner.username.casefold(), c.owner.email.casefold())]
    if not candidates:
        whose = f" of {owner.strip()}" if owner else ""
        raise NoSuchCourse(f"You have no course {course_id}{whose} for batch {batch}.")
    own = [c for c in candidates if c.owner_id == user.pk]
    if own:
        course = own[0]
    elif len(candidates) == 1:
        course = candidates[0]
    else:
        owners = ", ".join(c.owner.username for c in candidates)
        raise AmbiguousCourse(
            f"Several courses {course_id} for batch {batch} are shared with you (owners: {owners}); "
            "send owner=<username> to say which."
        )
    return _checked(user, course, action, roles)


def course_for_pk(user, pk, *, action: str) -> Course:
    """The course with id ``pk`` if ``user`` may view it, checked for ``action`` as `course_for`.

    Four queries at most."""
    roles = unit_roles(user) if user.is_authenticated else {}
    course = Course.objects.filter(course_filter(user, VIEW_COURSE, roles), pk=pk).select_related("owner").first()
    if course is None:
        raise NoSuchCourse("You have no course with this id.")
    return _checked(user, course, action, roles)


def _checked(user, course: Course, action: str, roles) -> Course:
    if action != VIEW_COURSE and not Course.objects.filter(course_filter(user, action, roles), pk=course.pk).exists():
        raise ActionRefused(refusal(action, course))
    return course
