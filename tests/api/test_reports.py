from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import Report
from tests import factories


def test_it_accepts_a_geolocated_incident_report(citizen):
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    # A device's first reports wait for a moderator (trust.new_device); the citizen is told why.
    assert body["status"] == "pending_review"
    assert [hit["code"] for hit in body["hits"]] == ["trust.new_device"]
    assert body["hits"][0]["explanation"]
    assert body["emergency_guidance"] is None
    assert response["Location"] == f"/api/v1/reports/{body['id']}/"
    report = Report.objects.get(pk=body["id"])
    assert report.device == citizen.device
    assert (round(report.location.x, 4), round(report.location.y, 4)) == factories.INSIDE
    assert report.category.code == "property.bicycle_theft"
    assert report.consent_police and report.consent_public_alert and not report.consent_victim_support
    assert report.district.name == "East"


def test_it_accepts_an_insecurity_report_with_perception_and_factors(citizen):
    response = citizen.client.post("/api/v1/reports/", factories.insecurity_payload(), format="json")
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert report.kind == "insecurity"
    assert report.perception == 4
    assert report.factors == ["insecurity.deserted_place"]


def test_it_answers_emergency_guidance_when_the_category_signals_danger_now(citizen, settings):
    settings.EMERGENCY_NUMBER = "112"
    payload = factories.report_payload(
        category="violence.weapon", description="A man is waving a knife.",
        occurred_at=(timezone.now() - timedelta(minutes=5)).isoformat(),
    )
    response = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 201
    guidance = response.json()["emergency_guidance"]
    assert guidance["number"] == "112"
    assert "112" in guidance["message"]


def test_it_answers_emergency_guidance_when_the_text_says_it_is_happening_now(citizen):
    payload = factories.report_payload(
        category="harassment.street", description="Someone is following me right now near the station."
    )
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.json()["emergency_guidance"]["number"]


def test_it_refuses_a_location_outside_the_service_area_with_422(citizen):
    payload = factories.report_payload(location={"type": "Point", "coordinates": list(factories.OUTSIDE)})
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:lantern:problem:outside-service-area"
    assert body["errors"][0]["field"] == "location"
    assert "outside" in body["detail"]
    assert Report.objects.count() == 0


def test_it_strips_bidi_controls_and_zero_width_characters_from_what_it_stores_and_publishes(citizen):
    # The example: a right-to-left override makes the published text read otherwise.
    text = "Bike stolen at the \u202estation\u202c, lock cut by a man\u200b in a \u2066red\u2069 coat\ufeff."
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(description=text), format="json")
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.description == "Bike stolen at the station, lock cut by a man in a red coat."
    assert response.json()["description"] == report.description
    # What moderators screen, and what would be published, is that same text.
    assert report.case.redacted_text == report.description


def test_a_feeling_of_insecurity_may_come_without_a_description(citizen):
    response = citizen.client.post(
        "/api/v1/reports/", factories.insecurity_payload(description=""), format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"location": {"type": "Point", "coordinates": [200, 51]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [3.7, 95]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [3.7]}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["3.7", "51.0"]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [True, 51.0]}}, "location"),
        ({"location": {"type": "Polygon", "coordinates": [[[3.7, 51.0]]]}}, "location"),
        ({"location": "51.05,3.72"}, "location"),
        ({"category": "crime.unknown"}, "category"),
        ({"category": 7}, "category"),
        ({"kind": "rumour"}, "kind"),
        ({"description": "x" * 2001}, "description"),
        ({"description": "bad\x00byte"}, "description"),
        ({"description": "bell\x07"}, "description"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "\u200b\u202e\u2066"}, "description"),
        ({"occurred_at": (timezone.now() + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": (timezone.now() - timedelta(days=800)).isoformat()}, "occurred_at"),
        ({"accuracy_m": -3}, "accuracy_m"),
        ({"accuracy_m": "very"}, "accuracy_m"),
        ({"consent": {"share_with_police": "yes"}}, "consent.share_with_police"),
        ({"consent": "all"}, "consent"),
        ({"perception": 3}, "perception"),
        ({"factors": ["insecurity.poor_lighting"]}, "factors"),
        ({"category": "insecurity.poor_lighting"}, "category"),
    ],
)
def test_it_refuses_bad_input_with_a_problem_and_stores_nothing(citizen, override, field):
    response = citizen.client.post("/api/v1/reports/", factories.report_payload(**override), format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:lantern:problem:validation-error"
    assert body["status"] == 400
    assert field in {error["field"] for error in body["errors"]}
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"perception": None}, "perception"),
        ({"perception": 6}, "perception"),
        ({"factors": ["insecurity.unicorns"]}, "factors"),
        ({"category": "property.burglary"}, "category"),
    ],
)
def test_it_refuses_incoherent_insecurity_reports(citizen, override, field):
    response = citizen.client.post("/api/v1/reports/", factories.insecurity_payload(**override), format="json")
    assert response.status_code == 400
    assert field in {error["field"] for error in response.json()["errors"]}


def test_missing_fields_are_each_named(citizen):
    response = citizen.client.post("/api/v1/reports/", {}, format="json")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"kind", "category", "location", "occurred_at", "consent"} <= fields


def test_malformed_json_answers_a_problem(citizen):
    response = citizen.client.post("/api/v1/reports/", data=b'{"kind": "incident",', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "urn:lantern:problem:malformed-request"


def test_json_with_nan_is_malformed(citizen):
    body = b'{"kind":"incident","location":{"type":"Point","coordinates":[NaN,51.0]}}'
    response = citizen.client.post("/api/v1/reports/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_coordinates_that_overflow_to_infinity_are_refused(citizen):
    body = json.dumps(factories.report_payload()).replace("3.725", "1e400").encode()
    response = citizen.client.post("/api/v1/reports/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "location"
    assert Report.objects.count() == 0


def test_a_json_array_body_is_refused(citizen):
    response = citizen.client.post("/api/v1/reports/", data=b"[1,2]", content_type="application/json")
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_an_unsupported_media_type_answers_415(citizen):
    response = citizen.client.post("/api/v1/reports/", data="kind=incident", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["type"] == "urn:lantern:problem:unsupported-media-type"


def test_a_body_over_the_size_cap_answers_413(citizen, settings):
    big = b'{"description": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = citizen.client.post("/api/v1/reports/", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["type"] == "urn:lantern:problem:payload-too-large"
    assert Report.objects.count() == 0


def test_reports_need_a_device_token(anonymous, service_area):
    response = anonymous.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:lantern:problem:not-authenticated"


def test_staff_tokens_cannot_submit_citizen_reports(moderator, service_area):
    response = moderator.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 403


def test_a_device_lists_only_its_own_reports(citizen, other_citizen):
    mine = factories.report_create(device=citizen.device)
    factories.report_create(device=other_citizen.device)
    response = citizen.client.get("/api/v1/reports/")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [str(mine.id)]


def test_another_devices_report_answers_404_like_a_missing_one(citizen, other_citizen):
    theirs = factories.report_create(device=other_citizen.device)
    for url in (f"/api/v1/reports/{theirs.id}/", f"/api/v1/reports/{uuid.uuid4()}/", "/api/v1/reports/not-a-uuid/"):
        response = citizen.client.get(url)
        assert response.status_code == 404
        assert response.json()["type"] == "urn:lantern:problem:not-found"
    assert citizen.client.delete(f"/api/v1/reports/{theirs.id}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status != "withdrawn"


def test_the_author_sees_a_report_in_detail(citizen):
    report = factories.report_create(device=citizen.device, description="Window smashed.")
    body = citizen.client.get(f"/api/v1/reports/{report.id}/").json()
    assert body["description"] == "Window smashed."
    assert body["location"]["type"] == "Point"


def test_withdrawing_keeps_the_report_but_erases_text_and_exact_location(citizen):
    report = factories.report_create(device=citizen.device, description="He lives at 12 Main Street.")
    exact = (report.location.x, report.location.y)
    response = citizen.client.delete(f"/api/v1/reports/{report.id}/")
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == "withdrawn"
    assert report.description == ""
    assert report.location_precision == "coarse"
    assert (report.location.x, report.location.y) != exact
    assert report.withdrawn_at is not None
    assert citizen.client.delete(f"/api/v1/reports/{report.id}/").status_code == 409


def test_a_replayed_idempotency_key_answers_the_first_response_and_stores_nothing(citizen):
    payload = factories.report_payload()
    first = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(citizen):
    citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = factories.report_payload(description="Something else entirely.")
    response = citizen.client.post("/api/v1/reports/", other, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:lantern:problem:idempotency-key-reused"
    assert Report.objects.count() == 1


def test_idempotency_keys_are_per_device(citizen, other_citizen):
    payload = factories.report_payload()
    citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = other_citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Report.objects.count() == 2


def test_a_failed_request_does_not_burn_its_idempotency_key(citizen):
    bad = factories.report_payload(category="nope")
    assert citizen.client.post("/api/v1/reports/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 400
    good = factories.report_payload()
    response = citizen.client.post("/api/v1/reports/", good, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert response.status_code == 201


def test_errors_are_localised_by_accept_language(citizen):
    payload = factories.report_payload(location={"type": "Point", "coordinates": list(factories.OUTSIDE)})
    english = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    german = citizen.client.post("/api/v1/reports/", payload, format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert english.json()["type"] == german.json()["type"]
    assert english.json()["detail"] != german.json()["detail"]
    assert german["Content-Language"] == "de"


def test_a_report_is_accepted_while_redis_is_down(citizen):
    from django.test import override_settings

    unreachable = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=unreachable):
        response = citizen.client.post("/api/v1/reports/", factories.report_payload(), format="json")
    assert response.status_code == 201
    assert Report.objects.filter(pk=response.json()["id"]).exists()
