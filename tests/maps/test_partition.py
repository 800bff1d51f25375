"""The partition is fixed and public: the cells covering the service area, from its boundary alone."""

from __future__ import annotations

import h3
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from maps.models import Layer
from maps.partition import cell_polygon, partition_cells, resolution_for_zoom
from maps.services import release_publish
from tests.maps import builders
from tests.maps.builders import MONTH

# An L-shaped area with a thin arm: the arm is narrower than a cell, so it holds no cell centre.
L_SHAPE = MultiPolygon(
    Polygon(((3.69, 51.04), (3.75, 51.04), (3.75, 51.05), (3.70, 51.05), (3.70, 51.07), (3.69, 51.07),
             (3.69, 51.04)), srid=4326),
    Polygon(((3.76, 51.04), (3.76005, 51.04), (3.76005, 51.07), (3.76, 51.07), (3.76, 51.04)), srid=4326),
    srid=4326,
)


@pytest.mark.parametrize("resolution", [7, 8, 9])
def test_every_point_of_the_area_lies_in_a_cell_of_the_partition(resolution):
    cells = set(partition_cells(L_SHAPE, resolution))
    west, south, east, north = L_SHAPE.extent
    steps = 60
    for i in range(steps + 1):
        for j in range(steps + 1):
            lng, lat = west + (east - west) * i / steps, south + (north - south) * j / steps
            if L_SHAPE.contains(Polygon.from_bbox((lng, lat, lng, lat)).centroid):
                assert h3.latlng_to_cell(lat, lng, resolution) in cells


@pytest.mark.parametrize("resolution", [7, 8, 9])
def test_every_cell_of_the_partition_overlaps_the_area(resolution):
    for cell in partition_cells(L_SHAPE, resolution):
        assert L_SHAPE.intersection(cell_polygon(cell)).area > 0


def test_a_strip_narrower_than_a_cell_still_gets_its_cells():
    arm = L_SHAPE[1]
    cells = partition_cells(MultiPolygon(arm, srid=4326), 8)
    assert cells, "no cell centre lies in the strip, but cells cross it"
    assert not h3.h3shape_to_cells(h3.LatLngPoly([(lat, lng) for lng, lat in arm.exterior_ring.coords]), 8)


def test_finer_resolutions_give_more_smaller_cells():
    sizes = [len(partition_cells(L_SHAPE, resolution)) for resolution in (7, 8, 9)]
    assert sizes[0] < sizes[1] < sizes[2]


@pytest.mark.django_db
def test_the_published_cells_are_the_same_whatever_the_reports(service_area):
    empty = release_publish(month=MONTH, layer=Layer.INSECURITY, now=builders.after_month())
    builders.crowd(30)
    busy = release_publish(month=builders.month_next(MONTH), layer=Layer.INSECURITY,
                           now=builders.after_month(builders.month_next(MONTH)))
    assert empty.cell_count == busy.cell_count == len(partition_cells(service_area.boundary, 8))
    assert set(empty.cells.values_list("cell", flat=True)) == set(busy.cells.values_list("cell", flat=True))


@pytest.mark.django_db
def test_the_resolution_comes_from_settings(service_area, settings):
    settings.MAPS_H3_RESOLUTION = 9
    release = release_publish(month=MONTH, layer=Layer.INSECURITY, now=builders.after_month())
    assert release.resolution == 9
    assert release.cell_count == len(partition_cells(service_area.boundary, 9))


def test_outer_zoom_levels_show_coarser_cells_and_never_finer_than_the_release():
    assert [resolution_for_zoom(z, 8) for z in (0, 6, 9, 10, 11, 14, 22)] == [3, 3, 6, 7, 8, 8, 8]
    assert resolution_for_zoom(12, 9) == 9 and resolution_for_zoom(11, 9) == 8
