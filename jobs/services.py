"""Every write to jobs: starting one, reporting its progress, running it, finishing it, and pruning old ones.

A job started by a route (`start_job`) is a Job row plus a task on Django's tasks framework, written in one
transaction: the database backend keeps its queue in the same database, so a job is enqueued exactly when its
row exists. A worker (`manage.py db_worker`) runs the task, which calls `run_job`: the job's kind does the
same work, through the same Resource or service, that the route does when it answers at once.
"""

from __future__ import annotations

import datetime
import json
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jobs.models import Job, JobFile

logger = logging.getLogger(__name__)

# A queued or working job whose row has not changed for this long is taken to be lost with its worker: its
# lock is released so the same work can start again, and the job reads as failed.
STALE_AFTER = datetime.timedelta(minutes=15)

STAGE_LABELS = {
    "waiting": "Waiting for the file",
    "queued": "Waiting for a worker",
    "reading": "Reading the file",
    "checking": "Checking",
    "writing": "Saving",
    "done": "Done",
    "failed": "Stopped",
}


class JobInProgress(Exception):
    """The same work (same kind, same unit or course) is already queued or running: the route answers 409."""

    message = "Failed to create job. Job may already be in progress."


def result_lifetime() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.JOB_RESULT_TTL_SECONDS)


def start_job(
    *, kind: str, owner, parameters: dict, lock_key: str | None = None, files: list[tuple[str, bytes]] = ()
) -> Job:
    """Record a queued job with the files it will read and enqueue its task, in one transaction.

    ``lock_key`` names the work that may not run twice at once (e.g. "import_students:unit:3"); raises
    JobInProgress when a job holding it is queued or working (a lost job's lock is released first). Four
    queries plus one insert per file.
    """
    from jobs.tasks import run_job_task  # the task module imports this one

    with transaction.atomic():
        if lock_key is not None:
            _release_if_stale(lock_key)
        try:
            with transaction.atomic():
                job = Job.objects.create(kind=kind, owner=owner, parameters=parameters, lock_key=lock_key,
                                         stage="queued", message="Waiting for a worker.")
        except IntegrityError:
            raise JobInProgress() from None
        JobFile.objects.bulk_create(
            [JobFile(job=job, position=position, name=name[:255], data=data) for position, (name, data) in enumerate(files)]
        )
        run_job_task.enqueue(str(job.pk))
    return job


def _release_if_stale(lock_key: str) -> None:
    cutoff = timezone.now() - STALE_AFTER
    for job in Job.objects.filter(lock_key=lock_key, updated_at__lt=cutoff):
        _finish(job, status=Job.Status.FAILED, message="The job stopped without finishing (its worker went away); "
                "nothing of it was saved. Start it again.", result="", result_status=None)


def start_inline_job(*, kind: str, owner, counting: str = "rows") -> Job:
    """A job row for work that will run inside a request (the dashboard's uploads), so a page can show its
    progress while it runs. It never goes to a worker. One query, plus the prune of expired jobs."""
    prune_expired_jobs()
    return Job.objects.create(kind=kind, owner=owner, counting=counting, stage="waiting", message="Waiting for the file.")


def describe(stage: str, done: int, total: int | None, counting: str) -> str:
    """The sentence a page shows, e.g. "Saving: 12,000 of 20,000 rows"."""
    label = STAGE_LABELS.get(stage, stage.title())

    def count(number: int) -> str:
        noun = counting if number != 1 else counting.removesuffix("s")
        return f"{number:,} {noun}"

    if stage == "checking" and total and not done:
        return f"Checking {count(total)}…"
    if stage in ("checking", "writing") and total:
        return f"{label}: {done:,} of {count(total)}"
    if stage == "done" and total is not None:
        return f"Done: {count(total)}"
    return f"{label}…"


class JobProgress:
    """`progress(stage, done, total)`: the callback every import service takes, writing to a job's row.

    The services call it inside their own transaction. A write through the running connection would stay
    invisible to whoever polls the job until the import commits, so inside a transaction the row is written
    through a second connection of its own, in autocommit; outside one, through the running connection.

    SQLite lets one connection write at a time, and the import's transaction holds that lock from its start
    (the settings ask for IMMEDIATE transactions). There the reports made inside the import are skipped rather
    than waited for: the poller sees the stages before and after, not the batches within. Progress is advice: a
    failed write is logged and never fails the work. With no job every call does nothing and `callback` is
    None. Use it as a context manager: the second connection, if opened, is closed at the end.
    """

    def __init__(self, job: Job | None, *, counting: str | None = None):
        self.pk = job.pk if job is not None else None
        self.counting = counting or (job.counting if job is not None else "rows")
        self._aside = None

    @property
    def callback(self):
        return self if self.pk is not None else None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self.pk is None:
            return
        values = {
            "stage": stage,
            "counting": self.counting,
            "processed_count": done,
            "total_count": total,
            "message": describe(stage, done, total, self.counting),
            "updated_at": timezone.now(),
        }
        if stage in ("done", "failed"):  # work run in a request ends here; a worker's job ends in _finish
            values.update(
                status=Job.Status.COMPLETE if stage == "done" else Job.Status.FAILED,
                finished_at=values["updated_at"],
                expires_at=values["updated_at"] + result_lifetime(),
            )
        else:
            values["status"] = Job.Status.WORKING
        try:
            if not connection.in_atomic_block:
                Job.objects.filter(pk=self.pk).update(**values)
            elif connection.vendor != "sqlite":
                self._write_aside(values)
        except DatabaseError as error:
            logger.warning("Progress of job %s not saved: %s", self.pk, error)

    def _write_aside(self, values: dict) -> None:
        if self._aside is None:
            self._aside = connections.create_connection(DEFAULT_DB_ALIAS)
        aside = self._aside
        meta = Job._meta
        quote = aside.ops.quote_name
        fields = [meta.get_field(name) for name in values]
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        params = [field.get_db_prep_save(values[field.name], connection=aside) for field in fields]
        params.append(meta.pk.get_db_prep_value(self.pk, connection=aside))
        with aside.cursor() as cursor:
            cursor.execute(f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", params)

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()
            self._aside = None

    def __enter__(self) -> JobProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def run_job(job_id: str) -> None:
    """The body of the job's task: claim the job, run its kind, store the outcome, delete its files.

    The claim is an UPDATE from queued to working, so a job runs once even if its task were delivered twice.
    The kind's work runs in its own transaction (the services are atomic): a failure saves nothing of it.
    """
    from jobs.kinds import KINDS, Outcome  # the kinds import the services of both halves

    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.WORKING, stage="reading", message="Reading the file…", updated_at=timezone.now()
    )
    if not claimed:
        return
    job = Job.objects.select_related("owner").get(pk=job_id)
    files = [(file.name, bytes(file.data)) for file in job.files.all()]
    kind = KINDS.get(job.kind)
    with JobProgress(job) as progress:
        try:
            if kind is None:
                raise LookupError(f"Unknown job kind {job.kind!r}")
            outcome = kind.run(job, files, progress)
        except Exception:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
            outcome = Outcome.failure("The job stopped on an unexpected error; nothing of it was saved.", status=500)
    job.refresh_from_db(fields=["processed_count", "total_count"])
    if outcome.total is not None:
        job.total_count = outcome.total
    _finish(job, status=Job.Status.FAILED if outcome.failed else Job.Status.COMPLETE, message=outcome.message,
            result=outcome.result, result_status=outcome.status)
    prune_expired_jobs()


def _finish(job: Job, *, status: str, message: str, result: str, result_status: int | None) -> None:
    now = timezone.now()
    fields = {
        "status": status,
        "stage": "failed" if status == Job.Status.FAILED else "done",
        "message": message,
        "result": result,
        "result_status": result_status,
        "lock_key": None,
        "updated_at": now,
        "finished_at": now,
        "expires_at": now + result_lifetime(),
    }
    if status == Job.Status.COMPLETE and job.total_count is not None:
        fields.update(processed_count=job.total_count, total_count=job.total_count)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(**fields)
        JobFile.objects.filter(job_id=job.pk).delete()
    for name, value in fields.items():
        setattr(job, name, value)


def prune_expired_jobs() -> int:
    """Delete jobs whose result has expired, with their files and their finished tasks, then run the other apps'
    housekeeping (settings.JOBS_PRUNERS: waiting uploads and Undo copies that expired). Returns the number of
    jobs deleted. Run after every job, so a working deployment never needs a cron job for it."""
    for path in getattr(settings, "JOBS_PRUNERS", ()):
        try:
            import_string(path)()
        except DatabaseError as error:
            logger.warning("%s did not prune: %s", path, error)
    now = timezone.now()
    deleted, _ = Job.objects.filter(expires_at__lt=now).delete()
    try:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.finished().filter(finished_at__lt=now - result_lifetime()).delete()
    except DatabaseError as error:  # the tasks table is the framework's; never fail a job over its housekeeping
        logger.warning("Finished tasks not pruned: %s", error)
    return deleted


def result_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
