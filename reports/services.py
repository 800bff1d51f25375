"""Writes of the reports part's own records: devices and the places Lantern serves.

Every function is ``<entity>_<verb>(*, …)``. Writes that cross parts (submitting, deciding, withdrawing a
report) live in ``workflows``.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.contrib.gis.geos import MultiPolygon
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from reports.credentials import credential_digest, credential_new
from reports.models import Device, District, Report, ServiceArea

DEVICE_TOKEN_PREFIX = "ltd"  # noqa: S105 - a label, not a secret


# --- devices -----------------------------------------------------------------------------------


def device_register(
    *, platform: str, locale: str = "en", time_zone: str = "UTC", push_token: str = ""
) -> tuple[Device, str]:
    """A new device and its bearer token. The token is returned once and stored only as a digest."""
    token = credential_new(DEVICE_TOKEN_PREFIX)
    device = Device.objects.create(
        token_hash=credential_digest(token), platform=platform, locale=locale, time_zone=time_zone,
        push_token=push_token, last_seen_at=timezone.now(),
    )
    return device, token


def device_update(
    *, device: Device, locale: str | None = None, time_zone: str | None = None, push_token: str | None = None
) -> Device:
    fields = []
    if locale is not None:
        device.locale, fields = locale, [*fields, "locale"]
    if time_zone is not None:
        device.time_zone, fields = time_zone, [*fields, "time_zone"]
    if push_token is not None:
        # A new token re-enables push that FCM had switched off for a stale token.
        device.push_token, device.push_enabled = push_token, bool(push_token)
        fields += ["push_token", "push_enabled"]
    if fields:
        device.save(update_fields=fields)
    return device


@transaction.atomic
def device_delete(*, device: Device) -> int:
    """Forget the device. Its reports stay, anonymised (no link to any device); answers their count."""
    # The contact a citizen left for victim support would re-identify an anonymised report.
    anonymised = Report.objects.filter(device=device).update(device=None, contact={}, updated_at=timezone.now())
    device.delete()
    return anonymised


_UNCHANGED: Any = object()


def device_alert_settings_update(
    *, device: Device, quiet_hours: tuple[time, time] | None = _UNCHANGED, daily_push_cap: int | None = None
) -> Device:
    """Quiet hours (local start and end, or None for none) and the daily cap on alert pushes."""
    fields = []
    if quiet_hours is not _UNCHANGED:
        device.quiet_hours_start, device.quiet_hours_end = quiet_hours or (None, None)
        fields += ["quiet_hours_start", "quiet_hours_end"]
    if daily_push_cap is not None:
        device.daily_push_cap = daily_push_cap
        fields.append("daily_push_cap")
    if fields:
        device.save(update_fields=fields)
    return device


# --- places ------------------------------------------------------------------------------------


@transaction.atomic
def service_area_activate(
    *, name: str, boundary: MultiPolygon, districts: list[tuple[str, MultiPolygon]] | None = None
) -> ServiceArea:
    """Make ``boundary`` the area Lantern serves (replacing the active one) with its districts.

    The centre is the centroid when it falls inside the area, otherwise a point on its surface, so
    that apps never frame their map on a point Lantern does not serve.
    """
    if not boundary.valid:
        raise ValueError(f"the service area boundary is not a valid geometry: {boundary.valid_reason}")
    ServiceArea.objects.filter(is_active=True).exclude(name=name).update(is_active=False)
    center = boundary.centroid if boundary.contains(boundary.centroid) else boundary.point_on_surface
    area, _ = ServiceArea.objects.update_or_create(
        name=name, defaults={"boundary": boundary, "center": center, "is_active": True}
    )
    if districts is not None:
        area.districts.all().delete()
        used: set[str] = set()
        for district_name, district_boundary in districts:
            slug = base = slugify(district_name) or "district"
            counter = 2
            while slug in used:
                slug, counter = f"{base}-{counter}", counter + 1
            used.add(slug)
            District.objects.create(service_area=area, name=district_name, slug=slug, boundary=district_boundary)
    return area
