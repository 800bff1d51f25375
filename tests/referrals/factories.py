"""Factories for the partner directory and for reports with the consents a test needs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from referrals.models import Jurisdiction, Partner
from reports.models import Category, Device, Report
from tests import factories
from workflows.submit import Consent, SubmittedReport, report_submit

SECRET = "test-partner-secret-0123456789abcdef"
MIDDLE = (factories.TOWN_WEST + factories.TOWN_EAST) / 2
WEST_POINT = (3.7000, 51.0550)
EAST_POINT = factories.INSIDE


def _box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


def town_jurisdictions() -> dict[str, Jurisdiction]:
    """Two police areas splitting the test town west/east, and the town itself as a municipality."""
    t = factories
    specs = {
        "West police area": (Jurisdiction.Kind.POLICE_AREA, _box(t.TOWN_WEST, t.TOWN_SOUTH, MIDDLE, t.TOWN_NORTH)),
        "East police area": (Jurisdiction.Kind.POLICE_AREA, _box(MIDDLE, t.TOWN_SOUTH, t.TOWN_EAST, t.TOWN_NORTH)),
        "Test town": (Jurisdiction.Kind.MUNICIPALITY, _box(t.TOWN_WEST, t.TOWN_SOUTH, t.TOWN_EAST, t.TOWN_NORTH)),
    }
    return {
        name: Jurisdiction.objects.get_or_create(name=name, defaults={"kind": kind, "boundary": boundary})[0]
        for name, (kind, boundary) in specs.items()
    }


def partner_create(
    *, name: str, kind: str = "police", channel: str = "webhook", endpoint: str = "http://127.0.0.1:9/webhook",
    jurisdictions: tuple[Jurisdiction, ...] = (), categories: tuple[str, ...] = (),
    languages: list[str] | None = None, data_fields: list[str] | None = None, secret: str = SECRET, **extra: Any,
) -> Partner:
    partner = Partner.objects.create(
        name=name, kind=kind, channel=channel, endpoint=endpoint, signing_secret=secret,
        languages=languages or [], data_fields=data_fields or [], **extra,
    )
    partner.jurisdictions.set(jurisdictions)
    partner.categories.set(Category.objects.filter(code__in=categories))
    return partner


def report_submitted(
    *, device: Device | None, police: bool = True, victim_support: bool = False, public: bool = False,
    contact: dict[str, Any] | None = None, category: str = "property.bicycle_theft",
    description: str = "My bicycle was taken from the rack near the library.",
    location: tuple[float, float] = EAST_POINT, occurred_at: datetime | None = None,
) -> SubmittedReport:
    code = Category.objects.get(code=category)
    insecurity = code.is_insecurity_factor
    return report_submit(
        device=device, kind="insecurity" if insecurity else "incident", category=code, description=description,
        location=Point(*location, srid=4326), accuracy_m=10,
        occurred_at=occurred_at or timezone.now() - timedelta(hours=2),
        consent=Consent(share_with_police=police, victim_support=victim_support, public_alert=public),
        perception=3 if insecurity else None, factors=[], contact=contact,
    )


def report_make(
    *, device: Device | None, police: bool = True, victim_support: bool = False, public: bool = False,
    contact: dict[str, Any] | None = None, category: str = "property.bicycle_theft",
    description: str = "My bicycle was taken from the rack near the library.",
    location: tuple[float, float] = EAST_POINT, occurred_at: datetime | None = None,
) -> Report:
    return report_submitted(
        device=device, police=police, victim_support=victim_support, public=public, contact=contact,
        category=category, description=description, location=location, occurred_at=occurred_at,
    ).report
