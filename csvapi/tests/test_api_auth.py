"""`/api/auth` and the token conventions of SPEC §1, tried against a REST resource (`/api/users/`)."""

from datetime import timedelta

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
    assert set(body) == {"user", "auth_token"}
    assert body["user"]["username"] == "cconvenor"
    assert body["user"]["role"] == "Convenor"
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
