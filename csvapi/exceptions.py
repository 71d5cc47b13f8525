"""One error shape for every API route: `{"error": "<a sentence>"}` with the right status.

Doubtfire's clients expect 419 for any authentication failure on `/api/csv/*`; a view opts into that
with `auth_failure_status = 419`. Everything else answers 401.
"""

from rest_framework import exceptions, status
from rest_framework.views import exception_handler


def _sentence(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = _sentence(value)
            parts.append(text if field in ("non_field_errors", "detail", "error") else f"{field}: {text}")
        return " ".join(parts)
    if isinstance(detail, (list, tuple)):
        return " ".join(_sentence(item) for item in detail)
    return str(detail)


def error_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        view = context.get("view")
        response.status_code = getattr(view, "auth_failure_status", status.HTTP_401_UNAUTHORIZED)
        if response.status_code != status.HTTP_401_UNAUTHORIZED:
            response.headers.pop("WWW-Authenticate", None)
    # Django's Http404 and PermissionDenied carry no `detail`; DRF has already put theirs in response.data.
    body = {"error": _sentence(getattr(exc, "detail", response.data))}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = exc.detail
    response.data = body
    return response
