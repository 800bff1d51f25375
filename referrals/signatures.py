"""HMAC-SHA256 signatures over ``timestamp + "." + body``, one scheme for both directions.

Lantern signs what it sends to partners, and partners sign the status updates they post back, each with
the partner's signing secret:

    X-Lantern-Timestamp: 1763766000
    X-Lantern-Signature: v1=<hex HMAC-SHA256(secret, b"1763766000." + raw body)>

The timestamp is inside the signed bytes, so a captured request cannot be replayed later than the
tolerance (five minutes) with a fresh timestamp. Pure: no database, no settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TIMESTAMP_HEADER = "X-Lantern-Timestamp"
SIGNATURE_HEADER = "X-Lantern-Signature"
EVENT_ID_HEADER = "X-Lantern-Event-Id"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
# Keep the parsed header small: a signature header is never longer than a few of these.
_MAX_SIGNATURE_HEADER = 1024


class SignatureInvalid(Exception):
    """The request is not signed by whoever it claims to come from, or too old to trust.

    ``code`` is one of ``missing``, ``timestamp``, ``stale`` or ``mismatch``, for a caller that explains."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def secret_new() -> str:
    return secrets.token_urlsafe(32)


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signature_verify(
    *, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise ``SignatureInvalid`` unless ``signature`` signs ``timestamp`` and ``body`` with ``secret``
    and the timestamp is within ``tolerance`` seconds of ``now`` (either way: clocks drift both ways)."""
    if not secret:
        raise SignatureInvalid("mismatch", "no signing secret is configured for this partner")
    if not timestamp or not signature:
        raise SignatureInvalid("missing", f"the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SignatureInvalid("timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureInvalid("stale", "the timestamp is more than five minutes away from now")
    if len(signature) > _MAX_SIGNATURE_HEADER:
        raise SignatureInvalid("mismatch", "the signature header is too long")
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    # Several comma-separated signatures are accepted, so a partner can sign with an old and a new
    # secret while rotating. Every candidate is compared in constant time.
    candidates = [part.strip() for part in signature.split(",")]
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode("utf-8", "replace"), expected.encode("ascii"))
    if not matched:
        raise SignatureInvalid("mismatch", "the signature does not match")
