"""/api/v1/subscriptions/: the zones a device watches; /api/v1/alerts/settings/: quiet hours and cap."""

from __future__ import annotations

import pytest

from alerts.models import Subscription
from tests import factories


def _zone(**overrides) -> dict:
    return {"label": "Home", "center": {"type": "Point", "coordinates": list(factories.INSIDE)}, "radius_m": 800,
            "categories": ["violence.robbery", "property.burglary"]} | overrides


def test_a_device_creates_lists_reads_changes_and_deletes_its_zones(citizen):
    created = citizen.client.post("/api/v1/subscriptions/", _zone(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["label"] == "Home" and body["radius_m"] == 800
    assert body["categories"] == ["property.burglary", "violence.robbery"]
    assert created["Location"] == f"/api/v1/subscriptions/{body['id']}/"
    assert [zone["id"] for zone in citizen.client.get("/api/v1/subscriptions/").json()] == [body["id"]]
    changed = citizen.client.patch(f"/api/v1/subscriptions/{body['id']}/", {"radius_m": 5000}, format="json")
    assert changed.status_code == 200 and changed.json()["radius_m"] == 5000
    assert changed.json()["label"] == "Home"
    stored = Subscription.objects.get(pk=body["id"])
    west, south, east, north = stored.reach.extent
    assert east - west > 0.12 and north - south > 0.08  # the index box follows the new radius
    assert citizen.client.get(f"/api/v1/subscriptions/{body['id']}/").json()["radius_m"] == 5000
    assert citizen.client.delete(f"/api/v1/subscriptions/{body['id']}/").status_code == 204
    assert not Subscription.objects.exists()


def test_someone_elses_zone_is_404_whatever_the_method(citizen, other_citizen):
    theirs = other_citizen.client.post("/api/v1/subscriptions/", _zone(), format="json").json()["id"]
    for method in ("get", "patch", "delete"):
        response = getattr(citizen.client, method)(f"/api/v1/subscriptions/{theirs}/", {"radius_m": 100},
                                                   format="json")
        assert response.status_code == 404, method
        assert response.json()["type"] == "urn:lantern:problem:not-found"
    assert citizen.client.get("/api/v1/subscriptions/").json() == []
    assert Subscription.objects.get(pk=theirs).radius_m == 800


def test_a_device_keeps_only_a_few_zones(citizen, settings):
    settings.ALERT_SUBSCRIPTIONS_PER_DEVICE = 2
    for _ in range(2):
        assert citizen.client.post("/api/v1/subscriptions/", _zone(), format="json").status_code == 201
    response = citizen.client.post("/api/v1/subscriptions/", _zone(), format="json")
    assert response.status_code == 409
    assert response.json()["type"] == "urn:lantern:problem:subscription-limit"
    assert Subscription.objects.count() == 2


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"radius_m": 10_001}, "radius_m"),
        ({"radius_m": 10}, "radius_m"),
        ({"center": {"type": "Point", "coordinates": [200, 51]}}, "center"),
        ({"categories": ["violence.sexual"]}, "categories"),
        ({"categories": ["insecurity.poor_lighting"]}, "categories"),
        ({"categories": ["nope.nothing"]}, "categories"),
        ({"label": "x" * 61}, "label"),
    ],
)
def test_bad_zones_are_refused_with_a_problem(citizen, override, field):
    response = citizen.client.post("/api/v1/subscriptions/", _zone(**override), format="json")
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not Subscription.objects.exists()


def test_zones_are_for_registered_apps(anonymous, service_area):
    assert anonymous.get("/api/v1/subscriptions/").status_code == 401


def test_quiet_hours_and_the_daily_cap_are_read_and_changed(citizen, settings):
    body = citizen.client.get("/api/v1/alerts/settings/").json()
    assert body == {"quiet_hours": None, "daily_push_cap": settings.ALERT_DAILY_PUSH_CAP,
                    "time_zone": "Europe/Brussels"}
    changed = citizen.client.patch("/api/v1/alerts/settings/",
                                   {"quiet_hours": {"start": "22:30", "end": "07:00"}, "daily_push_cap": 2},
                                   format="json")
    assert changed.status_code == 200
    assert changed.json()["quiet_hours"] == {"start": "22:30", "end": "07:00"}
    assert changed.json()["daily_push_cap"] == 2
    cleared = citizen.client.patch("/api/v1/alerts/settings/", {"quiet_hours": None}, format="json").json()
    assert cleared["quiet_hours"] is None and cleared["daily_push_cap"] == 2


@pytest.mark.parametrize(
    "payload",
    [{}, {"daily_push_cap": -1}, {"daily_push_cap": 51}, {"quiet_hours": {"start": "25:00", "end": "07:00"}},
     {"quiet_hours": {"start": "07:00", "end": "07:00"}}],
)
def test_bad_settings_are_refused(citizen, payload):
    response = citizen.client.patch("/api/v1/alerts/settings/", payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
