"""Websocket authentication from the ``Authorization`` header (staff ``Token`` or device ``Bearer``).

Browsers cannot set headers on a websocket, so the moderator console authenticates with its Django
session (Channels' AuthMiddlewareStack); apps and scripts send the header like on HTTP.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from api.models import StaffToken
from reports.credentials import credential_digest
from reports.models import Device

ASGIApp = Any


@database_sync_to_async
def _principal(scheme: str, credential: str) -> Any | None:
    digest = credential_digest(credential)
    if scheme == "token":
        record = (
            StaffToken.objects.select_related("user").filter(key_hash=digest, revoked_at__isnull=True).first()
        )
        if record is not None and record.user.is_active:
            StaffToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
            return record.user
        return None
    if scheme == "bearer":
        return Device.objects.filter(token_hash=digest).first()
    return None


class HeaderAuthMiddleware:
    """Sets ``scope["user"]`` from an Authorization header; an invalid one leaves no user at all."""

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            header = dict(scope.get("headers") or []).get(b"authorization")
            if header:
                parts = header.decode("latin-1").split()
                user = None
                if len(parts) == 2 and len(parts[1]) <= 200:
                    user = await _principal(parts[0].lower(), parts[1])
                scope = {**scope, "user": user}
        return await self.inner(scope, receive, send)
