from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from reports.models import ServiceArea


def _square(west: float, south: float, size: float) -> dict:
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_it_loads_an_area_and_its_districts_from_geojson(db, tmp_path):
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"role": "service_area", "name": "Lyon"},
         "geometry": _square(4.8, 45.7, 0.1)},
        {"type": "Feature", "properties": {"role": "district", "name": "Presqu'île"},
         "geometry": _square(4.8, 45.7, 0.05)},
        {"type": "Feature", "properties": {"role": "district", "name": "Croix-Rousse"},
         "geometry": _square(4.85, 45.75, 0.05)},
    ]}
    path = tmp_path / "lyon.geojson"
    path.write_text(json.dumps(document))
    output = io.StringIO()
    call_command("service_area_load", str(path), stdout=output)
    assert "Service area 'Lyon' is active: 1 polygon, 2 districts, centre 4.85000, 45.75000" in output.getvalue()
    area = ServiceArea.objects.get(is_active=True)
    assert area.name == "Lyon"
    assert area.boundary.contains(area.center)
    assert sorted(area.districts.values_list("slug", flat=True)) == ["croix-rousse", "presquile"]


def test_an_operator_working_in_french_reads_the_summary_with_french_plurals(db, tmp_path):
    path = tmp_path / "village.geojson"
    path.write_text(json.dumps(_square(4.0, 45.0, 0.1)))
    output = io.StringIO()
    with translation.override("fr"):
        call_command("service_area_load", str(path), stdout=output)
    # French counts zero in the singular.
    assert "est active : 1 polygone, 0 quartier, centre" in output.getvalue()


def test_loading_another_area_deactivates_the_previous_one(db, tmp_path, settings):
    for name, west in (("First", 4.0), ("Second", 5.0)):
        path = tmp_path / f"{name}.geojson"
        path.write_text(json.dumps(_square(west, 45.0, 0.1)))
        settings.SERVICE_AREA_FILE = str(path)
        call_command("service_area_load", stdout=io.StringIO())
    assert list(ServiceArea.objects.filter(is_active=True).values_list("name", flat=True)) == ["Second"]


def test_a_line_is_not_a_service_area(db, tmp_path):
    path = tmp_path / "line.geojson"
    path.write_text(json.dumps({"type": "LineString", "coordinates": [[4, 45], [5, 46]]}))
    with pytest.raises(CommandError, match="Polygon"):
        call_command("service_area_load", str(path), stdout=io.StringIO())
    assert not ServiceArea.objects.exists()
