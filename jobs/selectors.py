"""Reads of jobs: one job as its poller sees it (the shape of Doubtfire's `SidekiqJobEntity`)."""

from jobs.kinds import job_class
from jobs.models import Job


def job_for(*, job_id: str) -> Job | None:
    """The job with this id, or None (also for an id that is not a UUID). One query."""
    try:
        return Job.objects.filter(pk=job_id).first()
    except Exception:  # a malformed UUID: Django raises ValidationError, some backends ValueError
        return None


def job_as_json(job: Job) -> dict:
    """`{id, status, pct_complete, message, processed_count, total_count, job_class, result, created_at,
    updated_at}` as Doubtfire's newest client polls it (snake_case times; counts as numbers), plus `stage` and
    `result_status` (the HTTP status the route would have answered). No query."""
    total = job.total_count
    if job.status == Job.Status.COMPLETE:
        percent = 100
    elif total:
        percent = min(99, job.processed_count * 100 // total)
    else:
        percent = 0
    return {
        "id": str(job.pk),
        "status": job.status,
        "pct_complete": percent,
        "message": job.message,
        "processed_count": job.processed_count,
        "total_count": total or 0,
        "job_class": job_class(job.kind),
        "result": job.result or None,
        "result_status": job.result_status,
        "stage": job.stage,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }
