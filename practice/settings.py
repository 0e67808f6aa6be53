"""The one settings module: every knob comes from the environment (see README)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

# Lets classes such as ModelAdmin[Practice] be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")


def _embedded_secret_key() -> str:
    # The embedded mode keeps a random key in var/ so sessions survive restarts without any
    # configuration; production always passes SECRET_KEY.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_scopes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "practice",
    "clients",
    "assessments",
]

MIDDLEWARE = [
    "practice.audit.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "practice.two_factor.RememberedOTPMiddleware",
    "practice.security.SessionLifetimeMiddleware",
    "practice.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "practice.security.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    "practice.tenancy.TenancyMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"

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
                "practice.context_processors.navigation",
            ],
        },
    },
]

# Databases ------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fulcrum.sqlite3'}"),
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the dev server and the worker write side by side.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not memory) so the live server, the test worker and the tests share one database;
    # one per process so parallel runs never collide.
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # Django's backend plus the row-level security setting sent before each statement.
    _db["ENGINE"] = "practice.pgwall"
    # Persistent connections: a new PostgreSQL connection costs ~6 ms per request.
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    _db["CONN_HEALTH_CHECKS"] = True
    # Planner settings for what this database is: a working set in memory or on SSD, and short
    # queries. With the defaults (random_page_cost=4, written for spinning disks) the practice
    # dashboard's funnel hashed whole tables instead of reading the ~1,500 open assignments by
    # index (244 ms against 66 ms at 100,000 responses), and JIT compilation added ~40 ms to a
    # query that runs in a few. Set per connection, so they travel with the app.
    if pg_options := env.str("PG_OPTIONS", default="-c random_page_cost=1.1 -c jit=off"):
        _db["OPTIONS"] = {"options": pg_options}
    # The application connects as a role that owns nothing and cannot bypass row-level security
    # (DATABASE_URL); migrations and `create_app_role` run as the tables' owner. Unset, the owner
    # is the DATABASE_URL role (a development database with one role: no third wall).
    _owner = env.db("DATABASE_OWNER_URL", default=env.str("DATABASE_URL"))
    _owner["ENGINE"] = "practice.pgwall"
    _owner["CONN_MAX_AGE"] = 0
    DATABASES["owner"] = _owner
DATABASE_BACKEND = "sqlite" if _db["ENGINE"].endswith("sqlite3") else "postgresql"
# Test-only: the tenancy code enters `scopes_disabled()` inside each practice's scope, so the
# isolation tests can show the database wall holds on its own (never set outside tests).
TENANCY_SCOPE_CHECKS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery ---------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
if REDIS_URL:
    BROKER_BACKEND = "redis"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A message unacknowledged for longer than this is redelivered, so it must outlast the
    # hard time limit or a slow task would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_TASK_TIME_LIMIT * 4,
    }
else:
    BROKER_BACKEND = "filesystem"
    _broker_dir = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "celery")))
    _queue_dir = _broker_dir / "queue"
    _processed_dir = _broker_dir / "processed"
    _results_dir = _broker_dir / "results"
    _control_dir = _broker_dir / "control"
    for _path in (_queue_dir, _processed_dir, _results_dir, _control_dir):
        _path.mkdir(parents=True, exist_ok=True)
    # kombu's filesystem transport with atomic writes (practice/filesystem_broker.py).
    CELERY_BROKER_URL = "fulcrumfs://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
        "polling_interval": 0.2,
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "reconcile-comparisons": {
        "task": "assessments.comparisons.tasks.reconcile_comparisons",
        "schedule": env.float("RECONCILE_EVERY_SECONDS", default=60.0),
    },
    "send-invitation-reminders": {
        "task": "clients.tasks.send_due_reminders",
        "schedule": 60.0 * 60,
    },
    "send-counsellor-digests": {
        "task": "clients.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
# A comparison queued or running this long is presumed lost and re-queued by the reconciler;
# it must outlast the task's hard time limit so a slow job is not run twice.
COMPARISON_STUCK_AFTER_SECONDS = env.int("COMPARISON_STUCK_AFTER_SECONDS", default=360)
COMPARISON_RETRY_BASE_SECONDS = env.float("COMPARISON_RETRY_BASE_SECONDS", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Token first: its `WWW-Authenticate: Token` header makes DRF answer 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "practice.api.auth.ApiTokenAuthentication",
        "practice.api.auth.TwoFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "practice.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fulcrum API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Balance-of-power assessments for counselling practices.\n\n"
        "Get a token (shown once), then send it as `Authorization: Token <key>`:\n\n"
        "```sh\n"
        "curl -X POST $SITE/api/v1/auth/token/ -H 'Content-Type: application/json' \\\n"
        '  -d \'{"email": "you@example.org", "password": "...", "name": "my script"}\'\n'
        'curl -H "Authorization: Token $KEY" $SITE/api/v1/practices/\n'
        'curl -H "Authorization: Token $KEY" $SITE/api/v1/practices/<slug>/couples/\n'
        "```\n\n"
        "Records are addressed by UUID. A practice you are not a member of, and any record "
        "you may not see, answers 404. Errors share one shape: "
        '`{"error": {"status", "code", "detail", "fields"}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CoupleStatusEnum": "clients.models.Couple.Status",
        "ComparisonStatusEnum": "assessments.models.Comparison.Status",
        "InvitationStateEnum": "clients.models.Invitation.State",
        "AssignmentStatusEnum": ["open", "submitted"],
        "RescoreStatusEnum": ["done"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "practice.api.errors.add_error_responses",
    ],
}

# Cache (throttles): shared by every web and worker process.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "practice.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Auth, sessions, i18n, static -----------------------------------------------------------------
AUTH_USER_MODEL = "practice.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # set-password and reset links expire after 3 days
SESSION_IDLE_TIMEOUT = 30 * 60
# The stored expiry is pushed ahead whenever the session is saved; practice.security saves the
# last-seen time at most once a minute, so a plain read writes nothing.
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = False
SESSION_SEEN_RESOLUTION = 60
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
if REDIS_URL:
    # Read from Redis, written through to the database: a flushed or restarted Redis signs
    # nobody out (the "cache" engine would), and erasure can still enumerate the sessions.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

OTP_TOTP_ISSUER = "Fulcrum"

# The reverse proxies in front of the app (a count, or addresses/networks): see
# practice/client_address.py.
TRUSTED_PROXIES = env.str("TRUSTED_PROXIES", default="")
AXES_CLIENT_IP_CALLABLE = "practice.client_address.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
# Keyed on username + IP so a stranger elsewhere cannot lock a counsellor out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "practice/locked_out.html"
AXES_VERBOSE = False
# The sign-in form posts the email in the field Django calls "username".
AXES_USERNAME_FORM_FIELD = "username"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "practice.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed file names need `collectstatic`; the dev server and tests serve from the finders.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True


# Email ----------------------------------------------------------------------------------------
def email_config(url: str) -> dict[str, object]:
    """django-environ's reading of an EMAIL_URL, except that `filemail:///var/mail` is the
    absolute folder /var/mail: django-environ drops the path's first slash, making it relative."""
    config: dict[str, object] = environ.Env.email_url_config(url)
    parts = urlsplit(url)
    if parts.scheme == "filemail":
        if parts.netloc not in ("", "localhost"):
            # The URL is not echoed: EMAIL_URLs carry passwords.
            raise ImproperlyConfigured(
                "EMAIL_URL names a host for filemail; write the folder as filemail:///absolute/path"
            )
        path = unquote_plus(parts.path)
        # `filemail:////var/mail`, the form django-environ needs, still means /var/mail;
        # `filemail:var/mail` stays relative to the working directory.
        config["EMAIL_FILE_PATH"] = "/" + path.lstrip("/") if path.startswith("/") else path
    return config


vars().update(email_config(env.str("EMAIL_URL", default="consolemail://")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Fulcrum <no-reply@fulcrum.example>")

# Security -------------------------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js writes <style> elements and style attributes while drawing; nothing else
        # on the site needs inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every browser-only rule of the shared stylesheet (media queries,
        # vendor prefixes) on each PDF, and its progress at INFO; a resource it may not load
        # raises instead (practice.pdf), so only its errors are worth a log line.
        "weasyprint": {"level": "ERROR"},
    },
}
