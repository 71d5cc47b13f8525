"""HTTP under load: gunicorn (the project's config, 2 workers) serving `GET /api/csv/units/{id}` for the
2,000-student unit to 16 concurrent clients for 20 s, all on 127.0.0.1.

The server, the clients and their bounded loop are `bench.load`'s, shared with the mixed load case.
"""

from __future__ import annotations

from bench.load import drive, error_notes, gunicorn, load_outcome, request
from bench.measure import Outcome


def run(bench) -> list[Outcome]:
    unit = bench.shared["big_unit"]
    seconds, clients = bench.sizes.load_seconds, bench.sizes.load_clients
    path = f"/api/csv/units/{unit.pk}"
    # Doubtfire's header spelling, underscore included (the gunicorn config keeps it).
    headers = {"Username": bench.admin.username, "Auth_Token": bench.token, "Accept": "text/csv"}

    def download(client: int, sequence: int) -> tuple[str, str | None]:
        status, body = request(port, "GET", path, headers)
        return "GET students CSV", None if status == 200 and body else f"HTTP {status}"

    with gunicorn(path, headers) as port:
        result = drive(clients, seconds, download)
    outcome = load_outcome(
        "HTTP load: GET /api/csv/units/{id}",
        f"gunicorn 2 workers, {clients} clients, {seconds:.0f} s, {bench.sizes.enrol:,} students",
        result,
        "0 errors",
    )
    outcome.notes += error_notes(result)
    outcome.passed = not result.errors and outcome.rows > 0
    return [outcome]
