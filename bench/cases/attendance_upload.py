"""`POST /upload_attendance` end to end: one 50,000-event Teams log for a course of 1,000 students.

The course and roster are created through `POST /add_course` first (setup, not timed).
"""

from __future__ import annotations

from bench import datasets
from bench.cases.teams_log import DATE
from bench.context import expect
from bench.measure import Outcome, measure


def run(bench) -> list[Outcome]:
    students = datasets.roster(bench.sizes.roster)
    log = datasets.teams_legacy_log([name for _, name in students], bench.sizes.teams_events, date=DATE)
    client = bench.attendance_client()
    expect(
        client.post(
            "/add_course",
            {
                "course_id": "CS501",
                "course_name": "Upload benchmark",
                "batch": "2021",
                "file": bench.upload("roster.csv", datasets.roster_csv(students)),
            },
        ),
        200,
    )

    def upload():
        response = client.post(
            "/upload_attendance", {"course_id": "CS501", "batch": "2021", "file": bench.upload("Attendance.csv", log)}
        )
        body = expect(response, 200).json()
        day = body["summary"][f"{DATE:%Y-%m-%d}"]
        if day["present"] + day["absent"] != len(students):
            raise RuntimeError(f"unexpected summary {day}")

    outcome = Outcome(
        "attendance upload end to end",
        f"{len(students):,}-student roster, {bench.sizes.teams_events:,}-event file",
        bench.sizes.teams_events,
        target="≤ 2.0 s",
    )
    measure(outcome, upload, rollback_memory_pass=True)
    outcome.passed = outcome.seconds <= 2.0
    return [outcome]
