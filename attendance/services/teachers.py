"""Teachers' accounts: signing up through /api_signup or the dashboard."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from attendance.errors import AttendanceError
from doubtfire.models import Role


def sign_up_teacher(*, name: str, email: str, password: str):
    """Create a teacher account whose username is the lower-cased email.

    The teacher gets system role Tutor: they own the attendance courses they create and nothing else. Signing
    up grants no power over other people (no users upload, no units); an Admin grants Convenor or Admin (admin
    site, `PATCH /api/users/<id>/`, or `manage.py set_role`).

    The email must be unused by anyone, compared without case; the password must pass Django's validators.
    """
    email = email.strip().lower()
    first_name, _, last_name = " ".join(name.split()).partition(" ")
    if not first_name:
        raise AttendanceError("The name must not be blank.")
    User = get_user_model()
    user = User(username=email, email=email, first_name=first_name[:150], last_name=last_name[:150], role=Role.TUTOR)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise AttendanceError("The password is not accepted: " + " ".join(error.messages)) from None
    taken = AttendanceError("A user with this email has already registered.")
    with transaction.atomic():
        if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            raise taken
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise taken from None
    return user
