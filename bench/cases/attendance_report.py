"""`POST /download_attendance`: the reports of 1,000 students × 60 sessions with statuses (Present, Late,
Excused, Absent) and 14 planned classes still to come, so every added column is there: the figures,
Remaining and Needed, and the Late and Excused notes. Complete as CSV and as XLSX, defaulters, at risk, and
one student's report."""

from __future__ import annotations

import datetime

from bench import datasets, faculty
from bench.cases.downloads import measure_download
from bench.measure import Outcome

TO_COME = 14  # planned classes after the last session


def run(bench) -> list[Outcome]:
    students, dates = bench.sizes.report_students, bench.sizes.report_dates
    roster = datasets.roster(students, seed=6)
    faculty.make_course_with_attendance(bench.admin, roster, dates, planned=TO_COME)
    # The day after the last session (sessions are daily from 2021-02-01): every later planned class remains.
    as_of = f"{datetime.date(2021, 2, 1) + datetime.timedelta(days=dates):%Y-%m-%d}"
    client = bench.attendance_client()
    cases = [
        ("complete attendance report CSV", {"report_type": "1", "report_format": "0"}, students * dates, 0.5),
        ("complete attendance report XLSX", {"report_type": "1", "report_format": "1"}, students * dates, 3.0),
        ("defaulter report CSV", {"report_type": "0", "report_format": "0"}, students * dates, 0.5),
        ("at-risk report CSV", {"report_type": "2", "report_format": "0"}, students * dates, 0.5),
        ("one student's report CSV", {"report_type": "3", "report_format": "0", "roll": roster[0][0]}, dates, 0.2),
    ]
    outcomes = []
    for label, fields, rows, limit in cases:
        size = f"{students:,} students × {dates} sessions" if rows != dates else f"{dates} sessions of 1 of {students:,}"
        outcome = Outcome(label, size, rows, target=f"≤ {limit} s")
        measure_download(
            bench,
            outcome,
            "/download_attendance",
            method="post",
            data={"down-course": "CS402-2021", "as_of": as_of, **fields},
            client=client,
        )
        outcome.passed = outcome.seconds <= limit
        outcomes.append(outcome)
    return outcomes
