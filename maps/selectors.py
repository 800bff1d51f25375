"""Reads of the maps part, already limited to what the caller may see."""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from maps.errors import TransparencyMonthInvalid, TransparencyNotPublished
from maps.exports import CellValues, ReleaseHeader, csv_bytes, geojson_bytes
from maps.layers import ALL, LAYER_UNITS, LAYERS, LayerSpec, MonthWindow, band_of_hour, month_window
from maps.models import Layer, Release, ReleaseCell, TransparencyRelease
from maps.partition import resolution_for_zoom
from referrals.models import Jurisdiction
from reports.models import Category, Report

logger = logging.getLogger(__name__)

MAX_ZOOM = 22
TILE_EXTENT = 4096
TILE_BUFFER = 64
# Releases are immutable, so what is computed from one may be kept for long; a cut for a key limited to
# jurisdictions only for a day, since a jurisdiction's boundary may be redrawn.
CACHE_SECONDS = 30 * 24 * 3600
CACHE_SECONDS_RESTRICTED = 24 * 3600
# Tiles rendered ahead at publication, for every zoom level the map page asks for and one more.
WARM_MAX_ZOOM = 15


@dataclass(frozen=True)
class MapViewer:
    """Who reads: ``jurisdiction_ids`` limits them to the published cells that overlap those places;
    ``None`` means the whole service area."""

    jurisdiction_ids: tuple[int, ...] | None = None

    @property
    def restricted(self) -> bool:
        return self.jurisdiction_ids is not None


ANALYST_ROLES = ("analyst", "admin")


def user_is_analyst(user: Any) -> bool:
    """Staff with the analyst (or admin) role, as Django groups named after settings.STAFF_ROLES."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    if not user.is_active:
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=ANALYST_ROLES).exists())


# --- what goes into a release ----------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One reporter's one counted report in a layer-month: where, which slice, and its perception."""

    lat: float
    lng: float
    slice: str
    perception: int | None


def layer_contributions(*, spec: LayerSpec, window: MonthWindow, time_zone: str) -> list[Contribution]:
    """Each reporter's latest eligible report of the month, and nothing else (contribution bounding).

    The unit of privacy is the device. Reports without one (a deleted device's, anonymised) cannot be
    tied to a reporter, so their contribution could not be bounded: they are left out. Reports whose
    exact location was erased by retention are left out too. Sensitive categories never reach a map.
    """
    report, category = Report._meta.db_table, Category._meta.db_table
    # occurred_at is never in the future when a report arrives, so created_at >= start is implied; it
    # lets PostgreSQL use the created_at index instead of reading every report ever made.
    sql = f"""
        SELECT DISTINCT ON (r.device_id)
               ST_Y(r.location), ST_X(r.location),
               EXTRACT(HOUR FROM r.occurred_at AT TIME ZONE %(tz)s)::int, c."group", r.perception
        FROM {report} r JOIN {category} c ON c.id = r.category_id
        WHERE r.device_id IS NOT NULL AND r.kind = %(kind)s AND r.status = ANY(%(statuses)s)
          AND r.erased_at IS NULL AND NOT c.sensitive
          AND r.occurred_at >= %(start)s AND r.occurred_at < %(end)s
          AND r.created_at >= %(created_from)s AND r.created_at < %(received_before)s
        ORDER BY r.device_id, r.occurred_at DESC, r.created_at DESC, r.id DESC
    """  # noqa: S608 - table names come from the models; every value is a parameter
    params = {
        "tz": time_zone, "kind": spec.kind, "statuses": list(spec.statuses), "start": window.start,
        "end": window.end, "received_before": window.received_before,
        "created_from": window.start - timedelta(days=1),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if spec.layer == Layer.INSECURITY:
        return [Contribution(lat, lng, band_of_hour(hour), perception) for lat, lng, hour, _g, perception in rows]
    return [Contribution(lat, lng, group, None) for lat, lng, _h, group, _p in rows]


# --- releases ----------------------------------------------------------------------------------------


def release_list() -> QuerySet[Release]:
    return Release.objects.defer("geojson", "csv").order_by("-month", "layer")


def release_get(*, month: date, layer: str, files: bool = True) -> Release:
    """The release, or ``Release.DoesNotExist`` (also for an unknown layer). ``files=False`` leaves the
    stored GeoJSON and CSV bytes in the database, for callers that only need the metadata."""
    if layer not in Layer.values:
        raise Release.DoesNotExist
    releases = Release.objects.all() if files else Release.objects.defer("geojson", "csv")
    return releases.get(month=month, layer=layer)


# No month before this one can have reports: earlier months are refused as out of range, not "empty".
TRANSPARENCY_FIRST_MONTH = date(2020, 1, 1)


def transparency_release_get(*, month: date, now: datetime | None = None) -> TransparencyRelease:
    """The stored transparency report of ``month``. A month out of range (before 2020, or not closed yet:
    its late reports may still arrive) is refused; a closed month the job has not published yet is not
    found. Nothing is ever computed here."""
    month = month.replace(day=1)
    window = month_window(month, time_zone=settings.MAPS_TIME_ZONE, late_days=settings.MAPS_LATE_REPORT_DAYS)
    if month < TRANSPARENCY_FIRST_MONTH:
        raise TransparencyMonthInvalid(
            _("Transparency reports start in %(first)s.") % {"first": f"{TRANSPARENCY_FIRST_MONTH:%Y-%m}"},
            field="month",
        )
    if (now or timezone.now()) < window.received_before:
        raise TransparencyMonthInvalid(
            _("%(month)s is not closed: its report is published after %(when)s.")
            % {"month": f"{month:%Y-%m}", "when": window.received_before.isoformat()},
            field="month",
        )
    found = TransparencyRelease.objects.filter(month=month).first()
    if found is None:
        raise TransparencyNotPublished(
            _("The transparency report of %(month)s is not published yet.") % {"month": f"{month:%Y-%m}"}
        )
    return found


def _cached(key: str, compute: Callable[[], bytes], *, timeout: int = CACHE_SECONDS) -> bytes:
    """Releases never change, so whatever is computed from one may be kept; a cache that is down only
    costs the computation."""
    try:
        found = cache.get(key)
    except (RedisError, OSError) as exc:
        logger.warning("maps cache unavailable: %s", exc)
        return compute()
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout=timeout)
    except (RedisError, OSError) as exc:
        logger.warning("maps cache unavailable: %s", exc)
    return value


def _cache_key(release: Release, viewer: MapViewer, *parts: object) -> str:
    scope = "all" if not viewer.restricted else "j" + ".".join(map(str, viewer.jurisdiction_ids or ()))
    return ":".join(["maps", str(release.pk), release.content_hash[:16], scope, *map(str, parts)])


def release_header(release: Release) -> ReleaseHeader:
    spec = LAYERS[release.layer]
    with_perception = spec.perception and release.epsilon_perception > 0
    return ReleaseHeader(
        month=release.month_label, layer=release.layer, epsilon=f"{release.epsilon:.3f}",
        resolution=release.resolution, threshold=release.threshold, time_zone=release.time_zone,
        published_at=release.published_at.isoformat(), slices=spec.slices,
        unit=str(LAYER_UNITS[release.layer]), perception=with_perception,
    )


def _visible_cells(release: Release, viewer: MapViewer) -> QuerySet[ReleaseCell]:
    cells = ReleaseCell.objects.filter(release=release, resolution=release.resolution)
    if viewer.restricted:
        # Whole published cells that overlap the places: never a cut-out polygon of its own.
        sql = f"""
            SELECT DISTINCT rc.cell FROM {ReleaseCell._meta.db_table} rc
            JOIN {Jurisdiction._meta.db_table} j ON ST_Intersects(j.boundary, rc.geom)
            WHERE rc.release_id = %s AND rc.resolution = %s AND rc.slice = %s AND j.id = ANY(%s)
        """  # noqa: S608 - table names come from the models; every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(sql, [release.pk, release.resolution, ALL, list(viewer.jurisdiction_ids or ())])
            visible = [row[0] for row in cursor.fetchall()]
        cells = cells.filter(cell__in=visible)
    return cells


def _cell_values(release: Release, viewer: MapViewer) -> list[CellValues]:
    shown: dict[str, dict[str, str]] = defaultdict(dict)
    perception: dict[str, float | None] = {}
    for cell, slice_, value, mean in _visible_cells(release, viewer).values_list(
        "cell", "slice", "shown", "perception_mean"
    ):
        shown[cell][slice_] = value
        if slice_ == ALL:
            perception[cell] = mean
    return [CellValues(cell=cell, shown=values, perception=perception.get(cell)) for cell, values in shown.items()]


def release_geojson_for(release: Release, viewer: MapViewer) -> bytes:
    """The stored bytes; for a key limited to jurisdictions, the same document with only their cells."""
    if not viewer.restricted:
        return bytes(release.geojson)
    return _cached(_cache_key(release, viewer, "geojson"),
                   lambda: geojson_bytes(release_header(release), _cell_values(release, viewer)),
                   timeout=CACHE_SECONDS_RESTRICTED)


def release_csv_for(release: Release, viewer: MapViewer) -> bytes:
    if not viewer.restricted:
        return bytes(release.csv)
    return _cached(_cache_key(release, viewer, "csv"),
                   lambda: csv_bytes(release_header(release), _cell_values(release, viewer)),
                   timeout=CACHE_SECONDS_RESTRICTED)


def release_tile(*, release: Release, z: int, x: int, y: int, viewer: MapViewer) -> bytes:
    return _cached(_cache_key(release, viewer, "tile", z, x, y),
                   lambda: _tile_make(release=release, z=z, x=x, y=y, viewer=viewer),
                   timeout=CACHE_SECONDS_RESTRICTED if viewer.restricted else CACHE_SECONDS)


def release_tiles_warm(release: Release, *, max_zoom: int = WARM_MAX_ZOOM) -> int:
    """Render every tile over the release's cells up to ``max_zoom`` into the cache; answers how many.

    The same PostGIS query as on demand, run ahead once, so that a map's first visit reads tiles as fast
    as its hundredth."""
    extent = ReleaseCell.objects.filter(release=release, resolution=release.resolution).aggregate(
        box=Extent("geom"))["box"]
    if extent is None:
        return 0
    west, south, east, north = extent
    rendered = 0
    for z in range(max_zoom + 1):
        x0, y0 = _tile_xy(west, north, z)
        x1, y1 = _tile_xy(east, south, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                release_tile(release=release, z=z, x=x, y=y, viewer=MapViewer())
                rendered += 1
    return rendered


def _tile_xy(lng: float, lat: float, z: int) -> tuple[int, int]:
    side = 2**z
    x = int((lng + 180) / 360 * side)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * side)
    return min(max(x, 0), side - 1), min(max(y, 0), side - 1)


def _tile_make(*, release: Release, z: int, x: int, y: int, viewer: MapViewer) -> bytes:
    """A Mapbox vector tile of the release, made by PostGIS from the stored cells.

    Outer zoom levels show the coarser cells stored with the release (sums of published noisy counts).
    Each feature carries the cell id and, per slice, the shown value: a number of at least the threshold,
    or the string ``<5``.
    """
    resolution = resolution_for_zoom(z, release.resolution)
    columns = (*LAYERS[release.layer].slices, ALL)
    restriction = ""
    params: dict[str, Any] = {
        "z": z, "x": x, "y": y, "release": release.pk, "resolution": resolution, "layer": release.layer,
        "extent": TILE_EXTENT, "buffer": TILE_BUFFER, "slices": list(columns),
    }
    if viewer.restricted:
        restriction = f"""AND EXISTS (
            SELECT 1 FROM {Jurisdiction._meta.db_table} j
            WHERE j.id = ANY(%(jurisdictions)s) AND ST_Intersects(j.boundary, rc.geom))"""  # noqa: S608
        params["jurisdictions"] = list(viewer.jurisdiction_ids or ())
    table = ReleaseCell._meta.db_table
    sql = f"""
        WITH bounds AS (
            SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
                   ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(buffer)s::float8 / %(extent)s),
                                4326) AS env4326
        ),
        picked AS (
            SELECT rc.cell, rc.slice, rc.shown, rc.perception_mean, rc.geom
            FROM {table} rc, bounds
            WHERE rc.release_id = %(release)s AND rc.resolution = %(resolution)s
              AND rc.slice = ANY(%(slices)s) AND rc.geom && bounds.env4326 {restriction}
        ),
        features AS (
            SELECT picked.cell,
                   ST_AsMVTGeom(ST_Transform((array_agg(picked.geom))[1], 3857), bounds.env,
                                %(extent)s, %(buffer)s, true) AS geom,
                   jsonb_object_agg(picked.slice, CASE WHEN picked.shown ~ '^[0-9]+$'
                                                       THEN to_jsonb(picked.shown::int)
                                                       ELSE to_jsonb(picked.shown) END)
                   || jsonb_strip_nulls(jsonb_build_object(
                          'cell', picked.cell,
                          'perception_mean', max(picked.perception_mean) FILTER (WHERE picked.slice = 'all')
                      )) AS properties
            FROM picked, bounds
            GROUP BY picked.cell, bounds.env
        )
        SELECT ST_AsMVT(tile, %(layer)s, %(extent)s, 'geom')
        FROM (SELECT geom, properties FROM features WHERE geom IS NOT NULL ORDER BY cell) AS tile
    """  # noqa: S608 - table names come from the models; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
