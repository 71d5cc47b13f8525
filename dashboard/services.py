"""Writes of the dashboard itself: the progress rows that a page polls while its upload is imported.

The imports are the shared services of `doubtfire.services` and `attendance.services`; they take an optional
`progress(stage, done, total)` callback. `ProgressReport` is that callback for the dashboard: it writes
the numbers to an `ImportProgress` row that any gunicorn worker can read.
"""

from __future__ import annotations

import datetime
import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from dashboard.models import ImportProgress

logger = logging.getLogger(__name__)

# A progress row matters only while its upload runs; rows older than this are removed as new ones start.
PROGRESS_KEPT_FOR = datetime.timedelta(days=1)


def start_import_progress(*, owner) -> ImportProgress:
    """A new progress row of ``owner`` (stage "waiting"), removing everyone's rows older than a day.

    Two queries: the clean-up delete and the insert.
    """
    with transaction.atomic():
        ImportProgress.objects.filter(created_at__lt=timezone.now() - PROGRESS_KEPT_FOR).delete()
        return ImportProgress.objects.create(owner=owner)


class ProgressReport:
    """`report(stage, done, total)` writes one upload's progress to its ImportProgress row.

    The services call it inside their own transaction. A write through the request's connection would stay
    invisible to the worker answering the page's polls until the import commits, so inside a transaction
    the row is written through a second connection of its own, in autocommit; outside one (before and
    after the import) through the request's connection.

    SQLite lets one connection write at a time, and the import's transaction holds that lock from its
    start (the settings ask for IMMEDIATE transactions). There the reports made inside the import are
    skipped rather than waited for, so the page sees the stages before and after the import but not the
    batches within it. Progress is advice: a failed write is logged and never fails the import.

    Without a row (the page did not ask for progress) every call does nothing and `callback` is None, so
    the services run exactly as they do for the API. Use it as a context manager: the second connection,
    if one was opened, is closed at the end. One UPDATE per call, at most.
    """

    def __init__(self, progress: ImportProgress | None, *, counting: str = ImportProgress.Counting.ROWS):
        self.pk = progress.pk if progress is not None else None
        self.counting = counting
        self._aside = None

    @property
    def callback(self):
        """What to pass to a service as `progress`: this report, or None when nobody is watching."""
        return self if self.pk is not None else None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self.pk is None:
            return
        values = {
            "stage": stage,
            "counting": self.counting,
            "rows_done": done,
            "rows_total": total,
            "updated_at": timezone.now(),
        }
        try:
            if not connection.in_atomic_block:
                ImportProgress.objects.filter(pk=self.pk).update(**values)
            elif connection.vendor != "sqlite":
                self._write_aside(values)
        except DatabaseError as error:
            logger.warning("Upload progress %s not saved: %s", self.pk, error)

    def _write_aside(self, values: dict) -> None:
        if self._aside is None:
            self._aside = connections.create_connection(DEFAULT_DB_ALIAS)
        aside = self._aside
        meta = ImportProgress._meta
        quote = aside.ops.quote_name
        fields = [meta.get_field(name) for name in values]
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        params = [field.get_db_prep_save(values[field.name], connection=aside) for field in fields]
        params.append(meta.pk.get_db_prep_value(self.pk, connection=aside))
        with aside.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", params
            )

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()
            self._aside = None

    def __enter__(self) -> ProgressReport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
