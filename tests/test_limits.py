"""Sign-in and sign-up limits count the real client (issue 11 §6), through HTTP in one process.

* With `NUM_PROXIES` = 0 (the default) X-Forwarded-For is not read at all: throttles and lockouts count
  REMOTE_ADDR, so a client cannot rotate forged addresses to escape them.
* With `NUM_PROXIES` = 1 the client is the address the proxy appended (rightmost), never a forged value
  a client wrote to the left of it.

Across processes (two gunicorn workers sharing the database cache) and through a proxy: `test_limits_served.py`.
"""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.test import APIClient

from doubtfire.models import User
from doubtfire.tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password
SIGN_UP_PASSWORD = "a long enough passphrase 42"

pytestmark = pytest.mark.django_db


def rate_limit(scope: str) -> int:
    # "10/hour" and "20/min" by default; SIGN_UP_RATE / SIGN_IN_RATE may change the number, and the tests follow.
    return int(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def sign_up(n: int, **extra):
    form = {"name": f"Teacher {n}", "email": f"teacher{n}@example.edu", "password": SIGN_UP_PASSWORD, "api": "1"}
    return APIClient().post("/api_signup", form, **extra)


def sign_in(username, password, **extra):
    return APIClient().post("/api/auth", {"username": username, "password": password}, format="json", **extra)


@pytest.fixture
def behind_one_proxy(settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_sixty_sign_ups_with_forged_forwarded_for_are_throttled():
    """The finding: 60 sign-ups from one address, each claiming another X-Forwarded-For, all got 200."""
    limit = rate_limit("sign_up")
    assert limit < 60
    answers = [
        sign_up(n, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.{n}.{n + 1}") for n in range(60)
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * limit + [429] * (60 - limit)
    assert "error" in answers[-1].json()
    assert User.objects.filter(email__startswith="teacher").count() == limit
    # Another address still signs up: the 429s were the address's budget, not a broken route.
    assert sign_up(99, REMOTE_ADDR="203.0.113.10").status_code == 200
    # The counts live in the database cache that every worker shares, not in this process.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM cache_table")
        keys = [key for (key,) in cursor.fetchall()]
    assert any("throttle_sign_up_203.0.113.9" in key for key in keys), keys


def test_forged_forwarded_for_does_not_escape_the_sign_in_throttle(db):
    """Guessing one password for many accounts from one address: the per-address sign-in rate stops it,
    whatever the client claims in X-Forwarded-For."""
    limit = rate_limit("sign_in")
    statuses = [
        sign_in(f"nobody{n}", "guess", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(limit + 3)
    ]
    assert statuses == [401] * limit + [429] * 3


def test_forged_forwarded_for_does_not_escape_a_lockout():
    UserFactory(username="cconvenor")
    failures = [
        sign_in("cconvenor", f"wrong {n}", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(django_settings.AXES_FAILURE_LIMIT)
    ]
    assert failures[-1] == 429
    assert sign_in("cconvenor", PASSWORD, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


def test_behind_one_proxy_sign_ups_count_against_the_address_the_proxy_appended(behind_one_proxy):
    limit = rate_limit("sign_up")
    # Every request comes from the proxy (REMOTE_ADDR); the proxy appended the real client on the right.
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    statuses = [
        sign_up(n, HTTP_X_FORWARDED_FOR=f"198.51.{n}.1, 203.0.113.7", **proxy).status_code for n in range(limit + 2)
    ]
    assert statuses == [200] * limit + [429] * 2
    # Another client behind the same proxy, forging the same leftmost value, has its own budget.
    assert sign_up(99, HTTP_X_FORWARDED_FOR="198.51.0.1, 203.0.113.8", **proxy).status_code == 200


def test_behind_one_proxy_lockouts_count_against_the_address_the_proxy_appended(behind_one_proxy):
    UserFactory(username="cconvenor")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        sign_in("cconvenor", f"wrong {n}", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert sign_in("cconvenor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # The proxy's own address is not what is locked out.
    assert sign_in("cconvenor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.0, 203.0.113.8", **proxy).status_code == 201


def test_a_forwarded_value_that_is_not_an_address_is_not_stored_as_one(behind_one_proxy):
    """A request that reaches gunicorn without the proxy may carry any text there; the lockout then counts
    the connecting address rather than failing to store the text (an IP column on PostgreSQL)."""
    UserFactory(username="cconvenor")
    assert sign_in("cconvenor", "wrong", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="unknown").status_code == 401
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.3"]


def test_a_lockout_counts_an_account_whatever_the_case_of_its_name():
    """Usernames match case-insensitively, so changing their case is not five more guesses."""
    UserFactory(username="cconvenor")
    spellings = ["cconvenor", "CConvenor", "CCONVENOR", "cConvenor", "ccOnvenor"]
    statuses = [sign_in(name, "wrong").status_code for name in spellings[: django_settings.AXES_FAILURE_LIMIT]]
    assert statuses[-1] == 429
    assert sign_in("Cconvenor", PASSWORD).status_code == 429
