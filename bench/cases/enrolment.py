"""`POST /api/csv/units/{id}`: enrol 2,000 new students into a unit with 2 streams and 40 tutorials.

The same upload of a tenth of the students into an identical unit shows whether the number of
queries depends on the number of rows. Reads (SELECT) must not; on SQLite a bulk INSERT holds at most
999 parameters, so write statements grow by one per batch by design and are reported apart.
"""

from __future__ import annotations

from bench import datasets, faculty
from bench.context import expect
from bench import measure as measure_module
from bench.measure import Outcome, peak_memory, timed

STREAMS = {"Prac": 20, "Wrk": 20}


def _statements(run) -> tuple[float, int, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        seconds, _, value = timed(run)
    reads = sum(1 for query in captured.captured_queries if query["sql"].lstrip().upper().startswith("SELECT"))
    return seconds, reads, len(captured) - reads, value


def _enrol(bench, code: str, count: int, prefix: str, outcome: Outcome | None):
    unit, layout = faculty.make_unit(code, convenor=bench.admin, streams=STREAMS, tutors=40)
    data = datasets.enrolment_csv(unit.code, count, streams=layout, prefix=prefix)
    client = bench.doubtfire_client()

    def post():
        response = expect(client.post(f"/api/csv/units/{unit.pk}", {"file": bench.upload("students.csv", data)}), 201)
        body = response.json()
        if len(body["success"]) != count:
            raise RuntimeError(f"expected {count} enrolled, got {len(body['success'])}: {body['errors'][:2]}")
        return body

    if outcome is not None:
        outcome.peak_mib = peak_memory(post, rollback=True)
    seconds, reads, writes, _ = _statements(post)
    if outcome is not None:
        outcome.seconds, outcome.queries = seconds, reads + writes
        outcome.cpu_seconds = measure_module.last_cpu_seconds
    return unit, reads, writes


def run(bench) -> list[Outcome]:
    count, small = bench.sizes.enrol, bench.sizes.enrol_small
    outcome = Outcome(
        "enrol students CSV",
        f"{count:,} new students, 2 streams, 40 tutorials",
        count,
        target="≤ 2.0 s; queries independent of rows",
    )
    # The small unit first: the big one is then the last thing enrolled, as later cases expect.
    small_unit, small_reads, small_writes = _enrol(bench, "BEN200", small, "s", None)
    unit, reads, writes = _enrol(bench, "BEN100", count, "e", outcome)
    outcome.notes.append(
        f"{count:,} rows: {reads} reads + {writes} writes; {small:,} rows: {small_reads} reads + {small_writes} writes"
    )
    outcome.passed = outcome.seconds <= 2.0 and reads == small_reads
    bench.shared["big_unit"] = unit
    bench.shared["small_unit"] = small_unit
    return [outcome]
