"""Push notifications through Firebase Cloud Messaging: the one class that talks to FCM.

Like every transport here, a send either succeeds, fails temporarily (``retry``: FCM unavailable, an
internal error, a timeout, the token endpoint down), or fails permanently (``invalid_token``: the app was
uninstalled or the token is not an FCM token, so the device is deactivated; ``failed``: anything else).

Credentials come from the environment (``FCM_CREDENTIALS_FILE``, a service-account JSON, and
``FCM_PROJECT_ID``). Without them push is off: one log line says so, and nothing else fails.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

SENT, RETRY, INVALID_TOKEN, FAILED = "sent", "retry", "invalid_token", "failed"

# FCM error codes (firebase_admin exception classes' ``code``) that mean "try again later".
_TRANSIENT = {"UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED", "UNKNOWN", "RESOURCE_EXHAUSTED", "ABORTED",
              "QUOTA_EXCEEDED", "UNAUTHENTICATED", "PERMISSION_DENIED", "THIRD_PARTY_AUTH_ERROR"}


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str = ""
    body: str = ""
    data: dict[str, str] = field(default_factory=dict)
    # Android collapse key / APNs collapse id: should a retry ever deliver twice, the phone shows one.
    collapse_key: str = ""
    ttl: timedelta | None = None
    silent: bool = False  # data only: the app updates itself, the phone makes no sound


@dataclass(frozen=True)
class PushResult:
    outcome: str  # SENT, RETRY, INVALID_TOKEN or FAILED
    error: str = ""


def _classify(exception: Exception) -> PushResult:
    from firebase_admin import exceptions as fb
    from firebase_admin import messaging

    if isinstance(exception, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        return PushResult(INVALID_TOKEN, "UNREGISTERED")
    code = str(getattr(exception, "code", "") or "").upper()
    if isinstance(exception, fb.InvalidArgumentError):
        # INVALID_ARGUMENT is also what a malformed message gets; only a token FCM rejects deactivates a device.
        text = str(exception).lower()
        if "token" in text:
            return PushResult(INVALID_TOKEN, "INVALID_ARGUMENT")
        return PushResult(FAILED, "INVALID_ARGUMENT")
    if code.replace("-", "_") in _TRANSIENT or isinstance(exception, (fb.UnavailableError, fb.InternalError)):
        return PushResult(RETRY, code or type(exception).__name__)
    return PushResult(FAILED, code or type(exception).__name__)


class PushTransport:
    """FCM HTTP v1 through firebase-admin, in batches of ``FCM_BATCH_SIZE`` (at most 500) per ``send_each``."""

    def __init__(self, *, credentials_file: str, project_id: str, timeout: int = 10, batch_size: int = 500) -> None:
        import firebase_admin
        from firebase_admin import credentials, messaging

        self.batch_size = max(1, min(batch_size, 500))
        certificate = credentials.Certificate(credentials_file)
        # A named app per configuration: tests and benchmarks point a second one at a local fake.
        name = "lantern-push-" + hashlib.sha256(f"{credentials_file}|{project_id}".encode()).hexdigest()[:12]
        try:
            self.app = firebase_admin.get_app(name)
        except ValueError:
            self.app = firebase_admin.initialize_app(
                certificate, {"projectId": project_id, "httpTimeout": timeout}, name=name
            )
        self._messaging = messaging
        self._pool_sized_for_batches()

    def _pool_sized_for_batches(self) -> None:
        """``send_each`` runs one thread per message of a batch, but firebase-admin pools 100 connections to
        FCM: the other 400 are opened and discarded on every batch (each a TLS handshake in production, and
        a "pool is full" warning). A pool as large as the batch keeps them all."""
        import requests.adapters
        from firebase_admin import _http_client

        url = self._messaging._MessagingService.FCM_URL
        origin = "/".join(url.split("/")[:3])
        try:
            service = self._messaging._get_messaging_service(self.app)
            adapter = requests.adapters.HTTPAdapter(
                pool_connections=1, pool_maxsize=self.batch_size, max_retries=_http_client.DEFAULT_RETRY_CONFIG
            )
            service._client.session.mount(origin, adapter)
        except AttributeError:  # firebase-admin's internals moved: its own pool still works
            logger.debug("push: could not size the connection pool for %s", origin)

    def _message(self, message: PushMessage) -> Any:
        ttl_seconds = int(message.ttl.total_seconds()) if message.ttl else None
        apns_headers = {"apns-collapse-id": message.collapse_key[:64]} if message.collapse_key else {}
        if message.silent:
            apns_headers["apns-push-type"] = "background"
            apns_headers["apns-priority"] = "5"
        with warnings.catch_warnings():
            # firebase-admin 7 prefers installation ids (``fid``); the apps register FCM registration
            # tokens, which FCM HTTP v1 still takes as ``token``.
            warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
            return self._message_with_token(message, apns_headers, ttl_seconds)

    def _message_with_token(self, message: PushMessage, apns_headers: dict[str, str], ttl_seconds: int | None) -> Any:
        messaging = self._messaging
        return messaging.Message(
            token=message.token,
            data=message.data or None,
            notification=None if message.silent else messaging.Notification(title=message.title, body=message.body),
            android=messaging.AndroidConfig(
                collapse_key=message.collapse_key or None, priority="normal", ttl=ttl_seconds
            ),
            apns=messaging.APNSConfig(
                headers=apns_headers or None,
                payload=messaging.APNSPayload(aps=messaging.Aps(content_available=True if message.silent else None)),
            ),
        )

    def _token_ensure(self) -> None:
        """Refresh the OAuth access token once, here, when it is missing or expiring: otherwise each of
        ``send_each``'s 500 threads would find it missing and ask the token endpoint at the same time."""
        from google.auth.transport.requests import Request

        credential = self.app.credential.get_credential()
        if not credential.valid:
            credential.refresh(Request())

    def send(self, messages: Iterable[PushMessage]) -> list[PushResult]:
        """One result per message, in order. Never raises for FCM's or the network's failures."""
        pending = list(messages)
        results: list[PushResult] = []
        for start in range(0, len(pending), self.batch_size):
            batch = pending[start:start + self.batch_size]
            try:
                self._token_ensure()
                response = self._messaging.send_each([self._message(m) for m in batch], app=self.app)
            except Exception as exc:  # the OAuth token endpoint down, a pool error…: the whole batch waits
                logger.warning("push: a batch of %d was not sent (%s); it will be retried", len(batch), exc)
                results.extend(PushResult(RETRY, type(exc).__name__) for _ in batch)
                continue
            for item in response.responses:
                results.append(PushResult(SENT) if item.success else _classify(item.exception))
        return results


_lock = threading.Lock()
_cache: dict[tuple[str, str, int, int], PushTransport] = {}
_off_logged = False


def push_transport() -> PushTransport | None:
    """The configured transport, or None when push is off (said once per process, in one log line)."""
    global _off_logged
    credentials_file, project_id = settings.FCM_CREDENTIALS_FILE, settings.FCM_PROJECT_ID
    if not credentials_file or not project_id:
        if not _off_logged:
            _off_logged = True
            logger.warning(
                "push notifications are off: set FCM_CREDENTIALS_FILE and FCM_PROJECT_ID to send them "
                "(alerts are still published in the app and on live feeds)"
            )
        return None
    key = (credentials_file, project_id, settings.FCM_TIMEOUT_SECONDS, settings.FCM_BATCH_SIZE)
    with _lock:
        if key not in _cache:
            _cache[key] = PushTransport(
                credentials_file=credentials_file, project_id=project_id, timeout=settings.FCM_TIMEOUT_SECONDS,
                batch_size=settings.FCM_BATCH_SIZE,
            )
        return _cache[key]


def push_transport_reset() -> None:
    """Forget configured transports (tests and benchmarks switch between fakes)."""
    global _off_logged
    import firebase_admin

    with _lock:
        for transport in _cache.values():
            firebase_admin.delete_app(transport.app)
        _cache.clear()
        _off_logged = False
