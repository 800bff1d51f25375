"""GET /api/v1/alerts/: active alerts near a point, as GeoJSON, published points only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert
from tests import factories
from tests.alerts.fixtures import alert_of, published_report, trusted_device

NEARBY = (3.7262, 51.0549)


def _alert() -> Alert:
    published_report(device=trusted_device(), category="violence.robbery")
    return alert_of(published_report(device=trusted_device(), category="violence.robbery", location=NEARBY))


def _near(lng: float = NEARBY[0], lat: float = NEARBY[1], radius_m: int = 5000) -> str:
    return f"/api/v1/alerts/?lat={lat}&lng={lng}&radius_m={radius_m}"


def test_it_answers_active_alerts_near_a_point_as_geojson_with_the_published_point_only(citizen):
    alert = _alert()
    response = citizen.client.get(_near())
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature["id"] == str(alert.pk)
    assert feature["geometry"] == {"type": "Point", "coordinates": [round(alert.point.x, 7), round(alert.point.y, 7)]}
    assert feature["geometry"]["coordinates"] != list(NEARBY)
    properties = feature["properties"]
    assert properties["category"] == "violence.robbery"
    assert properties["title"] == "Robbery · East"
    assert properties["text"].startswith("Reported ")
    assert properties["report_count"] == 2
    assert properties["occurred_at"].endswith(("00:00+00:00", "15:00+00:00", "30:00+00:00", "45:00+00:00"))
    assert "location" not in str(body) and "device" not in str(body)


def test_asking_twice_answers_the_same(citizen):
    _alert()
    first = citizen.client.get(_near()).json()
    second = citizen.client.get(_near()).json()
    assert first == second


def test_texts_follow_the_callers_language(citizen):
    _alert()
    body = citizen.client.get(_near(), HTTP_ACCEPT_LANGUAGE="it").json()
    assert body["features"][0]["properties"]["title"] == "Rapina · East"
    assert "non recarti sul posto" in body["features"][0]["properties"]["text"]


def test_alerts_beyond_the_radius_expired_or_not_yet_visible_are_not_answered(citizen):
    alert = _alert()
    assert citizen.client.get(_near(lng=3.60, lat=51.10, radius_m=1000)).json()["features"] == []
    Alert.objects.filter(pk=alert.pk).update(visible_from=timezone.now() + timedelta(minutes=5))
    assert citizen.client.get(_near()).json()["features"] == []
    Alert.objects.filter(pk=alert.pk).update(visible_from=timezone.now(), ended_at=timezone.now())
    assert citizen.client.get(_near()).json()["features"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=51.05&lng=3.72&radius_m=10001", "radius_m"),
        ("lat=51.05&lng=3.72&radius_m=0", "radius_m"),
        ("lat=51.05&lng=3.72&radius_m=far", "radius_m"),
        ("lat=95&lng=3.72", "lat"),
        ("lng=3.72", "lat"),
        ("lat=51.05&lng=-181", "lng"),
    ],
)
def test_bad_queries_answer_a_400_problem(citizen, query, field):
    response = citizen.client.get(f"/api/v1/alerts/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:lantern:problem:validation-error"
    assert field in {error["field"] for error in body["errors"]}


def test_a_radius_of_exactly_ten_kilometres_is_fine(citizen):
    assert citizen.client.get(_near(radius_m=10_000)).status_code == 200


def test_alerts_are_for_registered_apps(anonymous, service_area):
    response = anonymous.get(_near())
    assert response.status_code == 401
    assert response.json()["type"] == "urn:lantern:problem:not-authenticated"


def test_one_alert_by_id_and_404_once_it_ended(citizen):
    alert = _alert()
    response = citizen.client.get(f"/api/v1/alerts/{alert.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response.json()["id"] == str(alert.pk)
    Alert.objects.filter(pk=alert.pk).update(ended_at=timezone.now())
    assert citizen.client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    assert citizen.client.get("/api/v1/alerts/not-a-uuid/").status_code == 404


def test_the_schema_documents_the_alert_endpoints(anonymous, db):
    schema = anonymous.get("/api/schema/?format=json").json()
    for path in ("/api/v1/alerts/", "/api/v1/alerts/{alert_id}/", "/api/v1/alerts/settings/",
                 "/api/v1/subscriptions/", "/api/v1/subscriptions/{subscription_id}/"):
        assert path in schema["paths"], path


def test_the_outside_world_learns_nothing_of_an_uncorroborated_report(citizen):
    published_report(device=trusted_device(), category="violence.robbery")
    assert citizen.client.get(_near()).json()["features"] == []
    assert factories.INSIDE


def test_without_accept_language_texts_follow_the_devices_locale(other_citizen):
    _alert()
    body = other_citizen.client.get(_near()).json()  # a device registered in French
    assert body["features"][0]["properties"]["title"] == "Vol avec violence · East"
