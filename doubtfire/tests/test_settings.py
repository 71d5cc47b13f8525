"""Settings read from the environment: the shared cache (CACHE_URL) and the development SECRET_KEY.

The key is read when the settings load, so its tests load them in fresh processes, as `make run` does.
"""

import http.client
import importlib.util
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ImproperlyConfigured

from doubtfire.settings import cache_from_url
from tests.served import served

ROOT = Path(__file__).resolve().parents[2]


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


# --- The development SECRET_KEY -------------------------------------------------------------------------------

PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def development(key_file: Path, **extra) -> dict:
    env = {**os.environ, "DEBUG": "1", "DEV_SECRET_KEY_FILE": str(key_file), **extra}
    env.pop("SECRET_KEY", None)
    return env


def settings_key(env: dict) -> subprocess.CompletedProcess:
    """SECRET_KEY as manage.py loads it (manage.py shell)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-v0", "-c", PRINT_KEY],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_the_development_key_is_made_once_with_mode_0600_and_kept(tmp_path):
    key_file = tmp_path / "state" / ".secret_key"
    first = settings_key(development(key_file))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) > 50
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The next start reads the same key, and leaves nothing else behind.
    assert settings_key(development(key_file)).stdout.strip() == key
    assert [path.name for path in key_file.parent.iterdir()] == [".secret_key"]


def test_processes_starting_together_agree_on_one_key(tmp_path):
    """Workers or commands that start at once, with no key file yet, all end up with the same key."""
    key_file = tmp_path / ".secret_key"
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'doubtfire.settings'; " + PRINT_KEY
    starts = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=development(key_file), stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {start.communicate(timeout=60)[0].strip() for start in starts}
    assert keys == {key_file.read_text().strip()}
    assert [path.name for path in tmp_path.iterdir()] == [".secret_key"]


def test_production_uses_secret_key_and_never_the_file(tmp_path):
    key_file = tmp_path / ".secret_key"
    production = {"DEBUG": "0", "ALLOWED_HOSTS": "teaching.example.edu"}
    env = {**development(key_file, **production), "SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghij"}
    assert settings_key(env).stdout.strip() == "a-production-like-secret-key-0123456789-abcdefghij"
    assert not key_file.exists()
    # A key file left from development does not stand in for SECRET_KEY.
    key_file.write_text("dev-left-over\n")
    refused = settings_key(development(key_file, **production))
    assert refused.returncode != 0
    assert "SECRET_KEY must be set" in refused.stderr


def test_make_run_keeps_the_key_beside_manage_py_and_out_of_git():
    # Where manage.py and wsgi.py point by default (read with SECRET_KEY set, so no file is made here).
    env = {**os.environ, "SECRET_KEY": "test-only"}
    env.pop("DEV_SECRET_KEY_FILE", None)
    show = "import os; print(os.environ['DEV_SECRET_KEY_FILE'])"
    commands = [[str(ROOT / "manage.py"), "shell", "-v0", "-c", show], ["-c", "import doubtfire.wsgi; " + show]]
    named = [
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60).stdout.strip()
        for command in commands
    ]
    assert named == [str(ROOT / ".secret_key")] * 2
    assert ".secret_key" in (ROOT / ".gitignore").read_text().splitlines()


def _sign_in_to_the_dashboard(port: int) -> str:
    """Signs in through the form as a browser does; returns the cookies to send afterwards."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    form = urlencode({"username": "cconvenor", "password": "x-Long-Passw0rd", "csrfmiddlewaretoken": token})
    connection.request(
        "POST", "/accounts/login/", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    signed_in = connection.getresponse()
    signed_in.read()
    assert signed_in.status == 302, signed_in.status
    session = [part.split(";")[0] for part in signed_in.headers.get_all("Set-Cookie") if part.startswith("sessionid=")]
    connection.close()
    return "; ".join([cookie, *session])


def _home_page_status(port: int, cookies: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", "/", headers={"Cookie": cookies})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def test_a_restart_of_make_run_keeps_everyone_signed_in(tmp_path):
    """The finding: the development key changed at every start, so every restart signed everyone out."""
    make_user = (
        "from doubtfire.models import Role, User; User.objects.create_user(username='cconvenor', "
        "email='c@example.edu', password='x-Long-Passw0rd', role=Role.CONVENOR)"
    )
    development_server = {"DEBUG": "1", "SECRET_KEY": None, "DEV_SECRET_KEY_FILE": str(tmp_path / ".secret_key")}
    with served(tmp_path, setup=make_user, **development_server) as port:
        cookies = _sign_in_to_the_dashboard(port)
        assert _home_page_status(port, cookies) == 200
    with served(tmp_path, **development_server) as port:
        # Both workers of the new server read the same key: signed in, whichever answers.
        assert [_home_page_status(port, cookies) for _ in range(4)] == [200] * 4
