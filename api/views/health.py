"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import channel_layers
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    probe = secrets.token_hex(4)
    cache.set("health:probe", probe, timeout=10)
    if cache.get("health:probe") != probe:
        raise RuntimeError("cache did not return what was stored")


# How long the channel layer's round trip may take; Redis answers in a millisecond when it is well.
CHANNEL_LAYER_TIMEOUT_SECONDS = 3.0
# What a 503 asks a load balancer or a client to wait before asking again.
RETRY_AFTER_SECONDS = 5


def _channel_layer() -> None:
    """A message sent and received through a layer of its own, made from the same settings.

    Not through the process's layer: channels_redis lets one event loop at a time receive on a layer, and the
    sockets' loop is always receiving, so a round trip from this request's thread would fail whenever a socket
    is open. The layer of its own opens its own connections and closes them afterwards."""
    if DEFAULT_CHANNEL_LAYER not in channel_layers.configs:
        raise RuntimeError("no channel layer configured")
    layer = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)

    async def roundtrip() -> None:
        try:
            channel = await layer.new_channel("health.")
            await layer.send(channel, {"type": "health.probe"})
            message = await layer.receive(channel)
            if message.get("type") != "health.probe":
                raise RuntimeError("channel layer returned another message")
        finally:
            close = getattr(layer, "close_pools", None) or layer.flush
            await close()

    async def bounded() -> None:
        await asyncio.wait_for(roundtrip(), CHANNEL_LAYER_TIMEOUT_SECONDS)

    async_to_sync(bounded)()


_CHECKS = {"database": _database, "cache": _cache, "channel_layer": _channel_layer}


class HealthView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: {"type": "object", "example": {"status": "ok", "checks": {"database": "ok"}}}},
        tags=["operations"],
    )
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        for name, check in _CHECKS.items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                logger.warning("health check %s failed: %s", name, exc)
                checks[name] = "unavailable"
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "ok" if healthy else "degraded", "checks": checks}
        if not healthy:
            body.update(
                {"type": "urn:lantern:problem:unhealthy", "title": "Service unavailable", "status": 503,
                 "detail": "A backing service does not answer: " + ", ".join(
                     name for name, value in checks.items() if value != "ok")}
            )
            return Response(body, status=503, content_type="application/problem+json",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
        return Response(body, headers={"Cache-Control": "no-store"})
