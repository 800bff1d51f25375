"""Reads, already filtered for whoever asks."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Count, Q, QuerySet

from alerts.models import Category, Device, District, Report, ServiceArea
from moderation.engine import NearbyActivity, ReporterHistory


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("position", "code")


def service_area_active() -> ServiceArea | None:
    return ServiceArea.objects.filter(is_active=True).first()


def service_area_containing(point: Point) -> ServiceArea | None:
    return ServiceArea.objects.filter(is_active=True, boundary__contains=point).first()


def district_containing(*, service_area: ServiceArea, point: Point) -> District | None:
    return District.objects.filter(service_area=service_area, boundary__contains=point).first()


def report_list_for(*, device: Device) -> QuerySet[Report]:
    """The device's own reports: nobody else's ever appear, whatever the filters."""
    return (
        Report.objects.filter(device=device)
        .select_related("category", "district", "case")
        .prefetch_related("case__hits")
        .annotate(photo_count=Count("photos"))
        .order_by("-created_at", "-id")
    )


def report_get_for(*, device: Device, report_id: uuid.UUID | str) -> Report:
    """One of the device's reports. Raises ``Report.DoesNotExist`` alike for "missing" and "not yours",
    so that nobody can learn whether someone else's report exists."""
    try:
        report_uuid = report_id if isinstance(report_id, uuid.UUID) else uuid.UUID(str(report_id))
    except ValueError as exc:
        raise Report.DoesNotExist from exc
    return report_list_for(device=device).get(pk=report_uuid)


# "Nearby" for the flood rule: the same corner of a street, within the same hour.
NEARBY_RADIUS_M = 300
NEARBY_WINDOW = timedelta(hours=1)


def reporter_history(*, device: Device | None, now: datetime) -> ReporterHistory:
    """What the behaviour rules may know of a reporter: counts only, never content."""
    if device is None:
        return ReporterHistory()
    counts = Report.objects.filter(device=device).aggregate(
        total=Count("id"),
        rejected=Count("id", filter=Q(status=Report.Status.REJECTED)),
        last_hour=Count("id", filter=Q(created_at__gte=now - timedelta(hours=1))),
    )
    return ReporterHistory(
        reports_total=counts["total"], reports_rejected=counts["rejected"], reports_last_hour=counts["last_hour"]
    )


def nearby_activity(*, point: Point, now: datetime) -> NearbyActivity:
    counts = Report.objects.filter(
        created_at__gte=now - NEARBY_WINDOW, location__distance_lte=(point, D(m=NEARBY_RADIUS_M))
    ).aggregate(reports=Count("id"), devices=Count("device", distinct=True))
    return NearbyActivity(reports=counts["reports"], distinct_devices=counts["devices"])
