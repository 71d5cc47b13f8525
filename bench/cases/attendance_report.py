"""`POST /download_attendance`: the complete report of 1,000 students × 60 dates, as CSV and as XLSX."""

from __future__ import annotations

from bench import datasets, faculty
from bench.cases.downloads import measure_download
from bench.measure import Outcome


def run(bench) -> list[Outcome]:
    students, dates = bench.sizes.report_students, bench.sizes.report_dates
    faculty.make_course_with_attendance(bench.admin, datasets.roster(students, seed=6), dates)
    client = bench.attendance_client()
    outcomes = []
    for label, report_format, limit in (("CSV", "0", 0.5), ("XLSX", "1", 3.0)):
        outcome = Outcome(
            f"complete attendance report {label}",
            f"{students:,} students × {dates} dates",
            students * dates,
            target=f"≤ {limit} s",
        )
        measure_download(
            bench,
            outcome,
            "/download_attendance",
            method="post",
            data={"down-course": "CS402-2021", "report_type": "1", "report_format": report_format},
            client=client,
        )
        outcome.passed = outcome.seconds <= limit
        outcomes.append(outcome)
    return outcomes
