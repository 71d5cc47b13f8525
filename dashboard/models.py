"""The dashboard's own tables: uploads waiting for the teacher's Confirm, and what a destructive action removed
(kept for a few minutes so it can be undone).

An upload's progress is not here: it is a job (jobs.Job), the same record a background job reports to, so a page
and Doubtfire's client poll one thing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class StagedUpload(models.Model):
    """Files a teacher sent and the choices they made, waiting at their own address (`/…/uploads/<id>/`) for
    Confirm or Discard. The preview is computed from them each time the page is shown, so Reload, Back, a
    bookmark and a second tab all show the same thing; Confirm writes exactly what the preview showed (its
    fingerprint is checked)."""

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", "Attendance reports"
        ENROLMENTS = "enrolments", "Enrol students"
        WITHDRAWALS = "withdrawals", "Withdraw students"
        TASK_DEFINITIONS = "task-definitions", "Task definitions"
        USERS = "users", "Add users"

    # Random, so one teacher cannot guess another's upload; the owner check is what keeps it private.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    course = models.ForeignKey("attendance.Course", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    unit = models.ForeignKey("doubtfire.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    options = models.JSONField(default=dict, blank=True, help_text="The choices of the upload form.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="When the files are deleted if nobody confirms or discards them.")

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.owner} ({self.pk})"


class StagedFile(models.Model):
    upload = models.ForeignKey(StagedUpload, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=255)
    data = models.BinaryField()

    class Meta:
        ordering = ["position"]


class Deletion(models.Model):
    """What a destructive action removed, serialised, so "Undo" can put it back for a few minutes; purged after.

    `payload` holds the removed rows (Django's serialised form, parents first) for a deletion, or the ids to act
    on again for an action that changes rows rather than removing them (a withdrawal).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, help_text="date, student, course or withdrawal")
    description = models.CharField(max_length=300, help_text="What was removed, in the teacher's words.")
    course = models.ForeignKey("attendance.Course", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    unit = models.ForeignKey("doubtfire.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return self.description


class CourseDefaults(models.Model):
    """What the dashboard remembers about a course between uploads: the presence threshold the teacher last
    used (in minutes: the API keeps the seed's seconds) and the defaulter cutoff they look at."""

    course = models.OneToOneField("attendance.Course", on_delete=models.CASCADE, primary_key=True, related_name="+")
    threshold_minutes = models.PositiveIntegerField(default=0)
    cutoff = models.DecimalField(max_digits=5, decimal_places=2, default=75)
    updated_at = models.DateTimeField(default=timezone.now)
