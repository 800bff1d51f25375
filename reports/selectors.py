"""Reads of the reports part, already filtered for whoever asks."""

from __future__ import annotations

import math
import uuid

from django.db.models import Count, Prefetch, QuerySet

from reports.models import Category, Device, Report, ServiceArea


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("position", "code")


def service_area_active() -> ServiceArea | None:
    return ServiceArea.objects.filter(is_active=True).first()


def report_list_for(*, device: Device) -> QuerySet[Report]:
    """The device's own reports: nobody else's ever appear, whatever the filters."""
    return (
        Report.objects.filter(device=device)
        .select_related("category", "district", "case")
        # The author's answer lists the referrals with their partners: named by to_attr, since reports does not
        # import referrals' models to order them (their Meta ordering is the answer's).
        .prefetch_related("case__hits", Prefetch("referrals", to_attr="referrals_for_author"),
                          "referrals_for_author__partner")
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


def degrees_covering(metres: float, latitude: float) -> float:
    """A radius in degrees that covers ``metres`` in every direction at this latitude (east-west is the
    widest), so a cheap indexed pre-filter never drops a point the exact distance keeps."""
    return metres / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
