"""Fixtures shared by every test: people in each role, and HTTP clients that carry their tokens."""

import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from doubtfire.models import Role
from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import UserFactory

DEFAULT_PASSWORD = "correct horse battery staple"


def pytest_collection_modifyitems(config, items):
    # Tests of real concurrency need PostgreSQL's row locks; `make test` runs the suite there too.
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run by `make test`)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # PBKDF2's deliberate slowness protects real passwords; in tests it only costs minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Throttle counters live in the database cache, as in production. A test's transaction rolls its own back,
    # but a transactional test (live_server) commits them and flush empties only the models' tables: a key
    # prefix of its own starts every test with no counters, without opening the database for tests that don't.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def make_user(db):
    def make(role=Role.STUDENT, **fields):
        return UserFactory(role=role, **fields)

    return make


@pytest.fixture
def admin_account(make_user):
    return make_user(Role.ADMIN, username="aadmin")


@pytest.fixture
def token_client():
    """`token_client(user)` → an APIClient sending Doubtfire's `Username` + `Auth_Token` headers."""

    def make(user):
        client = APIClient()
        token = issue_auth_token(user=user)
        client.credentials(HTTP_USERNAME=user.username, HTTP_AUTH_TOKEN=token)
        client.token = token
        return client

    return make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, dropped cleanly on PostgreSQL.

    PostgreSQL refuses to drop a database someone is still connected to. The one known leak (ORM calls
    inside Playwright's sync API use a connection of their own) is closed by the browser tests' `page`
    fixture; this guard ends any session a future test leaves behind, so it cannot fail the whole run.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
