"""Typed readers for settings that come from the environment (twelve-factor).

Every secret may also be given as ``NAME_FILE`` pointing at a file (Docker and Kubernetes secrets).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """The variable's value, or the content of the file named by ``NAME_FILE``, or ``default``."""
    if name in os.environ:
        return os.environ[name]
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env_str(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Django's DATABASES entry for a ``postgis://`` or ``postgres://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgis", "postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgis:// or postgres:// URL, not {parts.scheme!r}")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")) or "lantern",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
    }


def photo_storage_from_url(url: str, *, access_key: str | None, secret_key: str | None) -> dict[str, object]:
    """Django's STORAGES entry for photos in object storage, from ``s3://bucket[/prefix]?endpoint_url=...``.

    Query parameters: ``endpoint_url`` (MinIO, Ceph, a provider's S3 API; AWS when absent), ``region``,
    ``addressing_style`` (``path`` for most self-hosted servers). Keys come from the caller (env or
    ``*_FILE``), never from the URL, so the URL can be logged; without keys boto3 looks for its own
    (instance role, ``AWS_*`` variables).
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(f"PHOTO_STORAGE_URL must look like s3://bucket?endpoint_url=..., not {url!r}")
    if parts.username or parts.password:
        raise ImproperlyConfigured("PHOTO_STORAGE_URL carries no keys: set PHOTO_STORAGE_ACCESS_KEY_ID and "
                                   "PHOTO_STORAGE_SECRET_ACCESS_KEY (or their _FILE forms)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint_url", "region", "addressing_style"}
    if unknown:
        raise ImproperlyConfigured(f"PHOTO_STORAGE_URL: unknown parameter(s) {', '.join(sorted(unknown))}")
    options: dict[str, object] = {
        # The bucket name is case-sensitive; urlsplit lowers ``hostname``, so take it from netloc.
        "bucket_name": parts.netloc.rsplit("@", 1)[-1],
        "location": unquote(parts.path.strip("/")),
        "endpoint_url": query.get("endpoint_url"),
        "region_name": query.get("region"),
        "addressing_style": query.get("addressing_style"),
    }
    if access_key or secret_key:
        options.update(access_key=access_key, secret_key=secret_key)
    return {"BACKEND": "reports.photo_storage.PrivateS3Storage", "OPTIONS": options}
