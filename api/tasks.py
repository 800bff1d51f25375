"""Background jobs of the HTTP edge."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from api.models import IdempotencyRecord


def idempotency_records_purge(*, older_than_hours: int) -> int:
    """Forget first responses older than the retry window; answers how many were deleted."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@app.periodic(cron="41 * * * *")
@app.task(queue="maintenance", queueing_lock="idempotency_purge")
def idempotency_purge(timestamp: int) -> int:
    return idempotency_records_purge(older_than_hours=settings.IDEMPOTENCY_TTL_HOURS)
