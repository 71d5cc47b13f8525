"""Uploads waiting at their own address for Confirm or Discard.

A file input cannot be sent again without the teacher choosing the file again, so what they sent is kept
server-side (in the database, which every gunicorn worker sees) until they confirm or discard it, or until it
expires. Expired uploads are removed whenever a new one is staged and after every background job.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard.models import StagedFile, StagedUpload


def lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.STAGED_UPLOAD_HOURS)


def stage_upload(*, owner, kind: str, files: list[tuple[str, bytes]], options: dict, course=None, unit=None) -> StagedUpload:
    """Keep the files and choices of an upload for its preview page. Three queries plus one insert per file."""
    now = timezone.now()
    with transaction.atomic():
        prune_expired()
        staged = StagedUpload.objects.create(
            owner=owner, kind=kind, course=course, unit=unit, options=options, created_at=now, expires_at=now + lifetime()
        )
        StagedFile.objects.bulk_create(
            [StagedFile(upload=staged, position=position, name=name[:255], data=data) for position, (name, data) in enumerate(files)]
        )
    return staged


def staged_files(staged: StagedUpload) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file, in the order they were sent. One query."""
    return [(file.name, bytes(file.data)) for file in staged.files.all()]


def change_options(*, staged: StagedUpload, **changes) -> StagedUpload:
    """Change some choices of a waiting upload ("Replace it", "Ignore them"); its files stay. One query."""
    staged.options = {**staged.options, **changes}
    staged.expires_at = timezone.now() + lifetime()
    staged.save(update_fields=["options", "expires_at"])
    return staged


def discard(*, staged: StagedUpload) -> None:
    staged.delete()


def prune_expired() -> int:
    """Delete uploads nobody confirmed or discarded in time. Returns how many."""
    deleted, _ = StagedUpload.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def fingerprint(value) -> str:
    """A short digest of what a preview showed, sent back with Confirm: if the preview computed again differs
    (someone recorded or changed something meanwhile), Confirm shows the new preview instead of writing."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
