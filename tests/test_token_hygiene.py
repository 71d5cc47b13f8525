"""Token and password hygiene (SPEC §1): what a token or a password may never touch, lockout, CSRF.

* Tokens and passwords never reach a log record, at any level, from any logger (SQL included).
* A token appears in exactly one response: the one that issues it (`POST /api/auth`, `/api_signup`).
* Only a digest of a token is stored.
* Repeated failed sign-ins lock out (django-axes, 5 failures → 429) the (account, address) pair, at every
  sign-in door; never another account at the same address (more in `test_limits.py`).
* Session (browser) POSTs need a CSRF token; token clients do not.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import runpy
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from attendance.models import Course, CourseStudent, Session, SourceFormat
from doubtfire.models import AuthToken, Role, UnitRole, User
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import ProjectFactory, UnitFactory, UnitRoleFactory, UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password
SIGN_UP_PASSWORD = "a long enough passphrase 42"
LOCKOUT_LIMIT = 5  # django-axes' default, kept by settings.AXES_FAILURE_LIMIT

pytestmark = pytest.mark.django_db


def upload(name: str, text: str):
    handle = io.BytesIO(text.encode("utf-8"))
    handle.name = name
    return handle


@pytest.fixture
def people():
    """A unit with its convenor (who also keeps an attendance course) and an enrolled student."""
    unit = UnitFactory(code="COS10001")
    convenor = UserFactory(username="cconvenor", role=Role.CONVENOR)
    UnitRoleFactory(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    student = ProjectFactory(unit=unit, user=UserFactory(username="sstudent")).user
    course = Course.objects.create(owner=convenor, course_id="CS101", course_name="Intro", batch=2026)
    CourseStudent.objects.create(course=course, roll="1", name="Asha")
    Session.objects.create(course=course, date=datetime.date(2026, 2, 13), source_format=SourceFormat.TEAMS_LEGACY)
    return {"unit": unit, "convenor": convenor, "student": student, "course": course}


def sign_in(client, username, password, **extra):
    return client.post("/api/auth", {"username": username, "password": password}, format="json", **extra)


# --- logs ---------------------------------------------------------------------------------------------


@pytest.fixture
def every_log(caplog):
    """Every record of every logger at DEBUG, SQL statements included (Django logs them only for a
    debug cursor), restored afterwards."""
    caplog.set_level(logging.DEBUG)
    changed = []
    for logger in [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]:
        changed.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = forced
    for logger, level, disabled in changed:
        logger.setLevel(level)
        logger.disabled = disabled
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def everything_logged(caplog) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), record.exc_text or "", repr(getattr(record, "request", ""))]
    return texts


def test_tokens_and_passwords_never_reach_the_logs(people, every_log):
    unit = people["unit"]
    api = APIClient()

    # Signing in (and a failed sign-in) with the password.
    assert sign_in(api, "cconvenor", "the wrong password").status_code == 401
    signed_in = sign_in(api, "cconvenor", PASSWORD)
    assert signed_in.status_code == 201
    token = signed_in.json()["auth_token"]
    # A teacher's sign-up, which answers with a token too.
    signed_up = APIClient().post(
        "/api_signup", {"name": "New Teacher", "email": "new@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"}
    )
    assert signed_up.status_code == 200
    sign_up_token = signed_up.json()["token"]
    # The dashboard's sign-in form, wrong then right.
    browser = Client()
    assert browser.post("/accounts/login/", {"username": "cconvenor", "password": "another wrong one"}).status_code == 200
    assert browser.post("/accounts/login/", {"username": "cconvenor", "password": PASSWORD}).status_code == 302

    # Authenticated requests, in each convention.
    headers = {"HTTP_USERNAME": "cconvenor", "HTTP_AUTH_TOKEN": token}
    assert api.get(f"/api/csv/units/{unit.pk}", **headers).status_code == 200
    assert api.get(f"/api/units/?username=cconvenor&auth_token={token}").status_code == 200
    assert api.post("/get_all_courses", {"api": "1", "token": token}).status_code == 200
    assert api.get("/api/courses/", HTTP_AUTHORIZATION=f"Token {sign_up_token}").status_code == 200

    # Failed requests: a token one character off, a refused permission, a missing course, bad input.
    near_miss = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert api.get(f"/api/csv/units/{unit.pk}", HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=near_miss).status_code == 419
    assert api.post("/get_all_courses", {"api": "1", "token": near_miss}).status_code == 401
    assert api.get("/api/csv/users", **headers).status_code == 403
    assert api.post("/delete_course", {"api": "1", "token": token, "course_id": "NOPE", "batch": "2026"}).status_code == 404
    assert api.post("/add_course", {"api": "1", "token": token, "course_id": "X", "batch": "20x6"}).status_code == 400
    # Signing out, then the signed-out token.
    assert api.delete("/api/auth", **headers).status_code == 200
    assert api.get(f"/api/csv/units/{unit.pk}", **headers).status_code == 419

    logged = everything_logged(every_log)
    # The capture really saw the requests: SQL at DEBUG and Django's warnings for the refusals.
    loggers = {record.name for record in every_log.records}
    assert "django.db.backends" in loggers and "django.request" in loggers, loggers
    for secret in (token, sign_up_token, near_miss, PASSWORD, SIGN_UP_PASSWORD, "the wrong password", "another wrong one"):
        leaks = [text for text in logged if secret in text]
        assert leaks == [], f"{secret!r} was logged: {leaks[:1]}"


def test_the_log_check_would_notice_a_leak(every_log):
    """The check above can fail: a token logged at DEBUG by any logger is found."""
    logging.getLogger("doubtfire.anything").debug("signed in with %s", "secret-token-123")
    assert any("secret-token-123" in text for text in everything_logged(every_log))


def gunicorn_access_line(*, path: str, query: str, headers: dict[str, str]) -> str:
    """The line the served app's gunicorn (configured by gunicorn.conf.py) writes to its access log."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    for name, value in runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    response = SimpleNamespace(status="200 OK", sent=120, headers=[("Content-Type", "text/csv")])
    request = SimpleNamespace(headers=[(name.upper(), value) for name, value in headers.items()])
    atoms = Logger(config).atoms(response, request, environ, datetime.timedelta(milliseconds=5))
    return config.access_log_format % Logger.atoms_wrapper_class(atoms)


def test_gunicorn_access_log_omits_a_token_sent_in_headers():
    token = "header-token-0123456789abcdef"
    line = gunicorn_access_line(path="/api/csv/users", query="", headers={"Username": "aadmin", "Auth-Token": token})
    assert "/api/csv/users" in line
    assert token not in line


def test_gunicorn_access_log_omits_a_token_sent_in_the_query_string():
    token = "query-token-0123456789abcdef"
    line = gunicorn_access_line(path="/api/csv/users", query=f"username=aadmin&auth_token={token}", headers={})
    assert "/api/csv/users" in line
    assert token not in line


# --- responses ----------------------------------------------------------------------------------------


def every_part(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return headers + "\n" + body.decode("utf-8", "replace")


def test_a_token_appears_only_in_the_response_that_issues_it(people):
    unit = people["unit"]
    api = APIClient()
    issued = sign_in(api, "cconvenor", PASSWORD)
    token = issued.json()["auth_token"]
    assert token in every_part(issued)
    # A token sign-in signs no browser session in: the cookie alone (django-axes makes an empty session to
    # record the sign-in) opens neither the API nor the dashboard.
    cookie_only = APIClient()
    cookie_only.cookies = api.cookies
    assert cookie_only.get("/api/users/").status_code == 401
    assert cookie_only.get("/").status_code == 302

    headers = {"HTTP_USERNAME": "cconvenor", "HTTP_AUTH_TOKEN": token}
    form = {"api": "1", "token": token}
    responses = [
        # Successes in every family and convention, JSON and the browsable API's HTML.
        api.get(f"/api/csv/units/{unit.pk}", **headers),
        api.get(f"/api/csv/task_definitions?unit_id={unit.pk}&username=cconvenor&auth_token={token}"),
        api.post(
            f"/api/csv/units/{unit.pk}",
            {"file": upload("s.csv", "unit_code,username,email,tutorial\nCOS10001,newbie,n@example.edu,\n")},
            format="multipart",
            **headers,
        ),
        api.get("/api/users/", **headers),
        api.get("/api/users/", HTTP_ACCEPT="text/html", **headers),
        api.get("/api/courses/", HTTP_AUTHORIZATION=f"Bearer {token}"),
        api.post("/get_all_courses", form),
        api.post("/download_attendance", {**form, "down-course": "CS101-2026"}),
        api.post("/add_course", {**form, "course_id": "NEW1", "course_name": "New", "batch": "2026",
                                 "file": upload("r.csv", "Roll Number,Name\n1,Asha\n")}),
        # Refusals and bad input, which are where a careless message would quote the request.
        api.get("/api/csv/users", **headers),
        api.post("/delete_course", {**form, "course_id": "NOPE", "batch": "2026"}),
        api.post("/add_course", {**form, "course_id": "X", "course_name": "Y", "batch": "20x6"}),
        api.get("/api/csv/task_definitions?unit_id=abc", **headers),
        api.post("/api/courses/", {"course_id": "Z", "course_name": "long" * 100, "batch": 2026}, format="json", **headers),
        # A token sent under the wrong name: the Username does not match.
        api.get(f"/api/csv/units/{unit.pk}", HTTP_USERNAME="sstudent", HTTP_AUTH_TOKEN=token),
        # Signing out, and the signed-out token.
        api.delete("/api/auth", **headers),
        api.get(f"/api/csv/units/{unit.pk}", **headers),
        api.post("/get_all_courses", form),
    ]
    statuses = [response.status_code for response in responses]
    assert statuses == [200, 200, 201, 200, 200, 200, 200, 200, 200, 403, 404, 400, 400, 400, 419, 200, 419, 401]
    echoed = [(index, response.status_code) for index, response in enumerate(responses) if token in every_part(response)]
    assert echoed == []


def test_a_sign_up_token_appears_only_in_the_sign_up_answer(db):
    api = APIClient()
    issued = api.post("/api_signup", {"name": "Asha Rao", "email": "asha@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"})
    assert issued.status_code == 200
    token = issued.json()["token"]
    form = {"api": "1", "token": token}
    responses = [
        api.post("/get_all_courses", form),
        api.post("/add_course", {**form, "course_id": "CS1", "course_name": "One", "batch": "2026",
                                 "file": upload("r.csv", "Roll Number,Name\n1,Asha\n")}),
        api.post("/add_course", {**form, "course_id": "CS1", "course_name": "One", "batch": "2026",
                                 "file": upload("r.csv", "Roll Number,Name\n1,Asha\n")}),
        api.post("/download_attendance", {**form, "down-course": "CS1-2026"}),
        # Signing up again with the same email is refused; no token, old or new, comes back.
        api.post("/api_signup", {"name": "Asha Rao", "email": "asha@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"}),
    ]
    assert [response.status_code for response in responses] == [200, 200, 400, 400, 400]
    assert "token" not in responses[-1].json()
    assert [index for index, response in enumerate(responses) if token in every_part(response)] == []


def test_a_query_string_token_is_not_copied_into_pagination_links(db):
    admin = UserFactory(username="aadmin", role=Role.ADMIN)
    User.objects.bulk_create(User(username=f"filler{n}", email=f"filler{n}@example.edu") for n in range(110))
    token = issue_auth_token(user=admin)
    response = APIClient().get(f"/api/users/?username=aadmin&auth_token={token}")
    assert response.status_code == 200
    assert response.json()["next"]  # there is a second page
    assert token not in every_part(response)


# --- storage ------------------------------------------------------------------------------------------


def every_stored_value() -> list[str]:
    """Every value of every row of every table the project's models (and the installed apps') use."""
    values = []
    for model in apps.get_models():
        for row in model.objects.values_list():
            values.extend(str(value) for value in row)
    return values


def test_tokens_are_stored_only_as_digests(people):
    api = APIClient()
    token = sign_in(api, "cconvenor", PASSWORD).json()["auth_token"]
    sign_up_token = api.post(
        "/api_signup", {"name": "New Teacher", "email": "new@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"}
    ).json()["token"]
    # Used in each convention, including the query string, and once in a failed request.
    api.get(f"/api/units/?username=cconvenor&auth_token={token}")
    api.post("/get_all_courses", {"api": "1", "token": sign_up_token})
    api.get("/api/csv/users", HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token)

    stored = AuthToken.objects.values_list(flat=False)
    assert stored.count() == 2
    token_columns = [str(value) for row in stored for value in row]
    for raw in (token, sign_up_token):
        assert not any(raw in value for value in token_columns)
        assert AuthToken.objects.filter(digest=hashlib.sha256(raw.encode()).hexdigest()).exists()
        assert not any(raw in value for value in every_stored_value())
    # Passwords too: only Django's hashes are stored.
    assert not any(secret in value for value in every_stored_value() for secret in (PASSWORD, SIGN_UP_PASSWORD))


def test_a_token_sent_with_a_failed_sign_in_is_not_stored(people):
    token = issue_auth_token(user=people["convenor"])
    # A script that keeps its token in the query string or the form while it signs in again.
    assert sign_in(APIClient(), "cconvenor", "wrong", QUERY_STRING=f"auth_token={token}").status_code == 401
    assert Client().post("/accounts/login/", {"username": "cconvenor", "password": "wrong", "token": token}).status_code == 200
    assert not any(token in value for value in every_stored_value())


def test_tokens_stop_working_after_a_password_change_or_deactivation(people):
    unit, convenor = people["unit"], people["convenor"]
    tokens = [issue_auth_token(user=convenor) for _ in range(2)]  # two scripts

    def works(token):
        return APIClient().get(f"/api/csv/units/{unit.pk}", HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token).status_code

    assert [works(token) for token in tokens] == [200, 200]
    browser = Client()
    browser.force_login(convenor)
    changed = browser.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": SIGN_UP_PASSWORD, "new_password2": SIGN_UP_PASSWORD},
    )
    assert changed.status_code == 302
    assert [works(token) for token in tokens] == [419, 419]

    fresh = issue_auth_token(user=convenor)
    assert works(fresh) == 200
    convenor.is_active = False
    convenor.save()
    assert works(fresh) == 419


def test_an_admin_password_reset_revokes_the_persons_tokens(people):
    unit = people["unit"]
    admin = UserFactory(username="aadmin", role=Role.ADMIN)
    stolen = issue_auth_token(user=people["convenor"])
    reset = APIClient(headers={"Username": "aadmin", "Auth-Token": issue_auth_token(user=admin)}).patch(
        f"/api/users/{people['convenor'].pk}/", {"password": SIGN_UP_PASSWORD}, format="json"
    )
    assert reset.status_code == 200
    used = APIClient().get(f"/api/csv/units/{unit.pk}", HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=stolen)
    assert used.status_code == 419


# --- lockout ------------------------------------------------------------------------------------------


def test_api_sign_in_locks_an_account_out_after_five_failures(people):
    assert settings.AXES_FAILURE_LIMIT == LOCKOUT_LIMIT
    api = APIClient()
    statuses = [sign_in(api, "cconvenor", f"wrong {n}").status_code for n in range(LOCKOUT_LIMIT)]
    # The fifth failure reaches the limit and is itself answered with the lockout.
    assert statuses == [401, 401, 401, 401, 429]
    locked = sign_in(api, "cconvenor", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.json()["error"]
    assert "auth_token" not in locked.json()
    # Someone else at the same address is not affected: one person's typos never lock out another.
    assert sign_in(APIClient(), "sstudent", PASSWORD).status_code == 201
    # The lockout is the (account, address) pair's: the account's owner elsewhere still signs in.
    assert sign_in(APIClient(), "cconvenor", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 201


def test_four_failures_do_not_lock_out(people):
    api = APIClient()
    assert [sign_in(api, "cconvenor", "wrong").status_code for _ in range(LOCKOUT_LIMIT - 1)] == [401] * 4
    assert sign_in(api, "cconvenor", PASSWORD).status_code == 201


def test_dashboard_sign_in_locks_out_after_five_failures(people):
    browser = Client()
    statuses = [
        browser.post("/accounts/login/", {"username": "cconvenor", "password": f"wrong {n}"}).status_code
        for n in range(LOCKOUT_LIMIT)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    locked = browser.post("/accounts/login/", {"username": "cconvenor", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in browser.session
    # The lockout holds at the API door too, for the same account at the same address.
    assert sign_in(APIClient(), "cconvenor", PASSWORD).status_code == 429
    # Another teacher on the same address (the same campus network) signs in, at either door.
    colleague = Client()
    assert colleague.post("/accounts/login/", {"username": "sstudent", "password": PASSWORD}).status_code == 302
    assert "_auth_user_id" in colleague.session
    assert sign_in(APIClient(), "sstudent", PASSWORD).status_code == 201


def test_a_locked_account_is_refused_at_every_sign_in_door(people):
    admin = UserFactory(username="aadmin", role=Role.ADMIN)
    assert admin.is_staff
    for n in range(LOCKOUT_LIMIT):
        sign_in(APIClient(), "aadmin", f"wrong {n}")
    right = {"username": "aadmin", "password": PASSWORD}
    doors = {
        "/api/auth": sign_in(APIClient(), "aadmin", PASSWORD).status_code,
        "/accounts/login/": Client().post("/accounts/login/", right).status_code,
        "/api-auth/login/": Client().post("/api-auth/login/", right).status_code,
        "/admin/login/": Client().post("/admin/login/", right).status_code,
    }
    assert doors == {door: 429 for door in doors}
    # With the failures cleared the same password opens the door: the 429s were the lockout, not the form.
    AccessAttempt.objects.all().delete()
    assert Client().post("/admin/login/", right).status_code == 302


# --- CSRF ---------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_browser(people):
    """The convenor signed in to the dashboard, in a client that checks CSRF as a browser would."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["convenor"])
    browser.get("/")  # sets the csrftoken cookie, as any page does
    return browser


def csrf_token(browser) -> str:
    return browser.cookies["csrftoken"].value


def test_dashboard_forms_need_the_csrf_token(csrf_browser, people):
    course = people["course"]
    add = f"/courses/{course.pk}/students/add/"
    assert csrf_browser.post(add, {"roll": "9", "name": "Nia"}).status_code == 403
    assert csrf_browser.post("/accounts/logout/").status_code == 403
    assert not CourseStudent.objects.filter(course=course, roll="9").exists()
    # With the token, the same form works: it was the CSRF check that refused.
    done = csrf_browser.post(add, {"roll": "9", "name": "Nia", "csrfmiddlewaretoken": csrf_token(csrf_browser)})
    assert done.status_code == 302
    assert CourseStudent.objects.filter(course=course, roll="9").exists()


def test_api_routes_with_a_session_need_the_csrf_token(csrf_browser, people):
    unit, course = people["unit"], people["course"]
    enrol = {"file": upload("s.csv", "unit_code,username,email,tutorial\nCOS10001,newbie,n@example.edu,\n")}
    refused = [
        csrf_browser.post("/get_all_courses", {"api": "1"}),
        csrf_browser.post("/delete_course", {"course_id": "CS101", "batch": "2026"}),
        csrf_browser.post(f"/api/csv/units/{unit.pk}", enrol),
        csrf_browser.post("/api/courses/", {"course_id": "NEW1", "course_name": "New", "batch": "2026"}),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    assert all("CSRF" in response.json()["error"] for response in refused)
    assert Course.objects.filter(pk=course.pk).exists()
    # With the header a browser's script sends, the session works.
    accepted = csrf_browser.post("/get_all_courses", {"api": "1"}, HTTP_X_CSRFTOKEN=csrf_token(csrf_browser))
    assert accepted.status_code == 200
    assert [c["course_id"] for c in accepted.json()["courses"]] == ["CS101"]


def test_token_clients_need_no_csrf_token(people):
    unit = people["unit"]
    script = APIClient(enforce_csrf_checks=True)
    signed_in = sign_in(script, "cconvenor", PASSWORD)
    assert signed_in.status_code == 201
    token = signed_in.json()["auth_token"]
    headers = {"HTTP_USERNAME": "cconvenor", "HTTP_AUTH_TOKEN": token}
    enrol = {"file": upload("s.csv", "unit_code,username,email,tutorial\nCOS10001,newbie,n@example.edu,\n")}
    assert script.post(f"/api/csv/units/{unit.pk}", enrol, format="multipart", **headers).status_code == 201
    assert script.post("/api/courses/", {"course_id": "NEW1", "course_name": "New", "batch": 2026}, format="json",
                       **headers).status_code == 201
    assert script.post("/get_all_courses", {"api": "1", "token": token}).status_code == 200
    assert script.post("/delete_course", {"api": "1", "token": token, "course_id": "NEW1", "batch": "2026"}).status_code == 200
    signed_up = script.post("/api_signup", {"name": "New Teacher", "email": "new@example.edu", "password": SIGN_UP_PASSWORD})
    assert signed_up.status_code == 200
    assert script.delete("/api/auth", **headers).status_code == 200


def test_a_token_client_with_a_stray_session_cookie_is_still_judged_by_its_token(csrf_browser, people):
    """A script that also carries a session cookie (e.g. a test harness) still authenticates by its token, so
    no CSRF check applies; and a forged request carrying only the cookie is still refused."""
    token = issue_auth_token(user=people["convenor"])
    assert csrf_browser.post("/get_all_courses", {"api": "1", "token": token}).status_code == 200
    assert csrf_browser.post("/get_all_courses", {"api": "1"}).status_code == 403
