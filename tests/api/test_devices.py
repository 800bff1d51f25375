from __future__ import annotations

from reports.credentials import credential_digest
from reports.models import Device, Report
from tests import factories


def test_it_registers_a_device_and_answers_a_token_it_stores_only_hashed(anonymous, db):
    response = anonymous.post(
        "/api/v1/devices/",
        {"platform": "android", "locale": "nl-be", "time_zone": "Europe/Brussels", "push_token": "fcm-abc"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "token"}
    device = Device.objects.get(pk=body["id"])
    assert device.token_hash == credential_digest(body["token"])
    assert body["token"] not in device.token_hash
    assert device.locale == "nl-BE"
    assert device.push_token == "fcm-abc"


def test_the_token_authenticates_the_device(anonymous, service_area):
    token = anonymous.post("/api/v1/devices/", {"platform": "ios"}, format="json").json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = anonymous.get("/api/v1/devices/me/")
    assert response.status_code == 200
    assert response.json()["platform"] == "ios"


def test_it_refuses_an_unknown_platform_time_zone_and_locale(anonymous, db):
    response = anonymous.post(
        "/api/v1/devices/", {"platform": "symbian", "time_zone": "Mars/Olympus", "locale": "english please"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"platform", "time_zone", "locale"}
    assert Device.objects.count() == 0


def test_a_device_updates_its_push_token_and_locale(citizen):
    response = citizen.client.patch(
        f"/api/v1/devices/{citizen.device.id}/", {"push_token": "new-token", "locale": "fr"}, format="json"
    )
    assert response.status_code == 200
    citizen.device.refresh_from_db()
    assert (citizen.device.push_token, citizen.device.locale) == ("new-token", "fr")


def test_an_empty_update_is_refused(citizen):
    response = citizen.client.patch(f"/api/v1/devices/{citizen.device.id}/", {}, format="json")
    assert response.status_code == 400


def test_a_device_cannot_see_or_change_another_device(citizen, other_citizen):
    url = f"/api/v1/devices/{other_citizen.device.id}/"
    assert citizen.client.get(url).status_code == 404
    assert citizen.client.patch(url, {"locale": "de"}, format="json").status_code == 404
    assert citizen.client.delete(url).status_code == 404
    other_citizen.device.refresh_from_db()
    assert other_citizen.device.locale == "fr"


def test_deleting_a_device_anonymises_its_reports_without_losing_them(citizen):
    report = factories.report_create(device=citizen.device)
    response = citizen.client.delete(f"/api/v1/devices/{citizen.device.id}/")
    assert response.status_code == 204
    assert not Device.objects.filter(pk=citizen.device.pk).exists()
    report.refresh_from_db()
    assert report.device is None
    assert Report.objects.filter(pk=report.pk).exists()


def test_a_deleted_devices_token_no_longer_works(citizen):
    citizen.client.delete("/api/v1/devices/me/")
    response = citizen.client.get("/api/v1/reports/")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:lantern:problem:authentication-failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_deleting_a_device_erases_the_contact_left_for_victim_support(citizen):
    payload = factories.report_payload(
        consent={"share_with_police": False, "victim_support": True, "public_alert": False},
        contact={"phone": "+32 470 12 34 56"},
    )
    report_id = citizen.client.post("/api/v1/reports/", payload, format="json").json()["id"]
    assert Report.objects.get(pk=report_id).contact
    citizen.client.delete("/api/v1/devices/me/")
    assert Report.objects.get(pk=report_id).contact == {}
