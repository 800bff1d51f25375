"""The demo city's places: Ghent's outline, its districts and police areas, as shapes Lantern can serve."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.management.base import CommandError
from django.db import connection
from django.utils.text import slugify

from referrals.models import Jurisdiction
from reports.models import District, ServiceArea

Say = Callable[[str], None]

AREA_NAME = "Ghent (demo)"
AREA_CENTER = (3.7215, 51.0545)  # Korenmarkt, the historic centre
POLICE_NORTH, POLICE_SOUTH, MUNICIPALITY = "Ghent Police North", "Ghent Police South", "City of Ghent"

# Real Ghent neighbourhoods; their Voronoi cells, clipped to the area, become the districts.
DISTRICT_SEEDS: tuple[tuple[str, float, float], ...] = (
    ("Binnenstad", 3.7245, 51.0545),
    ("Sint-Amandsberg", 3.7560, 51.0620),
    ("Oostakker", 3.7620, 51.0790),
    ("Gentbrugge", 3.7680, 51.0400),
    ("Sint-Pieters-Aalst", 3.7150, 51.0330),
    ("Sint-Denijs-Westrem", 3.6750, 51.0250),
    ("Mariakerke", 3.6800, 51.0700),
    ("Wondelgem", 3.7230, 51.0800),
)
# Roughly the Leie and the Schelde across the city: north of it is one police area, south the other.
POLICE_SPLIT = (
    (3.55, 51.045),
    (3.66, 51.049),
    (3.70, 51.051),
    (3.725, 51.052),
    (3.75, 51.049),
    (3.90, 51.046),
)

METRES_PER_DEGREE_LAT = 111_320.0
METRES_PER_DEGREE_LNG = METRES_PER_DEGREE_LAT * math.cos(math.radians(51.05))


def service_area_load(*, say: Say, warn: Say) -> ServiceArea | None:
    area = ServiceArea.objects.filter(name=AREA_NAME).first()
    other = ServiceArea.objects.filter(is_active=True).exclude(name=AREA_NAME).first()
    if other is not None:
        # Only one area may be active; switching a real deployment's area is not a demo's call.
        warn(
            f"Service area {other.name!r} is active; the demo city would replace it. Nothing seeded. "
            "Deactivate it in the admin first if you want the demo."
        )
        return None
    if area is None:
        area = ServiceArea.objects.create(
            name=AREA_NAME, boundary=demo_outline(), center=Point(*AREA_CENTER, srid=4326), is_active=True
        )
        say(f"Service area: created {AREA_NAME}")
    elif not area.is_active:
        area.is_active = True
        area.save(update_fields=["is_active"])
        say(f"Service area: reactivated {AREA_NAME}")
    return area


def districts_load(*, say: Say, area: ServiceArea) -> None:
    if area.districts.exists():
        return
    for name, boundary in district_boundaries(area.boundary):
        District.objects.create(service_area=area, name=name, slug=slugify(name), boundary=boundary)
    say(f"Districts: created {area.districts.count()}")


def jurisdictions_load(*, say: Say, area: ServiceArea) -> None:
    south = Polygon(
        (*POLICE_SPLIT, (POLICE_SPLIT[-1][0], 50.9), (POLICE_SPLIT[0][0], 50.9), POLICE_SPLIT[0]),
        srid=4326,
    )
    boundaries = {
        POLICE_NORTH: (Jurisdiction.Kind.POLICE_AREA, as_multipolygon(area.boundary.difference(south))),
        POLICE_SOUTH: (Jurisdiction.Kind.POLICE_AREA, as_multipolygon(area.boundary.intersection(south))),
        MUNICIPALITY: (Jurisdiction.Kind.MUNICIPALITY, area.boundary),
    }
    for name, (kind, boundary) in boundaries.items():
        _, created = Jurisdiction.objects.get_or_create(
            name=name, defaults={"kind": kind, "boundary": boundary}
        )
        if created:
            say(f"Jurisdiction: created {name}")


def to_lnglat(east_m: float, north_m: float, *, origin: tuple[float, float]) -> tuple[float, float]:
    return origin[0] + east_m / METRES_PER_DEGREE_LNG, origin[1] + north_m / METRES_PER_DEGREE_LAT


def demo_outline() -> MultiPolygon:
    """About 12 km by 9 km around Ghent: an ellipse whose radius wobbles, so it looks like a real border."""
    points = []
    for step in range(72):
        theta = 2 * math.pi * step / 72
        wobble = (
            1
            + 0.06 * math.sin(3 * theta + 0.7)
            + 0.04 * math.cos(5 * theta + 1.3)
            + 0.025 * math.sin(8 * theta)
        )
        lng, lat = to_lnglat(
            6000 * wobble * math.cos(theta), 4500 * wobble * math.sin(theta), origin=(3.72, 51.05)
        )
        points.append((round(lng, 6), round(lat, 6)))
    points.append(points[0])
    return MultiPolygon(Polygon(points, srid=4326), srid=4326)


def district_boundaries(boundary: MultiPolygon) -> list[tuple[str, MultiPolygon]]:
    """Voronoi cells of the district seeds, clipped to the area.

    The cells are drawn in metres (ETRS89-LAEA) so they are not stretched east-west, then clipped in
    WGS 84 against the area itself, so the districts tile it with no gap along the border.
    """
    names = [name for name, _, _ in DISTRICT_SEEDS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH area AS (SELECT ST_GeomFromEWKT(%s) AS g),
            seeds AS (
                SELECT s.name, ST_Transform(ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326), 3035) AS pt
                FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS s(name, lng, lat)
            ),
            cells AS (
                SELECT (ST_Dump(ST_VoronoiPolygons(
                    ST_Collect(seeds.pt), 0.0, ST_Expand(ST_Transform((SELECT g FROM area), 3035), 5000)
                ))).geom AS cell
                FROM seeds
            )
            SELECT seeds.name,
                   ST_AsEWKT(ST_Multi(ST_CollectionExtract(
                       ST_Intersection(ST_Transform(cells.cell, 4326), area.g), 3
                   )))
            FROM seeds JOIN cells ON ST_Contains(cells.cell, seeds.pt) CROSS JOIN area
            """,
            [
                boundary.ewkt,
                names,
                [lng for _, lng, _ in DISTRICT_SEEDS],
                [lat for _, _, lat in DISTRICT_SEEDS],
            ],
        )
        cells = dict(cursor.fetchall())
    missing = set(names) - set(cells)
    if missing:
        raise CommandError(f"district seeds outside the demo area: {', '.join(sorted(missing))}")
    return [(name, as_multipolygon(GEOSGeometry(cells[name]))) for name in names]


def as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=geometry.srid)
    raise CommandError(f"expected a polygon, got {geometry.geom_type}")
