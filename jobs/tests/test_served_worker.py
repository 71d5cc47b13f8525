"""`make run`'s wiring: gunicorn starts a background job worker beside itself (gunicorn.conf.py), the worker runs
what the web workers queued, and stops with gunicorn."""

import http.client
import json
import time
import uuid

import pytest

from tests.served import served

MAKE_CONVENOR = """
from doubtfire.models import Role, Tutorial, Unit, UnitRole, User, Campus
from doubtfire.services import issue_auth_token
import datetime
user = User.objects.create_user(username="conv", email="conv@example.edu", password="x-Long-Passw0rd", role=Role.CONVENOR)
unit = Unit.objects.create(code="COS10001", name="Intro", start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 6, 5))
campus = Campus.objects.create(name="Burwood", abbreviation="B")
Tutorial.objects.create(unit=unit, abbreviation="LA1-01", campus=campus)
UnitRole.objects.create(user=user, unit=unit, role="Convenor")
print(issue_auth_token(user=user), unit.pk)
"""


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def request(port, method, path, *, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data or b"null")


@pytest.mark.django_db(transaction=True)
def test_gunicorn_starts_a_job_worker_that_runs_queued_work(tmp_path):
    import subprocess
    import sys

    from tests.served import ROOT

    workdir = tmp_path
    with served(workdir, setup="", JOB_WORKERS="1", WEB_CONCURRENCY="1") as port:
        env_setup = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", MAKE_CONVENOR],
            env={**__import__("os").environ, "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
                 "SECRET_KEY": "test-only-key-for-the-served-app-0123456789"},
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        token, unit_id = env_setup.stdout.split()
        rows = "".join(f"COS10001,s{n:03d},s{n:03d}@uni.edu,F,L,LA1-01\n" for n in range(50))
        body, content_type = multipart({}, {"file": ("s.csv", ("unit_code,username,email,first_name,last_name,tutorial\n" + rows).encode())})
        headers = {"Username": "conv", "Auth-Token": token, "Prefer": "respond-async", "Content-Type": content_type}
        status, job = request(port, "POST", f"/api/csv/units/{unit_id}", body=body, headers=headers)
        assert status == 202, job
        deadline = time.monotonic() + 60
        while True:
            status, state = request(port, "GET", f"/api/sidekiq/{job['id']}", headers={"Username": "conv", "Auth-Token": token})
            assert status == 200
            if state["status"] in ("complete", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert state["status"] == "complete", state
        assert len(json.loads(state["result"])["success"]) == 50
