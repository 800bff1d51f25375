"""Submitting a report: screened, stored with its photos, its moderation case, its referrals and its alert,
in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.services import alert_consider
from kernel.metrics import report_screened
from kernel.rows import rows_insert
from moderation import services as moderation
from moderation.engine import Draft, Screening, screen
from moderation.models import RuleHit
from referrals.models import Referral
from referrals.services import referrals_create
from reports.emergency import danger_now
from reports.errors import NoServiceArea, OutsideServiceArea
from reports.models import Category, Device, Report, ReportPhoto
from reports.photos import SanitizedPhoto
from reports.public_form import public_location_draw
from reports.reference import reference_places
from workflows.screening import screening_context


@dataclass(frozen=True)
class Consent:
    """Who the citizen allows to receive the report. Nothing is shared without a yes."""

    share_with_police: bool = False
    victim_support: bool = False
    public_alert: bool = False


# --- devices -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedReport:
    """What intake answers: the stored report, and its rule hits and referrals as they were written, in the order
    the answer lists them (nothing is read back)."""

    report: Report
    hits: list[RuleHit]
    referrals: list[Referral]


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
    contact: dict[str, Any] | None = None,
) -> SubmittedReport:
    """Screen and store a citizen's report, with its photos and its moderation case, in one transaction.

    Raises ``OutsideServiceArea`` for a point Lantern does not serve. The rules engine's verdict sets
    the status: ``published`` (with redacted text when needed), ``pending_review`` or ``rejected``.
    """
    places = reference_places()
    service_area = places.service_area_containing(location)
    if service_area is None:
        if places.service_area is None:
            raise NoServiceArea(_("No service area is configured yet; reports cannot be placed."))
        raise OutsideServiceArea(
            _("This place is outside the area Lantern serves. Check the location, or contact local services."),
            field="location",
        )
    now = timezone.now()
    history, nearby = screening_context(device=device, point=location, now=now)
    screening = screen(
        Draft(text=description, category=category.code, locale=device.locale if device else language),
        history=history,
        nearby=nearby,
    )
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            report = _report_insert(
                device=device,
                source=source,
                kind=kind,
                category=category,
                description=description,
                # Published at once: its one public form is made now, before anything shows it.
                public_description=_public_text(screening),
                public_location=public_location_draw(location) if _published(screening) else None,
                status=_STATUS_OF_VERDICT[screening.verdict],
                language=screening.language,
                location=location,
                accuracy_m=accuracy_m,
                district=places.district_containing(location),
                occurred_at=occurred_at,
                consent_police=consent.share_with_police,
                consent_victim_support=consent.victim_support,
                consent_public_alert=consent.public_alert,
                # A way to reach the citizen is kept only for the victim support they asked for.
                contact=(contact or {}) if consent.victim_support else {},
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
            report.photo_count = len(photos or [])  # known here: the referrals' payloads need not count
            alert_consider(report=report)
            opened = moderation.case_open(report=report, screening=screening)
            referrals = referrals_create(report=report, new=True)
    except BaseException:
        # The rows are gone with the rollback; the files must go too, or they would outlive the report.
        for name in stored_files:
            ReportPhoto.file.field.storage.delete(name)
        raise
    transaction.on_commit(partial(
        report_screened, verdict=screening.verdict, families=[hit.code.split(".")[0] for hit in screening.hits]
    ))
    return SubmittedReport(report=report, hits=opened.hits, referrals=referrals)


def _report_insert(**values: Any) -> Report:
    report = Report(**values)
    rows_insert(instances=[report])  # the ORM's create compiled the same statement for every report
    return report


_STATUS_OF_VERDICT = {
    "allow": Report.Status.PUBLISHED,
    "redact": Report.Status.PUBLISHED,
    "hold": Report.Status.PENDING_REVIEW,
    "reject": Report.Status.REJECTED,
}


def _published(screening: Screening) -> bool:
    return _STATUS_OF_VERDICT[screening.verdict] == Report.Status.PUBLISHED


def _public_text(screening: Screening) -> str:
    # The redacted text even for "allow": it is the text itself when nothing personal was found.
    return screening.redacted_text if _published(screening) else ""


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
        report.public_description = _public_text(screening)
        if _published(screening) and report.public_location is None:
            report.public_location = public_location_draw(report.location)
    with transaction.atomic():
        Report.objects.bulk_update(reports, ["status", "public_description", "public_location"], batch_size=1000)
        moderation.cases_open_in_bulk(screened=screened)
    return len(screened)


# --- referrals -----------------------------------------------------------------------------------
