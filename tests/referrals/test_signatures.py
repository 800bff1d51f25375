"""The HMAC-SHA256 signature scheme partners implement: ``v1=hex(HMAC(secret, timestamp + "." + body))``."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from referrals.signatures import (
    SignatureInvalid,
    request_signature_compute,
    request_signature_verify,
    signature_compute,
    signature_verify,
)

SECRET, BODY, NOW = "s3cret-s3cret-s3cret-s3cret", b'{"status":"received"}', 1_763_766_000


def test_the_signature_is_the_documented_hmac():
    expected = hmac.new(SECRET.encode(), b"1763766000." + BODY, hashlib.sha256).hexdigest()
    assert signature_compute(secret=SECRET, timestamp="1763766000", body=BODY) == f"v1={expected}"


def test_a_good_signature_within_five_minutes_verifies():
    signature = signature_compute(secret=SECRET, timestamp=str(NOW - 299), body=BODY)
    signature_verify(secret=SECRET, timestamp=str(NOW - 299), signature=signature, body=BODY, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "code"),
    [
        (str(NOW), None, BODY, "missing"),
        (None, "v1=00", BODY, "missing"),
        ("yesterday", "v1=00", BODY, "timestamp"),
        (str(NOW - 301), "sign", BODY, "stale"),
        (str(NOW + 301), "sign", BODY, "stale"),
        (str(NOW), "sign", BODY + b" ", "mismatch"),
        (str(NOW), "v1=" + "0" * 64, BODY, "mismatch"),
    ],
)
def test_anything_else_is_refused_with_a_reason(timestamp, signature, body, code):
    if signature == "sign":
        signature = signature_compute(secret=SECRET, timestamp=timestamp, body=BODY)
    with pytest.raises(SignatureInvalid) as refusal:
        signature_verify(secret=SECRET, timestamp=timestamp, signature=signature, body=body, now=NOW)
    assert refusal.value.code == code


def test_a_partner_rotating_its_secret_may_send_both_signatures():
    old = signature_compute(secret="the-old-secret-000000000000", timestamp=str(NOW), body=BODY)
    new = signature_compute(secret=SECRET, timestamp=str(NOW), body=BODY)
    signature_verify(secret=SECRET, timestamp=str(NOW), signature=f"{old}, {new}", body=BODY, now=NOW)


def test_a_partner_without_a_secret_can_never_be_verified():
    with pytest.raises(SignatureInvalid):
        signature_verify(secret="", timestamp=str(NOW), signature=signature_compute(secret="", timestamp=str(NOW),
                         body=BODY), body=BODY, now=NOW)


PATH = "/api/v1/partners/referrals/b2c1e7a4-0000-4000-8000-000000000001/status/"
OTHER_PATH = "/api/v1/partners/referrals/b2c1e7a4-0000-4000-8000-000000000002/status/"


def test_the_request_signature_is_the_documented_hmac():
    signed = b"v2\nPOST\n" + PATH.encode() + b"\n1763766000\nevt-42\n" + BODY
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert request_signature_compute(
        secret=SECRET, method="POST", path=PATH, timestamp="1763766000", event_id="evt-42", body=BODY
    ) == f"v2={expected}"


def _verify_request(**changes):
    signed = {"method": "POST", "path": PATH, "timestamp": str(NOW), "event_id": "evt-42", "body": BODY}
    signature = request_signature_compute(secret=SECRET, **signed)
    received = {**signed, "signature": signature, **changes}
    return request_signature_verify(secret=SECRET, now=NOW, **received)


def test_a_request_signature_verifies_and_answers_its_event_id():
    assert _verify_request() == "evt-42"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"path": OTHER_PATH}, "mismatch"),
        ({"method": "PUT"}, "mismatch"),
        ({"event_id": "evt-43"}, "mismatch"),
        ({"body": BODY + b" "}, "mismatch"),
        ({"timestamp": str(NOW - 1)}, "mismatch"),
        ({"event_id": None}, "missing"),
        ({"event_id": "évènement"}, "event"),
        ({"event_id": "x" * 101}, "event"),
        ({"signature": signature_compute(secret=SECRET, timestamp=str(NOW), body=BODY)}, "scheme"),
    ],
)
def test_a_request_signature_binds_method_path_time_event_and_body(changes, code):
    with pytest.raises(SignatureInvalid) as refusal:
        _verify_request(**changes)
    assert refusal.value.code == code
