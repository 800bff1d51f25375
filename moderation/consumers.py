"""``/ws/moderation/``: live queue events for staff with the moderator (or admin) role.

A refused handshake is accepted and closed at once: 4401 when nobody is signed in (the console asks to
sign in again), 4403 for a signed-in account that is not a moderator. Closing before accepting would
answer HTTP 403, which reaches a browser as an anonymous 1006 the console cannot tell from a network failure.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from moderation.events import MODERATION_QUEUE
from moderation.selectors import user_is_moderator

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class ModerationQueueConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(user_is_moderator)(user):
            await self.accept()
            await self.close(code=FORBIDDEN if getattr(user, "is_authenticated", False) else UNAUTHENTICATED)
            return
        await self.channel_layer.group_add(MODERATION_QUEUE, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(MODERATION_QUEUE, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket only listens; actions go through the HTTP API, where they are validated and audited.
        return None

    async def queue_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "case": message["case"]})
