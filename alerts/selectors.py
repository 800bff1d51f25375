"""Reads of public alerts and zones, already filtered for whoever asks."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from alerts.models import Alert, AlertReport, Subscription
from reports.models import Device
from reports.public_form import REPORT_PRIVATE_FIELDS


def alerts_active(*, now: datetime | None = None) -> QuerySet[Alert]:
    """Alerts anyone may see now: visible (past an ongoing incident's delay), not expired, not retracted."""
    now = now or timezone.now()
    return (
        Alert.objects.filter(ended_at__isnull=True, visible_from__lte=now, expires_at__gt=now)
        .select_related("category")
        # An alert speaks of its reports through their public form only: what they say and where they
        # really were are not even read.
        .prefetch_related(Prefetch("links", queryset=AlertReport.objects.select_related("report").defer(
            *(f"report__{name}" for name in REPORT_PRIVATE_FIELDS))))
        .order_by("-occurred_at", "id")
    )


def alert_list_near(*, point: Point, radius_m: int, now: datetime | None = None) -> QuerySet[Alert]:
    """Active alerts whose published point lies within ``radius_m`` of ``point``."""
    return alerts_active(now=now).filter(point__dwithin=(point, D(m=radius_m)))


def alert_get(*, alert_id: uuid.UUID | str, now: datetime | None = None) -> Alert:
    """One active alert; ``Alert.DoesNotExist`` for a missing, expired, retracted or not yet visible one."""
    try:
        alert_uuid = alert_id if isinstance(alert_id, uuid.UUID) else uuid.UUID(str(alert_id))
    except ValueError as exc:
        raise Alert.DoesNotExist from exc
    return alerts_active(now=now).get(pk=alert_uuid)


def alerts_in_feed_cells(*, feed_cells: list[str], now: datetime | None = None) -> QuerySet[Alert]:
    """Active alerts in the given resolution-7 cells: the snapshot of a live feed."""
    return alerts_active(now=now).filter(cell_r7__in=feed_cells)


def subscription_list_for(*, device: Device) -> QuerySet[Subscription]:
    return Subscription.objects.filter(device=device).order_by("created_at", "id")


def subscription_get_for(*, device: Device, subscription_id: uuid.UUID | str) -> Subscription:
    """One of the device's zones; ``DoesNotExist`` alike for "missing" and "not yours"."""
    try:
        subscription_uuid = (
            subscription_id if isinstance(subscription_id, uuid.UUID) else uuid.UUID(str(subscription_id))
        )
    except ValueError as exc:
        raise Subscription.DoesNotExist from exc
    return subscription_list_for(device=device).get(pk=subscription_uuid)
