"""Push notifications through Firebase Cloud Messaging: the one class that talks to FCM.

Like every transport here (``kernel.delivery``), a send is delivered, fails for now (``temporary``: FCM
unavailable, an internal error, a timeout, the token endpoint down), finds its recipient gone
(``recipient_gone``: the app was uninstalled or the token is not an FCM token, so the device is deactivated), or
fails for good (``permanent``: anything else).

Credentials come from the environment (``FCM_CREDENTIALS_FILE``, a service-account JSON, and
``FCM_PROJECT_ID``). Without them push is off: one log line says so, and nothing else fails.

firebase-admin builds, validates and encodes every message and its credentials sign every request. By
default (``FCM_CLIENT=pooled``) the requests go out over ``alerts.push_connections``, keep-alive HTTP/1.1
connections on one event loop: the same requests as firebase-admin's ``send_each`` (``FCM_CLIENT=send_each``),
for about a sixth of its CPU per push (``benchmarks/push_client.py``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.conf import settings

from alerts.push_connections import FcmAnswer, FcmConnections
from kernel.delivery import DELIVERED, PERMANENT, RECIPIENT_GONE, TEMPORARY, DeliveryResult

logger = logging.getLogger(__name__)


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


def _classify(exception: Exception) -> DeliveryResult:
    from firebase_admin import exceptions as fb
    from firebase_admin import messaging

    if isinstance(exception, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        return DeliveryResult(RECIPIENT_GONE, "UNREGISTERED")
    code = str(getattr(exception, "code", "") or "").upper()
    if isinstance(exception, fb.InvalidArgumentError):
        # INVALID_ARGUMENT is also what a malformed message gets; only a token FCM rejects deactivates a device.
        text = str(exception).lower()
        if "token" in text:
            return DeliveryResult(RECIPIENT_GONE, "INVALID_ARGUMENT")
        return DeliveryResult(PERMANENT, "INVALID_ARGUMENT")
    if code.replace("-", "_") in _TRANSIENT or isinstance(exception, (fb.UnavailableError, fb.InternalError)):
        return DeliveryResult(TEMPORARY, code or type(exception).__name__)
    return DeliveryResult(PERMANENT, code or type(exception).__name__)


def _answer_classify(answer: FcmAnswer) -> DeliveryResult:
    """What FCM's answer to one request means, by the same exception types firebase-admin would raise."""
    if 200 <= answer.status < 300:
        return DeliveryResult(DELIVERED)
    if answer.status == 0:  # no answer: the network, or FCM too slow
        return DeliveryResult(TEMPORARY, answer.error.split(":", 1)[0] or "UNAVAILABLE")
    from firebase_admin import _utils, messaging

    error, text = _utils._parse_platform_error(answer.body.decode("utf-8", "replace"), answer.status)
    kind = messaging._MessagingService._build_fcm_error(error) or _utils._error_code_to_exception_type(
        error.get("status") or _utils._http_status_to_error_code(answer.status)
    )
    return _classify(kind(text))


# Answers worth one more try at once, as firebase-admin's own client does before giving up on a message.
_AGAIN_NOW = {500, 503}
_AGAIN_NOW_MAX_WAIT_SECONDS = 5.0
_TOKEN_PLACEHOLDER = "\x00token"  # noqa: S105 - stands for each device's token while encoding


_Encoded = dict[tuple[Any, ...], dict[str, Any]]  # a message's shape (all but its token) → firebase-admin's JSON


class PushTransport:
    """FCM HTTP v1: messages built and encoded by firebase-admin, signed with its credentials, sent over a pool
    of keep-alive connections (``FCM_CLIENT=pooled``) or by firebase-admin's ``send_each``."""

    def __init__(
        self, *, credentials_file: str, project_id: str, timeout: int = 10, batch_size: int = 500,
        client: str = "pooled", connections: int = 100,
    ) -> None:
        import firebase_admin
        from firebase_admin import credentials, messaging

        self.batch_size = max(1, min(batch_size, 500))
        self.client = client
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
        self._token_stale = False
        self._pool: FcmConnections | None = None
        if client == "pooled":
            self._pool = FcmConnections(
                url=messaging._MessagingService.FCM_URL.format(project_id), size=connections, timeout=timeout
            )
            self._headers = self._pool_headers()
            if self._pool.proxied():
                logger.warning(
                    "push: a proxy is set for %s, but FCM_CLIENT=pooled connects directly; set FCM_CLIENT=send_each "
                    "if FCM can only be reached through the proxy", self._pool.host,
                )
        else:
            self._pool_sized_for_batches()

    def _pool_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers firebase-admin sends with each message (but the access token, added per batch)."""
        import firebase_admin
        from firebase_admin import _utils

        return [
            (b"content-type", b"application/json"),
            (b"x-goog-api-format-version", b"2"),
            (b"x-firebase-client", f"fire-admin-python/{firebase_admin.__version__}".encode()),
            (b"x-goog-api-client", _utils.get_metrics_header().encode()),
            (b"user-agent", f"lantern fire-admin-python/{firebase_admin.__version__}".encode()),
        ]

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
        if not credential.valid or self._token_stale:
            credential.refresh(Request())
            self._token_stale = False

    def send(self, messages: Iterable[PushMessage]) -> list[DeliveryResult]:
        """One result per message, in order. Never raises for FCM's or the network's failures."""
        pending = list(messages)
        results: list[DeliveryResult] = []
        encoded: _Encoded = {}
        for start in range(0, len(pending), self.batch_size):
            batch = pending[start:start + self.batch_size]
            try:
                self._token_ensure()
                if self._pool is not None:
                    results.extend(self._send_pooled(batch, encoded))
                    continue
                response = self._messaging.send_each([self._message(m) for m in batch], app=self.app)
            except Exception as exc:  # the OAuth token endpoint down, a pool error…: the whole batch waits
                logger.warning("push: a batch of %d was not sent (%s); it will be retried", len(batch), exc)
                results.extend(DeliveryResult(TEMPORARY, type(exc).__name__) for _ in batch)
                continue
            for item in response.responses:
                results.append(DeliveryResult(DELIVERED) if item.success else _classify(item.exception))
        return results

    def _body(self, message: PushMessage, encoded: _Encoded) -> bytes:
        """The request body firebase-admin would send. Messages of one alert differ only by their token (and
        language): firebase-admin validates and encodes each distinct message once, the token is put in."""
        shape = (message.title, message.body, tuple(sorted(message.data.items())), message.collapse_key,
                 message.ttl, message.silent)
        template = encoded.get(shape)
        if template is None:
            template = encoded[shape] = self._messaging._MessagingService.encode_message(
                self._message(replace(message, token=_TOKEN_PLACEHOLDER))
            )
        return json.dumps({"message": {**template, "token": message.token}}, separators=(",", ":")).encode()

    def _send_pooled(self, batch: list[PushMessage], encoded: _Encoded) -> list[DeliveryResult]:
        assert self._pool is not None
        token = self.app.credential.get_credential().token
        headers = [*self._headers, (b"authorization", b"Bearer " + token.encode("ascii"))]
        bodies = [self._body(message, encoded) for message in batch]
        answers = self._pool.post_all(bodies, headers)
        again = [index for index, answer in enumerate(answers) if answer.status in _AGAIN_NOW]
        if again:
            waits = [float(answers[i].retry_after) for i in again if answers[i].retry_after.isdigit()]
            time.sleep(min(max(waits, default=0.0), _AGAIN_NOW_MAX_WAIT_SECONDS))
            for index, answer in zip(again, self._pool.post_all([bodies[i] for i in again], headers), strict=True):
                answers[index] = answer
        if any(answer.status == 401 for answer in answers):
            self._token_stale = True  # FCM no longer takes this token: fetch a new one before the next batch
        return [_answer_classify(answer) for answer in answers]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


_lock = threading.Lock()
_cache: dict[tuple[Any, ...], PushTransport] = {}
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
    key = (credentials_file, project_id, settings.FCM_TIMEOUT_SECONDS, settings.FCM_BATCH_SIZE,
           settings.FCM_CLIENT, settings.FCM_CONNECTIONS)
    with _lock:
        if key not in _cache:
            _cache[key] = PushTransport(
                credentials_file=credentials_file, project_id=project_id, timeout=settings.FCM_TIMEOUT_SECONDS,
                batch_size=settings.FCM_BATCH_SIZE, client=settings.FCM_CLIENT, connections=settings.FCM_CONNECTIONS,
            )
        return _cache[key]


def push_transport_reset() -> None:
    """Forget configured transports (tests and benchmarks switch between fakes)."""
    global _off_logged
    import firebase_admin

    with _lock:
        for transport in _cache.values():
            transport.close()
            firebase_admin.delete_app(transport.app)
        _cache.clear()
        _off_logged = False
