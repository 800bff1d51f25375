"""The HMAC-SHA256 signature scheme partners implement: ``v1=hex(HMAC(secret, timestamp + "." + body))``."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from referrals.signatures import SignatureInvalid, signature_compute, signature_verify

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
