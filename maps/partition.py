"""The fixed, public partition: every H3 cell that covers the service area, from its boundary alone.

The cells depend on the boundary and the resolution, never on the reports: which cells exist must not
say where anyone reported (a data-dependent partition would leak through the cells it adds).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

import h3
from django.contrib.gis.geos import GEOSGeometry, LinearRing, MultiPolygon, Polygon

RESOLUTIONS = (7, 8, 9)
# Zoom levels whose tiles show the release's own cells; further out, coarser cells that sum them.
COARSEST_LEVELS_BELOW = 5
ZOOM_OFFSET = 3


def cell_polygon(cell: str) -> Polygon:
    """The cell's hexagon (or pentagon) as a WGS 84 polygon, counter-clockwise, closed."""
    ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]
    return Polygon(LinearRing([*ring, ring[0]]), srid=4326)


def cell_ring(cell: str) -> list[list[float]]:
    """The cell's boundary as a GeoJSON ring ([lng, lat], rounded to about 10 cm), closed."""
    ring = [[round(lng, 6), round(lat, 6)] for lat, lng in h3.cell_to_boundary(cell)]
    return [*ring, ring[0]]


def _polygons(boundary: GEOSGeometry) -> Iterable[Polygon]:
    if isinstance(boundary, MultiPolygon):
        yield from boundary
    elif isinstance(boundary, Polygon):
        yield boundary
    else:
        raise ValueError(f"a service area is a polygon, not a {boundary.geom_type}")


def partition_cells(boundary: GEOSGeometry, resolution: int) -> list[str]:
    """Every cell at ``resolution`` whose hexagon overlaps the boundary (not only touches it), sorted.

    Candidates are the cells whose centre is inside, plus the neighbours of every cell the outline passes
    through (sampled at a quarter of an edge, so no crossed cell is missed); then an exact GEOS test keeps
    those that overlap. Cells on the edge are included: a report near the border still has its cell.
    """
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    boundary = boundary.transform(4326, clone=True) if boundary.srid not in (None, 4326) else boundary
    candidates: set[str] = set()
    step_m = h3.average_hexagon_edge_length(resolution, "m") / 4
    for polygon in _polygons(boundary):
        shape = h3.LatLngPoly(
            [(lat, lng) for lng, lat in polygon.exterior_ring.coords],
            *[[(lat, lng) for lng, lat in ring.coords] for ring in list(polygon)[1:]],
        )
        candidates.update(h3.h3shape_to_cells(shape, resolution))
        for ring in polygon:
            coords = ring.coords
            for (lng1, lat1), (lng2, lat2) in itertools.pairwise(coords):
                metres = h3.great_circle_distance((lat1, lng1), (lat2, lng2), unit="m")
                steps = max(1, math.ceil(metres / step_m))
                for i in range(steps + 1):
                    t = i / steps
                    on_edge = h3.latlng_to_cell(lat1 + (lat2 - lat1) * t, lng1 + (lng2 - lng1) * t, resolution)
                    candidates.update(h3.grid_disk(on_edge, 1))
    prepared = boundary.prepared
    kept = [cell for cell in candidates if _overlaps(prepared, boundary, cell_polygon(cell))]
    return sorted(kept)


def _overlaps(prepared: object, boundary: GEOSGeometry, hexagon: Polygon) -> bool:
    if prepared.contains(hexagon):  # type: ignore[attr-defined]
        return True
    return bool(prepared.intersects(hexagon)) and boundary.intersection(hexagon).area > 0  # type: ignore[attr-defined]


def coarser_resolutions(resolution: int) -> list[int]:
    """The parent resolutions stored with a release for the outer zoom levels, finest first."""
    return list(range(resolution - 1, max(resolution - COARSEST_LEVELS_BELOW, 0) - 1, -1))


def resolution_for_zoom(zoom: int, resolution: int) -> int:
    """The H3 resolution a tile at ``zoom`` shows: a cell a few tens of pixels wide.

    Hexagons shrink about 2.6 times in width per resolution and tiles halve per zoom level, so one
    resolution per zoom level is close enough: z11 shows resolution 8, z10 resolution 7, and so on,
    never finer than the release nor coarser than what it stores.
    """
    finest = resolution
    coarsest = max(resolution - COARSEST_LEVELS_BELOW, 0)
    return min(finest, max(coarsest, zoom - ZOOM_OFFSET))
