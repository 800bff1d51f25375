"""Writes of public alerts: an alert made of a published report, its end, the zones devices watch, and the
notices a reporter's own device gets.

Every function is ``<entity>_<verb>(*, …)``. Side effects that leave the database (push, websocket) are
deferred as jobs in the same transaction, or sent after commit, never done inline.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import h3
from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts import events as alert_events
from alerts import fanout as alert_fanout
from alerts.errors import SubscriptionLimitReached
from alerts.models import Alert, AlertReport, Subscription
from alerts.public import alert_public
from privacy.cells import cell_of
from privacy.geo import bbox_around
from privacy.timebands import time_floor
from reports.models import Device, Report
from reports.public_form import public_location_draw
from reports.selectors import degrees_covering

logger = logging.getLogger(__name__)

# Public alerts sit on H3 resolution-9 cells (about 0.1 km², 174 m edges).
ALERT_CELL_RESOLUTION = 9


def alert_consider(*, report: Report, moderator_approved: bool = False) -> Alert | None:
    """Make a public alert of a published report, or fold it into a similar one, when everything allows it.

    Called when a report is created and when a moderator publishes it (``moderator_approved``). An alert
    needs the reporter's consent, a category that may be alerted (never a sensitive one) and the category's
    corroboration policy; its point is noised once, here, and stored. The fan-out is scheduled in the same transaction
    (after the delay of ongoing incidents) and live feeds hear of it after commit.

    Never raises: a report that was acknowledged must not be lost, nor a moderator's decision undone,
    because something went wrong with its alert. The failure is logged instead.
    """
    if not _alert_possible(report):
        return None  # most reports: decided without the savepoint's two round trips
    try:
        with transaction.atomic():
            return _alert_consider(report, now=timezone.now(), approved=moderator_approved)
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


def _alert_consider(report: Report, *, now: datetime, approved: bool) -> Alert | None:
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
    corroborating = _alert_corroboration(report, now=now, approved=approved)
    if corroborating is None:
        return None
    # The alert shows the report's one public place; never a draw of its own, which an attacker holding
    # the report's Open311 record too could average with it.
    if report.public_location is None:
        report.public_location = public_location_draw(report.location)
        Report.objects.filter(pk=report.pk).update(public_location=report.public_location)
    lng, lat = report.public_location.x, report.public_location.y
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


def _alert_corroboration(report: Report, *, now: datetime, approved: bool) -> list[Report] | None:
    """The other reports that corroborate this one ([] when a moderator's approval suffices), or None
    when the category's policy does not hold yet."""
    policy = report.category.corroboration
    if policy in ("moderator", "either") and approved:
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
