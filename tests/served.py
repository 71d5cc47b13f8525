"""The app served as `make run` serves it, for tests that need real processes: gunicorn with the project's
gunicorn.conf.py and two workers, on a free 127.0.0.1 port, against a temporary SQLite database that
`manage.py migrate` prepared (which also creates the cache table). Stopped when the `with` block ends.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
TEST_SECRET_KEY = "test-only-key-for-the-served-app-0123456789"


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
def served(workdir: Path, *, setup: str = "", **settings: str | None):
    """Yields the port. `settings` are environment variables (None removes one); `setup` is Python run by
    `manage.py shell` after migrating. Each access-log line (workdir/access.log) is `<pid> <status> <path>`."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": TEST_SECRET_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
        "LOG_LEVEL": "ERROR",
        "CACHE_URL": None,  # the default: the database cache
        "JOB_WORKERS": "0",  # no background job worker unless a test asks for one
        **settings,
    }
    env = {name: value for name, value in env.items() if value is not None}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True, timeout=120)
    if setup:
        subprocess.run([*manage, "shell", "-v0", "-c", setup], env=env, cwd=ROOT, check=True, timeout=60)
    log_path = workdir / "server.log"
    with open(log_path, "a") as log:
        server = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py", "--access-logformat", "%(p)s %(s)s %(U)s", "doubtfire.wsgi"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for_port(port, server, log_path)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
