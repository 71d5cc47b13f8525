"""Every write of the units half of the product.

Services are keyword-only functions that run in a transaction and return values (never HTTP responses).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doubtfire.permissions import ASSESS_TASKS, may_in_unit
from doubtfire.models import Assessment, AuthToken, Task, TaskStatus, User

# --- API tokens ------------------------------------------------------------------------------------


class TokenRejected(Exception):
    """A token that does not let anyone in; `message` is safe to show to the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


MISSING_CREDENTIALS = "No authentication details provided. Authentication is required to access this resource."
INVALID_CREDENTIALS = "Could not authenticate with token. Username or Token invalid."
EXPIRED_TOKEN = "Authentication token expired."


def issue_auth_token(*, user: User, lifetime: timedelta | None = None) -> str:
    """Create a token for `user` and return it in the clear; only its digest is stored.

    Expired tokens of the same user are purged on the way. Two queries.
    """
    raw = secrets.token_urlsafe(30)  # 240 random bits
    now = timezone.now()
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expires_at__lte=now).delete()
        AuthToken.objects.create(
            user=user,
            digest=AuthToken.digest_of(raw),
            created_at=now,
            expires_at=now + (lifetime or settings.AUTH_TOKEN_LIFETIME),
        )
    return raw


def revoke_auth_token(*, raw: str) -> bool:
    """Sign a token out. Returns whether it existed. One query."""
    deleted, _ = AuthToken.objects.filter(digest=AuthToken.digest_of(raw)).delete()
    return bool(deleted)


def revoke_all_auth_tokens(*, user: User) -> int:
    """Sign every device of `user` out (e.g. after a password change). One query."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def user_for_auth_token(*, raw: str | None, username: str | None = None) -> User:
    """The active user a token belongs to, or `TokenRejected` with the sentence to show.

    When `username` is given (Doubtfire's `Username` header) it must name the token's owner,
    compared case-insensitively. An expired token is deleted when it is seen. One or two queries.
    """
    if not raw:
        raise TokenRejected(MISSING_CREDENTIALS)
    token = AuthToken.objects.select_related("user").filter(digest=AuthToken.digest_of(raw)).first()
    if token is None or not token.user.is_active:
        raise TokenRejected(INVALID_CREDENTIALS)
    if username is not None and token.user.username.lower() != username.strip().lower():
        raise TokenRejected(INVALID_CREDENTIALS)
    if token.is_expired:
        token.delete()
        raise TokenRejected(EXPIRED_TOKEN)
    return token.user


# --- Tasks -----------------------------------------------------------------------------------------


class NotAllowed(Exception):
    """The actor may not make this change; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def update_task(
    *,
    actor: User,
    task: Task,
    status: int | None = None,
    grade: int | None = None,
    quality_pts: int | None = None,
    contribution_pts: int | None = None,
) -> Task:
    """Apply changes to one task. A status change made by staff of the unit records an Assessment.

    Students may only move their own task between the statuses they are allowed to set (ids 1–4);
    grades and stars are for staff. Three to five queries.
    """
    unit = task.project.unit
    is_staff = may_in_unit(actor, ASSESS_TASKS, unit)
    is_owner = task.project.user_id == actor.pk
    if not is_staff:
        if not is_owner:
            raise NotAllowed("Only the student or the unit's staff may change this task.")
        if grade is not None or quality_pts is not None or contribution_pts is not None:
            raise NotAllowed("Only staff may set a task's grade, stars or contribution.")
        if status is not None and status > TaskStatus.WORKING_ON_IT:
            raise NotAllowed(f"Only staff may set the status '{TaskStatus(status).label}'.")
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        now = timezone.now()
        if status is not None and status != task.status:
            task.status = status
            if is_staff:
                task.times_assessed += 1
                task.assessment_date = now
                Assessment.objects.create(task=task, assessor=actor, status=status, assessed_at=now)
            if status == TaskStatus.COMPLETE:
                task.completion_date = now
        if grade is not None:
            task.grade = grade
        if quality_pts is not None:
            task.quality_pts = quality_pts
        if contribution_pts is not None:
            task.contribution_pts = contribution_pts
        task.save()
    return task
