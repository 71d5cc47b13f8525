"""`/api/auth` and the token conventions of SPEC §1, tried against a REST resource (`/api/users/`)."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from doubtfire.models import AuthToken, Role
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def person(db):
    return UserFactory(username="cconvenor", email="cc@example.edu", role=Role.CONVENOR, first_name="Cam")


def sign_in(username, password, client=None):
    return (client or APIClient()).post("/api/auth", {"username": username, "password": password}, format="json")


def whoami(client, **extra):
    return client.get("/api/users/", **extra)


def test_sign_in_answers_201_with_the_user_and_a_token(person):
    response = sign_in("cconvenor", PASSWORD)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "auth_token", "auth_token_expiry"}
    assert body["user"]["username"] == "cconvenor"
    assert body["user"]["role"] == "Convenor"
    assert body["user"]["system_role"] == "Convenor"
    assert body["user"]["first_name"] == "Cam"
    assert "password" not in body["user"]
    assert isinstance(body["auth_token"], str) and len(body["auth_token"]) >= 27  # ≥ 160 bits in base64


def test_sign_in_ignores_the_case_of_the_username(person):
    assert sign_in("CConvenor", PASSWORD).status_code == 201


@pytest.mark.parametrize(
    "username,password", [("cconvenor", "wrong password"), ("nobody", PASSWORD), ("cconvenor", "")]
)
def test_wrong_credentials_answer_an_error(person, username, password):
    response = sign_in(username, password)
    assert response.status_code in (400, 401)
    assert set(response.json()) >= {"error"}
    assert not AuthToken.objects.exists()


def test_wrong_password_is_401_error(person):
    response = sign_in("cconvenor", "wrong password")
    assert response.status_code == 401
    assert response.json() == {"error": "The username or password is incorrect."}


def test_inactive_account_cannot_sign_in(person):
    person.is_active = False
    person.save()
    assert sign_in("cconvenor", PASSWORD).status_code == 401


def test_the_token_signs_requests_in(person):
    token = sign_in("cconvenor", PASSWORD).json()["auth_token"]
    client = APIClient()
    client.credentials(HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token)
    response = whoami(client)
    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == ["cconvenor"]


def test_delete_revokes_the_token(person):
    token = sign_in("cconvenor", PASSWORD).json()["auth_token"]
    client = APIClient()
    client.credentials(HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token)
    assert client.delete("/api/auth").status_code == 200
    response = whoami(client)
    assert response.status_code == 401
    assert "error" in response.json()
    assert not AuthToken.objects.exists()


def test_delete_without_a_token_is_401(person):
    response = APIClient().delete("/api/auth")
    assert response.status_code == 401
    assert "error" in response.json()


def test_expired_token_is_rejected_and_removed(person):
    token = issue_auth_token(user=person)
    AuthToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token)
    response = whoami(client)
    assert response.status_code == 401
    assert response.json() == {"error": "Authentication token expired."}
    assert not AuthToken.objects.exists()


def test_token_expires_after_the_configured_lifetime(person, settings):
    settings.AUTH_TOKEN_LIFETIME = timedelta(minutes=5)
    before = timezone.now()
    sign_in("cconvenor", PASSWORD)
    token = AuthToken.objects.get()
    assert before + timedelta(minutes=5) <= token.expires_at <= timezone.now() + timedelta(minutes=5)


def test_token_is_stored_hashed(person):
    raw = sign_in("cconvenor", PASSWORD).json()["auth_token"]
    stored = AuthToken.objects.get()
    every_value = [str(value) for value in AuthToken.objects.values_list().get()]
    assert raw not in every_value
    assert not any(raw in value for value in every_value)
    assert stored.digest == __import__("hashlib").sha256(raw.encode()).hexdigest()


def test_another_users_name_with_a_valid_token_is_rejected(person):
    token = issue_auth_token(user=person)
    UserFactory(username="atutor", role=Role.TUTOR)
    client = APIClient()
    client.credentials(HTTP_USERNAME="atutor", HTTP_AUTH_TOKEN=token)
    assert whoami(client).status_code == 401


def test_lockout_after_repeated_failures_even_with_the_right_password(person, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert sign_in("cconvenor", "wrong password").status_code == 401
    # The fifth failure reaches the limit and is itself answered with the lockout.
    assert sign_in("cconvenor", "wrong password").status_code == 429
    response = sign_in("cconvenor", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["error"]
    assert not AuthToken.objects.exists()


def test_sign_in_records_last_login(person):
    assert person.last_login is None
    sign_in("cconvenor", PASSWORD)
    person.refresh_from_db()
    assert person.last_login is not None


def test_a_success_before_the_limit_resets_the_count(person):
    for _ in range(4):
        sign_in("cconvenor", "wrong password")
    assert sign_in("cconvenor", PASSWORD).status_code == 201
    for _ in range(4):
        sign_in("cconvenor", "wrong password")
    assert sign_in("cconvenor", PASSWORD).status_code == 201


# --- the spellings of the token ---------------------------------------------------------------------


@pytest.fixture
def token(person):
    return issue_auth_token(user=person)


def test_auth_token_header_with_a_dash(token):
    client = APIClient(headers={"Username": "cconvenor", "Auth-Token": token})
    assert whoami(client).status_code == 200


def test_auth_token_header_with_an_underscore_as_wsgi_delivers_it(token):
    # Behind gunicorn's `--header-map dangerous`, `Auth_Token` arrives as HTTP_AUTH_TOKEN (see test_server.py).
    assert whoami(APIClient(), HTTP_USERNAME="cconvenor", HTTP_AUTH_TOKEN=token).status_code == 200


def test_auth_token_and_username_as_query_parameters(token):
    response = APIClient().get(f"/api/users/?username=cconvenor&auth_token={token}")
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "cconvenor"


def test_authorization_token_header(token):
    assert whoami(APIClient(headers={"Authorization": f"Token {token}"})).status_code == 200


def test_authorization_bearer_header(token):
    assert whoami(APIClient(headers={"Authorization": f"Bearer {token}"})).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Username": "cconvenor", "Auth-Token": ""},
        {"Username": "", "Auth-Token": "x"},
        {"Username": "cconvenor", "Auth-Token": "not-a-real-token"},
        {"Authorization": "Token not-a-real-token"},
        {},
    ],
    ids=["empty-token", "empty-username", "wrong-token", "wrong-authorization", "none"],
)
def test_missing_empty_or_wrong_tokens_are_401_with_an_error(person, headers):
    response = whoami(APIClient(headers=headers))
    assert response.status_code == 401
    assert response.json()["error"]


# --- Doubtfire's auth contract (doubtfire-web 8.0.x, reference §1.2–§1.5) ---------------------------------------

DOUBTFIRE_USER_KEYS = {
    "id", "first_name", "last_name", "nickname", "email", "username", "student_id", "system_role",
    "opt_in_to_research", "has_run_first_time_setup", "receive_task_notifications",
    "receive_portfolio_notifications", "receive_feedback_notifications",
}


def test_the_signed_in_user_is_doubtfires_user_entity_plus_role(person):
    user = sign_in("cconvenor", PASSWORD).json()["user"]
    assert set(user) == DOUBTFIRE_USER_KEYS | {"role"}
    assert user["system_role"] == user["role"] == "Convenor"
    # A new account: notifications on, research not asked, no welcome form (see the migration's commit).
    assert user["opt_in_to_research"] is None
    assert user["has_run_first_time_setup"] is True
    assert user["receive_task_notifications"] is True
    assert user["receive_portfolio_notifications"] is True
    assert user["receive_feedback_notifications"] is True


@pytest.mark.parametrize("superuser,role", [(True, Role.STUDENT), (False, Role.ADMIN)], ids=["superuser", "admin-role"])
def test_every_system_admin_is_system_role_admin(db, superuser, role):
    UserFactory(username="boss", role=role, is_superuser=superuser)
    assert sign_in("boss", PASSWORD).json()["user"]["system_role"] == "Admin"


def test_auth_token_expiry_is_iso_8601_with_milliseconds_and_offset(person, settings):
    settings.AUTH_TOKEN_LIFETIME = timedelta(minutes=90)
    body = sign_in("cconvenor", PASSWORD).json()
    expiry = body["auth_token_expiry"]
    # The Date Time String Format of ECMA-262 §21.4.1.32, which Date.parse must read: YYYY-MM-DDTHH:mm:ss.sss±HH:mm.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", expiry), expiry
    stored = AuthToken.objects.get().expires_at
    parsed = datetime.fromisoformat(expiry)
    assert abs(parsed - stored) < timedelta(milliseconds=1)


def test_sign_in_accepts_remember_as_doubtfire_web_sends_it(person):
    response = APIClient().post(
        "/api/auth", {"username": "cconvenor", "password": PASSWORD, "remember": True}, format="json"
    )
    assert response.status_code == 201


def refresh(token, username="cconvenor", body=None):
    client = APIClient(headers={"Auth-Token": token, "Username": username})
    return client.put("/api/auth", body if body is not None else {"username": username, "remember": True}, format="json")


def test_put_trades_the_token_for_a_new_one_and_the_old_one_dies(person):
    old = sign_in("cconvenor", PASSWORD).json()["auth_token"]
    response = refresh(old)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"auth_token", "auth_token_expiry"}
    new = body["auth_token"]
    assert new != old
    assert whoami(APIClient(headers={"Auth-Token": new, "Username": "cconvenor"})).status_code == 200
    assert whoami(APIClient(headers={"Auth-Token": old, "Username": "cconvenor"})).status_code == 401
    assert AuthToken.objects.count() == 1


def test_a_refreshed_token_starts_a_full_lifetime(person, settings):
    settings.AUTH_TOKEN_LIFETIME = timedelta(hours=2)
    token = issue_auth_token(user=person, lifetime=timedelta(minutes=5))
    before = timezone.now()
    refresh(token)
    assert AuthToken.objects.get().expires_at >= before + timedelta(hours=2)


def test_put_twice_with_the_same_token_succeeds_once(person):
    """Two tabs refreshing one token: the second finds it gone (deleting it is the claim)."""
    token = issue_auth_token(user=person)
    assert refresh(token).status_code == 200
    second = refresh(token)
    assert second.status_code == 419
    assert second.json() == {"error": "Could not authenticate with token. Username or Token invalid."}


@pytest.mark.parametrize(
    "headers,message",
    [
        ({}, "No authentication details provided. Authentication is required to access this resource."),
        ({"Auth-Token": "not-a-token", "Username": "cconvenor"}, "Could not authenticate with token."),
        ({"Auth-Token": "", "Username": "cconvenor"}, "Both the Username and the Auth_Token headers are needed"),
    ],
    ids=["none", "wrong", "empty"],
)
def test_put_without_a_live_token_is_419(person, headers, message):
    response = APIClient(headers=headers).put("/api/auth", {"username": "cconvenor", "remember": True}, format="json")
    assert response.status_code == 419
    assert list(response.json()) == ["error"]
    assert response.json()["error"].startswith(message)
    assert "WWW-Authenticate" not in response


def test_put_with_an_expired_token_is_419_and_issues_nothing(person):
    token = issue_auth_token(user=person)
    AuthToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = refresh(token)
    assert response.status_code == 419
    assert response.json() == {"error": "Authentication token expired."}
    assert not AuthToken.objects.exists()


def test_put_naming_someone_else_in_the_body_is_419_and_keeps_the_token(person):
    UserFactory(username="atutor", role=Role.TUTOR)
    token = issue_auth_token(user=person)
    response = refresh(token, body={"username": "atutor", "remember": True})
    assert response.status_code == 419
    assert whoami(APIClient(headers={"Auth-Token": token, "Username": "cconvenor"})).status_code == 200


def test_put_accepts_the_username_in_another_case_and_no_body(person):
    token = issue_auth_token(user=person)
    assert refresh(token, body={"username": "CConvenor"}).status_code == 200
    token = issue_auth_token(user=person)
    assert APIClient(headers={"Authorization": f"Token {token}"}).put("/api/auth").status_code == 200


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/settings", {"externalName": "Teaching data", "overseerEnabled": False, "tiiEnabled": False}),
        ("/api/auth/method", {"method": "database", "redirect_to": None}),
        ("/api/auth/signout_url", {"auth_signout_url": None}),
    ],
)
def test_what_the_sign_in_page_reads_is_public_even_with_a_stale_token(db, path, body):
    for client in (APIClient(), APIClient(headers={"Auth-Token": "stale", "Username": "someone"})):
        response = client.get(path)
        assert response.status_code == 200
        assert response.json() == body


def test_the_product_name_comes_from_the_settings(db, settings):
    settings.PRODUCT_NAME = "OnTrack at Example University"
    assert APIClient().get("/api/settings").json()["externalName"] == "OnTrack at Example University"


def test_schema_of_the_auth_routes_validates_without_warnings():
    """`manage.py spectacular --validate --fail-on-warn`, limited to the auth and settings routes."""
    from django.urls import path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    from csvapi.views.auth import AuthMethodView, AuthTokenView, SignOutUrlView
    from csvapi.views.client_settings import ClientSettingsView

    GENERATOR_STATS.reset()
    patterns = [
        path("api/auth", AuthTokenView.as_view()),
        path("api/auth/method", AuthMethodView.as_view()),
        path("api/auth/signout_url", SignOutUrlView.as_view()),
        path("api/settings", ClientSettingsView.as_view()),
    ]
    schema = SchemaGenerator(patterns=patterns).get_schema(public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    assert set(schema["paths"]["/api/auth"]) == {"post", "put", "delete"}
    signed_in = schema["components"]["schemas"]["SignedIn"]["properties"]
    assert signed_in["auth_token_expiry"]["format"] == "date-time"
    assert set(schema["components"]["schemas"]["UserSummary"]["properties"]) == DOUBTFIRE_USER_KEYS | {"role"}


def test_refresh_auth_token_costs_three_queries_and_refuses_another_users_token(person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from doubtfire.services import TokenRejected, refresh_auth_token

    token = issue_auth_token(user=person)
    with CaptureQueriesContext(connection) as queries:
        issued = refresh_auth_token(user=person, raw=token)
    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 3, statements  # delete the old one, purge the expired, insert the new one
    assert issued.user == person and issued.raw != token
    other = UserFactory(username="atutor", role=Role.TUTOR)
    with pytest.raises(TokenRejected):
        refresh_auth_token(user=other, raw=issued.raw)
