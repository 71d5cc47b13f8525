"""What every page needs before it does anything: the course or unit the person may act on, and forms bound to
the request. A course that is not the person's answers exactly as one that does not exist (404)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from attendance.models import Course
from doubtfire.models import Unit
from doubtfire.permissions import VIEW_UNIT, may_in_unit


def course_for(request, pk: int) -> Course:
    """The user's course `pk`, or 404 (another teacher's course is not said to exist). One query."""
    return get_object_or_404(Course, pk=pk, owner=request.user)


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
