"""HMAC-SHA256 signatures with each partner's signing secret, one scheme per direction.

Lantern signs what it sends to partners (``v1``, over ``timestamp + "." + body``):

    X-Lantern-Timestamp: 1763766000
    X-Lantern-Signature: v1=<hex HMAC-SHA256(secret, b"1763766000." + raw body)>

Partners sign the status updates they post back with ``v2``, which also binds the request itself:

    X-Lantern-Event-Id:  <the partner's id for this update, never reused>
    X-Lantern-Timestamp: 1763766000
    X-Lantern-Signature: v2=<hex HMAC-SHA256(secret, "v2\nPOST\n<path>\n1763766000\n<event id>\n" + raw body)>

``v1`` did not cover the method or the path, so an update signed for one referral could be posted, within
five minutes, about any other referral of the same partner; the path carries the referral id, so ``v2``
binds it. The event id inside the signed bytes lets the receiver refuse a second use of one signed request
(that check needs storage, so it is the caller's). ``v1`` is refused on that endpoint. The timestamp is
inside the signed bytes in both, so a captured request cannot be replayed later than the tolerance (five
minutes) with a fresh timestamp. Pure: no database, no settings.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TIMESTAMP_HEADER = "X-Lantern-Timestamp"
SIGNATURE_HEADER = "X-Lantern-Signature"
EVENT_ID_HEADER = "X-Lantern-Event-Id"
SCHEME = "v1"
REQUEST_SCHEME = "v2"
# An event id is the partner's: a UUID is the natural choice, anything printable and short will do.
_EVENT_ID_MAX = 100
TOLERANCE_SECONDS = 300
# Keep the parsed header small: a signature header is never longer than a few of these.
_MAX_SIGNATURE_HEADER = 1024


class SignatureInvalid(Exception):
    """The request is not signed by whoever it claims to come from, or too old to trust.

    ``code`` is one of ``missing``, ``timestamp``, ``stale``, ``event``, ``scheme`` or ``mismatch``, for a
    caller that explains."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def secret_new() -> str:
    return secrets.token_urlsafe(32)


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def request_signature_compute(
    *, secret: str, method: str, path: str, timestamp: str, event_id: str, body: bytes
) -> str:
    """``v2``: the signature of one request, bound to its method, path, time and event id."""
    signed = f"{REQUEST_SCHEME}\n{method.upper()}\n{path}\n{timestamp}\n{event_id}\n".encode() + body
    mac = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256)
    return f"{REQUEST_SCHEME}={mac.hexdigest()}"


def _check_headers(
    *, secret: str, timestamp: str | None, signature: str | None, now: float, tolerance: int
) -> tuple[str, str]:
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
    return timestamp, signature


def _match(signature: str, expected: str) -> None:
    # Several comma-separated signatures are accepted, so a partner can sign with an old and a new
    # secret while rotating. Every candidate is compared in constant time.
    candidates = [part.strip() for part in signature.split(",")]
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode("utf-8", "replace"), expected.encode("ascii"))
    if not matched:
        raise SignatureInvalid("mismatch", "the signature does not match")


def signature_verify(
    *, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise ``SignatureInvalid`` unless ``signature`` signs ``timestamp`` and ``body`` with ``secret``
    and the timestamp is within ``tolerance`` seconds of ``now`` (either way: clocks drift both ways)."""
    timestamp, signature = _check_headers(
        secret=secret, timestamp=timestamp, signature=signature, now=now, tolerance=tolerance
    )
    _match(signature, signature_compute(secret=secret, timestamp=timestamp, body=body))


def request_signature_verify(
    *, secret: str, method: str, path: str, timestamp: str | None, event_id: str | None, signature: str | None,
    body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Raise ``SignatureInvalid`` unless ``signature`` is a ``v2`` signature of this very request (method,
    path, timestamp within ``tolerance`` of ``now``, event id, body); answer the event id, which the caller
    must refuse to accept twice."""
    timestamp, signature = _check_headers(
        secret=secret, timestamp=timestamp, signature=signature, now=now, tolerance=tolerance
    )
    if not event_id:
        raise SignatureInvalid("missing", f"the {EVENT_ID_HEADER} header is required")
    if len(event_id) > _EVENT_ID_MAX or not event_id.isascii() or not event_id.isprintable() or " " in event_id:
        raise SignatureInvalid("event", f"{EVENT_ID_HEADER} must be at most {_EVENT_ID_MAX} printable ASCII characters")
    candidates = [part.strip() for part in signature.split(",")]
    if not any(candidate.startswith(f"{REQUEST_SCHEME}=") for candidate in candidates):
        # Said plainly, so a partner still on v1 knows what to change rather than doubting its secret.
        raise SignatureInvalid("scheme", f"only {REQUEST_SCHEME} signatures are accepted here")
    _match(signature, request_signature_compute(
        secret=secret, method=method, path=path, timestamp=timestamp, event_id=event_id, body=body,
    ))
    return event_id
