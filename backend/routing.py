"""Websocket routes. Consumers are thin: they authenticate in connect and relay events."""

from __future__ import annotations

from django.urls import path

from moderation.consumers import ModerationQueueConsumer

websocket_urlpatterns = [
    path("ws/moderation/", ModerationQueueConsumer.as_asgi()),
]
