"""Settings for the teaching-data service.

Everything that differs between a laptop and production comes from the environment, with defaults that
are safe for development. `DEBUG=0` switches to production mode, which then requires `SECRET_KEY` and
`ALLOWED_HOSTS` and turns on the HTTPS hardening that `manage.py check --deploy` asks for.
"""

import importlib.util
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "").strip()
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


def development_secret_key(path: Path) -> str:
    """The development key kept in `path`, made on first use with mode 0600 (mkstemp's).

    Processes that start together (`make run`'s commands, gunicorn workers) agree on one key: a new key is
    written to a temporary file and linked into place, which fails if the file already exists, so a reader
    sees a whole key or no file, and the process that loses the race reads the winner's key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}-")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write("dev-" + secrets.token_urlsafe(50) + "\n")
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"{path} is empty: delete it and the next start makes a new development key.")
    return key


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")
    # Development. manage.py and wsgi.py (so `make run`, runserver and gunicorn) name a file outside git that
    # keeps the key, so a restart does not sign everyone out. Whatever loads these settings without naming
    # one (the test runner) gets a key of its own that nothing keeps.
    key_file = os.environ.get("DEV_SECRET_KEY_FILE", "").strip()
    SECRET_KEY = development_secret_key(Path(key_file)) if key_file else "dev-" + secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=0 (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "corsheaders",
    "django_tasks",
    "django_tasks_db",
    "doubtfire",
    "attendance",
    "csvapi",
    "dashboard",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # As high as it can be: it answers CORS preflights before authentication (which would say 419 or 401 to an
    # OPTIONS that carries no token), and its headers reach every answer below it, the 413 included, which a
    # browser would otherwise hide from the page.
    "corsheaders.middleware.CorsMiddleware",
    # Before anything that reads the body: a declared body over the upload limit is answered 413 unread.
    "csvapi.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dashboard.middleware.ScriptedFormRedirectMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "doubtfire.urls"
WSGI_APPLICATION = "doubtfire.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers do not block the one writer; a writer waits instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "doubtfire.User"
# Usernames are unique case-insensitively (a functional constraint Django's check cannot see).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-au"
TIME_ZONE = os.environ.get("TIME_ZONE", "Australia/Melbourne")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- Uploads -------------------------------------------------------------------------------------
# The largest spreadsheet a route accepts; bigger uploads get 413 before they are parsed.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 2**20)
# XLSX files are zip archives: refuse those that would expand past this, or have more parts than this.
XLSX_MAX_UNCOMPRESSED_BYTES = env_int("XLSX_MAX_UNCOMPRESSED_BYTES", 100 * 2**20)
XLSX_MAX_ENTRIES = env_int("XLSX_MAX_ENTRIES", 1000)
# What the one reader reads of any upload before refusing it (spreadsheets.ReadBudget; README "Reliability and
# security"): columns in a row, data rows, filled cells in the file, characters in one cell.
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 1_000)
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 200_000)
SPREADSHEET_MAX_CELLS = env_int("SPREADSHEET_MAX_CELLS", 1_000_000)
SPREADSHEET_MAX_CELL_CHARS = env_int("SPREADSHEET_MAX_CELL_CHARS", 32_767)
# Django refuses request bodies above this with 400; keep it above the upload limit so we answer 413 ourselves.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 2**20
# Uploads stay in memory: with bodies capped by csvapi.middleware, nothing a client sends (signed in or not)
# is spooled to a temporary file on disk.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]

# --- Cross-origin clients (django-cors-headers) ------------------------------------------------------
# Doubtfire's web client (doubtfire-web) served from another origin, e.g. `npm start` on http://localhost:4200
# calling this server, and browser scripts of the attendance tracker. Only the API answers them: the token
# routes under /api/ and the attendance routes at the root; never the dashboard, the admin or the session login.
CORS_URLS_REGEX = (
    r"^/(?:api/.*|api_signup|add_course|delete_course|upload_attendance|download_attendance|get_all_courses"
    r"|add_students|remove_student|delete_date|add_course_from_unit)$"
)
# The origins allowed, comma-separated, scheme and host (and port) only: `https://ontrack.example.edu`.
# `manage.py check` (also run by `migrate`) refuses a malformed one (corsheaders.E013/E014).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
# Development (`make run`) also allows a client on any port of this machine.
CORS_ALLOWED_ORIGIN_REGEXES = [r"^http://(?:localhost|127\.0\.0\.1)(?::\d+)?$"] if DEBUG else []
# Token clients send `Auth-Token` + `Username` (doubtfire-web), `Auth_Token` (its legacy AngularJS half and
# scripts) or `Authorization`. Chromium does send `Auth_Token` cross-origin (preflighted as `auth_token`); it is
# servers and proxies that drop underscored names unless told not to (gunicorn.conf.py's header_map).
CORS_ALLOW_HEADERS = [
    "accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with",
    "auth-token", "auth_token", "username",
    "prefer",  # `Prefer: respond-async` asks a route for a background job (csvapi/jobs.py)
]
CORS_ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Downloads name their file in Content-Disposition; a page on another origin may read it only if exposed.
# A job's answer says where to poll it (Location) and that the preference was applied.
CORS_EXPOSE_HEADERS = ["Content-Disposition", "Location", "Preference-Applied"]
# Tokens travel in headers, never in cookies: a page on another origin never gets to use a signed-in session.
CORS_ALLOW_CREDENTIALS = False

# --- Cache: throttle counters ------------------------------------------------------------------------
# Every worker on every machine must count against one budget, or each counts alone (Django's default cache
# is per process). The database cache needs nothing more than the database: its table is created by
# `migrate` (doubtfire/apps.py). CACHE_URL picks another shared cache: `redis://host:6379/0` (Django's
# own Redis backend; `pip install redis` first) or `db://other_table`.
CACHE_TABLE = "cache_table"


def cache_from_url(url: str) -> dict:
    scheme, _, rest = url.partition("://")
    if scheme == "db":
        # Above this many rows Django deletes a third of the keys, live counters included: keep it far above the
        # number of addresses that sign in or up within an hour.
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest or CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    if scheme in {"redis", "rediss"}:
        if importlib.util.find_spec("redis") is None:
            raise ImproperlyConfigured("CACHE_URL is a Redis URL: install the client first (pip install redis).")
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"CACHE_URL must start with db:// or redis:// (or rediss://), not {url!r}.")


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", "").strip() or f"db://{CACHE_TABLE}")}

# --- Client addresses --------------------------------------------------------------------------------
# How many reverse proxies stand in front of gunicorn, each appending the address it saw to X-Forwarded-For.
# 0 trusts no X-Forwarded-For: throttles and lockouts count the connecting address. With N, the client is
# the Nth address from the right, the one the outermost proxy appended; whatever a client wrote to the left
# of it is ignored. Throttles (DRF) and lockouts (django-axes) both read it, through the same rule.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# --- Background jobs (README "Background jobs") ----------------------------------------------------
# Django's tasks framework (django-tasks, the backport of Django 6's django.tasks) with its database backend: the
# queue is a table of the same database, so `manage.py db_worker` processes on any machine share it (PostgreSQL
# hands each task to one worker with SELECT ... FOR UPDATE SKIP LOCKED). `make run` starts one beside gunicorn.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# "request" (default): routes answer at once unless the client sends `Prefer: respond-async` or `?async=1` (202 +
# job). "always": where Doubtfire's newest web client expects a job (enrolment upload, task completion and tutor
# assessment downloads) it gets one, as upstream answers.
CSV_JOBS = os.environ.get("CSV_JOBS", "request").strip().lower()
if CSV_JOBS not in {"request", "always"}:
    raise ImproperlyConfigured("CSV_JOBS must be 'request' or 'always'.")
# How long a finished job's result (and its row) is kept for its poller.
JOB_RESULT_TTL_SECONDS = env_int("JOB_RESULT_TTL_SECONDS", 24 * 3600)
# Workers gunicorn starts beside itself (gunicorn.conf.py); 0 when they are run as their own service.
JOB_WORKERS = env_int("JOB_WORKERS", 1)
# Housekeeping every job worker runs after each job (and `manage.py prune_expired` runs on demand).
JOBS_PRUNERS = ["dashboard.services.staging.prune_expired", "dashboard.services.trash.prune_expired"]

# --- Dashboard ----------------------------------------------------------------------------------------
# How long an upload waits for Confirm or Discard before its files are deleted, and how long Undo is offered.
STAGED_UPLOAD_HOURS = env_int("STAGED_UPLOAD_HOURS", 24)
UNDO_MINUTES = env_int("UNDO_MINUTES", 10)

# --- API tokens ----------------------------------------------------------------------------------
AUTH_TOKEN_LIFETIME = timedelta(seconds=env_int("AUTH_TOKEN_LIFETIME_SECONDS", 2 * 3600))
# The product's name as Doubtfire's web client shows it (`externalName` of GET /api/settings).
PRODUCT_NAME = os.environ.get("PRODUCT_NAME", "").strip() or "Teaching data"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "csvapi.authentication.HeaderTokenAuthentication",
        "csvapi.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "csvapi.pagination.CredentialFreePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "csvapi.exceptions.error_handler",
    "DEFAULT_THROTTLE_RATES": {
        "sign_in": os.environ.get("SIGN_IN_RATE", "20/min"),
        "sign_up": os.environ.get("SIGN_UP_RATE", "10/hour"),
    },
    # Left unset, DRF would key throttles on whatever X-Forwarded-For a client sends.
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Teaching data API",
    "DESCRIPTION": "Doubtfire-compatible CSV API, attendance tracker and REST resources.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "role" (system role, role in a unit): name them apart.
    "ENUM_NAME_OVERRIDES": {"RoleEnum": "doubtfire.models.Role", "UnitRoleKindEnum": "doubtfire.models.UnitRole.Kind"},
}

# --- Login lockout (django-axes) -----------------------------------------------------------------
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Failures count against the (username, address) pair: one person's typos lock out that person at that address,
# never another account at the same address (a campus NAT, a proxy), nor that account elsewhere. Guessing many
# accounts from one address meets the per-address throttles instead (SIGN_IN_RATE on /api/auth).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "csvapi.authentication.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
# Failed sign-ins are stored with their query string and form: never keep a token there in the clear.
AXES_SENSITIVE_PARAMETERS = ["password", "auth_token", "Auth_Token", "authToken", "auth-token", "token"]
AXES_LOCKOUT_CALLABLE = "csvapi.authentication.lockout_response"
# The address a failure counts against, read as the throttles read it (NUM_PROXIES). Without this, django-axes
# uses REMOTE_ADDR (django-ipware is not installed, so AXES_IPWARE_* would change nothing): behind a proxy,
# every client would share the proxy's address.
AXES_CLIENT_IP_CALLABLE = "csvapi.authentication.client_address"

IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# --- Production hardening ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
