"""Limits hold in the served app (issue 11 §6): across gunicorn workers.

Django's test client runs one process, so it cannot show that two workers share one budget, nor what
X-Forwarded-For looks like once a proxy has appended to it. These tests start gunicorn with the project's
gunicorn.conf.py on a free 127.0.0.1 port, against a temporary SQLite database migrated as `make run` does
(which creates the cache table), and stop it when done.
"""

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SIGN_UP_PASSWORD = "a long enough passphrase 42"
PASSWORD = "x-Long-Passw0rd"

MAKE_USERS = f"""
from doubtfire.models import Role, User
for name in ("cconvenor", "ttutor"):
    User.objects.create_user(username=name, email=name + "@example.edu", password={PASSWORD!r}, role=Role.CONVENOR)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait(timeout=10)
                pytest.fail("gunicorn did not start: " + log.read_text())
            time.sleep(0.2)


@contextmanager
def served(workdir: Path, **settings: str):
    """gunicorn on 127.0.0.1 with two workers and `settings` in its environment; yields (port, env)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": "test-only-key-for-the-served-app-0123456789",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
        "LOG_LEVEL": "ERROR",
        **settings,
    }
    env.pop("CACHE_URL", None)  # the default: the database cache
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    subprocess.run([*manage, "shell", "-v0", "-c", MAKE_USERS], env=env, cwd=ROOT, check=True, timeout=60)
    log_path = workdir / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            # Each access-log line names the worker (pid) that answered, and the status.
            [str(GUNICORN), "--config", "gunicorn.conf.py", "--access-logformat", "%(p)s %(s)s %(U)s", "doubtfire.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for_port(port, server, log_path)
            yield port, env
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def post_form(port, path, form, headers=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    body = urlencode(form)
    connection.request(
        "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    )
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload or b"{}")


def post_json(port, path, data, headers=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    connection.request("POST", path, body=json.dumps(data), headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload or b"{}")


def sign_up_form(n: int) -> dict:
    return {"name": f"Teacher {n}", "email": f"teacher{n}@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"}


def hold_a_worker(port: int) -> socket.socket:
    """Keeps one sync worker busy reading a request that never finishes, so the next requests go to the other."""
    holder = socket.create_connection(("127.0.0.1", port), timeout=5)
    holder.sendall(b"POST /api_signup HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)  # until a worker has accepted it
    return holder


def release(holder: socket.socket) -> None:
    holder.close()
    time.sleep(0.5)  # until that worker has seen the end and waits for work again


def answers_by_worker(access_log: Path, path: str) -> dict[str, list[int]]:
    by_worker: dict[str, list[int]] = {}
    for line in access_log.read_text().splitlines():
        pid, status, logged_path = line.split()
        if logged_path == path:
            by_worker.setdefault(pid, []).append(int(status))
    return by_worker


def test_two_workers_share_one_sign_up_budget(tmp_path):
    """Rate 5/hour, 12 sign-ups from one address, handed to both workers in turn: with a per-process cache
    each worker would allow 5 (8 answered 200); with the shared database cache the 6th is refused wherever
    it lands."""
    with served(tmp_path, SIGN_UP_RATE="5/hour") as (port, _):
        # The first 3 go to one worker while the other is held; the rest to the other worker.
        first = hold_a_worker(port)
        statuses = [post_form(port, "/api_signup", sign_up_form(n))[0] for n in range(3)]
        second = hold_a_worker(port)  # the worker that answered them: the only one free
        release(first)
        statuses += [post_form(port, "/api_signup", sign_up_form(n))[0] for n in range(3, 12)]
        release(second)
        refused = post_form(port, "/api_signup", sign_up_form(99))
    assert statuses == [200] * 5 + [429] * 7
    assert refused[0] == 429 and "error" in refused[1]
    by_worker = answers_by_worker(tmp_path / "access.log", "/api_signup")
    # Both workers answered sign-ups that counted: the budget was not one worker's.
    assert len(by_worker) == 2, by_worker
    assert all(200 in statuses for statuses in by_worker.values()), by_worker
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        assert database.execute("SELECT COUNT(*) FROM doubtfire_user WHERE email LIKE 'teacher%'").fetchone() == (5,)

