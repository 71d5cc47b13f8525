"""Doubtfire's own web client (doubtfire-web 8.0.x, "W8"), replayed call by call through HTTP.

Every request is made as the client makes it from `npm start` on http://localhost:4200 against this server: the
same method, path, headers and body encoding (reference `doubtfire-web-client.md`, file:line cited per call),
sent cross-origin as Chromium sends it: a preflight `OPTIONS` first whenever the request is not a CORS "simple"
one (a header such as `Auth-Token`, a JSON body), checked as the browser checks it, then the request with its
`Origin`, whose answer must carry `Access-Control-Allow-Origin` or the page would see status 0.

The contract's rows and where each is replayed:

| row (reference)                                         | here |
|---------------------------------------------------------|------|
| §1.2 GET /api/settings, /api/auth/signout_url, /api/auth/method | `test_a_session_of_doubtfire_web`, start |
| §1.3 POST /api/auth {username, password, remember: true}  | sign in; also a wrong password (401 `error`) |
| §1.1 `Auth-Token` + `Username` (Angular), `Auth_Token` (AngularJS) | every call after sign-in; legacy download |
| §4 POST/GET /csv/users, POST/GET /csv/units/:id, POST /withdraw, GET task_completion.json, tutor_assessments.json, GET /csv/task_definitions?unit_id= | the session, in the client's encodings |
| §4 POST /csv/task_definitions?unit_id= (unit_id in the query only) | `test_task_definitions_upload_with_unit_id_in_the_query_only` |
| §1.5 PUT /api/users/:id {user: {...}}                      | the profile form, in the session |
| §1.3 PUT /api/auth (hourly refresh)                        | the session: old token dead, new alive |
| §1.3 DELETE /api/auth                                      | the session's end |
| §1.3 any authenticated route → 419                         | `test_an_expired_token_is_419_...`, and the dead tokens above |

Not replayed: the SAML/AAF legs of §1.3 (sign-in here is by password: /api/auth/method says so), §1.4 (the
newest client's cookie refresh), §3 (jobs), GET /units/:id/grades and the other non-CSV-API routes of §4.
"""

import json
import re
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from doubtfire.models import AuthToken, Project, Role, TaskDefinition, UnitRole, User
from doubtfire.tests.factories import (
    CampusFactory,
    TutorialFactory,
    UnitFactory,
    UnitRoleFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:4200"
PASSWORD = "correct horse battery staple"  # the factories' password
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "doubtfire"
# Angular's HttpClient sends this Accept unless told otherwise; AngularJS's $http too.
ANGULAR_ACCEPT = "application/json, text/plain, */*"
# W8 src/app/common/file-downloader/file-downloader.service.ts:41-48, the regex that names a downloaded file.
W8_FILENAME = re.compile(r"filename[^;=\n]*=((['']).*?\2|[^;\n]*)")
# What a request may carry and still be "simple" (Fetch standard, CORS-safelisted request headers).
SAFELISTED = {"accept", "accept-language", "content-language"}
SIMPLE_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


class CrossOriginBrowser:
    """Sends requests as Chromium does from a page on ORIGIN, and keeps what the page could read."""

    def __init__(self):
        self.client = APIClient()
        self.preflights = []

    def request(self, method, path, *, headers=None, body=b"", content_type=None):
        headers = dict(headers or {})
        media = (content_type or "").split(";")[0].strip().lower()
        unsafe = sorted(name.lower() for name in headers if name.lower() not in SAFELISTED)
        if content_type and media not in SIMPLE_CONTENT_TYPES:
            unsafe = sorted({*unsafe, "content-type"})
        if method not in ("GET", "HEAD", "POST") or unsafe:
            self.preflight(method, path, unsafe)
        response = self.client.generic(
            method, path, body, content_type or "application/octet-stream", headers={"Origin": ORIGIN, **headers}
        )
        assert response.status_code != 500
        # Without this the page sees a network error (status 0), whatever the server said.
        assert response.get("Access-Control-Allow-Origin") == ORIGIN, (method, path, response.status_code)
        assert "Access-Control-Allow-Credentials" not in response
        return response

    def preflight(self, method, path, unsafe_headers):
        request_headers = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
        if unsafe_headers:
            request_headers["Access-Control-Request-Headers"] = ",".join(unsafe_headers)
        answer = self.client.options(path, headers=request_headers)
        # Answered before authentication: never the 419/401 a missing token gets.
        assert answer.status_code == 200, (method, path, answer.status_code, answer.content)
        assert answer["Access-Control-Allow-Origin"] == ORIGIN
        methods = {name.strip() for name in answer["Access-Control-Allow-Methods"].split(",")}
        allowed = {name.strip().lower() for name in answer["Access-Control-Allow-Headers"].split(",")}
        assert method in methods, (method, methods)
        assert set(unsafe_headers) <= allowed, (unsafe_headers, allowed)
        self.preflights.append((method, path))

    # --- the client's three ways of talking ------------------------------------------------------------------
    def angular(self, method, path, session=None, json_body=None):
        """Angular HttpClient: JSON bodies; `Auth-Token` + `Username` once signed in
        (W8 src/app/common/services/http-authentication.interceptor.ts:14-20)."""
        headers = {"Accept": ANGULAR_ACCEPT, **(session.headers if session else {})}
        if json_body is None:
            return self.request(method, path, headers=headers)
        body = _json(json_body)
        return self.request(method, path, headers=headers, body=body, content_type="application/json")

    def legacy_angularjs(self, method, path, session):
        """AngularJS $http: `Auth_Token` with an underscore (W8 src/app/sessions/auth/http-auth-injector.coffee:15-16)."""
        return self.request(
            method, path, headers={"Accept": ANGULAR_ACCEPT, "Auth_Token": session.token, "Username": session.username}
        )

    def upload(self, path, session, filename, content, *, angular=False):
        """A multipart `file` field as Chromium encodes FormData. The legacy uploader sets the auth headers on its
        XHR (W8 src/app/common/file-uploader/file-uploader.coffee:238-247,289-298); the newer drop zone posts
        through HttpClient (src/app/common/file-drop/file-drop.component.ts:79-81), so Angular's Accept too."""
        boundary = "----WebKitFormBoundary" + secrets.token_urlsafe(12).replace("-", "A").replace("_", "B")
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        headers = {**({"Accept": ANGULAR_ACCEPT} if angular else {}), **session.headers}
        return self.request("POST", path, headers=headers, body=body, content_type=f"multipart/form-data; boundary={boundary}")

    def download(self, path, session, default_name):
        """FileDownloaderService.downloadFile: GET as a blob, named from Content-Disposition when the page may read
        it, else `default_name` (W8 src/app/common/file-downloader/file-downloader.service.ts:16,34-48)."""
        response = self.angular("GET", path, session)
        assert response.status_code == 200, response.content
        exposed = {name.strip().lower() for name in response.get("Access-Control-Expose-Headers", "").split(",")}
        readable = response.get("Content-Disposition") if "content-disposition" in exposed else None
        match = W8_FILENAME.search(readable or "")
        name = match.group(1).replace("'", "") if match and match.group(1) else default_name
        return name, b"".join(response.streaming_content).decode("utf-8")


def _json(value):
    return json.dumps(value, separators=(",", ":")).encode()  # JSON.stringify's spacing


class Session:
    """What the client keeps after signing in (W8 authentication.service.ts:118-152)."""

    def __init__(self, body):
        self.user = body["user"]
        self.username = body["user"]["username"]
        self.token = body["auth_token"]

    @property
    def headers(self):
        return {"Auth-Token": self.token, "Username": self.username}


@pytest.fixture
def unit():
    """Upstream's factory unit, as the enrolment fixture expects it: COS10001, tutorial LA1-01 at campus B."""
    unit = UnitFactory(code="COS10001", name="Introduction to Programming")
    TutorialFactory(unit=unit, abbreviation="LA1-01", campus=CampusFactory(name="Burwood", abbreviation="B"))
    return unit


@pytest.fixture
def admin():
    return UserFactory(username="aadmin", first_name="Ada", role=Role.ADMIN)


def sign_in(browser, username, password=PASSWORD):
    """W8 sign-in.component.ts:125 (remember always true) → authentication.service.ts:118-152."""
    return browser.angular("POST", "/api/auth", json_body={"username": username, "password": password, "remember": True})


def test_a_session_of_doubtfire_web(admin, unit):
    browser = CrossOriginBrowser()

    # --- start-up, before anyone signs in: no interceptors, so no auth headers (doubtfire-constants.ts:47-60) ---
    settings = browser.angular("GET", "/api/settings")
    assert settings.status_code == 200
    assert settings.json() == {"externalName": "Teaching data", "overseerEnabled": False, "tiiEnabled": False}
    signout = browser.angular("GET", "/api/auth/signout_url")
    assert signout.json() == {"auth_signout_url": None}  # null: after DELETE the client goes to its own sign-in
    method = browser.angular("GET", "/api/auth/method")  # sign-in.component.ts:62-64
    assert method.json() == {"method": "database", "redirect_to": None}  # falsy redirect_to: show the form
    assert browser.preflights == []  # simple GETs: nothing to ask first

    # --- sign in ---------------------------------------------------------------------------------------------
    wrong = sign_in(browser, "aadmin", "not the password")
    assert wrong.status_code == 401
    assert isinstance(wrong.json()["error"], str)  # the sign-in page shows `error`
    signed_in = sign_in(browser, "aadmin")
    assert signed_in.status_code == 201
    body = signed_in.json()
    session = Session(body)
    assert body["user"]["system_role"] == "Admin"  # user.ts:34-36: staff screens and the admin menu
    assert body["user"]["id"] == admin.pk and body["user"]["first_name"] == "Ada"
    assert body["user"]["has_run_first_time_setup"] is True  # no detour to the welcome form
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", body["auth_token_expiry"])
    assert ("POST", "/api/auth") in browser.preflights  # JSON body: preflighted

    # --- users: the admin's users page (f-users.component.ts:48,69) -------------------------------------------
    name, csv = browser.download("/api/csv/users", session, "Users.csv")
    assert name == "doubtfire_users.csv"
    assert csv.splitlines()[0] == "email,first_name,last_name,username,nickname,role,student_id"
    uploaded = browser.upload(
        "/api/csv/users", session, "users.csv", (FIXTURES / "doubtfire_users.csv").read_bytes(), angular=True
    )
    assert uploaded.status_code == 201
    result = uploaded.json()
    assert set(result) == {"success", "ignored", "errors"} and result["success"]
    assert User.objects.filter(username="test_case").exists()

    # --- a unit's students (unit-students-editor.component.ts:115-150) ----------------------------------------
    enrolled = browser.upload(
        f"/api/csv/units/{unit.pk}", session, "COS10001-Students.csv", (FIXTURES / "COS10001-Students.csv").read_bytes()
    )
    assert enrolled.status_code == 201
    assert len(enrolled.json()["success"]) == 1  # `response.success.length > 0` refreshes the list
    assert Project.objects.filter(unit=unit, user__username="test_csv_student", enrolled=True).exists()
    name, csv = browser.download(f"/api/csv/units/{unit.pk}", session, "COS10001-students.csv")
    assert name == "COS10001-Students.csv"
    assert "test_csv_student" in csv
    withdrawn = browser.upload(
        f"/api/csv/units/{unit.pk}/withdraw", session, "withdraw.csv", b"unit_code,username\nCOS10001,test_csv_student\n"
    )
    assert withdrawn.status_code == 201
    assert len(withdrawn.json()["success"]) == 1
    assert not Project.objects.get(unit=unit, user__username="test_csv_student").enrolled

    # --- a unit's tasks and statistics (unit.ts:483-527) -------------------------------------------------------
    TaskDefinition.objects.create(
        unit=unit, name="Hello", abbreviation="1.1P", start_date=unit.start_date, target_date=unit.start_date
    )
    name, csv = browser.download(f"/api/csv/task_definitions?unit_id={unit.pk}", session, "x-all-task-definitions.csv")
    assert name == "COS10001-Tasks.csv"
    assert "1.1P" in csv
    name, _ = browser.download(f"/api/csv/units/{unit.pk}/task_completion.json", session, "x-task-completion.csv")
    assert name == "COS10001-TaskCompletion.csv"
    name, _ = browser.download(f"/api/csv/units/{unit.pk}/tutor_assessments.json", session, "x-tutor-assessments.csv")
    assert name == "COS10001-TutorAssessments.csv"

    # --- the legacy AngularJS half sends Auth_Token (http-auth-injector.coffee:15-16) --------------------------
    legacy = browser.legacy_angularjs("GET", f"/api/csv/units/{unit.pk}", session)
    assert legacy.status_code == 200
    assert legacy["Content-Disposition"] == "attachment; filename=COS10001-Students.csv"

    # --- the profile form: PUT /api/users/:id with {user: {...}} (user.ts:28-32, edit-profile-form:70-73) ---------
    profile = {**session.user, "nickname": "Ada L", "receive_task_notifications": False, "pronouns": "she/her"}
    profile = {key: value for key, value in profile.items() if key not in ("id", "role")}
    saved = browser.angular("PUT", f"/api/users/{admin.pk}", session, json_body={"user": profile})
    assert saved.status_code == 200, saved.content
    assert saved.json()["nickname"] == "Ada L" and saved.json()["system_role"] == "Admin"
    assert saved.json()["receive_task_notifications"] is False

    # --- the hourly refresh (authentication.service.ts:65-87): body {username, remember} ------------------------
    old_token = session.token
    refreshed = browser.angular("PUT", "/api/auth", session, json_body={"username": "aadmin", "remember": True})
    assert refreshed.status_code == 200
    session.token = refreshed.json()["auth_token"]  # the only key the client reads (line 80)
    assert session.token != old_token
    stale = browser.angular("GET", f"/api/csv/units/{unit.pk}", Session({**body, "auth_token": old_token}))
    assert stale.status_code == 419  # the client's interceptor: "Authentication timed out"
    assert browser.download(f"/api/csv/units/{unit.pk}", session, "x.csv")[0] == "COS10001-Students.csv"

    # --- sign out (authentication.service.ts:170-174) ------------------------------------------------------------
    signed_out = browser.angular("DELETE", "/api/auth", session)
    assert signed_out.status_code == 200
    after = browser.angular("GET", "/api/csv/users", session)
    assert after.status_code == 419
    assert not AuthToken.objects.filter(user=admin).exists()

    # Every call that needed it was preflighted, and every preflight was let through.
    assert {("PUT", "/api/auth"), ("DELETE", "/api/auth"), ("PUT", f"/api/users/{admin.pk}")} <= set(browser.preflights)


def test_a_convenor_is_system_role_convenor_and_sees_their_unit(unit):
    convenor = UnitRoleFactory(unit=unit, role=UnitRole.Kind.CONVENOR, user=UserFactory(role=Role.CONVENOR)).user
    browser = CrossOriginBrowser()
    session = Session(sign_in(browser, convenor.username).json())
    assert session.user["system_role"] == "Convenor"
    assert browser.download(f"/api/csv/units/{unit.pk}", session, "x.csv")[0] == "COS10001-Students.csv"
    # Not an Admin: the users CSV is refused with a sentence the client can show.
    refused = browser.angular("GET", "/api/csv/users", session)
    assert refused.status_code == 403
    assert list(refused.json()) == ["error"]


@pytest.mark.parametrize("legacy", [False, True], ids=["Auth-Token", "Auth_Token"])
def test_an_expired_token_is_419_the_clients_timeout(admin, unit, legacy):
    """W8 http-error.interceptor.ts:44-46 (Angular) and http-auth-injector.coffee:26-27 (AngularJS) act on 419."""
    browser = CrossOriginBrowser()
    session = Session(sign_in(browser, "aadmin").json())
    AuthToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    call = browser.legacy_angularjs if legacy else browser.angular
    response = call("GET", f"/api/csv/units/{unit.pk}", session)
    assert response.status_code == 419
    assert response.json() == {"error": "Authentication token expired."}
    # Nor can the expired token be refreshed: the client times out rather than carrying on.
    refresh = browser.angular("PUT", "/api/auth", session, json_body={"username": "aadmin", "remember": True})
    assert refresh.status_code == 419


def test_task_definitions_upload_with_unit_id_in_the_query_only(admin, unit):
    """unit-task-editor.component.ts:143-150 posts the file to unit.ts:512-514's URL, unit_id in the query."""
    browser = CrossOriginBrowser()
    session = Session(sign_in(browser, "aadmin").json())
    response = browser.upload(
        f"/api/csv/task_definitions?unit_id={unit.pk}", session, "COS10001-Tasks.csv",
        (FIXTURES / "COS10001-Tasks.csv").read_bytes(),
    )
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"success", "ignored", "errors"}
