"""Background jobs of public alerts (procrastinate, on the same PostgreSQL)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from alerts import fanout  # noqa: F401  (registers the alert fan-out and notice jobs with the worker)
from alerts.services import alerts_expire


@app.periodic(cron="* * * * *")
@app.task(queue="alerts", queueing_lock="alerts_expire")
def alerts_expiry(timestamp: int) -> int:
    """Every minute: end expired alerts, retract those whose reports were withdrawn; feeds hear of both."""
    return alerts_expire()
