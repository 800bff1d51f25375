"""Retention: closed reports older than REPORT_RETENTION_DAYS lose free text, photos and exact point."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from reports.models import Report
from workflows.withdraw import report_erase

# Reports still waiting for a moderator are not closed: the evidence must stay until someone decides.
_OPEN_STATUSES = (Report.Status.PENDING_REVIEW,)


def report_retention_apply(*, days: int, now: datetime | None = None, batch_size: int = 500) -> int:
    """Coarsen the location and erase the free text of closed reports older than ``days``.

    Works in batches, each its own transaction, so a large backlog never holds long locks.
    Answers how many reports were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    erased = 0
    while True:
        with transaction.atomic():
            batch = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(created_at__lt=cutoff, erased_at__isnull=True)
                .exclude(status__in=_OPEN_STATUSES)
                .order_by("created_at")[:batch_size]
            )
            for report in batch:
                report_erase(report, now=now)
                report.save()
        erased += len(batch)
        if len(batch) < batch_size:
            return erased


# --- citizen alerts ------------------------------------------------------------------------------
