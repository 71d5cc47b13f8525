"""Refusing a request body before anything reads it.

A request whose `Content-Length` is larger than any upload may be is answered 413 here, first, so no view,
parser, authentication class or CSRF check reads a byte of it: an anonymous 499 MiB POST costs the server
nothing. Bodies under the limit are parsed in memory only (settings.FILE_UPLOAD_HANDLERS), so nothing of an
unauthenticated upload reaches the disk. Header and query credentials are checked before the body is parsed
(csvapi.authentication); only a token sent inside the form needs the body.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

# Room for the multipart framing and the form's other fields beside the largest file.
FORM_OVERHEAD_BYTES = 2**20


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def body_limit() -> int:
    """The largest request body accepted: the upload limit plus the form around it."""
    return settings.UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads such a body as empty
        if declared > body_limit():
            return self._too_large(request, declared)
        return self.get_response(request)

    @staticmethod
    def _too_large(request, declared: int):
        message = (
            f"The upload is {_mebibytes(declared)}; the largest file accepted is "
            f"{_mebibytes(settings.UPLOAD_MAX_BYTES)}. Split it into smaller files."
        )
        if "text/html" in request.META.get("HTTP_ACCEPT", ""):
            response = HttpResponse(
                f"<!doctype html><title>File too large</title><p>{message}</p><p><a href=\"\">Go back</a></p>",
                status=413,
            )
        else:
            response = JsonResponse({"error": message}, status=413)
        # The body is left unread: tell the client the connection will not carry another request.
        response["Connection"] = "close"
        return response
