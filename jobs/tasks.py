"""The one task of the jobs app, run by `manage.py db_worker`: whatever a Job row says to do."""

from django_tasks import task

from jobs.services import run_job


@task()
def run_job_task(job_id: str) -> None:
    run_job(job_id)
