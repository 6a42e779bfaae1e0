"""BZPEER settings: one module, read from the environment, with defaults that work on one machine.

Production differs only by environment values (see README.md, "Configuration").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("BZPEER_DEBUG", False)
SECRET_KEY = os.environ.get("BZPEER_SECRET_KEY", "")
if not SECRET_KEY:
    # The development key is public: with it anyone could forge e-mail confirmations, password
    # resets and sessions. Only development mode may use it, whatever else the environment says.
    if not DEBUG:
        raise ImproperlyConfigured(
            "BZPEER_SECRET_KEY is not set. Set it (any long random string) or set BZPEER_DEBUG=1 "
            "for local development."
            + (
                " BZPEER_ALLOW_INSECURE_KEY no longer runs the site on the public development key "
                "outside development mode."
                if env_bool("BZPEER_ALLOW_INSECURE_KEY")
                else ""
            )
        )
    SECRET_KEY = "insecure-development-key-not-for-production"

ALLOWED_HOSTS = env_list("BZPEER_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("BZPEER_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.orcid",
    "profiles",
    "publications",
    "graph",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bzpeer.health.DependencyOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "bzpeer.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "bzpeer.urls"
WSGI_APPLICATION = "bzpeer.wsgi.application"

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

# Database: DATABASE_URL. Reading the settings starts nothing: without DATABASE_URL the commands
# that use a database (manage.py, the WSGI application, the Celery worker, the tests, the
# benchmarks) start the embedded PostgreSQL under .data/ and set DATABASE_URL before the settings
# are read (bzpeer.embedded_db.use_embedded_if_unset). Left unset, no database is named and
# connecting fails with Django's "supply the NAME" error.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or "postgresql://", conn_max_age=60
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# A database that does not answer must not hang a page until gunicorn kills the worker: give up
# connecting after BZPEER_DB_CONNECT_TIMEOUT seconds, and cancel any statement running longer
# than BZPEER_DB_STATEMENT_TIMEOUT milliseconds. The web process (bzpeer/wsgi.py) defaults to
# 20,000 ms; workers and commands (imports, full recomputes) default to no limit (0).
DB_CONNECT_TIMEOUT = int(os.environ.get("BZPEER_DB_CONNECT_TIMEOUT", "5"))
DB_STATEMENT_TIMEOUT = int(os.environ.get("BZPEER_DB_STATEMENT_TIMEOUT", "0"))
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["connect_timeout"] = DB_CONNECT_TIMEOUT
if DB_STATEMENT_TIMEOUT > 0:
    _db_options["options"] = (
        _db_options.get("options", "") + f" -c statement_timeout={DB_STATEMENT_TIMEOUT}"
    ).strip()
DATABASES["default"].setdefault("TEST", {})
if os.environ.get("BZPEER_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = os.environ["BZPEER_TEST_DATABASE_NAME"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: Redis when REDIS_URL is set; otherwise tasks run inline in the calling process.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Inline tasks still take a producer from the in-memory transport: it needs a host name, or
# kombu logs "No hostname was supplied" on every task a command runs.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest task may run BZPEER_TASK_TIME_LIMIT seconds (a harvest backfill, a big file import;
# soft limit a minute earlier). With Redis, a message whose worker died (SIGKILL, lost machine)
# goes back to the queue after the broker's visibility timeout: it must exceed the longest task
# plus the longest retry countdown (600 s, publications.tasks), else a running task would be
# delivered twice, and it is what a killed worker's task waits (Redis' default is one hour).
CELERY_TASK_TIME_LIMIT = int(os.environ.get("BZPEER_TASK_TIME_LIMIT", str(20 * 60)))
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
BROKER_VISIBILITY_TIMEOUT = int(
    os.environ.get("BZPEER_BROKER_VISIBILITY_TIMEOUT", str(CELERY_TASK_TIME_LIMIT + 600 + 300))
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # Workers look for such messages every few seconds (kombu's default sweep is ~100 s apart).
    "unacked_restore_interval": max(1, min(30, BROKER_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 3,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
# A follow or a claim enqueues its recompute after commit: with the broker down, give up quickly
# (the change is stored; the nightly full recompute catches up) instead of hanging the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# arXiv allows one request every 3 s from a client: harvesting tasks go to their own queue, served
# by one worker process with concurrency 1 (see docker-compose.yml), so workers never add up.
CELERY_TASK_ROUTES = {
    "publications.tasks.harvest_set": {"queue": "arxiv"},
    "publications.tasks.reimport_work": {"queue": "arxiv"},
}

# Daily arXiv harvest: which categories, and when (UTC; arXiv announces around 00:00 UTC).
BZPEER_HARVEST_SETS = env_list("BZPEER_HARVEST_SETS", "physics:astro-ph,cs")
BZPEER_HARVEST_HOUR = int(os.environ.get("BZPEER_HARVEST_HOUR", "3"))
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "harvest-arxiv-daily": {
        "task": "publications.tasks.harvest_configured_sets",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(
            hour=BZPEER_HARVEST_HOUR, minute=0
        ),
    },
}

# Counters and trust scores (graph): recomputed after every change of the records they depend on
# (imports, claims, follows, curation) and fully every night, after the daily harvest.
BZPEER_SCORES_ON_CHANGE = os.environ.get("BZPEER_SCORES_ON_CHANGE", "1") != "0"
CELERY_BEAT_SCHEDULE["recompute-scores-nightly"] = {
    "task": "graph.tasks.recompute_all",
    "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(
        hour=(BZPEER_HARVEST_HOUR + 2) % 24, minute=30
    ),
}

# Author identity (publications/identity_service.py): every import and harvest ends with the
# engine's pass over the name blocks it wrote; Celery beat runs the full pass every night, as one
# task per group of blocks (any number of workers share them), after the harvest and before the
# full recompute of scores.
BZPEER_IDENTITY_ON_IMPORT = os.environ.get("BZPEER_IDENTITY_ON_IMPORT", "1") != "0"
CELERY_BEAT_SCHEDULE["resolve-identities-nightly"] = {
    "task": "publications.tasks.resolve_identities_nightly",
    "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(
        hour=(BZPEER_HARVEST_HOUR + 1) % 24, minute=30
    ),
}

# E-mail digests of new works by followed records (opt-in): due users are sent to daily at this
# hour (UTC), daily subscribers every day, weekly ones every seventh day.
BZPEER_DIGEST_HOUR = int(os.environ.get("BZPEER_DIGEST_HOUR", "7"))
CELERY_BEAT_SCHEDULE["send-digests-daily"] = {
    "task": "profiles.tasks.send_due_digests",
    "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(
        hour=BZPEER_DIGEST_HOUR, minute=15
    ),
}

# arXiv clients: their rules are one request every 3 s and a descriptive User-Agent.
ARXIV_API_URL = os.environ.get("BZPEER_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = os.environ.get("BZPEER_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_MIN_INTERVAL = float(os.environ.get("BZPEER_ARXIV_MIN_INTERVAL", "3"))
# First wait after a temporary fault (doubling at each retry; arXiv's Retry-After wins).
ARXIV_BACKOFF = float(os.environ.get("BZPEER_ARXIV_BACKOFF", "5"))
# Per read (connect and each wait for bytes), and in total per response however slowly it comes.
ARXIV_TIMEOUT = float(os.environ.get("BZPEER_ARXIV_TIMEOUT", "30"))
ARXIV_REQUEST_DEADLINE = float(os.environ.get("BZPEER_ARXIV_REQUEST_DEADLINE", "120"))
# Waits (Retry-After, backoff) up to this long happen in the worker; longer ones reschedule the task.
ARXIV_MAX_WAIT = float(os.environ.get("BZPEER_ARXIV_MAX_WAIT", "120"))
# Harvested records are committed in batches of this many (arXiv pages hold 1,000 records).
HARVEST_BATCH_SIZE = int(os.environ.get("BZPEER_HARVEST_BATCH_SIZE", "1000"))
# A running import with no committed batch for this long is marked interrupted.
BZPEER_IMPORT_STALE_MINUTES = int(os.environ.get("BZPEER_IMPORT_STALE_MINUTES", "30"))
ARXIV_USER_AGENT = os.environ.get(
    "BZPEER_ARXIV_USER_AGENT",
    "BZPEER/0.1 (researcher profiles built from arXiv metadata; mailto:admin@bzpeer.example)",
)

# The cache fails open: with Redis unreachable a read misses and a write is dropped (logged),
# so pages render from the database instead of answering 500 (bzpeer/cache.py).
CACHES = {
    "default": (
        {
            "BACKEND": "bzpeer.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
WHITENOISE_USE_FINDERS = (
    True  # serve from the source folders too, so `make run` needs no collectstatic
)

# Reverse proxies in front of the site: how many X-Forwarded-For entries (counted from the right)
# to trust for the client address of rate limits. 0: the client is the TCP peer (REMOTE_ADDR), and
# whatever X-Forwarded-For a client sends is ignored.
BZPEER_TRUSTED_PROXIES = int(os.environ.get("BZPEER_TRUSTED_PROXIES", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = BZPEER_TRUSTED_PROXIES

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "bzpeer.api_schema.ApiSchema",
    # REST API (/api/, see bzpeer/api.py): one error body, cursor pages, throttles, session + token.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with "WWW-Authenticate: Token".
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads are public; writes need a verified e-mail address (views add IsAuthenticated).
    "DEFAULT_PERMISSION_CLASSES": ["profiles.api_permissions.VerifiedEmailForWrites"],
    # JSON only: people explore the API in Swagger UI (/api/docs/) and Redoc (/api/redoc/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "bzpeer.api.JsonOnlyNegotiation",
    # Throttles count clients by address: X-Forwarded-For only from the trusted proxies.
    "NUM_PROXIES": BZPEER_TRUSTED_PROXIES,
    "DEFAULT_PAGINATION_CLASS": "bzpeer.api.Cursor",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["bzpeer.api.AnonThrottle", "bzpeer.api.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("BZPEER_API_ANON_RATE", "120/min"),
        "user": os.environ.get("BZPEER_API_USER_RATE", "600/min"),
    },
    "EXCEPTION_HANDLER": "bzpeer.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BZPEER API",
    "DESCRIPTION": "Researcher profiles and works built from arXiv metadata.",
    "VERSION": "0.1.0",
    # Swagger UI and Redoc from the drf-spectacular-sidecar package: served locally, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

EMAIL_BACKEND = os.environ.get(
    "BZPEER_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# --- Accounts: django-allauth, ORCID sign-in, SMTP, limits ------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("BZPEER_FROM_EMAIL", "BZPEER <no-reply@bzpeer.example>")
BZPEER_SITE_URL = os.environ.get("BZPEER_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/following/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "BZPEER: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("BZPEER_SECURE_COOKIES") else "http"
# Failed log-ins per client IP and per account, sign-ups, and mails we send on request.
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("BZPEER_RATE_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "login": os.environ.get("BZPEER_RATE_LOGIN", "30/m/ip"),
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ADAPTER = "profiles.adapters.SocialAccountAdapter"
# Whether ORCID sign-in is offered (templates hide its links otherwise).
BZPEER_ORCID_ENABLED = bool(os.environ.get("BZPEER_ORCID_CLIENT_ID"))
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, Any]] = {
    "orcid": {
        # Sandbox (sandbox.orcid.org) for testing, the public registry otherwise.
        "BASE_DOMAIN": "sandbox.orcid.org" if env_bool("BZPEER_ORCID_SANDBOX") else "orcid.org",
        "MEMBER_API": env_bool("BZPEER_ORCID_MEMBER_API", False),
        "APPS": (
            [
                {
                    "client_id": os.environ["BZPEER_ORCID_CLIENT_ID"],
                    "secret": os.environ.get("BZPEER_ORCID_SECRET", ""),
                }
            ]
            if os.environ.get("BZPEER_ORCID_CLIENT_ID")
            else []
        ),
    }
}
# Claims and invitations: a cache-based limiter per user (Redis cache when REDIS_URL is set),
# and a daily cap of invitations per sender counted in the database.
BZPEER_RATE_CLAIM = os.environ.get("BZPEER_RATE_CLAIM", "10/h")
# Claims one user may have waiting for the curators at once (every path: pages and API).
BZPEER_CLAIMS_PENDING_MAX = int(os.environ.get("BZPEER_CLAIMS_PENDING_MAX", "5"))
BZPEER_RATE_INVITE = os.environ.get("BZPEER_RATE_INVITE", "20/h")
BZPEER_INVITATIONS_PER_DAY = int(os.environ.get("BZPEER_INVITATIONS_PER_DAY", "10"))
# --- end accounts ---------------------------------------------------------------------------------

# --- HTTPS, cookies, proxies and the Content-Security-Policy (README, "Security") -------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("BZPEER_SECURE_COOKIES", False)
SECURE_SSL_REDIRECT = env_bool("BZPEER_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("BZPEER_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BZPEER_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("BZPEER_HSTS_PRELOAD", False)
# Behind a proxy that ends TLS: the header it sets to say the request came over HTTPS
# (e.g. "X-Forwarded-Proto"; it must overwrite whatever a client sends in that header).
if os.environ.get("BZPEER_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["BZPEER_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
# /healthz answers plain HTTP to load balancers and probes even when HTTPS is enforced.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping$"]

# Only this site: scripts, styles, fonts and pictures come from our own static files (KaTeX,
# Cytoscape, Swagger UI and Redoc are vendored); no inline script or style (Redoc's page alone
# relaxes styles, see bzpeer/api_urls.py). ORCID sign-in posts a form that redirects to ORCID,
# which form-action must allow.
_ORCID_ORIGIN = "https://" + SOCIALACCOUNT_PROVIDERS["orcid"]["BASE_DOMAIN"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", _ORCID_ORIGIN],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BZPEER_LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
