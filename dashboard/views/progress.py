"""Progress of long uploads: the page makes a job before it sends the file, sends its id with the upload as
`progress_id`, and polls the job (`GET /api/jobs/<id>`, the route Doubtfire's client polls) while the import runs
in another server worker. One progress mechanism for the pages and the background jobs."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from jobs.models import Job
from jobs.services import JobProgress, start_inline_job


@login_required
@require_POST
def progress_start(request):
    job = start_inline_job(kind="dashboard_upload", owner=request.user)
    return JsonResponse({"id": str(job.pk), "url": reverse("job-detail", kwargs={"job_id": job.pk})}, status=201)


def progress_of(request, counting: str = "rows") -> JobProgress:
    """The progress of the job the page made for this upload (its `progress_id` field) when the job is the
    user's; otherwise a report that does nothing (the page is not polling)."""
    try:
        pk = uuid.UUID(request.POST.get("progress_id", ""))
    except ValueError:
        return JobProgress(None)
    return JobProgress(Job.objects.filter(pk=pk, owner=request.user).first(), counting=counting)
