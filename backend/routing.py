"""Websocket routes. Consumers are thin: they authenticate in connect and relay events."""

from __future__ import annotations

from django.urls import path

from alerts.consumers import AlertFeedConsumer
from moderation.consumers import ModerationQueueConsumer

websocket_urlpatterns = [
    path("ws/moderation/", ModerationQueueConsumer.as_asgi()),
    path("ws/alerts/", AlertFeedConsumer.as_asgi()),
]
