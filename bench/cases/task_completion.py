"""`GET /api/csv/units/{id}/task_completion`: 2,000 students × 50 tasks (100,000 tasks).

Streaming is checked by measuring peak memory at a second size (the 200-student unit, same 50 tasks):
a streamed export's peak should not grow in proportion to the rows.
"""

from __future__ import annotations

from bench import faculty
from bench.cases.downloads import measure_download
from bench.measure import Outcome


def run(bench) -> list[Outcome]:
    unit, small = bench.shared["big_unit"], bench.shared["small_unit"]
    per_student = bench.sizes.task_definitions_per_unit
    tasks = faculty.add_tasks(unit, per_student)
    small_tasks = faculty.add_tasks(small, per_student)
    outcome = Outcome(
        "task completion CSV download",
        f"{bench.sizes.enrol:,} students × {per_student} tasks",
        tasks,
        target="≤ 1.5 s, ≤ 10 queries, streamed",
    )
    measure_download(bench, outcome, f"/api/csv/units/{unit.pk}/task_completion")
    small_outcome = Outcome("task completion (small)", "", small_tasks)
    measure_download(bench, small_outcome, f"/api/csv/units/{small.pk}/task_completion")
    growth = outcome.peak_mib / small_outcome.peak_mib
    row_growth = tasks / small_tasks
    outcome.notes.append(
        f"{small_tasks:,} tasks: {small_outcome.seconds:.3f} s, {small_outcome.queries} queries, "
        f"peak {small_outcome.peak_mib:.1f} MiB → peak grows {growth:.1f}× for {row_growth:.0f}× the rows"
    )
    # "Streamed" read as: peak memory grows less than half as fast as the rows do.
    streamed = growth < row_growth / 2
    outcome.passed = (
        outcome.seconds <= 1.5 and outcome.queries <= 10 and small_outcome.queries == outcome.queries and streamed
    )
    bench.shared["tasks"] = tasks
    return [outcome]
