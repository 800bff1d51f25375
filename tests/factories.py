"""Factories: plain functions that build what a test needs, with sensible defaults."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from PIL import Image

from reports.models import Category, Device, District, Report, ServiceArea
from reports.services import device_register
from workflows.submit import Consent, report_submit

# A small test town around Ghent's centre: a 4 km × 3 km box, split into a west and an east district.
TOWN_WEST, TOWN_EAST, TOWN_SOUTH, TOWN_NORTH = 3.69, 3.75, 51.04, 51.07
INSIDE = (3.7250, 51.0543)
OUTSIDE = (4.3517, 50.8503)  # Brussels

_counter = itertools.count()


def _box(west: float, south: float, east: float, north: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


def service_area_create(*, name: str = "Test town") -> ServiceArea:
    area = ServiceArea.objects.create(
        name=name,
        boundary=_box(TOWN_WEST, TOWN_SOUTH, TOWN_EAST, TOWN_NORTH),
        center=Point((TOWN_WEST + TOWN_EAST) / 2, (TOWN_SOUTH + TOWN_NORTH) / 2, srid=4326),
    )
    middle = (TOWN_WEST + TOWN_EAST) / 2
    District.objects.create(
        service_area=area, name="West", slug="west", boundary=_box(TOWN_WEST, TOWN_SOUTH, middle, TOWN_NORTH)
    )
    District.objects.create(
        service_area=area, name="East", slug="east", boundary=_box(middle, TOWN_SOUTH, TOWN_EAST, TOWN_NORTH)
    )
    return area


def device_create(**overrides: Any) -> tuple[Device, str]:
    options = {"platform": "android", "locale": "en", "time_zone": "Europe/Brussels"} | overrides
    return device_register(**options)


def report_payload(**overrides: Any) -> dict[str, Any]:
    """A valid JSON body for POST /api/v1/reports/."""
    payload: dict[str, Any] = {
        "kind": "incident",
        "category": "property.bicycle_theft",
        "description": "My bicycle was taken from the rack near the library.",
        "location": {"type": "Point", "coordinates": list(INSIDE)},
        "accuracy_m": 12,
        "occurred_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "consent": {"share_with_police": True, "victim_support": False, "public_alert": True},
    }
    payload.update(overrides)
    return payload


def insecurity_payload(**overrides: Any) -> dict[str, Any]:
    return report_payload(
        kind="insecurity", category="insecurity.poor_lighting", perception=4,
        factors=["insecurity.deserted_place"], description="The underpass has no working lights at night.",
    ) | overrides


def report_create(
    *, device: Device | None, category: str = "property.bicycle_theft", kind: str = "incident",
    location: tuple[float, float] = INSIDE, description: str = "Something was stolen.",
    occurred_at: datetime | None = None, perception: int | None = None,
) -> Report:
    return report_submit(
        device=device, kind=kind, category=Category.objects.get(code=category), description=description,
        location=Point(*location, srid=4326), accuracy_m=10,
        occurred_at=occurred_at or timezone.now() - timedelta(hours=1), consent=Consent(share_with_police=True),
        perception=perception, factors=[],
    ).report


def report_held(*, device: Device | None, code: str = "pii.person_name", description: str = "It was Jan Peeters.",
                verdict: str = "hold") -> Report:
    """A report the rules engine held, rejected or allowed, whatever today's rules would say of its text."""
    from moderation import services as moderation
    from moderation.engine import RuleHit, Screening

    report = report_create(device=device, description=description)
    hits = () if verdict == "allow" else (
        RuleHit(code=code, action="hold" if verdict == "hold" else "reject", spans=((7, 18),),
                explanation="Remove the name."),
    )
    screening = Screening(
        language="en", verdict=verdict, hits=hits,
        redacted_text=description if verdict == "allow" else description[:7] + "[name removed]" + description[18:],
    )
    report.case.delete()
    status = {"allow": Report.Status.PUBLISHED, "hold": Report.Status.PENDING_REVIEW}.get(
        verdict, Report.Status.REJECTED
    )
    Report.objects.filter(pk=report.pk).update(
        status=status, public_description=description if verdict == "allow" else ""
    )
    report.refresh_from_db()
    moderation.case_open(report=report, screening=screening)
    return report


def jpeg_with_gps(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small JPEG as a phone takes it: the maker and a GPS position in its EXIF, which Lantern must strip."""
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 3.0, 15.0), 3: "E", 4: (3.0, 43.0, 30.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()
