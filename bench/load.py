"""What the HTTP load cases share: the project's gunicorn on a free port of 127.0.0.1, requests made with
http.client, multipart bodies, and a bounded loop of concurrent clients that times every request.

Clients are threads, one connection per request (gunicorn's sync workers close each connection). The
loop is bounded: no request starts after the deadline, and each has a 30 s timeout, so a stuck server
shows up as errors rather than as a benchmark that never ends.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import Outcome

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, bytes]:
    """(status, body) of one request on a fresh connection; OSError (timeouts included) on failure."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """(body, Content-Type) of a multipart/form-data form: `files` maps a field to (file name, bytes)."""
    boundary = "bench-" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts += [head.encode(), data, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@contextmanager
def gunicorn(ready_path: str, ready_headers: dict, *, workers: int = 2):
    """Run the project's gunicorn (gunicorn.conf.py, sync workers) and yield its port once `ready_path`
    answers 200 and every worker has served a few requests; stopped (and its log removed) on exit."""
    port = _free_port()
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(workers), GUNICORN_THREADS="1")
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
        _wait_until_serving(port, ready_path, ready_headers, server, log)
        for _ in range(2 * workers):  # every worker imports and connects before the clock starts
            request(port, "GET", ready_path, ready_headers)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.unlink(missing_ok=True)


def _wait_until_serving(port: int, path: str, headers: dict, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}: {log.read_text()[-800:]}")
        try:
            status, _ = request(port, "GET", path, headers)
            if status == 200:
                return
            raise RuntimeError(f"gunicorn answered {status} to the warm-up request")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving within 60 s")


@dataclass
class LoadResult:
    """Latencies of the requests that went right, by kind, and a line for each one that did not."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    def summary(self, kind: str | None = None) -> dict:
        """requests, req_per_s, p50_ms and p99_ms of one kind, or of all kinds together."""
        values = self.latencies.get(kind, []) if kind else [v for values in self.latencies.values() for v in values]
        ordered = sorted(values)
        if not ordered:  # None rather than NaN, which is not JSON
            return {"requests": 0, "req_per_s": 0.0, "p50_ms": None, "p99_ms": None}
        return {
            "requests": len(ordered),
            "req_per_s": len(ordered) / self.seconds if self.seconds else 0.0,
            "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        }


def drive(clients: int, seconds: float, step) -> LoadResult:
    """Run `clients` threads for `seconds`, each calling `step(client, sequence)` until the deadline.

    `sequence` is unique across all clients and requests (0, 1, 2, ...), so a step can make the rows it
    writes unique. `step` returns (kind, problem): problem None when the request went right, else a
    sentence. An exception it raises is an error too: OSError (refused or reset connection, timeout) of
    kind "connection", anything else (a body that is not what the route promises) of kind "client".
    """
    result = LoadResult()
    lock = threading.Lock()
    counter = iter(range(10**9))
    start = time.perf_counter()
    deadline = start + seconds

    def client(number: int):
        while time.perf_counter() < deadline:
            with lock:
                sequence = next(counter)
            began = time.perf_counter()
            try:
                kind, problem = step(number, sequence)
            except OSError as error:
                kind, problem = "connection", f"{error.__class__.__name__}: {error}"
            except Exception as error:  # noqa: BLE001 - a thread that died would hide the failure
                kind, problem = "client", f"{error.__class__.__name__}: {error}"
            elapsed = time.perf_counter() - began
            with lock:
                if problem:
                    result.errors.append(f"{kind}: {problem}")
                else:
                    result.latencies[kind].append(elapsed)

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 5)
    result.seconds = time.perf_counter() - start
    return result


def load_outcome(case: str, size: str, result: LoadResult, target: str) -> Outcome:
    """The table row of a load run: answered requests as its rows, its wall time, and in `load` (and a
    note) requests, errors, req/s, p50 and p99. The case adds its own checks and judges `passed`."""
    summary = result.summary()
    outcome = Outcome(case, size, summary["requests"], seconds=result.seconds, target=target)
    outcome.load = {
        "requests": summary["requests"],
        "errors": len(result.errors),
        "req_per_s": summary["req_per_s"],
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
    }
    outcome.notes.append(latency_note(summary, len(result.errors)))
    return outcome


def error_notes(result: LoadResult) -> list[str]:
    """Notes on what went wrong: errors by kind of request, and the first one in full."""
    if not result.errors:
        return []
    by_kind = Counter(error.split(":", 1)[0] for error in result.errors)
    return [
        "errors by kind: " + ", ".join(f"{kind} {count}" for kind, count in by_kind.items()),
        f"first error: {result.errors[0]}",
    ]


def latencies_text(summary: dict) -> str:
    if not summary["requests"]:
        return "no request answered"
    return f"p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms"


def latency_note(summary: dict, errors: int) -> str:
    return f"{summary['req_per_s']:.1f} req/s, {latencies_text(summary)}, {errors} errors"
