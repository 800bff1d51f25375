"""Coarsening points onto the fixed H3 grid."""

from __future__ import annotations

import h3

# Resolution 7 cells average about 5 km²: a coarsened point says "this part of town", not "this street".
COARSE_RESOLUTION = 7


def cell_of(lng: float, lat: float, resolution: int) -> str:
    return h3.latlng_to_cell(lat, lng, resolution)


def point_coarsen(lng: float, lat: float, resolution: int = COARSE_RESOLUTION) -> tuple[float, float]:
    """The centre (lng, lat) of the H3 cell holding the point: the same for every point in that cell."""
    lat_c, lng_c = h3.cell_to_latlng(cell_of(lng, lat, resolution))
    return lng_c, lat_c
