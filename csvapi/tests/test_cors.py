"""Cross-origin requests (django-cors-headers): who may call the API from a page on another origin, and what the
page is then allowed to see.

A browser asks first (a preflight `OPTIONS` with `Access-Control-Request-Method`) whenever a request carries a
header such as `Auth-Token`, then shows the page the answer only if it carries `Access-Control-Allow-Origin`.
So the preflight must be answered before authentication (never 419/401), and every answer of the API, errors
included, must carry the header, or the page sees a network error instead of the 419 or 413 it should act on.
The same requests made by a real browser: test_browser_cors.py.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from doubtfire.tests.factories import UnitFactory

ROOT = Path(__file__).resolve().parents[2]
CLIENT = "http://localhost:4200"  # `npm start` of doubtfire-web

# One route of each family the API serves to token clients, with a method the client uses on it.
API_ROUTES = [
    ("POST", "/api/auth"),
    ("PUT", "/api/auth"),
    ("DELETE", "/api/auth"),
    ("GET", "/api/auth/method"),
    ("GET", "/api/settings"),
    ("GET", "/api/csv/users"),
    ("POST", "/api/csv/units/1"),
    ("POST", "/api/csv/units/1/withdraw"),
    ("GET", "/api/csv/units/1/task_completion.json"),
    ("POST", "/api/csv/task_definitions?unit_id=1"),
    ("PUT", "/api/users/1"),
    ("PATCH", "/api/tasks/1/"),
] + [
    ("POST", f"/{route}")
    for route in (
        "api_signup", "add_course", "delete_course", "upload_attendance", "download_attendance", "get_all_courses",
        "add_students", "remove_student", "delete_date",
    )
]


def preflight(path, method, origin=CLIENT, headers="auth-token,content-type,username"):
    """What Chromium sends before a request with a non-simple header: no credentials, no body."""
    return APIClient().options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def allowed_names(response, header):
    return {name.strip().lower() for name in response[header].split(",")}


@pytest.mark.parametrize("method,path", API_ROUTES, ids=[f"{method} {path}" for method, path in API_ROUTES])
def test_the_preflight_of_every_api_route_is_answered_before_authentication(method, path):
    response = preflight(path, method)
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == CLIENT
    assert allowed_names(response, "Access-Control-Allow-Methods") == {
        "get", "post", "put", "patch", "delete", "options"
    }
    assert {"auth-token", "auth_token", "username", "content-type", "authorization", "prefer"} <= allowed_names(
        response, "Access-Control-Allow-Headers"
    )
    # A download's file name, and where a job answered with 202 is polled.
    assert allowed_names(response, "Access-Control-Expose-Headers") == {
        "content-disposition", "location", "preference-applied"
    }
    assert "Access-Control-Allow-Credentials" not in response
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "origin" in response["Vary"].lower()
    assert response.content == b""


@pytest.mark.parametrize("origin", ["http://localhost:4200", "http://127.0.0.1:3000", "http://localhost"])
def test_development_allows_any_port_on_this_machine(origin):
    assert preflight("/api/auth", "POST", origin=origin)["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize(
    "origin",
    ["https://localhost:4200", "http://localhost.evil.example", "http://127.0.0.1.evil.example:80", "http://example.edu",
     "null"],
)
def test_other_origins_get_no_permission(origin):
    response = preflight("/api/auth", "POST", origin=origin)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/admin/login/", "/api-auth/login/"])
def test_the_dashboard_the_admin_and_the_session_login_are_not_shared(db, path):
    response = APIClient().get(path, headers={"Origin": CLIENT})
    assert "Access-Control-Allow-Origin" not in response


def test_a_419_is_readable_by_the_page(db):
    """doubtfire-web times the session out on 419; a 419 without the header would reach it as status 0."""
    unit = UnitFactory()
    response = APIClient().get(
        f"/api/csv/units/{unit.pk}", headers={"Origin": CLIENT, "Auth-Token": "stale", "Username": "someone"}
    )
    assert response.status_code == 419
    assert response["Access-Control-Allow-Origin"] == CLIENT
    assert list(response.json()) == ["error"]


def test_an_attendance_401_is_readable_by_the_page(db):
    response = APIClient().post("/get_all_courses", {"api": "1", "token": "stale"}, headers={"Origin": CLIENT})
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == CLIENT


def test_a_413_refused_unread_still_carries_the_header():
    """The body limit answers before anything reads the body; CorsMiddleware sits above it, so the page can show
    the sentence instead of a network error."""
    response = APIClient().generic(
        "POST", "/api/csv/units/1", b"x" * 100, "multipart/form-data; boundary=b",
        CONTENT_LENGTH=str(500 * 2**20), HTTP_ORIGIN=CLIENT,
    )
    assert response.status_code == 413
    assert response["Access-Control-Allow-Origin"] == CLIENT
    assert "the largest file accepted" in response.json()["error"]


def test_production_allows_only_the_listed_origins(settings):
    settings.CORS_ALLOWED_ORIGIN_REGEXES = []  # what DEBUG=0 leaves
    settings.CORS_ALLOWED_ORIGINS = ["https://ontrack.example.edu"]
    assert preflight("/api/auth", "POST", origin="https://ontrack.example.edu")["Access-Control-Allow-Origin"] == (
        "https://ontrack.example.edu"
    )
    assert "Access-Control-Allow-Origin" not in preflight("/api/auth", "POST", origin=CLIENT)


# --- the settings as the environment makes them ----------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "teaching.example.edu",
}
PRINT_CORS = (
    "import json; from django.conf import settings; "
    "print(json.dumps([settings.CORS_ALLOWED_ORIGINS, settings.CORS_ALLOWED_ORIGIN_REGEXES, "
    "settings.CORS_ALLOW_CREDENTIALS]))"
)


def manage(*args, **environment):
    env = {**os.environ, **environment}
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_reads_cors_allowed_origins_and_drops_the_development_pattern():
    result = manage(
        "shell", "-v0", "-c", PRINT_CORS, **PRODUCTION,
        CORS_ALLOWED_ORIGINS="https://ontrack.example.edu, https://web.example.edu:8443",
    )
    assert result.returncode == 0, result.stderr
    origins, patterns, credentials = json.loads(result.stdout)
    assert origins == ["https://ontrack.example.edu", "https://web.example.edu:8443"]
    assert patterns == []
    assert credentials is False


def test_production_without_cors_allowed_origins_allows_no_other_origin():
    result = manage("shell", "-v0", "-c", PRINT_CORS, **PRODUCTION, CORS_ALLOWED_ORIGINS=None)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[], [], False]


def test_check_deploy_is_clean_with_allowed_origins():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION,
                    CORS_ALLOWED_ORIGINS="https://ontrack.example.edu")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "origin,problem", [("https://ontrack.example.edu/", "corsheaders.E014"), ("ontrack.example.edu", "corsheaders.E013")]
)
def test_a_malformed_origin_stops_manage_py_check(origin, problem):
    result = manage("check", **PRODUCTION, CORS_ALLOWED_ORIGINS=origin)
    assert result.returncode != 0
    assert problem in result.stderr
