"""CORS in a real browser: a page on another origin signs in and calls the CSV API with `fetch()`, as
doubtfire-web does from `npm start` (http://localhost:4200 → the API on another port).

The page is served by a plain http.server on 127.0.0.1 at a port of its own; the API is the live server on
localhost: another host and another port, so Chromium applies every CORS rule (preflights for `Auth-Token` and
JSON bodies, Allow-Origin on every answer, only exposed response headers readable). Python asserts what the
page's script saw.
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connections

from dashboard.tests.conftest import CHROMIUM, CHROMIUM_ARGS
from doubtfire.models import AuthToken, Project, Role
from doubtfire.tests.factories import CampusFactory, TutorialFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "doubtfire"
PASSWORD = "correct horse battery staple"  # the factories' password

CLIENT_PAGE = b"""<!doctype html>
<title>A client on another origin</title>
<script>
// doubtfire-web's file-downloader.service.ts:41: how it names a download from Content-Disposition.
const FILENAME = /filename[^;=\\n]*=((['']).*?\\2|[^;\\n]*)/;
const ACCEPT = "application/json, text/plain, */*";

window.replay = async ({api, username, password, unitId, students}) => {
  const seen = {origin: location.origin};
  let answer = await fetch(api + "/api/auth", {
    method: "POST",
    headers: {"Content-Type": "application/json", "Accept": ACCEPT},
    body: JSON.stringify({username, password, remember: true}),
  });
  seen.signIn = {status: answer.status, body: await answer.json()};
  const auth = {"Auth-Token": seen.signIn.body.auth_token, "Username": username};

  const form = new FormData();
  form.append("file", new Blob([students], {type: "text/csv"}), "COS10001-Students.csv");
  answer = await fetch(api + "/api/csv/units/" + unitId, {method: "POST", headers: auth, body: form});
  seen.upload = {status: answer.status, body: await answer.json()};

  answer = await fetch(api + "/api/csv/units/" + unitId, {headers: {...auth, "Accept": ACCEPT}});
  const disposition = answer.headers.get("Content-Disposition");
  const match = FILENAME.exec(disposition || "");
  seen.download = {
    status: answer.status, disposition, filename: match && match[1], body: await answer.text(),
    contentType: answer.headers.get("Content-Type"),
  };

  answer = await fetch(api + "/api/csv/units/" + unitId, {headers: {"Auth-Token": "stale", "Username": username}});
  seen.stale = {status: answer.status, body: await answer.json()};
  return seen;
};

window.attempt = async (url, init) => {
  try {
    const answer = await fetch(url, init);
    return {status: answer.status};
  } catch (error) {
    return {failed: String(error)};
  }
};
</script>
"""


class ClientPage(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(CLIENT_PAGE)))
        self.end_headers()
        self.wfile.write(CLIENT_PAGE)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def client_origin():
    """The other origin: http://127.0.0.1:<port>/ serving CLIENT_PAGE."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ClientPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def tab(live_server, client_origin):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there otherwise.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{client_origin}/client.html")
            try:
                yield page
            finally:
                browser.close()
    finally:
        # Inside sync_playwright() the test body has a Django connection of its own; close it (PostgreSQL).
        connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def unit():
    unit = UnitFactory(code="COS10001")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(name="Burwood", abbreviation="B"))
    return unit


def test_a_page_on_another_origin_signs_in_uploads_downloads_and_reads_content_disposition(live_server, tab, unit):
    UserFactory(username="aadmin", role=Role.ADMIN)
    assert live_server.url.startswith("http://localhost:")
    seen = tab.evaluate(
        "(args) => window.replay(args)",
        {
            "api": live_server.url,
            "username": "aadmin",
            "password": PASSWORD,
            "unitId": unit.pk,
            "students": (FIXTURES / "COS10001-Students.csv").read_text(),
        },
    )
    assert seen["origin"].startswith("http://127.0.0.1:") and seen["origin"] != live_server.url

    assert seen["signIn"]["status"] == 201
    assert seen["signIn"]["body"]["user"]["system_role"] == "Admin"
    assert seen["signIn"]["body"]["auth_token"]

    assert seen["upload"]["status"] == 201
    assert [row["message"] for row in seen["upload"]["body"]["success"]]
    assert Project.objects.filter(unit=unit, user__username="test_csv_student").exists()

    assert seen["download"]["status"] == 200
    # Readable from JavaScript only because it is exposed (Access-Control-Expose-Headers).
    assert seen["download"]["disposition"] == "attachment; filename=COS10001-Students.csv"
    assert seen["download"]["filename"] == "COS10001-Students.csv"
    assert seen["download"]["contentType"] == "text/csv; charset=utf-8"
    assert "test_csv_student" in seen["download"]["body"]

    # An error the client must act on reaches the page with its status and sentence, not as a network error.
    assert seen["stale"]["status"] == 419
    assert seen["stale"]["body"] == {"error": "Could not authenticate with token. Username or Token invalid."}


def test_an_origin_that_is_not_allowed_gets_nothing_through(live_server, tab, settings):
    """The same page, once its origin is no longer allowed (as in production without CORS_ALLOWED_ORIGINS): the
    browser stops the sign-in at its preflight, so the password never reaches the server."""
    UserFactory(username="aadmin", role=Role.ADMIN)
    settings.CORS_ALLOWED_ORIGIN_REGEXES = []
    settings.CORS_ALLOWED_ORIGINS = []
    outcome = tab.evaluate(
        "([url, body]) => window.attempt(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body})",
        [f"{live_server.url}/api/auth", '{"username": "aadmin", "password": "%s", "remember": true}' % PASSWORD],
    )
    assert "failed" in outcome, outcome
    assert not AuthToken.objects.exists()
