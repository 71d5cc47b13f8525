"""What a destructive action removed, kept for a few minutes so the teacher can undo it.

A deletion collects every row that would go with the object (Django's own deletion collector, so sessions,
records and whatever else hangs off a course come along without a list to keep up to date), serialises them,
deletes them, and keeps the serialised rows in a Deletion. Undo saves them again with their own ids, parents
first, in one transaction; if something has taken their place meanwhile (the same date recorded again), Undo
says so and changes nothing. Expired deletions are purged whenever a new one is made and after every
background job.
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.core import serializers
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from dashboard.models import Deletion

# Only rows of these apps are kept for Undo; anything else that goes with them (a course's waiting uploads)
# is transient and simply goes.
KEPT_APPS = {"attendance", "doubtfire"}


class UndoFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.UNDO_MINUTES)


def _rows_in_restore_order(collector: Collector) -> list:
    collector.sort()  # dependents before the rows they depend on: the deletion order
    kept = []
    for model, instances in reversed(list(collector.data.items())):
        if model._meta.app_label in KEPT_APPS:
            kept += sorted(instances, key=lambda instance: instance.pk)
    for queryset in collector.fast_deletes:  # rows nothing depends on, deleted by a plain query
        if queryset.model._meta.app_label in KEPT_APPS:
            kept += list(queryset.order_by("pk"))
    return kept


def delete_with_undo(*, owner, objects: list, kind: str, description: str, course=None, unit=None) -> Deletion:
    """Delete `objects` with everything that goes with them, keeping a copy for Undo. One transaction."""
    now = timezone.now()
    with transaction.atomic():
        collector = Collector(using=DEFAULT_DB_ALIAS)
        collector.collect(objects)
        rows = serializers.serialize("json", _rows_in_restore_order(collector))
        collector.delete()
        prune_expired()
        return Deletion.objects.create(
            owner=owner, kind=kind, description=description[:300], course=course, unit=unit,
            payload={"rows": json.loads(rows)}, created_at=now, expires_at=now + window(),
        )


def record_reversible_change(*, owner, kind: str, description: str, payload: dict, course=None, unit=None) -> Deletion:
    """Keep what Undo needs for an action that changes rows rather than removing them (a withdrawal)."""
    now = timezone.now()
    prune_expired()
    return Deletion.objects.create(owner=owner, kind=kind, description=description[:300], course=course, unit=unit,
                                   payload=payload, created_at=now, expires_at=now + window())


def undo(*, deletion: Deletion, restore_change=None) -> Deletion:
    """Put back what `deletion` removed (or reverse its change with `restore_change(payload)`), then forget it.

    Raises UndoFailed, changing nothing, when the undo window has passed or the rows cannot go back.
    """
    if deletion.expires_at < timezone.now():
        raise UndoFailed("It is too late to undo this: deletions can be undone for "
                         f"{settings.UNDO_MINUTES} minutes.")
    try:
        with transaction.atomic():
            if "rows" in deletion.payload:
                for restored in serializers.deserialize("json", json.dumps(deletion.payload["rows"])):
                    restored.save()
            elif restore_change is not None:
                restore_change(deletion.payload)
            deletion.delete()
    except (IntegrityError, DatabaseError, serializers.base.DeserializationError):
        raise UndoFailed(
            "This cannot be undone any more: something has taken its place since (for example the same date was "
            "recorded again, or the course was deleted). Nothing was changed."
        ) from None
    return deletion


def prune_expired() -> int:
    deleted, _ = Deletion.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
