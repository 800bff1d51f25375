"""Lantern's one settings module. Everything that differs between machines comes from the environment.

``LANTERN_ENV`` is ``production`` (the default: safe), ``development`` (``make run``) or ``test``.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.environment import database_from_url, env_bool, env_int, env_list, env_str, photo_storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
LANTERN_ENV = env_str("LANTERN_ENV", "production") or "production"
if LANTERN_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured("LANTERN_ENV must be production, development or test")
PRODUCTION = LANTERN_ENV == "production"

DEBUG = env_bool("DEBUG", LANTERN_ENV == "development")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
    # Development: a key made once by scripts/setup.sh, shared by every server process on this box.
    dev_key = BASE_DIR / "var" / "dev_secret_key"
    SECRET_KEY = dev_key.read_text().strip() if dev_key.exists() else secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "backend.admin_config.LanternAdminConfig",  # django.contrib.admin with Lantern's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "procrastinate.contrib.django",
    "backend",
    "reports",
    "moderation",
    "referrals",
    "alerts",
    "workflows",
    "maps",
    "api",
]
BENCHMARK_ENDPOINTS = env_bool("LANTERN_BENCHMARK_ENDPOINTS", False)
if BENCHMARK_ENDPOINTS:
    # A bare DRF create endpoint on a comparable PostGIS model, for benchmarks/intake.py only.
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
    # First: it times, counts and logs every answer, the other middlewares' refusals and redirects too.
    "api.middleware.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
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

# --- data stores -------------------------------------------------------------------------------
DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL", "postgis://lantern@127.0.0.1:5432/lantern") or "",
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
# With the pool, every connection is checked as it leaves the pool (an empty query, a fraction of a
# millisecond) and silently replaced when PostgreSQL closed it: after a database restart, requests get fresh
# connections instead of a 500 each on the dead ones. What dies while a request runs is answered 503 with
# Retry-After (api/problems.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
if env_bool("DATABASE_POOL", LANTERN_ENV != "test"):
    # psycopg's pool: ASGI requests run sync views in threads, so persistent per-thread connections
    # (CONN_MAX_AGE) do not help; a pool does.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=1),
        "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
        # Past this wait for a free connection a request is answered 503 with Retry-After (api/problems.py):
        # under overload, an early clear refusal beats a long queue that ends in the same refusal.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 5, minimum=1),
    }
# A streaming replica for the public read-only answers (kernel/replicas.py decides which reads, and when the
# primary must answer instead); without it, everything reads from the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_from_url(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    if "pool" in DATABASES["default"]["OPTIONS"]:
        DATABASES["replica"]["OPTIONS"]["pool"] = dict(DATABASES["default"]["OPTIONS"]["pool"])
    # Tests read the primary through this alias: no second test database is made.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["kernel.replicas.ReplicaRouter"]
# Past this many seconds behind the primary, the replica serves nothing.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 5, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0") or ""
CACHES = {
    "default": {
        "BACKEND": "backend.cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lantern") or "lantern",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
CHANNEL_LAYERS = {
    "default": {
        # channels_redis's, with a group send that asks Redis once when the group is empty (backend/channel_layers.py).
        "BACKEND": "backend.channel_layers.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": (env_str("CACHE_KEY_PREFIX", "lantern") or "lantern") + ":asgi",
        },
    }
}

# --- auth --------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
STAFF_ROLES = ("moderator", "analyst", "partner", "admin")
# Staff who sign in without asking for a page land on the page that leads to their roles' tools.
LOGIN_REDIRECT_URL = "staff-home"

# --- languages ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Photos are evidence: they live outside any served directory and have no URL at all.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")) or "")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = None
# Several web and worker nodes need one store every node reads: S3-compatible object storage, private.
PHOTO_STORAGE_URL = env_str("PHOTO_STORAGE_URL")
STORAGES["photos"] = (
    photo_storage_from_url(
        PHOTO_STORAGE_URL,
        access_key=env_str("PHOTO_STORAGE_ACCESS_KEY_ID"),
        secret_key=env_str("PHOTO_STORAGE_SECRET_ACCESS_KEY"),
    )
    if PHOTO_STORAGE_URL
    # No location: it follows MEDIA_ROOT (= PRIVATE_MEDIA_ROOT), as the default storage always did.
    else {"BACKEND": "reports.photo_storage.PrivateFileSystemStorage"}
)

# Request bodies: JSON reports are small; multipart bodies carry photos.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
PHOTO_MAX_COUNT = env_int("PHOTO_MAX_COUNT", 4, minimum=0)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 64 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES
MULTIPART_MAX_BYTES = PHOTO_MAX_BYTES * max(PHOTO_MAX_COUNT, 1) + DATA_UPLOAD_MAX_MEMORY_SIZE

# --- the product -------------------------------------------------------------------------------
EMERGENCY_NUMBER = env_str("EMERGENCY_NUMBER", "112") or "112"
SERVICE_AREA_FILE = env_str("SERVICE_AREA_FILE")
REPORT_RETENTION_DAYS = env_int("REPORT_RETENTION_DAYS", 180, minimum=1)
REPORT_DESCRIPTION_MAX_CHARS = 2000
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 48, minimum=1)
# Categories, the service area, districts and the partner directory are kept per process for this long
# (reports/reference.py, referrals/directory.py); a change made in one process is seen there at once.
REFERENCE_CACHE_SECONDS = env_int("REFERENCE_CACHE_SECONDS", 30, minimum=0)
# Threads per server process that run requests' Django code (backend/asgi.py): few, so that requests queue
# in order instead of sharing the cores; more than one, so that one runs while another waits for PostgreSQL.
REQUEST_THREADS = env_int("REQUEST_THREADS", 2, minimum=1)

RATE_LIMITS = {
    "device_register_ip": env_str("RATE_DEVICE_REGISTER_PER_IP", "20/h"),
    "report_submit_device": env_str("RATE_REPORT_PER_DEVICE", "30/h"),
    "report_submit_ip": env_str("RATE_REPORT_PER_IP", "300/h"),
    "report_preview_device": env_str("RATE_PREVIEW_PER_DEVICE", "240/h"),
}
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_USE_CACHE = "default"
# When Lantern sits behind a reverse proxy, name the header it sets and how many proxies append to it.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=1)

FCM_CREDENTIALS_FILE = env_str("FCM_CREDENTIALS_FILE")
FCM_PROJECT_ID = env_str("FCM_PROJECT_ID")

# --- alerts ---
# Public alerts: geo-indistinguishability ε = ln(ALERT_NOISE_ODDS) / ALERT_NOISE_RADIUS_M, i.e. by default
# any two places 250 m apart are at most 4× more or less likely to have produced a published point. 250 m,
# not 200: with every public output together an attacker located 3.2 % of reporters within 50 m at 200 m,
# 2.0 % at 250 m (benchmarks/reidentification.py, docs/privacy.md).
ALERT_NOISE_RADIUS_M = env_int("ALERT_NOISE_RADIUS_M", 250, minimum=10)
try:
    ALERT_NOISE_ODDS = float(env_str("ALERT_NOISE_ODDS", "4") or "4")
except ValueError:
    ALERT_NOISE_ODDS = 0.0
if not 1 < ALERT_NOISE_ODDS < float("inf"):
    raise ImproperlyConfigured("ALERT_NOISE_ODDS must be a number greater than 1")
# Ongoing incidents (the emergency flag, or under ALERT_ONGOING_WINDOW_MINUTES old) are shown this much later,
# so that nobody rushes to the scene.
ALERT_ONGOING_DELAY_MINUTES = env_int("ALERT_ONGOING_DELAY_MINUTES", 10, minimum=0)
ALERT_ONGOING_WINDOW_MINUTES = env_int("ALERT_ONGOING_WINDOW_MINUTES", 60, minimum=0)
ALERT_EXPIRY_HOURS = env_int("ALERT_EXPIRY_HOURS", 24, minimum=1)
ALERT_MERGE_WINDOW_MINUTES = env_int("ALERT_MERGE_WINDOW_MINUTES", 120, minimum=0)
ALERT_CORROBORATION_RADIUS_M = env_int("ALERT_CORROBORATION_RADIUS_M", 300, minimum=1)
ALERT_CORROBORATION_WINDOW_MINUTES = env_int("ALERT_CORROBORATION_WINDOW_MINUTES", 60, minimum=1)
ALERT_SHOW_DETAILS = env_bool("ALERT_SHOW_DETAILS", True)
ALERT_MAX_RADIUS_M = 10_000
ALERT_SUBSCRIPTIONS_PER_DEVICE = env_int("ALERT_SUBSCRIPTIONS_PER_DEVICE", 5, minimum=1)
ALERT_DAILY_PUSH_CAP = env_int("ALERT_DAILY_PUSH_CAP", 5, minimum=0)
ALERT_LIVE_MAX_CELLS = env_int("ALERT_LIVE_MAX_CELLS", 50, minimum=1)
FCM_BATCH_SIZE = min(env_int("FCM_BATCH_SIZE", 500, minimum=1), 500)  # messages claimed and sent together
# How pushes reach FCM: "pooled" (alerts/push_connections.py: keep-alive HTTP/1.1 connections on one event
# loop, about a tenth of the CPU per push) or "send_each" (firebase-admin's own client: one thread and one
# requests call per message; it honours HTTPS_PROXY).
FCM_CLIENT = env_str("FCM_CLIENT", "pooled") or "pooled"
if FCM_CLIENT not in ("pooled", "send_each"):
    raise ImproperlyConfigured("FCM_CLIENT must be pooled or send_each")
FCM_CONNECTIONS = env_int("FCM_CONNECTIONS", 100, minimum=1)  # per worker process, with FCM_CLIENT=pooled
# Jobs that share one big alert's pushes (each takes other batches): run as many worker processes.
FCM_SENDERS = env_int("FCM_SENDERS", 4, minimum=1)
FCM_TIMEOUT_SECONDS = env_int("FCM_TIMEOUT_SECONDS", 10, minimum=1)
FCM_MAX_ATTEMPTS = env_int("FCM_MAX_ATTEMPTS", 8, minimum=1)
FCM_RETRY_BASE_SECONDS = env_int("FCM_RETRY_BASE_SECONDS", 30, minimum=1)
RATE_LIMITS["alert_list_device"] = env_str("RATE_ALERTS_PER_DEVICE", "600/h")
# Messages on /ws/alerts/ per device (all its sockets): a map pan subscribes again; a flood is closed.
RATE_LIMITS["live_message_device"] = env_str("RATE_LIVE_MESSAGES_PER_DEVICE", "60/m")
# After a deploy every app reconnects to /ws/alerts/ at once, and each connection joins groups: redis-py's
# default pool of 100 connections per process refused the rest ("Too many connections") in
# benchmarks/websocket.py. Connections are opened only when needed.
# channels_redis waits for a socket's messages with a blocking BZPOPMIN of 5 s; redis-py 8 gives every socket a
# 5 s read timeout by default, so every idle websocket died at 5 s. The read timeout must outlast that pop; the
# health check finds a connection Redis dropped while idle (a restart) before a command is lost on it.
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
    {
        "address": REDIS_URL,
        "max_connections": env_int("CHANNEL_LAYER_MAX_CONNECTIONS", 1000, minimum=10),
        "socket_timeout": env_int("CHANNEL_LAYER_SOCKET_TIMEOUT", 30, minimum=10),
        "socket_connect_timeout": 2,
        "socket_keepalive": True,
        "health_check_interval": 15,
    }
]
# Redis pub/sub delivers a group message once per process instead of once per socket; see docs/alerts.md.
if env_bool("CHANNEL_LAYER_PUBSUB", False):
    CHANNEL_LAYERS["default"]["BACKEND"] = "channels_redis.pubsub.RedisPubSubChannelLayer"

# --- referrals ---------------------------------------------------------------------------------
# Who receives a report when no partner's jurisdiction serves its place: a partner name per kind (as
# entered in the admin); empty means nobody.
REFERRAL_FALLBACK_PARTNERS = {
    "police": env_str("REFERRAL_FALLBACK_POLICE", "") or "",
    "victim_support": env_str("REFERRAL_FALLBACK_VICTIM_SUPPORT", "") or "",
    "municipal_service": env_str("REFERRAL_FALLBACK_MUNICIPAL_SERVICE", "") or "",
}
# Temporary failures are retried after about 1, 2, 4 … minutes (±20 % jitter), at most 6 hours apart,
# for 48 hours; then the referral is a dead letter an operator requeues in the admin.
REFERRAL_RETRY_BASE_SECONDS = env_int("REFERRAL_RETRY_BASE_SECONDS", 60, minimum=1)
REFERRAL_RETRY_MAX_SECONDS = env_int("REFERRAL_RETRY_MAX_SECONDS", 6 * 3600, minimum=1)
REFERRAL_GIVE_UP_HOURS = env_int("REFERRAL_GIVE_UP_HOURS", 48, minimum=1)
REFERRAL_WEBHOOK_TIMEOUT_SECONDS = env_int("REFERRAL_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# How long a worker owns a referral it is sending; after that a dead worker's referral is sent again.
REFERRAL_DELIVERY_LEASE_SECONDS = env_int("REFERRAL_DELIVERY_LEASE_SECONDS", 120, minimum=2)
if REFERRAL_DELIVERY_LEASE_SECONDS <= REFERRAL_WEBHOOK_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("REFERRAL_DELIVERY_LEASE_SECONDS must be longer than REFERRAL_WEBHOOK_TIMEOUT_SECONDS")
# Deliveries to one partner in flight at once, across all workers: a partner that hangs holds this many
# job slots. Keep PROCRASTINATE_WORKER_CONCURRENCY × workers well above it.
REFERRAL_PARTNER_CONCURRENCY = env_int("REFERRAL_PARTNER_CONCURRENCY", 2, minimum=1)
REFERRAL_EMAIL_FROM = env_str("REFERRAL_EMAIL_FROM", "Lantern referrals <referrals@localhost>") or ""
# E-mail (Django's mailers): referrals to e-mail partners. SMTP in production, the console in development.
_EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if LANTERN_ENV == "development"
    else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": {
            "host": env_str("EMAIL_HOST", "localhost") or "localhost",
            "port": env_int("EMAIL_PORT", 25, minimum=1),
            "username": env_str("EMAIL_HOST_USER", "") or "",
            "password": env_str("EMAIL_HOST_PASSWORD", "") or "",
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": REFERRAL_WEBHOOK_TIMEOUT_SECONDS,
        } if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
# Open311 GeoReport v2 server (/open311/v2/): what discovery.json announces, and how much GET answers.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "") or ""
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "Ask the operator for a key (manage.py create_api_key)") or ""
OPEN311_MAX_RESULTS = env_int("OPEN311_MAX_RESULTS", 1000, minimum=1)
OPEN311_DEFAULT_DAYS = env_int("OPEN311_DEFAULT_DAYS", 90, minimum=1)
# Open311 requests are readable by anyone: free text there is the operator's choice, off unless asked.
OPEN311_PUBLIC_TEXT = env_bool("OPEN311_PUBLIC_TEXT", False)
RATE_LIMITS["open311_submit_key"] = env_str("RATE_OPEN311_PER_KEY", "600/h")
RATE_LIMITS["partner_status_ip"] = env_str("RATE_PARTNER_STATUS_PER_IP", "3000/h")

# --- maps --------------------------------------------------------------------------------------
# Differentially private insecurity maps (docs/privacy.md). ε values are decimal strings so that the
# ledger adds them exactly; maps.services validates them before any release is computed.
MAPS_H3_RESOLUTION = env_int("MAPS_H3_RESOLUTION", 8, minimum=7)
if MAPS_H3_RESOLUTION > 9:
    raise ImproperlyConfigured("MAPS_H3_RESOLUTION must be 7, 8 or 9")
MAPS_EPSILON = env_str("MAPS_EPSILON", "1.0") or "1.0"  # per layer per month
MAPS_MONTHLY_EPSILON_CAP = env_str("MAPS_MONTHLY_EPSILON_CAP", "4.0") or "4.0"  # per reporter per month
# Share of the insecurity layer's ε spent on the perception sum (the rest on counts); 0 publishes no mean.
MAPS_PERCEPTION_SHARE = env_str("MAPS_PERCEPTION_SHARE", "0.25") or "0.25"
MAPS_PERCEPTION_MIN_COUNT = env_int("MAPS_PERCEPTION_MIN_COUNT", 20, minimum=5)
MAPS_SHOW_THRESHOLD = env_int("MAPS_SHOW_THRESHOLD", 5, minimum=1)
# Months, time bands and the "late report" window are read in the service area's local time.
MAPS_TIME_ZONE = env_str("MAPS_TIME_ZONE", "Europe/Brussels") or "Europe/Brussels"
MAPS_LATE_REPORT_DAYS = env_int("MAPS_LATE_REPORT_DAYS", 2, minimum=0)
# The moderation transparency report's ε per month, charged to the same monthly ledger as the maps.
TRANSPARENCY_EPSILON = env_str("TRANSPARENCY_EPSILON", "1.0") or "1.0"
# Generous: a map view asks for dozens of tiles at once, and the limit is against scraping loops.
RATE_LIMITS["maps_principal"] = env_str("RATE_MAPS_PER_PRINCIPAL", "600/m")

# --- REST framework and OpenAPI ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.DeviceTokenAuthentication",
        "api.authentication.StaffTokenAuthentication",
        "api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.LanternAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lantern API",
    "DESCRIPTION": (
        "Citizen reports, moderation, referrals, alerts and privacy-protected insecurity maps. "
        "Errors are RFC 9457 application/problem+json."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # System fonts: Redoc's own (Montserrat, Roboto) would come from Google Fonts (api/templates/api/redoc.html).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
                "code": {"fontFamily": "ui-monospace, 'DejaVu Sans Mono', monospace"},
            },
        },
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Names, summaries, refusals (problem+json; Open311's error arrays) and examples of every operation.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.errors_documented"],
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": "reports.models.Report.Kind",
        "ReportStatusEnum": "reports.models.Report.Status",
        "CategoryGroupEnum": "reports.models.Category.Group",
        "DecisionOutcomeEnum": "moderation.models.Decision.Outcome",
        "RuleActionEnum": "moderation.models.RuleHit.Action",
    },
}

# --- background jobs ---------------------------------------------------------------------------
PROCRASTINATE_ON_APP_READY = None
# Jobs one worker process runs at once (procrastinate's own default is 1). With one slot, a partner that
# hangs for its timeout held every other job; with several, REFERRAL_PARTNER_CONCURRENCY keeps it to its
# share. The same variable procrastinate's command line reads, so `--concurrency` and it agree.
PROCRASTINATE_WORKER_DEFAULTS = {"concurrency": env_int("PROCRASTINATE_WORKER_CONCURRENCY", 4, minimum=1)}

# --- security (safe defaults in production; `manage.py check --deploy` passes) -----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_HEADER else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

SILENCED_SYSTEM_CHECKS = [
    "gis.W001",  # Debian 12's GDAL 3.6 is older than Django 6 would like; GeoDjango works with it.
    "django_ratelimit.W001",  # Django's own RedisCache increments atomically.
]

# --- logs and metrics --------------------------------------------------------------------------
LOG_FORMAT = env_str("LOG_FORMAT", "plain") or "plain"
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
# One line per request from Lantern's own middleware (api/middleware.py): on by default where logs are
# parsed (JSON), off for a developer's terminal.
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kernel.log_format.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "kernel.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "procrastinate": {"level": env_str("PROCRASTINATE_LOG_LEVEL", "WARNING")},
        "lantern.access": {"level": "INFO"},
    },
}
if LOG_FORMAT == "json":
    # uvicorn gives its loggers handlers of its own before it loads Lantern; in JSON mode its lines go through
    # ours too, so that every line a server process writes parses (its supervisor's two start-up lines aside).
    # Its access logger is left as uvicorn set it (off unless asked): Lantern's own access log replaces it.
    LOGGING["loggers"] |= {
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
    }
# GET /metrics answers these addresses (or networks) without a token, and anyone with METRICS_TOKEN.
try:
    METRICS_ALLOWED_NETWORKS = tuple(
        ipaddress.ip_network(item, strict=False) for item in env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from exc
METRICS_TOKEN = env_str("METRICS_TOKEN", "") or ""
