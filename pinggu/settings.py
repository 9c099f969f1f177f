"""Settings for Pinggu, read from PINGGU_* environment variables with safe defaults.

Everything the instance writes lives under PINGGU_DATA_DIR (default ./var):
the SQLite database, uploaded files and the generated secret key.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    return os.environ.get(f"PINGGU_{name}", default)


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = env(name)
    return int(value) if value not in (None, "") else default


DATA_DIR = Path(env("DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key():
    """Generated once per instance and kept in the data directory, never committed."""
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        # O_EXCL: when two processes start at once, only one key wins.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' assets locally instead of from a CDN
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "pinggu.site",
    "pinggu.units",
    "pinggu.accounts",
    "pinggu.frameworks",
    "pinggu.campaigns",
    "pinggu.evidence",
    "pinggu.oversight",
    "pinggu.reviews",
    "pinggu.exports",
]

MIDDLEWARE = [
    # Outermost: its duration covers every other middleware, and it sees the answer actually sent.
    "pinggu.site.requestlog.RequestLogMiddleware",
    # Before anything asks for the host: a load balancer probes by IP address, not a name in ALLOWED_HOSTS.
    "pinggu.site.health.HealthCheckMiddleware",
    "pinggu.errors.ApiErrorsAsJsonMiddleware",  # first: it rewrites the other middleware's error answers too
    "pinggu.site.limits.RequestSizeLimitMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pinggu.accounts.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "pinggu.errors.DomainErrorMiddleware",
    # Last, so that its process_exception sees a view's error first.
    "pinggu.site.middleware.StorageFullMiddleware",
]

ROOT_URLCONF = "pinggu.urls"
WSGI_APPLICATION = "pinggu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pinggu.accounts.context_processors.perms_pinggu",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "pinggu.sqlite3"),
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE
                # takes the write lock at BEGIN so concurrent writers queue on
                # the busy timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=30000;"
                ),
            },
            # Tests run on a file with WAL, like production, not on a shared-cache
            # in-memory database whose locking behaves differently.
            "TEST": {"NAME": str(DATA_DIR / "test-pinggu.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared state ------------------------------------------------------------------
# Several app servers answer the same users, so nothing may live in one process's memory:
# sessions, lockout counters and task state are database rows, and the cache is the database
# (table created by `pinggu migrate`) or Redis when PINGGU_REDIS_URL is set. Django's default,
# a local-memory cache per process, would give each gunicorn process its own view.
REDIS_URL = (env("REDIS_URL") or "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "pinggu"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pinggu_cache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Files --------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "files"
MEDIA_URL = "/files/"  # never served directly; downloads go through permission-checked views
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks here first; the package finders serve the rest
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# PINGGU_STORAGE=s3: evidence, bundles and generated files in S3-compatible object storage
# (MinIO, Ceph, a cloud OSS); the bucket is created by `pinggu migrate` or `pinggu storage init`.
STORAGE = (env("STORAGE", "local") or "local").strip().lower()
if STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "bucket_name": env("S3_BUCKET", "pinggu"),
            "access_key": env("S3_ACCESS_KEY") or None,
            "secret_key": env("S3_SECRET_KEY") or None,
            "region_name": env("S3_REGION") or None,
            # path style suits MinIO/Ceph behind one host name; virtual for cloud OSS that requires it
            "addressing_style": env("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "location": env("S3_PREFIX", ""),
            "file_overwrite": False,  # uploads never overwrite
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env_int("S3_PRESIGN_SECONDS", 300),
        },
    }
elif STORAGE != "local":
    raise ValueError(f"PINGGU_STORAGE must be local or s3, not {STORAGE!r}")
# On S3, downloads redirect to a presigned URL valid this long; PINGGU_S3_PRESIGN=false streams through Pinggu instead.
S3_PRESIGN = env_bool("S3_PRESIGN", True)
S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", 300)
# PINGGU_SENDFILE=nginx: on local storage, evidence downloads are sent by nginx (X-Accel-Redirect to the
# internal location PINGGU_SENDFILE_URL, an alias of the files directory) after the permission check and audit.
SENDFILE = (env("SENDFILE", "") or "").strip().lower()
if SENDFILE not in {"", "nginx"}:
    raise ValueError(f"PINGGU_SENDFILE must be empty or nginx, not {SENDFILE!r}")
SENDFILE_URL = env("SENDFILE_URL", "/_pinggu_files/")
WHITENOISE_USE_FINDERS = True  # serve straight from the package; collectstatic is optional
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temp file
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "tmp"  # same disk as the files: storing an upload is a rename, not a copy
FILE_UPLOAD_TEMP_DIR.mkdir(exist_ok=True)
# Plain multipart uploads are hashed (SHA-256, CRC-32) while they arrive, not re-read afterwards.
FILE_UPLOAD_HANDLERS = [
    "pinggu.evidence.uploadhandlers.HashingMemoryFileUploadHandler",
    "pinggu.evidence.uploadhandlers.HashingTemporaryFileUploadHandler",
]
# Resumable (tus) uploads: partial files here (same disk as the files: completing one is a rename).
# With several app servers this directory must be shared by them (or the balancer must keep an
# upload on one server); a resumed upload re-hashes its stored prefix once on a server that did not
# see its start.
UPLOADS_DIR = FILE_UPLOAD_TEMP_DIR / "uploads"
UPLOADS_DIR.mkdir(exist_ok=True)
# The most bytes one PATCH may carry (the request size limit agrees); the page sends chunks this size.
UPLOAD_CHUNK_BYTES = env_int("UPLOAD_CHUNK_MB", 16) * 1024 * 1024
# An unfinished upload not written to for this long is removed by the sweeps.
UPLOAD_EXPIRY = timedelta(hours=env_int("UPLOAD_EXPIRY_HOURS", 24))
# Unfinished uploads one account may hold at once (each may reserve up to a file's size on disk).
UPLOADS_PER_USER = env_int("UPLOADS_PER_USER", 20)
# Files at least this large go through the resumable path in the workspace page.
RESUMABLE_THRESHOLD_BYTES = env_int("RESUMABLE_THRESHOLD_MB", 8) * 1024 * 1024
# Crash leftovers (pinggu.site.sweeps): upload temp files of killed workers, and evidence files
# whose row was never written. Swept at start of serve/worker and every SWEEP_INTERVAL by the worker.
TEMP_FILE_MAX_AGE = timedelta(hours=env_int("TEMP_MAX_AGE_HOURS", 6))
ORPHAN_FILE_MIN_AGE = timedelta(hours=24)
ORPHANS_LIST = DATA_DIR / "orphans.txt"
# Where `pinggu backup`/`restore` find pg_dump and pg_restore when not in /usr/lib/postgresql/<version>/bin or on PATH.
PG_BINDIR = env("PG_BINDIR", "")
SWEEP_INTERVAL = timedelta(minutes=env_int("SWEEP_INTERVAL_MINUTES", 60))
FRAMEWORK_IMPORT_MAX_BYTES = env_int("FRAMEWORK_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Any request body but an evidence upload (whose limit is the campaign's file limit).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", FRAMEWORK_IMPORT_MAX_BYTES + 64 * 1024)

# --- Auth and security ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    # argon2id at OWASP's minimum. It verifies every "argon2$" hash whatever its parameters, so
    # hashes made with Django's heavier defaults still work and are rehashed at the next login
    # (pinggu/accounts/passwords.py, docs/性能.md).
    "pinggu.accounts.passwords.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "pinggu.accounts.passwords.StrengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are rows in the shared database, counted together whichever app server took them
# (axes' cache handler would count per process with a local-memory cache).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOCKOUT_MINUTES", 15))
# By account and address together: failures lock that account from that address only.
# Not by IP alone (a whole office shares one NAT address, and one mistyped password must not
# lock out every colleague), and not by account alone (five wrong guesses from anywhere would
# keep the organizer out all day). Web and API failures count together.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "pinggu.accounts.lockout.lockout_response"
# Behind nginx every request comes from nginx: the client is the address nginx added (pinggu/lib/clientaddr.py).
AXES_CLIENT_IP_CALLABLE = "pinggu.lib.clientaddr.client_addr"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request (idle timeout)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS only where HTTPS is certain (secure cookies say the site is served over it); a year by default.
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
# X-Forwarded-Proto is believed only when the operator says an HTTPS proxy sets it (and strips
# it from clients); otherwise any client could claim HTTPS. `pinggu serve` tells gunicorn the same.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
# The proxies whose X-Forwarded-Proto / X-Forwarded-For are believed (gunicorn's --forwarded-allow-ips too).
FORWARDED_ALLOW_IPS = [ip.strip() for ip in (env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") or "").split(",") if ip.strip()]
# Should an operator turn on the HTTPS redirect, the load balancer's plain-HTTP probe still gets its answer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "pinggu.site.views.csrf_failure"
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Bootstrap, htmx and ECharts set style attributes at run time.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Background tasks and e-mail ------------------------------------------------------
# Tasks are stored in the database and run by `pinggu db_worker` (started by `pinggu serve`).
TASKS = {"default": {"BACKEND": env("TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
REMINDER_QUIET_HOURS = env_int("REMINDER_QUIET_HOURS", 24)
# Where people reach this instance, written into mails, password workbooks and notices
# (no request exists when a background job writes them). PINGGU_SITE_URL is the old name.
BASE_URL = (env("BASE_URL") or env("SITE_URL") or "").strip().rstrip("/")
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "pinggu@localhost")
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env("EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    # No SMTP server configured (the demo): mails are written as files to read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- Language and time -----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Health and logs -------------------------------------------------------------
# The worker writes a heartbeat row this often; /healthz calls it down when the newest is older than WORKER_STALE.
WORKER_HEARTBEAT = timedelta(seconds=env_int("WORKER_HEARTBEAT_SECONDS", 30))
WORKER_STALE = timedelta(seconds=env_int("WORKER_STALE_SECONDS", 120))
# /healthz warns when the data directory's disk has less free space than this share (percent).
DISK_WARN_FREE_PERCENT = env_int("DISK_WARN_FREE_PERCENT", 10)
# One line per request on logger pinggu.request (method, path, status, duration...); `pinggu serve` turns it on.
REQUEST_LOG = env_bool("REQUEST_LOG", False)
LOG_FORMAT = (env("LOG_FORMAT", "json") or "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ValueError(f"PINGGU_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "pinggu.site.requestlog.JsonFormatter"},
        "text": {"()": "pinggu.site.requestlog.TextFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Whatever the root level, request lines are written when the request log is on, and only then.
        "pinggu.request": {"handlers": ["console"], "level": "INFO" if REQUEST_LOG else "WARNING", "propagate": False},
    },
}
