"""One small class per channel. ``deliver(referral)`` answers a ``kernel.delivery.DeliveryResult``; it never raises for
anything the outside world does, and never touches the database.

Outcomes follow the partner's answer: delivered (2xx); a temporary failure (5xx, 408, 429, timeouts,
refused connections, mail servers that are down) is retried with backoff; a permanent failure (any other
4xx, a redirect, a refused recipient, a missing service code) stops and waits for an operator.
"""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils import translation
from django.utils.translation import gettext as _

from kernel.delivery import DeliveryResult, Outcome
from referrals.models import Partner, Referral
from referrals.signatures import EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_compute

USER_AGENT = "Lantern-Referrals/1"
# Partners answer with a short acknowledgement; anything longer is not read.
_MAX_RESPONSE_BYTES = 64 * 1024
_RETRYABLE_4XX = (408, 429)


def envelope(referral: Referral) -> dict[str, Any]:
    """What every channel carries: the stable event id, the referral's identity and the snapshot."""
    return {
        "event_id": str(referral.event_id),
        "type": "referral.created",
        "referral_id": str(referral.id),
        "partner_kind": referral.partner_kind,
        "urgent": referral.urgent,
        "created_at": referral.created_at.isoformat(),
        "report": referral.payload,
    }


def envelope_body(referral: Referral) -> bytes:
    """The JSON body, byte-identical on every retry (sorted keys, no whitespace)."""
    return json.dumps(envelope(referral), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def outcome_of_status(status: int) -> Outcome:
    if 200 <= status < 300:
        return "delivered"
    if status in _RETRYABLE_4XX or status >= 500:
        return "temporary"
    # Redirects are not followed: a webhook that moved is a configuration for an operator to fix.
    if 300 <= status < 500:
        return "permanent"
    return "temporary"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def _http_post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, bytes, str]:
    """POST and answer (status or None, the start of the response body, a diagnostic)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return None, b"", "not an http(s) URL"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        # The timeout bounds connecting and each read; a partner cannot hold a worker much longer.
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(_MAX_RESPONSE_BYTES), ""
    except urllib.error.HTTPError as exc:
        try:
            content = exc.read(_MAX_RESPONSE_BYTES)
        except (OSError, ValueError):
            content = b""
        return exc.code, content, f"HTTP {exc.code}"
    except TimeoutError:
        return None, b"", f"timed out after {timeout:g} s"
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return None, b"", f"timed out after {timeout:g} s"
        return None, b"", f"connection failed: {reason}"
    except (ConnectionError, OSError) as exc:
        return None, b"", f"connection failed: {exc}"


def _timeout() -> float:
    return float(settings.REFERRAL_WEBHOOK_TIMEOUT_SECONDS)


class WebhookTransport:
    """JSON POST, signed with the partner's secret; the event id is the idempotency key."""

    def deliver(self, referral: Referral) -> DeliveryResult:
        partner = referral.partner
        body = envelope_body(referral)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: str(referral.event_id),
            "Idempotency-Key": str(referral.event_id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature_compute(secret=partner.signing_secret, timestamp=timestamp, body=body),
        }
        status, _body, diagnostic = _http_post(partner.endpoint, body=body, headers=headers, timeout=_timeout())
        if status is None:
            outcome: Outcome = "permanent" if diagnostic == "not an http(s) URL" else "temporary"
            return DeliveryResult(outcome, diagnostic)
        return DeliveryResult(outcome_of_status(status), diagnostic or f"HTTP {status}", status_code=status)


class EmailTransport:
    """A plain-text e-mail with the signed JSON attached, through Django's mail backend."""

    def deliver(self, referral: Referral) -> DeliveryResult:
        partner = referral.partner
        body = envelope_body(referral)
        timestamp = str(int(time.time()))
        language = (partner.languages or [settings.LANGUAGE_CODE])[0]
        with translation.override(language):
            subject = (_("[Lantern] Urgent referral %(id)s") if referral.urgent else _("[Lantern] Referral %(id)s")) % {
                "id": str(referral.id)[:8]
            }
            text = _email_text(referral)
        message = EmailMessage(
            subject=subject, body=text, from_email=settings.REFERRAL_EMAIL_FROM,
            to=[partner.endpoint.removeprefix("mailto:")],
            headers={
                # One Message-ID per event: mail systems drop a retried duplicate, partners can too.
                "Message-ID": make_msgid(idstring=str(referral.event_id), domain="lantern.referrals"),
                EVENT_ID_HEADER: str(referral.event_id),
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature_compute(secret=partner.signing_secret, timestamp=timestamp, body=body),
            },
        )
        message.attach("referral.json", body, "application/json")
        try:
            # The mailer's timeout (MAILERS OPTIONS) bounds a mail server that hangs, like the webhook's.
            sent = mailers.default.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            return DeliveryResult("permanent", f"mail refused: {exc}")
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult("temporary", f"mail server: {exc}")
        except ValueError as exc:
            return DeliveryResult("permanent", f"mail not sendable: {exc}")
        if not sent:
            return DeliveryResult("temporary", "the mail backend sent nothing")
        return DeliveryResult("delivered", "handed to the mail server")


def _email_text(referral: Referral) -> str:
    lines = [
        _("A citizen using Lantern asked for this report to be referred to you."),
        _("Reference: %(id)s") % {"id": referral.id},
        _("Event id (the same on any resend): %(event)s") % {"event": referral.event_id},
    ]
    if referral.urgent:
        lines.append(_("URGENT: the report suggests someone may be in danger now."))
    lines.append("")
    for name, value in referral.payload.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
        lines.append(f"{name}: {shown}")
    lines += ["", _("The same data, signed, is attached as referral.json.")]
    return "\n".join(lines)


class Open311Transport:
    """``POST {endpoint}/requests.json`` of a GeoReport v2 server, form-encoded, with the partner's api_key."""

    def deliver(self, referral: Referral) -> DeliveryResult:
        partner = referral.partner
        payload = referral.payload
        category = payload.get("category", "")
        service_code = partner.service_codes.get(category) if partner.service_codes else category
        if not service_code:
            return DeliveryResult("permanent", f"no Open311 service_code is mapped for category {category!r}")
        location = payload.get("location")
        if not location:
            return DeliveryResult("permanent", "Open311 needs a location, and this referral carries none")
        lng, lat = location["coordinates"]
        form = {
            "api_key": partner.open311_api_key,
            "service_code": service_code,
            "lat": f"{lat}",
            "long": f"{lng}",
            "description": payload.get("description", ""),
        }
        url = partner.endpoint.rstrip("/") + "/requests.json"
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        status, content, diagnostic = _http_post(
            url, body=urllib.parse.urlencode(form).encode(), headers=headers, timeout=_timeout()
        )
        if status is None:
            outcome: Outcome = "permanent" if diagnostic == "not an http(s) URL" else "temporary"
            return DeliveryResult(outcome, diagnostic)
        outcome = outcome_of_status(status)
        if outcome != "delivered":
            return DeliveryResult(outcome, _open311_error(content) or diagnostic, status_code=status)
        return DeliveryResult("delivered", f"HTTP {status}", status_code=status, remote_id=_open311_id(content))


def _open311_id(content: bytes) -> str:
    try:
        answer = json.loads(content)
        first = answer[0] if isinstance(answer, list) and answer else answer
        return str(first.get("service_request_id") or first.get("token") or "")[:200]
    except (ValueError, TypeError, AttributeError, IndexError):
        return ""


def _open311_error(content: bytes) -> str:
    try:
        answer = json.loads(content)
        return "; ".join(f"{item['code']}: {item['description']}" for item in answer)[:500]
    except (ValueError, TypeError, KeyError):
        return ""


_TRANSPORTS = {
    Partner.Channel.WEBHOOK: WebhookTransport,
    Partner.Channel.EMAIL: EmailTransport,
    Partner.Channel.OPEN311: Open311Transport,
}


def transport_for(partner: Partner) -> WebhookTransport | EmailTransport | Open311Transport:
    return _TRANSPORTS[partner.channel]()
