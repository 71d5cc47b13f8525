"""HTTP under load: gunicorn (the project's config, 2 workers) serving `GET /api/csv/units/{id}` for the
2,000-student unit to 16 concurrent clients for 20 s, all on 127.0.0.1.

Clients are threads using http.client, one connection per request (gunicorn's sync workers close each
connection). The loop is bounded: no request starts after the deadline, and each has a 30 s timeout.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.measure import Outcome

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, headers: dict) -> tuple[int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def _wait_until_serving(port: int, path: str, headers: dict, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: {log.read_text()[-800:]}")
        try:
            status, _ = _get(port, path, headers)
            if status == 200:
                return
            raise RuntimeError(f"gunicorn answered {status} to the warm-up request")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving within 60 s")


def run(bench) -> list[Outcome]:
    unit = bench.shared["big_unit"]
    seconds, clients = bench.sizes.load_seconds, bench.sizes.load_clients
    path = f"/api/csv/units/{unit.pk}"
    # Doubtfire's header spelling, underscore included (the gunicorn config keeps it).
    headers = {"Username": bench.admin.username, "Auth_Token": bench.token, "Accept": "text/csv"}
    port = _free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="2", GUNICORN_THREADS="1")
    env["GUNICORN_ACCESS_LOG"] = os.devnull
    log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "doubtfire.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(port, path, headers, server, log)
        for _ in range(4):  # both workers import and connect before the clock starts
            _get(port, path, headers)
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = time.perf_counter()
        deadline = start + seconds

        def client():
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    status, size = _get(port, path, headers)
                    problem = None if status == 200 and size > 0 else f"HTTP {status}"
                except OSError as error:
                    problem = f"{error.__class__.__name__}: {error}"
                elapsed = time.perf_counter() - began
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        latencies.append(elapsed)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 35)
        duration = time.perf_counter() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    done = len(latencies)
    outcome = Outcome(
        "HTTP load: GET /api/csv/units/{id}",
        f"gunicorn 2 workers, {clients} clients, {seconds:.0f} s, {bench.sizes.enrol:,} students",
        done,
        seconds=duration,
        target="0 errors",
    )
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")
    outcome.load = {"requests": done, "errors": len(errors), "req_per_s": done / duration, "p50_ms": p50 * 1000, "p99_ms": p99 * 1000}
    outcome.notes.append(f"{done / duration:.1f} req/s, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, {len(errors)} errors")
    if errors:
        outcome.notes.append(f"first error: {errors[0]}")
    outcome.passed = not errors and done > 0
    log.unlink(missing_ok=True)
    return [outcome]
