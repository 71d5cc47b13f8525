"""How a route hands its work to a background job instead of doing it in the request.

The seed's routes answer with their result by default. A client asks for a job with the RFC 7240 header
`Prefer: respond-async` or with `?async=1`, and gets **202** with the job (poll `Location`). A deployment that
runs Doubtfire's newest web client sets `CSV_JOBS=always`: the routes where that client expects a job (the
enrolment upload, the task-completion and tutor-assessment downloads) then answer with one — 201 for the upload,
200 for the downloads, as upstream's Grape does — whatever the client sent.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import status
from rest_framework.response import Response

from csvapi.uploads import Upload, UploadRejected
from jobs.selectors import job_as_json
from jobs.services import JobInProgress, start_job
from spreadsheets import CSV_KIND, XLSX_KIND, detect_kind

RESPOND_ASYNC = "respond-async"


def job_requested(request) -> bool:
    """Whether the client asked for a job: `Prefer: respond-async` (any case, among other preferences) or
    `?async=1` (also true/yes)."""
    prefer = request.META.get("HTTP_PREFER", "")
    preferences = {part.split(";")[0].strip().lower() for part in prefer.split(",")}
    return RESPOND_ASYNC in preferences or request.GET.get("async", "").strip().lower() in {"1", "true", "yes"}


def job_status(request, *, newest_client_expects_job: bool, method_status: int) -> int | None:
    """The status to answer with a job, or None to do the work in the request.

    `method_status` is what the newest Doubtfire client gets with its job here (201 for a POST, 200 for a GET).
    """
    if job_requested(request):
        return status.HTTP_202_ACCEPTED
    if newest_client_expects_job and settings.CSV_JOBS == "always":
        return method_status
    return None


def refuse_unreadable_kind(upload: Upload, *, unsupported_status: int) -> None:
    """Refuse, before queueing, a file the reader would refuse for its kind (empty, PDF, ...): the client hears
    at once, with the same answer the route gives when it does the work itself."""
    kind = detect_kind(upload.data)
    if kind == "inode/x-empty":
        raise UploadRejected(f"{upload.name}: The file is empty.")
    if kind not in (CSV_KIND, XLSX_KIND):
        raise UploadRejected(f"File given is not a csv file - detected {kind}", unsupported_status)


def start_job_response(request, *, kind: str, answer_status: int, parameters: dict, lock_key: str | None,
                       files: list[tuple[str, bytes]] = ()) -> Response:
    """Queue the job and answer with it (409 when the same work is already queued or running)."""
    try:
        job = start_job(kind=kind, owner=request.user, parameters=parameters, lock_key=lock_key, files=files)
    except JobInProgress as refused:
        return Response({"error": refused.message}, status=status.HTTP_409_CONFLICT)
    response = Response(job_as_json(job), status=answer_status)
    response["Location"] = f"/api/jobs/{job.pk}"
    if answer_status == status.HTTP_202_ACCEPTED:
        response["Preference-Applied"] = RESPOND_ASYNC
    response["Vary"] = "Prefer"
    return response
