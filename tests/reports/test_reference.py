"""Categories, the service area and districts are read from a per-process snapshot that follows changes."""

from __future__ import annotations

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import reference
from reports.models import Category, District
from reports.reference import reference_categories, reference_places
from reports.services import service_area_activate
from tests import factories


def test_a_second_report_reads_no_reference_data_from_the_database(citizen):
    assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 201
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("alerts_category", "alerts_servicearea", "alerts_district"):
        assert f'FROM "{table}"' not in tables


def test_the_snapshot_finds_the_area_and_the_district_like_the_database(service_area):
    places = reference_places()
    for lng, lat in (factories.INSIDE, (factories.TOWN_WEST + 0.001, factories.TOWN_SOUTH + 0.001)):
        point = Point(lng, lat, srid=4326)
        assert places.service_area_containing(point) == service_area
        expected = District.objects.filter(boundary__contains=point).get()
        assert places.district_containing(point) == expected
    outside = Point(factories.TOWN_EAST + 0.01, factories.TOWN_NORTH, srid=4326)
    assert places.service_area_containing(outside) is None
    assert places.district_containing(outside) is None


def test_a_new_service_area_is_used_at_once(citizen):
    assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    far = (factories.TOWN_EAST + 1.0, factories.TOWN_NORTH + 1.0)
    box = (far[0] - 0.05, far[1] - 0.05, far[0] + 0.05, far[1] + 0.05)
    boundary = MultiPolygon(Polygon.from_bbox(box), srid=4326)
    service_area_activate(name="Elsewhere", boundary=boundary, districts=[])
    payload = factories.report_payload(location={"type": "Point", "coordinates": list(factories.INSIDE)})
    moved = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert moved.status_code == 422
    payload = factories.report_payload(location={"type": "Point", "coordinates": list(far)})
    assert citizen.client.post("/api/v1/reports/", payload, format="json").status_code == 201


def test_a_deactivated_category_is_refused_at_once(citizen):
    assert citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json").status_code == 201
    category = Category.objects.get(code=factories.report_payload()["category"])
    category.is_active = False
    category.save()
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 400
    assert "category" in {error["field"] for error in response.json()["errors"]}


def test_changes_made_by_another_process_are_seen_after_the_time_to_live(service_area, settings, monkeypatch):
    settings.REFERENCE_CACHE_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(reference.time, "monotonic", lambda: clock[0])
    assert "property.bicycle_theft" in reference_categories().by_code
    # An update that sends no signal stands for a change made in another process.
    Category.objects.filter(code="property.bicycle_theft").update(is_active=False)
    clock[0] += 29
    assert "property.bicycle_theft" in reference_categories().by_code
    clock[0] += 2
    assert "property.bicycle_theft" not in reference_categories().by_code


def test_a_time_to_live_of_zero_reads_the_database_every_time(service_area, settings):
    settings.REFERENCE_CACHE_SECONDS = 0
    reference_categories()
    with CaptureQueriesContext(connection) as queries:
        reference_categories()
    assert len(queries.captured_queries) == 1
