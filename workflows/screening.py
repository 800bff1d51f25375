"""What the rules engine may know of a report beyond its text, and screening without storing.

Counts only, never content: the reporter's recent record and the activity around the place.
"""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db import ProgrammingError, connection
from django.utils import timezone
from psycopg.errors import InvalidSqlStatementName

from moderation.engine import Draft, NearbyActivity, ReporterHistory, Screening, screen
from reports.models import Device, Report
from reports.selectors import degrees_covering

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
