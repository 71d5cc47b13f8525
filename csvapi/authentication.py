"""How scripts prove who they are: the three token conventions of SPEC §1.

Each class returns None when its credentials are absent (so the next one may try) and raises
`AuthenticationFailed` with a clear sentence when they are present but wrong. Whether a failure becomes
419 (the Doubtfire family) or 401 (everything else) is decided by `csvapi.exceptions.error_handler`.
"""

import ipaddress

from django.http import HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.throttling import BaseThrottle

from doubtfire.services import TokenRejected, user_for_auth_token

# Doubtfire accepts the token under several spellings; in WSGI `Auth_Token` and `Auth-Token` both arrive
# as HTTP_AUTH_TOKEN (gunicorn must be told to keep underscored names: `--header-map dangerous`).
TOKEN_PARAMETERS = ("auth_token", "Auth_Token", "authToken", "auth-token")
USERNAME_PARAMETERS = ("username", "Username")


def _first_parameter(request, names) -> str | None:
    for source in (request.query_params, _form_data(request)):
        for name in names:
            value = source.get(name)
            if isinstance(value, str):
                return value
    return None


def _form_data(request):
    # A body that cannot be parsed is not our business here; the view reports it.
    try:
        data = request.data
    except exceptions.ParseError:
        return {}
    return data if hasattr(data, "get") else {}


def _authenticate(raw, username=None):
    try:
        user = user_for_auth_token(raw=raw, username=username)
    except TokenRejected as rejected:
        raise exceptions.AuthenticationFailed(rejected.message) from None
    return user, raw


class HeaderTokenAuthentication(BaseAuthentication):
    """Doubtfire's `Username` + `Auth_Token` headers (or `username`/`auth_token` query or form fields)."""

    keyword = "Auth-Token"

    def authenticate(self, request):
        meta = request.META
        raw = meta.get("HTTP_AUTH_TOKEN")
        username = meta.get("HTTP_USERNAME")
        if raw is None:
            raw = _first_parameter(request, TOKEN_PARAMETERS)
        if raw is None:
            return None
        if username is None:
            username = _first_parameter(request, USERNAME_PARAMETERS)
        if not raw.strip() or not (username or "").strip():
            raise exceptions.AuthenticationFailed(
                "Both the Username and the Auth_Token headers are needed, and neither may be empty."
            )
        return _authenticate(raw.strip(), username)

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>` (or `Bearer <token>`), for scripts that prefer the standard header."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() not in {"token", "bearer"}:
            return None
        return _authenticate(raw.strip())

    def authenticate_header(self, request):
        return "Token"


class FormTokenAuthentication(BaseAuthentication):
    """The attendance scripts' `token` form or JSON field (sent with `api=1`)."""

    def authenticate(self, request):
        raw = _first_parameter(request, ("token",))
        if raw is None:
            return None
        return _authenticate(raw.strip())

    def authenticate_header(self, request):
        return "Token"


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers once an account or address is locked out: JSON for API clients."""
    message = "Too many failed sign-in attempts. Try again in a few minutes."
    if request.path.startswith("/api") or request.content_type == "application/json":
        return JsonResponse({"error": message}, status=429)
    return HttpResponse(f"<!doctype html><title>Locked out</title><p>{message}</p>", status=429)


def client_address(request) -> str | None:
    """The client's address as the sign-in throttles see it: REMOTE_ADDR, or with `NUM_PROXIES` = N the Nth
    address from the right of X-Forwarded-For (DRF's own rule, so lockouts and throttles never disagree).

    django-axes stores it in an IP address column, so anything that is not an address (a proxy that appends
    `unknown`, a request that bypassed the proxy with a made-up header) falls back to REMOTE_ADDR.
    """
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


def lockout_username(request, credentials=None) -> str | None:
    """The account a failed sign-in counts against. Usernames match case-insensitively, so `CConvenor` and
    `cconvenor` are one account and one count, not five more guesses each."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get("username")
    return username.lower() if isinstance(username, str) else username
