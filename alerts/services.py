"""Writes: registering devices, submitting and withdrawing reports, applying retention.

Every function is ``<entity>_<verb>(*, …)``. Side effects that leave the database (push, websocket,
referral delivery) are deferred as jobs in the same transaction, never done inline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import MultiPolygon, Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alerts.credentials import credential_digest, credential_new
from alerts.emergency import danger_now
from alerts.errors import NoServiceArea, OutsideServiceArea, ReportNotWithdrawable
from alerts.models import Category, Device, District, Report, ReportPhoto, ServiceArea
from alerts.photos import SanitizedPhoto
from alerts.selectors import (
    district_containing,
    nearby_activity,
    reporter_history,
    service_area_active,
    service_area_containing,
)
from moderation import services as moderation
from moderation.engine import Draft, Screening, screen
from privacy.cells import point_coarsen

logger = logging.getLogger(__name__)

DEVICE_TOKEN_PREFIX = "ltd"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class Consent:
    """Who the citizen allows to receive the report. Nothing is shared without a yes."""

    share_with_police: bool = False
    victim_support: bool = False
    public_alert: bool = False


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
    anonymised = Report.objects.filter(device=device).update(device=None, updated_at=timezone.now())
    device.delete()
    return anonymised


# --- reports -----------------------------------------------------------------------------------


def report_submit(
    *,
    device: Device | None,
    kind: str,
    category: Category,
    description: str,
    location: Point,
    accuracy_m: int | None,
    occurred_at: datetime,
    consent: Consent,
    perception: int | None = None,
    factors: list[str] | None = None,
    photos: list[SanitizedPhoto] | None = None,
    language: str | None = None,
    source: str = Report.Source.APP,
) -> Report:
    """Screen and store a citizen's report, with its photos and its moderation case, in one transaction.

    Raises ``OutsideServiceArea`` for a point Lantern does not serve. The rules engine's verdict sets
    the status: ``published`` (with redacted text when needed), ``pending_review`` or ``rejected``.
    """
    service_area = service_area_containing(location)
    if service_area is None:
        if service_area_active() is None:
            raise NoServiceArea(_("No service area is configured yet; reports cannot be placed."))
        raise OutsideServiceArea(
            _("This place is outside the area Lantern serves. Check the location, or contact local services."),
            field="location",
        )
    now = timezone.now()
    screening = screen(
        Draft(text=description, category=category.code, locale=device.locale if device else language),
        history=reporter_history(device=device, now=now),
        nearby=nearby_activity(point=location, now=now),
    )
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            report = Report.objects.create(
                device=device,
                source=source,
                kind=kind,
                category=category,
                description=description,
                public_description=_public_text(screening, description),
                status=_STATUS_OF_VERDICT[screening.verdict],
                language=screening.language,
                location=location,
                accuracy_m=accuracy_m,
                district=district_containing(service_area=service_area, point=location),
                occurred_at=occurred_at,
                consent_police=consent.share_with_police,
                consent_victim_support=consent.victim_support,
                consent_public_alert=consent.public_alert,
                perception=perception,
                factors=sorted(set(factors or [])),
                emergency=danger_now(
                    signals_danger=category.signals_danger, text=description, occurred_at=occurred_at, now=now
                ),
            )
            for photo in photos or []:
                record = ReportPhoto(
                    report=report, content_type=photo.content_type, width=photo.width, height=photo.height,
                    size_bytes=len(photo.content), sha256=photo.sha256,
                )
                record.file.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
                stored_files.append(record.file.name)
                record.save()
            moderation.case_open(report=report, screening=screening)
    except BaseException:
        # The rows are gone with the rollback; the files must go too, or they would outlive the report.
        for name in stored_files:
            ReportPhoto.file.field.storage.delete(name)
        raise
    return report


_STATUS_OF_VERDICT = {
    "allow": Report.Status.PUBLISHED,
    "redact": Report.Status.PUBLISHED,
    "hold": Report.Status.PENDING_REVIEW,
    "reject": Report.Status.REJECTED,
}


def _public_text(screening: Screening, description: str) -> str:
    if screening.verdict == "allow":
        return description
    if screening.verdict == "redact":
        return screening.redacted_text
    return ""


def _report_erase(report: Report, *, now: datetime) -> None:
    """Erase what could identify the reporter: free text, photos and the exact point."""
    lng, lat = point_coarsen(report.location.x, report.location.y)
    report.location = Point(lng, lat, srid=4326)
    report.location_precision = Report.Precision.COARSE
    report.accuracy_m = None
    report.description = ""
    report.public_description = ""
    report.erased_at = now
    for photo in report.photos.all():
        photo.file.delete(save=False)
        photo.delete()


@transaction.atomic
def report_withdraw(*, report: Report) -> Report:
    """The citizen takes the report back: kept for the audit trail, its text and exact point erased."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status == Report.Status.WITHDRAWN:
        raise ReportNotWithdrawable(_("This report was already withdrawn."))
    now = timezone.now()
    _report_erase(report, now=now)
    moderation.case_withdraw(report_id=report.pk)
    report.status = Report.Status.WITHDRAWN
    report.withdrawn_at = now
    report.save()
    return report


@transaction.atomic
def report_decide(*, report_id: Any, moderator: Any, decision: str, reason_code: str, note: str = "") -> Report:
    """A moderator's decision on a held (or appealed, or escalated) report, applied to the report."""
    case = moderation.case_decide(
        report_id=report_id, moderator=moderator, outcome=decision, reason_code=reason_code, note=note
    )
    report = case.report
    if decision == "approve":
        report.status, report.public_description = Report.Status.PUBLISHED, report.description
    elif decision == "approve_redacted":
        report.status, report.public_description = Report.Status.PUBLISHED, case.redacted_text
    elif decision == "reject":
        report.status, report.public_description = Report.Status.REJECTED, ""
    report.save(update_fields=["status", "public_description", "updated_at"])
    return report


@transaction.atomic
def report_appeal(*, report: Report, note: str) -> Report:
    """The reporter contests a rejection (once); a different moderator decides."""
    moderation.case_appeal(report_id=report.pk, note=note)
    report.status = Report.Status.PENDING_REVIEW
    report.save(update_fields=["status", "updated_at"])
    return report


# Reports still waiting for a moderator are not closed: the evidence must stay until someone decides.
_OPEN_STATUSES = (Report.Status.PENDING_REVIEW,)


def report_retention_apply(*, days: int, now: datetime | None = None, batch_size: int = 500) -> int:
    """Coarsen the location and erase the free text of closed reports older than ``days``.

    Works in batches, each its own transaction, so a large backlog never holds long locks.
    Answers how many reports were erased.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    erased = 0
    while True:
        with transaction.atomic():
            batch = list(
                Report.objects.select_for_update(skip_locked=True)
                .filter(created_at__lt=cutoff, erased_at__isnull=True)
                .exclude(status__in=_OPEN_STATUSES)
                .order_by("created_at")[:batch_size]
            )
            for report in batch:
                _report_erase(report, now=now)
                report.save()
        erased += len(batch)
        if len(batch) < batch_size:
            return erased


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


def report_preview(
    *, device: Device | None, description: str, category_code: str = "", locale: str | None = None,
    location: Point | None = None,
) -> Screening:
    """Run the same rules as intake on a draft, storing nothing, so the app can nudge before sending."""
    now = timezone.now()
    return screen(
        Draft(text=description, category=category_code, locale=locale or (device.locale if device else None)),
        history=reporter_history(device=device, now=now),
        nearby=nearby_activity(point=location, now=now) if location is not None else None,
    )


def reports_screen_in_bulk(*, reports: list[Report]) -> int:
    """Screen reports that have no moderation case yet (imports, demo data) and apply the verdicts.

    Behaviour rules need each report's history at its own time, which an import does not have, so only
    content rules run here. Answers how many reports were screened."""
    screened = [
        (report, screen(Draft(text=report.description, category=report.category.code, locale=report.language)))
        for report in reports
    ]
    for report, screening in screened:
        report.status = _STATUS_OF_VERDICT[screening.verdict]
        report.public_description = _public_text(screening, report.description)
    with transaction.atomic():
        Report.objects.bulk_update(reports, ["status", "public_description"], batch_size=1000)
        moderation.cases_open_in_bulk(screened=screened)
    return len(screened)
