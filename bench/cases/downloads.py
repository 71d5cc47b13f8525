"""The measuring of one CSV download through the test client, body consumed to the end."""

from __future__ import annotations

from bench.context import consume, expect
from bench.measure import Outcome, measure


def measure_download(bench, outcome: Outcome, path: str, *, method: str = "get", data: dict | None = None, client=None) -> int:
    """Fill `outcome` for `path`; returns the body size in bytes."""
    client = client or bench.doubtfire_client()

    def fetch():
        response = expect(getattr(client, method)(path, data or {}), 200)
        return consume(response)

    size = measure(outcome, fetch, rollback_memory_pass=False)
    outcome.notes.append(f"{size / 1024:,.0f} KiB")
    return size


def queries_of(bench, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = bench.doubtfire_client()
    with CaptureQueriesContext(connection) as captured:
        consume(expect(client.get(path), 200))
    return len(captured)
