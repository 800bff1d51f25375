"""Background jobs of the reports part (procrastinate, on the same PostgreSQL)."""

from __future__ import annotations

import logging

from django.conf import settings
from procrastinate.contrib.django import app

from alerts import fanout  # noqa: F401  (registers the alert fan-out and notice jobs with the worker)
from alerts.services import alerts_expire, report_retention_apply

logger = logging.getLogger(__name__)


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", queueing_lock="report_retention")
def report_retention(timestamp: int) -> int:
    """Every night: coarsen and erase closed reports older than REPORT_RETENTION_DAYS."""
    erased = report_retention_apply(days=settings.REPORT_RETENTION_DAYS)
    logger.info("retention: erased %d reports older than %d days", erased, settings.REPORT_RETENTION_DAYS)
    return erased


@app.periodic(cron="* * * * *")
@app.task(queue="alerts", queueing_lock="alerts_expire")
def alerts_expiry(timestamp: int) -> int:
    """Every minute: end expired alerts, retract those whose reports were withdrawn; feeds hear of both."""
    return alerts_expire()
