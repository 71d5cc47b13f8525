"""Sharing a course: its owner adds and removes co-teachers, who see it and record attendance for it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from attendance.errors import AttendanceError
from attendance.models import Course
from doubtfire.models import Role


def find_teacher(text: str):
    """The account named by ``text`` (a username or an e-mail, any case), or AttendanceError. One query."""
    User = get_user_model()
    wanted = (text or "").strip()
    person = User.objects.filter(Q(username__iexact=wanted) | Q(email__iexact=wanted)).first() if wanted else None
    if person is None:
        raise AttendanceError(f"There is no user '{wanted}'; give a username or an e-mail address.")
    return person


def add_co_teacher(*, course: Course, person) -> Course:
    """Share ``course`` with ``person``: they see it and record attendance for it (attendance.permissions). A
    student cannot be a co-teacher (they would see others' attendance), nor the owner. Two queries."""
    if person.pk == course.owner_id:
        raise AttendanceError(f"{person.username} owns {course}.")
    if not person.is_active or (person.role == Role.STUDENT and not person.is_admin):
        raise AttendanceError(
            f"{person.username} is a student account; only teachers (Tutor, Convenor or Admin accounts) can be co-teachers."
        )
    with transaction.atomic():
        course.co_teachers.add(person)
    return course


def remove_co_teacher(*, course: Course, person) -> Course:
    """Stop sharing ``course`` with ``person``. Two queries."""
    with transaction.atomic():
        if not course.co_teachers.filter(pk=person.pk).exists():
            raise AttendanceError(f"{person.username} is not a co-teacher of {course}.")
        course.co_teachers.remove(person)
    return course
