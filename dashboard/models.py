"""The dashboard's one table: how far an upload has got, for the page that is waiting for it.

An import runs inside the request that sent the file, in one gunicorn worker; the page asks another worker
how far it is. The database is the place both can see, so progress is a row, written as the import goes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportProgress(models.Model):
    class Stage(models.TextChoices):
        WAITING = "waiting", "Waiting for the file"
        READING = "reading", "Reading the file"
        CHECKING = "checking", "Checking"
        WRITING = "writing", "Saving"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    class Counting(models.TextChoices):
        ROWS = "rows", "rows"
        FILES = "files", "files"

    # Random, so one teacher cannot guess another's upload; the owner check is what keeps it private.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.WAITING)
    counting = models.CharField(max_length=8, choices=Counting.choices, default=Counting.ROWS)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Unknown until the file is read.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "import progress"

    def __str__(self):
        return f"{self.get_stage_display()} {self.rows_done}/{self.rows_total}"

    @property
    def text(self) -> str:
        """What the page says, e.g. "Saving: 12,000 of 20,000 rows"."""
        stage = self.Stage(self.stage)
        if stage == self.Stage.CHECKING and self.rows_total and not self.rows_done:
            return f"Checking {self._count(self.rows_total)}…"
        if stage in (self.Stage.CHECKING, self.Stage.WRITING) and self.rows_total:
            return f"{stage.label}: {self.rows_done:,} of {self._count(self.rows_total)}"
        if stage == self.Stage.DONE and self.rows_total is not None:
            return f"Done: {self._count(self.rows_total)}"
        return f"{stage.label}…"

    def _count(self, number: int) -> str:
        noun = self.counting if number != 1 else self.counting.removesuffix("s")
        return f"{number:,} {noun}"
