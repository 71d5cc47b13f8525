"""How a case is measured: wall time, database queries and peak Python memory, in two passes.

tracemalloc slows Python code two- to three-fold, so the time is taken on a pass without it and the peak
memory on a separate pass (run first, which also warms caches). A pass that writes can run inside a
transaction that is rolled back, so the timed pass sees the same database as the memory pass did.
"""

from __future__ import annotations

import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


@dataclass
class Outcome:
    """One row of the table."""

    case: str
    size: str
    rows: int
    seconds: float | None = None
    cpu_seconds: float | None = None  # CPU time of this process in the timed pass (robust when the machine is busy)
    queries: int | None = None
    peak_mib: float | None = None
    target: str = ""
    passed: bool | None = None
    baseline: str | None = None
    baseline_seconds: float | None = None
    ratio: float | None = None  # our time / baseline time: 0.2 = five times faster, 10 = ten times slower
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    load: dict | None = None  # requests, errors, req_per_s, p50_ms, p99_ms of the HTTP load case

    @property
    def rows_per_second(self) -> float | None:
        if not self.seconds or not self.rows:
            return None
        return self.rows / self.seconds

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rows_per_second"] = self.rows_per_second
        return data


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def peak_memory(run, *, rollback: bool) -> float:
    """Peak traced allocation of `run()` in MiB (Python objects only, not the database's own memory)."""
    tracemalloc.start()
    try:
        if rollback:
            with rolled_back():
                run()
        else:
            run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


last_cpu_seconds: float | None = None  # of the latest `timed` pass


def _clocked(run, rollback: bool) -> tuple[float, object]:
    """(wall seconds, value of run()) for one pass; sets `last_cpu_seconds`."""
    global last_cpu_seconds
    cpu = time.process_time()
    start = time.perf_counter()
    if rollback:
        with rolled_back():
            value = run()
    else:
        value = run()
    seconds = time.perf_counter() - start
    last_cpu_seconds = time.process_time() - cpu
    return seconds, value


def timed(run, *, rollback: bool = False) -> tuple[float, int, object]:
    """(seconds, queries, value of run()) for one pass, queries counted with CaptureQueriesContext.

    The query log of CaptureQueriesContext holds at most 9,000 entries; cases that may run more use
    `counted` instead.
    """
    with CaptureQueriesContext(connection) as captured:
        seconds, value = _clocked(run, rollback)
    return seconds, len(captured), value


def counted(run, *, rollback: bool = False) -> tuple[float, int, object]:
    """Like `timed`, but counts statements with an execute wrapper (cheap, unbounded)."""
    count = 0

    def wrapper(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        seconds, value = _clocked(run, rollback)
    return seconds, count, value


def measure(outcome: Outcome, run, *, rollback_memory_pass: bool, memory: bool = True, rollback_timed: bool = False):
    """Fill seconds, queries and peak memory of `outcome` from `run`; returns run()'s value of the timed pass."""
    if memory:
        outcome.peak_mib = peak_memory(run, rollback=rollback_memory_pass)
    outcome.seconds, outcome.queries, value = timed(run, rollback=rollback_timed)
    outcome.cpu_seconds = last_cpu_seconds
    return value
