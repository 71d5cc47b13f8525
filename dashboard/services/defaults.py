"""What the dashboard remembers per course: the threshold the teacher uses (minutes) and the cutoff they read."""

from decimal import Decimal

from django.utils import timezone

from dashboard.models import CourseDefaults


def defaults_of(course) -> CourseDefaults:
    """The course's remembered choices, or the defaults (nothing stored until the teacher changes one). One query."""
    return CourseDefaults.objects.filter(course=course).first() or CourseDefaults(course=course)


def save_defaults(*, course, threshold_minutes: int | None = None, cutoff: Decimal | None = None) -> CourseDefaults:
    """Remember the given choices for `course`; the others stay. Two queries."""
    defaults = defaults_of(course)
    if threshold_minutes is not None:
        defaults.threshold_minutes = threshold_minutes
    if cutoff is not None:
        defaults.cutoff = cutoff
    defaults.updated_at = timezone.now()
    defaults.save()
    return defaults
