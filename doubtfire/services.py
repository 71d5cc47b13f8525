"""Every write of the units half of the product.

Services are keyword-only functions that run in a transaction and return values (never HTTP responses).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doubtfire.models import AuthToken, User

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
