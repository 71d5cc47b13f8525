"""What every page needs before it does anything: the course or unit the person may act on, and forms bound to
the request. A course the person may not see answers exactly as one that does not exist (404); one they see but
may not change so, 403 (attendance.permissions: owner, co-teachers, the unit's Convenors, the tutorial's tutor)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from attendance import selectors as attendance_selectors
from attendance.models import Course
from attendance.permissions import VIEW_COURSE, CourseRefused
from doubtfire.models import Unit
from doubtfire.permissions import VIEW_UNIT, may_in_unit


def course_for(request, pk: int, action: str = VIEW_COURSE) -> Course:
    """The course `pk` if the person may do `action` on it: 404 when they may not see it, 403 when they see it
    but may not do this. Four queries at most."""
    try:
        return attendance_selectors.course_for_pk(request.user, pk, action=action)
    except CourseRefused as error:
        if error.status == 404:
            raise Http404(error.message) from None
        raise PermissionDenied(error.message) from None


def unit_for(request, unit_id: int, action: str = VIEW_UNIT) -> Unit:
    """The unit, 404 when it does not exist, 403 when the user may not do `action` in it."""
    unit = get_object_or_404(Unit, pk=unit_id)
    if not may_in_unit(request.user, action, unit):
        raise PermissionDenied("You do not have a role in this unit that allows this.")
    return unit


def bound(request, form_class, **kwargs):
    """The form bound to the request's data on a POST (even an empty one), unbound otherwise."""
    if request.method == "POST":
        return form_class(request.POST, request.FILES, **kwargs)
    return form_class(**kwargs)
