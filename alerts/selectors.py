"""Reads, already filtered for whoever asks."""

from __future__ import annotations

import uuid

from django.contrib.gis.geos import Point
from django.db.models import Count, QuerySet

from alerts.models import Category, Device, District, Report, ServiceArea


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
        .select_related("category", "district")
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
