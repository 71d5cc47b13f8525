"""gunicorn settings shared by `make run`, the deployment guide and the server test.

`header_map = "dangerous"` keeps headers with underscores: Doubtfire's clients send `Auth_Token`, which
gunicorn (like Django's runserver and nginx) drops by default. It is safe here because the app reads the
token from one place only (HTTP_AUTH_TOKEN), so `Auth_Token` and `Auth-Token` cannot be played off
against each other.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Load the app once, before forking: workers share its memory, and a broken configuration stops gunicorn at
# start instead of failing in every worker. (Without a SECRET_KEY, workers agree on the development key because
# it is kept in DEV_SECRET_KEY_FILE, not because of this.)
preload_app = True
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # a faculty-sized upload takes seconds, not minutes
header_map = "dangerous"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# The default format logs the query string, where legacy scripts may put `?auth_token=`: log the path only.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'
# The proxies whose X-Forwarded-Proto gunicorn believes (set it to the proxy's address). Which client an
# X-Forwarded-For names is a separate question, answered by NUM_PROXIES in the settings: throttles and lockouts
# count the address the outermost proxy appended, and gunicorn must then be reachable only through the proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Background jobs: gunicorn starts JOB_WORKERS task workers (`manage.py db_worker`) beside itself and stops them
# when it stops, so `make run` is still one command. A deployment that runs its workers as their own service
# (several, on several machines, all sharing the database's queue) sets JOB_WORKERS=0 here.
_job_workers = []


def when_ready(server):
    import subprocess
    import sys
    from pathlib import Path

    count = int(os.environ.get("JOB_WORKERS", "1"))
    manage = Path(__file__).resolve().with_name("manage.py")
    # --no-reload: under DEBUG the worker would otherwise run in an autoreloader child that outlives terminate().
    for _ in range(count):
        _job_workers.append(subprocess.Popen(
            [sys.executable, str(manage), "db_worker", "--queue-name", "*", "--interval", "0.5", "--no-reload"]
        ))
    if count:
        server.log.info("Started %d background job worker(s) (manage.py db_worker).", count)


def on_exit(server):
    for worker in _job_workers:
        worker.terminate()
    for worker in _job_workers:
        try:
            worker.wait(timeout=15)  # a worker finishes the job it is running before it exits
        except Exception:
            worker.kill()
