from __future__ import annotations

from reports.models import ServiceArea


def test_categories_are_public_with_labels_in_the_callers_language(anonymous, db):
    response = anonymous.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    categories = {item["code"]: item for item in response.json()}
    bicycle = categories["property.bicycle_theft"]
    assert bicycle["label"] == bicycle["labels"]["fr"]
    assert set(bicycle["labels"]) >= {"en", "fr", "de", "es", "it", "nl"}
    assert bicycle["kind"] == "incident"
    assert categories["insecurity.poor_lighting"]["kind"] == "insecurity"
    assert categories["violence.sexual"]["sensitive"] is True
    assert {item["group"] for item in categories.values()} == {
        "property", "violence", "harassment", "antisocial", "insecurity"
    }


def test_the_service_area_is_public_geojson_with_its_center(anonymous, service_area):
    response = anonymous.get("/api/v1/service-area/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiPolygon"
    center = feature["properties"]["center"]
    assert center["type"] == "Point"
    west, south, east, north = feature["bbox"]
    assert west < center["coordinates"][0] < east and south < center["coordinates"][1] < north
    assert feature["properties"]["districts"] == ["East", "West"]


def test_without_a_service_area_it_says_so(anonymous, db):
    ServiceArea.objects.all().delete()
    response = anonymous.get("/api/v1/service-area/")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:lantern:problem:service-area-not-configured"
