"""A job: long work (an import, a big export, a batch of attendance reports) run apart from the request.

The work itself is a task on Django's tasks framework (django-tasks, database backend: `manage.py db_worker`);
this row is what people see of it: who started it, how far it has got, and its result, in the shape Doubtfire's
newest web client polls (`GET /api/sidekiq/<id>`). The dashboard's progress bars read the same rows, also for
work that runs inside the request.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        WORKING = "working", "Working"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"

    # Random, so one person cannot guess another's job; the owner check is what keeps it private.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, help_text="What the job does (jobs.kinds).")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Held while the job is queued or working, so the same work for the same unit (or course) cannot run twice
    # at once: a second request gets 409. Cleared when the job ends.
    lock_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    parameters = models.JSONField(default=dict, blank=True, help_text="What the job was asked to do (ids, options).")
    stage = models.CharField(max_length=16, blank=True, help_text="reading, checking, writing, ...")
    counting = models.CharField(max_length=8, default="rows", help_text="What processed/total count: rows or files.")
    processed_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(null=True, blank=True, help_text="Unknown until the file is read.")
    message = models.TextField(blank=True, help_text="The latest sentence about the job, or why it failed.")
    # Imports: the JSON text of {success, ignored, errors}; downloads: the CSV text itself (as upstream).
    result = models.TextField(blank=True)
    # The HTTP status the route would have answered had it run the work in the request (201, 200, 400, ...).
    result_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the result is deleted.")

    class Meta:
        indexes = [models.Index(fields=["expires_at"]), models.Index(fields=["owner", "-created_at"])]

    def __str__(self):
        return f"{self.kind} {self.status} {self.processed_count}/{self.total_count}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.COMPLETE, self.Status.FAILED)


class JobFile(models.Model):
    """An uploaded file a queued job will read. Kept in the database (every worker on every machine sees it)
    and deleted as soon as the job has run, so students' data does not linger."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["position"]
