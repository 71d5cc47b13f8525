"""`POST /api/csv/task_definitions`: 200 new task definitions into a unit without streams."""

from __future__ import annotations

from bench import datasets, faculty
from bench.context import expect
from bench.measure import Outcome, measure


def run(bench) -> list[Outcome]:
    count = bench.sizes.task_definition_import
    unit, _ = faculty.make_unit("BEN300", convenor=bench.admin, streams=None, tutors=2)
    data = datasets.task_definitions_csv(count)
    client = bench.doubtfire_client()

    def post():
        response = client.post("/api/csv/task_definitions", {"unit_id": str(unit.pk), "file": bench.upload("tasks.csv", data)})
        body = expect(response, 201).json()
        if len(body["success"]) != count:
            raise RuntimeError(f"expected {count} added, got {len(body['success'])}: {body['errors'][:2]}")

    outcome = Outcome("task definitions import", f"{count} definitions", count, target="≤ 0.5 s")
    measure(outcome, post, rollback_memory_pass=True)
    outcome.passed = outcome.seconds <= 0.5
    return [outcome]
