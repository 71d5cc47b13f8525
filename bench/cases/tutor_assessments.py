"""`GET /api/csv/units/{id}/tutor_assessments`: 200,000 assessments by 40 tutors, counted in SQL."""

from __future__ import annotations

from bench import faculty
from bench.cases.downloads import measure_download
from bench.measure import Outcome


def run(bench) -> list[Outcome]:
    unit = bench.shared["big_unit"]
    count = faculty.add_assessments(unit, bench.sizes.assessments)
    outcome = Outcome("tutor assessments CSV download", f"{count:,} assessments", count, target="≤ 0.5 s, ≤ 5 queries")
    measure_download(bench, outcome, f"/api/csv/units/{unit.pk}/tutor_assessments")
    outcome.passed = outcome.seconds <= 0.5 and outcome.queries <= 5
    return [outcome]
