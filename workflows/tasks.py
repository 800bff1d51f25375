"""Background jobs of the cross-part workflows (procrastinate, on the same PostgreSQL)."""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

from workflows.retention import report_retention_apply

logger = logging.getLogger(__name__)


@app.periodic(cron="17 3 * * *")
# Named as when it lived in alerts.tasks: jobs queued under that name (and its periodic schedule) keep running.
@app.task(name="alerts.tasks.report_retention", queue="maintenance", queueing_lock="report_retention")
def report_retention(timestamp: int) -> int:
    """Every night: coarsen and erase closed reports older than REPORT_RETENTION_DAYS."""
    erased = report_retention_apply(days=settings.REPORT_RETENTION_DAYS)
    logger.info("retention: erased %d reports older than %d days", erased, settings.REPORT_RETENTION_DAYS)
    return erased
