"""`GET /api/csv/units/{id}`: the students CSV of the 2,000 students just enrolled (2 streams)."""

from __future__ import annotations

from bench.cases.downloads import measure_download, queries_of
from bench.measure import Outcome


def run(bench) -> list[Outcome]:
    unit, small = bench.shared["big_unit"], bench.shared["small_unit"]
    count = bench.sizes.enrol
    outcome = Outcome("students CSV download", f"{count:,} enrolled", count, target="≤ 0.3 s, ≤ 6 queries")
    measure_download(bench, outcome, f"/api/csv/units/{unit.pk}")
    small_queries = queries_of(bench, f"/api/csv/units/{small.pk}")
    outcome.notes.append(f"{bench.sizes.enrol_small:,} enrolled: {small_queries} queries")
    outcome.passed = outcome.seconds <= 0.3 and outcome.queries <= 6 and small_queries == outcome.queries
    return [outcome]
