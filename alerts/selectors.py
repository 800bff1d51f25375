"""Reads, already filtered for whoever asks."""

from __future__ import annotations

import math
import uuid
import weakref
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db import ProgrammingError, connection
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from psycopg.errors import InvalidSqlStatementName

from alerts.models import Alert, AlertReport, Category, Device, Report, ServiceArea, Subscription
from moderation.engine import NearbyActivity, ReporterHistory


def category_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("position", "code")


def service_area_active() -> ServiceArea | None:
    return ServiceArea.objects.filter(is_active=True).first()


def report_list_for(*, device: Device) -> QuerySet[Report]:
    """The device's own reports: nobody else's ever appear, whatever the filters."""
    return (
        Report.objects.filter(device=device)
        .select_related("category", "district", "case")
        .prefetch_related("case__hits", "referrals__partner")
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


# "Nearby" for the flood rule: the same corner of a street, within the same hour.
NEARBY_RADIUS_M = 300
NEARBY_WINDOW = timedelta(hours=1)


# The behaviour rules judge a reporter by their recent record: the last 500 reports at most, so that a device
# that floods does not make each of its next reports slower to screen.
HISTORY_DEPTH = 500
_HISTORY = (
    "SELECT count(*), count(*) FILTER (WHERE status = %s), count(*) FILTER (WHERE created_at >= %s) "
    "FROM (SELECT status, created_at FROM alerts_report WHERE device_id = %s ORDER BY created_at DESC "
    "LIMIT %s) AS recent"
)
_HISTORY_SQL = f"SELECT *, NULL::bigint, NULL::bigint FROM ({_HISTORY}) AS history"  # noqa: S608 - constants
# ST_DWithin in degrees uses the GiST index; ST_DWithin on geography (sphere, as ST_DistanceSphere) then keeps
# the exact circle. ST_DistanceSphere itself cost PostgreSQL 18–38 ms per statement here, 0.5 ms this way.
# Intake asks it for every report, so it is prepared once per database connection: PostgreSQL planned it anew
# each time, and planning it (PostGIS's estimates for the circle) cost more than running it (0.33 -> 0.16 ms of
# PostgreSQL's CPU). A prepared statement outlives rollbacks and lives as long as its connection.
_SCREENING_STATEMENT = "lantern_screening_context"
_SCREENING_PREPARE = (
    f"PREPARE {_SCREENING_STATEMENT} "  # noqa: S608 - constants
    "(text, timestamptz, uuid, integer, timestamptz, float8, float8, float8, float8) AS SELECT * FROM ("
    "SELECT count(*), count(*) FILTER (WHERE status = $1), count(*) FILTER (WHERE created_at >= $2) "
    "FROM (SELECT status, created_at FROM alerts_report WHERE device_id = $3 ORDER BY created_at DESC "
    "LIMIT $4) AS recent) AS history, ("
    "SELECT count(*), count(DISTINCT device_id) FROM alerts_report WHERE created_at >= $5 "
    "AND ST_DWithin(location, ST_SetSRID(ST_MakePoint($6, $7), 4326), $8) "
    "AND ST_DWithin(location::geography, ST_SetSRID(ST_MakePoint($6, $7), 4326)::geography, $9, false)"
    ") AS nearby"
)
_SCREENING_EXECUTE = f"EXECUTE {_SCREENING_STATEMENT} (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
# The psycopg connections on which it is prepared (a connection that closes leaves the set by itself).
_screening_prepared_on: weakref.WeakSet[Any] = weakref.WeakSet()


def screening_context(
    *, device: Device | None, point: Point | None, now: datetime
) -> tuple[ReporterHistory, NearbyActivity | None]:
    """What the behaviour rules may know of a report's reporter and surroundings: counts only, never
    content. The reporter's reports before this one (the last ``HISTORY_DEPTH``), and recent reports within
    300 m (``None`` without a point), in one round trip: intake asks on every report."""
    params: list[object] = [
        Report.Status.REJECTED, now - timedelta(hours=1), device.pk if device else None, HISTORY_DEPTH
    ]
    with connection.cursor() as cursor:
        if point is None:
            cursor.execute(_HISTORY_SQL, params)
        else:
            x, y = point.coords[:2]
            params += [now - NEARBY_WINDOW, x, y, degrees_covering(NEARBY_RADIUS_M, y), NEARBY_RADIUS_M]
            _screening_execute(cursor, params)
        total, rejected, last_hour, nearby_reports, nearby_devices = cursor.fetchone()
    history = (
        ReporterHistory(reports_total=total, reports_rejected=rejected, reports_last_hour=last_hour)
        if device is not None else ReporterHistory()
    )
    nearby = (
        NearbyActivity(reports=nearby_reports, distinct_devices=nearby_devices) if point is not None else None
    )
    return history, nearby


def _screening_execute(cursor: Any, params: list[object]) -> None:
    raw = connection.connection
    if raw not in _screening_prepared_on:
        cursor.execute(_SCREENING_PREPARE)
        _screening_prepared_on.add(raw)
    try:
        cursor.execute(_SCREENING_EXECUTE, params)
    except ProgrammingError as exc:
        # Gone with a DISCARD or DEALLOCATE on the connection: prepared again, at once unless a transaction is
        # open (the failed statement has spoilt it: the caller rolls back), else by the next caller.
        if not isinstance(exc.__cause__, InvalidSqlStatementName):
            raise
        _screening_prepared_on.discard(raw)
        if connection.in_atomic_block:
            raise
        cursor.execute(_SCREENING_PREPARE)
        _screening_prepared_on.add(raw)
        cursor.execute(_SCREENING_EXECUTE, params)


def degrees_covering(metres: float, latitude: float) -> float:
    """A radius in degrees that covers ``metres`` in every direction at this latitude (east-west is the
    widest), so a cheap indexed pre-filter never drops a point the exact distance keeps."""
    return metres / (111_320 * max(math.cos(math.radians(latitude)), 0.01))


# --- citizen alerts ----------------------------------------------------------------------------

# What no public output reads of a report (its public form stands in for the first two).
REPORT_PRIVATE_FIELDS = ("description", "location", "contact", "accuracy_m")


def alerts_active(*, now: datetime | None = None) -> QuerySet[Alert]:
    """Alerts anyone may see now: visible (past an ongoing incident's delay), not expired, not retracted."""
    now = now or timezone.now()
    return (
        Alert.objects.filter(ended_at__isnull=True, visible_from__lte=now, expires_at__gt=now)
        .select_related("category")
        # An alert speaks of its reports through their public form only: what they say and where they
        # really were are not even read.
        .prefetch_related(Prefetch("links", queryset=AlertReport.objects.select_related("report").defer(
            *(f"report__{name}" for name in REPORT_PRIVATE_FIELDS))))
        .order_by("-occurred_at", "id")
    )


def alert_list_near(*, point: Point, radius_m: int, now: datetime | None = None) -> QuerySet[Alert]:
    """Active alerts whose published point lies within ``radius_m`` of ``point``."""
    return alerts_active(now=now).filter(point__dwithin=(point, D(m=radius_m)))


def alert_get(*, alert_id: uuid.UUID | str, now: datetime | None = None) -> Alert:
    """One active alert; ``Alert.DoesNotExist`` for a missing, expired, retracted or not yet visible one."""
    try:
        alert_uuid = alert_id if isinstance(alert_id, uuid.UUID) else uuid.UUID(str(alert_id))
    except ValueError as exc:
        raise Alert.DoesNotExist from exc
    return alerts_active(now=now).get(pk=alert_uuid)


def alerts_in_feed_cells(*, feed_cells: list[str], now: datetime | None = None) -> QuerySet[Alert]:
    """Active alerts in the given resolution-7 cells: the snapshot of a live feed."""
    return alerts_active(now=now).filter(cell_r7__in=feed_cells)


def subscription_list_for(*, device: Device) -> QuerySet[Subscription]:
    return Subscription.objects.filter(device=device).order_by("created_at", "id")


def subscription_get_for(*, device: Device, subscription_id: uuid.UUID | str) -> Subscription:
    """One of the device's zones; ``DoesNotExist`` alike for "missing" and "not yours"."""
    try:
        subscription_uuid = (
            subscription_id if isinstance(subscription_id, uuid.UUID) else uuid.UUID(str(subscription_id))
        )
    except ValueError as exc:
        raise Subscription.DoesNotExist from exc
    return subscription_list_for(device=device).get(pk=subscription_uuid)
