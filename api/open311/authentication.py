"""Open311 clients authenticate with an ``api_key`` form field, not a header: the keys are the same
authority keys ``manage.py create_api_key`` prints for ``Authorization: Api-Key``."""

from __future__ import annotations

from django.utils import timezone

from api.models import ApiKey
from reports.credentials import credential_digest

# "Last used" is written at most once a minute, so that a busy client does not turn reads into writes.
_TOUCH_INTERVAL_SECONDS = 60


def open311_api_key(key: str | None) -> ApiKey | None:
    """The unrevoked key matching ``key``, or None."""
    if not key or len(key) > 200:
        return None
    api_key = ApiKey.objects.filter(key_hash=credential_digest(key), revoked_at__isnull=True).first()
    if api_key is not None:
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > _TOUCH_INTERVAL_SECONDS:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key
