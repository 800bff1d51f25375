"""Writes: registering devices, submitting and withdrawing reports, applying retention.

Every function is ``<entity>_<verb>(*, …)``. Side effects that leave the database (push, websocket,
referral delivery) are deferred as jobs in the same transaction, never done inline.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

import h3
from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alerts import events as alert_events
from alerts import fanout as alert_fanout
from alerts.credentials import credential_digest, credential_new
from alerts.emergency import danger_now
from alerts.errors import NoServiceArea, OutsideServiceArea, ReportNotWithdrawable, SubscriptionLimitReached
from alerts.models import (
    Alert,
    AlertReport,
    Category,
    Device,
    District,
    Report,
    ReportPhoto,
    ServiceArea,
    Subscription,
)
from alerts.photos import SanitizedPhoto
from alerts.public import alert_public
from alerts.reference import reference_places
from alerts.selectors import degrees_covering, screening_context
from backend.metrics import report_screened
from backend.row_inserts import rows_insert
from moderation import services as moderation
from moderation.engine import Draft, Screening, screen
from moderation.models import Decision
from privacy.cells import cell_of, point_coarsen
from privacy.geo import bbox_around, epsilon_for, planar_laplace
from privacy.timebands import time_floor
from referrals.services import referral_status_record, referrals_create, referrals_erase

logger = logging.getLogger(__name__)

DEVICE_TOKEN_PREFIX = "ltd"  # noqa: S105 - a label, not a secret
# Public alerts sit on H3 resolution-9 cells (about 0.1 km², 174 m edges).
ALERT_CELL_RESOLUTION = 9


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
    # The contact a citizen left for victim support would re-identify an anonymised report.
    anonymised = Report.objects.filter(device=device).update(device=None, contact={}, updated_at=timezone.now())
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
    contact: dict[str, Any] | None = None,
) -> Report:
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
                public_description=_public_text(screening, description),
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
            moderation.case_open(report=report, screening=screening)
            referrals = referrals_create(report=report, new=True)
    except BaseException:
        # The rows are gone with the rollback; the files must go too, or they would outlive the report.
        for name in stored_files:
            ReportPhoto.file.field.storage.delete(name)
        raise
    transaction.on_commit(partial(
        report_screened, verdict=screening.verdict, families=[hit.code.split(".")[0] for hit in screening.hits]
    ))
    # Known here, in the order the answer lists them: saves it reading them back (like a list's prefetch).
    known = report.referrals.all()
    known._result_cache, known._prefetch_done = referrals, True
    report._prefetched_objects_cache = {"referrals": known}
    return report


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
    report.contact = {}
    referrals_erase(report=report, now=now)
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
    # Now public: municipal services, which only ever receive what the public may see, may be due one.
    referrals_create(report=report)
    alert_consider(report=report)
    reporter_notify(report=report, event="moderation.decided")
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


# --- citizen alerts ------------------------------------------------------------------------------


def alert_consider(*, report: Report) -> Alert | None:
    """Make a public alert of a published report, or fold it into a similar one, when everything allows it.

    Called when a report is created and when a moderator publishes it. An alert needs the reporter's
    consent, a category that may be alerted (never a sensitive one) and the category's corroboration
    policy; its point is noised once, here, and stored. The fan-out is scheduled in the same transaction
    (after the delay of ongoing incidents) and live feeds hear of it after commit.

    Never raises: a report that was acknowledged must not be lost, nor a moderator's decision undone,
    because something went wrong with its alert. The failure is logged instead.
    """
    if not _alert_possible(report):
        return None  # most reports: decided without the savepoint's two round trips
    try:
        with transaction.atomic():
            return _alert_consider(report, now=timezone.now())
    except Exception:
        logger.exception("public alert for report %s not considered", report.pk)
        return None


def _on_sphere_within(point: Point, metres: float) -> RawSQL:
    """True for reports within ``metres`` of ``point`` on the sphere. ``location__distance_lte`` compiles to
    ST_DistanceSphere, which cost PostgreSQL 18–38 ms per statement here; geography ST_DWithin 0.5 ms."""
    return RawSQL(
        "ST_DWithin(alerts_report.location::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, false)",
        (point.x, point.y, metres), output_field=BooleanField(),
    )


def _alert_possible(report: Report) -> bool:
    category = report.category
    return not (
        report.status != Report.Status.PUBLISHED
        or not report.consent_public_alert
        or report.kind != Report.Kind.INCIDENT
        or category.sensitive
        or category.corroboration == "never"
        or report.erased_at is not None
    )


def _alert_consider(report: Report, *, now: datetime) -> Alert | None:
    if not _alert_possible(report):
        return None
    category = report.category
    link = AlertReport.objects.filter(report=report).select_related("alert").first()
    if link is not None:
        return link.alert
    expiry = timedelta(hours=settings.ALERT_EXPIRY_HOURS)
    if report.occurred_at <= now - expiry:
        return None  # old news: an alert now would only feed fear
    occurred_at = time_floor(report.occurred_at)
    source_cell = cell_of(report.location.x, report.location.y, ALERT_CELL_RESOLUTION)
    with connection.cursor() as cursor:
        # Two similar reports at once must fold into one alert, not race into two.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"alert:{category.code}:{source_cell}"])
    window = timedelta(minutes=settings.ALERT_MERGE_WINDOW_MINUTES)
    similar = (
        Alert.objects.select_for_update()
        .filter(category=category, source_cell=source_cell, ended_at__isnull=True, expires_at__gt=now,
                occurred_at__gte=occurred_at - window, occurred_at__lte=occurred_at + window)
        .order_by("occurred_at", "id")
        .first()
    )
    if similar is not None:
        AlertReport.objects.create(alert=similar, report=report)
        Alert.objects.filter(pk=similar.pk).update(report_count=F("report_count") + 1)
        similar.refresh_from_db()
        if similar.visible_from <= now:
            alert_events.alert_event_send("alert.updated", alert_public(similar))
        return similar
    corroborating = _alert_corroboration(report, now=now)
    if corroborating is None:
        return None
    epsilon = epsilon_for(math.log(settings.ALERT_NOISE_ODDS), settings.ALERT_NOISE_RADIUS_M)
    noisy = planar_laplace(report.location.x, report.location.y, epsilon=epsilon)
    lng, lat = point_coarsen(noisy.lng, noisy.lat, ALERT_CELL_RESOLUTION)
    cell = cell_of(lng, lat, ALERT_CELL_RESOLUTION)
    ongoing = report.emergency or now - report.occurred_at < timedelta(minutes=settings.ALERT_ONGOING_WINDOW_MINUTES)
    visible_from = now + timedelta(minutes=settings.ALERT_ONGOING_DELAY_MINUTES) if ongoing else now
    linked = [report, *(other for other in corroborating if not AlertReport.objects.filter(report=other).exists())]
    alert = Alert.objects.create(
        category=category,
        district_name=report.district.name if report.district_id else "",
        point=Point(lng, lat, srid=4326),
        cell=cell,
        cell_r7=h3.cell_to_parent(cell, 7),
        source_cell=source_cell,
        occurred_at=occurred_at,
        visible_from=visible_from,
        expires_at=occurred_at + expiry,
        ongoing=ongoing,
        report_count=len(linked),
    )
    AlertReport.objects.bulk_create(AlertReport(alert=alert, report=item) for item in linked)
    # Deferred in this transaction: the alert and its fan-out exist together or not at all.
    alert_fanout.alert_publish.configure(schedule_at=visible_from, lock=f"alert-{alert.pk}").defer(
        alert_id=str(alert.pk)
    )
    if visible_from <= now:
        alert_events.alert_event_send("alert.new", alert_public(alert))
    return alert


def _alert_corroboration(report: Report, *, now: datetime) -> list[Report] | None:
    """The other reports that corroborate this one ([] when a moderator's approval suffices), or None
    when the category's policy does not hold yet."""
    policy = report.category.corroboration
    if policy in ("moderator", "either"):
        approved = Decision.objects.filter(
            case__report_id=report.pk, outcome__in=(Decision.Outcome.APPROVE, Decision.Outcome.APPROVE_REDACTED)
        ).exists()
        if approved:
            return []
    if policy in ("two_devices", "either") and report.device_id is not None:
        window = timedelta(minutes=settings.ALERT_CORROBORATION_WINDOW_MINUTES)
        radius = settings.ALERT_CORROBORATION_RADIUS_M
        others = list(
            Report.objects.filter(
                category=report.category, kind=Report.Kind.INCIDENT, status=Report.Status.PUBLISHED,
                consent_public_alert=True, erased_at__isnull=True, device__isnull=False,
                occurred_at__gte=report.occurred_at - window, occurred_at__lte=report.occurred_at + window,
                location__dwithin=(report.location, degrees_covering(radius, report.location.y)),
            )
            .alias(near=_on_sphere_within(report.location, radius))
            .filter(near=True)
            .exclude(pk=report.pk)
            .exclude(device_id=report.device_id)
            .order_by("created_at")[:20]
        )
        if others:
            return others
    return None


def alerts_expire(*, now: datetime | None = None) -> int:
    """End alerts that expired, and retract those none of whose reports is still published with consent
    (withdrawn, rejected on appeal); live feeds hear ``alert.expired``. Answers how many ended."""
    now = now or timezone.now()
    still_backed = AlertReport.objects.filter(
        alert=OuterRef("pk"), report__status=Report.Status.PUBLISHED, report__consent_public_alert=True
    )
    with transaction.atomic():
        ending = list(
            Alert.objects.select_for_update(skip_locked=True)
            .filter(ended_at__isnull=True)
            .filter(Q(expires_at__lte=now) | ~Exists(still_backed))
            .order_by("expires_at")[:1000]
        )
        for alert in ending:
            alert.ended_at = now
            alert.end_reason = Alert.EndReason.EXPIRED if alert.expires_at <= now else Alert.EndReason.RETRACTED
            if alert.visible_from <= now:
                alert_events.alert_expired_send(alert_id=alert.pk, cell=alert.cell)
        Alert.objects.bulk_update(ending, ["ended_at", "end_reason"])
    return len(ending)


def subscription_create(
    *, device: Device, center: Point, radius_m: int, categories: list[str] | None = None, label: str = ""
) -> Subscription:
    """A new zone the device watches. A device keeps at most ALERT_SUBSCRIPTIONS_PER_DEVICE of them."""
    with transaction.atomic():
        # Locking the device serialises its concurrent creations, so the cap cannot be overrun.
        Device.objects.select_for_update().filter(pk=device.pk).first()
        if Subscription.objects.filter(device=device).count() >= settings.ALERT_SUBSCRIPTIONS_PER_DEVICE:
            raise SubscriptionLimitReached(
                _("A device may watch at most %(count)d zones; delete one first.")
                % {"count": settings.ALERT_SUBSCRIPTIONS_PER_DEVICE}
            )
        return Subscription.objects.create(
            device=device, center=center, radius_m=radius_m, reach=_subscription_reach(center, radius_m),
            categories=sorted(set(categories or [])), label=label,
        )


def subscription_update(
    *, subscription: Subscription, center: Point | None = None, radius_m: int | None = None,
    categories: list[str] | None = None, label: str | None = None,
) -> Subscription:
    if center is not None:
        subscription.center = center
    if radius_m is not None:
        subscription.radius_m = radius_m
    if categories is not None:
        subscription.categories = sorted(set(categories))
    if label is not None:
        subscription.label = label
    subscription.reach = _subscription_reach(subscription.center, subscription.radius_m)
    subscription.save()
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    subscription.delete()


def _subscription_reach(center: Point, radius_m: int) -> Polygon:
    return Polygon.from_bbox(bbox_around(center.x, center.y, radius_m))


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


_NOTICES = {
    ("moderation.decided", Report.Status.PUBLISHED): "published",
    ("moderation.decided", Report.Status.REJECTED): "rejected",
    ("referral.received", None): "referral_acknowledged",
}


def reporter_notify(*, report: Report, event: str, **detail: str) -> None:
    """Tell the reporter's own device about its report: on its live sockets and by push, after commit.

    ``event`` is ``moderation.decided`` (told only when the report was published or rejected), or
    ``referral.<partner status>``. Nothing of the report's content goes into the push.
    """
    if report.device_id is None:
        return  # an anonymised report has nobody left to tell
    if event == "moderation.decided" and report.status not in (Report.Status.PUBLISHED, Report.Status.REJECTED):
        return
    notice = _NOTICES.get((event, report.status if event.startswith("moderation.") else None), "updated")
    update = {"report_id": str(report.pk), "event": event, "status": report.status, **detail}
    alert_events.report_update_send(device_id=report.device_id, update=update)
    # Deferred in the caller's transaction: a decision that rolls back tells nobody.
    alert_fanout.notice_push.defer(device_id=str(report.device_id), report_id=str(report.pk), notice=notice)


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
    history, nearby = screening_context(device=device, point=location, now=timezone.now())
    return screen(
        Draft(text=description, category=category_code, locale=locale or (device.locale if device else None)),
        history=history,
        nearby=nearby,
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


# --- referrals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralNews:
    """A partner's status update as recorded: the caller tells the reporter when ``changed``."""

    report: Report
    referral: Any
    changed: bool


def report_referral_status_update(*, referral_id: Any, status: str, message: str = "") -> ReferralNews:
    """Record a partner's news (received, in progress, closed, with a message) about one referral of a
    report. Answers the report and the referral, so the caller can notify the reporter (push) when
    something changed; a resent identical update changes nothing."""
    referral, changed = referral_status_record(referral_id=referral_id, status=status, message=message)
    report = Report.objects.select_related("device").get(pk=referral.report_id)
    if changed:
        reporter_notify(report=report, event=f"referral.{status}")
    return ReferralNews(report=report, referral=referral, changed=changed)
