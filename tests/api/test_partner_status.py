"""Partners post signed news about referrals; the citizen sees it on their report."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from referrals.models import Referral, ReferralStatusChange
from referrals.signatures import request_signature_compute, signature_compute
from tests.referrals import factories as f


@pytest.fixture
def referral(citizen, service_area) -> Referral:
    jurisdictions = f.town_jurisdictions()
    f.partner_create(name="East police", jurisdictions=(jurisdictions["East police area"],))
    f.partner_create(name="West police", jurisdictions=(jurisdictions["West police area"],),
                     secret="the-west-police-secret-0123456789")
    return f.report_make(device=citizen.device).referrals.get()


def _path(referral_id) -> str:
    return f"/api/v1/partners/referrals/{referral_id}/status/"


def _signed(referral_id, body: dict, *, secret: str = f.SECRET, timestamp: int | None = None,
            signature: str | None = None, event_id: str | None = None) -> dict:
    """What a partner sends: the body and its headers, signed for one referral's path."""
    raw = json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    event = event_id or str(uuid.uuid4())
    return {
        "data": raw,
        "HTTP_X_LANTERN_EVENT_ID": event,
        "HTTP_X_LANTERN_TIMESTAMP": stamp,
        "HTTP_X_LANTERN_SIGNATURE": signature or request_signature_compute(
            secret=secret, method="POST", path=_path(referral_id), timestamp=stamp, event_id=event, body=raw,
        ),
    }


def _post(client, referral_id, body: dict, **signing):
    return client.post(_path(referral_id), content_type="application/json", **_signed(referral_id, body, **signing))


def test_a_signed_status_update_is_recorded_and_the_citizen_sees_it(anonymous, citizen, referral):
    response = _post(anonymous, referral.pk, {"status": "in_progress", "message": "An officer will call you."})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    referral.refresh_from_db()
    assert (referral.status, referral.status_message) == ("in_progress", "An officer will call you.")
    shown = citizen.client.get(f"/api/v1/reports/{referral.report_id}/").json()["referrals"][0]
    assert shown["status"] == "in_progress"
    assert shown["message"] == "An officer will call you."
    assert shown["status_label"] == "Being handled by the partner"


def test_news_is_kept_in_order(anonymous, referral):
    for status in ("received", "in_progress", "closed"):
        assert _post(anonymous, referral.pk, {"status": status}).status_code == 200
    assert list(ReferralStatusChange.objects.values_list("status", flat=True)) == ["received", "in_progress", "closed"]


def test_an_identical_update_sent_twice_changes_nothing(anonymous, referral):
    from workflows.referral_news import report_referral_status_update

    _post(anonymous, referral.pk, {"status": "received"})
    news = report_referral_status_update(referral_id=referral.pk, status="received", message="")
    assert not news.changed and news.report.pk == referral.report_id
    assert ReferralStatusChange.objects.count() == 1


def test_received_means_delivered_even_if_our_side_never_heard_the_2xx(anonymous, referral):
    assert referral.state == Referral.State.PENDING
    _post(anonymous, referral.pk, {"status": "received"})
    referral.refresh_from_db()
    assert referral.state == Referral.State.DELIVERED


def test_a_bad_signature_is_refused(anonymous, referral):
    response = _post(anonymous, referral.pk, {"status": "closed"}, signature="v2=" + "0" * 64)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:lantern:problem:authentication-failed"
    assert response["WWW-Authenticate"]
    referral.refresh_from_db()
    assert referral.status == ""


def test_another_partners_signature_is_refused(anonymous, referral):
    response = _post(anonymous, referral.pk, {"status": "closed"}, secret="the-west-police-secret-0123456789")
    assert response.status_code == 401


def test_a_body_changed_after_signing_is_refused(anonymous, referral):
    request = _signed(referral.pk, {"status": "received"})
    request["data"] = b'{"status": "closed"}'
    response = anonymous.post(_path(referral.pk), content_type="application/json", **request)
    assert response.status_code == 401


def test_it_refuses_an_update_signed_for_one_referral_replayed_on_another(anonymous, citizen, referral):
    # The attack: a captured, correctly signed update for one referral, posted within five
    # minutes about another referral of the same partner.
    other = f.report_make(device=citizen.device).referrals.get()
    assert other.partner_id == referral.partner_id
    captured = _signed(referral.pk, {"status": "closed", "message": "Case closed, no further action."})
    assert anonymous.post(_path(referral.pk), content_type="application/json", **captured).status_code == 200
    response = anonymous.post(_path(other.pk), content_type="application/json", **captured)
    # Refused as not signed for this referral, before the event id is even looked at.
    assert response.status_code == 401
    other.refresh_from_db()
    assert other.status == ""


def test_it_refuses_the_same_signed_update_twice(anonymous, referral):
    captured = _signed(referral.pk, {"status": "received"})
    assert anonymous.post(_path(referral.pk), content_type="application/json", **captured).status_code == 200
    again = anonymous.post(_path(referral.pk), content_type="application/json", **captured)
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["type"] == "urn:lantern:problem:partner-event-replayed"


def test_it_refuses_one_event_id_reused_with_a_fresh_signature(anonymous, referral):
    assert _post(anonymous, referral.pk, {"status": "received"}, event_id="evt-1").status_code == 200
    assert _post(anonymous, referral.pk, {"status": "closed"}, event_id="evt-1").status_code == 409
    referral.refresh_from_db()
    assert referral.status == "received"


def test_it_refuses_the_old_signature_scheme(anonymous, referral):
    raw = json.dumps({"status": "closed"}).encode()
    stamp = str(int(time.time()))
    response = anonymous.post(
        _path(referral.pk), data=raw, content_type="application/json", HTTP_X_LANTERN_EVENT_ID=str(uuid.uuid4()),
        HTTP_X_LANTERN_TIMESTAMP=stamp,
        HTTP_X_LANTERN_SIGNATURE=signature_compute(secret=f.SECRET, timestamp=stamp, body=raw),
    )
    assert response.status_code == 401
    assert "v2" in response.json()["detail"]
    referral.refresh_from_db()
    assert referral.status == ""


def test_it_refuses_an_update_without_an_event_id(anonymous, referral):
    request = _signed(referral.pk, {"status": "closed"})
    del request["HTTP_X_LANTERN_EVENT_ID"]
    response = anonymous.post(_path(referral.pk), content_type="application/json", **request)
    assert response.status_code == 401
    assert "X-Lantern-Event-Id" in response.json()["detail"]


@pytest.mark.parametrize("age", [301, 3600, -400])
def test_a_timestamp_more_than_five_minutes_away_is_refused(anonymous, referral, age):
    response = _post(anonymous, referral.pk, {"status": "closed"}, timestamp=int(time.time()) - age)
    assert response.status_code == 401
    assert "five minutes" in response.json()["detail"]


def test_a_timestamp_within_five_minutes_is_accepted(anonymous, referral):
    assert _post(anonymous, referral.pk, {"status": "closed"}, timestamp=int(time.time()) - 240).status_code == 200


def test_unsigned_requests_are_told_how_to_sign(anonymous, referral):
    response = anonymous.post(f"/api/v1/partners/referrals/{referral.pk}/status/", {"status": "closed"},
                              format="json")
    assert response.status_code == 401
    assert "X-Lantern-Signature" in response.json()["detail"]


def test_an_unknown_referral_reads_like_a_bad_signature(anonymous, referral):
    unknown = _post(anonymous, "00000000-0000-0000-0000-000000000000", {"status": "closed"})
    malformed = _post(anonymous, "not-a-referral", {"status": "closed"})
    wrong = _post(anonymous, referral.pk, {"status": "closed"}, secret="wrong-secret-0123456789abcdef")
    assert unknown.status_code == malformed.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


@pytest.mark.parametrize("body", [{"status": "solved"}, {"status": "closed", "message": "x" * 1001}, {}])
def test_a_signed_but_invalid_update_is_refused_with_a_problem(anonymous, referral, body):
    response = _post(anonymous, referral.pk, body)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:lantern:problem:validation-error"


def test_news_about_a_withdrawn_report_that_was_never_sent_is_refused(anonymous, citizen, referral):
    citizen.client.delete(f"/api/v1/reports/{referral.report_id}/")
    response = _post(anonymous, referral.pk, {"status": "received"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:lantern:problem:referral-status-refused"
