"""Limits hold in the served app (issue 11 §6): across gunicorn workers, and behind the README's proxy.

Django's test client runs one process, so it cannot show that two workers share one budget, nor what
X-Forwarded-For looks like once a proxy has appended to it: these tests talk to gunicorn (`tests/served.py`).
"""

import http.client
import http.server
import json
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from tests.served import served

SIGN_UP_PASSWORD = "a long enough passphrase 42"
PASSWORD = "x-Long-Passw0rd"

MAKE_USERS = f"""
from doubtfire.models import Role, User
for name in ("cconvenor", "ttutor"):
    User.objects.create_user(username=name, email=name + "@example.edu", password={PASSWORD!r}, role=Role.CONVENOR)
"""


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
    with served(tmp_path, setup=MAKE_USERS, SIGN_UP_RATE="5/hour") as port:
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


# --- The README's proxy recipe ----------------------------------------------------------------------------


class _Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream_port: int):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream_port = upstream_port


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """What the README's nginx does: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` (append the
    connecting address to whatever the client sent) and `X-Forwarded-Proto https`."""

    HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name: value for name, value in self.headers.items() if name.lower() not in self.HOP_BY_HOP}
        sent = self.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{sent}, {self.client_address[0]}" if sent else self.client_address[0]
        headers["X-Forwarded-Proto"] = "https"
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=20)
        upstream.request("POST", self.path, body=body, headers={**headers, "Host": "teaching.example.edu"})
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in self.HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@contextmanager
def proxy_in_front_of(upstream_port: int):
    proxy = _Proxy(upstream_port)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy.server_address[1]
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(timeout=10)


PRODUCTION_BEHIND_ONE_PROXY = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "teaching.example.edu",
    "NUM_PROXIES": "1",
    "FORWARDED_ALLOW_IPS": "127.0.0.1",
    "SIGN_UP_RATE": "3/hour",
}


def test_behind_the_readme_proxy_limits_count_the_real_client(tmp_path):
    """Production settings, NUM_PROXIES=1, gunicorn reached only through the proxy. Two clients on different
    addresses (127.0.0.2 and 127.0.0.3) send forged X-Forwarded-For values; the proxy appends the address it
    saw. Throttles and lockouts count that appended address, so neither client escapes its own limit and
    neither can spend the other's."""
    with served(tmp_path, setup=MAKE_USERS, **PRODUCTION_BEHIND_ONE_PROXY) as port, proxy_in_front_of(port) as proxy:
        mallory, alice = "127.0.0.2", "127.0.0.3"
        # Sign-ups: Mallory rotates forged addresses, and even claims to be Alice.
        forged = [f"198.51.100.{n}" for n in range(5)] + [alice]
        mallory_statuses = [
            post_form(proxy, "/api_signup", sign_up_form(n), {"X-Forwarded-For": forged[n]}, source=mallory)[0]
            for n in range(6)
        ]
        alice_status = post_form(proxy, "/api_signup", sign_up_form(50), {"X-Forwarded-For": mallory}, source=alice)[0]

        # Lockout: five wrong passwords for cconvenor from Mallory, each with another forged address.
        wrong = [
            post_json(proxy, "/api/auth", {"username": "cconvenor", "password": f"wrong {n}"},
                      {"X-Forwarded-For": f"203.0.113.{n}"}, source=mallory)[0]
            for n in range(5)
        ]
        right = {"username": "cconvenor", "password": PASSWORD}
        mallory_locked = post_json(proxy, "/api/auth", right, {"X-Forwarded-For": "203.0.113.99"}, source=mallory)
        # The same account from Alice's address, and another account from Mallory's, still sign in.
        alice_signs_in = post_json(proxy, "/api/auth", right, source=alice)[0]
        colleague = post_json(proxy, "/api/auth", {"username": "ttutor", "password": PASSWORD}, source=mallory)[0]

    assert mallory_statuses == [200, 200, 200, 429, 429, 429]
    assert alice_status == 200
    assert wrong == [401, 401, 401, 401, 429]
    assert mallory_locked[0] == 429 and "error" in mallory_locked[1]
    assert alice_signs_in == 201
    assert colleague == 201
    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        recorded = database.execute("SELECT DISTINCT ip_address FROM axes_accessattempt").fetchall()
    assert recorded == [(mallory,)]
