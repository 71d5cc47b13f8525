"""Fixtures of the attendance tests: a teacher and an API client carrying their token (`Authorization: Token`)."""

import pytest
from rest_framework.test import APIClient

from doubtfire.services import issue_auth_token
from doubtfire.tests.factories import UserFactory


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def api(owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_auth_token(user=owner)}")
    return client
