"""Plain functions that put reports into a closed month, as the maps tests need them.

Reports are written with the ORM, not through report_submit: a month in the past cannot be reported
through the API any more, and the maps read only what is stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point

from maps.layers import month_next
from reports.models import Category, Device, Report
from tests import factories

LOCAL = ZoneInfo("Europe/Brussels")
MONTH = date(2026, 3, 1)  # long closed, inside the twelve months a report may describe
MONTH_TEXT = "2026-03"
# Two places of the test town, far enough apart to be in different resolution-8 cells.
STATION = (3.7110, 51.0500)
PARK = (3.7350, 51.0620)


def device() -> Device:
    return factories.device_create()[0]


def report(
    reporter: Device | None, *, kind: str = "insecurity", category: str | None = None,
    where: tuple[float, float] = STATION, day: int = 10, hour: int = 21, minute: int = 0,
    perception: int | None = 4, status: str = Report.Status.PUBLISHED, month: date = MONTH,
    received_after: timedelta = timedelta(hours=1),
) -> Report:
    """One report that happened on ``day`` of ``month`` at local ``hour``, received ``received_after`` later."""
    if category is None:
        category = "insecurity.poor_lighting" if kind == "insecurity" else "property.bicycle_theft"
    occurred = datetime(month.year, month.month, day, hour, minute, tzinfo=LOCAL)
    created = Report.objects.create(
        device=reporter, kind=kind, category=Category.objects.get(code=category), location=Point(*where, srid=4326),
        occurred_at=occurred, perception=perception if kind == "insecurity" else None, status=status,
        source=Report.Source.DEMO,
    )
    Report.objects.filter(pk=created.pk).update(created_at=occurred + received_after)
    return created


def crowd(count: int, *, where: tuple[float, float] = STATION, **options: object) -> list[Report]:
    """``count`` different reporters, one report each."""
    return [report(device(), where=where, **options) for _ in range(count)]


def after_month(month: date = MONTH, *, days: int = 3) -> datetime:
    following = month_next(month)
    return datetime(following.year, following.month, 1, tzinfo=LOCAL) + timedelta(days=days)


__all__ = ["month_next"]
