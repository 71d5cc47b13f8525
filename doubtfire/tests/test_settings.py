"""Settings read from the environment: the shared cache (CACHE_URL)."""

import importlib.util

import pytest
from django.core.exceptions import ImproperlyConfigured

from doubtfire.settings import cache_from_url


def test_the_default_cache_is_the_database_table_that_migrate_creates(settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] == "cache_table"


def test_cache_url_names_another_table():
    assert cache_from_url("db://throttles")["LOCATION"] == "throttles"


def test_a_redis_cache_url_uses_djangos_redis_backend(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    cache = cache_from_url("redis://127.0.0.1:6379/2")
    assert cache == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/2"}


def test_a_redis_cache_url_without_the_client_installed_says_what_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match="pip install redis"):
        cache_from_url("redis://127.0.0.1:6379/2")


@pytest.mark.parametrize("url", ["locmem://", "memcached://127.0.0.1:11211", "cache_table"])
def test_a_cache_url_that_is_not_shared_or_not_known_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url(url)
