"""No more data than each partner needs, and the citizen sees exactly what each one received."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from referrals.models import Partner, Referral
from referrals.services import referrals_create
from reports.models import Report
from reports.public_form import public_location_draw
from tests import factories
from tests.referrals import factories as f

CONTACT = {"phone": "+32 470 12 34 56", "email": "me@example.org", "preferred_language": "fr"}


@pytest.fixture
def partners(jurisdictions) -> dict[str, Partner]:
    return {
        "police": f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],)),
        "victim_support": f.partner_create(name="Aide aux victimes", kind="victim_support",
                                           jurisdictions=(jurisdictions["Test town"],)),
        "municipal_service": f.partner_create(name="Street services", kind="municipal_service",
                                              jurisdictions=(jurisdictions["Test town"],)),
    }


def _post(citizen, **overrides):
    payload = factories.report_payload(**overrides)
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 201, response.content
    return response, Report.objects.get(pk=response.json()["id"])


def test_the_police_receive_the_report_as_written_with_the_exact_point(citizen, partners):
    report = f.report_make(device=citizen.device, description="Lock cut at the library rack.")
    payload = report.referrals.get(partner_kind="police").payload
    assert payload["description"] == "Lock cut at the library rack."
    assert payload["location"] == {"type": "Point", "coordinates": list(f.EAST_POINT)}
    assert payload["category"] == "property.bicycle_theft"
    assert payload["district"] == "East"
    assert "contact" not in payload


def test_victim_support_receives_contact_category_coarse_area_and_language_only(citizen, partners):
    _, report = _post(citizen, description="Followed home twice this week.", category="harassment.stalking",
                      consent={"share_with_police": False, "victim_support": True, "public_alert": False},
                      contact=CONTACT)
    payload = report.referrals.get(partner_kind="victim_support").payload
    assert set(payload) == {"contact", "preferred_language", "category", "category_label", "area"}
    assert payload["contact"] == {"phone": "+32470123456", "email": "me@example.org"}
    assert payload["preferred_language"] == "fr"
    assert payload["area"]["district"] == "East"
    # "Roughly where": a resolution-7 cell, kilometres wide, not the street.
    lng, lat = payload["area"]["center"]["coordinates"]
    assert abs(lng - f.EAST_POINT[0]) + abs(lat - f.EAST_POINT[1]) > 1e-4


def test_victim_support_reads_the_description_only_when_the_citizen_agreed(citizen, partners):
    _, report = _post(citizen, description="Followed home twice this week.", category="harassment.stalking",
                      consent={"share_with_police": False, "victim_support": True, "public_alert": False},
                      contact=CONTACT | {"share_description": True})
    payload = report.referrals.get(partner_kind="victim_support").payload
    assert payload["description"] == "Followed home twice this week."


def test_municipal_services_receive_the_moderated_text_and_a_fuzzed_point(citizen, partners):
    report = f.report_make(device=citizen.device, police=False, public=True)
    Report.objects.filter(pk=report.pk).update(
        status="published", public_description="Bike taken [redacted].",
        public_location=report.public_location or public_location_draw(report.location),
    )
    report.refresh_from_db()
    payload = referrals_create(report=report)[0].payload
    assert payload["description"] == "Bike taken [redacted]."
    # The report's one public place (drawn when it was published), the one Open311 and its alert show.
    public = report.public_location
    assert payload["location"]["coordinates"] == [round(public.x, 6), round(public.y, 6)]
    assert payload["location"]["coordinates"] != list(f.EAST_POINT)
    assert "contact" not in payload and "accuracy_m" not in payload


def test_a_partner_can_be_narrowed_to_fewer_fields(citizen, jurisdictions):
    f.partner_create(name="Minimal police", jurisdictions=(jurisdictions["East police area"],),
                     data_fields=["category", "location"])
    referral = f.report_make(device=citizen.device).referrals.get()
    assert set(referral.payload) == {"category", "location"}
    assert referral.fields == ["category", "location"]


def test_a_partner_may_not_be_given_fields_its_kind_never_receives(jurisdictions):
    partner = Partner(name="Nosy", kind="victim_support", channel="webhook", endpoint="https://example.org/hook",
                      data_fields=["contact", "location", "description"])
    with pytest.raises(ValidationError) as refusal:
        partner.full_clean()
    assert "location" in str(refusal.value.message_dict["data_fields"])


def test_the_author_sees_what_each_partner_received(citizen, partners):
    response, _ = _post(citizen, contact=CONTACT,
                        consent={"share_with_police": True, "victim_support": True, "public_alert": False})
    referrals = {item["kind"]: item for item in response.json()["referrals"]}
    assert set(referrals) == {"police", "victim_support"}
    police = referrals["police"]
    assert police["partner"] == "East police"
    assert police["status"] == "not_yet_delivered"
    assert police["status_label"] == "Not yet delivered"
    assert "description" in police["fields_sent"]
    assert referrals["victim_support"]["received"]["contact"]["email"] == "me@example.org"
    detail = citizen.client.get(f"/api/v1/reports/{response.json()['id']}/").json()
    assert detail["referrals"] == response.json()["referrals"]


def test_another_citizen_never_sees_the_referrals(citizen, other_citizen, partners):
    response, _ = _post(citizen, contact=CONTACT,
                        consent={"share_with_police": True, "victim_support": True, "public_alert": False})
    assert other_citizen.client.get(f"/api/v1/reports/{response.json()['id']}/").status_code == 404


def test_the_contact_is_kept_only_with_consent_to_victim_support(citizen, partners):
    _, report = _post(citizen, contact=CONTACT)
    assert report.contact == {}
    _, report = _post(citizen, contact=CONTACT,
                      consent={"share_with_police": False, "victim_support": True, "public_alert": False})
    assert report.contact["phone"] == "+32470123456"


def test_the_contact_never_appears_in_the_reports_own_fields(citizen, partners):
    response, _ = _post(citizen, contact=CONTACT,
                        consent={"share_with_police": False, "victim_support": True, "public_alert": True})
    body = response.json()
    assert "contact" not in body
    outside_referrals = {key: value for key, value in body.items() if key != "referrals"}
    assert "me@example.org" not in str(outside_referrals)


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"phone": "0470 12 34 56"}, "contact.phone"),
        ({"phone": "+32 12"}, "contact.phone"),
        ({"email": "not-an-address"}, "contact.email"),
        ({"preferred_language": "fr"}, "contact"),
        ({"phone": "+32470123456", "share_description": "yes"}, "contact.share_description"),
        ({"phone": "+32470123456", "preferred_language": "french!"}, "contact.preferred_language"),
    ],
)
def test_a_contact_that_cannot_reach_anyone_is_refused(citizen, contact, field):
    payload = factories.report_payload(contact=contact)
    response = citizen.client.post("/api/v1/reports/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in {error["field"] for error in response.json()["errors"]}


def test_withdrawing_erases_the_contact_and_the_copies_and_stops_what_was_not_sent(citizen, partners):
    _, report = _post(citizen, contact=CONTACT,
                      consent={"share_with_police": True, "victim_support": True, "public_alert": False})
    police = report.referrals.get(partner_kind="police")
    Referral.objects.filter(pk=police.pk).update(state=Referral.State.DELIVERED)
    assert citizen.client.delete(f"/api/v1/reports/{report.id}/").status_code == 200
    report.refresh_from_db()
    assert report.contact == {}
    police.refresh_from_db()
    victim_support = report.referrals.get(partner_kind="victim_support")
    assert police.state == Referral.State.DELIVERED and police.payload == {} and police.erased_at
    assert victim_support.state == Referral.State.CANCELLED and victim_support.payload == {}
    # The citizen still sees who got what, by field name.
    shown = {item["kind"]: item for item in citizen.client.get(f"/api/v1/reports/{report.id}/").json()["referrals"]}
    assert shown["victim_support"]["status"] == "cancelled"
    assert "contact" in shown["victim_support"]["fields_sent"]
    assert shown["victim_support"]["received"] == {}


def test_it_labels_statuses_in_the_devices_language_when_the_app_sends_no_accept_language(partners, service_area):
    _device, token = factories.device_create(locale="nl-BE")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    payload = factories.report_payload(consent={"share_with_police": True, "victim_support": False,
                                                "public_alert": False})
    created = client.post("/api/v1/reports/", payload, format="json")
    assert created.status_code == 201, created.content
    assert created["Content-Language"] == "nl"
    assert created.json()["referrals"][0]["status_label"] == "Nog niet afgeleverd"
    asked_english = client.get(f"/api/v1/reports/{created.json()['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert asked_english.json()["referrals"][0]["status_label"] == "Not yet delivered"
