"""`POST /api/csv/users`: 20,000 new users, then the same file again (all existing).

Baseline, same run, same file: django-import-export's row-by-row `ModelResource` import (one SELECT and
one INSERT per row), the way the library imports when none of its bulk options are used. It runs inside
a transaction that is rolled back, so our import then starts from the same database.

One change to the library's defaults: its instance loader looks a row up with `username=<value>`, which
cannot use the case-insensitive unique index on lower(username), so every lookup scans the table and the
baseline turns quadratic (over 5 minutes for 20,000 rows here). The loader below looks up by
lower(username), one indexed SELECT per row, so the comparison is row-by-row against bulk, not against a
missing index.
"""

from __future__ import annotations

import tablib
from django.db.models.functions import Lower
from import_export import resources
from import_export.instance_loaders import ModelInstanceLoader

from bench import datasets
from bench.context import expect
from bench import measure as measure_module
from bench.measure import Outcome, counted, measure
from doubtfire.models import User


class IndexedUsernameLoader(ModelInstanceLoader):
    def get_instance(self, row):
        username = (self.resource.fields["username"].clean(row) or "").lower()
        return self.get_queryset().annotate(lowered=Lower("username")).filter(lowered=username).first()


class RowByRowUserResource(resources.ModelResource):
    class Meta:
        model = User
        fields = tuple(datasets.USERS_HEADER)
        import_id_fields = ("username",)
        instance_loader_class = IndexedUsernameLoader


def _baseline(data: bytes) -> tuple[float, int]:
    def run():
        dataset = tablib.Dataset().load(data.decode("utf-8"), format="csv")
        result = RowByRowUserResource().import_data(dataset, dry_run=False, raise_errors=True)
        if result.has_validation_errors() or result.totals["new"] != len(dataset):
            raise RuntimeError(f"baseline import went wrong: {dict(result.totals)}")

    seconds, queries, _ = counted(run, rollback=True)
    return seconds, queries, measure_module.last_cpu_seconds


def run(bench) -> list[Outcome]:
    count = bench.sizes.users
    data = datasets.users_csv(count)
    client = bench.doubtfire_client()

    def post():
        response = expect(client.post("/api/csv/users", {"file": bench.upload("users.csv", data)}), 201)
        return response.json()

    new = Outcome(
        "users import (new)",
        f"{count:,} rows",
        count,
        target="≥ 4,000 rows/s; ≥ 5× baseline",
        baseline="django-import-export ModelResource, row by row",
    )
    new.baseline_seconds, baseline_queries, baseline_cpu = _baseline(data)
    new.notes.append(f"baseline: {baseline_queries:,} queries, {baseline_cpu:.1f} s CPU")
    body = measure(new, post, rollback_memory_pass=True)
    if len(body["success"]) != count:
        raise RuntimeError(f"expected {count} successes, got {len(body['success'])} ({body['errors'][:2]})")
    new.ratio = new.seconds / new.baseline_seconds
    new.notes.append(f"{1 / new.ratio:.1f}× faster than the baseline ({baseline_cpu / new.cpu_seconds:.1f}× in CPU time)")
    new.passed = new.rows_per_second >= 4000 and new.ratio <= 1 / 5

    again = Outcome("users re-import (all existing)", f"{count:,} rows", count, target="≥ 10,000 rows/s")
    body = measure(again, post, rollback_memory_pass=True)
    if len(body["ignored"]) != count:
        raise RuntimeError(f"expected {count} ignored, got {len(body['ignored'])}")
    again.passed = again.rows_per_second >= 10_000
    return [new, again]
