"""The served app, started the way `make run` starts it, receives Doubtfire's underscored `Auth_Token` header.

Django's test client cannot show this: the header is dropped (or not) by the WSGI server, so this test
launches gunicorn with the project's gunicorn.conf.py on a free 127.0.0.1 port and talks raw HTTP to it.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

MAKE_USER_AND_TOKEN = """
from doubtfire.models import Role, User
from doubtfire.services import issue_auth_token
user = User.objects.create_user(username="aadmin", email="aadmin@example.edu", password="x-Long-Passw0rd", role=Role.ADMIN)
print(issue_auth_token(user=user), issue_auth_token(user=user))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("served")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": "test-only-key-for-the-served-app-0123456789",
        "PORT": str(_free_port()),
        "WEB_CONCURRENCY": "1",
        "JOB_WORKERS": "0",
        "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    tokens = subprocess.run(
        [*manage, "shell", "-v0", "-c", MAKE_USER_AND_TOKEN], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen(
        [str(GUNICORN), "--config", "gunicorn.conf.py", "doubtfire.wsgi"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    port = int(env["PORT"])
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                pytest.fail("gunicorn did not start: " + (workdir / "server.log").read_text())
            time.sleep(0.2)
    yield port, tokens
    server.terminate()
    server.wait(timeout=10)
    log.close()


def _request(port, method, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, json.loads(body or b"{}")


def test_underscored_auth_token_header_reaches_the_app(served):
    port, (token, _) = served
    # Revoking needs a valid token: 200 proves gunicorn passed `Auth_Token` through.
    status, body = _request(port, "DELETE", "/api/auth", {"Username": "aadmin", "Auth_Token": token})
    assert status == 200, body
    # And the token is really gone: the same header now fails.
    status, body = _request(port, "DELETE", "/api/auth", {"Username": "aadmin", "Auth_Token": token})
    assert status == 401
    assert "error" in body


def test_header_names_are_case_insensitive(served):
    port, (_, token) = served
    status, body = _request(port, "DELETE", "/api/auth", {"username": "AADMIN", "auth_token": token})
    assert status == 200, body


def test_a_wrong_token_is_refused_with_a_sentence(served):
    port, _ = served
    status, body = _request(port, "DELETE", "/api/auth", {"Username": "aadmin", "Auth_Token": "not-a-token"})
    assert status == 401
    assert body["error"] == "Could not authenticate with token. Username or Token invalid."
