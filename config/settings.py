"""Podium settings, read entirely from the environment.

Every variable has a working default (the embedded set-up: SQLite, inline tasks, local
memory cache, console e-mail). README.md documents each one. A malformed value stops the
process at start-up instead of running misconfigured.
"""

import importlib.util
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str
from config.logs import logging_config

# Lets admin and queryset classes be subscripted for the type checker (ModelAdmin[Edition]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "podium-insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
# Django's own test of a weak key (check --deploy, security.W009), enforced at start-up: signed
# cookies, password-reset links and the ballot digests all rest on this key.
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG=0: use at least 50 random characters (at least 5 different ones, "
        "no 'django-insecure-' prefix), e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PODIUM_SITE_NAME = env_str("PODIUM_SITE_NAME", "Podium")  # how e-mails and pages name the site

INSTALLED_APPS = [
    "config.apps.PodiumAdminConfig",  # django.contrib.admin with Podium's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",
    "corsheaders",
    "django_guid",
    "ninja",  # the API docs page and its vendored Swagger UI assets (no CDN)
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "accounts",
    "awards",
    "voting",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",  # the request id on every log line (django-guid's context variable)
    "config.health.HealthCheckMiddleware",  # early: probes skip host checks, redirects, sessions
    "config.input_guard.RefuseNulMiddleware",  # before sessions: a NUL cookie never reaches a lookup
    "config.metrics.PrometheusMiddleware",
    # Visitors' copies of the public pages, before sessions and the database (counted in the metrics above).
    "config.page_cache.VisitorPageMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before anything that answers (CommonMiddleware, whitenoise)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.database.LostConnectionMiddleware",  # a view that lost the database: 503 "try again"
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.content_policy.CSPMiddleware",  # django-csp's, with the site's policy built once
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.StaffMfaMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            # {% local_time %} and |utc in every template without a {% load %}: a page cannot forget them.
            "builtins": ["awards.templatetags.local_time"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite in the project by default; PostgreSQL (psycopg 3) through DATABASE_URL. Web
# processes keep connections open (CONN_MAX_AGE) with health checks, so a request does
# not pay for a new connection (`config.postgresql`: checked without a round trip).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock up
        # front so two writers queue instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that reads the socket instead of a `SELECT 1` per request
    # and server-prepared statements where asked for (`prepared_cursor`; the ORM's never are).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1  # only when asked for
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, so that an unreachable Redis degrades to cache misses (slower
            # pages, rate limits open) instead of errors.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "podium"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "podium"}}
# django-redis reads this at the end of every request (request_finished), whatever the cache's
# OPTIONS say: unset, each read is a failed settings lookup (an AttributeError raised and
# caught, on every request). False is its default.
DJANGO_REDIS_CLOSE_CONNECTION = False

# --- Celery ---------------------------------------------------------------------------
# Without a broker, tasks run inline (eager) so the embedded set-up needs no worker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or ("rpc://" if CELERY_BROKER_URL else ""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Inline, Celery still builds a producer to serialise each task: an in-memory transport keeps
# kombu from reaching for (and warning about) a broker on localhost.
CELERY_BROKER_WRITE_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# No task result is read by Podium: tasks record what they did in the database. Sending a task
# that keeps its result makes the web process subscribe to it on the result backend, and with
# Redis down that subscription retried once a second for 20 s inside the request (a ballot
# took 10 s during a 10 s outage). `podium.ping` alone keeps its result (tests, operators).
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker retries a lost broker for as long as it takes (Celery's default gives up after 100
# attempts, about 50 minutes, and exits). No task is held with a countdown or retried
# through Celery (e-mail retries are rows in the database): see voting/tasks.py.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2, minimum=1)
# On a Redis broker, kombu's acknowledgement emulation keeps every message a worker holds
# (an acks_late task running in a prefork child) in Redis until acked; when Redis drops, the
# worker restores them over a connection it has already collected and exits for good
# (AttributeError "'NoneType' object has no attribute 'hostname'" in restore_unacked: the fault
# run's prefork worker, every outage). Without the emulation a message held by a worker that
# dies is lost instead of redelivered an hour later (the visibility timeout): the sweep redoes
# a lost recompute; a lost e-mail task is not sent again.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"ack_emulation": False}
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "podium")
CELERY_BEAT_SCHEDULE = {
    "sweep-editions": {"task": "voting.sweep_editions", "schedule": env_int("PODIUM_SWEEP_SECONDS", 60, minimum=5)},
    # Scheduled publications, applied through the audited publish operation.
    "publish-scheduled": {"task": "voting.publish_scheduled", "schedule": 60},
    # Announcements whose message was lost, or whose voting opened on schedule.
    "sweep-announcements": {"task": "voting.sweep_announcements", "schedule": 300},
    # E-mails due: retries (30 s doubling to an hour), and those whose send task was lost.
    "sweep-mail": {"task": "voting.sweep_mail", "schedule": 30},
    # Address data of ballots, erased once an edition's retention period is over.
    "erase-address-data": {"task": "voting.erase_address_data", "schedule": 3600},
}

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Podium <noreply@podium.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.MemberBackend",  # ModelBackend whose session user carries its verified-address state
    "allauth.account.auth_backends.AuthenticationBackend",
    # Still listed so that sessions signed in before MemberBackend existed stay signed in.
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.PodiumAccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.PodiumSocialAccountAdapter"
# The e-mail fields store each address in its one normalised form (accounts/addresses.py).
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
    "change_email": "accounts.forms.ChangeEmailForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PODIUM_SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # Podium's own actions, counted by allauth's rate limiter.
    "submit_ballot": env_str("PODIUM_BALLOT_RATE_LIMIT", "20/m/user,120/m/ip"),
    "check_receipt": env_str("PODIUM_RECEIPT_RATE_LIMIT", "30/m/ip"),
    # "Send it again" on the verify-your-address page; confirm_email above still allows one per address.
    "resend_confirmation": "5/10m/ip",
}
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes, and
# security keys or passkeys (WebAuthn) where the browser supports them. Members may turn it on;
# staff must have it before the admin opens, by default whenever DEBUG=0 (accounts/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Podium"
PODIUM_STAFF_MFA_REQUIRED = env_bool("PODIUM_STAFF_MFA_REQUIRED", not DEBUG)
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
for _provider in ("github", "google"):
    _client_id = env_str(f"{_provider.upper()}_CLIENT_ID", "")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": env_str(f"{_provider.upper()}_CLIENT_SECRET", "")}],
            "VERIFIED_EMAIL": _provider == "google",
        }

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# --- Uploaded media (nominee images) ---------------------------------------------------------
# "filesystem": MEDIA_ROOT on local disk (Django serves it when DEBUG is on; put a web server or
# volume in front in production). "s3": an S3-compatible bucket through django-storages, set up
# with the AWS_* variables below (AWS, MinIO, Cloudflare R2, Scaleway, ...).
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
PODIUM_MEDIA_STORAGE = env_str("PODIUM_MEDIA_STORAGE", "filesystem")
if PODIUM_MEDIA_STORAGE == "filesystem":
    _MEDIA_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _MEDIA_ORIGINS: list[str] = []
elif PODIUM_MEDIA_STORAGE == "s3":
    if importlib.util.find_spec("storages") is None or importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "PODIUM_MEDIA_STORAGE=s3 needs django-storages and boto3: pip install -r requirements-s3.txt"
        )
    AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when PODIUM_MEDIA_STORAGE is s3")
    _s3_endpoint = env_str("AWS_S3_ENDPOINT_URL", "")
    _s3_domain = env_str("AWS_S3_CUSTOM_DOMAIN", "")
    _MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": _s3_endpoint or None,
            "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
            "custom_domain": _s3_domain or None,
            "location": env_str("AWS_LOCATION", ""),
            # Nominee images are public; signed URLs would change on every page and defeat caching.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            "file_overwrite": False,
        },
    }
    # Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3 reads them itself).
    if _s3_domain:
        _MEDIA_ORIGINS = [f"https://{_s3_domain}"]
    elif _s3_endpoint:
        _MEDIA_ORIGINS = [_s3_endpoint.rstrip("/")]
    else:
        _MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
else:
    raise ImproperlyConfigured(f"PODIUM_MEDIA_STORAGE must be filesystem or s3, not {PODIUM_MEDIA_STORAGE!r}")

STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions read through the cache (one query fewer per request), written through to the
# database, so a cache outage or flush never logs anyone out: Django's cached_db, set up only
# when a request opens its session (config/sessions.py).
SESSION_ENGINE = "config.sessions"
# Django's cookie-then-session message storage, opened only by a request that reads or adds one.
MESSAGE_STORAGE = "config.messages.LazyFallbackStorage"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from any client. gunicorn
# sets the scheme from it only for FORWARDED_ALLOW_IPS (gunicorn.conf.py).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Request ids (django-guid) ----------------------------------------------------------
# The proxy's X-Request-ID when it is a UUID (nginx's $request_id is one), else a fresh one;
# echoed in the response, stamped on every log line, handed to the tasks a request queues
# (a task queued by beat gets its own). The worker logs through LOGGING as well. Web requests
# get their id from config.logs.RequestIdMiddleware, into django-guid's context variable;
# these settings are for django-guid's Celery integration (and name the same header).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,  # CORS_EXPOSE_HEADERS says what other sites may read
    "UUID_LENGTH": 32,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False, uuid_length=32)],
}

# --- CORS (django-cors-headers) ----------------------------------------------------------
# Other sites' pages may read the JSON API, never with the visitor's cookies (a "*" answer is
# hidden from a request that sent them), and may not preflight writes.
CORS_URLS_REGEX = r"^/api/v1/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")

# --- Podium -----------------------------------------------------------------------------
# When set, tests that need PostgreSQL, a broker or a browser fail instead of skipping.
PODIUM_REQUIRE_SERVICES = env_bool("PODIUM_REQUIRE_SERVICES", False)
PODIUM_SIGNUP_OPEN = env_bool("PODIUM_SIGNUP_OPEN", True)
# Seconds a queued recompute waits, so that a burst of ballots is counted in one pass.
PODIUM_RECOMPUTE_DELAY_SECONDS = env_int("PODIUM_RECOMPUTE_DELAY_SECONDS", 2, minimum=0)
# Seconds a burst's receipt e-mails wait after its first ballot, so that they go out in batches.
PODIUM_RECEIPT_DELAY_SECONDS = env_int("PODIUM_RECEIPT_DELAY_SECONDS", 1, minimum=0)
# JSON API (/api/v1/) request rates: per client address, and per personal API token.
PODIUM_API_RATE_LIMIT_ADDRESS = env_str("PODIUM_API_RATE_LIMIT_ADDRESS", "300/m")
PODIUM_API_RATE_LIMIT_TOKEN = env_str("PODIUM_API_RATE_LIMIT_TOKEN", "120/m")
PODIUM_RESULTS_CACHE_SECONDS = env_int("PODIUM_RESULTS_CACHE_SECONDS", 300, minimum=0)
# load_demo creates a staff superuser. It runs by default only with DEBUG=1 and its published
# password; with DEBUG=0 it needs PODIUM_DEMO_ALLOWED=1 and a password of your own.
PODIUM_DEMO_ALLOWED = env_bool("PODIUM_DEMO_ALLOWED", DEBUG)
PODIUM_DEMO_PUBLISHED_PASSWORD = "podium-demo-staff"  # noqa: S105 - printed by `make run`, in the README
PODIUM_DEMO_STAFF_PASSWORD = env_str("PODIUM_DEMO_STAFF_PASSWORD", PODIUM_DEMO_PUBLISHED_PASSWORD if DEBUG else "")
if not DEBUG and PODIUM_DEMO_ALLOWED and PODIUM_DEMO_STAFF_PASSWORD in ("", PODIUM_DEMO_PUBLISHED_PASSWORD):
    raise ImproperlyConfigured(
        "PODIUM_DEMO_ALLOWED=1 with DEBUG=0 needs PODIUM_DEMO_STAFF_PASSWORD set to a password of your own "
        "(the demo's default is published)"
    )

# Staff tools (README, "What staff can do"). Fraud signals: ballots from one address block with
# one user agent within this many minutes of each other, and identical ballots within a burst.
PODIUM_SIGNAL_WINDOW_MINUTES = env_int("PODIUM_SIGNAL_WINDOW_MINUTES", 60, minimum=1)
PODIUM_BURST_WINDOW_MINUTES = env_int("PODIUM_BURST_WINDOW_MINUTES", 10, minimum=1)
# How many such ballots make a suspicious cluster.
PODIUM_CLUSTER_MIN_BALLOTS = env_int("PODIUM_CLUSTER_MIN_BALLOTS", 3, minimum=2)
# Community nominations a member may suggest per category.
PODIUM_NOMINATIONS_PER_CATEGORY = env_int("PODIUM_NOMINATIONS_PER_CATEGORY", 3, minimum=1)
# Days after results are published before ballots' addresses and user agents are erased.
PODIUM_IP_RETENTION_DAYS = env_int("PODIUM_IP_RETENTION_DAYS", 30, minimum=0)
# Notification e-mails sent per task (each batch is retried on its own).
PODIUM_NOTIFY_BATCH_SIZE = env_int("PODIUM_NOTIFY_BATCH_SIZE", 100, minimum=1)

# Addresses (or networks) allowed to read /metrics; everyone else gets 404.
PODIUM_METRICS_ALLOW = env_list("PODIUM_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
for _network in PODIUM_METRICS_ALLOW:
    try:
        ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"PODIUM_METRICS_ALLOW: {_network!r} is not an address or network") from None

# Plain lines for people, JSON lines for a log pipeline; both carry the request id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
