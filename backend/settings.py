"""Lantern's one settings module. Everything that differs between machines comes from the environment.

``LANTERN_ENV`` is ``production`` (the default: safe), ``development`` (``make run``) or ``test``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.environment import database_from_url, env_bool, env_int, env_list, env_str

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
    "django.contrib.admin",
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
    "moderation",
    "referrals",
    "alerts",
    "api",
]
BENCHMARK_ENDPOINTS = env_bool("LANTERN_BENCHMARK_ENDPOINTS", False)
if BENCHMARK_ENDPOINTS:
    # A bare DRF create endpoint on a comparable PostGIS model, for benchmarks/intake.py only.
    INSTALLED_APPS.append("benchmarks")

MIDDLEWARE = [
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
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
if env_bool("DATABASE_POOL", LANTERN_ENV != "test"):
    # psycopg's pool: ASGI requests run sync views in threads, so persistent per-thread connections
    # (CONN_MAX_AGE) do not help; a pool does.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=1),
        "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0") or ""
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lantern") or "lantern",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
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
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": "alerts.models.Report.Kind",
        "ReportStatusEnum": "alerts.models.Report.Status",
        "CategoryGroupEnum": "alerts.models.Category.Group",
        "DecisionOutcomeEnum": "moderation.models.Decision.Outcome",
        "RuleActionEnum": "moderation.models.RuleHit.Action",
    },
}

# --- background jobs ---------------------------------------------------------------------------
PROCRASTINATE_ON_APP_READY = None

# --- security (safe defaults in production; `manage.py check --deploy` passes) -----------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_HEADER else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "procrastinate": {"level": env_str("PROCRASTINATE_LOG_LEVEL", "WARNING")},
    },
}
